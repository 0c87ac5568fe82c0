/**
 * The first searches after the server starts (SQLite): the server is started on a generated
 * archive just imported (no term-index file: the index builds in its own thread meanwhile), the
 * first `/api/search?q=lima` is timed from the moment /healthz answers, then a few more searches
 * while the index warms up; then the same after a restart with the index file in place.
 *
 *   npm run bench -- first-search [--count 30000] [--data-dir /tmp/bsbench/first] [--pg-url URL]
 *     [--keep-index] [--tsx]
 *
 * Each start prints when /healthz answered, the first searches, when the term index answered
 * (all times from the start of the server process) and the server's RSS; with the index file,
 * two passes over the search bench's query mix from one client (the first pass after a start
 * should be as fast as the second). `--keep-index` uses the index file already in the data
 * directory instead of building one first. The server runs as `npm start` runs it (dist/, built
 * first when stale); `--tsx` runs it from the TypeScript sources, where every search thread
 * compiles its modules as it starts.
 *
 * With --pg-url the archive is loaded into (or found in) that PostgreSQL database instead; the data
 * directory then only holds the csv and the term-index file.
 *
 * On an archive imported already (the full one, say: a copy of what `bench -- import --keep DIR`
 * left), with the index file the import wrote:
 *
 *   npm run bench -- first-search --data-dir DIR --count 251287 --keep-index
 *
 * /healthz and the term index are polled finely (10 ms, 100 ms), so the times are those of the
 * server, not of the polling.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { httpClient, machine, searchIndexReady, startServer } from './_server.ts';
import { queries } from './_search-mix.ts';
import { connect } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { cableCount, loadCables } from './_cables.ts';
import { writeGeneratedCsv } from '../tools/generate-cables.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '30000' },
    'data-dir': { type: 'string', default: '/tmp/bsbench/first' },
    'pg-url': { type: 'string', default: '' },
    /** Keep the term-index file in the data directory (skip the start without one). */
    'keep-index': { type: 'boolean', default: false },
    /** Run the server from its TypeScript sources (tsx) instead of dist/, what `npm start` runs. */
    tsx: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.count);
const dir = values['data-dir']!;
const csv = join(dir, `cables-${COUNT}.csv`);
const DATABASE_URL = values['pg-url']!;

async function prepare(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const db = await connect({ dataDir: dir, databaseUrl: DATABASE_URL || null });
  try {
    await migrate(db);
    const n = await cableCount(db);
    if (n < COUNT) {
      if (!existsSync(csv)) await writeGeneratedCsv(csv, { count: COUNT, seed: 1 } as never);
      const r = await loadCables(db, csv);
      console.log(
        `loaded ${r.loaded} cables in ${r.loadSeconds.toFixed(0)} s, indexed in ${r.indexSeconds.toFixed(0)} s`,
      );
    }
  } finally {
    await db.close();
  }
}

/** Percentile of sorted values. */
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One pass over the search mix from one client: p50 / p95 in ms. */
async function pass(get: (path: string) => Promise<{ status: number }>): Promise<string> {
  const lat: number[] = [];
  for (const url of queries()) {
    const t = performance.now();
    await get(url);
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  return `p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms`;
}

/**
 * Starts the server and times, from the start of its process: /healthz answering, the first
 * searches (database path while the term index loads, "warming"), and the first answer from the
 * term index; then (`passes`) the query mix twice from one client, and the server's memory.
 */
async function firstSearches(label: string, passes: boolean): Promise<void> {
  const t0 = performance.now();
  const server = await startServer(
    {
      DATA_DIR: dir,
      DATABASE_URL,
      DEMO: '0',
      JOBS: '0',
      SEARCH_RATE: '100000',
      SEARCH_BURST: '100000',
    },
    { compiled: !values.tsx, pollMs: 10 },
  );
  const since = () => ((performance.now() - t0) / 1000).toFixed(1);
  try {
    const out: string[] = [`/healthz at ${since()} s`];
    for (const q of ['lima', 'government minister', 'terror*', 'lima']) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/search?q=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { warming?: boolean; total?: number };
      out.push(
        `${q}: ${res.status} ${(performance.now() - t).toFixed(0)} ms${body.warming ? ' (warming)' : ''}`,
      );
    }
    console.log(`${label}: ${out.join(' · ')}`);
    const ready = await searchIndexReady(server, 100);
    console.log(
      `${label}: term index answers ${since()} s after the start (${ready.toFixed(1)} s after those searches); server RSS ${server.memory().rssMiB.toFixed(0)} MiB`,
    );
    if (passes) {
      const get = httpClient(server.url);
      console.log(`${label}: first pass of the search mix, 1 client: ${await pass(get)}`);
      console.log(`${label}: second pass, 1 client: ${await pass(get)}`);
      const mem = server.memory();
      console.log(
        `${label}: server RSS ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`,
      );
    }
  } finally {
    await server.stop();
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `${machine()}, ${DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, ${COUNT} cables; load average ${load()}`,
);
await prepare();
const termsFile = join(dir, 'search-terms.bin');
if (!values['keep-index'] || !existsSync(termsFile)) {
  rmSync(termsFile, { force: true });
  rmSync(join(dir, 'search-columns.bin'), { force: true });
  await firstSearches('no index file', false);
  // Let a server build and keep the index.
  const server = await startServer(
    { DATA_DIR: dir, DATABASE_URL, DEMO: '0', JOBS: '0' },
    { compiled: !values.tsx },
  );
  for (let i = 0; i < 3600 && !existsSync(termsFile); i++) {
    await fetch(`${server.url}/api/search?q=warm`).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
  }
  await server.stop();
}
await firstSearches('index file kept', true);
await firstSearches('index file kept, again', true);
console.log(`load average after: ${load()}`);
