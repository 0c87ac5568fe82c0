/**
 * The search budget over HTTP, on /search and /api/search: a query over the cost budget is a 400
 * that says what to narrow, a client over its rate limit gets 429 with Retry-After (another client
 * does not), a client with too many searches waiting gets 429 while another client's search is
 * served after at most one of its own, and a search stopped at its time limit is a 503 that says
 * so. Limits and clocks are set on the running app (searchRuntimeOf), never timed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { ENGINE, testSite } from '../helpers.ts';
import { searchRuntimeOf, type SearchRuntime } from '../../src/search/routes.ts';
import { addNetwork, createOrganisation, grantLicence } from '../../src/licensing/service.ts';
import { licensingDeps } from '../../src/licensing/jobs.ts';
import { worldFor } from '../../src/licensing/world.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

async function refused(reason: string): Promise<number> {
  const m = (await client.register.getSingleMetric('broadsheet_search_refused_total')?.get()) as
    { values: { labels: Record<string, string>; value: number }[] } | undefined;
  return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe(`search limits over HTTP on ${ENGINE}`, () => {
  let site: Site;
  let rt: SearchRuntime;
  let clock = 0;
  const defaults = () => structuredClone(rt.settings);
  let saved: SearchRuntime['settings'];

  before(async () => {
    site = await testSite({ DEMO: '1', SEARCH_WORKERS: '1' });
    rt = searchRuntimeOf(site.db)!;
    assert.ok(rt, 'the search routes registered a runtime for this database');
    rt.now = () => clock;
    saved = defaults();
    // Generous rates unless a test sets them.
    rt.settings.rate.reader = { perMinute: 100000, burst: 100000 };
  });
  after(() => site?.cleanup());

  const get = (url: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
    site.app.inject({ url, remoteAddress, headers });

  test('a query over the cost budget is a 400 saying what to narrow (API and page); nothing else changes', async () => {
    const before = await refused('cost');
    const q = encodeURIComponent('aa* bb* cc* dd* ee* ff* gg* hh* ii*');
    const api = await get(`/api/search?q=${q}`);
    assert.equal(api.statusCode, 400);
    assert.equal(api.json().error, 'search_too_costly');
    assert.equal(api.json().limit, 'prefixes');
    assert.match(
      api.json().message,
      /9 word starts \(words ending in \*\); at most 8 are allowed\. Write some of the words out in full\./,
    );
    assert.equal(api.headers['cache-control'], 'no-store');
    const page = await get(`/search?q=${q}`);
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /That search asks for more work than one search may do\./);
    assert.match(page.body, /at most 8 are allowed/);
    const ors = encodeURIComponent(Array.from({ length: 17 }, (_, i) => `w${i}x`).join(' OR '));
    const alt = await get(`/api/search?q=${ors}`);
    assert.equal(alt.statusCode, 400);
    assert.match(alt.json().message, /17 alternatives joined by OR; at most 16/);
    assert.equal(await refused('cost'), before + 3);
    // A search within the budget is answered.
    assert.equal((await get('/api/search?q=peru')).statusCode, 200);
  });

  test('over the rate limit: 429 with Retry-After, the page says when; other clients and time are not affected', async () => {
    rt.settings.rate.reader = { perMinute: 2, burst: 2 };
    try {
      const before = await refused('rate');
      clock = 1_000_000;
      assert.equal((await get('/api/search?q=peru', '10.0.0.1')).statusCode, 200);
      assert.equal((await get('/search?q=peru', '10.0.0.1')).statusCode, 200);
      const api = await get('/api/search?q=peru', '10.0.0.1');
      assert.equal(api.statusCode, 429);
      assert.equal(api.headers['retry-after'], '30');
      assert.equal(api.json().error, 'rate_limited');
      assert.match(
        api.json().message,
        /Searches from your address are limited to 2 a minute \(2 at once\)\. Try again in 30 s\./,
      );
      const page = await get('/search?q=peru', '10.0.0.1');
      assert.equal(page.statusCode, 429);
      assert.equal(page.headers['retry-after'], '30');
      assert.match(page.body, /Too many searches in a short time\./);
      assert.match(page.body, /Try again in 30 s\./);
      assert.equal(
        (await get('/api/search?q=peru', '10.0.0.2')).statusCode,
        200,
        'another address has its own budget',
      );
      clock += 30_000;
      assert.equal(
        (await get('/api/search?q=peru', '10.0.0.1')).statusCode,
        200,
        'one search a half-minute later',
      );
      assert.equal((await get('/api/search?q=peru', '10.0.0.1')).statusCode, 429);
      assert.equal(await refused('rate'), before + 3);
    } finally {
      rt.settings.rate.reader = { perMinute: 100000, burst: 100000 };
    }
  });

  test('a licensed organisation has its own, larger budget; a forged X-Forwarded-For changes nothing', async () => {
    const d = licensingDeps({
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer: createMailer(site.config),
    });
    const org = await createOrganisation(
      d,
      { name: 'Search Office', kind: 'company', tierId: 'small', contactEmail: 'it@search.test' },
      null,
    );
    await addNetwork(d, org, '203.0.113.0/24');
    await grantLicence(d, org, 'small');
    worldFor(site.db).clear();
    rt.settings.rate.reader = { perMinute: 2, burst: 2 };
    rt.settings.rate.licensed = { perMinute: 5, burst: 5 };
    try {
      clock = 5_000_000;
      // Two addresses of the organisation share its budget of 5.
      for (const ip of ['203.0.113.7', '203.0.113.8', '203.0.113.7', '203.0.113.8', '203.0.113.9'])
        assert.equal((await get('/api/search?q=peru', ip)).statusCode, 200, ip);
      const over = await get('/api/search?q=peru', '203.0.113.7');
      assert.equal(over.statusCode, 429);
      assert.match(
        over.json().message,
        /Searches from your organisation are limited to 5 a minute/,
      );
      // A reader who claims the organisation's address in X-Forwarded-For (no trusted proxy) is a reader.
      const forged = { 'x-forwarded-for': '203.0.113.7' };
      assert.equal((await get('/api/search?q=peru', '10.0.0.9', forged)).statusCode, 200);
      assert.equal((await get('/api/search?q=peru', '10.0.0.9', forged)).statusCode, 200);
      const reader = await get('/api/search?q=peru', '10.0.0.9', forged);
      assert.equal(reader.statusCode, 429);
      assert.match(reader.json().message, /Searches from your address are limited to 2 a minute/);
    } finally {
      rt.settings.rate.reader = { perMinute: 100000, burst: 100000 };
      rt.settings.rate.licensed = structuredClone(saved.rate.licensed);
    }
  });

  test('too many searches waiting: 429 for that client; another client is served after one of its searches', async () => {
    const before = await refused('queue');
    const gates: (() => void)[] = [];
    const ran: string[] = [];
    const hold = (name: string) => () =>
      new Promise<never>((_, reject) => {
        ran.push(name);
        gates.push(() => reject(new Error('released')));
      });
    const slots = rt.scheduler.slots;
    const busy: Promise<unknown>[] = [];
    // The client at 10.0.0.5 fills every search slot and its own queue.
    for (let i = 0; i < slots + 4; i++)
      busy.push(rt.scheduler.run('ip:10.0.0.5', hold(`a${i}`)).catch(() => {}));
    assert.equal(rt.scheduler.waitingFor('ip:10.0.0.5'), 4);
    const api = await get('/api/search?q=peru', '10.0.0.5');
    assert.equal(api.statusCode, 429);
    assert.equal(api.headers['retry-after'], '1');
    assert.equal(api.json().error, 'too_many_waiting');
    assert.match(api.json().message, /already have several searches waiting/);
    const page = await get('/search?q=peru', '10.0.0.5');
    assert.equal(page.statusCode, 429);
    assert.match(page.body, /Too many searches waiting\./);
    // Another client's search waits for one of 10.0.0.5's searches, not for all four.
    const other = get('/api/search?q=peru', '10.0.0.6');
    // The request reaches the queue after its hooks (which may read the database).
    for (let i = 0; i < 2000 && rt.scheduler.waitingFor('ip:10.0.0.6') === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.equal(rt.scheduler.waitingFor('ip:10.0.0.6'), 1);
    for (let i = 0; i < slots; i++) gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    gates.shift()!(); // 10.0.0.5's next search, which was ahead in the rotation
    const res = await other;
    assert.equal(res.statusCode, 200);
    assert.equal(rt.scheduler.waitingFor('ip:10.0.0.5'), 2, 'two of its searches still wait');
    while (gates.length || rt.scheduler.waiting || rt.scheduler.active) {
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(busy);
    assert.equal(await refused('queue'), before + 2);
    assert.equal(ran.length, slots + 4);
  });

  test('a search stopped at its time limit is a 503 that says so (API and page)', async () => {
    const before = await refused('time');
    rt.settings.timeMs = 0;
    try {
      const api = await get('/api/search?q=peru');
      assert.equal(api.statusCode, 503);
      assert.equal(api.json().error, 'search_time_limit');
      assert.match(
        api.json().message,
        /took longer than the 0 ms a search may take and was stopped/,
      );
      assert.ok(api.headers['retry-after']);
      const page = await get('/search?q=peru');
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /That search took too long and was stopped\./);
      assert.match(page.body, /Narrow it/);
    } finally {
      rt.settings.timeMs = saved.timeMs;
    }
    assert.equal(await refused('time'), before + 2);
    assert.equal((await get('/api/search?q=peru')).statusCode, 200);
  });

  test('answers say whether the term index was warming up; the metrics are in the default registry', async () => {
    const res = await get('/api/search?q=peru');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(typeof body.warming, 'boolean');
    if (body.warming) assert.match(body.note, /warming up/);
    else assert.equal(body.note, undefined);
    const text = await client.register.metrics();
    for (const name of [
      'broadsheet_search_duration_seconds_bucket',
      'broadsheet_search_queue_depth',
      'broadsheet_search_refused_total{reason="rate"}',
      'broadsheet_search_term_index_ready{state="ready"}',
    ])
      assert.ok(text.includes(name), name);
  });
});
