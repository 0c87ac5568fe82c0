/**
 * Searches answered before the facet columns are loaded (early.ts): a plain text search that a
 * search thread gets while it is still reading the archive after its start is answered from the
 * database alone, with the same total, kind counts and top hits the database path gives once the
 * columns are in, and says that the other counts are not there yet; a search the columns are needed
 * for (a filter, a date order) waits for them and has all its counts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ENGINE } from '../helpers.ts';
import { ensureSection } from '../../src/stories/store.ts';
import { SearchService, type SearchResult } from '../../src/search/service.ts';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { generatedArchive, searchParams, type Archive } from './archive.ts';

const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const MARKER = 'warmingquokka';

describe(`searches before the facet columns are loaded, on ${ENGINE}`, () => {
  let archive: Archive;
  /** The database path with its columns loaded: what an early answer is checked against. */
  let reference: SearchService;
  const fresh: SearchService[] = [];
  let n = 0;

  /** A search thread's service just started: columns not loaded, term index not ready. */
  async function started(): Promise<SearchService> {
    const db = archive.site.db;
    const svc = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      termsFile: join(archive.dir, `terms-${n++}.bin`),
    });
    fresh.push(svc);
    assert.equal(svc.columns.loaded, false);
    return svc;
  }

  async function search(svc: SearchService, raw: Record<string, string>): Promise<SearchResult> {
    const out = await svc.search(searchParams(raw));
    assert.ok(out.ok, JSON.stringify(out));
    return out.result;
  }

  const ids = (r: SearchResult) => r.hits.map((h) => `${h.kind}:${h.id}`);

  before(async () => {
    archive = await generatedArchive(600, 31);
    const k = archive.site.db.kysely;
    const section = await ensureSection(k, { slug: 'warming-notes', name: 'Warming notes' });
    const cable = await k
      .selectFrom('cables')
      .select('reference_id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const story = (slug: string, status: 'draft' | 'published', at: number, ref: string | null) =>
      k
        .insertInto('stories')
        .values({
          section_id: section.id,
          slug,
          title: `The ${MARKER} ${slug}`,
          teaser: '',
          body: `A ${MARKER} story about the embassy.`,
          status,
          featured: 0,
          is_demo: 0,
          cable_reference_id: ref,
          published_at: iso(at),
          created_at: iso(NOW),
          updated_at: iso(NOW),
        })
        .execute();
    // Found: a story of its own, published. Not found: a draft, one published next month, and a
    // Cablegate story (its cable is the document).
    await story('warming-published', 'published', NOW - 86_400_000, null);
    await story('warming-draft', 'draft', NOW - 86_400_000, null);
    await story('warming-later', 'published', NOW + 30 * 86_400_000, null);
    await story('warming-cablegate', 'published', NOW - 86_400_000, cable.reference_id);
    reference = new SearchService(archive.site.db, await openSearchIndex(archive.site.db));
  });
  after(async () => {
    for (const s of [...fresh, reference]) await s?.index.close();
    await archive?.cleanup();
  });

  test('a plain text search is answered from the database, with the same hits, and says what is missing', async () => {
    for (const q of ['embassy', 'government minister', MARKER, 'embas*']) {
      for (const page of ['1', '2']) {
        const svc = await started();
        const early = await search(svc, { q, page });
        const full = await search(reference, { q, page });
        assert.equal(early.warming, true, q);
        assert.equal(early.countsPending, true, q);
        assert.equal(early.order, 'relevance', q);
        assert.equal(full.order, 'relevance', q);
        assert.equal(early.total, full.total, q);
        assert.deepEqual(ids(early), ids(full), `${q} page ${page}: the same hits`);
        assert.deepEqual(early.facets.kind, full.facets.kind, q);
        for (const f of ['origin', 'classification', 'tag', 'year', 'section'] as const)
          assert.deepEqual(early.facets[f], [], `${q}: no ${f} counts yet`);
        assert.deepEqual(early.months, []);
        assert.ok(!full.countsPending);
        assert.deepEqual(early.notices, full.notices);
        await svc.columns.sync();
      }
    }
    // The marker: only the published story of its own.
    const svc = await started();
    const r = await search(svc, { q: MARKER });
    assert.equal(r.total, 1);
    assert.equal(r.hits[0].kind, 'story');
    assert.equal(r.countsPending, true);
    assert.ok(r.facets.kind.some((f) => f.value === 'story' && f.count === 1));
  });

  test('a search the columns are needed for waits for them and has every count', async () => {
    const origin = (await search(reference, { q: 'embassy' })).facets.origin[0].value;
    const shapes: Record<string, string>[] = [
      { q: 'embassy', sort: 'newest' },
      { q: 'embassy', origin },
      { q: `embassy -origin:${JSON.stringify(origin)}` },
      { q: 'kind:cable embassy' },
    ];
    for (const raw of shapes) {
      const svc = await started();
      const r = await search(svc, raw);
      const full = await search(reference, raw);
      assert.ok(!r.countsPending, JSON.stringify(raw));
      assert.equal(svc.columns.loaded, true);
      assert.equal(r.total, full.total, JSON.stringify(raw));
      assert.deepEqual(r.facets, full.facets, JSON.stringify(raw));
      assert.deepEqual(ids(r), ids(full), JSON.stringify(raw));
    }
  });

  test('once the columns are loaded, searches have every count again', async () => {
    const svc = await started();
    assert.equal((await search(svc, { q: 'embassy' })).countsPending, true);
    await svc.columns.sync();
    const r = await search(svc, { q: 'embassy' });
    assert.ok(!r.countsPending);
    assert.ok(r.facets.origin.length > 0);
    assert.ok(r.months.length > 0);
  });
});
