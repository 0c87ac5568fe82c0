/**
 * A page of cable hits with Cablegate stories, and facet counts from the in-memory columns, checked
 * against the database on a seeded generated archive: each cable hit carries its story's title and
 * page exactly when that story is published and due (drafts and stories published in the future
 * do not count), stories of their own are still found beside an archive whose other stories are
 * all Cablegate stories, and the origin, classification, year and month counts of filtered and
 * unfiltered searches are the tables' own, the same on every repetition (the counting arrays are
 * reused between searches).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ENGINE } from '../helpers.ts';
import { seededRandom } from '../seeded.ts';
import { ensureSection, storyPath } from '../../src/stories/store.ts';
import { SearchService, type SearchResult } from '../../src/search/service.ts';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { generatedArchive, searchParams, termIndexReady, type Archive } from './archive.ts';

const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

describe(`cable hits with Cablegate stories, and facet counts, on ${ENGINE}`, () => {
  let archive: Archive;
  let svc: SearchService;

  before(async () => {
    archive = await generatedArchive(600, 23);
    const k = archive.site.db.kysely;
    const section = await ensureSection(k, { slug: 'cablegate', name: 'Cablegate' });
    const cables = await k
      .selectFrom('cables')
      .select(['id', 'reference_id'])
      .orderBy('id')
      .execute();
    const rnd = seededRandom(5);
    const stamp = iso(NOW - 86_400_000);
    // Two cables in three get a story: most published in the past, some drafts, some due later.
    for (const c of cables) {
      const r = rnd();
      if (r > 2 / 3) continue;
      const status = r < 0.1 ? 'draft' : 'published';
      const at = r < 0.2 && r >= 0.1 ? iso(NOW + 86_400_000 * 30) : iso(NOW - 86_400_000 * 400);
      await k
        .insertInto('stories')
        .values({
          section_id: section.id,
          slug: `cablegate-${c.reference_id.toLowerCase()}`,
          title: `Cablegate: story of ${c.reference_id}`,
          teaser: '',
          body: `The cable ${c.reference_id}.`,
          status,
          featured: 0,
          is_demo: 0,
          cable_reference_id: c.reference_id,
          published_at: at,
          created_at: stamp,
          updated_at: stamp,
        })
        .execute();
    }
    svc = new SearchService(archive.site.db, await openSearchIndex(archive.site.db), {
      memoryIndex: true,
      termsFile: join(archive.dir, 'search-terms.bin'),
    });
    await termIndexReady(svc);
  });
  after(async () => {
    await svc?.index.close();
    await archive?.cleanup();
  });

  /** The visible Cablegate story of each cable, by reference id, from a join over the tables. */
  async function storiesBySql(refs: string[]) {
    if (!refs.length) return new Map<string, { title: string; url: string }>();
    const rows = await archive.site.db.kysely
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .select([
        'stories.id as id',
        'stories.slug as slug',
        'stories.title as title',
        'stories.published_at as published_at',
        'stories.cable_reference_id as ref',
        'sections.slug as section_slug',
      ])
      .where('stories.cable_reference_id', 'in', refs)
      .where('stories.status', '=', 'published')
      .where('stories.published_at', '<=', iso(Date.now()))
      .execute();
    return new Map(rows.map((r) => [r.ref!, { title: r.title, url: storyPath(r) }]));
  }

  const QUERIES: Record<string, string>[] = [
    { q: 'embassy' },
    { q: 'government minister' },
    { q: 'secur*' },
    { q: '"prime minister"' },
    { q: 'embassy', sort: 'newest', page: '2' },
    { q: '', sort: 'oldest' },
    { q: 'minister', classification: 'SECRET' },
  ];

  test('each cable hit has its story exactly when the story is published and due', async () => {
    let withStory = 0;
    let without = 0;
    for (const raw of QUERIES) {
      const out = await svc.search(searchParams({ ...raw, size: '50' }));
      assert.ok(out.ok, JSON.stringify(raw));
      const hits = out.result.hits;
      assert.ok(hits.length > 0, `${JSON.stringify(raw)}: hits`);
      const expected = await storiesBySql(hits.map((h) => h.referenceId!));
      for (const h of hits) {
        assert.equal(h.kind, 'cable', `${JSON.stringify(raw)}: only cables`);
        const story = expected.get(h.referenceId!);
        assert.equal(h.storyUrl, story?.url, `${h.referenceId}: story page`);
        if (story) {
          assert.equal(h.title, story.title, `${h.referenceId}: the story's title`);
          withStory++;
        } else {
          assert.doesNotMatch(h.title, /^Cablegate: /, `${h.referenceId}: the cable's title`);
          without++;
        }
      }
      assert.equal(out.result.facets.section.length, 0, 'no section counts a Cablegate story');
    }
    assert.ok(withStory > 0 && without > 0, `both kinds of cable hit (${withStory}, ${without})`);
  });

  /** Origin, classification, year and month counts of the cables passing `where`, by SQL. */
  async function countsBySql(where: { year?: number; ids?: number[] }) {
    let q = archive.site.db.kysely
      .selectFrom('cables')
      .select([
        'origin',
        'classification',
        sql<string>`substr(created, 1, 7)`.as('month'),
        sql<number>`count(*)`.as('n'),
      ])
      .groupBy(['origin', 'classification', sql`substr(created, 1, 7)`]);
    if (where.ids) q = q.where('id', 'in', where.ids.length ? where.ids : [-1]);
    if (where.year !== undefined) q = q.where(sql`substr(created, 1, 4)`, '=', String(where.year));
    const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
    const origin = new Map<string, number>();
    const cls = new Map<string, number>();
    const month = new Map<string, number>();
    const year = new Map<string, number>();
    for (const r of await q.execute()) {
      const n = Number(r.n);
      add(origin, r.origin, n);
      add(cls, r.classification, n);
      add(month, r.month, n);
      add(year, r.month.slice(0, 4), n);
    }
    return { origin, cls, month, year };
  }

  const asMap = (list: { value: string; count: number }[]) =>
    new Map(list.map((v) => [v.value, v.count]));
  /** The largest counts of `all` (as many as the facet lists), for comparing with a cut list. */
  function top(all: Map<string, number>, n: number): Map<string, number> {
    return new Map([...all].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n));
  }

  test('facet and month counts are the tables’, on every repetition', async () => {
    const year = Number(
      (
        await archive.site.db.kysely
          .selectFrom('cables')
          .select(sql<string>`substr(created, 1, 4)`.as('y'))
          .orderBy('id')
          .executeTakeFirstOrThrow()
      ).y,
    );
    const cases: [Record<string, string>, { year?: number }][] = [
      [{ q: '' }, {}],
      [{ q: '', year: String(year) }, { year }],
    ];
    for (let round = 0; round < 3; round++)
      for (const [raw, where] of cases) {
        const out = await svc.search(searchParams(raw));
        assert.ok(out.ok);
        const r: SearchResult = out.result;
        const want = await countsBySql(where);
        const what = `${JSON.stringify(raw)} round ${round}`;
        assert.deepEqual(asMap(r.months), new Map([...want.month].sort()), `${what}: months`);
        const o = asMap(r.facets.origin);
        assert.deepEqual(o, top(want.origin, o.size), `${what}: origins`);
        assert.deepEqual(asMap(r.facets.classification), want.cls, `${what}: classifications`);
        if (where.year === undefined)
          assert.deepEqual(asMap(r.facets.year), want.year, `${what}: years`);
      }
    // Words: every hit fits on one page, so the counts are those of the page's cables.
    for (let round = 0; round < 2; round++)
      for (const q of ['pipeline', 'drought', 'narcotics police']) {
        const out = await svc.search(searchParams({ q, size: '100' }));
        assert.ok(out.ok);
        const r = out.result;
        assert.ok(r.total > 0 && r.total === r.hits.length, `${q}: ${r.total} hits on one page`);
        const want = await countsBySql({ ids: r.hits.map((h) => h.id) });
        assert.deepEqual(asMap(r.months), new Map([...want.month].sort()), `${q}: months`);
        const o = asMap(r.facets.origin);
        assert.deepEqual(o, top(want.origin, o.size), `${q}: origins`);
        assert.deepEqual(asMap(r.facets.classification), want.cls, `${q}: classifications`);
        assert.deepEqual(asMap(r.facets.year), want.year, `${q}: years`);
      }
  });

  // Last: the story it adds would count in the searches above.
  test('a story of its own is found beside the Cablegate stories', async () => {
    const k = archive.site.db.kysely;
    const before = await svc.search(searchParams({ q: 'zanzibarite' }));
    assert.ok(before.ok);
    assert.equal(before.result.total, 0);
    const section = await ensureSection(k, { slug: 'world', name: 'World' });
    const stamp = iso(NOW - 86_400_000);
    await k
      .insertInto('stories')
      .values({
        section_id: section.id,
        slug: 'zanzibarite-found',
        title: 'Zanzibarite found',
        teaser: 'A mineral.',
        body: 'Zanzibarite was found on the coast.',
        status: 'published',
        featured: 0,
        is_demo: 0,
        cable_reference_id: null,
        published_at: stamp,
        created_at: stamp,
        updated_at: stamp,
      })
      .execute();
    const out = await svc.search(searchParams({ q: 'zanzibarite' }));
    assert.ok(out.ok);
    assert.equal(out.result.total, 1);
    assert.equal(out.result.hits[0].kind, 'story');
    assert.equal(out.result.hits[0].title, 'Zanzibarite found');
    assert.deepEqual(out.result.facets.kind, [{ value: 'story', count: 1 }]);
  });
});
