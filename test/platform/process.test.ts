/** The real entry points: npm start's server honours PORT, stops gracefully; bad config is one line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, testDatabase } from '../helpers.ts';
import { freePort } from '../helpers.ts';

function envFor(
  config: { dataDir: string; databaseUrl: string | null },
  extra: Record<string, string> = {},
) {
  return {
    ...process.env,
    DATA_DIR: config.dataDir,
    DATABASE_URL: config.databaseUrl ?? '',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

test('the server listens on PORT, serves demo content and exits cleanly on SIGTERM', async () => {
  const tdb = await testDatabase();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/main.ts')], {
    // The demo's partner feeds are real addresses: no scheduled poll reaches for them here.
    env: envFor(tdb.config, { PORT: String(port), DEMO: '1', FEED_POLL: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    const deadline = Date.now() + 30_000;
    let health: Response | undefined;
    while (Date.now() < deadline) {
      try {
        health = await fetch(`http://127.0.0.1:${port}/healthz`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(health, `server did not start: ${out}`);
    assert.equal(health.status, 200);
    const home = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    assert.ok(home.includes('Scenesetter for USSOUTHCOM'));
    assert.match(out, new RegExp(`running at http://127.0.0.1:${port}`));
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  } finally {
    child.kill('SIGKILL');
    await tdb.cleanup();
  }
});

test('a bad configuration value stops start-up with one line naming the variable', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/main.ts')], {
    env: { ...process.env, PORT: 'eighty', DATABASE_URL: '' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'Invalid configuration: PORT must be a port number (got "eighty")');
});

test('broadsheet migrate applies migrations once and reports an up-to-date database after', async () => {
  const tdb = await testDatabase();
  try {
    const run = () =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'bin/broadsheet.js'), 'migrate'], {
        env: envFor(tdb.config),
        encoding: 'utf8',
      });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Applied \d+ migration\(s\): 0001_core_content/);
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'The database is up to date.');
    const unknown = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin/broadsheet.js'), 'frobnicate'],
      { encoding: 'utf8' },
    );
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown command: frobnicate/);
  } finally {
    await tdb.cleanup();
  }
});
