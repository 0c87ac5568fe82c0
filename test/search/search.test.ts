/**
 * Search on the engine under test: the seed cable found three ways, drill-down facets, paging,
 * sorting, errors, and the index following story writes. The same assertions run on SQLite and
 * PostgreSQL (test/helpers.ts picks the engine from DATABASE_URL).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite } from '../helpers.ts';
import { cableRow, insertCables } from '../../bench/_cables.ts';
import { readAllCables } from '../../src/cables/readers.ts';
import { createStory, getSectionBySlug, updateStory } from '../../src/stories/store.ts';
import { indexCablesAfterImport, deferCableIndex } from '../../src/search/search-index.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
type Api = {
  total: number;
  page: number;
  size: number;
  hits: {
    kind: string;
    id: number;
    referenceId?: string;
    title: string;
    date: string;
    url: string;
    storyUrl?: string;
    snippet: string;
    origin?: string;
    classification?: string;
    section?: string;
  }[];
  facets: Record<string, { value: string; count: number }[]>;
  tookMs: number;
};

/** A small cable in the CSV-free shape the readers give, built from our own words. */
function rawCable(
  id: string,
  station: string,
  origin: string,
  created: string,
  classification: string,
  tags: string,
  subject: string,
  text: string,
) {
  return {
    referenceId: id,
    created,
    origin,
    classification,
    header: '',
    body: `${classification}\n\nE.O. 12958: DECL: 01/01/2019\nTAGS: ${tags}\nSUBJECT: ${subject}\n\n1. (U) ${text}\n`,
    source: `test ${id} ${station}`,
  };
}

const EXTRA = [
  rawCable(
    '08LIMA100',
    'LIMA',
    'Embassy Lima',
    '2008-03-04T10:00:00Z',
    'SECRET',
    'PGOV, PTER, PE',
    'PERU: TERRORISM IN THE VALLEYS',
    'The valleys saw terrorism and coca growing.',
  ),
  rawCable(
    '09LIMA200',
    'LIMA',
    'Embassy Lima',
    '2009-05-06T10:00:00Z',
    'UNCLASSIFIED',
    'ECON, PE',
    'PERU: MINING ECONOMY GROWS',
    'Mining exports grew and the economy expanded.',
  ),
  rawCable(
    '09SANTIAGO300',
    'SANTIAGO',
    'Embassy Santiago',
    '2009-07-08T10:00:00Z',
    'CONFIDENTIAL',
    'PREL, PTER, CI',
    'CHILE: COUNTERTERRORISM TALKS',
    'Chile and Peru discussed terrorism and border security.',
  ),
  rawCable(
    '07BOGOTA400',
    'BOGOTA',
    'Embassy Bogota',
    '2007-09-10T10:00:00Z',
    'SECRET//NOFORN',
    'SNAR, PTER, CO',
    'COLOMBIA: NARCOTICS AND TERRORISM',
    'Narcotics trafficking funds terrorism in the region.',
  ),
];

