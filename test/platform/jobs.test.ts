import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ENGINE, type TestDb, dropDatabase, migratedDatabase } from '../helpers.ts';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteLockStats, type Db } from '../../src/platform/db.ts';
import {
  backoffMs,
  claimJob,
  enqueue,
  nextRun,
  offsetMs,
  schedule,
  startWorker,
  zonedTimeToUtc,
  type ScheduleSpec,
} from '../../src/platform/jobs.ts';

/** A clock that moves only when the test moves it. */
class TestClock {
  private t = Date.parse('2026-12-05T12:00:00.000Z');
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

const MON_7: ScheduleSpec = { weekday: 1, hour: 7, minute: 0 };
const SUN_0230: ScheduleSpec = { weekday: 0, hour: 2, minute: 30 };
const SUN_0130: ScheduleSpec = { weekday: 0, hour: 1, minute: 30 };

describe('nextRun (pure)', () => {
  const cases: [string, string, ScheduleSpec, string, string][] = [
    // [why, after, spec, zone, expected]
    [
      'Auckland summer: Monday 07:00 NZDT is Sunday 18:00 UTC',
      '2026-11-27T00:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-11-29T18:00:00.000Z',
    ],
    [
      'Auckland winter: Monday 07:00 NZST is Sunday 19:00 UTC',
      '2026-07-01T00:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-07-05T19:00:00.000Z',
    ],
    [
      'one millisecond before an occurrence gives that occurrence',
      '2026-11-29T17:59:59.999Z',
      MON_7,
      'Pacific/Auckland',
      '2026-11-29T18:00:00.000Z',
    ],
    [
      'exactly at an occurrence gives the next week',
      '2026-11-29T18:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-12-06T18:00:00.000Z',
    ],
    [
      'Monday before DST starts in Auckland (NZST)',
      '2026-09-15T00:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-09-20T19:00:00.000Z',
    ],
    [
      'Monday right after DST starts in Auckland (NZDT, one hour earlier in UTC)',
      '2026-09-20T19:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-09-27T18:00:00.000Z',
    ],
    [
      'Monday before DST ends in Auckland (NZDT)',
      '2026-03-25T00:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-03-29T18:00:00.000Z',
    ],
    [
      'Monday right after DST ends in Auckland (NZST)',
      '2026-03-29T18:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-04-05T19:00:00.000Z',
    ],
    [
      'across the new year in Auckland',
      '2026-12-31T20:00:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2027-01-03T18:00:00.000Z',
    ],
    [
      'from Monday 06:59 local, the same morning',
      '2026-11-29T17:59:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-11-29T18:00:00.000Z',
    ],
    [
      'from Monday 07:01 local, next week',
      '2026-11-29T18:01:00.000Z',
      MON_7,
      'Pacific/Auckland',
      '2026-12-06T18:00:00.000Z',
    ],
    [
      'Auckland gap: Sunday 02:30 does not exist on 27 Sep 2026, runs at 03:30 NZDT',
      '2026-09-26T00:00:00.000Z',
      SUN_0230,
      'Pacific/Auckland',
      '2026-09-26T14:30:00.000Z',
    ],
    [
      'Auckland overlap: Sunday 02:30 on 5 Apr 2026 happens twice, runs at the first',
      '2026-04-04T00:00:00.000Z',
      SUN_0230,
      'Pacific/Auckland',
      '2026-04-04T13:30:00.000Z',
    ],
    [
      'Auckland overlap: after the first 02:30 it does not run again at the second',
      '2026-04-04T13:30:00.000Z',
      SUN_0230,
      'Pacific/Auckland',
      '2026-04-11T14:30:00.000Z',
    ],
    [
      'London winter: Monday 07:00 GMT',
      '2026-01-07T00:00:00.000Z',
      MON_7,
      'Europe/London',
      '2026-01-12T07:00:00.000Z',
    ],
    [
      'London summer: Monday 07:00 BST is 06:00 UTC',
      '2026-06-02T00:00:00.000Z',
      MON_7,
      'Europe/London',
      '2026-06-08T06:00:00.000Z',
    ],
    [
      'London: first Monday after BST starts',
      '2026-03-27T00:00:00.000Z',
      MON_7,
      'Europe/London',
      '2026-03-30T06:00:00.000Z',
    ],
    [
      'London: first Monday after BST ends',
      '2026-10-24T00:00:00.000Z',
      MON_7,
      'Europe/London',
      '2026-10-26T07:00:00.000Z',
    ],
    [
      'London gap: Sunday 01:30 does not exist on 29 Mar 2026, runs at 02:30 BST',
      '2026-03-28T12:00:00.000Z',
      SUN_0130,
      'Europe/London',
      '2026-03-29T01:30:00.000Z',
    ],
    [
      'London overlap: Sunday 01:30 on 25 Oct 2026 runs at the first (BST)',
      '2026-10-24T12:00:00.000Z',
      SUN_0130,
      'Europe/London',
      '2026-10-25T00:30:00.000Z',
    ],
    [
      'London overlap: not again at the second 01:30',
      '2026-10-25T00:30:00.000Z',
      SUN_0130,
      'Europe/London',
      '2026-11-01T01:30:00.000Z',
    ],
    [
      'daily (no weekday) in UTC',
      '2026-05-05T10:00:00.000Z',
      { hour: 9, minute: 15 },
      'UTC',
      '2026-05-06T09:15:00.000Z',
    ],
    [
      'daily, later the same day',
      '2026-05-05T08:00:00.000Z',
      { hour: 9, minute: 15 },
      'UTC',
      '2026-05-05T09:15:00.000Z',
    ],
    [
      'daily through the Auckland gap',
      '2026-09-26T12:00:00.000Z',
      { hour: 2, minute: 0 },
      'Pacific/Auckland',
      '2026-09-26T14:00:00.000Z',
    ],
    [
      'a zone west of UTC: Monday 07:00 in New York (EST)',
      '2026-12-01T00:00:00.000Z',
      MON_7,
      'America/New_York',
      '2026-12-07T12:00:00.000Z',
    ],
    [
      'Chatham Islands (+12:45/+13:45)',
      '2026-11-27T00:00:00.000Z',
      MON_7,
      'Pacific/Chatham',
      '2026-11-29T17:15:00.000Z',
    ],
  ];
  for (const [why, after, spec, zone, expected] of cases) {
    test(why, () => assert.equal(nextRun(new Date(after), spec, zone).toISOString(), expected));
  }

  test('local wall time of a result matches the spec, and it is the first one (property)', () => {
    const zones = [
      'Pacific/Auckland',
      'Europe/London',
      'America/New_York',
      'Australia/Lord_Howe',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (after, zone, weekday, hour, minute) => {
          const spec = { weekday, hour, minute };
          const r = nextRun(after, spec, zone);
          assert.ok(r.getTime() > after.getTime());
          assert.ok(r.getTime() - after.getTime() <= 7 * 86_400_000 + 3 * 3_600_000);
          // Asking one millisecond earlier gives the same instant: nothing was skipped.
          assert.equal(nextRun(new Date(r.getTime() - 1), spec, zone).getTime(), r.getTime());
          const local = new Date(r.getTime() + offsetMs(r.getTime(), zone));
          const wallMatches =
            local.getUTCDay() === weekday &&
            local.getUTCHours() === hour &&
            local.getUTCMinutes() === minute;
          // Only a time inside a DST gap is moved (forward, by the gap, at most an hour here).
          if (!wallMatches)
            assert.ok(
              local.getUTCDay() === weekday &&
                local.getUTCHours() * 60 + local.getUTCMinutes() - (hour * 60 + minute) <= 60,
            );
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('zonedTimeToUtc round-trips ordinary times', () => {
    assert.equal(
      zonedTimeToUtc(2026, 11, 30, 7, 0, 'Pacific/Auckland').toISOString(),
      '2026-11-29T18:00:00.000Z',
    );
    assert.equal(
      zonedTimeToUtc(2026, 7, 6, 7, 0, 'Pacific/Auckland').toISOString(),
      '2026-07-05T19:00:00.000Z',
    );
  });

  test('bad specs and zones are refused', () => {
    assert.throws(() => nextRun(new Date(), { weekday: 7, hour: 0, minute: 0 }, 'UTC'), RangeError);
    assert.throws(() => nextRun(new Date(), { hour: 24, minute: 0 }, 'UTC'), RangeError);
    assert.throws(() => nextRun(new Date(), { hour: 1, minute: 1.5 }, 'UTC'), RangeError);
    assert.throws(() => schedule('x', MON_7, 'Mars/Olympus'), RangeError);
  });

  test('backoff doubles and is capped', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffMs(n, 1000, 5000)),
      [1000, 2000, 4000, 5000],
    );
  });
});

describe(`job queue on ${ENGINE}`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    ({ tdb, db } = await migratedDatabase());
  });
  after(async () => {
    await dropDatabase(db, tdb);
  });
  const clear = () => db.kysely.deleteFrom('jobs').execute();
  const get = (id: number) =>
    db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('a unique key makes enqueue idempotent, also when racing', async () => {
    await clear();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        enqueue(db, 'newsletter.issue', { week: '2026-W48' }, { uniqueKey: 'newsletter:2026-W48' }),
      ),
    );
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    const rows = await db.kysely.selectFrom('jobs').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.deepEqual(JSON.parse(rows[0].payload), { week: '2026-W48' });
    // Without a key every enqueue adds a job.
    await enqueue(db, 'x', {});
    await enqueue(db, 'x', {});
    assert.equal(
      (await db.kysely.selectFrom('jobs').select('id').where('kind', '=', 'x').execute()).length,
      2,
    );
  });

  test('an idle claim takes no write lock: it answers while another connection writes, and a due job is claimed once the lock is free', async () => {
    await clear();
    await enqueue(db, 'idleclaimq', {}, { runAt: new Date(Date.now() + 60_000) });
    if (ENGINE !== 'sqlite') {
      assert.equal(await claimJob(db, ['idleclaimq'], 'wq1', 30_000), undefined);
      const due = await enqueue(db, 'idleclaimq', {});
      assert.equal((await claimJob(db, ['idleclaimq'], 'wq1', 30_000))?.id, due.id);
      return;
    }
    // Another connection (as an import's thread has) takes the write lock and keeps it.
    const other = new Database(join(tdb.config.dataDir, 'broadsheet.db'));
    other.pragma('busy_timeout = 0');
    other.exec('begin immediate');
    try {
      const waits = sqliteLockStats.waits;
      assert.equal(await claimJob(db, ['idleclaimq'], 'wq1', 30_000), undefined);
      assert.equal(sqliteLockStats.waits, waits, 'nothing due: the lock was not asked for');
      other.exec(
        `insert into jobs (kind, payload, run_at, created_at, updated_at) values ('idleclaimq', '{}', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z')`,
      );
      other.exec('commit');
      const due = await db.kysely
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', 'idleclaimq')
        .where('run_at', '<', '2001')
        .executeTakeFirstOrThrow();
      other.exec('begin immediate');
      let claimed: number | undefined;
      const claim = claimJob(db, ['idleclaimq'], 'wq1', 30_000).then((j) => (claimed = j?.id));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(claimed, undefined, 'a due job: the claim waits for the lock');
      other.exec('commit');
      await claim;
      assert.equal(claimed, due.id);
      assert.ok(sqliteLockStats.waits > waits, 'and waited for it on timers');
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
    }
  });

  test('claiming takes due jobs of known kinds only, each once, oldest first', async () => {
    await clear();
    const a = await enqueue(db, 'a', { n: 1 }, { runAt: new Date(Date.now() - 2000) });
    const b = await enqueue(db, 'a', { n: 2 }, { runAt: new Date(Date.now() - 1000) });
    await enqueue(db, 'a', { n: 3 }, { runAt: new Date(Date.now() + 60_000) });
    await enqueue(db, 'other', {});
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => claimJob(db, ['a'], `w${i}`, 30_000)),
    );
    const got = claims.filter(Boolean).map((j) => j!.id);
    assert.deepEqual(
      got.sort(),
      [a.id, b.id].sort(),
      'two due jobs, each claimed by exactly one claimer',
    );
    const ja = await get(a.id);
    assert.equal(ja.status, 'running');
    assert.equal(ja.attempts, 1);
    assert.ok(ja.locked_by && ja.locked_until);
    assert.equal(await claimJob(db, ['a'], 'late', 30_000), undefined);
  });

  test('a job whose lease expired (its process died) is claimed again', async () => {
    await clear();
    const t0 = Date.now();
    const { id } = await enqueue(db, 'lease', {}, { now: new Date(t0) });
    const first = await claimJob(db, ['lease'], 'crashed', 100, new Date(t0));
    assert.equal(first?.id, id);
    assert.equal(
      await claimJob(db, ['lease'], 'other', 100, new Date(t0 + 99)),
      undefined,
      'not while the lease holds',
    );
    const again = await claimJob(db, ['lease'], 'other', 100, new Date(t0 + 101));
    assert.equal(again?.id, id);
    assert.equal(again?.locked_by, 'other');
    assert.equal(again?.attempts, 2);
  });

  test('failures retry with backoff, then succeed; a job that keeps failing ends failed', async () => {
    await clear();
    const clock = new TestClock();
    const flaky = await enqueue(db, 'flaky', {}, { maxAttempts: 5, now: clock.now() });
    const doomed = await enqueue(db, 'doomed', {}, { maxAttempts: 3, now: clock.now() });
    let flakyCalls = 0;
    const errors: string[] = [];
    const worker = startWorker(
      { db },
      {
        flaky: async () => {
          if (++flakyCalls < 3) throw new Error(`try ${flakyCalls} failed`);
        },
        doomed: async () => {
          throw new Error('always fails');
        },
      },
      {
        poll: false,
        backoffBaseMs: 60_000,
        onError: (e) => errors.push((e as Error).message),
        now: clock.now,
      },
    );
    const first = await worker.drain();
    assert.equal(first, 2);
    let j = await get(flaky.id);
    assert.equal(j.status, 'queued');
    assert.equal(j.last_error, 'try 1 failed');
    assert.equal(
      Date.parse(j.run_at) - Date.parse(j.updated_at),
      60_000,
      'the first retry is due one base delay later',
    );
    clock.advance(59_999);
    assert.equal(await worker.drain(), 0, 'nothing runs before the backoff is over');
    clock.advance(1);
    assert.equal(await worker.drain(), 2, 'both retries run once it is');
    j = await get(flaky.id);
    assert.equal(
      Date.parse(j.run_at) - Date.parse(j.updated_at),
      120_000,
      'the second retry waits twice as long',
    );
    clock.advance(119_999);
    assert.equal(await worker.drain(), 0);
    clock.advance(1);
    assert.equal(await worker.drain(), 2);
    assert.equal(
      await worker.drain(),
      0,
      'a job that succeeded or failed for good is not run again',
    );
    assert.deepEqual(errors, [
      'try 1 failed',
      'always fails',
      'try 2 failed',
      'always fails',
      'always fails',
    ]);
    j = await get(flaky.id);
    assert.equal(j.status, 'done');
    assert.equal(j.attempts, 3);
    const d = await get(doomed.id);
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts, 3);
    assert.equal(d.last_error, 'always fails');
    await worker.stop();
  });

  test('a job claimed again after too many expired leases is marked failed', async () => {
    await clear();
    const clock = new TestClock();
    const { id } = await enqueue(db, 'dies', {}, { maxAttempts: 1, now: clock.now() });
    await claimJob(db, ['dies'], 'crashed', 1000, clock.now());
    clock.advance(1001);
    let ran = false;
    const worker = startWorker(
      { db },
      { dies: async () => void (ran = true) },
      { poll: false, onError: () => {}, now: clock.now },
    );
    await worker.drain();
    await worker.stop();
    assert.equal(ran, false);
    const j = await get(id);
    assert.equal(j.status, 'failed');
    assert.match(j.last_error!, /gave up after 1 attempts/);
  });

  test('the polling worker runs due jobs in the background and stops cleanly', async () => {
    await clear();
    const seen: number[] = [];
    const worker = startWorker(
      { db },
      { tick: async (p: { n: number }) => void seen.push(p.n) },
      { pollMs: 20, concurrency: 3 },
    );
    for (let n = 0; n < 5; n++) await enqueue(db, 'tick', { n });
    const deadline = Date.now() + 5000;
    while (seen.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
    const left = await db.kysely
      .selectFrom('jobs')
      .select('status')
      .where('status', '!=', 'done')
      .execute();
    assert.deepEqual(left, []);
  });

  test('a long job keeps its lease by heartbeat, so no one else takes it', async () => {
    await clear();
    const clock = new TestClock();
    const { id } = await enqueue(db, 'long', {}, { now: clock.now() });
    let calls = 0;
    let thief: unknown = 'not tried';
    const leaseMs = 60_000;
    const a = startWorker(
      { db },
      {
        long: async (_p, ctx) => {
          calls++;
          // Two thirds of the lease pass, the job says it is alive, and as much again passes: the
          // first lease would have run out by then, the renewed one has not.
          clock.advance((2 * leaseMs) / 3);
          await ctx.heartbeat();
          clock.advance((2 * leaseMs) / 3);
          thief = await claimJob(db, ['long'], 'thief', leaseMs, clock.now());
        },
      },
      { poll: false, leaseMs, now: clock.now },
    );
    await a.drain();
    await a.stop();
    assert.equal(thief, undefined, 'the lease was renewed');
    assert.equal(calls, 1);
    assert.equal((await get(id)).status, 'done');
  });

  test('schedules enqueue their next occurrence once, however many workers run', async () => {
    await clear();
    const s = schedule('digest', MON_7, 'Pacific/Auckland');
    const w1 = startWorker({ db }, { digest: async () => {} }, { poll: false, schedules: [s] });
    const w2 = startWorker({ db }, { digest: async () => {} }, { poll: false });
    await w2.schedule('digest', MON_7, 'Pacific/Auckland');
    await w1.drain();
    await Promise.all([w1.stop(), w2.stop()]);
    const rows = await db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'digest')
      .execute();
    assert.equal(rows.length, 1);
    const expected = nextRun(new Date(), MON_7, 'Pacific/Auckland').toISOString();
    assert.equal(rows[0].run_at, expected);
    assert.equal(rows[0].status, 'queued');
    assert.deepEqual(JSON.parse(rows[0].payload), { scheduledFor: expected });
  });
});
