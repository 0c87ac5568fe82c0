/**
 * The home page's archive counts (`cable_counts`, read by archiveSummary) against an independent
 * oracle, a GROUP BY over the cables: after an import in several batches, a second run of the same
 * file, an edit that moves a cable to another origin and month, and a delete.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, type TestDb, dropDatabase, migratedDatabase } from '../helpers.ts';
import { type Db } from '../../src/platform/db.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { importCables } from '../../src/cables/importer.ts';
import { archiveSummary, recountArchive } from '../../src/cables/summary.ts';
import { sql } from 'kysely';

const dir = mkdtempSync(join(tmpdir(), 'broadsheet-counts-'));
const file = join(dir, 'a.csv');
writeFileSync(file, [...generateCables({ count: 60, seed: 23 })].join(''));

/** The counts as a GROUP BY over every cable computes them (the box's query before). */
async function oracle(db: Db) {
  const k = db.kysely;
  const total = Number(
    (
      await k
        .selectFrom('cables')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const origins = await k
    .selectFrom('cables')
    .select(['origin', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('origin')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('origin')
    .limit(8)
    .execute();
  const months = await k
    .selectFrom('cables')
    .select(['month', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('month')
    .orderBy('month', 'desc')
    .limit(6)
    .execute();
  const span = await k
    .selectFrom('cables')
    .select((eb) => [eb.fn.min('month').as('from'), eb.fn.max('month').as('to')])
    .executeTakeFirst();
  return {
    total,
    origins: origins.map((r) => ({ key: String(r.origin), count: Number(r.n) })),
    months: months.map((r) => ({ key: String(r.month), count: Number(r.n) })),
    span: span?.from && span.to ? { from: String(span.from), to: String(span.to) } : null,
  };
}

describe(`archive counts on ${ENGINE}`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    ({ tdb, db } = await migratedDatabase());
  });
  after(async () => {
    await dropDatabase(db, tdb);
    rmSync(dir, { recursive: true, force: true });
  });

  test('an empty archive says so', async () => {
    assert.deepEqual(await archiveSummary(db.kysely), {
      total: 0,
      origins: [],
      months: [],
      span: null,
    });
  });

  test('an import in batches counts every new cable once; a second run adds nothing', async () => {
    await importCables(db, [file], { batchSize: 7, workers: 0 });
    const want = await oracle(db);
    assert.equal(want.total, 60);
    assert.deepEqual(await archiveSummary(db.kysely), want);
    await importCables(db, [file], { batchSize: 13, workers: 0 });
    assert.deepEqual(await archiveSummary(db.kysely), want);
  });

  test('an edit that moves a cable, and a delete, keep the counts right', async () => {
    const k = db.kysely;
    const [a, b] = await k.selectFrom('cables').select(['id']).orderBy('id').limit(2).execute();
    await k
      .updateTable('cables')
      .set({ origin: 'Embassy Nowhere', month: '1901-01', created: '1901-01-02 03:04' })
      .where('id', '=', a.id)
      .execute();
    // An edit that leaves origin and month alone changes no count.
    await k.updateTable('cables').set({ title: 'Edited' }).where('id', '=', b.id).execute();
    let got = await archiveSummary(db.kysely);
    assert.deepEqual(got, await oracle(db));
    assert.deepEqual(got.span?.from, '1901-01');
    await k.deleteFrom('cables').where('id', '=', a.id).execute();
    got = await archiveSummary(db.kysely);
    assert.deepEqual(got, await oracle(db));
    assert.equal(got.total, 59);
    assert.notEqual(got.span?.from, '1901-01', 'an emptied month leaves the span');
  });

  test('recountArchive (for loaders that bypass the store) counts from the cables', async () => {
    const before = await archiveSummary(db.kysely);
    await db.kysely.deleteFrom('cable_counts').execute();
    assert.equal((await archiveSummary(db.kysely)).total, 0);
    await recountArchive(db.kysely);
    assert.deepEqual(await archiveSummary(db.kysely), before);
    assert.deepEqual(before, await oracle(db));
  });
});