describe(`search on ${ENGINE}`, () => {
  let site: Site;
  const api = async (qs: string) => {
    const res = await site.app.inject(`/api/search?${qs}`);
    return {
      status: res.statusCode,
      body: res.json() as Api & { error?: string; message?: string },
    };
  };

  before(async () => {
    // These tests search many times from one address: a rate limit that does not get in the way.
    site = await testSite({ DEMO: '1', SEARCH_RATE: '100000', SEARCH_BURST: '100000' });
    const k = site.db.kysely;
    // The demo content imports the seed cable; if it did not, index one from our fixture.
    const seed = await k
      .selectFrom('cables')
      .select('id')
      .where('reference_id', '=', '09LIMA1669')
      .executeTakeFirst();
    if (!seed) {
      const items = await readAllCables(join(REPO_ROOT, 'test/fixtures/cables/09LIMA1669.txt'));
      const raw = items.find((i) => i.ok);
      assert.ok(raw && raw.ok);
      await insertCables(k, [cableRow(raw.raw)!]);
    }
    // Extra cables go through the bulk path: deferred, then indexed after the load.
    await deferCableIndex(site.db);
    await insertCables(k, EXTRA.map((r) => cableRow(r)!).filter(Boolean));
    await indexCablesAfterImport(site.db);
  });
  after(() => site.cleanup());

  test('the seed cable is a cable and a story', async () => {
    const k = site.db.kysely;
    assert.ok(
      await k
        .selectFrom('cables')
        .select('id')
        .where('reference_id', '=', '09LIMA1669')
        .executeTakeFirst(),
    );
    assert.ok(
      await k
        .selectFrom('stories')
        .select('id')
        .where('cable_reference_id', '=', '09LIMA1669')
        .executeTakeFirst(),
    );
  });

  test('09LIMA1669 is found by "Shining Path", origin:lima terrorism and its reference id', async () => {
    for (const q of ['"Shining Path"', 'origin:lima terrorism']) {
      const { status, body } = await api(`q=${encodeURIComponent(q)}&kind=cable`);
      assert.equal(status, 200, q);
      assert.ok(
        body.hits.some((h) => h.referenceId === '09LIMA1669'),
        `${q} finds the seed cable`,
      );
    }
    const phrase = await api(`q=${encodeURIComponent('"Shining Path"')}`);
    // The story that republishes it is part of the same result: its title, the cable's page.
    assert.equal(phrase.body.hits.filter((h) => h.kind === 'story').length, 0);
    const hit = phrase.body.hits.find((h) => h.referenceId === '09LIMA1669')!;
    assert.match(hit.title, /^Cablegate: /);
    assert.match(hit.storyUrl ?? '', /^\/stories\/cablegate\//);
    assert.match(hit.snippet, /<mark>Shining(?:<\/mark> <mark>| )Path<\/mark>/i);
    assert.equal(hit.url, '/cables/09LIMA1669');
    for (const q of ['09LIMA1669', '09 LIMA 1669', '09lima001669']) {
      const { body } = await api(`q=${encodeURIComponent(q)}`);
      assert.equal(body.total, 1, q);
      assert.equal(body.hits[0].referenceId, '09LIMA1669');
      const page = await site.app.inject(`/search?q=${encodeURIComponent(q)}`);
      assert.equal(page.statusCode, 302);
      assert.equal(page.headers.location, '/cables/09LIMA1669');
    }
  });

  test("a hit links its cable's story only while the story is published", async () => {
    const k = site.db.kysely;
    const storyUrl = async () =>
      (await api(`q=${encodeURIComponent('"Shining Path"')}`)).body.hits.find(
        (h) => h.referenceId === '09LIMA1669',
      )?.storyUrl ?? null;
    const story = await k
      .selectFrom('stories')
      .select(['id', 'status', 'published_at'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    assert.match((await storyUrl()) ?? '', /^\/stories\/cablegate\//);
    try {
      await k.updateTable('stories').set({ status: 'draft' }).where('id', '=', story.id).execute();
      assert.equal(await storyUrl(), null, 'a draft is not linked');
      await k
        .updateTable('stories')
        .set({ status: 'published', published_at: '2999-01-01T00:00:00.000Z' })
        .where('id', '=', story.id)
        .execute();
      assert.equal(await storyUrl(), null, 'nor a story scheduled for later');
    } finally {
      await k
        .updateTable('stories')
        .set({ status: story.status, published_at: story.published_at })
        .where('id', '=', story.id)
        .execute();
    }
    assert.match((await storyUrl()) ?? '', /^\/stories\/cablegate\//);
  });

  test('tag codes match their meanings', async () => {
    const { body } = await api('q=tag:PTER');
    const ids = body.hits.map((h) => h.referenceId).filter(Boolean);
    for (const id of ['09LIMA1669', '08LIMA100', '09SANTIAGO300', '07BOGOTA400'])
      assert.ok(ids.includes(id), id);
    assert.ok(!ids.includes('09LIMA200'));
    // A story mentioning "terrorists and terrorism" in words, without the code.
    const news = (await getSectionBySlug(site.db.kysely, 'news'))!;
    const id = await createStory(site.db.kysely, {
      sectionId: news.id,
      title: 'A primer',
      body: 'On terrorists and terrorism in the Andes.',
    });
    const again = await api('q=tag:PTER&kind=story');
    assert.ok(again.body.hits.some((h) => h.id === id));
  });

  test('facets drill down: each counts with every filter but its own', async () => {
    const all = (await api('q=terrorism&kind=cable')).body;
    const lima = (await api('q=terrorism&kind=cable&origin=lima')).body;
    const count = (b: Api, f: string, v: string) =>
      b.facets[f].find((x) => x.value === v)?.count ?? 0;
    assert.equal(lima.total, lima.hits.filter((h) => h.origin === 'Embassy Lima').length);
    assert.ok(lima.total >= 2);
    // The origin facet ignores the origin filter: the same counts as without it.
    assert.deepEqual(lima.facets.origin, all.facets.origin);
    assert.equal(count(lima, 'origin', 'Embassy Lima'), lima.total);
    assert.ok(count(lima, 'origin', 'Embassy Santiago') >= 1);
    // Other facets do apply it.
    assert.equal(
      lima.facets.year.reduce((n, y) => n + y.count, 0),
      lima.total,
    );
    assert.ok(
      !lima.facets.classification.some((c) => c.value === 'SECRET//NOFORN'),
      'Bogota is filtered out of other facets',
    );
    // The kind facet counts the other kind too.
    assert.ok(count(lima, 'kind', 'cable') === lima.total);
    const secret = (await api('q=terrorism&classification=secret')).body;
    assert.ok(secret.hits.every((h) => h.classification?.startsWith('SECRET')));
    assert.ok(
      count(secret, 'classification', 'CONFIDENTIAL//NOFORN') >= 1,
      'the classification facet ignores its own filter',
    );
    // Facets are sorted by count.
    for (const list of Object.values(all.facets))
      for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].count >= list[i].count);
    // Filters alone browse the archive.
    const browse = (await api('year=2009&kind=cable')).body;
    assert.ok(browse.total >= 3);
    assert.ok(browse.hits.every((h) => h.date.startsWith('2009')));
  });

  test('pagination and sorting', async () => {
    const full = (await api('kind=cable&sort=newest&size=100')).body;
    assert.ok(full.total >= 5);
    const dates = full.hits.map((h) => h.date);
    assert.deepEqual(dates, [...dates].sort().reverse());
    const oldest = (await api('kind=cable&sort=oldest&size=100')).body;
    assert.deepEqual(
      oldest.hits.map((h) => h.id),
      full.hits.map((h) => h.id).reverse(),
    );
    const p1 = (await api('kind=cable&sort=newest&size=2')).body;
    const p2 = (await api('kind=cable&sort=newest&size=2&page=2')).body;
    assert.equal(p1.total, full.total);
    assert.deepEqual(
      [...p1.hits, ...p2.hits].map((h) => h.id),
      full.hits.slice(0, 4).map((h) => h.id),
    );
    const beyond = (await api('kind=cable&size=2&page=999')).body;
    assert.equal(beyond.hits.length, 0);
    const rel = (await api('q=terrorism&sort=relevance&kind=cable')).body;
    assert.equal(
      rel.hits[0].title.toLowerCase().includes('terror'),
      true,
      'a title match ranks first',
    );
  });

  test('bad syntax and bad parameters are 400s with reasons; the page explains', async () => {
    for (const q of ['chile OR', '"shining path', '(peru', 'year:abc']) {
      const { status, body } = await api(`q=${encodeURIComponent(q)}`);
      assert.equal(status, 400, q);
      assert.equal(body.error, 'bad_query');
      assert.ok(body.message && body.message.length > 10, q);
      const page = await site.app.inject(`/search?q=${encodeURIComponent(q)}`);
      assert.equal(page.statusCode, 400);
      assert.ok(page.body.includes('That search could not be read.'));
      assert.ok(page.body.includes('name="q"'));
    }
    const big = await api('q=peru&size=101');
    assert.equal(big.status, 400);
    assert.match(big.body.message!, /size must be between 1 and 100/);
    assert.equal((await api('sort=sideways')).status, 400);
    assert.equal((await api('from=2009-13-01')).status, 400);
    assert.equal((await site.app.inject('/search?size=500')).statusCode, 400);
  });

  test('the index follows story create, update, unpublish and delete', async () => {
    const k = site.db.kysely;
    const news = (await getSectionBySlug(k, 'news'))!;
    const found = async (q: string) =>
      (await api(`q=${encodeURIComponent(q)}&kind=story`)).body.hits.map((h) => h.id);
    const id = await createStory(k, {
      sectionId: news.id,
      title: 'Quinoa harvest report',
      body: 'Farmers on the altiplano expect a record quinoa harvest.',
    });
    assert.ok((await found('quinoa')).includes(id));
    await updateStory(k, id, {
      title: 'Llama census report',
      body: 'Herders counted llamas on the altiplano.',
    });
    assert.ok(!(await found('quinoa')).includes(id));
    assert.ok((await found('llama')).includes(id), 'porter stems llamas to llama');
    await updateStory(k, id, { status: 'unpublished' });
    assert.ok(!(await found('llama')).includes(id));
    await updateStory(k, id, { status: 'published' });
    assert.ok((await found('llama')).includes(id));
    await k.deleteFrom('stories').where('id', '=', id).execute();
    assert.ok(!(await found('llama')).includes(id));
    const facet = (await api('q=altiplano')).body;
    assert.equal(facet.total, 0);
  });

  test('the results page: highlighted snippets, facet links, chart, sorting, empty state, masthead box', async () => {
    const res = await site.app.inject('/search?q=terrorism');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.ok(html.includes('<mark>'));
    assert.ok(html.includes('class="facets"'));
    assert.ok(html.includes('href="/search?q=terrorism&amp;origin=Embassy+Lima"'));
    assert.ok(/<svg[^>]*role="img"/.test(html), 'the per-month chart');
    // A bar links to its month, or its year when the matches span more than ten years.
    const chart = /Matches per (month|year)/.exec(html)?.[1];
    assert.ok(
      html.includes(
        chart === 'year'
          ? 'from=2009-01-01&amp;to=2009-12-31'
          : 'from=2009-11-01&amp;to=2009-11-30',
      ),
      'a bar links to its period',
    );
    assert.ok(html.includes('sort=newest'));
    assert.ok(html.includes('class="masthead-search"'));
    const empty = await site.app.inject('/search?q=zzyzx');
    assert.ok(empty.body.includes('Nothing matched'));
    assert.ok(empty.body.includes('href="/search?q=%22shining+path%22"'));
    // Escape, then mark: markup in a story never reaches the page unescaped.
    const news = (await getSectionBySlug(site.db.kysely, 'news'))!;
    await createStory(site.db.kysely, {
      sectionId: news.id,
      title: 'Markup <script>alert(1)</script> xylophone',
      body: 'The <b>xylophone</b> & more.',
    });
    const esc = await site.app.inject('/search?q=xylophone');
    assert.ok(!esc.body.includes('<script>alert(1)'));
    assert.ok(esc.body.includes('&lt;script&gt;'));
    assert.ok(esc.body.includes('<mark>xylophone</mark>'));
    const home = await site.app.inject('/');
    assert.ok(home.body.includes('action="/search"'));
  });

  test('the API uses the same parse as normalizeQuery', async () => {
    const { body } = await api(`q=${encodeURIComponent('Terrorism  origin:LIMA')}&year=2009`);
    assert.equal((body as unknown as { query: string }).query, 'terrorism | origin:lima year:2009');
  });
  test('the chart of matches spanning more than ten years has a bar per year, linking to that year', async () => {
    // Fourteen years of cables (1990-2003), two a year, under a word of their own.
    const k = site.db.kysely;
    await deferCableIndex(site.db);
    const years = Array.from({ length: 14 }, (_, i) => 1990 + i);
    await insertCables(
      k,
      years
        .flatMap((y) => [
          rawCable(
            `${String(y).slice(2)}QUITO71`,
            'QUITO',
            'Embassy Quito',
            `${y}-02-03T10:00:00Z`,
            'UNCLASSIFIED',
            'PGOV, EC',
            'ECUADOR: OCELOTCHART FIRST',
            'The ocelotchart report.',
          ),
          rawCable(
            `${String(y).slice(2)}QUITO72`,
            'QUITO',
            'Embassy Quito',
            `${y}-09-10T10:00:00Z`,
            'UNCLASSIFIED',
            'PGOV, EC',
            'ECUADOR: OCELOTCHART SECOND',
            'The ocelotchart report again.',
          ),
        ])
        .map((r) => cableRow(r)!),
    );
    await indexCablesAfterImport(site.db);
    const api = await site.app.inject('/api/search?q=ocelotchart');
    assert.equal(api.json().total, 28);
    const html = (await site.app.inject('/search?q=ocelotchart')).body;
    const chart = /<figure class="month-chart">[\s\S]*?<\/figure>/.exec(html)?.[0] ?? '';
    assert.ok(chart.includes('Matches per year'), 'the chart says it counts years');
    const bars = [...chart.matchAll(/<a href="([^"]+)" aria-label="([^"]+)"/g)];
    assert.equal(bars.length, 14, 'one bar per year');
    for (const [i, y] of years.entries()) {
      assert.equal(bars[i][2], `${y}: 2`);
      assert.equal(bars[i][1], `/search?q=ocelotchart&amp;from=${y}-01-01&amp;to=${y}-12-31`);
    }
    // Following a bar finds that year's two cables.
    const year = await site.app.inject('/api/search?q=ocelotchart&from=1995-01-01&to=1995-12-31');
    assert.deepEqual(
      year
        .json()
        .hits.map((h: { referenceId: string }) => h.referenceId)
        .sort(),
      ['95QUITO71', '95QUITO72'],
    );
    // Within ten years, a bar per month as before.
    const narrow = (await site.app.inject('/search?q=ocelotchart&from=1995-01-01&to=1999-12-31'))
      .body;
    assert.ok(narrow.includes('Matches per month'));
    assert.ok(narrow.includes('from=1995-09-01&amp;to=1995-09-30'), 'a bar links to its month');
    await k.deleteFrom('cables').where('origin', '=', 'Embassy Quito').execute();
  });
});
