/**
 * One result per document: after an import, each cable and its Cablegate story are one search
 * result (the story's title, the cable's snippet, metadata and page), and the total and every facet
 * count each cable once. Checked on the engine under test, through the database path and the term
 * index, and through /api/search and the search page; counts are compared with SQL over the tables.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ENGINE, REPO_ROOT, testSite } from '../helpers.ts';
import { readAllCables } from '../../src/cables/readers.ts';
import { importRawItems } from '../../src/cables/importer.ts';
import { SearchService, type SearchResult } from '../../src/search/service.ts';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { searchParams, termIndexReady } from './archive.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`one result per cable on ${ENGINE}`, () => {
  let site: Site;
  let imported: string[] = [];

  before(async () => {
    site = await testSite({ DEMO: '0', SEARCH_RATE: '100000', SEARCH_BURST: '100000' });
    const dir = join(REPO_ROOT, 'test/fixtures/cables');
    const items = [];
    for (const f of readdirSync(dir).sort())
      items.push(...(await readAllCables(join(dir, f), { format: 'text', name: f })));
    const result = await importRawItems(site.db.kysely, items);
    imported = result.inserted;
    assert.ok(imported.length >= 3, `fixture cables imported: ${imported.join(', ')}`);
    const stories = await site.db.kysely
      .selectFrom('stories')
      .select('cable_reference_id')
      .where('cable_reference_id', 'is not', null)
      .execute();
    assert.equal(stories.length, imported.length, 'the import made a Cablegate story per cable');
  });
  after(() => site.cleanup());

  /** Cables per year and classification, counted by the database (the oracle). */
  async function sqlCounts(): Promise<{ year: Map<string, number>; cls: Map<string, number> }> {
    const rows = await site.db.kysely
      .selectFrom('cables')
      .select(['classification', sql<string>`substr(created, 1, 4)`.as('year')])
      .execute();
    const year = new Map<string, number>();
    const cls = new Map<string, number>();
    for (const r of rows) {
      year.set(r.year, (year.get(r.year) ?? 0) + 1);
      cls.set(r.classification, (cls.get(r.classification) ?? 0) + 1);
    }
    return { year, cls };
  }

  function assertOnce(r: SearchResult, what: string, expected: number) {
    const refs = r.hits.map((h) => h.referenceId);
    assert.equal(r.total, expected, `${what}: total`);
    assert.equal(r.hits.length, expected, `${what}: hits`);
    assert.equal(new Set(refs).size, refs.length, `${what}: each cable once`);
    assert.ok(
      r.hits.every((h) => h.kind === 'cable'),
      `${what}: no separate story hits`,
    );
    const sum = (f: string) =>
      r.facets[f as keyof SearchResult['facets']].reduce((n, v) => n + v.count, 0);
    assert.equal(sum('year'), expected, `${what}: year facet`);
    assert.equal(sum('origin'), expected, `${what}: origin facet`);
    assert.equal(sum('classification'), expected, `${what}: classification facet`);
    assert.deepEqual(r.facets.kind, [{ value: 'cable', count: expected }], `${what}: kind facet`);
    assert.deepEqual(r.facets.section, [], `${what}: no section counts a Cablegate story`);
    for (const h of r.hits) {
      assert.match(h.title, /^Cablegate: /, `${what}: the story's title`);
      assert.equal(h.url, `/cables/${h.referenceId}`, `${what}: the cable's page`);
      assert.match(h.storyUrl ?? '', /^\/stories\/cablegate\//, `${what}: the story's page`);
      assert.ok(h.snippet.length > 0, `${what}: a snippet`);
      assert.ok(h.origin && h.classification, `${what}: the cable's metadata`);
    }
  }

  for (const memoryIndex of [false, true]) {
    test(`browsing and a word every cable has count each cable once (${memoryIndex ? 'term index' : 'database'})`, async () => {
      const svc = new SearchService(site.db, await openSearchIndex(site.db), { memoryIndex });
      if (memoryIndex) await termIndexReady(svc);
      try {
        const oracle = await sqlCounts();
        const browse = await svc.search(searchParams({ size: '50' }));
        assert.ok(browse.ok);
        assertOnce(browse.result, 'browse', imported.length);
        assert.deepEqual(
          new Map(browse.result.facets.year.map((v) => [v.value, v.count])),
          oracle.year,
        );
        assert.deepEqual(
          new Map(browse.result.facets.classification.map((v) => [v.value, v.count])),
          oracle.cls,
        );
        // A phrase of one cable's text: the cable, with its story's title, is the one hit.
        const phrase = await svc.search(
          searchParams({ q: '"maritime border dispute"', sort: 'relevance' }),
        );
        assert.ok(phrase.ok);
        assertOnce(phrase.result, 'phrase', 1);
        assert.equal(phrase.result.hits[0].referenceId, '09LIMA1669');
        assert.match(phrase.result.hits[0].snippet, /<mark>/);
        // Filtering by kind: the stories are part of their cables, not stories of their own.
        const stories = await svc.search(searchParams({ q: 'kind:story' }));
        assert.ok(stories.ok);
        assert.equal(stories.result.total, 0);
      } finally {
        await svc.index.close();
      }
    });
  }

  test('the API and the page show one result per cable, linking the cable and its story', async () => {
    const res = await site.app.inject('/api/search?size=50');
    assert.equal(res.statusCode, 200);
    const body = res.json() as SearchResult;
    assertOnce(body, 'api', imported.length);
    const page = await site.app.inject('/search?q=%22maritime+border+dispute%22');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /1 result\b/);
    assert.equal(page.body.match(/class="hit /g)?.length, 1);
    assert.match(page.body, /href="\/cables\/09LIMA1669"/);
    assert.match(page.body, /Read as a Cablegate story/);
  });
});
