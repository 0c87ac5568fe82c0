/** House ads: stored adverts shown in the fixed-size slot inside stories. */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { AdsTable } from './schema.ts';
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

/** Ads that may run in a section: untargeted ads, and ads naming the section. */
export function adsForSection<T extends { sections: string }>(
  ads: T[],
  sectionSlug: string | null,
): T[] {
  return ads.filter(
    (a) => !a.sections.trim() || (sectionSlug !== null && a.sections.includes(` ${sectionSlug} `)),
  );
}

/** ` news cablegate ` from a list of slugs (the stored form, so a LIKE/includes finds whole slugs). */
export function sectionsField(slugs: string[]): string {
  const clean = [...new Set(slugs.map((s) => s.trim()).filter(Boolean))];
  return clean.length ? ` ${clean.join(' ')} ` : '';
}

export async function listAds(db: Kysely<Database>): Promise<Ad[]> {
  return db.selectFrom('ads').selectAll().orderBy('id', 'desc').execute();
}

export async function getAd(db: Kysely<Database>, id: number): Promise<Ad | undefined> {
  return db.selectFrom('ads').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface AdInput {
  kind: 'text' | 'image';
  headline: string;
  body: string;
  image_url: string | null;
  link_url: string;
  weight: number;
  starts_at: string | null;
  ends_at: string | null;
  sections: string;
}

export async function createAd(db: Kysely<Database>, a: AdInput): Promise<number> {
  const r = await db
    .insertInto('ads')
    .values({ ...a, is_demo: 0, created_at: nowIso() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateAd(db: Kysely<Database>, id: number, a: AdInput): Promise<void> {
  await db.updateTable('ads').set(a).where('id', '=', id).execute();
}

export async function deleteAd(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('ads').where('id', '=', id).execute();
}

export async function countClick(db: Kysely<Database>, id: number): Promise<void> {
  await db
    .updateTable('ads')
    .set((eb) => ({ clicks: eb('clicks', '+', 1) }))
    .where('id', '=', id)
    .execute();
}
