/** Partner items (World Headlines) and the partner feeds they are polled from. */
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { PartnerItemsTable } from './schema.ts';
import type { PartnerFeedsTable } from './schema.ts';
import type { FeedItem } from './parse.ts';

export type PartnerItem = Selectable<PartnerItemsTable>;
export type PartnerFeed = Selectable<PartnerFeedsTable>;
type DB = Kysely<Database>;

export async function latestPartnerItems(db: DB, limit = 4, offset = 0): Promise<PartnerItem[]> {
  return db
    .selectFrom('partner_items')
    .selectAll()
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countPartnerItems(db: DB): Promise<number> {
  const r = await db
    .selectFrom('partner_items')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listFeeds(db: DB): Promise<PartnerFeed[]> {
  return db.selectFrom('partner_feeds').selectAll().orderBy('name').orderBy('id').execute();
}

export async function getFeed(db: DB, id: number): Promise<PartnerFeed | undefined> {
  return db.selectFrom('partner_feeds').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function addFeed(db: DB, name: string, url: string, now: string): Promise<number> {
  const row = await db
    .insertInto('partner_feeds')
    .values({ name, url, error_count: 0, item_count: 0, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function deleteFeed(db: DB, id: number): Promise<void> {
  await db.deleteFrom('partner_feeds').where('id', '=', id).execute();
}

export async function countFeedErrors(db: DB): Promise<number> {
  const r = await db
    .selectFrom('partner_feeds')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('last_error', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** `f<feed id>:<sha1 of guid or link>`: one row per item of a feed, however often it is polled. */
export function itemKey(feedId: number, key: string): string {
  return `f${feedId}:${createHash('sha1').update(key).digest('hex')}`;
}

/** Stores new items (already-known keys are skipped); returns how many were new. */
export async function saveItems(
  db: DB,
  feed: Pick<PartnerFeed, 'id' | 'name'>,
  items: FeedItem[],
): Promise<number> {
  let added = 0;
  for (const it of items) {
    const r = await db
      .insertInto('partner_items')
      .values({
        source: feed.name,
        title: it.title,
        summary: it.summary,
        url: it.url,
        published_at: it.publishedAt,
        is_demo: 0,
        feed_id: feed.id,
        unique_key: itemKey(feed.id, it.key),
      })
      .onConflict((oc) => oc.column('unique_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (r) added++;
  }
  return added;
}
