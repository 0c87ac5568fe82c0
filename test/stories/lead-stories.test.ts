/**
 * The home page's lead stories (featured, published) are found through their own index, not by
 * reading every published story: on a large archive that read ran on the event loop (SQLite) each
 * time the home page's lists were reloaded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINE, dropDatabase, migratedDatabase, type TestDb } from '../helpers.ts';
import type { Db } from '../../src/platform/db.ts';
import { createStory, ensureSection, latestStories } from '../../src/stories/store.ts';

describe(`lead stories on ${ENGINE}`, () => {
  let tdb: TestDb | undefined;
  let db: Db;
  const leads: number[] = [];

  before(async () => {
    ({ tdb, db } = await migratedDatabase());
    const section = await ensureSection(db.kysely, { slug: 'loopleadsect', name: 'Loopleadsect' });
    const at = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
    // Many ordinary stories, a few featured ones among them, one featured draft.
    for (let i = 0; i < 200; i++) {
      const featured = i % 50 === 7;
      const id = await createStory(db.kysely, {
        sectionId: section.id,
        title: `Loopleadword story ${i}`,
        body: 'loopleadword body',
        featured,
        publishedAt: at(i),
      });
      if (featured) leads.push(id);
    }
    await createStory(db.kysely, {
      sectionId: section.id,
      title: 'Loopleadword draft',
      body: 'loopleadword draft',
      featured: true,
      status: 'draft',
      publishedAt: at(500),
    });
  });
  after(async () => {
    await dropDatabase(db, tdb);
  });

  test('the lead stories are the featured published ones, newest first', async () => {
    const got = await latestStories(db.kysely, { limit: 4, featured: true });
    assert.deepEqual(
      got.map((s) => s.id),
      [...leads].reverse(),
    );
  });

  test('the featured stories have an index of their own', async () => {
    if (ENGINE === 'sqlite') {
      const plan = await sql<{ detail: string }>`explain query plan
        select stories.id from stories
        inner join sections on sections.id = stories.section_id
        where stories.status = ${'published'} and stories.published_at <= ${new Date().toISOString()}
          and stories.featured = ${1}
        order by coalesce(stories.lead_position, 1000000), stories.published_at desc
        limit 4`.execute(db.kysely);
      const detail = plan.rows.map((r) => r.detail).join(' | ');
      assert.match(detail, /USING (COVERING )?INDEX stories_featured_published/, detail);
    } else {
      const found = await sql<{ indexdef: string }>`select indexdef from pg_indexes
        where schemaname = current_schema() and tablename = 'stories' and indexname = 'stories_featured_published'`.execute(
        db.kysely,
      );
      assert.equal(found.rows.length, 1);
      assert.match(found.rows[0].indexdef, /\(featured, status, published_at\)/);
    }
  });
});
