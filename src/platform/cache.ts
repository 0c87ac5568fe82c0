/**
 * Small in-process caches for data every page shows and editors rarely change (sections, partner
 * items, ads). Entries live for a few seconds, so a change made through another process (a fleet on
 * PostgreSQL) shows up everywhere within that time; nothing here must be authoritative.
 */
/** How long per-process copies of shared page data live. */
export const SHARED_TTL_MS = 2000;

let generation = 0;

/**
 * A number that changes whenever this process learns that shown data changed (a shared cache was
 * emptied, content changed): what was rendered before it changed is not answered again.
 */
export function dataGeneration(): number {
  return generation;
}

/** Says that shown data changed (see `dataGeneration`). */
export function dataChanged(): void {
  generation++;
}

export function ttlCache<T>(
  load: () => Promise<T>,
  ttlMs: number,
): { get(): Promise<T>; clear(): void } {
  let value: Promise<T> | undefined;
  let expires = 0;
  return {
    get() {
      const now = Date.now();
      if (!value || now >= expires) {
        expires = now + ttlMs;
        const p = load();
        value = p;
        // A failed load is not kept: the next request tries again.
        p.catch(() => {
          if (value === p) value = undefined;
        });
      }
      return value;
    },
    clear() {
      value = undefined;
      dataChanged();
    },
  };
}

/** A bounded map that forgets the least recently used entry. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  delete(key: K): void {
    this.map.delete(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as K);
    this.map.set(key, value);
  }
}
