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

/** How many headlines each feed has now (demo ones counted apart), by feed id. */
export async function feedItemCounts(
  db: DB,
): Promise<Map<number, { items: number; demo: number }>> {
  const rows = await db
    .selectFrom('partner_items')
    .select((eb) => ['feed_id', 'is_demo', eb.fn.countAll<number | string>().as('n')])
    .where('feed_id', 'is not', null)
    .groupBy(['feed_id', 'is_demo'])
    .execute();
  const out = new Map<number, { items: number; demo: number }>();
  for (const r of rows) {
    const c = out.get(r.feed_id!) ?? { items: 0, demo: 0 };
    c.items += Number(r.n);
    if (r.is_demo) c.demo += Number(r.n);
    out.set(r.feed_id!, c);
  }
  return out;
}

export type FeedUpdate =
  | { status: 'missing' }
  | { status: 'taken'; by: string }
  | { status: 'unchanged' }
  | { status: 'saved'; renamed: boolean; moved: boolean };

/**
 * Renames a feed and/or gives it a new address. Its headlines take the new name (it is shown with
 * each one). A new address starts afresh: no validators, no error, not yet polled from there. An
 * address another feed has is refused and nothing changes.
 */
export async function updateFeed(
  db: DB,
  id: number,
  change: { name: string; url: string },
): Promise<FeedUpdate> {
  return db.transaction().execute(async (trx) => {
    const feed = await getFeed(trx, id);
    if (!feed) return { status: 'missing' };
    const renamed = change.name !== feed.name;
    const moved = change.url !== feed.url;
    if (!renamed && !moved) return { status: 'unchanged' };
    if (moved) {
      const other = await trx
        .selectFrom('partner_feeds')
        .select('name')
        .where('url', '=', change.url)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (other) return { status: 'taken', by: other.name };
    }
    await trx
      .updateTable('partner_feeds')
      .set({
        name: change.name,
        ...(moved
          ? {
              url: change.url,
              etag: null,
              last_modified: null,
              last_polled_at: null,
              last_ok_at: null,
              last_error: null,
              error_count: 0,
            }
          : {}),
      })
      .where('id', '=', id)
      .execute();
    if (renamed)
      await trx
        .updateTable('partner_items')
        .set({ source: change.name })
        .where('feed_id', '=', id)
        .execute();
    return { status: 'saved', renamed, moved };
  });
}

/**
 * Removes a feed and its headlines (an editor who removes a source expects its headlines to leave
 * World Headlines and the home page; a feed added again brings back what it still publishes).
 * Returns the feed as it was and how many headlines went with it, or null when there was no feed.
 */
export async function deleteFeed(
  db: DB,
  id: number,
): Promise<{ feed: PartnerFeed; items: number } | null> {
  return db.transaction().execute(async (trx) => {
    const feed = await getFeed(trx, id);
    if (!feed) return null;
    const gone = await trx.deleteFrom('partner_items').where('feed_id', '=', id).executeTakeFirst();
    await trx.deleteFrom('partner_feeds').where('id', '=', id).execute();
    return { feed, items: Number(gone.numDeletedRows) };
  });
}

/**
 * Demo headlines stand in for a partner's own until its feed delivers: once a poll has stored real
 * items, the feed's demo items are removed. Returns how many went.
 */
export async function dropDemoItems(db: DB, feedId: number): Promise<number> {
  const r = await db
    .deleteFrom('partner_items')
    .where('feed_id', '=', feedId)
    .where('is_demo', '=', 1)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
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
