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

/** The database's stamp now; its instance id is made on first use. */
export async function databaseStamp(db: Db): Promise<Stamp> {
  const k = db.kysely;
  const fresh = 1 + Math.floor(Math.random() * 2 ** 31 - 2);
  await sql`insert into search_state (key, value) values ('instance', ${fresh}) on conflict (key) do nothing`.execute(
    k,
  );
  const { rows } = await sql<{
    instance: number | string | null;
    epoch: number | string | null;
    seq: number | string | null;
  }>`select
    (select value from search_state where key = 'instance') as instance,
    (select value from search_state where key = 'epoch') as epoch,
    (select max(seq) from search_changes) as seq`.execute(k);
  return {
    instance: Number(rows[0]?.instance ?? 0),
    epoch: Number(rows[0]?.epoch ?? 0),
    seq: Number(rows[0]?.seq ?? 0),
    engine: db.engine,
  };
}
