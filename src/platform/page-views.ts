/**
 * A small page-view counter: one row per item and UTC day, incremented on story and cable page
 * views. The newsletter ranks the week's most-read items from it. Call `recordView` from a page
 * route after the page was found (it never throws: counting must not break a page).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { Db } from './db.ts';

export type ViewKind = 'story' | 'cable';

/** Counts one view of a story (stories.id) or a cable (cables.id). */
export async function recordView(
  db: Db | Kysely<Database>,
  kind: ViewKind,
  id: number,
  at = new Date(),
): Promise<void> {
  const k = 'kysely' in db ? db.kysely : db;
  try {
    await k
      .insertInto('views_daily')
      .values({ kind, item_id: id, day: at.toISOString().slice(0, 10), views: 1 })
      .onConflict((oc) =>
        oc
          .columns(['kind', 'day', 'item_id'])
          .doUpdateSet((eb) => ({ views: eb('views_daily.views', '+', 1) })),
      )
      .execute();
  } catch {
    // A lost count is better than a failed page.
  }
}

/**
 * Page routes count through a per-process buffer so a page view costs no write: counts are added up
 * in memory and written every two seconds (and when the app closes). A crash loses at most those
 * two seconds of counts, which only feed the newsletter's ranking.
 */
const FLUSH_MS = 2000;
const buffers = new Map<Kysely<Database>, Map<string, number>>();
let timer: NodeJS.Timeout | null = null;

export function countView(db: Kysely<Database>, kind: ViewKind, id: number, at = new Date()): void {
  let buf = buffers.get(db);
  if (!buf) buffers.set(db, (buf = new Map()));
  const key = `${kind}|${id}|${at.toISOString().slice(0, 10)}`;
  buf.set(key, (buf.get(key) ?? 0) + 1);
  if (!timer) {
    timer = setTimeout(() => {
      timer = null;
      void flushViews();
    }, FLUSH_MS);
    timer.unref();
  }
}

/**
 * Writes buffered counts (of one database, or of all): each database's counts in one transaction,
 * so a flush takes the write lock once. Counts that could not be written (the lock stayed taken,
 * the database is unreachable) go back into the buffer for the next flush.
 */
export async function flushViews(only?: Kysely<Database>): Promise<void> {
  for (const [db, buf] of [...buffers]) {
    if (only && db !== only) continue;
    buffers.delete(db);
    try {
      await db.transaction().execute(async (trx) => {
        for (const [key, n] of buf) {
          const [kind, id, day] = key.split('|');
          await trx
            .insertInto('views_daily')
            .values({ kind: kind as ViewKind, item_id: Number(id), day, views: n })
            .onConflict((oc) =>
              oc
                .columns(['kind', 'day', 'item_id'])
                .doUpdateSet((eb) => ({ views: eb('views_daily.views', '+', n) })),
            )
            .execute();
        }
      });
    } catch {
      // A page never fails for a count; the counts wait for the next flush instead.
      keepForLater(db, buf);
    }
  }
}

/** Puts unwritten counts back (added to any counted since), and schedules a flush. */
function keepForLater(db: Kysely<Database>, counts: Map<string, number>): void {
  let buf = buffers.get(db);
  if (!buf) buffers.set(db, (buf = new Map()));
  for (const [key, n] of counts) buf.set(key, (buf.get(key) ?? 0) + n);
  if (!timer) {
    timer = setTimeout(() => {
      timer = null;
      void flushViews();
    }, FLUSH_MS);
    timer.unref();
  }
}

/** Views per item of a kind over whole UTC days [fromDay, toDay), most viewed first. */
export async function viewsBetween(
  db: Kysely<Database>,
  kind: ViewKind,
  fromDay: string,
  toDay: string,
  limit = 200,
): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('views_daily')
    .select(['item_id', (eb) => eb.fn.sum<number | string>('views').as('n')])
    .where('kind', '=', kind)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy('item_id')
    .orderBy('n', 'desc')
    .limit(limit)
    .execute();
  return new Map(rows.map((r) => [Number(r.item_id), Number(r.n)]));
}
