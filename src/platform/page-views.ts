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
export async function recordView(db: Db | Kysely<Database>, kind: ViewKind, id: number, at = new Date()): Promise<void> {
  const k = 'kysely' in db ? db.kysely : db;
  try {
    await k
      .insertInto('views_daily')
      .values({ kind, item_id: id, day: at.toISOString().slice(0, 10), views: 1 })
      .onConflict((oc) => oc.columns(['kind', 'day', 'item_id']).doUpdateSet((eb) => ({ views: eb('views_daily.views', '+', 1) })))
      .execute();
  } catch {
    // A lost count is better than a failed page.
  }
}

/** Views per item of a kind over whole UTC days [fromDay, toDay), most viewed first. */
export async function viewsBetween(db: Kysely<Database>, kind: ViewKind, fromDay: string, toDay: string, limit = 200): Promise<Map<number, number>> {
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
