/**
 * Pages a shared cache can keep: for a reader without a session the story and home pages are the
 * same bytes for everyone, say `public` with the configured `s-maxage`, carry an ETag, set no cookie
 * and hold no token; their encoded forms decode to those bytes; a change shows at once (new bytes,
 * new ETag). A signed-in member's page stays private, and answers to forms are not stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ENGINE, SAME_ORIGIN, testSite } from '../helpers.ts';
import { pickEncoding } from '../../src/platform/http.ts';
import { signedIn, FORM, form } from '../stories/helpers.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

test('the encoding is brotli, else gzip, else none, as Accept-Encoding allows', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['BR', 'br'],
    ['deflate', 'identity'],
    ['*', 'br'],
    ['*;q=0', 'identity'],
    ['gzip;q=0, *', 'br'],
    ['identity', 'identity'],
    ['br;q=nonsense', 'identity'],
  ];
  for (const [header, want] of cases) assert.equal(pickEncoding(header), want, String(header));
});

describe(`pages a shared cache can keep (${ENGINE})`, () => {
  let site: Site;
  let storyPath: string;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0', PAGE_CACHE_SECONDS: '30' });
    const home = await site.app.inject('/');
    storyPath = /href="(\/stories\/cablegate\/[^"]+)"/.exec(home.body)![1];
  });
  after(() => site.cleanup());

  const anonymous = (url: string, headers: Record<string, string> = {}, ip = '198.51.100.1') =>
    site.app.inject({ url, remoteAddress: ip, headers });

  test('a reader without a session gets the same bytes as everyone: public, s-maxage, ETag, no cookie, no token', async () => {
    for (const url of [() => storyPath, () => '/']) {
      const a = await anonymous(url());
      // Another reader, elsewhere, with a cookie the site does not know and a stale CSRF cookie.
      const b = await anonymous(
        url(),
        { cookie: `theme=dark; bs_csrf=${'z'.repeat(40)}` },
        '203.0.113.77',
      );
      for (const r of [a, b]) {
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['cache-control'], 'public, max-age=0, s-maxage=30');
        assert.equal(r.headers['set-cookie'], undefined, 'no cookie');
        assert.match(String(r.headers.vary), /Cookie/);
        assert.match(String(r.headers.vary), /Accept-Encoding/);
        assert.match(String(r.headers.etag), /^"[A-Za-z0-9_-]+"$/);
        assert.doesNotMatch(r.body, /name="_csrf"/, 'no token field');
      }
      assert.equal(a.body, b.body, `${url()}: the same bytes for everyone`);
      assert.equal(a.headers.etag, b.headers.etag);
      const again = await anonymous(url(), { 'if-none-match': String(a.headers.etag) });
      assert.equal(again.statusCode, 304);
    }
  });

  test('brotli and gzip forms decode to the same page, each with its own ETag', async () => {
    const plain = await anonymous(storyPath);
    const br = await anonymous(storyPath, { 'accept-encoding': 'gzip, deflate, br' });
    const gz = await anonymous(storyPath, { 'accept-encoding': 'gzip' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(brotliDecompressSync(br.rawPayload).toString('utf8'), plain.body);
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), plain.body);
    const tags = new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]);
    assert.equal(tags.size, 3, 'one validator per encoding');
    const again = await anonymous(storyPath, {
      'accept-encoding': 'br',
      'if-none-match': String(br.headers.etag),
    });
    assert.equal(again.statusCode, 304);
    // The same bytes the second time (made once, sent as they are).
    const br2 = await anonymous(storyPath, { 'accept-encoding': 'br' });
    assert.ok(br2.rawPayload.equals(br.rawPayload));
  });

  test('a change shows at once: new bytes and a new ETag', async () => {
    const before = await anonymous(storyPath);
    const id = Number(/\/(\d+)-/.exec(storyPath)![1]);
    const story = await site.db.kysely
      .selectFrom('stories')
      .select(['title', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await site.db.kysely
      .updateTable('stories')
      .set({
        title: `${story.title} (corrected)`,
        updated_at: new Date(Date.parse(story.updated_at) + 60_000).toISOString(),
      })
      .where('id', '=', id)
      .execute();
    site.app.contentChanged();
    const after = await anonymous(storyPath, { 'if-none-match': String(before.headers.etag) });
    assert.equal(after.statusCode, 200, 'the old validator no longer matches');
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.match(after.body, /\(corrected\)/);
    assert.equal(after.headers['cache-control'], 'public, max-age=0, s-maxage=30');
  });

  test('a signed-in member’s page is private and carries their token; answers to forms are not stored', async () => {
    const m = await signedIn(site.db.kysely, 'cache-reader@example.org', 'reader');
    const page = await site.app.inject({
      url: storyPath,
      headers: { cookie: `bs_session=${m.token}`, 'accept-encoding': 'br' },
    });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'private, no-cache');
    const body = brotliDecompressSync(page.rawPayload).toString('utf8');
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    assert.ok(token, 'the member’s forms carry a token');
    assert.match(String(page.headers['set-cookie']), new RegExp(`bs_csrf=${token}`));

    const answer = await site.app.inject({
      method: 'POST',
      url: '/newsletter/subscribe',
      remoteAddress: '198.51.100.9',
      headers: { ...FORM, ...SAME_ORIGIN },
      payload: form({ email: 'cache-reader-2@example.org' }),
    });
    assert.equal(answer.statusCode, 200, answer.body.slice(0, 300));
    assert.equal(answer.headers['cache-control'], 'no-store');
  });
});
