/**
 * Where a database is in its search history, as the files derived from it (the term index, the
 * facet columns) are stamped: a file is used only by the same database (instance), after the same
 * bulk import (epoch), and is caught up from the change log after `seq`.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';

export interface Stamp {
  /** Random id of the database (search_state 'instance'): another database never matches. */
  instance: number;
  /** search_state 'epoch' (bumped after every bulk import). */
  epoch: number;
  /** Highest search_changes.seq before the build read anything. */
  seq: number;
  engine: 'sqlite' | 'postgres';
}

/**
 * The database's stamp now; its instance id is made on first use. Only that first use writes: a
 * read needs no write lock, which every search thread starting at once (and the server's own
 * start-up writes) would otherwise queue for, one after the other, before loading anything.
 */
export async function databaseStamp(db: Db): Promise<Stamp> {
  const k = db.kysely;
  const read = () =>
    sql<{
      instance: number | string | null;
      epoch: number | string | null;
      seq: number | string | null;
    }>`select
    (select value from search_state where key = 'instance') as instance,
    (select value from search_state where key = 'epoch') as epoch,
    (select max(seq) from search_changes) as seq`.execute(k);
  let { rows } = await read();
  if (rows[0]?.instance === null || rows[0]?.instance === undefined) {
    const fresh = 1 + Math.floor(Math.random() * 2 ** 31 - 2);
    await sql`insert into search_state (key, value) values ('instance', ${fresh}) on conflict (key) do nothing`.execute(
      k,
    );
    ({ rows } = await read());
  }
  return {
    instance: Number(rows[0]?.instance ?? 0),
    epoch: Number(rows[0]?.epoch ?? 0),
    seq: Number(rows[0]?.seq ?? 0),
    engine: db.engine,
  };
}

/** The search_state key recording where the rows of the bulk load that ended with `epoch` start. */
export function bulkFromKey(epoch: number): string {
  return `bulk_from_${epoch}`;
}

/**
 * The lowest id above which the bulk loads that moved the database from epoch `from` to `to` put
 * cables they left out of the change log (search-index.ts records it). Null when the epochs are
 * the same; undefined when an epoch in between has no record (data derived before it cannot be
 * caught up with: it is made again).
 */
export async function bulkLoadFloor(
  db: Db,
  from: number,
  to: number,
): Promise<number | null | undefined> {
  if (from === to) return null;
  if (to < from || to - from > 32) return undefined;
  const keys: string[] = [];
  for (let e = from + 1; e <= to; e++) keys.push(bulkFromKey(e));
  const { rows } = await sql<{ key: string; value: number | string }>`
    select key, value from search_state where key in (${sql.join(keys)})`.execute(db.kysely);
  if (rows.length !== keys.length) return undefined;
  return Math.min(...rows.map((r) => Number(r.value)));
}
