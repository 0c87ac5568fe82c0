/**
 * Secrets carried in URLs never reach the request log: the redaction rule on its own (table and a
 * seeded property), then the real server started as `npm start` does, its log read from stdout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT, freePort, testDatabase } from '../helpers.ts';
import { REDACTED, redactUrl } from '../../src/platform/log-redact.ts';

const TOKEN = 'Zx9_kQ2-vL7mN4pR8sT1uW3yA5bC6dE0fG2hJ4kL6mN';

test('token routes, signed links and secret query values are redacted; ordinary addresses are kept', () => {
  const cases: [string, string][] = [
    [`/login/magic/${TOKEN}`, `/login/magic/${REDACTED}`],
    [`/password/reset/${TOKEN}`, `/password/reset/${REDACTED}`],
    [`/verify/${TOKEN}`, `/verify/${REDACTED}`],
    [`/verify/${TOKEN}?next=/account`, `/verify/${REDACTED}?next=/account`],
    ['/newsletter/confirm/12.abcdefghijklmnopqrstuv', `/newsletter/confirm/${REDACTED}`],
    ['/newsletter/unsubscribe/12.7.abcdefghijklmnopqrstuv', `/newsletter/unsubscribe/${REDACTED}`],
    [
      '/newsletter/preferences/12.abcdefghijklmnopqrstuv?saved=1',
      `/newsletter/preferences/${REDACTED}?saved=1`,
    ],
    [`/invitations/${TOKEN}`, `/invitations/${REDACTED}`],
    ['/invitations/short', `/invitations/${REDACTED}`],
    [`/LOGIN/MAGIC/${TOKEN}`, `/LOGIN/MAGIC/${REDACTED}`],
    ['/ads/7/click?sig=3f2a9c1b7d', `/ads/7/click?sig=${REDACTED}`],
    ['/admin/cables?_csrf=abc123', `/admin/cables?_csrf=${REDACTED}`],
    [`/api/search?q=embassy&api_key=${TOKEN}`, `/api/search?q=embassy&api_key=${REDACTED}`],
    [`/anything?x=${TOKEN}`, `/anything?x=${REDACTED}`],
    [`/some/${TOKEN}/deeper`, `/some/${REDACTED}/deeper`],
    [
      `/login?next=${encodeURIComponent(`/invitations/${TOKEN}`)}`,
      `/login?next=/invitations/${encodeURIComponent(REDACTED)}`,
    ],
    [
      '/login?next=/invitations/abcdefghij',
      `/login?next=/invitations/${encodeURIComponent(REDACTED)}`,
    ],
    ['/login?next=/account', '/login?next=/account'],
    ['/verify/resend', '/verify/resend'],
    ['/login/magic', '/login/magic'],
    [
      '/stories/ceasefire-talks-resume-in-geneva-2025',
      '/stories/ceasefire-talks-resume-in-geneva-2025',
    ],
    ['/cables/09BUENOSAIRES777', '/cables/09BUENOSAIRES777'],
    ['/search?q=buenos+aires&page=2', '/search?q=buenos+aires&page=2'],
    ['/world?page=3', '/world?page=3'],
    ['/', '/'],
  ];
  for (const [url, expected] of cases) assert.equal(redactUrl(url), expected, url);
});

test('property: a random token never survives, wherever a token route or query puts it', () => {
  const token = fc
    .uint8Array({ minLength: 16, maxLength: 48 })
    .map((b) => Buffer.from(b).toString('base64url'));
  const prefix = fc.constantFrom(
    '/login/magic/',
    '/password/reset/',
    '/verify/',
    '/newsletter/confirm/',
    '/newsletter/unsubscribe/',
    '/newsletter/preferences/',
    '/invitations/',
  );
  const param = fc.constantFrom('token', 'sig', '_csrf', 'key', 'api_key', 'signature', 'secret');
  fc.assert(
    fc.property(
      prefix,
      param,
      token,
      fc.constantFrom('', '/', '/accept', '?saved=1'),
      (p, name, t, tail) => {
        assert.ok(!redactUrl(`${p}${t}${tail}`).includes(t), `${p}${t}${tail}`);
        assert.ok(!redactUrl(`/ads/3/click?${name}=${encodeURIComponent(t)}&x=1`).includes(t));
        assert.ok(!redactUrl(`/login?next=${encodeURIComponent(`${p}${t}${tail}`)}`).includes(t));
      },
    ),
    { seed: 20261205, numRuns: 1000 },
  );
});

test('the running server logs requests without the tokens in their URLs', async () => {
  const tdb = await testDatabase();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/main.ts')], {
    env: {
      ...process.env,
      DATA_DIR: tdb.config.dataDir,
      DATABASE_URL: tdb.config.databaseUrl ?? '',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DEMO: '0',
      JOBS: '0',
      SEARCH_WORKERS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let up = false;
    while (!up && Date.now() < deadline) {
      up = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!up) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(up, `the server did not start: ${out}`);
    const secrets = Array.from({ length: 8 }, () => randomBytes(32).toString('base64url'));
    const nl = `42.${randomBytes(16).toString('base64url').slice(0, 22)}`;
    const urls = [
      `/login/magic/${secrets[0]}`,
      `/password/reset/${secrets[1]}`,
      `/verify/${secrets[2]}`,
      `/invitations/${secrets[3]}`,
      `/newsletter/confirm/${nl}`,
      `/newsletter/unsubscribe/${nl}`,
      `/newsletter/preferences/${nl}`,
      `/ads/1/click?sig=${secrets[4]}`,
      `/search?q=embassy&token=${secrets[5]}`,
    ];
    for (const u of urls) await (await fetch(base + u, { redirect: 'manual' })).arrayBuffer();
    await fetch(`${base}/newsletter/unsubscribe/${nl}`, {
      method: 'POST',
      redirect: 'manual',
    }).then((r) => r.arrayBuffer());
    // The log is written asynchronously: wait until the last request shows.
    const until = Date.now() + 10_000;
    while (Date.now() < until && (out.match(/"url":"\/search\?q=embassy/g) ?? []).length < 1)
      await new Promise((r) => setTimeout(r, 100));
    const lines = out.split('\n').filter((l) => l.includes('"url"'));
    assert.ok(lines.length >= urls.length, `the requests were logged:\n${out}`);
    for (const s of [...secrets, nl, nl.split('.')[1]])
      assert.ok(!out.includes(s), `a secret was logged:\n${out}`);
    for (const route of [
      '/login/magic/',
      '/password/reset/',
      '/verify/',
      '/invitations/',
      '/newsletter/confirm/',
      '/newsletter/unsubscribe/',
      '/newsletter/preferences/',
    ]) {
      assert.ok(
        lines.some((l) => l.includes(`"url":"${route}${REDACTED}"`)),
        `${route} is logged, redacted`,
      );
    }
    assert.ok(lines.some((l) => l.includes(`"url":"/ads/1/click?sig=${REDACTED}"`)));
    assert.ok(lines.some((l) => l.includes(`"url":"/search?q=embassy&token=${REDACTED}"`)));
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
    await tdb.cleanup();
  }
});

test('the web app given a log stream writes request lines there, redacted, for every method', async () => {
  const { connect } = await import('../../src/platform/db.ts');
  const { migrate } = await import('../../src/features.ts');
  const { buildApp } = await import('../../src/app.ts');
  const tdb = await testDatabase({ LOG_LEVEL: 'info' });
  const db = await connect(tdb.config);
  const lines: string[] = [];
  try {
    await migrate(db);
    const app = await buildApp({
      config: tdb.config,
      db,
      logStream: { write: (l: string) => void lines.push(l) },
    });
    try {
      const token = randomBytes(32).toString('base64url');
      await app.inject({ method: 'GET', url: `/password/reset/${token}` });
      await app.inject({
        method: 'POST',
        url: `/password/reset/${token}`,
        payload: 'password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      await app.inject({ method: 'POST', url: `/admin/cables?_csrf=${token}` });
      const log = lines.join('');
      assert.ok(!log.includes(token), log);
      assert.equal(log.split(`"url":"/password/reset/${REDACTED}"`).length - 1, 2, log);
      assert.ok(log.includes(`"url":"/admin/cables?_csrf=${REDACTED}"`), log);
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
    await tdb.cleanup();
  }
});
