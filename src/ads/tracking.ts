/**
 * Counting ads without slowing pages: impressions are added up in memory and written every few
 * seconds in one small update per ad; clicks go through `/ads/<id>/click?sig=…`, signed with an
 * HMAC whose secret lives in the settings table (created once, shared by every process).
 */
import { storedSecret } from '../platform/settings.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';

const SECRET_KEY = 'ads.click_secret';

/** The click-signing secret, created on first use; concurrent first uses agree on one value. */
export function clickSecret(db: Kysely<Database>): Promise<string> {
  return storedSecret(db, SECRET_KEY);
}

export function clickSignature(secret: string, adId: number): string {
  return createHmac('sha256', secret).update(`ad-click:${adId}`).digest('base64url').slice(0, 32);
}

export function clickUrl(secret: string, adId: number): string {
  return `/ads/${adId}/click?sig=${clickSignature(secret, adId)}`;
}

export function validClick(secret: string, adId: number, sig: unknown): boolean {
  if (typeof sig !== 'string') return false;
  const a = Buffer.from(clickSignature(secret, adId));
  const b = Buffer.from(sig);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ImpressionCounter {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly intervalMs = 5000,
  ) {}

  count(adId: number): void {
    this.pending.set(adId, (this.pending.get(adId) ?? 0) + 1);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => {}), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what has been counted; counts that fail to write are kept for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.pending.size) return;
      const batch = this.pending;
      this.pending = new Map();
      for (const [id, n] of batch) {
        try {
          await this.db
            .updateTable('ads')
            .set((eb) => ({ impressions: eb('impressions', '+', n) }))
            .where('id', '=', id)
            .execute();
        } catch {
          this.pending.set(id, (this.pending.get(id) ?? 0) + n);
        }
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
