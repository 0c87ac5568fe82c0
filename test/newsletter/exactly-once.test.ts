/**
 * Exactly-once sending with real processes and a real SMTP server: a sender killed with SIGKILL
 * part-way and started again mails nobody twice, and two processes sending the same issue at once
 * share the work without a duplicate (on PostgreSQL through FOR UPDATE SKIP LOCKED; on SQLite
 * through BEGIN IMMEDIATE on the shared file).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, type TestDb, dropDatabase, migratedDatabase } from '../helpers.ts';
import { startSink, type Sink } from './smtp-sink.ts';
import { type Db } from '../../src/platform/db.ts';
import { issueForSlot } from '../../src/newsletter/compose.ts';
import { startIssueSend } from '../../src/newsletter/send.ts';

const N = 2000;

describe(`exactly-once newsletter sending on ${ENGINE}`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    ({ tdb, db } = await migratedDatabase());
    const now = new Date().toISOString();
    for (let i = 0; i < N; i += 500) {
      await db.kysely
        .insertInto('newsletter_subscribers')
        .values(
          Array.from({ length: Math.min(500, N - i) }, (_, j) => ({
            email: `reader${i + j}@example.org`,
            status: 'confirmed' as const,
            source: 'test',
            created_at: now,
            updated_at: now,
            confirmed_at: now,
          })),
        )
        .execute();
    }
  });
  after(async () => {
    await dropDatabase(db, tdb);
  });

  function child(sink: Sink, issueId: number) {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/newsletter/send-child.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATA_DIR: tdb.config.dataDir,
          DATABASE_URL: tdb.config.databaseUrl ?? '',
          SMTP_URL: sink.url,
          ISSUE_ID: String(issueId),
          LEASE_MS: '1500',
          LOG_LEVEL: 'silent',
          DEMO: '0',
          JOBS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; signal: string | null; out: string }>(
      (resolve) => p.on('exit', (code, signal) => resolve({ code, signal, out })),
    );
    return { p, exited };
  }

  async function deliveries(issueId: number) {
    return db.kysely
      .selectFrom('newsletter_deliveries')
      .innerJoin(
        'newsletter_subscribers',
        'newsletter_subscribers.id',
        'newsletter_deliveries.subscriber_id',
      )
      .select(['newsletter_subscribers.email', 'newsletter_deliveries.status'])
      .where('issue_id', '=', issueId)
      .execute();
  }

  test('SIGKILL part-way, then a second run: no address gets two copies; the in-flight ones are reported unknown', async () => {
    const sink = await startSink({ keep: false });
    try {
      const issue = await issueForSlot(db.kysely, new Date('2026-11-29T18:00:00Z'), {
        timeZone: 'Pacific/Auckland',
        siteName: 'Broadsheet',
      });
      await startIssueSend(db, issue.id);
      const first = child(sink, issue.id);
      const deadline = Date.now() + 60_000;
      while (sink.total() < N / 4 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      first.p.kill('SIGKILL');
      const r1 = await first.exited;
      assert.equal(
        r1.signal,
        'SIGKILL',
        `the first run was killed part-way (it printed: ${r1.out.slice(-300)})`,
      );
      const atKill = sink.total();
      assert.ok(atKill < N, `killed before the end (${atKill} received)`);

      const second = child(sink, issue.id);
      const r2 = await second.exited;
      assert.equal(r2.code, 0, r2.out);
      assert.match(r2.out, /"complete":true/);

      const rows = await deliveries(issue.id);
      assert.equal(rows.length, N);
      let unknown = 0;
      for (const row of rows) {
        const got = sink.counts.get(row.email) ?? 0;
        assert.ok(got <= 1, `${row.email} received ${got} copies`);
        if (row.status === 'sent')
          assert.equal(got, 1, `${row.email} is marked sent and received one copy`);
        else {
          assert.equal(row.status, 'unknown', `${row.email}: ${row.status}`);
          unknown++;
        }
      }
      const duplicates = [...sink.counts.values()].filter((n) => n > 1).length;
      assert.equal(duplicates, 0);
      assert.ok(unknown <= 50, `at most one batch is unknown (${unknown})`);
      const received = [...sink.counts.values()].reduce((a, b) => a + b, 0);
      assert.ok(received >= N - unknown, 'everyone not unknown got the issue');
      const issueRow = await db.kysely
        .selectFrom('newsletter_issues')
        .select('status')
        .where('id', '=', issue.id)
        .executeTakeFirstOrThrow();
      assert.equal(issueRow.status, 'sent');
      console.log(
        `# killed after ${atKill} messages; ${unknown} reported unknown; ${received} received in all, 0 duplicates`,
      );
    } finally {
      await sink.close();
    }
  });

  test('two processes sending the same issue at once: each address exactly once', async () => {
    const sink = await startSink({ keep: false });
    try {
      const issue = await issueForSlot(db.kysely, new Date('2026-12-06T18:00:00Z'), {
        timeZone: 'Pacific/Auckland',
        siteName: 'Broadsheet',
      });
      const a = child(sink, issue.id);
      const b = child(sink, issue.id);
      const [ra, rb] = await Promise.all([a.exited, b.exited]);
      assert.equal(ra.code, 0, ra.out);
      assert.equal(rb.code, 0, rb.out);
      const sentBy = [ra.out, rb.out].map(
        (o) => JSON.parse(/done (.*)/.exec(o)![1]).sent as number,
      );
      assert.equal(sentBy[0] + sentBy[1], N);
      const rows = await deliveries(issue.id);
      assert.equal(rows.length, N);
      for (const row of rows) {
        assert.equal(row.status, 'sent');
        assert.equal(sink.counts.get(row.email), 1, row.email);
      }
      assert.equal(sink.total(), N);
      console.log(`# the two processes sent ${sentBy.join(' and ')}`);
    } finally {
      await sink.close();
    }
  });
});
