/**
 * Server-side request forgery through partner feeds, over HTTP: an editor registers a feed whose
 * address (or whose redirect) points inside the server's network. Nothing is fetched from there,
 * nothing reaches /world, and the dashboard says only that the address is not public.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENGINE, testSite } from '../helpers.ts';
import { FORM, RSS, form, signedIn } from '../stories/helpers.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { FEED_POLL_JOB, jobHandlers } from '../../src/feeds/jobs.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

/** Resolves the given test names to addresses for the duration of `fn` (restored in finally). */
async function withNames<T>(map: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const original = dns.lookup;
  dns.lookup = ((host: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (...a: unknown[]) => void;
    const opts = (typeof options === 'object' && options ? options : {}) as { all?: boolean };
    const address = map[host];
    if (!address) return (original as (...a: unknown[]) => void)(host, options, callback);
    const family = address.includes(':') ? 6 : 4;
    process.nextTick(() =>
      opts.all ? cb(null, [{ address, family }]) : cb(null, address, family),
    );
  }) as typeof dns.lookup;
  try {
    return await fn();
  } finally {
    dns.lookup = original;
  }
}

describe(`partner feeds cannot reach inside the server's network on ${ENGINE}`, () => {
  let site: Site;
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  before(async () => {
    // The operator allows one intranet feed host by name; loopback itself is not allowed.
    site = await testSite({ DEMO: '0', JOBS: '0', OUTBOUND_ALLOW: 'feeds.intranet.test' });
    server = createServer((req, res) => {
      hits.push(req.url ?? '/');
      if (req.url?.startsWith('/rss'))
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
          RSS([
            {
              guid: 'inside-1',
              title: 'Internal payroll figures',
              link: 'https://intranet.example/payroll',
            },
          ]),
        );
      else if (req.url === '/public-rss')
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
          RSS([
            {
              guid: 'ok-1',
              title: 'Intranet bulletin published',
              link: 'https://intranet.example/bulletin',
            },
          ]),
        );
      else if (req.url === '/redirect')
        res.writeHead(302, { location: `http://127.0.0.1:${port}/rss` }).end();
      else if (req.url === '/redirect-name')
        res.writeHead(302, { location: `http://localhost:${port}/rss` }).end();
      else if (req.url === '/console')
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><title>Admin console</title><body>root password: hunter2</body></html>');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await site.cleanup();
  });

  async function addFeed(name: string, url: string) {
    const ed = await signedIn(
      site.db.kysely,
      `ed-${Math.random().toString(36).slice(2)}@example.org`,
      'editor',
    );
    const res = await site.app.inject({
      method: 'POST',
      url: '/admin/feeds',
      headers: { ...FORM, cookie: ed.cookie },
      payload: form({ _csrf: ed.csrf, name, url }),
    });
    const feed = await site.db.kysely
      .selectFrom('partner_feeds')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    const dashboard = await site.app.inject({
      url: '/admin/feeds',
      headers: { cookie: ed.cookie },
    });
    return { res, feed, dashboard: dashboard.body };
  }

  const world = async () => (await site.app.inject('/world')).body;

  test('a feed on loopback is not fetched and its items never reach /world', async () => {
    const before = hits.length;
    // Each spelling of loopback gets its own query so that none is taken for an already registered feed.
    for (const url of [
      `http://127.0.0.1:${port}/rss?a`,
      `http://[::1]:${port}/rss?b`,
      `http://[::ffff:127.0.0.1]:${port}/rss?c`,
      `http://2130706433:${port}/rss?d`,
      `http://0x7f.1:${port}/rss?e`,
      `http://localhost:${port}/rss?f`,
    ]) {
      const { res, feed, dashboard } = await addFeed(`Inside ${url}`, url);
      assert.equal(res.statusCode, 303, url);
      assert.equal(feed?.last_error, 'the address is not public', url);
      assert.equal(feed?.item_count, 0);
      assert.match(dashboard, /the address is not public/);
    }
    assert.equal(hits.length, before, 'the internal server saw no request');
    assert.doesNotMatch(await world(), /Internal payroll figures/);
  });

  test('a redirect from an allowed host to loopback is refused at that hop', async () => {
    await withNames({ 'feeds.intranet.test': '127.0.0.1' }, async () => {
      for (const path of ['/redirect', '/redirect-name']) {
        const before = hits.length;
        const { feed } = await addFeed(
          `Redirecting ${path}`,
          `http://feeds.intranet.test:${port}${path}`,
        );
        assert.equal(feed?.last_error, 'the address is not public', path);
        assert.deepEqual(hits.slice(before), [path], 'only the allowed first hop was requested');
      }
    });
    assert.doesNotMatch(await world(), /Internal payroll figures/);
  });

  test('a public-looking name that resolves to a private address is refused', async () => {
    await withNames(
      { 'news.partner.test': '10.0.0.7', 'cdn.partner.test': '::ffff:169.254.169.254' },
      async () => {
        for (const host of ['news.partner.test', 'cdn.partner.test']) {
          const { feed } = await addFeed(`Rebound ${host}`, `http://${host}/rss`);
          assert.equal(feed?.last_error, 'the address is not public', host);
        }
      },
    );
  });

  test('errors on the dashboard do not reveal which internal ports answer or what they say', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const a = await addFeed('Closed port', `http://127.0.0.1:${closedPort}/`);
    const b = await addFeed('Open port', `http://127.0.0.1:${port}/console`);
    assert.equal(
      a.feed?.last_error,
      b.feed?.last_error,
      'an open and a closed internal port look the same',
    );
    assert.doesNotMatch(b.dashboard, /ECONNREFUSED|hunter2|Admin console|neither an RSS/);
  });

  test('an allowed intranet feed is fetched and published; its failures are plain words', async () => {
    await withNames({ 'feeds.intranet.test': '127.0.0.1' }, async () => {
      const { feed } = await addFeed('Intranet', `http://feeds.intranet.test:${port}/public-rss`);
      assert.equal(feed?.last_error, null);
      assert.equal(feed?.item_count, 1);
      assert.match(await world(), /Intranet bulletin published/);
      const html = await addFeed('Intranet console', `http://feeds.intranet.test:${port}/console`);
      assert.equal(html.feed?.last_error, 'not a feed: neither an RSS 2.0 nor an Atom feed');
      const missing = await addFeed(
        'Intranet missing',
        `http://feeds.intranet.test:${port}/missing`,
      );
      assert.equal(missing.feed?.last_error, 'the server answered 404');
    });
  });

  test('the scheduled poll of every feed applies the same rule and the same allow-list', async () => {
    const mailer = createMailer(site.config);
    const poll = jobHandlers({
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer,
    })[FEED_POLL_JOB];
    const before = hits.length;
    await site.db.kysely
      .updateTable('partner_feeds')
      .set({ last_error: null, etag: null, last_modified: null })
      .execute();
    await withNames(
      {
        'feeds.intranet.test': '127.0.0.1',
        'news.partner.test': '10.0.0.7',
        'cdn.partner.test': '::ffff:169.254.169.254',
      },
      () => poll({}, {} as never),
    );
    await mailer.close();
    const feeds = await site.db.kysely
      .selectFrom('partner_feeds')
      .select(['name', 'last_error'])
      .execute();
    for (const f of feeds.filter(
      (x) =>
        x.name.startsWith('Inside ') ||
        x.name.startsWith('Redirecting ') ||
        x.name.startsWith('Rebound '),
    ))
      assert.equal(f.last_error, 'the address is not public', f.name);
    assert.equal(feeds.find((f) => f.name === 'Intranet')?.last_error, null);
    assert.ok(!hits.slice(before).some((h) => h.startsWith('/rss')), 'loopback was never fetched');
    assert.ok(hits.slice(before).includes('/public-rss'), 'the allowed intranet feed was polled');
  });
});
