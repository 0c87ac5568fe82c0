/** House ads: stored adverts shown in the fixed-size slot inside stories. */
import type { Kysely, Selectable } from 'kysely';
import type { AdsTable, Database } from '../platform/schema.ts';
import { nowIso } from '../platform/db.ts';

export type Ad = Selectable<AdsTable>;

/** Ads running now (inside their start/end dates). */
export async function activeAds(db: Kysely<Database>, now = nowIso()): Promise<Ad[]> {
  return db
    .selectFrom('ads')
    .selectAll()
    .where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', now)]))
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .where('weight', '>', 0)
    .orderBy('id')
    .execute();
}

/**
 * Picks one ad with probability proportional to its weight. `random` is in [0, 1);
 * passing it in keeps the choice pure and testable.
 */
export function pickByWeight<T extends { weight: number }>(ads: T[], random: number): T | null {
  const total = ads.reduce((n, a) => n + Math.max(0, a.weight), 0);
  if (total <= 0) return null;
  let target = random * total;
  for (const a of ads) {
    target -= Math.max(0, a.weight);
    if (target < 0) return a;
  }
  return ads[ads.length - 1];
}
