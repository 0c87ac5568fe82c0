/** One job worker per process: every feature's handlers and schedules merged in src/server.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { featureJobs } from '../../src/server.ts';
import { ensureScheduled, every } from '../../src/platform/jobs.ts';

test(`every feature's jobs are in the one worker; JOBS=0 starts none (${ENGINE})`, async () => {
  const site = await testSite({ DEMO: '0' });
  try {
    assert.equal(site.config.jobs, false, 'tests run without a worker unless they ask for one');
    const { handlers, schedules } = featureJobs({
      config: site.config,
      db: site.db,
      shared: undefined as never,
      mailer: undefined as never,
    });
    assert.deepEqual(Object.keys(handlers).sort(), [
      'cables:upload',
      'feeds:poll',
      'licensing.alerts',
      'licensing.daily',
      'licensing.reminder',
      'newsletter.send',
      'newsletter.weekly',
    ]);
    assert.deepEqual(schedules.map((s) => s.kind).sort(), [
      'feeds:poll',
      'licensing.alerts',
      'licensing.daily',
      'newsletter.weekly',
    ]);
    const jobs = await site.db.kysely.selectFrom('jobs').select('kind').execute();
    assert.deepEqual(jobs, [], 'no worker ran, so nothing was scheduled');
  } finally {
    await site.cleanup();
  }
  const withJobs = await testSite({ DEMO: '0', JOBS: '1' });
  try {
    const deadline = Date.now() + 10_000;
    let kinds: string[] = [];
    while (Date.now() < deadline) {
      kinds = (
        await withJobs.db.kysely
          .selectFrom('jobs')
          .select('kind')
          .where('unique_key', 'like', 'schedule:%')
          .execute()
      )
        .map((j) => j.kind)
        .sort();
      if (kinds.length >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(
      kinds,
      ['feeds:poll', 'licensing.alerts', 'licensing.daily', 'newsletter.weekly'],
      'one worker enqueued every schedule once',
    );
  } finally {
    await withJobs.cleanup();
  }
});

test(`interval schedules land on multiples of the interval (${ENGINE})`, async () => {
  const site = await testSite({ DEMO: '0' });
  try {
    const r = await ensureScheduled(
      site.db,
      every('tick', 15 * 60_000),
      new Date('2026-11-27T10:07:00Z'),
    );
    assert.equal(r.runAt.toISOString(), '2026-11-27T10:15:00.000Z');
    assert.equal(
      (await ensureScheduled(site.db, every('tick', 15 * 60_000), new Date('2026-11-27T10:08:00Z')))
        .created,
      false,
    );
    assert.throws(() => every('tick', 10));
  } finally {
    await site.cleanup();
  }
});
