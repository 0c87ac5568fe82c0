/**
 * Forgiving search through /search and /api/search on the engine under test: unknown fields read
 * as words with a notice, pasted links to this site's cables and stories, paging past the end and
 * long queries in titles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { storyPath } from '../../src/stories/store.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`forgiving search on ${ENGINE}`, () => {
  let site: Site;
  const api = async (qs: string) => {
    const res = await site.app.inject(`/api/search?${qs}`);
    return { status: res.statusCode, body: res.json() };
  };
  const page = (qs: string) => site.app.inject(`/search?${qs}`);
  const q = (text: string) => `q=${encodeURIComponent(text)}`;
  const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';

  before(async () => {
    site = await testSite({ DEMO: '1', SEARCH_RATE: '100000', SEARCH_BURST: '100000' });
  });
  after(() => site.cleanup());

  async function storyWith(cable: boolean) {
    const k = site.db.kysely;
    const row = await k
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .select([
        'stories.id as id',
        'stories.slug as slug',
        'stories.published_at as published_at',
        'sections.slug as section_slug',
        'stories.cable_reference_id as ref',
      ])
      .where('stories.status', '=', 'published')
      .where('stories.cable_reference_id', cable ? 'is not' : 'is', null)
      .orderBy('stories.id')
      .executeTakeFirstOrThrow();
    return { ...row, path: storyPath(row) };
  }

  test('an unknown field is read as words, with a notice', async () => {
    for (const text of ['TAGS: PREL', 'foo:bar', 'peru Author:smith']) {
      const { status, body } = await api(q(text));
      assert.equal(status, 200, text);
      assert.equal(body.notices.length, 1, text);
      assert.match(body.notices[0], /is not a filter, so it was searched for as words/);
      const res = await page(q(text));
      assert.equal(res.statusCode, 200, text);
      assert.match(res.body, /id="search-notices"/);
      assert.match(res.body, /is not a filter, so it was searched for as words/);
    }
    const tags = await api(q('TAGS: PTER'));
    assert.ok(
      tags.body.hits.some((h: { referenceId?: string }) => h.referenceId === '09LIMA1669'),
      'the words of a pasted TAGS line find the cable that has them',
    );
    const plain = await api(q('peru'));
    assert.deepEqual(plain.body.notices, []);
  });

  test('a pasted link to a cable goes to it (page) and is the one result (API)', async () => {
    for (const link of [
      'http://localhost:3999/cables/09LIMA1669',
      'https://news.example.org:8443/base/cables/09lima1669/',
      '/cables/09LIMA1669',
    ]) {
      const res = await page(q(link));
      assert.equal(res.statusCode, 302, link);
      assert.equal(res.headers.location, '/cables/09LIMA1669');
      const { body } = await api(q(link));
      assert.equal(body.total, 1, link);
      assert.equal(body.hits[0].referenceId, '09LIMA1669');
      assert.equal(body.location, '/cables/09LIMA1669');
    }
  });

  test('a pasted link to a story goes to it; a Cablegate story is its cable', async () => {
    const news = await storyWith(false);
    const res = await page(q(`http://127.0.0.1:4000${news.path}`));
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, news.path);
    const short = await page(q(`/stories/${news.id}`));
    assert.equal(short.headers.location, news.path);
    const { body } = await api(q(`example.org${news.path}`));
    assert.equal(body.total, 1);
    assert.equal(body.hits[0].kind, 'story');
    assert.equal(body.hits[0].id, news.id);

    const gate = await storyWith(true);
    const g = await page(q(`http://localhost:3000${gate.path}`));
    assert.equal(g.statusCode, 302);
    assert.equal(g.headers.location, gate.path);
    const ga = (await api(q(gate.path))).body;
    assert.equal(ga.total, 1);
    assert.equal(ga.hits[0].referenceId, gate.ref);
    assert.equal(ga.hits[0].storyUrl, gate.path);
  });

  test('a link to nothing here is searched as words', async () => {
    const res = await page(q('http://localhost:3000/stories/99999999-gone'));
    assert.equal(res.statusCode, 200);
    const missing = await page(q('/cables/01NOWHERE1'));
    assert.equal(missing.statusCode, 200);
  });

  test('paging past the end says so and links to the last page', async () => {
    const first = await api('kind=cable&size=1');
    const pages = first.body.pages;
    assert.equal(pages, first.body.total);
    const beyond = pages + 3;
    const res = await page(`kind=cable&size=1&page=${beyond}`);
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, new RegExp(`page ${beyond} of`, 'i'));
    assert.match(res.body, new RegExp(`Page ${beyond} is past the end of these results`));
    const last = pages > 1 ? `page=${pages}` : '';
    assert.ok(res.body.includes(`id="search-past-end"`));
    if (pages > 1) assert.ok(res.body.includes(last), 'a link to the last page');
    const a = await api(`kind=cable&size=1&page=${beyond}`);
    assert.equal(a.body.hits.length, 0);
    assert.equal(a.body.pages, pages);
  });

  test('a long query is shortened in the title, kept whole in the box', async () => {
    const long = 'nuclear '.repeat(625).trim();
    const res = await page(q(long));
    assert.equal(res.statusCode, 400);
    assert.ok(titleOf(res.body).length < 120, titleOf(res.body));
    assert.match(titleOf(res.body), /^Search: nuclear nuclear.*…/);
    assert.ok(res.body.includes(`value="${long}"`), 'the box keeps the whole query');
    const fits = 'peru '.repeat(40).trim();
    const ok = await page(q(fits));
    assert.equal(ok.statusCode, 200);
    assert.ok(titleOf(ok.body).length < 120);
  });
});
