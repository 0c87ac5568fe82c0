/**
 * A large catch-up of the search columns and term index (an upload's cables) is put in place in
 * parts (CATCH_UP.swapPart): a search between two parts sees each part's cables whole, in the
 * columns and the term index alike, and the whole load once the last part is in. Own archive, so
 * no other test's loads decide whether a catch-up or a reload follows.
 */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSearchIndex } from '../../src/search/search-index.ts';
import {
  RESULT_CACHE,
  REWARM,
  SearchService,
  type SearchResult,
} from '../../src/search/service.ts';
import { CATCH_UP, recountTotals, type CableTotals } from '../../src/search/columns.ts';
import {
  bulkLoadCables,
  generatedArchive,
  searchParams,
  termIndexReady,
  type Archive,
} from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

const DEFAULTS = { ...CATCH_UP };
const REWARM_DEFAULTS = { ...REWARM };

describe(`a large catch-up in parts on ${ENGINE}`, () => {
  let archive: Archive;
  let serial = 0;

  const run = async (s: SearchService, q: string): Promise<SearchResult> => {
    const out = await s.search(searchParams({ q, sort: 'newest' }));
    assert.ok(out.ok, q);
    return out.result;
  };

  /** `n` new cables copied from stored ones with `word` in their titles, and one stored cable changed. */
  const bulkLoad = (n: number, word: string): Promise<number[]> =>
    bulkLoadCables(archive.site.db, n, word, () => `98PART${String(++serial).padStart(5, '0')}`);

  /**
   * Makes the next large catch-up go in parts of 8 cables and wait before the second part is put
   * in place: `atSecond` resolves once it waits there, `release()` lets it go on.
   */
  const holdBeforeSecondPart = () => {
    let gates = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atSecond = new Promise<void>((r) => (reached = r));
    Object.assign(CATCH_UP, {
      inline: 5,
      step: 4,
      swapPart: 8,
      gate: () => {
        // Before each part is put in place; the second waits until released.
        if (++gates !== 2) return Promise.resolve();
        reached();
        return held;
      },
    });
    return { atSecond, release };
  };

  before(async () => {
    archive = await generatedArchive(400, 7);
  });

  after(async () => {
    Object.assign(CATCH_UP, DEFAULTS);
    Object.assign(REWARM, REWARM_DEFAULTS);
    await archive?.cleanup();
  });

  test('after a catch-up in parts the whole-archive counts, kept by each change, equal a count of every cable', async () => {
    const db = archive.site.db;
    const k = db.kysely;
    const fresh = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      terms: { worker: false },
    });
    const plain = (t: CableTotals) => ({
      originAt: [...t.origin].flatMap((n, i) => (n ? [[i, n]] : [])),
      clsAt: [...t.cls].flatMap((n, i) => (n ? [[i, n]] : [])),
      tagAt: [...t.tag].flatMap((n, i) => (n ? [[i, n]] : [])),
      months: [...t.months].sort((x, y) => x[0] - y[0]),
    });
    try {
      await termIndexReady(fresh);
      await run(fresh, 'government');
      const kept = fresh.columns.cables.totals();
      const before = plain(recountTotals(fresh.columns.cables));
      assert.deepEqual(plain(kept), before, 'counted once');
      Object.assign(CATCH_UP, { inline: 5, step: 4, swapPart: 8 });
      await bulkLoad(20, 'numbatgram');
      // A stored cable moved to a new origin, classification, month and tags; another removed.
      const [moved, gone] = await k
        .selectFrom('cables')
        .select('id')
        .orderBy('id')
        .limit(2)
        .execute();
      await k
        .updateTable('cables')
        .set({
          origin: 'Embassy Numbatville',
          station: 'NUMBATVILLE',
          classification: 'NUMBAT RESTRICTED',
          created: '1971-02-03T04:05:00Z',
          year: 1971,
          month: '1971-02',
          tags: ' NUMBATA NUMBATB ',
        } as never)
        .where('id', '=', moved.id)
        .execute();
      await k.deleteFrom('cables').where('id', '=', gone.id).execute();
      await fresh.columns.sync();
      await run(fresh, 'numbatgram');
      await fresh.columns.sync();
      const c = fresh.columns.cables;
      assert.equal(c.totals(), kept, 'kept across the catch-up, not counted again');
      const after = plain(c.totals());
      assert.deepEqual(after, plain(recountTotals(c)), 'equal to a count of every cable');
      assert.notDeepEqual(after, before, 'the counts changed with the catch-up');
      const total = (m: [number, number][]) => m.reduce((n, [, x]) => n + x, 0);
      assert.equal(total(after.months), c.count);
    } finally {
      Object.assign(CATCH_UP, DEFAULTS);
      await fresh.columns.sync();
      await fresh.index.close();
    }
  });

  test('a large catch-up is put in place in parts: a search between two parts finds the first part whole, counted as found', async () => {
    const db = archive.site.db;
    const fresh = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      terms: { worker: false },
    });
    let hold: { atSecond: Promise<void>; release: () => void } | undefined;
    try {
      await termIndexReady(fresh);
      await run(fresh, 'government');
      const parts = fresh.columns.stats.parts;
      hold = holdBeforeSecondPart();
      const ids = await bulkLoad(20, 'wombatgram');
      const during = await run(fresh, 'wombatgram');
      assert.equal(during.total, 0, 'answered from the archive as it was');
      await hold.atSecond;
      // The first part (the 8 lowest ids: the stored cable the load changed, then the 7 lowest
      // new ones) is in place, in the columns and the term index alike.
      const first = [...ids].sort((x, y) => x - y).slice(0, 7);
      const between = await run(fresh, 'wombatgram');
      assert.deepEqual(
        between.hits.map((h) => h.id).sort((x, y) => x - y),
        first,
      );
      assert.equal(between.total, 7);
      const kinds = Object.fromEntries((between.facets.kind ?? []).map((f) => [f.value, f.count]));
      assert.equal(kinds.cable, 7, 'counted as found');
      assert.equal((await run(fresh, 'wombatgramlogged')).total, 1, 'the changed cable too');
      hold.release();
      await fresh.columns.sync();
      // Every cable of the load once the last part is in place.
      const after = await run(fresh, 'wombatgram');
      assert.equal(after.total, 20);
      assert.ok(after.hits.every((h) => ids.includes(h.id)));
      assert.equal(fresh.columns.stats.parts, parts + 2, 'two parts put in place before the last');
    } finally {
      hold?.release();
      Object.assign(CATCH_UP, DEFAULTS);
      await fresh.columns.sync();
      await fresh.index.close();
    }
  });

  /**
   * Each part of the catch-up below is held at its gate; returns the searches' answers once the
   * first part is in (the catch-up held before the second) and once the last is, each with whether
   * it came from the kept answers, and each compared with the answer worked out then without them.
   * The clock's minute is held (kept answers also end with the minute).
   */
  const acrossParts = async (word: string, rewarm: number, limits: Partial<typeof REWARM> = {}) => {
    const db = archive.site.db;
    const fresh = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      terms: { worker: false },
    });
    let hold: { atSecond: Promise<void>; release: () => void } | undefined;
    const exact = async (q: Record<string, string>) => {
      const stats = { ...fresh.answerStats };
      const out = await fresh.search(searchParams(q));
      assert.ok(out.ok);
      const kept = fresh.answerStats.answered === stats.answered + 1;
      const size = RESULT_CACHE.size;
      RESULT_CACHE.size = 0;
      try {
        const worked = await fresh.search(searchParams(q));
        assert.ok(worked.ok);
        assert.deepEqual({ ...out.result, tookMs: 0 }, { ...worked.result, tookMs: 0 }, q.q);
      } finally {
        RESULT_CACHE.size = size;
      }
      return { result: out.result, kept };
    };
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      await termIndexReady(fresh);
      // However slow the machine, every search asked for is worked out again (count permitting).
      Object.assign(REWARM, { count: rewarm, maxMs: 600_000, budgetMs: 600_000, ...limits });
      // Asked for before the load: a word only the load's cables hold, and a ranked search.
      const queries: Record<string, string>[] = [{ q: word, sort: 'newest' }, { q: 'government' }];
      for (const q of queries) await exact(q);
      const rewarmed = fresh.answerStats.rewarmed;
      hold = holdBeforeSecondPart();
      await bulkLoad(20, word);
      await exact(queries[0]);
      await hold.atSecond;
      const between = [];
      for (const q of queries) between.push(await exact(q));
      hold.release();
      await fresh.columns.sync();
      const last = [];
      for (const q of queries) last.push(await exact(q));
      return { between, last, rewarmed: fresh.answerStats.rewarmed - rewarmed };
    } finally {
      hold?.release();
      mock.timers.reset();
      Object.assign(CATCH_UP, DEFAULTS);
      Object.assign(REWARM, REWARM_DEFAULTS);
      await fresh.columns.sync();
      await fresh.index.close();
    }
  };

  test('after each part of a catch-up the searches asked for lately are worked out again: the next one is answered from the kept answers, exact', async () => {
    const { between, last, rewarmed } = await acrossParts('quokkagram', 16);
    assert.equal(between[0].result.total, 7, 'the first part whole');
    assert.equal(last[0].result.total, 20, 'every part');
    for (const [i, x] of [...between, ...last].entries())
      assert.ok(x.kept, `search ${i} answered from the kept answers`);
    // Three parts (8, 8 and 5 cables), each followed by the two searches worked out again.
    assert.equal(rewarmed, 6);
  });

  test('without answers worked out again, the first search after each part works its answer out', async () => {
    const { between, last, rewarmed } = await acrossParts('bilbygram', 0);
    assert.equal(between[0].result.total, 7);
    assert.equal(last[0].result.total, 20);
    for (const [i, x] of [...between, ...last].entries())
      assert.ok(!x.kept, `search ${i} worked out again`);
    assert.equal(rewarmed, 0);
  });

  test('a search whose answer took longer than the limit is not worked out again after a part (a costly search cannot make the thread redo it)', async () => {
    // Every answer takes longer than a limit below zero.
    const { between, last, rewarmed } = await acrossParts('dugonggram', 16, { maxMs: -1 });
    assert.equal(between[0].result.total, 7);
    assert.equal(last[0].result.total, 20);
    for (const [i, x] of [...between, ...last].entries())
      assert.ok(!x.kept, `search ${i} worked out again`);
    assert.equal(rewarmed, 0);
  });
});
