/**
 * How a search thread follows the archive after a bulk load (issue 14, fairness): the cables a load
 * left out of the change log are caught up with one by one (facet columns and term index), with no
 * full reload of the columns and no rebuild of the term index; a large catch-up goes on beside
 * searches, which are answered from the archive as it was until all of it is put in place at once;
 * an overlay past its limit is rebuilt while the index in place goes on answering.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import Database from 'better-sqlite3';
import {
  deferCableIndex,
  indexCablesAfterImport,
  MIN_INDEX_BATCH,
} from '../../src/search/search-index.ts';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService, type SearchResult } from '../../src/search/service.ts';
import { CATCH_UP, FLAT_TAGS, catchUpSlices } from '../../src/search/columns.ts';
import { OVERLAY } from '../../src/search/terms.ts';
import {
  bulkLoadCables,
  generatedArchive,
  searchParams,
  termIndexReady,
  type Archive,
} from './archive.ts';
import { bulkLoad as bulkLoadHook } from '../../src/search/bulk-load-hooks.ts';
import { importCables } from '../../src/cables/importer.ts';
import { writeGeneratedCsv } from '../../tools/generate-cables.ts';
import { ENGINE } from '../prerequisites.ts';

const DEFAULTS = { ...CATCH_UP };

describe(`catch-up after bulk loads on ${ENGINE}`, () => {
  let archive: Archive;
  let svc: SearchService;
  let exact: SearchService;
  let serial = 0;

  const run = async (s: SearchService, q: string): Promise<SearchResult> => {
    const out = await s.search(searchParams({ q, sort: 'newest' }));
    assert.ok(out.ok, q);
    return out.result;
  };

  /**
   * A bulk load as the importer makes one: `n` new cables copied from stored ones with `word` in
   * their titles (left out of the change log), and one stored cable changed meanwhile (logged).
   */
  const bulkLoad = (
    n: number,
    word: string,
    index: Parameters<typeof bulkLoadCables>[4] = {},
  ): Promise<number[]> =>
    bulkLoadCables(
      archive.site.db,
      n,
      word,
      () => `99BULK${String(++serial).padStart(5, '0')}`,
      index,
    );

  before(async () => {
    archive = await generatedArchive(400, 5);
    svc = new SearchService(archive.site.db, await openSearchIndex(archive.site.db), {
      memoryIndex: true,
      terms: { worker: false },
    });
    exact = new SearchService(archive.site.db, await openSearchIndex(archive.site.db));
    await termIndexReady(svc);
  });

  after(async () => {
    Object.assign(CATCH_UP, DEFAULTS);
    await svc?.index.close();
    await exact?.index.close();
    await archive?.cleanup();
  });

  test('a bulk load is caught up with cable by cable: no reload of the columns, no rebuild of the term index', async () => {
    const reloads = svc.columns.stats.reloads;
    const installs = svc.terms!.installs;
    const catchUps = svc.columns.stats.catchUps;
    const ids = await bulkLoad(25, 'wombatgram');
    const r = await run(svc, 'wombatgram');
    assert.equal(r.warming, false, 'answered from the term index');
    assert.equal(r.total, 25);
    assert.ok(r.hits.length > 0 && r.hits.every((h) => ids.includes(h.id)), 'the loaded cables');
    assert.equal((await run(svc, 'wombatgramlogged')).total, 1, 'the logged change too');
    for (const q of ['wombatgram', 'government', 'minister -economy', 'wombat*']) {
      const a = await run(svc, q);
      const b = await run(exact, q);
      assert.equal(a.total, b.total, q);
      assert.deepEqual(a.facets, b.facets, q);
    }
    assert.equal(svc.columns.stats.reloads, reloads, 'no full reload of the columns');
    assert.equal(svc.terms!.installs, installs, 'no new term index');
    assert.ok(svc.columns.stats.catchUps > catchUps);
  });

  test('a search during a large catch-up answers from the archive as it was; afterwards the new cables are found', async () => {
    await run(svc, 'government');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    Object.assign(CATCH_UP, {
      inline: 5,
      step: 4,
      gate: () => {
        reached();
        return held;
      },
    });
    try {
      const before = await run(svc, 'government');
      const ids = await bulkLoad(20, 'koalagram');
      const during = await run(svc, 'koalagram');
      assert.equal(during.total, 0, 'answered from the archive as it was');
      assert.equal(during.warming, false, 'and from the term index, not the database');
      await atGate;
      const still = await run(svc, 'government');
      assert.equal(still.total, before.total, 'the new cables are not counted yet');
      release();
      await svc.columns.sync();
      const later = await run(svc, 'koalagram');
      assert.equal(later.total, 20);
      assert.ok(later.hits.every((h) => ids.includes(h.id)));
      assert.ok(svc.columns.stats.background > 0);
    } finally {
      release();
      Object.assign(CATCH_UP, DEFAULTS);
    }
  });

  test('a large catch-up works in slices and lets a search in hand go first; a search is answered meanwhile', async () => {
    await run(svc, 'government');
    let reached = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Every document is a slice of its own; a yield waits for the searches in hand (no bound
    // that a test could reach).
    Object.assign(CATCH_UP, {
      inline: 5,
      step: 4,
      sliceMs: 0,
      searchWaitMs: 600_000,
      gate: () => {
        reached = true;
        return held;
      },
    });
    const yields = catchUpSlices.stats.yields;
    const waited = catchUpSlices.stats.waitedForSearch;
    // A search in hand in this thread (begun here, so it lasts as long as the test wants).
    catchUpSlices.begin();
    let inHand = true;
    try {
      const ids = await bulkLoad(12, 'numbatgram');
      const sync = svc.columns.sync();
      // Searches are answered while the catch-up waits for the one in hand.
      const during = await run(svc, 'numbatgram');
      assert.equal(during.total, 0, 'answered from the archive as it was');
      // The catch-up comes to a yield (after its first reads) and waits there for the search.
      for (let i = 0; i < 4000 && catchUpSlices.stats.waitedForSearch === waited; i++)
        await new Promise((r) => setTimeout(r, 5));
      assert.ok(catchUpSlices.stats.waitedForSearch > waited, 'it yielded to the search');
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
      assert.equal(reached, false, 'the catch-up waits while a search is in hand');
      catchUpSlices.end();
      inHand = false;
      for (let i = 0; i < 4000 && !reached; i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(reached, 'the catch-up went on once no search was in hand');
      release();
      await sync;
      assert.ok(
        catchUpSlices.stats.yields - yields >= 12,
        `a slice per document (${catchUpSlices.stats.yields - yields} yields)`,
      );
      const later = await run(svc, 'numbatgram');
      assert.equal(later.total, 12);
      assert.ok(later.hits.every((h) => ids.includes(h.id)));
    } finally {
      if (inHand) catchUpSlices.end();
      release();
      Object.assign(CATCH_UP, DEFAULTS);
    }
  });

  test("a bulk writer's logged changes are caught up beside searches however few; an editor's change is found by the next search", async () => {
    await run(svc, 'government');
    const k = archive.site.db.kysely;
    const [a, b] = await k.selectFrom('cables').select('id').orderBy('id').limit(2).execute();
    // A bulk load goes on (until its indexing at the end).
    await deferCableIndex(archive.site.db);
    // A batch as the importer writes one: its logged change (an updated cable) marked as a bulk
    // writer's by search's bulk-load hook, in the batch's transaction.
    await k.transaction().execute(async (trx) => {
      const written = await bulkLoadHook.batch!(trx, archive.site.db.engine);
      await trx
        .updateTable('cables')
        .set({ body: 'The fairnessquokka delegation arrived.' })
        .where('id', '=', a.id)
        .execute();
      await written();
    });
    const marked = await k
      .selectFrom('search_changes')
      .select(['doc_id', 'bulk'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    assert.deepEqual([Number(marked.doc_id), Number(marked.bulk)], [a.id, 1]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // A search that waited for this catch-up would be held here; the gate lets go on its own only
    // so that such a search answers (and the test fails) instead of hanging.
    let fallBack: ReturnType<typeof setTimeout> | undefined;
    const gate = () =>
      Promise.race([held, new Promise<void>((r) => (fallBack = setTimeout(r, 20_000)))]);
    Object.assign(CATCH_UP, { gate });
    const bulks = svc.columns.stats.bulk;
    try {
      const during = await run(svc, 'fairnessquokka');
      assert.equal(during.total, 0, 'one logged change, not waited for: a bulk writer made it');
      assert.equal(svc.columns.stats.bulk, bulks + 1);
      release();
      await svc.columns.sync();
      assert.equal((await run(svc, 'fairnessquokka')).total, 1, 'found once caught up');
    } finally {
      release();
      clearTimeout(fallBack);
      Object.assign(CATCH_UP, DEFAULTS);
    }
    // During the load, an editor's change (not a bulk writer's) is waited for: the next search
    // finds it.
    await k
      .updateTable('cables')
      .set({ body: 'The fairnesswallaby delegation left.' })
      .where('id', '=', b.id)
      .execute();
    const next = await run(svc, 'fairnesswallaby');
    assert.deepEqual(
      next.hits.map((h) => h.id),
      [b.id],
    );
    assert.equal(svc.columns.stats.bulk, bulks + 1);
    await indexCablesAfterImport(archive.site.db);
    // Once the load has ended, a bulk writer's few logged changes are waited for again.
    await k.transaction().execute(async (trx) => {
      const written = await bulkLoadHook.batch!(trx, archive.site.db.engine);
      await trx
        .updateTable('cables')
        .set({ body: 'The fairnessnumbat delegation stayed.' })
        .where('id', '=', b.id)
        .execute();
      await written();
    });
    assert.equal((await run(svc, 'fairnessnumbat')).total, 1);
    assert.equal(svc.columns.stats.bulk, bulks + 1);
  });

  test('during a load, its changes are put in place at most every CATCH_UP.bulkEveryMs, with what it logged meanwhile', async () => {
    const db = archive.site.db;
    const k = db.kysely;
    const marked = async (id: number, body: string) =>
      k.transaction().execute(async (trx) => {
        const written = await bulkLoadHook.batch!(trx, db.engine);
        await trx.updateTable('cables').set({ body }).where('id', '=', id).execute();
        await written();
      });
    const fresh = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      terms: { worker: false },
    });
    const [a, b, c] = await k.selectFrom('cables').select('id').orderBy('id').limit(3).execute();
    try {
      await termIndexReady(fresh);
      Object.assign(CATCH_UP, { bulkEveryMs: 600_000 });
      await deferCableIndex(db);
      await marked(a.id, 'The fairnessbilby delegation arrived.');
      await fresh.columns.sync();
      assert.equal((await run(fresh, 'fairnessbilby')).total, 1, 'the first one at once');
      await marked(b.id, 'The fairnessdugong delegation arrived.');
      const waiting = fresh.columns.sync();
      for (let i = 0; i < 3; i++)
        assert.equal((await run(fresh, 'fairnessdugong')).total, 0, 'the next one waits');
      await marked(c.id, 'The fairnessdugong delegation left.');
      assert.equal((await run(fresh, 'fairnessdugong')).total, 0);
      Object.assign(CATCH_UP, { bulkEveryMs: 0 });
      await waiting;
      assert.deepEqual(
        (await run(fresh, 'fairnessdugong')).hits.map((h) => h.id).sort((x, y) => x - y),
        [b.id, c.id].sort((x, y) => x - y),
        'put in place with what was logged during the wait',
      );
    } finally {
      Object.assign(CATCH_UP, DEFAULTS);
      await indexCablesAfterImport(db);
      await fresh.index.close();
    }
  });

  test('a large catch-up makes the flat tag arrays again when it is put in place, not in the next search', async () => {
    const k = archive.site.db.kysely;
    await run(svc, 'minister -economy');
    const flat = svc.columns.cables.flat;
    assert.ok(flat, 'made by the facet counts');
    Object.assign(CATCH_UP, { inline: 5, step: 4 });
    FLAT_TAGS.rebuildAfter = 8;
    try {
      await bulkLoad(12, 'bandicootgram');
      await svc.columns.sync();
      assert.notEqual(svc.columns.cables.flat, flat, 'made again');
      assert.equal(svc.columns.cables.flat!.changed, 0);
      const r = await run(svc, 'bandicootgram');
      assert.equal(r.total, 12);
      // The tag facet is counted from the new arrays, the new cables' tags included.
      const tags = await k
        .selectFrom('cables')
        .select('tags')
        .where('title', 'like', 'bandicootgram%')
        .execute();
      const codes = new Set(tags.flatMap((t) => t.tags.trim().split(/\s+/).filter(Boolean)));
      assert.ok(codes.size > 0);
      for (const f of r.facets.tag ?? []) assert.ok(codes.has(f.value), f.value);
    } finally {
      FLAT_TAGS.rebuildAfter = 20000;
      Object.assign(CATCH_UP, DEFAULTS);
    }
  });

  test("the importer marks the changes its batches log as a bulk writer's", async () => {
    const k = archive.site.db.kysely;
    const from = Number(
      (
        await k
          .selectFrom('search_changes')
          .select((eb) => eb.fn.max('seq').as('s'))
          .executeTakeFirst()
      )?.s ?? 0,
    );
    const csv = join(archive.dir, 'upload.csv');
    await writeGeneratedCsv(csv, { count: 40, seed: 23 });
    const summary = await importCables(archive.site.db, [csv], { workers: 0 });
    assert.ok(summary.new + summary.updated > 0);
    const logged = await k
      .selectFrom('search_changes')
      .select(['kind', 'bulk'])
      .where('seq', '>', from)
      .execute();
    assert.ok(logged.length > 0, 'the import logged changes');
    assert.deepEqual(
      logged.filter((r) => Number(r.bulk) !== 1),
      [],
      'every one of them marked',
    );
    // And the search thread catches up with them (beside its searches).
    await svc.columns.sync();
    await svc.columns.sync();
    const cables = await k
      .selectFrom('cables')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(svc.columns.cables.count, Number(cables.n));
  });

  test('a word start matches the words as written: quibbling* finds "quibblings" (indexed as the stem quibbl)', async () => {
    const k = archive.site.db.kysely;
    const [a, b] = await k.selectFrom('cables').select('id').orderBy('id').limit(2).execute();
    await k
      .updateTable('cables')
      .set({ body: 'Quibblings on the water treaty stalled.' })
      .where('id', '=', a.id)
      .execute();
    await k
      .updateTable('cables')
      .set({ body: 'The zorbany delegates kept quibbling.' })
      .where('id', '=', b.id)
      .execute();
    const r = await run(svc, 'quibbling*');
    assert.equal(r.warming, false);
    assert.deepEqual(
      r.hits.map((h) => h.id).sort((x, y) => x - y),
      [a.id, b.id].sort((x, y) => x - y),
    );
    assert.ok(r.hits.some((h) => h.snippet.includes('<mark>Quibblings</mark>')));
    // A stem the word as written does not start with is still found by its own start.
    assert.deepEqual(
      (await run(svc, 'zorbani*')).hits.map((h) => h.id),
      [b.id],
    );
  });

  test('a term index file from before a bulk load is loaded after it and caught up (no rebuild)', async () => {
    const file = join(archive.dir, 'search-terms.bin');
    const db = archive.site.db;
    const first = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      termsFile: file,
    });
    try {
      await termIndexReady(first);
      assert.ok(existsSync(file), 'the index file was written');
    } finally {
      await first.index.close();
    }
    const ids = await bulkLoad(10, 'dingogram');
    const [gone] = ids.slice(-1);
    await db.kysely.deleteFrom('cables').where('id', '=', gone).execute();
    const second = new SearchService(db, await openSearchIndex(db), {
      memoryIndex: true,
      termsFile: file,
    });
    try {
      await termIndexReady(second);
      assert.equal(second.terms!.lastBuildSource, 'file', 'loaded from the file, not rebuilt');
      const r = await run(second, 'dingogram');
      assert.equal(r.total, 9);
      assert.equal(r.warming, false);
      assert.ok(r.hits.every((h) => ids.includes(h.id) && h.id !== gone));
    } finally {
      await second.index.close();
    }
  });

  test('an overlay past its limit is rebuilt while the index in place goes on answering', async () => {
    const saved = OVERLAY.limit;
    OVERLAY.limit = 5;
    try {
      const installs = svc.terms!.installs;
      await bulkLoad(12, 'emugram');
      const r = await run(svc, 'emugram');
      assert.equal(r.warming, false, 'the index in place answers while the new one is made');
      for (let i = 0; i < 12_000 && svc.terms!.installs === installs; i++)
        await new Promise((res) => setTimeout(res, 50));
      assert.ok(svc.terms!.installs > installs, 'a new index was put in place');
      for (let i = 0; i < 12_000 && !svc.terms!.ready('cable'); i++)
        await new Promise((res) => setTimeout(res, 50));
      const after = await run(svc, 'emugram');
      assert.equal(after.total, 12);
      assert.equal(after.warming, false);
      const { rows } = await sql<{
        n: number | string;
      }>`select count(*) as n from cables where title like 'emugram%'`.execute(
        archive.site.db.kysely,
      );
      assert.equal(Number(rows[0].n), 12);
    } finally {
      OVERLAY.limit = saved;
    }
  });

  test('the database index of a bulk load follows its lock time on SQLite: a slow commit makes the next transaction smaller, and every cable is indexed', async () => {
    const steps: number[] = [];
    const ids = await bulkLoad(60, 'quokkagram', {
      batch: 25,
      // No commit is this fast: after the first transaction every one takes the fewest cables.
      lockTargetMs: 1e-6,
      onProgress: (p) => steps.push(p.indexed),
    });
    assert.ok(MIN_INDEX_BATCH < 25);
    // PostgreSQL has no single write lock: its batches keep their size.
    const next = ENGINE === 'sqlite' ? MIN_INDEX_BATCH : 25;
    assert.deepEqual(
      steps,
      [25, 25 + next, Math.min(60, 25 + 2 * next), 60].filter((v, i, a) => a.indexOf(v) === i),
    );
    // Waited for, however large the catch-up (these cables and their stories are above `inline`).
    Object.assign(CATCH_UP, { inline: 1e9, bulkInline: 1e9 });
    const r = await run(exact, 'quokkagram');
    Object.assign(CATCH_UP, DEFAULTS);
    assert.equal(r.total, 60, 'every loaded cable is found');
    assert.ok(r.hits.every((h) => ids.includes(h.id)));
  });

  test('with a pace (an upload on a running site) the database index of a bulk load follows its transaction time on PostgreSQL; SQLite keeps its batches', async () => {
    const steps: number[] = [];
    const ids = await bulkLoad(60, 'wombagram', {
      batch: 25,
      // No transaction is this fast: on PostgreSQL every one after the first takes the fewest
      // cables. Busy all the time (duty 1): no pauses, only the sizes are looked at here.
      pace: { duty: 1, targetMs: 1e-6 },
      onProgress: (p) => steps.push(p.indexed),
    });
    const next = ENGINE === 'postgres' ? MIN_INDEX_BATCH : 25;
    assert.deepEqual(
      steps,
      [25, 25 + next, Math.min(60, 25 + 2 * next), 60].filter((v, i, a) => a.indexOf(v) === i),
    );
    Object.assign(CATCH_UP, { inline: 1e9, bulkInline: 1e9 });
    const r = await run(exact, 'wombagram');
    Object.assign(CATCH_UP, DEFAULTS);
    assert.equal(r.total, 60, 'every loaded cable is found');
    assert.ok(r.hits.every((h) => ids.includes(h.id)));
  });

  test(
    'SQLite: a bulk indexing merges FTS5 segments only at its end, puts the merge defaults back, and finishes one a killed run left with the bulk settings',
    { skip: ENGINE !== 'sqlite' && 'FTS5 merge settings are SQLite only' },
    async () => {
      const db = archive.site.db;
      const k = db.kysely;
      const merges = async () =>
        Object.fromEntries(
          (
            await sql<{
              k: string;
              v: number;
            }>`select k, v from cables_fts_config where k in ('automerge', 'crisismerge')`.execute(
              k,
            )
          ).rows.map((r) => [r.k, Number(r.v)]),
        );
      // Read between the indexing's transactions on a connection of its own.
      const reader = new Database(db.file!, { readonly: true });
      const read = () =>
        Object.fromEntries(
          (
            reader
              .prepare(`select k, v from cables_fts_config where k in ('automerge', 'crisismerge')`)
              .all() as { k: string; v: number }[]
          ).map((r) => [r.k, Number(r.v)]),
        );
      try {
        for (const [word, killedBefore] of [
          ['dunnartgram', false],
          ['bilbygram', true],
        ] as const) {
          if (killedBefore) {
            // What a run killed while indexing leaves: the bulk settings in place.
            await sql`insert into cables_fts (cables_fts, rank) values ('automerge', 0)`.execute(k);
            await sql`insert into cables_fts (cables_fts, rank) values ('crisismerge', 63)`.execute(
              k,
            );
          }
          const during: Record<string, number>[] = [];
          const ids = await bulkLoad(40, word, {
            batch: 15,
            onProgress: () => during.push(read()),
          });
          assert.ok(during.length >= 3, 'several transactions');
          for (const d of during.slice(0, -1))
            assert.deepEqual(d, { automerge: 0, crisismerge: 63 }, 'bulk settings while indexing');
          assert.deepEqual(await merges(), { automerge: 4, crisismerge: 16 }, 'defaults after');
          const { rows } = await sql<{
            id: number;
          }>`select rowid as id from cables_fts where cables_fts match ${word} order by rowid`.execute(
            k,
          );
          assert.deepEqual(
            rows.map((r) => Number(r.id)),
            ids,
            'every loaded cable is in FTS5',
          );
        }
      } finally {
        reader.close();
      }
    },
  );
});
