/** /livez, /readyz and /metrics: what a load balancer and a Prometheus scraper see. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, freePort, testSite } from '../helpers.ts';
import { enqueue } from '../../src/platform/jobs.ts';
import { loadConfig } from '../../src/config.ts';
import { addReadinessCheck } from '../../src/platform/metrics.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
const TOKEN = 'metrics-secret-0123456789abcdef';

/** The value of one sample line (`name{labels} value`), or null when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && line !== name && !line.startsWith(name + ' ')) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

describe(`operations endpoints on ${ENGINE}`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '0', JOBS: '0', METRICS_TOKEN: TOKEN, SEARCH_WORKERS: '0' });
  });
  after(() => site.cleanup());

  test('/livez answers without touching anything', async () => {
    const res = await site.app.inject('/livez');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('/readyz reports each check; a missing migration makes it 503', async () => {
    const ok = await site.app.inject('/readyz');
    assert.equal(ok.statusCode, 200, ok.body);
    const body = ok.json();
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.database.ok, true);
    assert.equal(body.checks.database.engine, ENGINE);
    assert.deepEqual(body.checks.migrations, { ok: true, pending: [] });
    assert.equal(body.checks.search.ok, true);
    assert.equal(typeof body.checks.search.degraded, 'boolean');

    const db = site.db.kysely;
    const last = (await db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never, 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()) as { name: string };
    const row = await db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .where('name' as never, '=', last.name as never)
      .executeTakeFirstOrThrow();
    await db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', last.name as never)
      .execute();
    try {
      const bad = await site.app.inject('/readyz');
      assert.equal(bad.statusCode, 503);
      assert.equal(bad.json().status, 'not ready');
      assert.deepEqual(bad.json().checks.migrations, { ok: false, pending: [last.name] });
      assert.equal(bad.json().checks.database.ok, true);
    } finally {
      await db
        .insertInto('kysely_migration' as never)
        .values(row as never)
        .execute();
    }
    assert.equal((await site.app.inject('/readyz')).statusCode, 200);
  });

  test('/readyz: a usable but degraded check keeps the process ready and says so', async () => {
    addReadinessCheck(site, 'warming', async () => ({
      ok: true,
      degraded: true,
      index: 'loading',
    }));
    try {
      const res = await site.app.inject('/readyz');
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().status, 'ready');
      assert.deepEqual(res.json().checks.warming, { ok: true, degraded: true, index: 'loading' });
    } finally {
      addReadinessCheck(site, 'warming', async () => ({ ok: true }));
    }
  });

  test('/metrics: SQLite write-lock waits and time in statements on the event loop', async () => {
    await site.app.inject('/livez');
    const res = await site.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const text = res.body;
    for (const name of [
      'broadsheet_sqlite_lock_waits_total',
      'broadsheet_sqlite_lock_wait_seconds_total',
      'broadsheet_sqlite_lock_timeouts_total',
      'broadsheet_sqlite_statement_seconds_total',
      'broadsheet_sqlite_slowest_statement_seconds',
    ])
      assert.ok((sample(text, name, {}) ?? -1) >= 0, name);
    // The site's own statements are timed on SQLite (PostgreSQL's run in its server).
    if (ENGINE === 'sqlite') {
      assert.ok((sample(text, 'broadsheet_sqlite_statement_seconds_total', {}) ?? 0) > 0);
      // The slowest statement is named (its SQL), and the same figure as the unlabelled gauge.
      const named = /^broadsheet_sqlite_slowest_statement_info\{statement="(.+)"\} (\S+)$/m.exec(
        text,
      );
      assert.ok(named, 'the slowest statement is named');
      // Whichever statement was slowest so far (a migration's, say, on a fresh site): SQL all the same.
      assert.match(
        named[1],
        /^\s*(select|insert|update|delete|replace|begin|commit|rollback|savepoint|release|with|create|alter|drop|pragma)\b/i,
      );
      assert.equal(
        Number(named[2]),
        sample(text, 'broadsheet_sqlite_slowest_statement_seconds', {}),
      );
    }
  });

  test('/metrics needs the bearer token', async () => {
    assert.equal((await site.app.inject('/metrics')).statusCode, 401);
    assert.equal(
      (
        await site.app.inject({
          url: '/metrics',
          headers: { authorization: 'Bearer wrong-token-0123456789' },
        })
      ).statusCode,
      401,
    );
    assert.equal(
      (await site.app.inject({ url: '/metrics', headers: { authorization: `Basic ${TOKEN}` } }))
        .statusCode,
      401,
    );
    const res = await site.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  });

  test('/metrics: process metrics, latency per route pattern, job backlog, import progress, newsletter outcomes', async () => {
    await site.app.inject('/feeds/home.rss');
    await site.app.inject('/feeds/home.atom');
    await site.app.inject('/no/such/page');
    await site.app.inject('/sitemaps/cables-1.xml');
    await enqueue(site.db, 'ops:test', { n: 1 }, { uniqueKey: 'ops-test-1' });
    await enqueue(site.db, 'ops:test', { n: 2 }, { uniqueKey: 'ops-test-2' });
    await enqueue(site.db, 'ops:later', {}, { runAt: new Date(Date.now() + 3600_000) });
    const now = new Date().toISOString();
    await site.db.kysely
      .insertInto('cable_uploads')
      .values({
        member_id: null,
        original_name: 'c.csv',
        path: '/nonexistent',
        size: 1000,
        status: 'running',
        progress: JSON.stringify({
          bytesDone: 400,
          bytesTotal: 1000,
          new: 7,
          updated: 1,
          unchanged: 2,
          skipped: 3,
        }),
        summary: null,
        error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();

    const text = (
      await site.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    ).body;
    assert.notEqual(sample(text, 'process_cpu_user_seconds_total', {}), null);
    assert.notEqual(sample(text, 'nodejs_eventloop_lag_seconds', {}), null);
    // One series for both feed addresses: the route pattern, not the address.
    assert.equal(
      sample(text, 'broadsheet_http_request_duration_seconds_count', {
        route: '/feeds/home.:kind',
        method: 'GET',
        status: '2xx',
      }),
      2,
    );
    assert.equal(
      sample(text, 'broadsheet_http_request_duration_seconds_count', {
        route: '(unmatched)',
        method: 'GET',
        status: '4xx',
      }),
      1,
    );
    assert.equal(
      sample(text, 'broadsheet_http_request_duration_seconds_bucket', {
        route: '/feeds/home.:kind',
        method: 'GET',
        status: '2xx',
        le: '+Inf',
      }),
      2,
    );
    assert.ok(!text.includes('/no/such/page'));
    assert.ok(
      (sample(text, 'broadsheet_document_builds_total', {
        kind: 'sitemap-cables',
        outcome: 'made',
      }) ?? 0) >= 1,
    );
    assert.ok(
      (sample(text, 'broadsheet_document_builds_total', { kind: 'feed-home', outcome: 'made' }) ??
        0) >= 2,
    );
    assert.equal(sample(text, 'broadsheet_job_backlog', { kind: 'ops:test', status: 'queued' }), 2);
    assert.equal(
      sample(text, 'broadsheet_job_backlog', { kind: 'ops:later', status: 'queued' }),
      null,
      'a job not yet due is no backlog',
    );
    assert.ok((sample(text, 'broadsheet_job_oldest_due_seconds', { kind: 'ops:test' }) ?? -1) >= 0);
    assert.equal(sample(text, 'broadsheet_cable_imports_running', { status: 'running' }), 1);
    assert.equal(sample(text, 'broadsheet_cable_import_progress', { measure: 'bytes_done' }), 400);
    assert.equal(
      sample(text, 'broadsheet_cable_import_progress', { measure: 'bytes_total' }),
      1000,
    );
    assert.equal(sample(text, 'broadsheet_cable_import_progress', { measure: 'records_new' }), 7);
    assert.equal(
      sample(text, 'broadsheet_cable_import_progress', { measure: 'records_skipped' }),
      3,
    );
    for (const outcome of ['sent', 'failed', 'bounced', 'unknown'])
      assert.equal(sample(text, 'broadsheet_newsletter_deliveries', { outcome }), 0, outcome);
  });
});

describe(`metrics on a separate local port (${ENGINE})`, () => {
  let site: Site;
  let port: number;
  before(async () => {
    port = await freePort();
    site = await testSite({
      DEMO: '0',
      JOBS: '0',
      METRICS_PORT: String(port),
      SEARCH_WORKERS: '0',
    });
  });
  after(() => site.cleanup());

  test('METRICS_PORT serves /metrics on 127.0.0.1 and nothing else; the site’s /metrics stays 404', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^# HELP /m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 404);
    assert.equal((await site.app.inject('/metrics')).statusCode, 404);
  });
});

test('without METRICS_TOKEN or METRICS_PORT, /metrics is 404; bad settings are refused', async () => {
  const site = await testSite({ DEMO: '0', JOBS: '0', SEARCH_WORKERS: '0' });
  try {
    const res = await site.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.statusCode, 404);
    // A failing check makes the process not ready; its reason stays in the log.
    addReadinessCheck(site, 'boom', async () => {
      throw new Error('secret internals at /srv/x');
    });
    const ready = await site.app.inject('/readyz');
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json().checks.boom, { ok: false, error: 'the check failed' });
    assert.ok(!ready.body.includes('secret internals'));
  } finally {
    await site.cleanup();
  }
  assert.throws(
    () => loadConfig({ METRICS_TOKEN: 'short' }),
    /METRICS_TOKEN must be at least 16 characters/,
  );
  assert.throws(
    () => loadConfig({ METRICS_PORT: '70000' }),
    /METRICS_PORT must be between 1 and 65535/,
  );
});
