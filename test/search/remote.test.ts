/**
 * Searches answered by the search worker threads (src/search/remote.ts): the same outcomes as a
 * SearchService in this thread, bad queries answered (not thrown), and when the worker dies the
 * searches in flight and after it are answered here. With two workers the second is handed the
 * first's term index in shared memory, both follow changes, and one dying leaves the other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService } from '../../src/search/service.ts';
import { WorkerSearcher } from '../../src/search/remote.ts';
import { generatedArchive, searchParams as params, type Archive } from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

const QUERIES: Record<string, string>[] = [
  { q: 'government' },
  { q: 'minister economy', sort: 'newest' },
  { q: '"prime minister"', classification: 'secret' },
  { q: 'terror* -economy', page: '2' },
  { q: '', year: '2008' },
];

describe(`search worker on ${ENGINE}`, () => {
  let archive: Archive;
  let local: SearchService;
  let remote: WorkerSearcher;

  before(async () => {
    archive = await generatedArchive(300, 5);
    const { db } = archive.site;
    local = new SearchService(db, await openSearchIndex(db));
    remote = new WorkerSearcher(db, { termsFile: join(archive.dir, 'search-terms.bin') });
  });

  after(async () => {
    await remote?.close();
    await local?.index.close();
    await archive?.cleanup();
  });

  const comparable = (out: Awaited<ReturnType<SearchService['search']>>, pending = false) => {
    assert.ok(out.ok);
    const { tookMs: _t, order: _o, warming: _w, countsPending: _c, ...rest } = out.result;
    // Relevance order may differ between the database and the term index (approximate phrases);
    // the match set, facets and months may not. Whether the worker's term index was still
    // warming up says where the answer came from, not what it is. An answer given before the
    // worker's facet columns were loaded has the kind counts only (early.ts).
    const counts = pending
      ? { facets: { kind: rest.facets.kind }, months: [] }
      : { facets: rest.facets, months: rest.months };
    return { ...rest, ...counts, hits: rest.hits.map((h) => h.id).sort((a, b) => a - b) };
  };

  test('answers in a worker thread with the outcomes of a search in this thread', async () => {
    for (const raw of QUERIES) {
      const a = await remote.search(params(raw));
      assert.ok(remote.thread, 'a worker answered');
      const b = await local.search(params(raw));
      if (raw.sort || !raw.q)
        assert.deepEqual(
          a,
          {
            ...b,
            result: {
              ...(b.ok ? b.result : {}),
              tookMs: a.ok ? a.result.tookMs : 0,
              warming: a.ok ? a.result.warming : false,
            },
          },
          JSON.stringify(raw),
        );
      else {
        const pending = a.ok && !!a.result.countsPending;
        assert.deepEqual(comparable(a, pending), comparable(b, pending), JSON.stringify(raw));
      }
    }
  });

  test('a bad query is an answer with a reason, not an error', async () => {
    const out = await remote.search(params({ q: '"unclosed phrase' }));
    assert.equal(out.ok, false);
    assert.match(out.ok ? '' : out.error.message, /quote|phrase/i);
  });

  test('searches in flight when the worker dies are answered in this thread, and so are later ones', async () => {
    const worker = remote.thread;
    assert.ok(worker);
    const inFlight = remote.search(params({ q: 'government', sort: 'newest' }));
    await worker.terminate();
    const a = await inFlight;
    assert.ok(a.ok && a.result.total > 0);
    assert.equal(remote.thread, null, 'no worker after it died');
    const b = await remote.search(params({ q: 'minister', sort: 'oldest' }));
    const c = await local.search(params({ q: 'minister', sort: 'oldest' }));
    assert.ok(b.ok && c.ok);
    assert.deepEqual(
      b.result.hits.map((h) => h.id),
      c.result.hits.map((h) => h.id),
    );
  });

  test("two workers: the follower is handed the leader's index, both answer alike and follow changes; one dying leaves the other", async () => {
    const { db } = archive.site;
    const pair = new WorkerSearcher(db, {
      termsFile: join(archive.dir, 'search-terms.bin'),
      workers: 2,
    });
    try {
      // Concurrent searches until both workers have their index (the second waits for the first's);
      // up to three minutes, for a machine busy with other work.
      const deadline = Date.now() + 180_000;
      while (pair.workers.warm < 2 && Date.now() < deadline)
        await Promise.all(QUERIES.map((raw) => pair.search(params(raw))));
      const status = pair.status();
      assert.deepEqual(
        status.map((s) => [s.running, s.warm]),
        [
          [true, true],
          [true, true],
        ],
      );
      assert.ok(['file', 'worker'].includes(status[0].source ?? ''), `leader: ${status[0].source}`);
      assert.equal(
        status[1].source,
        'shared',
        'the follower installs the shared index, not its own',
      );
      // Four at a time, so both answer: the same outcomes from both, relevance order included, and
      // by date the outcomes of the database path in this thread (which ranks differently on
      // PostgreSQL).
      const withoutTime = (out: Awaited<ReturnType<SearchService['search']>>) => {
        assert.ok(out.ok);
        return { ...out.result, tookMs: 0 };
      };
      for (const raw of QUERIES) {
        const outs = await Promise.all([1, 2, 3, 4].map(() => pair.search(params(raw))));
        for (const a of outs.slice(1))
          assert.deepEqual(withoutTime(a), withoutTime(outs[0]), JSON.stringify(raw));
        const byDate = { ...raw, sort: 'newest' };
        const dated = await Promise.all([1, 2].map(() => pair.search(params(byDate))));
        const b = await local.search(params(byDate));
        for (const a of dated)
          assert.deepEqual(withoutTime(a), withoutTime(b), JSON.stringify(byDate));
      }
      // A changed cable is found by whichever worker answers.
      const k = db.kysely;
      const id = (
        await k
          .selectFrom('cables')
          .select('id')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirstOrThrow()
      ).id;
      await k
        .updateTable('cables')
        .set({ body: 'The wombat delegation arrived.' })
        .where('id', '=', id)
        .execute();
      const found = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() => pair.search(params({ q: 'wombat' }))),
      );
      for (const f of found) {
        assert.ok(f.ok);
        assert.deepEqual(
          f.result.hits.map((h) => h.id),
          [id],
        );
      }
      assert.equal(pair.index, 'memory');
      // The leader dies: the follower answers (from its own copy of the views) until a new leader starts.
      await pair.threads[0].terminate();
      const after = await pair.search(params({ q: 'wombat' }));
      assert.ok(after.ok && after.result.total === 1);
      assert.deepEqual(
        pair.status().map((s) => s.running),
        [false, true],
      );
    } finally {
      await pair.close();
    }
  });
  test('two workers and an index file: both read one copy of it; a short file is rebuilt, not used', async () => {
    const { db } = archive.site;
    const file = join(archive.dir, 'search-terms.bin');
    const both = async () => {
      const pair = new WorkerSearcher(db, { termsFile: file, workers: 2 });
      const deadline = Date.now() + 180_000;
      while (pair.workers.warm < 2 && Date.now() < deadline)
        await Promise.all(QUERIES.map((raw) => pair.search(params(raw))));
      const answers: unknown[] = [];
      for (const raw of QUERIES) {
        const outs = await Promise.all([1, 2, 3, 4].map(() => pair.search(params(raw))));
        for (const out of outs) {
          assert.ok(out.ok);
          answers.push([raw, out.result.total, out.result.hits.map((h) => h.id)]);
        }
      }
      const sources = pair.status().map((s) => s.source);
      await pair.close();
      return { sources, answers };
    };
    assert.ok(existsSync(file), 'the earlier tests kept an index file');
    const kept = await both();
    assert.deepEqual(kept.sources, ['file', 'shared']);
    // Cut short: the leader cannot decode it, the follower (handed the same bytes) does not
    // install it either; the leader builds the index and hands that over.
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, good.length >> 1));
    const rebuilt = await both();
    assert.deepEqual(rebuilt.sources, ['worker', 'shared']);
    assert.deepEqual(rebuilt.answers, kept.answers);
  });
});
