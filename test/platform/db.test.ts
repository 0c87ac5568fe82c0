import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testDatabase } from '../helpers.ts';
import { sql } from 'kysely';
import { connect, ping } from '../../src/platform/db.ts';
import { migrate } from '../../src/features.ts';
import { loadDemoContent } from '../../src/demo.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { assetUrl } from '../../src/web/assets.ts';

test(`migrations are versioned and idempotent; demo content loads only into an empty database (${ENGINE})`, async () => {
  const tdb = await testDatabase();
  const db = await connect(tdb.config);
  try {
    const first = await migrate(db);
    assert.ok(first.applied.includes('0001_core_content'));
    assert.deepEqual(first.pending, []);
    const second = await migrate(db);
    assert.deepEqual(second.applied, []);
    assert.equal(await loadDemoContent(db.kysely), true);
    assert.equal(await loadDemoContent(db.kysely), false);
    const stories = await db.kysely.selectFrom('stories').select('is_demo').execute();
    assert.equal(stories.length, 5);
    assert.ok(stories.every((s) => s.is_demo === 1));
    assert.equal((await db.kysely.selectFrom('partner_items').selectAll().execute()).length, 4);
    assert.equal((await db.kysely.selectFrom('ads').selectAll().execute()).length, 1);
  } finally {
    await db.close();
    await tdb.cleanup();
  }
});

test(
  'healthz answers 503 when the database cannot be reached',
  { skip: ENGINE !== 'postgres' && 'needs PostgreSQL (set DATABASE_URL)' },
  async () => {
    // A server that refuses connections: nothing listens on port 1.
    const config = loadConfig({
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      LOG_LEVEL: 'silent',
    });
    const db = await connect(config);
    const app = await buildApp({ config, db });
    try {
      assert.equal(await ping(db, 1000), false);
      const res = await app.inject('/healthz');
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { status: 'unavailable', db: 'postgres' });
      // A session cookie does not make the health check or the assets reach for the database.
      const withCookie = await app.inject({
        url: '/healthz',
        headers: { cookie: `bs_session=${'a'.repeat(43)}` },
      });
      assert.equal(withCookie.statusCode, 503);
      assert.deepEqual(withCookie.json(), { status: 'unavailable', db: 'postgres' });
      assert.equal(
        (await app.inject(assetUrl('favicon.svg'))).statusCode,
        200,
        'assets are served without the database',
      );
      const page = await app.inject('/');
      assert.equal(page.statusCode, 503);
      assert.ok(!page.body.includes('ECONNREFUSED'), 'no internals leak');
    } finally {
      await app.close();
      await db.close();
    }
  },
);

test(
  'a SQLite connection keeps the page cache it was opened with (search threads keep a smaller one)',
  { skip: ENGINE !== 'sqlite' && 'SQLite only' },
  async () => {
    const tdb = await testDatabase();
    const size = async (db: Awaited<ReturnType<typeof connect>>) =>
      (await sql<{ cache_size: number }>`pragma cache_size`.execute(db.kysely)).rows[0]?.cache_size;
    const main = await connect(tdb.config);
    const search = await connect(main.target, { cacheKiB: 16384 });
    try {
      assert.equal(await size(main), -65536);
      assert.equal(await size(search), -16384);
    } finally {
      await search.close();
      await main.close();
      await tdb.cleanup();
    }
  },
);
