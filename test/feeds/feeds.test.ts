import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { addFeed, getFeed, latestPartnerItems } from '../../src/feeds/store.ts';
import { pollFeed } from '../../src/feeds/poll.ts';
import { parseOutboundAllow } from '../../src/platform/outbound.ts';
import { ATOM, RSS, feedServer } from '../stories/helpers.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
// The feed server listens on loopback, which only an operator's allow-list lets the site reach.
const LIMITS = {
  timeoutMs: 800,
  maxBytes: 64 * 1024,
  maxRedirects: 5,
  allow: parseOutboundAllow('127.0.0.1'),
};

describe(`partner feed polling on ${ENGINE}`, () => {
  let site: Site;
  let srv: Awaited<ReturnType<typeof feedServer>>;
  let rssHits = 0;
  let conditional = 0;
  before(async () => {
    site = await testSite({ DEMO: '0', JOBS: '0' });
    srv = await feedServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/rss') {
        rssHits++;
        if (req.headers['if-none-match'] === '"v1"') {
          conditional++;
          res.writeHead(304).end();
          return;
        }
        res.writeHead(200, {
          'content-type': 'application/rss+xml',
          etag: '"v1"',
          'last-modified': 'Tue, 10 Jun 2025 04:00:00 GMT',
        });
        res.end(
          RSS([
            {
              guid: 'g-1',
              title: 'Ceasefire talks resume',
              link: 'https://partner.example/a',
              description:
                '<p>Talks <b>resume</b> in <a href="https://partner.example">Geneva</a>.</p>',
            },
            { guid: 'g-2', title: 'Aid convoy arrives', link: 'https://partner.example/b' },
            {
              guid: 'g-2',
              title: 'Aid convoy arrives (repeat)',
              link: 'https://partner.example/b',
            },
            { title: 'No guid, link decides', link: 'https://partner.example/c' },
            { guid: 'g-3', title: 'Sneaky', link: 'javascript:alert(1)' },
            { guid: 'g-4', title: 'FTP', link: 'ftp://partner.example/x' },
          ]),
        );
      } else if (path === '/atom') {
        res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(ATOM);
      } else if (path === '/bad') {
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end('<rss version="2.0"><channel><title>Broken</title><item></channel>');
      } else if (path === '/html') {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body>Not a feed</body></html>');
      } else if (path === '/huge') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < 1024 && res.write(chunk)) sent++;
          if (sent < 1024 && !res.destroyed) res.once('drain', pump);
          else res.end();
        };
        res.on('error', () => {});
        pump();
      } else if (path === '/slow') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.write('<?xml version="1.0"?><rss version="2.0"><channel>');
        // never finishes
      } else if (path.startsWith('/loop')) {
        res.writeHead(302, { location: path === '/loop' ? '/loop2' : '/loop' }).end();
      } else if (path === '/moved') {
        res.writeHead(301, { location: '/atom' }).end();
      } else res.writeHead(404).end();
    });
  });
  after(async () => {
    await srv.close();
    await site.cleanup();
  });

  const feed = async (name: string, path: string) =>
    (await getFeed(
      site.db.kysely,
      await addFeed(site.db.kysely, name, srv.url + path, new Date().toISOString()),
    ))!;

  test('good RSS: items stored once each, links other than http(s) dropped, summaries plain text; a second poll is a 304', async () => {
    const db = site.db.kysely;
    const f = await feed('Partner Wire', '/rss');
    const first = await pollFeed(db, f, LIMITS);
    assert.equal(first.status, 'updated');
    assert.equal(first.added, 3);
    assert.equal(first.dropped, 2);
    const items = await db
      .selectFrom('partner_items')
      .selectAll()
      .where('feed_id', '=', f.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      items.map((i) => i.title),
      ['Ceasefire talks resume', 'Aid convoy arrives', 'No guid, link decides'],
    );
    assert.equal(items[0].summary, 'Talks resume in Geneva.');
    assert.equal(items[0].source, 'Partner Wire');
    assert.ok(items.every((i) => /^https:/.test(i.url)));
    const again = await pollFeed(db, (await getFeed(db, f.id))!, LIMITS);
    assert.equal(again.status, 'not-modified');
    assert.equal(conditional, 1, 'the second request carried If-None-Match');
    // Without validators the same items come back and are not stored twice.
    await db
      .updateTable('partner_feeds')
      .set({ etag: null, last_modified: null })
      .where('id', '=', f.id)
      .execute();
    const third = await pollFeed(db, (await getFeed(db, f.id))!, LIMITS);
    assert.equal(third.added, 0);
    assert.equal(
      (await db.selectFrom('partner_items').select('id').where('feed_id', '=', f.id).execute())
        .length,
      3,
    );
    assert.ok(rssHits >= 3);
  });

  test('good Atom (through a redirect): entities decoded, markup and scripts removed, javascript: entry dropped', async () => {
    const f = await feed('Atom Partner', '/moved');
    const r = await pollFeed(site.db.kysely, f, LIMITS);
    assert.equal(r.status, 'updated');
    assert.equal(r.added, 1);
    const [item] = await site.db.kysely
      .selectFrom('partner_items')
      .selectAll()
      .where('feed_id', '=', f.id)
      .execute();
    assert.equal(item.title, 'Floods & drought in the south');
    assert.equal(item.summary, 'Rivers rose fast.');
    assert.equal(item.url, 'https://atom.example/2025/floods');
    assert.equal(item.published_at, '2025-06-10T18:30:02.000Z');
  });

  for (const [path, message] of [
    ['/bad', /not well-formed XML/],
    ['/html', /neither an RSS 2.0 nor an Atom feed/],
    ['/huge', /larger than 64 KiB/],
    ['/slow', /no complete answer within 0.8 s/],
    ['/loop', /more than 5 redirects/],
    ['/missing', /answered 404/],
  ] as const) {
    test(`a broken feed (${path}) is recorded on the feed and does not throw`, async () => {
      const f = await feed(`Broken ${path}`, path);
      const r = await pollFeed(site.db.kysely, f, LIMITS);
      assert.equal(r.status, 'error');
      assert.match(r.error!, message);
      const row = (await getFeed(site.db.kysely, f.id))!;
      assert.match(row.last_error!, message);
      assert.equal(row.error_count, 1);
    });
  }

  test('broken feeds show on the dashboard and never break pages', async () => {
    const { signedIn } = await import('../stories/helpers.ts');
    const ed = await signedIn(site.db.kysely, 'feeds-editor@example.org', 'editor');
    const dash = await site.app.inject({ url: '/admin', headers: { cookie: ed.cookie } });
    assert.equal(dash.statusCode, 200);
    assert.match(dash.body, /feed errors/);
    assert.match(dash.body, /more than 5 redirects/);
    const world = await site.app.inject('/world');
    assert.equal(world.statusCode, 200);
    assert.match(world.body, /Ceasefire talks resume/);
    const items = await latestPartnerItems(site.db.kysely, 10);
    assert.ok(items.length >= 4);
  });
});
