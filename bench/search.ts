/**
 * `npm run bench -- search [--engine sqlite|postgres|both] [--file /tmp/cables-251287.csv]
 *   [--data-dir /tmp/bsbench/sqlite] [--pg-url postgres://postgres@127.0.0.1:5432/bench]
 *   [--count 251287]`
 *
 * Loads the 251,287 generated cables once per engine (reader → parser → rows, index deferred and
 * built after the load, as an import does; an already loaded database is reused), starts the
 * site as its own process and sends 200 queries of a fixed mix through /api/search from 4
 * concurrent clients: one to three words, a phrase, a prefix, each with and without two facet
 * filters; every response carries all six facets. Prints p50/p95/p99 latency and throughput.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { httpClient, machine, searchIndexReady, startServer } from './_server.ts';
import { connect } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { cableCount, loadCables } from './_cables.ts';
import { writeGeneratedCsv } from '../tools/generate-cables.ts';
import { indexCablesAfterImport } from '../src/search/search-index.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    file: { type: 'string', default: '/tmp/cables-251287.csv' },
    'data-dir': { type: 'string', default: '/tmp/bsbench/sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/bench' },
    clients: { type: 'string', default: '4' },
    /** Cables generated (with --file naming a file of that many; a smaller archive runs faster). */
    count: { type: 'string', default: '251287' },
  },
});
const CLIENTS = Number(values.clients);
const COUNT = Number(values.count);

/** Words that occur in the generated cables, from very common to rare. */
const WORDS = [
  'government',
  'minister',
  'security',
  'council',
  'economy',
  'election',
  'pipeline',
  'attack',
  'military',
  'reform',
  'trade',
  'border',
  'narcotics',
  'police',
  'embassy',
  'party',
  'president',
  'opposition',
  'budget',
  'energy',
  'refugees',
  'corruption',
  'investment',
  'nuclear',
  'drought',
  'mining',
  'elections',
  'court',
  'terrorism',
  'visa',
];
const PHRASES = [
  '"human rights"',
  '"prime minister"',
  '"foreign minister"',
  '"security forces"',
  '"end summary"',
  '"deputy minister"',
];
const PREFIXES = ['terror*', 'econ*', 'negotiat*', 'milit*', 'elect*', 'corrupt*'];
const FACETS = [
  'origin=Embassy+Baghdad&year=2008',
  'classification=secret&tag=PGOV',
  'origin=Embassy+Lima&classification=confidential',
  'year=2009&tag=PREL',
  'origin=Embassy+Kabul&year=2007',
];

/** 200 queries: a fixed, seeded mix (seed 1 is measured; another seed warms the server up). */
function queries(seed = 1): string[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const shape = i % 5;
    const text =
      shape === 0
        ? pick(WORDS)
        : shape === 1
          ? `${pick(WORDS)} ${pick(WORDS)}`
          : shape === 2
            ? `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`
            : shape === 3
              ? pick(PHRASES)
              : pick(PREFIXES);
    const facets = Math.floor(i / 5) % 2 === 1 ? '&' + pick(FACETS) : '';
    out.push(`/api/search?q=${encodeURIComponent(text)}${facets}`);
  }
  return out;
}

