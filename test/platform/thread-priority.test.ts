/**
 * Thread priorities (src/platform/thread-priority.ts): a worker thread lowers only itself, as the
 * kernel reports it per thread in /proc/<pid>/task/<tid>/stat; the process's other threads keep
 * their priority; a priority is never raised.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import {
  isLocalDatabase,
  lowerThisThread,
  niceOfStat,
  perThreadPriority,
  threadNice,
} from '../../src/platform/thread-priority.ts';
import { connect } from '../../src/platform/db.ts';
import { ENGINE, testDatabase } from '../helpers.ts';

/** Nice value of every thread of this process, by thread id. */
function threadNices(): Map<number, number | null> {
  const out = new Map<number, number | null>();
  for (const tid of readdirSync('/proc/self/task'))
    out.set(Number(tid), niceOfStat(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')));
  return out;
}

describe('thread priorities', () => {
  test('a database on this machine: loopback, localhost or a socket; anything else is remote', () => {
    for (const url of [
      'postgres://postgres@127.0.0.1:5432/test',
      'postgres://u@127.1.2.3/x',
      'postgres://u@localhost/x',
      'postgres://u@[::1]:5432/x',
      'postgres://u@localhost/x?host=/var/run/postgresql',
      'postgres://u@db.example.org/x?host=/run/postgresql',
      'postgres:///x',
    ])
      assert.equal(isLocalDatabase(url), true, url);
    for (const url of [
      'postgres://u@10.0.0.5/x',
      'postgres://u@db.example.org/x',
      'postgres://u@128.0.0.1/x',
      'postgres://u@[::2]/x',
      'not a url',
    ])
      assert.equal(isLocalDatabase(url), false, url);
  });

  test('the nice field is read after the command name, whatever that name holds', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 20 7 3 0 99';
    assert.equal(niceOfStat(`4242 (node) ${tail}`), 7);
    assert.equal(niceOfStat(`4242 (a (b) c) ${tail}`), 7);
    assert.equal(niceOfStat(`4242 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 20 -5 1`), -5);
    assert.equal(niceOfStat('garbage'), null);
    assert.equal(niceOfStat('1 (short) S 1 2'), null);
  });

  test(
    'a worker thread that lowers itself changes only its own thread',
    { skip: !perThreadPriority && 'nice values are per process here' },
    async () => {
      const mine = threadNice();
      assert.notEqual(mine, null);
      const target = Math.min(19, (mine ?? 0) + 11);
      const before = threadNices();
      // The worker lowers itself, reports its thread id and nice value, then waits to be told to end
      // (so its thread is still listed when this thread looks).
      const code = `
      const { parentPort } = require('node:worker_threads');
      const { readlinkSync, readFileSync } = require('node:fs');
      const { getPriority, setPriority } = require('node:os');
      setPriority(0, ${target});
      const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
      parentPort.postMessage({ tid, nice: getPriority(0) });
      parentPort.once('message', () => process.exit(0));
    `;
      const w = new Worker(code, { eval: true });
      try {
        const reported = await new Promise<{ tid: number; nice: number }>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        });
        assert.equal(reported.nice, target);
        const after = threadNices();
        assert.equal(after.get(reported.tid), target, 'the kernel has the worker’s thread lowered');
        for (const [tid, nice] of after) {
          if (tid === reported.tid || !before.has(tid)) continue;
          assert.equal(nice, before.get(tid), `thread ${tid} kept its priority`);
        }
        assert.equal(threadNice(), mine);
      } finally {
        w.postMessage('end');
        await new Promise((r) => w.once('exit', r));
      }
    },
  );

  test(
    'lowerThisThread lowers a worker thread and never raises it',
    { skip: !perThreadPriority && 'nice values are per process here' },
    async () => {
      const url = new URL('../../src/platform/thread-priority.ts', import.meta.url).href;
      const tsx = import.meta.resolve('tsx/esm/api');
      const base = threadNice() ?? 0;
      const code = `
      import { register } from ${JSON.stringify(tsx)};
      register();
      const { parentPort } = await import('node:worker_threads');
      const { lowerThisThread } = await import(${JSON.stringify(url)});
      const first = lowerThisThread(${Math.min(19, base + 12)});
      const second = lowerThisThread(${Math.min(19, base + 4)});
      parentPort.postMessage({ first, second });
    `;
      const w = new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)));
      const got = await new Promise<{ first: number; second: number }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      await new Promise((r) => w.once('exit', r));
      assert.equal(got.first, Math.min(19, base + 12));
      assert.equal(
        got.second,
        Math.min(19, base + 12),
        'asking for a higher priority changes nothing',
      );
      assert.equal(threadNice(), base, 'this thread kept its priority');
      assert.equal(lowerThisThread(base), base, 'asking for the same priority changes nothing');
    },
  );
});

describe(`a background connection's server process on ${ENGINE}`, () => {
  const root = process.getuid?.() === 0;
  test(
    'PostgreSQL on this machine: the server process of a background connection is lowered, not another connection’s',
    {
      skip:
        ENGINE !== 'postgres'
          ? 'SQLite works in the calling thread'
          : !perThreadPriority || !root
            ? 'needs Linux and the right to change PostgreSQL’s processes'
            : !isLocalDatabase(process.env.DATABASE_URL ?? '') &&
              'PostgreSQL is not on this machine',
    },
    async () => {
      const tdb = await testDatabase();
      const low = await connect(tdb.config, { serverNice: 13 });
      const plain = await connect(tdb.config);
      try {
        const pidOf = async (db: typeof low) =>
          Number(
            (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely)).rows[0]
              .pid,
          );
        const nice = (pid: number) => niceOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        const lowPid = await pidOf(low);
        const plainPid = await pidOf(plain);
        assert.notEqual(lowPid, plainPid);
        assert.equal(nice(lowPid), 13);
        assert.notEqual(nice(plainPid), 13);
        assert.equal(threadNice(), nice(process.pid) ?? threadNice(), 'this process unchanged');
      } finally {
        await low.close();
        await plain.close();
        await tdb.cleanup();
      }
    },
  );
});
