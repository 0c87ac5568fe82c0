/**
 * The demo partner sources are ordinary partner feeds, and editors edit and remove feeds: the store
 * (rename, new address, removal with the headlines), the routes (bad input is answered 400 with a
 * message and changes nothing; good input 303 with a message in the colour of what happened), a
 * failed fetch that leaves the demo headlines in place, and the migration that gives the demo
 * headlines of an older database their feeds. Nothing here reaches the network: feeds are served on
 * loopback (allowed by OUTBOUND_ALLOW) and a host that cannot be resolved is simulated.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/platform/schema.ts';
import { ENGINE, testSite } from '../helpers.ts';
import { FORM, RSS, feedServer, form, signedIn } from '../stories/helpers.ts';
import { followFlash } from '../flash.ts';
import { DEMO_FEEDS, DEMO_HEADLINES } from '../../src/demo.ts';
import {
  addFeed,
  deleteFeed,
  feedItemCounts,
  getFeed,
  listFeeds,
  updateFeed,
} from '../../src/feeds/store.ts';
import { pollFeed } from '../../src/feeds/poll.ts';
import { FEED_LIMITS } from '../../src/feeds/fetch.ts';
import { feedsMigrations } from '../../src/feeds/migrations.ts';
import { FEED_POLL_JOB, jobSchedules } from '../../src/feeds/jobs.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
type Injected = Awaited<ReturnType<Site['app']['inject']>>;

/** The partner items of a feed, oldest first. */
const itemsOf = (db: Kysely<Database>, feedId: number) =>
  db.selectFrom('partner_items').selectAll().where('feed_id', '=', feedId).orderBy('id').execute();

const feedNamed = async (db: Kysely<Database>, name: string) =>
  (await listFeeds(db)).find((f) => f.name === name)!;