/** `clients` concurrent clients, each taking the next item of `items` until none is left. */
async function fromClients<T>(clients: number, items: T[], each: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) await each(items[next++]);
    }),
  );
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function prepare(engine: 'sqlite' | 'postgres'): Promise<Record<string, string>> {
  if (!existsSync(values.file!)) {
    console.log(`generating ${values.file} (seed 1)…`);
    await writeGeneratedCsv(values.file!, { count: COUNT, seed: 1 } as never);
  }
  const env =
    engine === 'sqlite'
      ? { DATA_DIR: values['data-dir']!, DATABASE_URL: '' }
      : { DATA_DIR: values['data-dir']! + '-pg', DATABASE_URL: values['pg-url']! };
  mkdirSync(env.DATA_DIR, { recursive: true });
  const db = await connect({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR,
  } as never);
  try {
    await migrate(db);
    const n = await cableCount(db);
    if (n < COUNT) {
      console.log(`${engine}: loading ${COUNT} cables…`);
      const r = await loadCables(db, values.file!);
      console.log(
        `${engine}: loaded ${r.loaded} in ${r.loadSeconds.toFixed(0)} s, indexed in ${r.indexSeconds.toFixed(0)} s`,
      );
    } else {
      // An interrupted earlier load: finish its deferred index (nothing to do when it is complete).
      const t = performance.now();
      const { indexed } = await indexCablesAfterImport(db);
      if (indexed)
        console.log(
          `${engine}: finished indexing ${indexed} cables in ${((performance.now() - t) / 1000).toFixed(0)} s`,
        );
    }
  } finally {
    await db.close();
  }
  return { ...env, DEMO: '0' };
}

async function run(engine: 'sqlite' | 'postgres'): Promise<void> {
  const env = await prepare(engine);
  // Every bench client comes from one address: the per-client search rate limit and queue bound measure nothing here.
  const server = await startServer({
    ...env,
    SEARCH_RATE: '100000',
    SEARCH_BURST: '100000',
    SEARCH_QUEUE_PER_CLIENT: '1000',
  });
  try {
    const list = queries();
    const ready = await searchIndexReady(server);
    console.log(
      `${engine}: term index ready after ${ready.toFixed(0)} s (server RSS ${server.memory().rssMiB.toFixed(0)} MiB)`,
    );
    // Warm-up: 40 queries of the same shapes from another seed, from as many clients (compiles the
    // hot paths in every search worker; the measured queries' own phrases and facets are not
    // pre-computed by it, except by chance).
    const get = httpClient(server.url);
    const warmUp = queries(7).slice(0, 40);
    await fromClients(CLIENTS, warmUp, get);
    const lat: number[] = [];
    const took: number[] = [];
    const each: { url: string; ms: number; took: number }[] = [];
    let errors = 0;
    const t0 = performance.now();
    await fromClients(CLIENTS, list, async (url) => {
      const s = performance.now();
      const res = await get(url);
      const body = JSON.parse(res.body.toString('utf8')) as {
        tookMs?: number;
        facets?: Record<string, unknown>;
      };
      const ms = performance.now() - s;
      lat.push(ms);
      each.push({ url, ms, took: body.tookMs ?? -1 });
      if (res.status !== 200 || !body.facets) errors++;
      else took.push(body.tookMs ?? 0);
    });
    const seconds = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    took.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(1).padStart(7);
    console.log(`\n${engine}: ${list.length} queries, ${CLIENTS} clients, ${errors} errors`);
    console.log(
      `  latency ms   p50 ${f(pct(lat, 50))}  p95 ${f(pct(lat, 95))}  p99 ${f(pct(lat, 99))}  max ${f(lat[lat.length - 1])}`,
    );
    console.log(
      `  in-server ms p50 ${f(pct(took, 50))}  p95 ${f(pct(took, 95))}  p99 ${f(pct(took, 99))}`,
    );
    console.log(`  throughput ${(list.length / seconds).toFixed(1)} queries/s`);
    console.log('  slowest:');
    for (const e of each.sort((a, b) => b.ms - a.ms).slice(0, 8))
      console.log(
        `    ${e.ms.toFixed(0).padStart(6)} ms (in server ${e.took} ms)  ${decodeURIComponent(e.url.replace('/api/search?', ''))}`,
      );
    const mem = server.memory();
    console.log(`  server RSS ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`);
  } finally {
    await server.stop();
  }
}

console.log(`machine: ${machine()}`);
const engines =
  values.engine === 'both'
    ? (['sqlite', 'postgres'] as const)
    : ([values.engine] as ['sqlite' | 'postgres']);
for (const e of engines) await run(e);
