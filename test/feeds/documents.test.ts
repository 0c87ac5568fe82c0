/**
 * Sitemaps and feeds are made ahead and served from the `documents` table: one build however many
 * ask at once (in one process or several), stored gzip/br forms chosen by Accept-Encoding, ETag and
 * Last-Modified, the old version served while a new one is made after a change. No timing: clocks
 * are injected and builds counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ENGINE, testSite } from '../helpers.ts';
import {
  DocumentStore,
  MAX_AGE_MS,
  markDocumentsStale,
  type StoredDocument,
} from '../../src/feeds/documents.ts';
import { chooseEncoding, notModified } from '../../src/feeds/syndication.ts';
import { createStory, listSections } from '../../src/stories/store.ts';
import { DOCUMENT_RATE } from '../../src/feeds/routes.ts';
import {
  BACKGROUND_NICE,
  perThreadPriority,
  threadNice,
} from '../../src/platform/thread-priority.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
const SITE = { baseUrl: 'https://news.example', siteName: 'Broadsheet' };

function doc(d: Awaited<ReturnType<DocumentStore['get']>>): StoredDocument {
  if (!('etag' in d)) assert.fail(`expected a document, got ${JSON.stringify(d)}`);
  return d;
}

test('Accept-Encoding picks the stored form by q-value; conditional requests match any encoding of the ETag', () => {
  const both = { br: true, gzip: true };
  assert.equal(chooseEncoding('gzip, deflate, br', both), 'br');
  assert.equal(chooseEncoding('gzip', both), 'gzip');
  assert.equal(chooseEncoding('br;q=0, gzip', both), 'gzip');
  assert.equal(chooseEncoding('br;q=0.5, gzip;q=0.8', both), 'gzip');
  assert.equal(chooseEncoding('identity', both), null);
  assert.equal(chooseEncoding('', both), null);
  assert.equal(chooseEncoding('*', both), 'br');
  assert.equal(chooseEncoding('*, br;q=0', both), 'gzip');
  assert.equal(chooseEncoding('br', { br: false, gzip: true }), null);
  const lm = 'Sat, 05 Dec 2026 10:00:00 GMT';
  assert.equal(notModified('"abc"', undefined, 'abc', lm), true);
  assert.equal(notModified('W/"abc-br"', undefined, 'abc', lm), true);
  assert.equal(notModified('"x", "abc-gzip"', undefined, 'abc', lm), true);
  assert.equal(
    notModified('"abd"', 'Sat, 05 Dec 2026 11:00:00 GMT', 'abc', lm),
    false,
    'If-None-Match wins over If-Modified-Since',
  );
  assert.equal(notModified(undefined, 'Sat, 05 Dec 2026 10:00:00 GMT', 'abc', lm), true);
  assert.equal(notModified(undefined, 'Sat, 05 Dec 2026 09:59:59 GMT', 'abc', lm), false);
  assert.equal(notModified(undefined, 'not a date', 'abc', lm), false);
});

describe(`stored documents on ${ENGINE}`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0', SEARCH_WORKERS: '0' });
  });
  after(() => site.cleanup());

  test('many requests for a document not made yet: one build; the rest wait for it and get the same bytes', async () => {
    let builds = 0;
    const store = new DocumentStore(site.db, SITE, { worker: false, onBuild: () => void builds++ });
    const all = await Promise.all(
      Array.from({ length: 8 }, () => store.get('/sitemaps/stories-1.xml')),
    );
    assert.equal(builds, 1);
    const etags = new Set(all.map((d) => doc(d).etag));
    assert.equal(etags.size, 1);
    const d = doc(all[0]);
    assert.match(d.body.toString('utf8'), /^<\?xml[\s\S]*<urlset[\s\S]*https:\/\/news\.example\//);
    assert.deepEqual(gunzipSync(d.gzip!), d.body);
    assert.deepEqual(brotliDecompressSync(d.br!), d.body);
    // Served again: no build.
    for (let i = 0; i < 5; i++) await store.get('/sitemaps/stories-1.xml');
    assert.equal(builds, 1);
    await store.close();
  });

  test('two processes asking at once: one builds under the lease, the other waits for its version', async () => {
    let builds = 0;
    const a = new DocumentStore(site.db, SITE, { worker: false, onBuild: () => void builds++ });
    const b = new DocumentStore(site.db, SITE, { worker: false, onBuild: () => void builds++ });
    const [x, y] = await Promise.all([
      a.get('/sitemaps/pages-1.xml'),
      b.get('/sitemaps/pages-1.xml'),
    ]);
    assert.equal(builds, 1);
    assert.equal(doc(x).etag, doc(y).etag);
    await Promise.all([a.close(), b.close()]);
  });

  test('after a change the old version is served while one new version is made; then the new one', async () => {
    let t = Date.parse('2026-12-05T10:00:00Z');
    let builds = 0;
    const store = new DocumentStore(site.db, SITE, {
      worker: false,
      clock: () => t,
      onBuild: () => void builds++,
    });
    const first = doc(await store.get('/feeds/home.rss'));
    assert.equal(builds, 1);
    const sections = await listSections(site.db.kysely);
    await createStory(site.db.kysely, {
      sectionId: sections[0].id,
      title: 'Harbour reopens after the storm',
      body: 'Ships are back.',
      status: 'published',
      publishedAt: new Date(t - 1000).toISOString(),
    });
    await markDocumentsStale(site.db.kysely);
    t += 5_000; // past the per-process check interval
    const during = await Promise.all([store.get('/feeds/home.rss'), store.get('/feeds/home.rss')]);
    for (const d of during)
      assert.equal(doc(d).etag, first.etag, 'the previous version is served meanwhile');
    await store.idle();
    assert.equal(builds, 2, 'one rebuild for the change');
    t += 5_000;
    const next = doc(await store.get('/feeds/home.rss'));
    assert.notEqual(next.etag, first.etag);
    assert.match(next.body.toString('utf8'), /Harbour reopens after the storm/);
    assert.equal(builds, 2);
    // Without a change, a version older than MAX_AGE_MS is remade in the background too.
    t += MAX_AGE_MS + 1;
    assert.equal(doc(await store.get('/feeds/home.rss')).etag, next.etag);
    await store.idle();
    assert.equal(builds, 3);
    await store.close();
  });

  test('the builder thread runs at a low priority and compresses there: the stored forms are the document', async () => {
    const store = new DocumentStore(site.db, SITE);
    try {
      const d = doc(await store.get('/sitemap-news.xml'));
      assert.ok(d.gzip && d.br);
      assert.equal(gunzipSync(d.gzip).toString('utf8'), d.body.toString('utf8'));
      assert.equal(brotliDecompressSync(d.br).toString('utf8'), d.body.toString('utf8'));
      if (perThreadPriority)
        assert.equal(store.builderNice, Math.max(BACKGROUND_NICE, threadNice() ?? 0));
      else assert.equal(store.builderNice, null);
    } finally {
      await store.close();
    }
  });

  test('a stored version is read on the builder thread: the same forms as its row, moved to the event loop', async () => {
    // Made by one store (here), read by another whose builder runs on its thread.
    const maker = new DocumentStore(site.db, SITE, { worker: false });
    const made = doc(await maker.get('/feeds/home.atom'));
    await maker.close();
    const row = await site.db.kysely
      .selectFrom('documents')
      .selectAll()
      .where('path', '=', '/feeds/home.atom')
      .executeTakeFirstOrThrow();
    const store = new DocumentStore(site.db, SITE);
    try {
      const d = doc(await store.get('/feeds/home.atom'));
      assert.equal(store.threadLoads, 1, 'read by the builder thread');
      assert.equal(d.etag, made.etag);
      assert.equal(d.contentType, row.content_type);
      assert.equal(d.builtAt, row.built_at);
      assert.ok(Buffer.isBuffer(d.body) && d.body.equals(Buffer.from(row.body!)));
      assert.ok(d.gzip && row.body_gzip && d.gzip.equals(Buffer.from(row.body_gzip)));
      assert.ok(d.br && row.body_br && d.br.equals(Buffer.from(row.body_br)));
      assert.equal(gunzipSync(d.gzip).toString('utf8'), d.body.toString('utf8'));
      // Served again from memory while it is current: not read again.
      assert.equal(doc(await store.get('/feeds/home.atom')).etag, made.etag);
      assert.equal(store.threadLoads, 1);
    } finally {
      await store.close();
    }
  });

  test('a document that does not exist is a message, and leaves no row behind', async () => {
    const store = new DocumentStore(site.db, SITE, { worker: false });
    assert.deepEqual(await store.get('/feeds/sections/no-such-section.rss'), {
      missing: 'There is no such document.',
    });
    assert.deepEqual(await store.get('/sitemaps/cables-7.xml'), {
      missing: 'There is no such document.',
    });
    const rows = await site.db.kysely
      .selectFrom('documents')
      .select('path')
      .where('path', 'in', ['/feeds/sections/no-such-section.rss', '/sitemaps/cables-7.xml'])
      .execute();
    assert.deepEqual(rows, []);
    await store.close();
  });

  test('over HTTP (built on the worker thread): stored encodings, ETag, Last-Modified, 304, 404', async () => {
    const plain = await site.app.inject({
      url: '/sitemap.xml',
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers['content-type']), /^application\/xml/);
    assert.match(plain.body, /<urlset|<sitemapindex/);
    const etag = String(plain.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.ok(plain.headers['last-modified']);
    assert.equal(plain.headers.vary, 'accept-encoding');

    const br = await site.app.inject({
      url: '/sitemap.xml',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString('utf8'), plain.body);
    assert.equal(br.headers.etag, etag.replace(/"$/, '-br"'));
    const gz = await site.app.inject({
      url: '/sitemap.xml',
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), plain.body);

    assert.equal(
      (await site.app.inject({ url: '/sitemap.xml', headers: { 'if-none-match': etag } }))
        .statusCode,
      304,
    );
    assert.equal(
      (
        await site.app.inject({
          url: '/sitemap.xml',
          headers: { 'if-none-match': String(br.headers.etag), 'accept-encoding': 'gzip' },
        })
      ).statusCode,
      304,
    );
    assert.equal(
      (
        await site.app.inject({
          url: '/sitemap.xml',
          headers: { 'if-modified-since': String(plain.headers['last-modified']) },
        })
      ).statusCode,
      304,
    );

    const rss = await site.app.inject('/feeds/home.rss');
    assert.equal(rss.statusCode, 200);
    assert.match(String(rss.headers['content-type']), /^application\/rss\+xml/);
    // Made-up addresses are answered from cached lists, without a build.
    const noSection = await site.app.inject({
      url: '/feeds/sections/nope.rss',
      headers: { accept: 'text/html' },
    });
    assert.equal(noSection.statusCode, 404);
    assert.match(noSection.body, /There is no such section\./);
    assert.match(
      (await site.app.inject('/feeds/cables/origins/nowhere-at-all.atom')).body,
      /There are no cables from that origin\./,
    );
    assert.match(
      (await site.app.inject('/sitemaps/stories-9999.xml')).body,
      /There is no such sitemap page\./,
    );
    const rows = await site.db.kysely
      .selectFrom('documents')
      .select('path')
      .where('path', 'like', '%nope%')
      .execute();
    assert.deepEqual(rows, []);
    assert.equal((await site.app.inject('/sitemaps/other-1.xml')).statusCode, 404);
    assert.equal((await site.app.inject('/sitemaps/cables-99.xml')).statusCode, 404);
  });

  test('one client fetches at most DOCUMENT_RATE documents a minute; then 429 with Retry-After, others are served', async () => {
    const get = (ip: string) =>
      site.app.inject({
        url: '/feeds/home.rss',
        remoteAddress: ip,
        headers: { 'accept-encoding': 'gzip' },
      });
    for (let i = 0; i < DOCUMENT_RATE; i++) assert.equal((await get('10.44.0.1')).statusCode, 200);
    const refused = await get('10.44.0.1');
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(refused.body.includes('<rss'), false, 'no document in the refusal');
    assert.equal((await get('10.44.0.2')).statusCode, 200, 'another client is served');
  });
});

describe(`a change while a document is being made (${ENGINE})`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0', SEARCH_WORKERS: '0' });
  });
  after(() => site.cleanup());

  test('the version being made stays stale, so the change is not lost', async () => {
    let builds = 0;
    let t = Date.parse('2026-12-05T10:00:00Z');
    const store = new DocumentStore(site.db, SITE, {
      worker: false,
      clock: () => t,
      onBuild: async () => {
        builds++;
        // The change lands after the build took its lease, before it stores its version.
        if (builds === 1) await markDocumentsStale(site.db.kysely);
      },
    });
    const first = doc(await store.get('/feeds/home.atom'));
    const row = await site.db.kysely
      .selectFrom('documents')
      .select(['stale', 'etag'])
      .where('path', '=', '/feeds/home.atom')
      .executeTakeFirstOrThrow();
    assert.equal(row.etag, first.etag);
    assert.equal(Number(row.stale), 1);
    t += 5_000;
    await store.get('/feeds/home.atom');
    await store.idle();
    assert.equal(builds, 2);
    const after = await site.db.kysely
      .selectFrom('documents')
      .select('stale')
      .where('path', '=', '/feeds/home.atom')
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.stale), 0);
    await store.close();
  });
});
