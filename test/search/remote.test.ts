/**
 * Searches answered by the search worker thread (src/search/remote.ts): the same outcomes as a
 * SearchService in this thread, bad queries answered (not thrown), and when the worker dies the
 * searches in flight and after it are answered here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ENGINE } from '../helpers.ts';
import { openSearchIndex } from '../../src/search/index.ts';
import { SearchService } from '../../src/search/service.ts';
import { WorkerSearcher } from '../../src/search/remote.ts';
import { generatedArchive, searchParams as params, type Archive } from './archive.ts';

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

  const comparable = (out: Awaited<ReturnType<SearchService['search']>>) => {
    assert.ok(out.ok);
    const { tookMs: _t, order: _o, ...rest } = out.result;
    // Relevance order may differ between the database and the term index (approximate phrases);
    // the match set, facets and months may not.
    return { ...rest, hits: rest.hits.map((h) => h.id).sort((a, b) => a - b) };
  };

  test('answers in a worker thread with the outcomes of a search in this thread', async () => {
    for (const raw of QUERIES) {
      const a = await remote.search(params(raw));
      assert.ok(remote.thread, 'a worker answered');
      const b = await local.search(params(raw));
      if (raw.sort || !raw.q)
        assert.deepEqual(
          a,
          { ...b, result: { ...(b.ok ? b.result : {}), tookMs: a.ok ? a.result.tookMs : 0 } },
          JSON.stringify(raw),
        );
      else assert.deepEqual(comparable(a), comparable(b), JSON.stringify(raw));
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
});
