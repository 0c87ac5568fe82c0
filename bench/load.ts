/**
 * Load: `npm run bench -- load [--seconds 60] [--connections 50] [--count 251287]`.
 * Mixed traffic (home, story, cable, search with facets, JSON API) against a SQLite archive of
 * generated cables, served by the real server process. The database is built once under
 * bench/out/load-<count>/ (demo content + `cables import` of the generated csv, resumable) and
 * reused. One autocannon instance per route, connections split between them, so each route gets
 * its own p50/p99. Prints throughput, latencies, errors and the server's RSS before and after.
 */
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, machine, searchIndexReady, startServer } from './_server.ts';
import { writeGeneratedCsv } from '../tools/generate-cables.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const seconds = arg('seconds', 60);
const connections = arg('connections', 50);
const count = arg('count', 251287);

const dataDir = join(ROOT, 'bench', 'out', `load-${count}`);
const dbFile = join(dataDir, 'broadsheet.db');
const csv =
  count === 251287 && existsSync('/tmp/cables-251287.csv')
    ? '/tmp/cables-251287.csv'
    : join(ROOT, 'bench', 'out', `cables-${count}-1.csv`);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`broadsheet ${args.join(' ')} failed`);
}

function importDone(): boolean {
  if (!existsSync(dbFile)) return false;
  const db = new Database(dbFile, { readonly: true });
  try {
    // Generated ids can repeat (an update, not a new cable): a finished import is the test.
    const row = db
      .prepare(`select count(*) as n from cable_imports where status = 'done'`)
      .get() as { n: number };
    return row.n > 0;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

mkdirSync(dataDir, { recursive: true });
if (!importDone()) {
  if (!existsSync(csv)) {
    console.error(`generating ${count} cables into ${csv} …`);
    await writeGeneratedCsv(csv, { count, seed: 1 });
  }
  cli(['demo']);
  cli(['cables', 'import', csv]);
}

// Sample ids and paths from the database.
const db = new Database(dbFile, { readonly: true });
const cableIds = (
  db.prepare(`select reference_id from cables order by random() limit 2000`).all() as {
    reference_id: string;
  }[]
).map((r) => r.reference_id);
const origins = (
  db
    .prepare(`select origin, count(*) n from cables group by origin order by n desc limit 40`)
    .all() as { origin: string }[]
)
  .map((r) => r.origin)
  .filter(Boolean);
db.close();

// Every simulated reader comes from one address: the per-client search rate limit and queue bound would refuse them.
const server = await startServer({
  DATA_DIR: dataDir,
  DATABASE_URL: '',
  DEMO: '0',
  JOBS: '0',
  SEARCH_RATE: '100000',
  SEARCH_BURST: '100000',
  SEARCH_QUEUE_PER_CLIENT: '1000',
});
const home = await (await fetch(server.url + '/')).text();
const storyPaths = [
  ...new Set([...home.matchAll(/href="(\/stories\/[^"#?]+)"/g)].map((m) => m[1])),
];
if (!storyPaths.length) throw new Error('no story links on the home page');
const words = [
  'terrorism',
  'election',
  'oil',
  'embassy',
  'minister',
  'security',
  'trade',
  'military',
  'human rights',
  'energy',
];
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

const routes: { name: string; weight: number; path: () => string }[] = [
  { name: 'home', weight: 2, path: () => '/' },
  { name: 'story', weight: 2, path: () => pick(storyPaths) },
  { name: 'cable', weight: 3, path: () => `/cables/${pick(cableIds)}` },
  {
    name: 'search+facets',
    weight: 2,
    path: () =>
      `/search?q=${encodeURIComponent(pick(words))}&origin=${encodeURIComponent(pick(origins))}`,
  },
  {
    name: 'api',
    weight: 1,
    path: () =>
      Math.random() < 0.5
        ? `/api/cables/${pick(cableIds)}`
        : `/api/search?q=${encodeURIComponent(pick(words))}`,
  },
];
const totalWeight = routes.reduce((s, r) => s + r.weight, 0);

// The measured run is the steady state after the search worker's term index is in place.
console.error(`search term index ready after ${(await searchIndexReady(server)).toFixed(0)} s`);
// First requests build per-process state (caches, rendered pages): let them finish.
for (const r of routes) {
  const t0 = Date.now();
  const res = await fetch(server.url + r.path());
  await res.arrayBuffer();
  console.error(`first ${r.name}: ${res.status} in ${Date.now() - t0} ms`);
}
// Warm up briefly (caches, prepared statements), then measure.
await Promise.all(
  routes.map((r) =>
    autocannon({
      url: server.url,
      connections: 2,
      duration: 3,
      requests: Array.from({ length: 200 }, () => ({ method: 'GET' as const, path: r.path() })),
    }),
  ),
);
global.gc?.();
const before = server.memory();
const started = Date.now();
const results = await Promise.all(
  routes.map((r) =>
    autocannon({
      url: server.url,
      connections: Math.max(1, Math.round((connections * r.weight) / totalWeight)),
      duration: seconds,
      headers: { 'accept-encoding': 'gzip' },
      timeout: 30,
      // A list of concrete requests per route, cycled through by each connection.
      requests: Array.from({ length: 500 }, () => ({ method: 'GET' as const, path: r.path() })),
    }),
  ),
);
const elapsed = (Date.now() - started) / 1000;
await new Promise((r) => setTimeout(r, 1000));
const after = server.memory();
await server.stop();

let total = 0;
let errors = 0;
const lines = [
  `machine   ${machine()}`,
  `database  SQLite, ${cableIds.length ? '' : 'no '}${count.toLocaleString('en')} generated cables (${dataDir})`,
  `load      ${connections} connections for ${seconds} s, ${routes.map((r) => `${r.name}×${Math.max(1, Math.round((connections * r.weight) / totalWeight))}`).join(', ')}`,
  '',
];
lines.push(
  `${'route'.padEnd(14)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)}`,
);
routes.forEach((r, i) => {
  const res = results[i];
  const n = res.requests.total;
  const err = res.errors + res.timeouts + res.non2xx;
  total += n;
  errors += err;
  lines.push(
    `${r.name.padEnd(14)} ${(n / elapsed).toFixed(0).padStart(8)} ${String(res.latency.p50).padStart(7)} ${String(res.latency.p99).padStart(7)} ${String(err).padStart(7)}`,
  );
});
lines.push(
  `${'all'.padEnd(14)} ${(total / elapsed).toFixed(0).padStart(8)} ${''.padStart(7)} ${''.padStart(7)} ${String(errors).padStart(7)}`,
);
const growth = ((after.rssMiB - before.rssMiB) / before.rssMiB) * 100;
lines.push(
  '',
  `server RSS before ${before.rssMiB.toFixed(0)} MiB, after ${after.rssMiB.toFixed(0)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %), peak ${after.peakMiB.toFixed(0)} MiB`,
);
console.log(lines.join('\n'));
if (errors > 0 || growth > 20) {
  console.error(errors > 0 ? `FAIL: ${errors} errors` : `FAIL: RSS grew ${growth.toFixed(1)} %`);
  process.exitCode = 1;
}
