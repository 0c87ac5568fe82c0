/**
 * A refused client waits for its refusal (src/platform/refusals.ts): every 429 is held for
 * REFUSAL_DELAY_MS before it is sent, at most MAX_HELD_REFUSALS at once, other answers never; the
 * site's own refusals (a search over its rate limit) pass through the hold with their status,
 * Retry-After and message unchanged.
 */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import client from 'prom-client';
import { ENGINE, testSite } from '../helpers.ts';
import { RefusalHold, installRefusalHold } from '../../src/platform/refusals.ts';
import { loadConfig } from '../../src/config.ts';
import { searchRuntimeOf } from '../../src/search/routes.ts';

async function refusals(held: 'yes' | 'no'): Promise<number> {
  const m = client.register.getSingleMetric('broadsheet_refusals_total');
  if (!m) return 0;
  const v = (await m.get()).values.find((x) => x.labels.held === held);
  return v?.value ?? 0;
}

test('the hold is bounded and off at 0 ms', () => {
  const off = new RefusalHold(0, 5);
  assert.equal(off.take(), false);
  const hold = new RefusalHold(1000, 2);
  assert.equal(hold.take(), true);
  assert.equal(hold.take(), true);
  assert.equal(hold.take(), false, 'a third refusal is not held while two are');
  assert.equal(hold.holding, 2);
  hold.release();
  assert.equal(hold.take(), true, 'held again once one was sent');
  hold.release();
  hold.release();
  hold.release();
  assert.equal(hold.holding, 0, 'never below zero');
  assert.equal(loadConfig({}).refusalDelayMs, 1000);
  assert.equal(loadConfig({ REFUSAL_DELAY_MS: '0' }).refusalDelayMs, 0);
  assert.throws(() => loadConfig({ REFUSAL_DELAY_MS: '-1' }), /REFUSAL_DELAY_MS/);
  assert.throws(() => loadConfig({ REFUSAL_DELAY_MS: 'soon' }), /REFUSAL_DELAY_MS/);
});

describe('a 429 waits for the delay, other answers do not', () => {
  const timers = mock.timers;
  before(() => timers.enable({ apis: ['setTimeout'] }));
  after(() => timers.reset());

  test('held until the delay has passed; a 200 is sent at once; past the bound, sent at once', async () => {
    const app = Fastify();
    const hold = new RefusalHold(5000, 1);
    installRefusalHold(app, hold);
    app.get('/no', async (_req, reply) =>
      reply.code(429).header('retry-after', '7').send('slow down'),
    );
    app.get('/yes', async () => 'fine');
    await app.ready();
    const heldBefore = await refusals('yes');
    const notBefore = await refusals('no');

    assert.equal((await app.inject('/yes')).statusCode, 200, 'a 200 is not held (no timer runs)');

    let settled = false;
    const first = app.inject('/no').then((r) => ((settled = true), r));
    for (let i = 0; i < 20 && hold.holding === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(hold.holding, 1, 'the refusal is being held');
    // A second refusal while the only place is taken is sent at once.
    const second = await app.inject('/no');
    assert.equal(second.statusCode, 429);
    assert.equal(settled, false, 'the first is still held');
    timers.tick(4999);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'not before the delay');
    timers.tick(1);
    const r = await first;
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '7');
    assert.equal(r.body, 'slow down');
    assert.equal(hold.holding, 0);
    assert.equal(await refusals('yes'), heldBefore + 1);
    assert.equal(await refusals('no'), notBefore + 1);
    await app.close();
  });
});

describe(`the site holds its refusals (${ENGINE})`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;
  before(async () => {
    site = await testSite({ DEMO: '1', SEARCH_WORKERS: '1', REFUSAL_DELAY_MS: '20' });
  });
  after(() => site?.cleanup());

  test('a search over the rate limit is a held 429 with its Retry-After and message', async () => {
    const rt = searchRuntimeOf(site.db)!;
    rt.now = () => 5_000_000;
    rt.settings.rate.reader = { perMinute: 1, burst: 1 };
    const get = () => site.app.inject({ url: '/api/search?q=peru', remoteAddress: '10.9.0.1' });
    const heldBefore = await refusals('yes');
    assert.equal((await get()).statusCode, 200);
    assert.equal(await refusals('yes'), heldBefore, 'an answer 200 is not held');
    const r = await get();
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '60');
    assert.match(r.json().message, /limited to 1 a minute/);
    assert.equal(await refusals('yes'), heldBefore + 1, 'the refusal was held');
  });
});
