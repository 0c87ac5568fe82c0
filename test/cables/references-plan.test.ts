/**
 * A cable page's reference queries (the cables it cites, the cables citing it, and their count)
 * run on the event loop on SQLite: each must be a lookup by an index of `cable_references` joined
 * to the cables by their unique reference, never a scan of either table, whatever the archive's
 * size. Read from each engine's own plan (PostgreSQL with sequential scans priced out, so the plan
 * shows whether an index can serve the query at all).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import { ENGINE, testDatabase, dropDatabase, migratedDatabase } from '../helpers.ts';
import { type Db } from '../../src/platform/db.ts';
import { referenceQueries } from '../../src/cables/store.ts';

describe(`the cable page's reference queries on ${ENGINE}`, () => {
  let tdb: Awaited<ReturnType<typeof testDatabase>>;
  let db: Db;

  before(async () => {
    ({ tdb, db } = await migratedDatabase());
  });
  after(async () => {
    await dropDatabase(db, tdb);
  });

  const plan = async (q: { compile(): CompiledQuery }): Promise<string> => {
    const c = q.compile();
    if (db.engine === 'sqlite') {
      const r = await db.kysely.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]),
      );
      return r.rows.map((row) => row.detail).join('\n');
    }
    return db.kysely.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const r = await trx.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]),
      );
      return r.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
  };

  test('each is a lookup by index, never a scan of the references or the cables', async () => {
    const k = db.kysely;
    const queries = {
      out: referenceQueries.out(k, '09REFPLANX1'),
      by: referenceQueries.by(k, '09REFPLANX1', 200),
      citedBy: referenceQueries.citedBy(k, '09REFPLANX1'),
    };
    for (const [name, q] of Object.entries(queries)) {
      const p = await plan(q);
      // The references are found by the column the query names: its key for what a cable cites,
      // `cable_references_to` for what cites it (the key's second column would mean a full walk).
      const by = name === 'out' ? 'from_id' : 'to_id';
      if (db.engine === 'sqlite') {
        assert.match(
          p,
          new RegExp(`SEARCH r USING (COVERING )?INDEX \\S+ \\(${by}=\\?\\)`),
          `${name}: ${p}`,
        );
        assert.match(
          p,
          /SEARCH c USING (COVERING )?INDEX \S+ \(reference_id=\?\)/,
          `${name}: ${p}`,
        );
        assert.doesNotMatch(p, /\bSCAN [rc]\b/, `${name}: ${p}`);
      } else {
        const index = name === 'out' ? 'cable_references_pk' : 'cable_references_to';
        assert.match(p, new RegExp(`(on|using) ${index} `), `${name}: ${p}`);
        assert.match(p, /(on|using) cables_reference_id_key /, `${name}: ${p}`);
        assert.doesNotMatch(p, /Seq Scan on (cable_references|cables)\b/, `${name}: ${p}`);
      }
    }
  });
});
