/**
 * The crawler boundary over real HTTP on the engine under test: the licence decision is made on the
 * path the router matches (every non-canonical spelling of a licensed path is refused, never
 * served), the whole User-Agent counts, and a client naming a search engine is believed only from
 * the engine's published ranges.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ENGINE, listenLocal, testSite } from '../helpers.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

const GPTBOT = 'Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)';
const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** A GET with the request target sent exactly as written (no client-side normalisation). */
function rawGet(
  base: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'GET',
        path: target,
        headers: { connection: 'close', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe(`the crawler boundary on ${ENGINE}`, () => {
  let site: Site;
  let base: string;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0' });
    base = await listenLocal(site);
  });
  after(async () => {
    await site.cleanup();
  });

  const licensed = [
    '/api/search?q=lima',
    '/api/cables/09LIMA1669',
    '/feeds/home.rss',
    '/sitemap.xml',
  ];

  test('the plain paths answer a browser and refuse an AI crawler', async () => {
    for (const url of licensed) {
      assert.equal(
        (await rawGet(base, url, { 'user-agent': BROWSER })).status,
        200,
        `${url} for a browser`,
      );
      assert.equal(
        (await rawGet(base, url, { 'user-agent': GPTBOT })).status,
        402,
        `${url} for GPTBot`,
      );
    }
  });

  test('no other spelling of a licensed path serves a crawler', async () => {
    const variants = [
      '/%61pi/search?q=lima',
      '/%61%70%69/search?q=lima',
      '/%41pi/search?q=lima',
      '/%61%70%69/cables/09LIMA1669',
      '/api/%63ables/09LIMA1669',
      '/%66eeds/home.rss',
      '/feeds/home%2Erss',
      '/sitemap%2Exml',
      '/sitemap%2exml',
      '/%2561pi/search?q=lima',
      '/sitemap%252Exml',
      '//api/search?q=lima',
      '/api//search?q=lima',
      '/./api/search?q=lima',
      '/api/./search?q=lima',
      '/x/../api/search?q=lima',
      '/api%2Fsearch?q=lima',
      '/api%2fsearch?q=lima',
      '/API/search?q=lima',
      '/Api/Search?q=lima',
      '/SITEMAP.XML',
      '/sitemap.XML',
      '/api\\search?q=lima',
    ];
    for (const url of variants) {
      const r = await rawGet(base, url, { 'user-agent': GPTBOT });
      assert.notEqual(r.status, 200, `${url} must not be served to GPTBot`);
      assert.ok([400, 402, 404].includes(r.status), `${url} answered ${r.status}`);
      assert.doesNotMatch(r.body, /09LIMA1669.*LIMA|<urlset|<rss/, `${url} leaks content`);
    }
    // The encoded spellings are refused outright with a readable message, for everyone.
    for (const url of [
      '/%61pi/search?q=lima',
      '/sitemap%2Exml',
      '/./api/search?q=lima',
      '//api/search?q=lima',
      '/%2561pi/search?q=lima',
    ]) {
      const r = await rawGet(base, url, { 'user-agent': BROWSER });
      assert.equal(r.status, 400, `${url} for a browser`);
      assert.match(r.body, /not written in its plain form/, url);
      assert.match(
        String(r.headers['content-security-policy'] ?? ''),
        /default-src 'self'/,
        `${url} keeps the security headers`,
      );
    }
  });

  test('encoded characters that are not a hidden path still work', async () => {
    // A space and non-ASCII text are encoded in any path; they reach the route as before.
    assert.equal(
      (await rawGet(base, '/search?q=lima%20peru', { 'user-agent': BROWSER })).status,
      200,
    );
    assert.equal((await rawGet(base, '/no%20such%20page', { 'user-agent': BROWSER })).status, 404);
    assert.equal((await rawGet(base, '/caf%C3%A9', { 'user-agent': BROWSER })).status, 404);
  });

  test('a crawler name padded past any real User-Agent length is still a crawler', async () => {
    const padded = `Mozilla/5.0 ${'(KHTML, like Gecko) '.repeat(60)}GPTBot/1.2`;
    assert.ok(padded.length > 1024);
    assert.equal((await rawGet(base, '/api/search?q=lima', { 'user-agent': padded })).status, 402);
    // Over-long without any name: automated use all the same.
    const long = `Mozilla/5.0 ${'x'.repeat(2000)}`;
    assert.equal((await rawGet(base, '/api/search?q=lima', { 'user-agent': long })).status, 402);
  });

  test('a client calling itself a search engine is believed only from its published ranges', async () => {
    const fake = await site.app.inject({
      url: '/api/search?q=lima',
      headers: { 'user-agent': GOOGLEBOT },
      remoteAddress: '203.0.113.9',
    });
    assert.equal(fake.statusCode, 402);
    assert.equal(
      (
        await site.app.inject({
          url: '/sitemap.xml',
          headers: { 'user-agent': GOOGLEBOT },
          remoteAddress: '127.0.0.1',
        })
      ).statusCode,
      402,
    );
    assert.equal(
      (
        await site.app.inject({
          url: '/api/search?q=lima',
          headers: { 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0)' },
          remoteAddress: '198.51.100.7',
        })
      ).statusCode,
      402,
    );
    // From Googlebot's long-documented range: a search engine, treated as a personal reader.
    const real = await site.app.inject({
      url: '/sitemap.xml',
      headers: { 'user-agent': GOOGLEBOT },
      remoteAddress: '66.249.66.1',
    });
    assert.equal(real.statusCode, 200);
    const access = (
      await site.app.inject({
        url: '/api/access',
        headers: { 'user-agent': GOOGLEBOT },
        remoteAddress: '66.249.66.1',
      })
    ).json();
    assert.equal(access.status, 'personal');
    // Googlebot's name from Bing's or anyone else's address is not Googlebot.
    assert.equal(
      (
        await site.app.inject({
          url: '/api/access',
          headers: { 'user-agent': GOOGLEBOT },
          remoteAddress: '66.249.96.1',
        })
      ).statusCode,
      402,
    );
  });
});

