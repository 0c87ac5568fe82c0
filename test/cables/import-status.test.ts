/**
 * Import status that tells the truth: counts said once, skipped records by reason, an import that
 * stores nothing is a failure (the CLI exits 1 and says why); the CLI prints links on the site's
 * own port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testDatabase, type TestDb } from '../helpers.ts';
import { importOutcome } from '../../src/cables/import-outcome.ts';

const CLI = join(REPO_ROOT, 'src', 'cli.ts');

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent', DEMO: '0', ...env },
  });
}

test('an outcome counts each record once and fails when nothing could be stored', () => {
  const ok = importOutcome({
    new: 48,
    updated: 1,
    unchanged: 0,
    skipped: 1,
    skippedReasons: { 'no reference id': 1 },
    seconds: 1,
  });
  assert.equal(ok.ok, true);
  assert.equal(ok.counts, '50 records read: 48 new, 1 updated, 0 unchanged, 1 skipped.');
  const bad = importOutcome({
    new: 0,
    updated: 0,
    unchanged: 0,
    skipped: 3,
    skippedReasons: { 'no reference id': 2, 'not a cable': 1 },
    seconds: 1,
  });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.reasons, [
    ['no reference id', 2],
    ['not a cable', 1],
  ]);
  assert.match(
    bad.failure!,
    /None of the 3 records could be imported; the most common reason: no reference id/,
  );
  const empty = importOutcome({
    new: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    skippedReasons: {},
    seconds: 0,
  });
  assert.match(empty.failure!, /No cable records were found/);
  assert.equal(
    importOutcome({ new: 0, updated: 0, unchanged: 5, skipped: 0, skippedReasons: {}, seconds: 0 })
      .ok,
    true,
  );
});

describe(`the CLI on ${ENGINE}`, () => {
  let tdb: TestDb;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    tdb = await testDatabase();
    dir = mkdtempSync(join(tmpdir(), 'broadsheet-status-'));
    env = { DATA_DIR: tdb.config.dataDir, DATABASE_URL: tdb.config.databaseUrl ?? '' };
  });
  after(async () => {
    await tdb.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('cables import of a file with no cable in it exits 1 and says why', () => {
    const file = join(dir, 'hostname');
    writeFileSync(file, 'build-host-01\n');
    const r = cli(['cables', 'import', file], env);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Nothing imported from 1 file/);
    assert.match(
      r.stderr,
      /No cable records were found|None of the \d+ records? could be imported/,
    );
  });

  test('links printed by the CLI use the port the site runs on (PORT=4123)', () => {
    const r = cli(['users', 'add', 'new.editor@example.org', '--role', 'editor'], {
      ...env,
      PORT: '4123',
      HOST: '127.0.0.1',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:4123\//);
    assert.doesNotMatch(r.stdout, /:3000\b/);
    const preview = cli(['newsletter', 'preview'], { ...env, PORT: '4123', HOST: '0.0.0.0' });
    assert.equal(preview.status, 0, preview.stderr);
    assert.match(preview.stdout, /http:\/\/localhost:4123\/newsletter\/issues\//);
    assert.doesNotMatch(preview.stdout, /:3000\b/);
  });
});
