/**
 * Where a search's time goes (src/search/timing.ts) and the slices of a long catch-up beside
 * searches (CatchUpSlices in src/search/columns.ts): the stages are recorded across awaits and
 * sent as Server-Timing only to an operator (the metrics token) and observed per lane; a catch-up
 * yields once its slice is used up and, while the thread has a search in hand, waits for it (up to
 * a bound). Clocks are the tests' own; nothing is timed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { CATCH_UP, CatchUpSlices } from '../../src/search/columns.ts';
import {
  currentTiming,
  GcPauses,
  serverTiming,
  timed,
  withTiming,
  type SearchTiming,
} from '../../src/search/timing.ts';
import { ENGINE, testSite } from '../helpers.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('search timing', () => {
  test('stages add up across awaits, per search; none is recorded outside a search', async () => {
    const a: SearchTiming = {};
    const b: SearchTiming = {};
    const work = async (t: SearchTiming, n: number) =>
      withTiming(t, async () => {
        for (let i = 0; i < n; i++) await timed('databaseMs', () => tick());
        assert.equal(currentTiming(), t);
      });
    await Promise.all([work(a, 3), work(b, 1)]);
    assert.ok(a.databaseMs !== undefined && a.databaseMs >= 0);
    assert.ok(b.databaseMs !== undefined && b.databaseMs >= 0);
    assert.equal(a.columnsMs, undefined);
    assert.equal(currentTiming(), null);
    // Outside a search the work still runs, and nothing is recorded.
    assert.equal(await timed('matchMs', async () => 7), 7);
  });

  test('collections count for a search only where they overlap its time in the thread', () => {
    const gc = new GcPauses();
    gc.record(0, 5);
    gc.record(10, 20);
    gc.record(30, 31);
    assert.equal(gc.within(12, 100), 9);
    assert.equal(gc.within(0, 40), 16);
    assert.equal(gc.within(21, 29), 0);
    assert.equal(gc.within(100, 200), 0);
  });

  test('Server-Timing names each stage that was recorded', () => {
    const h = serverTiming({
      queueMs: 1.25,
      postMs: 0.5,
      columnsMs: 2,
      databaseMs: 10,
      threadMs: 20,
      slot: 0,
      catchingUp: true,
    });
    assert.equal(
      h,
      'queue;dur=1.3, post;dur=0.5, columns;dur=2.0, db;dur=10.0, thread;dur=20.0, slot;desc=0, catchup',
    );
    assert.equal(serverTiming({ queueMs: 0 }), 'queue;dur=0.0');
  });
});

describe('catch-up slices', () => {
  const DEFAULTS = { ...CATCH_UP };
  after(() => Object.assign(CATCH_UP, DEFAULTS));

  test('a slice is used up after sliceMs of the clock, and a yield starts a new one', async () => {
    let now = 1000;
    const s = new CatchUpSlices(() => now);
    Object.assign(CATCH_UP, { sliceMs: 4 });
    assert.equal(s.due(), false);
    now += 3.9;
    assert.equal(s.due(), false);
    now += 0.1;
    assert.equal(s.due(), true);
    await s.maybeYield();
    assert.equal(s.due(), false, 'a new slice');
    assert.equal(s.stats.yields, 1);
    await s.maybeYield();
    assert.equal(s.stats.yields, 1, 'no yield while the slice lasts');
  });

  test('with no search in hand a yield only lets queued work run', async () => {
    const s = new CatchUpSlices();
    await s.yield();
    assert.equal(s.stats.waitedForSearch, 0);
  });

  test('with a search in hand a yield waits until the thread has none', async () => {
    const s = new CatchUpSlices();
    Object.assign(CATCH_UP, { searchWaitMs: 60_000 });
    s.begin();
    s.begin();
    let resumed = false;
    const y = s.yield().then(() => (resumed = true));
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(resumed, false, 'two searches in hand');
    s.end();
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(resumed, false, 'one search still in hand');
    s.end();
    await y;
    assert.equal(resumed, true);
    assert.equal(s.stats.waitedForSearch, 1);
    assert.equal(s.searches, 0);
  });

  test('a steady flow of searches slows a catch-up but does not stop it: the wait is bounded', async () => {
    const s = new CatchUpSlices();
    Object.assign(CATCH_UP, { searchWaitMs: 1 });
    s.begin();
    try {
      await s.yield();
      await s.yield();
      assert.equal(s.stats.waitedForSearch, 2, 'both yields waited, and both ended');
    } finally {
      s.end();
    }
  });
});

describe(`Server-Timing and stage metrics over HTTP on ${ENGINE}`, () => {
  const TOKEN = 'search-timing-test-token-0123456789';
  let site: Awaited<ReturnType<typeof testSite>>;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0', METRICS_TOKEN: TOKEN, SEARCH_WORKERS: '1' });
  });
  after(() => site?.cleanup());

  const observed = async (lane: string, stage: string): Promise<number> => {
    const m = (await client.register.getSingleMetric('broadsheet_search_stage_seconds')?.get()) as
      | { values: { labels: Record<string, string>; value: number; metricName?: string }[] }
      | undefined;
    return (
      m?.values.find(
        (v) =>
          v.metricName === 'broadsheet_search_stage_seconds_count' &&
          v.labels.lane === lane &&
          v.labels.stage === stage,
      )?.value ?? 0
    );
  };

  test('an operator (the metrics token) sees where a search spent its time; nobody else does', async () => {
    const before = await observed('light', 'thread');
    for (const url of ['/api/search?q=peru', '/search?q=peru']) {
      const op = await site.app.inject({ url, headers: { 'x-metrics-token': TOKEN } });
      assert.equal(op.statusCode, 200, url);
      const h = String(op.headers['server-timing'] ?? '');
      for (const stage of ['queue', 'post', 'columns', 'db', 'thread', 'route'])
        assert.match(h, new RegExp(`\\b${stage};dur=\\d+\\.\\d`), `${url}: ${h}`);
      assert.match(h, /slot;desc=0/);
      const anyone = await site.app.inject({ url });
      assert.equal(anyone.headers['server-timing'], undefined, url);
      const wrong = await site.app.inject({ url, headers: { 'x-metrics-token': 'x' + TOKEN } });
      assert.equal(wrong.headers['server-timing'], undefined, url);
    }
    assert.equal(await observed('light', 'thread'), before + 6, 'every answered search');
  });

  test('a heavy search is observed in its own lane', async () => {
    const before = await observed('heavy', 'queue');
    const r = await site.app.inject({ url: '/api/search?q=' + encodeURIComponent('gov* OR min*') });
    assert.equal(r.statusCode, 200);
    assert.equal(await observed('heavy', 'queue'), before + 1);
  });
});