describe('canonicalPath', () => {
  test('plain paths pass through decoded; every hidden spelling is refused', async () => {
    const { canonicalPath, rawPath } = await import('../../src/platform/request-path.ts');
    const ok: Array<[string, string]> = [
      ['/', '/'],
      ['/api/search', '/api/search'],
      ['/stories/news/2026/12/2-a-slug', '/stories/news/2026/12/2-a-slug'],
      ['/no%20such%20page', '/no such page'],
      ['/caf%C3%A9', '/café'],
      ['/a:b@c,d;e+f', '/a:b@c,d;e+f'],
      ['/.well-known/tdmrep.json', '/.well-known/tdmrep.json'],
    ];
    for (const [input, decoded] of ok) assert.equal(canonicalPath(input), decoded, input);
    const refused = [
      '',
      'api',
      '*',
      'http://x/api',
      '/%61pi',
      '/%41PI',
      '/%7e',
      '/%2e',
      '/%2E',
      '/%5f',
      '/%2d',
      '/%30',
      '/a%2Fb',
      '/a%2fb',
      '/a%5Cb',
      '/%2561pi',
      '/%25',
      '/%',
      '/%4',
      '/%zz',
      '/%00',
      '/%0a',
      '/%7F',
      '//api',
      '/api//search',
      '/./api',
      '/api/.',
      '/x/../api',
      '/..',
      '/api\\search',
      '/caf\u00e9',
      '/a b',
      '/a\tb',
    ];
    for (const input of refused) assert.equal(canonicalPath(input), null, JSON.stringify(input));
    assert.equal(rawPath('/api/search?q=%61#frag'), '/api/search');
    assert.equal(rawPath('/sitemap.xml#x?y'), '/sitemap.xml');
  });
});
