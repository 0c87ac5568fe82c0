/**
 * The first searches after the server starts (SQLite): the server is started on a generated
 * archive just imported (no term-index file: the index builds in its own thread meanwhile), the
 * first `/api/search?q=lima` is timed from the moment /healthz answers, then a few more searches
 * while the index warms up; then the same after a restart with the index file in place.
 *
 *   npm run bench -- first-search [--count 30000] [--data-dir /tmp/bsbench/first] [--pg-url URL]
 *
 * With --pg-url the archive is loaded into (or found in) that PostgreSQL database instead; the data
 * directory then only holds the csv and the term-index file.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, machine } from './_server.ts';
import { connect } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { cableCount, loadCables } from './_cables.ts';
import { writeGeneratedCsv } from '../tools/generate-cables.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '30000' },
    'data-dir': { type: 'string', default: '/tmp/bsbench/first' },
    'pg-url': { type: 'string', default: '' },
  },
});
const COUNT = Number(values.count);
const dir = values['data-dir']!;
const csv = join(dir, `cables-${COUNT}.csv`);
const DATABASE_URL = values['pg-url']!;

async function prepare(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(csv)) await writeGeneratedCsv(csv, { count: COUNT, seed: 1 } as never);
  const db = await connect({ dataDir: dir, databaseUrl: DATABASE_URL || null });
  try {
    await migrate(db);
    const n = await cableCount(db);
    if (n < COUNT) {
      const r = await loadCables(db, csv);
      console.log(
        `loaded ${r.loaded} cables in ${r.loadSeconds.toFixed(0)} s, indexed in ${r.indexSeconds.toFixed(0)} s`,
      );
    }
  } finally {
    await db.close();
  }
}

async function firstSearches(label: string): Promise<void> {
  const server = await startServer({
    DATA_DIR: dir,
    DATABASE_URL,
    DEMO: '0',
    JOBS: '0',
    SEARCH_RATE: '100000',
    SEARCH_BURST: '100000',
  });
  try {
    const out: string[] = [];
    for (const q of ['lima', 'government minister', 'terror*', 'lima']) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/search?q=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { warming?: boolean; total?: number };
      out.push(
        `${q}: ${res.status} ${(performance.now() - t).toFixed(0)} ms${body.warming ? ' (warming)' : ''}`,
      );
    }
    console.log(`${label}: ${out.join(' · ')}`);
  } finally {
    await server.stop();
  }
}

console.log(`${machine()}, ${DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, ${COUNT} cables`);
await prepare();
rmSync(join(dir, 'search-terms.bin'), { force: true });
await firstSearches('no index file');
// Let a server build and keep the index, then time a restart that loads it.
const server = await startServer({ DATA_DIR: dir, DATABASE_URL, DEMO: '0', JOBS: '0' });
for (let i = 0; i < 600 && !existsSync(join(dir, 'search-terms.bin')); i++) {
  await fetch(`${server.url}/api/search?q=warm`).catch(() => {});
  await new Promise((r) => setTimeout(r, 500));
}
await server.stop();
await firstSearches('index file kept');
