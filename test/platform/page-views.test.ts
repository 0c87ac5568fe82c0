import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINE, testSite } from '../helpers.ts';
import { countView, flushViews, viewsBetween } from '../../src/platform/page-views.ts';

test(`page views are added up in memory and written in one go (${ENGINE})`, async () => {
  const site = await testSite({ DEMO: '0', JOBS: '0' });
  try {
    const db = site.db.kysely;
    const day = new Date('2026-11-23T10:00:00Z');
    for (let i = 0; i < 3; i++) countView(db, 'story', 7, day);
    countView(db, 'cable', 7, day);
    assert.equal(
      (await db.selectFrom('views_daily').selectAll().execute()).length,
      0,
      'nothing written per view',
    );
    await flushViews(db);
    countView(db, 'story', 7, day);
    countView(db, 'story', 7, day);
    await flushViews(db);
    const stories = await viewsBetween(db, 'story', '2026-11-23', '2026-11-24');
    assert.equal(stories.get(7), 5);
    assert.equal((await viewsBetween(db, 'cable', '2026-11-23', '2026-11-24')).get(7), 1);
  } finally {
    await site.cleanup();
  }
});

test(`counts that cannot be written are kept for the next flush (${ENGINE})`, async () => {
  const site = await testSite({ DEMO: '0', JOBS: '0' });
  try {
    const db = site.db.kysely;
    const day = new Date('2026-11-23T10:00:00Z');
    countView(db, 'story', 9, day);
    countView(db, 'story', 9, day);
    // The table is out of reach for a moment: the flush fails, and no page sees it.
    await sql`alter table views_daily rename to views_daily_away`.execute(db);
    await flushViews(db);
    await sql`alter table views_daily_away rename to views_daily`.execute(db);
    countView(db, 'story', 9, day);
    await flushViews(db);
    assert.equal((await viewsBetween(db, 'story', '2026-11-23', '2026-11-24')).get(9), 3);
    // Written once: a further flush adds nothing.
    await flushViews(db);
    assert.equal((await viewsBetween(db, 'story', '2026-11-23', '2026-11-24')).get(9), 3);
  } finally {
    await site.cleanup();
  }
});
