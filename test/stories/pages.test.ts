import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, SAME_ORIGIN, testSite } from '../helpers.ts';
import { SEED_STORY_TITLE } from '../../src/demo.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`pages on ${ENGINE}`, () => {
  let site: Site;
  let seedPath: string;
  before(async () => {
    site = await testSite();
    const row = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'slug'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    seedPath = `/stories/cablegate/2009/11/${row.id}-${row.slug}`;
  });
  after(() => site.cleanup());

  test('home page lists lead stories, sections, latest Cablegate stories and World Headlines', async () => {
    const res = await site.app.inject('/');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    const html = res.body;
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes('Welcome to Broadsheet'));
    assert.ok(html.includes('Latest from Cablegate'));
    assert.ok(html.includes(`href="${seedPath}"`));
    assert.ok(html.includes('World Headlines'));
    assert.ok(html.includes('Four Earthquakes In a Week Leave Thousands Homeless'));
    assert.ok(html.includes('Demo content'));
  });

  test('the seed story page has every element of the seed page', async () => {
    const res = await site.app.inject(seedPath);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    const at = (s: string) => {
      const i = html.indexOf(s);
      assert.ok(i >= 0, `missing: ${s}`);
      return i;
    };
    const strip = at('class="paywall-strip');
    at('Free for personal reading — a licence is needed for work use.');
    at('href="/about/licensing#register"');
    const title = at(`<h1>${SEED_STORY_TITLE}</h1>`);
    at('25 November 2009, 20:48 UTC');
    at('>Cablegate</a>');
    at('Broadsheet cable archive');
    at('DE RUEHPE #1669/01 3292049');
    const p3 = at('id="p3"');
    const ad = at('Advertisement — scroll to continue reading');
    const p4 = at('id="p4"');
    const box = at('action="/newsletter/subscribe"');
    at('type="email"');
    const copyright = at('class="copyright"');
    at('href="/terms"');
    at('World Headlines');
    at('href="https://www.savethechildren.org/"');
    assert.ok(
      strip < title && title < p3 && p3 < ad && ad < box && box < p4 && p4 < copyright,
      'elements are in the seed page order',
    );
    // The same page for every reader without a session: no token, no cookie, a shared cache may
    // keep it (test/web/shared-cache.test.ts).
    assert.ok(!res.body.includes('name="_csrf"'));
    assert.equal(res.cookies.length, 0);
    assert.match(String(res.headers['cache-control']), /^public, max-age=0, s-maxage=\d+$/);
  });

  test('an old or wrong slug redirects permanently to the canonical URL', async () => {
    const id = seedPath.split('/').pop()!.split('-')[0];
    for (const url of [
      `/stories/cablegate/2009/11/${id}-old-title`,
      `/stories/news/2020/01/${id}`,
      `/stories/${id}`,
    ]) {
      const res = await site.app.inject(url);
      assert.equal(res.statusCode, 301, url);
      assert.equal(res.headers.location, seedPath);
    }
  });

  test('section pages paginate and validate ?page', async () => {
    const ok = await site.app.inject('/sections/explainers');
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.body.includes('How to read a diplomatic cable'));
    assert.ok(ok.body.includes('>More</a>'));
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const res = await site.app.inject(`/sections/explainers?page=${bad}`);
      assert.equal(res.statusCode, 400, bad);
      assert.ok(!res.body.includes(' at '), 'no stack trace');
    }
    assert.equal((await site.app.inject('/sections/explainers?page=9')).statusCode, 404);
    assert.equal((await site.app.inject('/sections/no-such-section')).statusCode, 404);
  });

  test('many stories in a section page through ten at a time', async () => {
    const { createStory, getSectionBySlug } = await import('../../src/stories/store.ts');
    const section = (await getSectionBySlug(site.db.kysely, 'news'))!;
    for (let i = 0; i < 23; i++) {
      await createStory(site.db.kysely, {
        sectionId: section.id,
        title: `Paging story ${i}`,
        body: 'Text.',
        publishedAt: new Date(Date.UTC(2020, 0, 1 + i)).toISOString(),
      });
    }
    const p1 = await site.app.inject('/sections/news');
    assert.ok(p1.body.includes('Page 1 of 3'));
    const p3 = await site.app.inject('/sections/news?page=3');
    assert.equal(p3.statusCode, 200);
    assert.ok(p3.body.includes('Paging story 0'));
    assert.ok(!p3.body.includes('Paging story 22'));
  });

  test('unknown pages get the 404 page; unpublished stories are not shown', async () => {
    const res = await site.app.inject('/no/such/page');
    assert.equal(res.statusCode, 404);
    assert.ok(res.body.includes('Page not found'));
    const { createStory, getSectionBySlug } = await import('../../src/stories/store.ts');
    const section = (await getSectionBySlug(site.db.kysely, 'news'))!;
    const draft = await createStory(site.db.kysely, {
      sectionId: section.id,
      title: 'Draft',
      body: 'x',
      status: 'draft',
    });
    assert.equal((await site.app.inject(`/stories/${draft}`)).statusCode, 404);
    const future = await createStory(site.db.kysely, {
      sectionId: section.id,
      title: 'Later',
      body: 'x',
      publishedAt: '2999-01-01T00:00:00.000Z',
    });
    assert.equal((await site.app.inject(`/stories/${future}`)).statusCode, 404);
  });

  test('licensing and terms pages explain the paywall', async () => {
    const lic = await site.app.inject('/about/licensing');
    assert.equal(lic.statusCode, 200);
    for (const s of ['Who needs a licence?', '$420', '$2,940', 'By negotiation', 'id="register"'])
      assert.ok(lic.body.includes(s), s);
    const terms = await site.app.inject('/terms');
    assert.equal(terms.statusCode, 200);
    assert.ok(terms.body.includes('Personal reading is free'));
  });

  test('public pages carry validators and answer 304', async () => {
    const first = await site.app.inject('/about/licensing');
    assert.match(first.headers['cache-control'] as string, /^public, max-age=0, s-maxage=60$/);
    const etag = first.headers.etag as string;
    assert.ok(etag);
    const again = await site.app.inject({
      url: '/about/licensing',
      headers: { 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const story = await site.app.inject(seedPath);
    assert.ok(story.headers['last-modified']);
  });

  test('security headers: strict CSP, nosniff, frame-ancestors, referrer policy; compression', async () => {
    const res = await site.app.inject({ url: '/', headers: { 'accept-encoding': 'gzip' } });
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin');
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain http');
  });

  test('healthz reports the engine', async () => {
    const res = await site.app.inject('/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', db: ENGINE });
  });

  test('newsletter box: a cross-site or unattested post is refused, bad address changes nothing, repeats make no duplicates', async () => {
    // The box carries no token for a reader without a session: the browser's word that the post
    // comes from this site (Origin, Sec-Fetch-Site) is what lets it through.
    const token = 't'.repeat(40);
    const cookie = `bs_csrf=${token}`;
    const count = async () =>
      Number(
        (
          await site.db.kysely
            .selectFrom('newsletter_subscribers')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const post = (
      payload: Record<string, string>,
      withCookie = false,
      headers: Record<string, string> = SAME_ORIGIN,
    ) =>
      site.app.inject({
        method: 'POST',
        url: '/newsletter/subscribe',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
          ...(withCookie ? { cookie } : {}),
        },
        payload: new URLSearchParams(payload).toString(),
      });

    const bare = await post({ email: 'reader@example.org' }, false, {});
    assert.equal(bare.statusCode, 403);
    const crossSite = await post({ email: 'reader@example.org', _csrf: token }, true, {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(crossSite.statusCode, 403);
    const wrongToken = await post({ email: 'reader@example.org', _csrf: 'x'.repeat(32) }, true, {});
    assert.equal(wrongToken.statusCode, 403);
    const noCookie = await post({ email: 'reader@example.org', _csrf: token }, false, {});
    assert.equal(noCookie.statusCode, 403);
    assert.equal(await count(), 0);

    const bad = await post({ email: 'not-an-address' });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.body.includes('does not look like an email address'));
    assert.equal(await count(), 0);

    const ok = await post({ email: ' Reader@Example.org ', return_to: seedPath });
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.body.includes('reader@example.org is on the list'));
    assert.ok(ok.body.includes(`href="${seedPath}"`));
    // A client keeping its own double-submit token, without Origin, gets through too.
    const again = await post(
      { email: 'reader@example.org', _csrf: token, return_to: '//evil.example' },
      true,
      {},
    );
    assert.ok(again.body.includes('already on our list'));
    assert.ok(!again.body.includes('evil.example'));
    assert.equal(await count(), 1);
    const row = await site.db.kysely
      .selectFrom('newsletter_subscribers')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'unconfirmed');
    assert.equal(row.email, 'reader@example.org');
  });
});
