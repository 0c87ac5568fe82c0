/**
 * Searchable from the first request: the search threads start when the server starts listening
 * (not on the first search), and the first searches, answered while the term index is still
 * loading or building, come from the database and say so.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, listenLocal, testSite } from '../helpers.ts';
import { searchRuntimeOf } from '../../src/search/routes.ts';
import { WorkerSearcher } from '../../src/search/remote.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`search from the first request on ${ENGINE}`, () => {
  let site: Site;
  let base: string;

  before(async () => {
    site = await testSite({ DEMO: '1', SEARCH_WORKERS: '1' });
  });
  after(() => site?.cleanup());

  test('the search threads start when the server listens; answers say whether the index was warming', async () => {
    const rt = searchRuntimeOf(site.db)!;
    const searcher = rt.searcher();
    assert.ok(searcher instanceof WorkerSearcher);
    assert.deepEqual(
      searcher.status().map((s) => s.running),
      [false],
      'nothing started before listening',
    );
    base = await listenLocal(site);
    assert.deepEqual(
      searcher.status().map((s) => s.running),
      [true],
      'started at listen, before any search',
    );
    const res = await fetch(`${base}/api/search?q=peru`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { warming: boolean; note?: string; total: number };
    assert.ok(body.total > 0);
    if (body.warming) {
      assert.match(body.note!, /warming up/);
      assert.equal(res.headers.get('cache-control'), 'no-store', 'a warming answer is not cached');
    } else assert.equal(body.note, undefined);
  });
});

describe(`the first search after start on ${ENGINE}`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '1', SEARCH_WORKERS: '1' });
  });
  after(() => site?.cleanup());

  test('is answered from the database while the term index loads, and the page says so', async () => {
    // The first search starts the search thread, whose term index starts loading with its facet
    // columns: this search is matched by the database.
    const first = await site.app.inject('/search?q=peru');
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /id="search-warming"/);
    assert.match(
      first.body,
      /The search index is warming up<\/strong> after a restart\. Results come straight from the database/,
    );
    assert.match(first.body, /class="hits"/, 'with results');
    assert.equal(first.headers['cache-control'], 'no-store');
    // Once the index is ready the note goes away.
    const searcher = searchRuntimeOf(site.db)!.searcher();
    for (let i = 0; i < 400 && searcher.workers.warm < 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(searcher.workers.warm, 1, 'the term index became ready');
    const later = await site.app.inject('/api/search?q=peru');
    assert.equal(later.json().warming, false);
    assert.equal(later.json().note, undefined);
    const page = await site.app.inject('/search?q=peru');
    assert.doesNotMatch(page.body, /search-warming/);
  });
});