describe(`partner feeds: demo sources, edit and remove on ${ENGINE}`, () => {
  let site: Site;
  let srv: Awaited<ReturnType<typeof feedServer>>;
  let editor: Awaited<ReturnType<typeof signedIn>>;

  before(async () => {
    srv = await feedServer((req, res) => {
      if (req.url === '/un')
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
          RSS([
            {
              guid: 'un-1',
              title: 'Security Council meets on Sudan',
              link: 'https://un.example/1',
            },
            { guid: 'un-2', title: 'Relief flights resume', link: 'https://un.example/2' },
          ]),
        );
      else res.writeHead(404).end();
    });
    site = await testSite({ DEMO: '1', JOBS: '0', OUTBOUND_ALLOW: '127.0.0.1' });
    editor = await signedIn(site.db.kysely, 'feeds-desk@example.org', 'editor');
  });
  after(async () => {
    await site.cleanup();
    await srv.close();
  });

  const post = (url: string, fields: Record<string, string> = {}) =>
    site.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, cookie: editor.cookie },
      payload: form({ ...fields, _csrf: editor.csrf }),
    });
  const get = (url: string) => site.app.inject({ url, headers: { cookie: editor.cookie } });
  /** Every feed row and every partner item, to compare before and after a refused request. */
  const snapshot = async () => ({
    feeds: await site.db.kysely.selectFrom('partner_feeds').selectAll().orderBy('id').execute(),
    items: await site.db.kysely.selectFrom('partner_items').selectAll().orderBy('id').execute(),
  });

  async function shown(res: Injected, kind: 'ok' | 'partial' | 'error', message: RegExp) {
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    assert.equal(res.headers.location, '/admin/feeds');
    const page = await followFlash(site.app, res, editor.cookie);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`class="notice flash ${kind}"`));
    assert.match(page.body, message);
    return page;
  }

  test('the demo sources are partner feeds at the partners’ own addresses, with their demo headlines attached', async () => {
    const db = site.db.kysely;
    const feeds = await listFeeds(db);
    assert.deepEqual(
      feeds.map((f) => [f.name, f.url]).sort(),
      DEMO_FEEDS.map((f) => [f.name, f.url]).sort(),
    );
    const items = await db.selectFrom('partner_items').selectAll().execute();
    assert.equal(items.length, DEMO_HEADLINES.length);
    for (const item of items) {
      assert.equal(item.is_demo, 1);
      const feed = feeds.find((f) => f.id === item.feed_id);
      assert.equal(feed?.name, item.source, `${item.title} belongs to its source's feed`);
    }
    const page = await get('/admin/feeds');
    assert.equal(page.statusCode, 200);
    for (const f of DEMO_FEEDS) {
      assert.ok(page.body.includes(f.url), f.url);
      assert.ok(page.body.includes(`/admin/feeds/${(await feedNamed(db, f.name)).id}/edit`));
    }
    assert.match(page.body, /2 demo headlines on the site/, 'UN News has two demo headlines');
    assert.match(page.body, /never/, 'not fetched yet');
  });

  test('offline, a fetch fails: the feed page says why in plain words and the demo headlines stay', async () => {
    const db = site.db.kysely;
    const un = await feedNamed(db, 'UN News');
    // The name cannot be resolved, as on a machine without network (no request leaves it).
    const offline = {
      ...FEED_LIMITS,
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND news.un.org'), { code: 'ENOTFOUND' });
      },
    };
    const out = await pollFeed(db, un, offline);
    assert.equal(out.status, 'error');
    assert.equal(out.error, 'the host name could not be found');
    assert.equal((await itemsOf(db, un.id)).length, 2, 'the demo headlines stay');
    const page = await get('/admin/feeds');
    assert.match(page.body, /class="bad"/);
    assert.match(page.body, /The fetch failed: the host name could not be found/);
    const world = await site.app.inject('/world');
    assert.match(world.body, /Nowhere To Go In Gaza/);
    const home = await site.app.inject('/');
    assert.match(home.body, /Aid Access Is Key Priority/);
    // The dashboard lists it among the feed errors too.
    assert.match((await get('/admin')).body, /the host name could not be found/);
  });

  test('the edit form: unknown feeds are 404, bad input is 400 with a message and changes nothing', async () => {
    const db = site.db.kysely;
    const un = await feedNamed(db, 'UN News');
    const access = await feedNamed(db, 'Access Now');
    const page = await get(`/admin/feeds/${un.id}/edit`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Edit feed: UN News<\/h1>/);
    assert.match(
      page.body,
      /value="https:\/\/news\.un\.org\/feed\/subscribe\/en\/news\/all\/rss\.xml"/,
    );
    assert.match(page.body, /also removes its 2 headlines from World Headlines/);
    for (const id of ['999999', '0', 'abc', '1e3', '-1'])
      assert.equal((await get(`/admin/feeds/${id}/edit`)).statusCode, 404, id);

    const before = await snapshot();
    for (const [fields, message] of [
      [{ name: '   ', url: un.url }, /Give the source a name/],
      [{ name: 'x'.repeat(101), url: un.url }, /under 100 characters/],
      [{ name: 'UN News', url: 'ftp://news.un.org/feed' }, /http:\/\/ or https:\/\/ address/],
      [{ name: 'UN News', url: 'not an address' }, /http:\/\/ or https:\/\/ address/],
      [{ name: 'UN News' }, /http:\/\/ or https:\/\/ address/],
      [{ name: 'UN News', url: access.url }, /already registered, as Access Now/],
    ] as const) {
      const res = await post(`/admin/feeds/${un.id}/edit`, fields);
      assert.equal(res.statusCode, 400, JSON.stringify(fields));
      assert.match(res.body, message);
      assert.match(res.body, /class="notice error"/);
      // The form keeps what was typed.
      if ('url' in fields && fields.url !== access.url)
        assert.ok(res.body.includes(`value="${fields.url}"`));
    }
    assert.equal(
      (await post('/admin/feeds/999999/edit', { name: 'X', url: srv.url })).statusCode,
      404,
    );
    // Adding a feed at an address already registered is refused the same way.
    const dup = await post('/admin/feeds', { name: 'Access again', url: access.url });
    assert.equal(dup.statusCode, 400);
    assert.match(dup.body, /That address is already registered, as Access Now\./);
    assert.deepEqual(await snapshot(), before, 'nothing changed');
  });

  test('renaming a feed renames its headlines; saving it unchanged says so', async () => {
    const db = site.db.kysely;
    const sc = await feedNamed(db, 'Save The Children');
    await shown(
      await post(`/admin/feeds/${sc.id}/edit`, { name: 'Save The Children', url: sc.url }),
      'ok',
      /Nothing to save: Save The Children is as it was\./,
    );
    await shown(
      await post(`/admin/feeds/${sc.id}/edit`, { name: '  Save the Children  ', url: sc.url }),
      'ok',
      /Saved: the feed is now called Save the Children, on its headlines too\./,
    );
    const row = (await getFeed(db, sc.id))!;
    assert.equal(row.name, 'Save the Children');
    assert.equal(row.url, sc.url, 'the address is kept');
    assert.deepEqual(
      (await itemsOf(db, sc.id)).map((i) => i.source),
      ['Save the Children'],
    );
    assert.match((await site.app.inject('/')).body, /Save the Children/);
    assert.doesNotMatch((await site.app.inject('/world')).body, /Save The Children/);
  });

  test('a new address is fetched at once; the partner’s headlines replace the demo ones', async () => {
    const db = site.db.kysely;
    const un = await feedNamed(db, 'UN News');
    await shown(
      await post(`/admin/feeds/${un.id}/edit`, { name: 'UN News', url: `${srv.url}/un` }),
      'ok',
      /UN News was saved and fetched from its new address: 2 new headlines\./,
    );
    const items = await itemsOf(db, un.id);
    assert.deepEqual(
      items.map((i) => [i.title, i.is_demo]),
      [
        ['Security Council meets on Sudan', 0],
        ['Relief flights resume', 0],
      ],
    );
    const row = (await getFeed(db, un.id))!;
    assert.equal(row.last_error, null, 'the old address’s error went with it');
    assert.ok(row.last_ok_at);
    const world = (await site.app.inject('/world')).body;
    assert.match(world, /Relief flights resume/);
    assert.doesNotMatch(world, /Nowhere To Go In Gaza/);
    assert.match((await get('/admin/feeds')).body, /2 headlines on the site</);

    // A new address that fails is saved, and the message says the fetch failed, in amber.
    await shown(
      await post(`/admin/feeds/${un.id}/edit`, { name: 'UN News', url: `${srv.url}/moved-away` }),
      'partial',
      /UN News was saved, but the first fetch from its new address failed \(the server answered 404\)\. It is tried again every 15 minutes/,
    );
    assert.equal((await getFeed(db, un.id))!.url, `${srv.url}/moved-away`);
    assert.equal((await itemsOf(db, un.id)).length, 2, 'headlines already there stay');
  });

  test('removing a feed removes its headlines, says so, and a second remove finds nothing', async () => {
    const db = site.db.kysely;
    const access = await feedNamed(db, 'Access Now');
    const others = (await db.selectFrom('partner_items').select('id').execute()).length - 1;
    await shown(
      await post(`/admin/feeds/${access.id}/delete`),
      'ok',
      /Access Now was removed, with its 1 headline: it no longer appears in World Headlines\./,
    );
    assert.equal(await getFeed(db, access.id), undefined);
    assert.equal((await itemsOf(db, access.id)).length, 0);
    assert.equal((await db.selectFrom('partner_items').select('id').execute()).length, others);
    assert.doesNotMatch((await site.app.inject('/world')).body, /Telecom Blackout/);
    assert.doesNotMatch((await site.app.inject('/')).body, /Telecom Blackout/);
    const again = await post(`/admin/feeds/${access.id}/delete`);
    await shown(again, 'error', /There is no such feed: it may have been removed already\./);
    assert.equal((await get(`/admin/feeds/${access.id}/edit`)).statusCode, 404);
  });
});

