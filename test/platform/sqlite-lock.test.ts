/**
 * SQLite's write lock never holds the event loop: a write that meets another connection's lock
 * (an import's, on its thread) waits on timers while other work runs, a background writer lets it
 * go first at its next transaction, and a write that cannot get the lock gives up with SQLITE_BUSY
 * and changes nothing. The server's connection never checkpoints the WAL itself; a thread does.
 * SQLite only: PostgreSQL's locks are waited for by its server, never in this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { ENGINE, testDatabase } from '../helpers.ts';
import {
  connect,
  isLockBusy,
  retryWhileBusy,
  sqliteLockStats,
  yieldToForeground,
} from '../../src/platform/db.ts';
import { startCheckpointer } from '../../src/platform/checkpoint.ts';

const skip = ENGINE !== 'sqlite' && 'SQLite only (PostgreSQL waits for its locks in its server)';

test('a busy error is retried on timers until it clears, and given up after the limit', async () => {
  const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  let calls = 0;
  const waits: boolean[] = [];
  const out = await retryWhileBusy(
    async () => {
      if (++calls < 4) throw busy;
      return 'done';
    },
    { onWaitStart: () => waits.push(true), onWaitEnd: (_ms, ok) => waits.push(ok) },
  );
  assert.equal(out, 'done');
  assert.equal(calls, 4);
  assert.deepEqual(waits, [true, true]);

  calls = 0;
  await assert.rejects(
    retryWhileBusy(
      async () => {
        calls++;
        throw busy;
      },
      { maxMs: 30 },
    ),
    /database is locked/,
  );
  assert.ok(calls > 1, 'tried again before giving up');

  // A stale snapshot is not cured by waiting: it fails at once.
  calls = 0;
  const stale = Object.assign(new Error('stale'), { code: 'SQLITE_BUSY_SNAPSHOT' });
  await assert.rejects(
    retryWhileBusy(async () => {
      calls++;
      throw stale;
    }),
    /stale/,
  );
  assert.equal(calls, 1);
  assert.equal(isLockBusy(stale), false);
  assert.equal(isLockBusy(busy), true);
  assert.equal(isLockBusy(new Error('other')), false);
});

test('a background writer waits while a foreground write waits for the lock', async () => {
  const waiters = new Int32Array(new SharedArrayBuffer(4));
  let done = false;
  Atomics.store(waiters, 0, 1);
  const yielded = yieldToForeground(waiters).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, 'still yielding while a foreground write waits');
  Atomics.store(waiters, 0, 0);
  await yielded;
  assert.equal(done, true);
  // Bounded: a foreground that never gets through does not stop the background for ever.
  Atomics.store(waiters, 0, 1);
  await yieldToForeground(waiters, 10);
});

test(
  'a write meeting another connection’s lock waits without holding the event loop',
  { skip },
  async () => {
    const tdb = await testDatabase();
    const db = await connect(tdb.config);
    try {
      await sql`create table t (n integer)`.execute(db.kysely);
      // Another connection (as the import's thread has) takes the write lock and keeps it.
      const other = new Database(join(tdb.config.dataDir, 'broadsheet.db'));
      other.pragma('busy_timeout = 0');
      other.exec('begin immediate');
      other.exec('insert into t values (1)');
      const waitsBefore = sqliteLockStats.waits;
      let written = false;
      const write = sql`insert into t values (2)`.execute(db.kysely).then(() => (written = true));
      // Timers run while the write waits: the event loop is not held by SQLite's busy handler.
      let ticks = 0;
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 5));
        ticks++;
      }
      assert.equal(ticks, 5);
      assert.equal(written, false, 'the write is still waiting for the lock');
      // Reads go on meanwhile (WAL: readers see the last commit).
      const seen = await sql<{ n: number }>`select count(*) as n from t`.execute(db.kysely);
      assert.equal(Number(seen.rows[0].n), 0);
      other.exec('commit');
      await write;
      assert.equal(written, true);
      assert.equal(sqliteLockStats.waits, waitsBefore + 1);
      const rows = await sql<{ n: number }>`select n from t order by n`.execute(db.kysely);
      assert.deepEqual(
        rows.rows.map((r) => Number(r.n)),
        [1, 2],
      );

      // A write that cannot get the lock within the limit fails with SQLITE_BUSY and writes nothing.
      other.exec('begin immediate');
      const timeoutsBefore = sqliteLockStats.timeouts;
      const started = Date.now();
      await assert.rejects(sql`insert into t values (3)`.execute(db.kysely), (err: unknown) =>
        isLockBusy(err),
      );
      assert.ok(Date.now() - started >= 4000, 'waited for the lock before giving up');
      other.exec('rollback');
      assert.equal(sqliteLockStats.timeouts, timeoutsBefore + 1);
      const after = await sql<{ n: number }>`select count(*) as n from t`.execute(db.kysely);
      assert.equal(Number(after.rows[0].n), 2);
      other.close();
    } finally {
      await db.close();
      await tdb.cleanup();
    }
  },
);

test(
  'a worker connection yields its next transaction to the foreground’s waiting write',
  { skip },
  async () => {
    const tdb = await testDatabase();
    const fg = await connect(tdb.config);
    // Connected with the foreground's target, as a worker thread is: a background writer.
    const bg = await connect(fg.target, { immediateTransactions: true });
    try {
      await sql`create table t (who text)`.execute(fg.kysely);
      const order: string[] = [];
      // The background writer holds the lock in a transaction …
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = bg.kysely.transaction().execute(async (trx) => {
        await sql`insert into t values ('bg1')`.execute(trx);
        await held;
      });
      await new Promise((r) => setTimeout(r, 20));
      // … the foreground's write starts waiting for it …
      const fgWrite = sql`insert into t values ('fg')`
        .execute(fg.kysely)
        .then(() => order.push('fg'));
      await new Promise((r) => setTimeout(r, 20));
      // … and the background's next transaction, begun as soon as the first commits, goes after it.
      release();
      await first;
      order.push('bg1');
      await bg.kysely.transaction().execute(async (trx) => {
        await sql`insert into t values ('bg2')`.execute(trx);
      });
      order.push('bg2');
      await fgWrite;
      const rows = await sql<{ who: string }>`select who from t order by rowid`.execute(fg.kysely);
      assert.deepEqual(
        rows.rows.map((r) => r.who),
        ['bg1', 'fg', 'bg2'],
      );
    } finally {
      await bg.close();
      await fg.close();
      await tdb.cleanup();
    }
  },
);

test(
  'the server’s connection leaves WAL checkpoints to a thread of its own',
  { skip },
  async () => {
    const tdb = await testDatabase();
    const db = await connect(tdb.config, { checkpointInBackground: true });
    const file = join(tdb.config.dataDir, 'broadsheet.db');
    try {
      const auto = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
        db.kysely,
      );
      assert.equal(Number(auto.rows[0].wal_autocheckpoint), 0);
      await sql`create table t (s text)`.execute(db.kysely);
      const sizeBefore = statSync(file).size;
      for (let i = 0; i < 50; i++)
        await sql`insert into t values (${'x'.repeat(4000)})`.execute(db.kysely);
      // Nothing reached the database file yet: every page is still in the WAL.
      assert.equal(statSync(file).size, sizeBefore);
      const cp = startCheckpointer(file, { walBytes: 1, everyMs: 60_000 });
      try {
        await cp.tick();
        assert.equal(cp.checkpoints, 1);
        assert.ok(statSync(file).size > sizeBefore + 50 * 4000, 'the WAL was copied into the file');
        const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(db.kysely);
        assert.equal(Number(rows.rows[0].n), 50);
      } finally {
        await cp.stop();
      }
      // Stopped while a checkpoint is in hand: stop() still waits for the thread to end.
      await sql`insert into t values ('y')`.execute(db.kysely);
      const cp2 = startCheckpointer(file, { walBytes: 1, everyMs: 60_000 });
      const ticking = cp2.tick();
      await new Promise((r) => setTimeout(r, 0));
      await cp2.stop();
      await ticking;
    } finally {
      await db.close();
      await tdb.cleanup();
    }
  },
);
