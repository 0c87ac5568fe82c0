/**
 * Page views per organisation per day, counted in memory and written as aggregate increments every
 * few seconds, so a page view costs a map update. No address is kept: only the organisation the
 * request was matched to, whether it was covered, and how it was matched (seat, domain, network,
 * api-key).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';

export const USAGE_FLUSH_MS = 5000;

export class UsageCounter {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly flushMs = USAGE_FLUSH_MS,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  count(organisationId: number, covered: boolean, route: string, at = new Date()): void {
    const key = `${organisationId}|${at.toISOString().slice(0, 10)}|${covered ? 1 : 0}|${route}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (!this.timer && this.flushMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes the counted views (each key one upsert); views that fail to write are kept for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.db.transaction().execute(async (trx) => {
          for (const [key, n] of batch) {
            const [org, day, covered, route] = key.split('|');
            await trx
              .insertInto('usage_daily')
              .values({
                organisation_id: Number(org),
                day,
                covered: Number(covered),
                route,
                count: n,
              })
              .onConflict((oc) =>
                oc
                  .columns(['organisation_id', 'day', 'covered', 'route'])
                  .doUpdateSet((eb) => ({ count: eb('usage_daily.count', '+', n) })),
              )
              .execute();
          }
        });
      } catch (err) {
        for (const [k, n] of batch) this.pending.set(k, (this.pending.get(k) ?? 0) + n);
        this.onError(err);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
