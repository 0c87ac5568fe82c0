/**
 * Polling partner feeds: each feed is fetched (conditionally) and parsed, its new items stored, and
 * the outcome recorded on the feed row for the dashboard (demo headlines of the feed, if any, give way
 * to the first real ones). One feed's failure never stops the others and never throws out of
 * `pollAllFeeds`.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Config } from '../config.ts';
import { parseOutboundAllow } from '../platform/outbound.ts';
import { fetchFeed, FEED_LIMITS, type FetchLimits } from './fetch.ts';
import { FeedError, parseFeed } from './parse.ts';
import { dropDemoItems, getFeed, listFeeds, saveItems, type PartnerFeed } from './store.ts';

export interface PollOutcome {
  feedId: number;
  status: 'updated' | 'not-modified' | 'error';
  added: number;
  dropped: number;
  error: string | null;
}

/** The feed limits with the operator's allow-list for intranet feeds (OUTBOUND_ALLOW). */
export function feedLimits(config: Pick<Config, 'outboundAllow'>): FetchLimits {
  return { ...FEED_LIMITS, allow: parseOutboundAllow(config.outboundAllow) };
}

export async function pollFeed(
  db: Kysely<Database>,
  feed: PartnerFeed,
  limits: FetchLimits = FEED_LIMITS,
  now = new Date(),
): Promise<PollOutcome> {
  const at = now.toISOString();
  try {
    const res = await fetchFeed(
      feed.url,
      { etag: feed.etag, lastModified: feed.last_modified },
      limits,
    );
    if (res.status === 'not-modified') {
      await db
        .updateTable('partner_feeds')
        .set({ last_polled_at: at, last_ok_at: at, last_error: null, error_count: 0 })
        .where('id', '=', feed.id)
        .execute();
      return { feedId: feed.id, status: 'not-modified', added: 0, dropped: 0, error: null };
    }
    const parsed = parseFeed(res.body, res.url, now);
    const added = await saveItems(db, feed, parsed.items);
    // The partner's own headlines replace the demo ones shown until now.
    if (added > 0) await dropDemoItems(db, feed.id);
    await db
      .updateTable('partner_feeds')
      .set((eb) => ({
        etag: res.etag,
        last_modified: res.lastModified,
        last_polled_at: at,
        last_ok_at: at,
        last_error: null,
        error_count: 0,
        item_count: eb('item_count', '+', added),
      }))
      .where('id', '=', feed.id)
      .execute();
    return { feedId: feed.id, status: 'updated', added, dropped: parsed.dropped, error: null };
  } catch (err) {
    // Only FeedError messages are written for editors; anything else may carry internal detail.
    const message = err instanceof FeedError ? err.message : 'the feed could not be read';
    await db
      .updateTable('partner_feeds')
      .set((eb) => ({
        last_polled_at: at,
        last_error: message.slice(0, 500),
        error_count: eb('error_count', '+', 1),
      }))
      .where('id', '=', feed.id)
      .execute()
      .catch(() => {});
    return { feedId: feed.id, status: 'error', added: 0, dropped: 0, error: message };
  }
}

export async function pollFeedById(
  db: Kysely<Database>,
  id: number,
  limits?: FetchLimits,
): Promise<PollOutcome | null> {
  const feed = await getFeed(db, id);
  return feed ? pollFeed(db, feed, limits) : null;
}

/** Polls every feed, a few at a time. */
export async function pollAllFeeds(
  db: Kysely<Database>,
  limits?: FetchLimits,
  concurrency = 4,
): Promise<PollOutcome[]> {
  const feeds = await listFeeds(db);
  const out: PollOutcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, feeds.length) }, async () => {
      while (next < feeds.length) out.push(await pollFeed(db, feeds[next++], limits));
    }),
  );
  return out;
}