describe(`partner feed store and migration on ${ENGINE}`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '0', JOBS: '0' });
  });
  after(() => site.cleanup());

  test('updateFeed and deleteFeed: missing, taken, renamed, moved; counts per feed', async () => {
    const db = site.db.kysely;
    const now = new Date().toISOString();
    const a = await addFeed(db, 'Alpha', 'https://alpha.example/rss', now);
    const b = await addFeed(db, 'Beta', 'https://beta.example/rss', now);
    await db
      .updateTable('partner_feeds')
      .set({ etag: '"e"', last_modified: 'x', last_error: 'boom', error_count: 3 })
      .where('id', '=', a)
      .execute();
    for (const [feed, title, demo] of [
      [a, 'A one', 1],
      [a, 'A two', 0],
      [b, 'B one', 0],
    ] as const)
      await db
        .insertInto('partner_items')
        .values({
          source: feed === a ? 'Alpha' : 'Beta',
          title,
          summary: '',
          url: 'https://x.example/',
          published_at: now,
          is_demo: demo,
          feed_id: feed,
        })
        .execute();
    assert.deepEqual(
      [...(await feedItemCounts(db))].sort(),
      [
        [a, { items: 2, demo: 1 }],
        [b, { items: 1, demo: 0 }],
      ].sort(),
    );
    assert.deepEqual(await updateFeed(db, 999999, { name: 'X', url: 'https://x.example/' }), {
      status: 'missing',
    });
    assert.deepEqual(await updateFeed(db, a, { name: 'Alpha', url: 'https://beta.example/rss' }), {
      status: 'taken',
      by: 'Beta',
    });
    assert.equal((await getFeed(db, a))!.url, 'https://alpha.example/rss');
    assert.deepEqual(await updateFeed(db, a, { name: 'Alpha', url: 'https://alpha.example/rss' }), {
      status: 'unchanged',
    });
    // A rename keeps the address and what is known about it.
    assert.deepEqual(await updateFeed(db, a, { name: 'Alfa', url: 'https://alpha.example/rss' }), {
      status: 'saved',
      renamed: true,
      moved: false,
    });
    let row = (await getFeed(db, a))!;
    assert.equal(row.etag, '"e"');
    assert.equal(row.error_count, 3);
    assert.deepEqual(
      (await itemsOf(db, a)).map((i) => i.source),
      ['Alfa', 'Alfa'],
    );
    assert.equal((await itemsOf(db, b))[0].source, 'Beta', 'other feeds keep their name');
    // A new address starts afresh.
    assert.deepEqual(await updateFeed(db, a, { name: 'Alfa', url: 'https://alfa.example/atom' }), {
      status: 'saved',
      renamed: false,
      moved: true,
    });
    row = (await getFeed(db, a))!;
    assert.deepEqual(
      [row.url, row.etag, row.last_modified, row.last_error, row.error_count, row.last_polled_at],
      ['https://alfa.example/atom', null, null, null, 0, null],
    );
    const gone = await deleteFeed(db, a);
    assert.equal(gone?.feed.name, 'Alfa');
    assert.equal(gone?.items, 2);
    assert.equal(await deleteFeed(db, a), null);
    assert.equal((await itemsOf(db, b)).length, 1, 'other feeds keep their headlines');
    await deleteFeed(db, b);
  });

  test('0650: demo headlines of an older database get feeds; other items are left alone', async () => {
    const db = site.db.kysely;
    const up = feedsMigrations(site.db.engine)['0650_feeds_demo_sources'].up;
    const now = new Date().toISOString();
    // As a demo database looked before: items without feeds; one source already registered.
    const existing = await addFeed(
      db,
      'UN News (ours)',
      'https://news.un.org/feed/subscribe/en/news/all/rss.xml',
      now,
    );
    const item = (source: string, title: string, isDemo: number) =>
      db
        .insertInto('partner_items')
        .values({
          source,
          title,
          summary: '',
          url: 'https://x.example/',
          published_at: now,
          is_demo: isDemo,
        })
        .execute();
    await item('UN News', 'Demo UN one', 1);
    await item('UN News', 'Demo UN two', 1);
    await item('Access Now', 'Demo Access', 1);
    await item('Hand Made', 'Demo by hand', 1);
    await item('Access Now', 'Not demo', 0);
    await up(db);
    await up(db); // a second run finds nothing left to attach and adds no feed
    const feeds = await listFeeds(db);
    assert.deepEqual(
      feeds.map((f) => [f.name, f.url]),
      [
        ['Access Now', 'https://www.accessnow.org/feed/'],
        ['UN News (ours)', 'https://news.un.org/feed/subscribe/en/news/all/rss.xml'],
      ],
      'Save The Children had no item, so no feed; UN News joined the feed at its address',
    );
    const access = feeds.find((f) => f.name === 'Access Now')!;
    const rows = await db
      .selectFrom('partner_items')
      .select(['title', 'feed_id'])
      .orderBy('id')
      .execute();
    assert.deepEqual(rows, [
      { title: 'Demo UN one', feed_id: existing },
      { title: 'Demo UN two', feed_id: existing },
      { title: 'Demo Access', feed_id: access.id },
      { title: 'Demo by hand', feed_id: null },
      { title: 'Not demo', feed_id: null },
    ]);
  });

  test('FEED_POLL=0 schedules no polling; the default polls every 15 minutes', () => {
    assert.deepEqual(jobSchedules({ feedPoll: false }), []);
    assert.deepEqual(
      jobSchedules({ feedPoll: true }).map((s) => [s.kind, s.everyMs]),
      [[FEED_POLL_JOB, 15 * 60_000]],
    );
  });
});
