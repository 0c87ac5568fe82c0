/**
 * The in-process term index (src/search/terms.ts, memory.ts) against the database's own index on a
 * small generated corpus: the same match sets and totals for words, AND/OR/NOT, prefixes, phrases
 * and tag clauses; identical newest/oldest pages and facets; relevance top 10 overlapping the
 * database's ranking (SQLite: FTS5 bm25, which the index computes the same way; at least 8 of 10,
 * phrases being approximated). It also follows a changed and a deleted cable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { FACET_LIMIT, SearchService, type SearchResult } from '../../src/search/service.ts';
import { parseSearchParams } from '../../src/search/query.ts';
import {
  generatedArchive,
  searchParams,
  termIndexReady,
  type Archive,
  type Site,
} from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

const QUERIES = [
  'government',
  'minister economy',
  'security council reform',
  'government OR narcotics',
  'minister -economy',
  'terror*',
  'econ*',
  '"prime minister"',
  '"human rights" election',
  'tag:PGOV minister',
  'government origin:"Embassy Baghdad"',
  'economy year:2008',
  'zzzzqqq',
];

describe(`in-memory term index on ${ENGINE}`, () => {
  let archive: Archive;
  let site: Site;
  let fast: SearchService;
  let exact: SearchService;

  const run = async (
    svc: SearchService,
    q: string,
    extra: Record<string, string> = {},
  ): Promise<SearchResult> => {
    const out = await svc.search(searchParams({ q, ...extra }));
    assert.ok(out.ok, q);
    return out.result;
  };

  before(async () => {
    archive = await generatedArchive(1500, 7);
    site = archive.site;
    fast = new SearchService(site.db, await openSearchIndex(site.db), { memoryIndex: true });
    exact = new SearchService(site.db, await openSearchIndex(site.db));
    await termIndexReady(fast);
  });

  after(async () => {
    await fast?.index.close();
    await exact?.index.close();
    await archive?.cleanup();
  });

  const same = async (q: string) => {
    for (const sort of ['newest', 'oldest'] as const) {
      const a = await run(fast, q, { sort });
      const b = await run(exact, q, { sort });
      assert.equal(a.total, b.total, `${q}: total`);
      assert.deepEqual(a.facets, b.facets, `${q}: facets`);
      assert.deepEqual(a.months, b.months, `${q}: months`);
      assert.deepEqual(
        a.hits.map((h) => h.id),
        b.hits.map((h) => h.id),
        `${q}: ${sort} page`,
      );
    }
  };

  test('match sets, totals, facets and date-ordered pages equal the database path', async () => {
    for (const q of QUERIES) await same(q);
  });

  test('facet and month counts equal SQL GROUP BY over the matching cables (an oracle sharing no code with either path)', async () => {
    const { parseQuery } = await import('../../src/search/query.ts');
    const mem = fast.index as import('../../src/search/memory.ts').MemorySearchIndex;
    const db = site.db.kysely;
    const top = (rows: { value: string | number; n: number | string | bigint }[], limit: number) =>
      rows
        .map((r) => ({ value: String(r.value), count: Number(r.n) }))
        .filter((r) => r.count > 0)
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
        .slice(0, limit);
    let checked = 0;
    for (const q of QUERIES.filter((q) => !q.includes(':'))) {
      const parsed = parseQuery(q, {});
      assert.ok(parsed.ok);
      const ids = await mem.inner.match('cable', parsed.query);
      if (!ids || !ids.length) continue;
      const set = Array.from(ids);
      const groupBy = async (column: 'origin' | 'classification' | 'year' | 'month') =>
        (await db
          .selectFrom('cables')
          .select([`${column} as value`, (eb) => eb.fn.countAll().as('n')])
          .where('id', 'in', set)
          .groupBy(column)
          .execute()) as { value: string | number; n: number }[];
      const tags = (await db
        .selectFrom('cable_tags')
        .innerJoin('cables', 'cables.reference_id', 'cable_tags.reference_id')
        .select(['cable_tags.tag as value', (eb) => eb.fn.countAll().as('n')])
        .where('cables.id', 'in', set)
        .groupBy('cable_tags.tag')
        .execute()) as { value: string; n: number }[];
      const oracle = {
        origin: top(await groupBy('origin'), FACET_LIMIT),
        classification: top(await groupBy('classification'), FACET_LIMIT),
        year: top(await groupBy('year'), 100),
        tag: top(tags, FACET_LIMIT),
      };
      const months = top(await groupBy('month'), Infinity).sort((a, b) =>
        a.value < b.value ? -1 : 1,
      );
      for (const svc of [fast, exact]) {
        const r = await run(svc, q, { kind: 'cable' });
        assert.equal(r.total, set.length, `${q}: total`);
        for (const name of ['origin', 'classification', 'year', 'tag'] as const) {
          assert.deepEqual(r.facets[name], oracle[name], `${q}: ${name}`);
        }
        assert.deepEqual(r.months, months, `${q}: months`);
      }
      checked++;
    }
    assert.ok(checked >= 5, `${checked} queries checked`);
  });

  test('the match set of each query is exactly the database one', async () => {
    const mem = fast.index as import('../../src/search/memory.ts').MemorySearchIndex;
    for (const q of QUERIES) {
      const p = parseSearchParams({ q });
      assert.ok(p.ok);
      const { parseQuery } = await import('../../src/search/query.ts');
      const parsed = parseQuery(q, {});
      assert.ok(parsed.ok);
      const a = await mem.match('cable', parsed.query);
      const b = await mem.inner.match('cable', parsed.query);
      assert.deepEqual(a && Array.from(a), b && Array.from(b), q);
    }
  });

  test('relevance: every query answered in memory, top 10 overlapping the database ranking', async () => {
    for (const q of QUERIES) {
      const a = await run(fast, q);
      const b = await run(exact, q);
      assert.equal(a.total, b.total, q);
      if (!a.total) continue;
      assert.equal(a.order, 'relevance', q);
      if (ENGINE !== 'sqlite' || b.order !== 'relevance') continue;
      const ids = new Set(b.hits.map((h) => h.id));
      const overlap = a.hits.filter((h) => ids.has(h.id)).length;
      const need = q.includes('"') ? 6 : 8;
      assert.ok(
        overlap >= Math.min(need, b.hits.length),
        `${q}: ${overlap} of ${b.hits.length} shared`,
      );
    }
  });

  test('top-k pruning with champion lists gives exactly the pages of scoring every match', async () => {
    const { PRUNING } = await import('../../src/search/terms-postings.ts');
    const saved = { ...PRUNING, tiers: [...PRUNING.tiers] };
    const stats = fast.terms!.rankStats;
    const queries = [
      ...QUERIES,
      'government minister',
      'security OR council',
      'minister -government',
      'embassy',
      'government year:2008',
      'econ* minister',
      'terror* OR government',
      'milit* secur* reform',
    ];
    const pages = async () => {
      const out: string[] = [];
      for (const q of queries)
        for (const page of ['1', '3'])
          for (const extra of [{}, { classification: 'secret' }] as Record<string, string>[]) {
            const r = await run(fast, q, { page, ...extra });
            out.push(
              `${q} ${page} ${JSON.stringify(extra)}: ${r.total} ${r.order} ${r.hits.map((h) => h.id).join(',')}`,
            );
          }
      return out;
    };
    try {
      PRUNING.from = Infinity;
      const full = await pages();
      // Tiny champion lists on the small corpus: prunes where it can, falls back where it cannot.
      Object.assign(PRUNING, { champions: 48, tiers: [6, 48], from: 0 });
      const before = stats.pruned;
      const lists = stats.groupLists;
      const pruned = await pages();
      assert.deepEqual(pruned, full);
      assert.ok(stats.pruned > before, `pruned ${stats.pruned - before} rankings`);
      assert.ok(stats.groupLists > lists, 'prefixes bounded by their group champion lists');
    } finally {
      Object.assign(PRUNING, saved);
    }
  });

  test("a fresh index ranks word starts from its words' own lists, as scoring every match does", async () => {
    const { PRUNING } = await import('../../src/search/terms-postings.ts');
    const saved = { ...PRUNING, tiers: [...PRUNING.tiers] };
    // A service that has made no group list yet (as after a start), on the same archive.
    const fresh = new SearchService(site.db, await openSearchIndex(site.db), { memoryIndex: true });
    try {
      await termIndexReady(fresh);
      const qs = ['econ*', 'terror*', 'gov*', 'minist* economy', 'secur* OR narcotics'];
      const pages = async () => {
        const out: string[] = [];
        for (const q of qs)
          for (const page of ['1', '2']) {
            const r = await run(fresh, q, { page });
            out.push(`${q} ${page}: ${r.total} ${r.order} ${r.hits.map((h) => h.id).join(',')}`);
          }
        return out;
      };
      PRUNING.from = Infinity;
      const full = await pages();
      Object.assign(PRUNING, { champions: 48, tiers: [6, 48], from: 0 });
      const stats = fresh.terms!.rankStats;
      assert.deepEqual(await pages(), full);
      assert.ok(stats.pruned > 0, 'rankings pruned');
      assert.ok(stats.prefixWordLists > 0, "word starts settled from their words' lists");
    } finally {
      Object.assign(PRUNING, saved);
      await fresh.index.close();
    }
  });

  test('year filters keep the cables of their years and leave the year facet whole', async () => {
    const all = await run(fast, 'government');
    const inYear = (y: string) => all.facets.year.find((v) => v.value === y)?.count ?? 0;
    assert.ok(inYear('2008') > 0 && inYear('2009') > 0);
    const cases: [string, number][] = [
      ['government year:2008', inYear('2008')],
      ['government -year:2008', all.total - inYear('2008')],
      ['government year:2008 year:2009', inYear('2008') + inYear('2009')],
      ['government year:2008 year:2009 -year:2009', inYear('2008')],
    ];
    for (const [q, total] of cases) {
      const r = await run(fast, q, { sort: 'newest' });
      assert.equal(r.total, total, q);
      assert.deepEqual(r.facets.year, all.facets.year, `${q}: the year facet ignores its filter`);
      assert.ok(
        r.hits.every((h) => q.includes(`-year:${h.date.slice(0, 4)}`) === false),
        `${q}: no hit of an excluded year`,
      );
    }
  });

  test('facets of match sets covering most cables (counted by complement) equal counting every match', async () => {
    const { FACET_COMPLEMENT } = await import('../../src/search/service.ts');
    const qs = [
      'government',
      'minister',
      '-zzzzqqq',
      'government OR narcotics',
      'minister -economy',
      'econ*',
    ];
    const look = async () => {
      const out: unknown[] = [];
      for (const q of qs) {
        const r = await run(fast, q, { sort: 'newest' });
        out.push([q, r.total, r.facets, r.months, r.hits.map((h) => h.id)]);
      }
      return out;
    };
    try {
      FACET_COMPLEMENT.enabled = false;
      const every = await look();
      FACET_COMPLEMENT.enabled = true;
      assert.deepEqual(await look(), every);
    } finally {
      FACET_COMPLEMENT.enabled = true;
    }
  });

  test('a repeated search is answered from the kept answers, until the archive changes', async () => {
    const q = 'minister economy';
    const { answered } = fast.answerStats;
    const first = await run(fast, q, { sort: 'oldest' });
    const again = await run(fast, q, { sort: 'oldest' });
    assert.equal(
      fast.answerStats.answered,
      answered + 1,
      'the second search was answered from the kept answers',
    );
    assert.deepEqual({ ...again, tookMs: 0 }, { ...first, tookMs: 0 });
    // Another page or order is another answer.
    await run(fast, q, { sort: 'oldest', page: '2' });
    assert.equal(fast.answerStats.answered, answered + 1);
    // A changed cable empties them: the next answer is the database's again.
    const k = site.db.kysely;
    const cable = await k
      .selectFrom('cables')
      .select(['id', 'title'])
      .orderBy('created', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await k
      .updateTable('cables')
      .set({ created: '1965-01-01T00:00:00Z', body: 'The minister spoke about the economy.' })
      .where('id', '=', cable.id)
      .execute();
    const after = await run(fast, q, { sort: 'oldest' });
    assert.equal(fast.answerStats.answered, answered + 1);
    assert.equal(after.hits[0].id, cable.id, 'the changed cable is the oldest hit now');
    await same(q);
  });

  test('follows changed and deleted cables through the change log', async () => {
    const k = site.db.kysely;
    const ids = (await k.selectFrom('cables').select('id').orderBy('id').limit(3).execute()).map(
      (r) => r.id,
    );
    await k
      .updateTable('cables')
      .set({
        title: 'Quokkaland Quokka Affairs',
        body: 'The quokka delegation met the government.',
      })
      .where('id', '=', ids[0])
      .execute();
    await k.deleteFrom('cables').where('id', '=', ids[1]).execute();
    // quokk*: a word start finds words learned since the index was made.
    for (const q of ['quokka', 'government', 'minister', 'quokk*']) await same(q);
    {
      const { FACET_COMPLEMENT } = await import('../../src/search/service.ts');
      const a = await run(fast, 'government');
      FACET_COMPLEMENT.enabled = false;
      const b = await run(fast, 'government');
      FACET_COMPLEMENT.enabled = true;
      assert.deepEqual([a.total, a.facets, a.months], [b.total, b.facets, b.months]);
    }
    {
      const { PRUNING } = await import('../../src/search/terms-postings.ts');
      const saved = { ...PRUNING, tiers: [...PRUNING.tiers] };
      try {
        PRUNING.from = Infinity;
        for (const q of ['government quokka', 'gov*', 'quokk* OR minist*']) {
          PRUNING.from = Infinity;
          const full = await run(fast, q);
          Object.assign(PRUNING, { champions: 48, tiers: [6, 48], from: 0 });
          const pruned = await run(fast, q);
          assert.deepEqual(
            pruned.hits.map((h) => h.id),
            full.hits.map((h) => h.id),
            q,
          );
        }
      } finally {
        Object.assign(PRUNING, saved);
      }
    }
    const r = await run(fast, 'quokka');
    assert.equal(r.total, 1);
    assert.equal(r.hits[0].id, ids[0]);
    assert.equal(r.order, 'relevance');
  });
});
