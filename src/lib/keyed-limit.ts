/**
 * A sliding-window limit per key (an email address, say): at most `max` uses in any `windowMs`.
 * Kept in process memory, like the per-client rate limits: with several processes each enforces
 * its own share. The clock is passed in, so callers (and tests) decide what time it is. The number
 * of keys is bounded, so a flood of distinct keys cannot grow it without end.
 */
export class KeyedLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Counts one use of `key` at `now` (ms) if the limit allows it; false, counting nothing, when it does not. */
  take(key: string, now: number): boolean {
    const since = now - this.windowMs;
    const recent = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.delete(key);
    this.hits.set(key, recent);
    if (this.hits.size > this.maxKeys) this.sweep(now);
    return true;
  }

  /** Drops keys with no use left in the window; if still too many, the least recently used. */
  private sweep(now: number): void {
    const since = now - this.windowMs;
    for (const [k, times] of this.hits) if (!times.some((t) => t > since)) this.hits.delete(k);
    for (const k of this.hits.keys()) {
      if (this.hits.size <= this.maxKeys) break;
      this.hits.delete(k);
    }
  }

  get size(): number {
    return this.hits.size;
  }
}
