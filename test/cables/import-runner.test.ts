/**
 * Imports run off the web thread: on a worker thread with its own connection, in transactions of
 * hundreds of cables. Proven by structure, not timing: the caller's connection is never touched,
 * and the batches are counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, type TestDb, dropDatabase, migratedDatabase } from '../helpers.ts';
import { type Db } from '../../src/platform/db.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { DEFAULT_BATCH, importCables, type ImportProgress } from '../../src/cables/importer.ts';
import { importInWorker } from '../../src/cables/import-runner.ts';
import {
  BACKGROUND_NICE,
  perThreadPriority,
  threadNice,
} from '../../src/platform/thread-priority.ts';

const dir = mkdtempSync(join(tmpdir(), 'broadsheet-import-runner-'));

describe(`imports off the web thread on ${ENGINE}`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    ({ tdb, db } = await migratedDatabase());
  });
  after(async () => {
    await dropDatabase(db, tdb);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a worker imports with its own connection: the caller’s connection is never used', async () => {
    const file = join(dir, 'worker.csv');
    writeFileSync(file, [...generateCables({ count: 60, seed: 5 })].join(''));
    // Only the target (where the database is) may be read: any use of the connection throws.
    const untouchable = new Proxy({} as Db['kysely'], {
      get() {
        throw new Error('the import used the web process’s connection');
      },
    });
    const progress: ImportProgress[] = [];
    const summary = await importInWorker(
      { target: db.target, kysely: untouchable } as Db & { kysely: never },
      [file],
      { workers: 0, progressIntervalMs: 0, onProgress: (p) => progress.push(p) },
    );
    assert.equal(summary.new, 60);
    assert.equal(summary.skipped, 0);
    assert.ok(progress.length > 0, 'progress reached the caller');
    assert.equal(progress.at(-1)!.bytesTotal, summary.files[0].bytes);
    const n = await db.kysely
      .selectFrom('cables')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 60);
    const row = await db.kysely
      .selectFrom('cable_imports')
      .select('status')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'done');
  });

  test('the import thread runs at a low CPU priority, the caller’s thread keeps its own', async () => {
    const file = join(dir, 'nice.csv');
    writeFileSync(file, [...generateCables({ count: 5, seed: 6 })].join(''));
    const before = threadNice();
    const told: (number | null)[] = [];
    const summary = await importInWorker(db, [file], {
      workers: 0,
      onStarted: (t) => told.push(t.nice),
    });
    assert.equal(summary.new + summary.updated + summary.unchanged, 5);
    assert.equal(told.length, 1, 'the thread said once how it runs');
    // The nice value is the one the kernel has for that thread (/proc/thread-self/stat).
    if (perThreadPriority) assert.equal(told[0], Math.max(BACKGROUND_NICE, before ?? 0));
    else assert.equal(told[0], null);
    assert.equal(threadNice(), before, 'the calling thread’s priority is unchanged');
  });

  test('a failing import rejects with its message', async () => {
    await assert.rejects(
      importInWorker(db, [join(dir, 'missing.csv')], { workers: 0 }),
      /ENOENT|no such file/,
    );
  });

  test('transactions hold hundreds of cables, not thousands', async () => {
    assert.ok(DEFAULT_BATCH >= 100 && DEFAULT_BATCH <= 500, `DEFAULT_BATCH is ${DEFAULT_BATCH}`);
    const file = join(dir, 'batches.csv');
    writeFileSync(file, [...generateCables({ count: 1000, seed: 9 })].join(''));
    const sizes: number[] = [];
    const summary = await importCables(db, [file], {
      workers: 0,
      hooks: [
        {
          name: 'count',
          afterBatch: async (_trx, b) =>
            void sizes.push(b.inserted.length + b.updated.length + b.unchanged.length),
        },
      ],
    });
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      summary.new + summary.updated + summary.unchanged,
    );
    assert.ok(summary.new > 900);
    assert.ok(sizes.length >= Math.ceil(1000 / DEFAULT_BATCH), `batches: ${sizes.join(', ')}`);
    assert.ok(Math.max(...sizes) <= DEFAULT_BATCH, `batches: ${sizes.join(', ')}`);
  });
});
