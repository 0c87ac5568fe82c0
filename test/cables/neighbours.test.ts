/**
 * A cable's previous and next cable from the same origin, by creation time then id: cables created
 * at the same minute are ordered by id, other origins are never chosen, and the ends have none.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, dropDatabase, migratedDatabase, type TestDb } from '../helpers.ts';
import type { Db } from '../../src/platform/db.ts';
import { loadDemoContent } from '../../src/demo.ts';
import { neighbours } from '../../src/cables/store.ts';

describe(`cable neighbours on ${ENGINE}`, () => {
  let tdb: TestDb | undefined;
  let db: Db;
  type Row = { id: number; origin: string; created: string; reference_id: string };
  const rows: Row[] = [];

  before(async () => {
    ({ tdb, db } = await migratedDatabase());
    await loadDemoContent(db.kysely);
    const k = db.kysely;
    const seed = await k.selectFrom('cables').selectAll().limit(1).executeTakeFirstOrThrow();
    const { id: _id, ...rest } = seed as Record<string, unknown> & { id: number };
    // Two origins interleaved; several cables share a creation time (ties go by id).
    const times = ['2001-01-01 10:00', '2001-01-01 10:00', '2001-01-02 09:00', '2001-01-01 10:00'];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (const created of times) {
        for (const origin of ['Loopnbr Origin A', 'Loopnbr Origin B']) {
          n++;
          const reference_id = `01LOOPNBR${String(n).padStart(3, '0')}`;
          const got = await k
            .insertInto('cables')
            .values({ ...rest, reference_id, origin, created: `${created}:0${round}` } as never)
            .returning('id')
            .executeTakeFirstOrThrow();
          rows.push({ id: got.id, origin, created: `${created}:0${round}`, reference_id });
        }
      }
    }
  });
  after(async () => {
    await dropDatabase(db, tdb);
  });

  test('previous and next follow creation time then id, within the origin', async () => {
    for (const origin of ['Loopnbr Origin A', 'Loopnbr Origin B']) {
      const sorted = rows
        .filter((r) => r.origin === origin)
        .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id - b.id));
      for (let i = 0; i < sorted.length; i++) {
        const got = await neighbours(db.kysely, sorted[i]);
        assert.equal(got.prev?.reference_id, sorted[i - 1]?.reference_id, `prev of ${i}`);
        assert.equal(got.next?.reference_id, sorted[i + 1]?.reference_id, `next of ${i}`);
      }
    }
  });
});
