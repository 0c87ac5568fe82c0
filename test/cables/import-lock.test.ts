/**
 * Imports never share a transaction budget with readers: on SQLite an import's batches follow the
 * time their commits hold the write lock (a slow commit makes the next batches smaller, quick ones
 * let them grow back), so a web process's write never waits long behind one. On PostgreSQL, where
 * readers never wait for an import's transaction, batches keep their size, unless the import keeps
 * a pace (a dashboard upload on a running site): then they follow their transactions' time, and
 * the import pauses after each for as long as the pace asks. Every cable is imported either way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, type TestDb, dropDatabase, migratedDatabase } from '../helpers.ts';
import { BACKGROUND_PACE, pauseAfter, type Db } from '../../src/platform/db.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { importCables, nextBatchSize, type CableImportHook } from '../../src/cables/importer.ts';

test('the next batch fits the lock target at the last commit’s pace, within bounds', () => {
  // 400 cables held the lock for 800 ms: 25 fit in 50 ms.
  assert.equal(nextBatchSize(400, 800, 50, 5, 400), 25);
  // Never below the minimum, never above the maximum.
  assert.equal(nextBatchSize(10, 10_000, 50, 5, 400), 5);
  assert.equal(nextBatchSize(400, 1, 50, 5, 400), 400);
  // A quick commit lets the batch at most double.
  assert.equal(nextBatchSize(20, 1, 50, 5, 400), 40);
  // Exactly on target: unchanged.
  assert.equal(nextBatchSize(100, 50, 50, 5, 400), 100);
  // No target (or an empty batch): the maximum.
  assert.equal(nextBatchSize(100, 500, 0, 5, 400), 400);
  assert.equal(nextBatchSize(0, 500, 50, 5, 400), 400);
});

test('a paced writer pauses for its busy time scaled by the idle share of its duty cycle', () => {
  // Busy half the time: as long a pause as the work took.
  assert.equal(pauseAfter(80, { duty: 0.5, targetMs: 100 }), 80);
  // Busy a quarter of the time: three times as long.
  assert.equal(pauseAfter(40, { duty: 0.25, targetMs: 100 }), 120);
  // No pace, a duty of 1 (or a nonsensical one), or no work: no pause.
  assert.equal(pauseAfter(80, null), 0);
  assert.equal(pauseAfter(80, { duty: 1, targetMs: 100 }), 0);
  assert.equal(pauseAfter(80, { duty: 0, targetMs: 100 }), 0);
  assert.equal(pauseAfter(0, { duty: 0.5, targetMs: 100 }), 0);
  assert.ok(BACKGROUND_PACE.duty > 0 && BACKGROUND_PACE.duty < 1);
});

let tdb: TestDb;
let db: Db;
const dir = mkdtempSync(join(tmpdir(), 'broadsheet-import-lock-'));
before(async () => {
  ({ tdb, db } = await migratedDatabase());
});
after(async () => {
  await dropDatabase(db, tdb);
  rmSync(dir, { recursive: true, force: true });
});

test(`slow commits make the next batches smaller on SQLite, not on PostgreSQL; every cable is imported (${ENGINE})`, async () => {
  const file = join(dir, 'slow.csv');
  writeFileSync(file, [...generateCables({ count: 60, seed: 5150 })].join(''));
  const sizes: number[] = [];
  // Each batch holds its transaction (and on SQLite the write lock) for at least 30 ms.
  const slow: CableImportHook = {
    name: 'slow-commit',
    async afterBatch(_trx, b) {
      sizes.push(b.inserted.length + b.updated.length + b.unchanged.length);
      await new Promise((r) => setTimeout(r, 30));
    },
  };
  const s = await importCables(db, [file], {
    workers: 0,
    batchSize: 20,
    lockTargetMs: 10,
    hooks: [slow],
  });
  assert.equal(s.new, 60);
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    60,
  );
  assert.equal(sizes[0], 20, 'the first batch has the full size');
  if (ENGINE === 'sqlite') {
    // 20 cables took at least 30 ms: at most 6 fit in 10 ms, and never fewer than 5.
    assert.ok(sizes[1] <= 6 && sizes[1] >= 5, `second batch ${sizes[1]}`);
    assert.ok(sizes.length >= 8);
  } else {
    assert.deepEqual(sizes, [20, 20, 20]);
  }
});

test(`with a pace, PostgreSQL's batches follow their time and the import pauses after each; SQLite keeps its lock-time batches (${ENGINE})`, async () => {
  const file = join(dir, 'paced.csv');
  writeFileSync(file, [...generateCables({ count: 60, seed: 5151 })].join(''));
  const sizes: number[] = [];
  const began: number[] = [];
  const ended: number[] = [];
  // Each batch keeps its transaction busy for at least 30 ms.
  const slow: CableImportHook = {
    name: 'slow-commit',
    async afterBatch(_trx, b) {
      began.push(performance.now());
      sizes.push(b.inserted.length + b.updated.length + b.unchanged.length);
      await new Promise((r) => setTimeout(r, 30));
      ended.push(performance.now());
    },
  };
  const s = await importCables(db, [file], {
    workers: 0,
    batchSize: 20,
    // SQLite: batches as large as they come (no lock target); the pace is PostgreSQL's only.
    lockTargetMs: 0,
    pace: { duty: 0.5, targetMs: 10 },
    hooks: [slow],
  });
  // A few generated cables share a reference with the earlier test's: those are updates.
  assert.equal(s.new + s.updated + s.unchanged, 60);
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    60,
  );
  assert.equal(sizes[0], 20, 'the first batch has the full size');
  if (ENGINE === 'postgres') {
    // 20 cables took at least 30 ms: at most 6 fit in 10 ms, and never fewer than 5.
    assert.ok(sizes[1] <= 6 && sizes[1] >= 5, `second batch ${sizes[1]}`);
    // Busy half the time: after a batch that took 30 ms or more, the next begins 30 ms later or
    // more (less a millisecond a timer may round off).
    for (let i = 1; i < began.length; i++)
      assert.ok(began[i] - ended[i - 1] >= 29, `pause before batch ${i + 1}`);
  } else {
    assert.deepEqual(sizes, [20, 20, 20]);
  }
});
