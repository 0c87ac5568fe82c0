/**
 * A search's budget inside the search thread (SearchService): the time limit is checked in the
 * hot loops on an injected clock (no test here depends on how fast anything runs), a word start
 * that expands to too many indexed words is refused once the term index knows, and while the term
 * index is not ready searches are answered from the database, saying so (`warming`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService } from '../../src/search/service.ts';
import { DEFAULT_COST_LIMITS } from '../../src/search/budget.ts';
import { generatedArchive, searchParams, termIndexReady, type Archive } from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

describe(`search budget in the search thread on ${ENGINE}`, () => {
  let archive: Archive;
  let db: SearchService;
  let mem: SearchService;
  let cold: SearchService;

  before(async () => {
    archive = await generatedArchive(400, 11);
    const { db: conn } = archive.site;
    // No kept answers: each search below is worked out again, so its deadline checks are reached.
    db = new SearchService(conn, await openSearchIndex(conn), { answerCache: 0 });
    mem = new SearchService(conn, await openSearchIndex(conn), {
      memoryIndex: true,
      answerCache: 0,
      terms: { worker: false },
    });
    // A follower that is never offered an index: its term index never becomes ready.
    cold = new SearchService(conn, await openSearchIndex(conn), {
      memoryIndex: true,
      terms: { role: 'follower' },
    });
    await termIndexReady(mem);
  });

  after(async () => {
    for (const s of [db, mem, cold]) await s?.index.close();
    await archive?.cleanup();
  });

  test('a search past its deadline stops with a clear message; within it, it answers', async () => {
    // A clock that never moves: a limit of 0 has passed at the first check, any other never does.
    const frozen = () => 1000;
    const stopped = await mem.search(searchParams({ q: 'government' }), { timeMs: 0, now: frozen });
    assert.equal(stopped.ok, false);
    assert.ok(!stopped.ok);
    assert.equal(stopped.error.kind, 'time');
    assert.match(
      stopped.error.message,
      /took longer than the 0 ms a search may take and was stopped\. Narrow it/,
    );
    const done = await mem.search(searchParams({ q: 'government' }), { timeMs: 1, now: frozen });
    assert.ok(done.ok && done.result.total > 0);
    // A clock that jumps after its first readings: whichever check point comes after the jump
    // (matching, counting, ranking; the term index and the database path), the search stops there.
    for (const svc of [mem, db]) {
      const params = searchParams({ q: 'government OR minister', year: '2008' });
      let readings = 0;
      const counting = () => (readings++, 0);
      assert.ok((await svc.search(params, { timeMs: 5000, now: counting })).ok);
      assert.ok(readings >= 4, `the deadline is checked at several points (${readings} readings)`);
      for (let calls = 1; calls < readings; calls++) {
        let n = 0;
        // Jumps, then keeps going (waiting for the facet columns is not counted against the limit).
        const jumpy = () => (n++ < calls ? 0 : 1e9 * (n - calls));
        const out = await svc.search(params, { timeMs: 5000, now: jumpy });
        assert.ok(!out.ok, `stopped after ${calls} of ${readings} clock readings`);
        assert.equal(out.error.kind, 'time');
        assert.ok(n > calls, 'the clock was read again after it moved');
      }
    }
  });

  test('waiting for the facet columns to load does not count against the time limit', async () => {
    const { db: conn } = archive.site;
    const fresh = new SearchService(conn, await openSearchIndex(conn));
    try {
      let t = 0;
      const sync = fresh.columns.sync.bind(fresh.columns);
      // The columns take "forever" to load: the clock moves only while the search waits for them.
      fresh.columns.sync = () => {
        t += 1e9;
        return sync();
      };
      const out = await fresh.search(searchParams({ q: 'government' }), {
        timeMs: 5000,
        now: () => t,
      });
      assert.ok(out.ok, 'answered');
      t += 1e9;
      const stopped = await fresh.search(searchParams({ q: 'government' }), {
        timeMs: 5000,
        now: () => (t += 1e9),
      });
      assert.ok(
        !stopped.ok && stopped.error.kind === 'time',
        'the clock moving elsewhere still stops it',
      );
    } finally {
      await fresh.index.close();
    }
  });

  test('a word start that expands to too many indexed words is refused, naming it', async () => {
    const plain = await mem.search(searchParams({ q: 'go*' }), { cost: DEFAULT_COST_LIMITS });
    assert.ok(plain.ok, 'within the default budget');
    const n = mem.terms!.prefixCount('cable', 'go')!;
    assert.ok(n >= 2, 'go* expands to several words');
    const out = await mem.search(searchParams({ q: 'go*' }), {
      cost: { ...DEFAULT_COST_LIMITS, maxExpansion: n - 1 },
    });
    assert.ok(!out.ok);
    assert.equal(out.error.kind, 'cost');
    assert.equal(out.error.reason, 'expansion');
    assert.equal(
      out.error.message,
      `This search expands \`go*\` to ${n.toLocaleString('en-GB')} words (at most ${(n - 1).toLocaleString('en-GB')}); use a longer prefix.`,
    );
    const many = await db.search(searchParams({ q: 'aa* bb* cc* dd* ee* ff* gg* hh* ii*' }), {
      cost: DEFAULT_COST_LIMITS,
    });
    assert.ok(!many.ok && many.error.kind === 'cost' && many.error.reason === 'prefixes');
  });

  test('while the term index is not ready the database answers, with the warming note', async () => {
    for (const q of ['government', 'minister -economy', 'terror*', '"prime minister"']) {
      const c = await cold.search(searchParams({ q, sort: 'newest' }));
      const d = await db.search(searchParams({ q, sort: 'newest' }));
      const m = await mem.search(searchParams({ q, sort: 'newest' }));
      assert.ok(c.ok && d.ok && m.ok);
      assert.equal(cold.terms!.ready('cable'), false);
      assert.equal(c.result.warming, true, q);
      assert.equal(m.result.warming, false, q);
      assert.equal(d.result.warming, false, 'no term index: nothing to warm up');
      assert.deepEqual(
        c.result.hits.map((h) => h.id),
        d.result.hits.map((h) => h.id),
        q,
      );
      assert.equal(c.result.total, d.result.total, q);
    }
  });
});
