/**
 * The production build (scripts/build.mjs): what `npm start` runs. Built into a temporary folder,
 * the compiled CLI imports cables through its worker threads and the compiled server answers
 * pages and searches, with no TypeScript loader anywhere in the process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ENGINE, freePort, REPO_ROOT, testDatabase } from './helpers.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'cables');

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

test('every worker thread is started from a *-worker.ts file, which the build compiles to dist/', () => {
  const started: string[] = [];
  for (const file of sources(join(REPO_ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(
      /startWorker\(import\.meta\.url, '([^']+)'/g,
    )) {
      started.push(`${relative(REPO_ROOT, file)}: ${m[1]}`);
      assert.match(m[1], /^\.\/[a-z-]+-worker\.ts$/, `${relative(REPO_ROOT, file)} starts ${m[1]}`);
    }
  }
  assert.ok(started.length >= 6, started.join('\n'));
  const raw = readFileSync(join(REPO_ROOT, 'src', 'platform', 'workers.ts'), 'utf8');
  assert.doesNotMatch(
    raw.replace(/\/\*[\s\S]*?\*\//g, ''),
    /new Worker\(\s*new URL\(file/,
    'workers start through workerEntry()',
  );
});

test(`the compiled CLI and server run without tsx (${ENGINE})`, { timeout: 300_000 }, async () => {
  // Inside the tree, so the compiled files find node_modules as dist/ does.
  mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
  const out = mkdtempSync(join(REPO_ROOT, 'test-output', 'dist-'));
  const db = await testDatabase();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: db.config.dataDir,
    DATABASE_URL: db.config.databaseUrl ?? '',
    NODE_OPTIONS: '',
  };
  let server: ReturnType<typeof spawn> | undefined;
  try {
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    const files = readdirSync(out);
    for (const f of [
      'main.js',
      'cli.js',
      'sqlite-worker.js',
      'search-worker.js',
      'terms-worker.js',
      'import-worker.js',
      'parse-worker.js',
      'documents-worker.js',
    ]) {
      assert.ok(files.includes(f), `${f} in ${files.join(' ')}`);
    }
    // Nothing compiled refers back to the sources or to tsx.
    for (const f of files.filter((f) => f.endsWith('.js'))) {
      const js = readFileSync(join(out, f), 'utf8');
      assert.doesNotMatch(js, /from ["']tsx|\/src\/[a-z/-]+\.tsx?["']/, f);
    }

    const imported = spawnSync(
      process.execPath,
      [join(out, 'cli.js'), 'cables', 'import', '--workers', '2', join(FIXTURES, '09LIMA1669.txt')],
      { cwd: tmpdir(), env, encoding: 'utf8' },
    );
    assert.equal(imported.status, 0, imported.stderr + imported.stdout);
    assert.match(imported.stdout, /1 new, 0 updated, 0 unchanged, 0 skipped/);

    const port = await freePort();
    server = spawn(process.execPath, [join(out, 'main.js')], {
      cwd: tmpdir(),
      // The demo's partner feeds are real addresses: no scheduled poll reaches for them here.
      env: { ...env, PORT: String(port), DEMO: '1', FEED_POLL: '0' },
    });
    let log = '';
    server.stdout!.on('data', (d) => (log += d));
    server.stderr!.on('data', (d) => (log += d));
    await new Promise<void>((resolve, reject) => {
      const check = () => (/is running at/.test(log) ? resolve() : undefined);
      server!.stdout!.on('data', check);
      server!.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${log}`)));
    });
    assert.equal(log.match(/is running at/g)?.length, 1, 'the server starts once');
    const base = `http://127.0.0.1:${port}`;
    const home = await fetch(`${base}/`);
    assert.equal(home.status, 200);
    const page = await home.text();
    const css = page.match(/href="(\/assets\/site\.css[^"]*)"/)?.[1];
    assert.ok(css, 'the home page links its stylesheet');
    assert.equal((await fetch(base + css)).status, 200, 'assets are copied next to the build');
    const search = await fetch(`${base}/search?q=lima`);
    assert.equal(search.status, 200);
    assert.match(await search.text(), /09LIMA1669/);
    const cable = await fetch(`${base}/cables/09LIMA1669`);
    assert.equal(cable.status, 200);
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(out, { recursive: true, force: true });
    await db.cleanup();
  }
});
