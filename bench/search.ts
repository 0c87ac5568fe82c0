/**
 * `npm run bench -- search [--engine sqlite|postgres|both] [--file /tmp/cables-251287.csv]
 *   [--data-dir /tmp/bsbench/sqlite] [--pg-url postgres://postgres@127.0.0.1:5432/bench]
 *   [--count 251287] [--vs sphinx] [--sphinx-dir /tmp/bsbench/sphinx]`
 *
 * Loads the 251,287 generated cables once per engine (reader → parser → rows, index deferred and
 * built after the load, as an import does; an already loaded database is reused), starts the
 * site as its own process and sends 200 queries of a fixed mix through /api/search from 4
 * concurrent clients: one to three words, a phrase, a prefix, each with and without two facet
 * filters; every response carries all six facets. Prints p50/p95/p99 latency and throughput.
 *
 * `--vs sphinx`: the same mix, with the same facets (origin, classification, tag, year and the
 * months) and client count, against Sphinx over the same cables in the same run (bench/_sphinx.ts;
 * Debian's sphinxsearch must be installed, this bench installs nothing): both engines' p50/p95/p99,
 * the ratio, and the queries whose match counts differ. The Sphinx index is kept in --sphinx-dir
 * and reused while the database holds the same cables. Sphinx makes no snippets and reads no rows
 * (it keeps only attributes): its answers carry ids and facets, Broadsheet's hits, snippets and
 * facets.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { httpClient, machine, searchIndexReady, startServer } from './_server.ts';
import { connect } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { cableCount, loadCables } from './_cables.ts';
import { queries } from './_search-mix.ts';
import { writeGeneratedCsv } from '../tools/generate-cables.ts';
import { indexCablesAfterImport } from '../src/search/search-index.ts';
import {
  SPHINX_INSTALL,
  sphinxIndex,
  sphinxInstalled,
  sphinxQuery,
  startSearchd,
  type SphinxIndex,
} from './_sphinx.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    file: { type: 'string', default: '/tmp/cables-251287.csv' },
    'data-dir': { type: 'string', default: '/tmp/bsbench/sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/bench' },
    clients: { type: 'string', default: '4' },
    /** Cables generated (with --file naming a file of that many; a smaller archive runs faster). */
    count: { type: 'string', default: '251287' },
    /** `sphinx`: run the same mix against Sphinx (Debian's sphinxsearch) in the same run. */
    vs: { type: 'string', default: '' },
    'sphinx-dir': { type: 'string', default: '/tmp/bsbench/sphinx' },
  },
});
if (values.vs && values.vs !== 'sphinx') {
  console.error(`--vs ${values.vs}: the only peer is sphinx`);
  process.exit(2);
}
const CLIENTS = Number(values.clients);
const COUNT = Number(values.count);

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

/** One query's answer time and match count (null: the answer was an error). */
interface Timed {
  url: string;
  ms: number;
  took: number;
  total: number | null;
}

/** Latency figures of one measured pass. */
interface Pass {
  lat: number[];
  each: Timed[];
  errors: number;
  seconds: number;
}

/** Sends `list` from `clients` concurrent clients; `ask` answers one query with its match count. */
async function measure(
  list: string[],
  ask: (url: string) => Promise<{ ok: boolean; took: number; total: number | null }>,
): Promise<Pass> {
  const lat: number[] = [];
  const each: Timed[] = [];
  let errors = 0;
  const t0 = performance.now();
  await fromClients(CLIENTS, list, async (url) => {
    const s = performance.now();
    const r = await ask(url);
    const ms = performance.now() - s;
    lat.push(ms);
    each.push({ url, ms, took: r.took, total: r.ok ? r.total : null });
    if (!r.ok) errors++;
  });
  lat.sort((a, b) => a - b);
  return { lat, each, errors, seconds: (performance.now() - t0) / 1000 };
}

const fmt = (x: number) => x.toFixed(1).padStart(7);

function printPass(label: string, pass: Pass, list: string[], inServer: boolean): void {
  const { lat } = pass;
  console.log(`\n${label}: ${list.length} queries, ${CLIENTS} clients, ${pass.errors} errors`);
  console.log(
    `  latency ms   p50 ${fmt(pct(lat, 50))}  p95 ${fmt(pct(lat, 95))}  p99 ${fmt(pct(lat, 99))}  max ${fmt(lat[lat.length - 1])}`,
  );
  if (inServer) {
    const took = pass.each
      .filter((e) => e.total !== null)
      .map((e) => e.took)
      .sort((a, b) => a - b);
    console.log(
      `  in-server ms p50 ${fmt(pct(took, 50))}  p95 ${fmt(pct(took, 95))}  p99 ${fmt(pct(took, 99))}`,
    );
  }
  console.log(`  throughput ${(list.length / pass.seconds).toFixed(1)} queries/s`);
  console.log('  slowest:');
  for (const e of [...pass.each].sort((a, b) => b.ms - a.ms).slice(0, 8))
    console.log(
      `    ${e.ms.toFixed(0).padStart(6)} ms${inServer ? ` (in server ${e.took} ms)` : ''}  ${decodeURIComponent(e.url.replace('/api/search?', ''))}`,
    );
}

/** Broadsheet on one engine: its pass over the mix, and the server's memory. */
async function runBroadsheet(
  engine: 'sqlite' | 'postgres',
  env: Record<string, string>,
  list: string[],
): Promise<Pass> {
  // Every bench client comes from one address: the per-client search rate limit and queue bound measure nothing here.
  const server = await startServer({
    ...env,
    SEARCH_RATE: '100000',
    SEARCH_BURST: '100000',
    SEARCH_QUEUE_PER_CLIENT: '1000',
  });
  try {
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
    const pass = await measure(list, async (url) => {
      const res = await get(url);
      const body = JSON.parse(res.body.toString('utf8')) as {
        tookMs?: number;
        total?: number;
        facets?: Record<string, unknown>;
      };
      const ok = res.status === 200 && !!body.facets;
      return { ok, took: body.tookMs ?? -1, total: ok ? (body.total ?? null) : null };
    });
    printPass(engine, pass, list, true);
    const mem = server.memory();
    console.log(`  server RSS ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`);
    return pass;
  } finally {
    await server.stop();
  }
}

/** Sphinx over the same cables: the same mix, facets and client count through SphinxQL. */
async function runSphinx(index: SphinxIndex, list: string[]): Promise<Pass> {
  const mysql = await import('mysql2/promise');
  const searchd = await startSearchd(index);
  const conns = await Promise.all(
    Array.from({ length: CLIENTS }, () =>
      mysql.createConnection({ host: '127.0.0.1', port: searchd.port }),
    ),
  );
  try {
    const free = [...conns];
    const ask = async (url: string) => {
      const q = sphinxQuery(url, index.dict);
      if (typeof q !== 'string') {
        console.log(`  sphinx: ${q.error}`);
        return { ok: false, took: -1, total: null };
      }
      const conn = free.pop()!;
      try {
        const [sets] = (await conn.query(q)) as unknown as [Record<string, number>[][]];
        // Result sets: the page, then one per FACET; every cable has one year, so the year
        // facet's counts add up to the match count.
        const years = sets[4] ?? [];
        return { ok: true, took: -1, total: years.reduce((n, r) => n + Number(r['count(*)']), 0) };
      } finally {
        free.push(conn);
      }
    };
    await fromClients(CLIENTS, queries(7).slice(0, 40), ask);
    const pass = await measure(list, ask);
    printPass('sphinx', pass, list, false);
    console.log(`  searchd RSS ${searchd.rssMiB().toFixed(0)} MiB`);
    return pass;
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => {})));
    await searchd.stop();
  }
}

/** Both engines' figures side by side, the ratio, and the queries whose match counts differ. */
function compare(engine: string, ours: Pass, sphinx: Pass): void {
  console.log(`\n${engine} against sphinx, same run, ${CLIENTS} clients:`);
  console.log('                  p50 ms   p95 ms   p99 ms');
  const row = (label: string, p: Pass) =>
    console.log(
      `  ${label.padEnd(14)}${fmt(pct(p.lat, 50))}  ${fmt(pct(p.lat, 95))}  ${fmt(pct(p.lat, 99))}`,
    );
  row('broadsheet', ours);
  row('sphinx', sphinx);
  const ratio = (p: number) => pct(ours.lat, p) / pct(sphinx.lat, p);
  console.log(
    `  broadsheet / sphinx: p50 ${ratio(50).toFixed(3)}  p95 ${ratio(95).toFixed(3)}  p99 ${ratio(99).toFixed(3)}` +
      `  (target p95 ≤ 0.2: ${ratio(95) <= 0.2 ? 'met' : 'not met'})`,
  );
  const theirs = new Map(sphinx.each.map((e) => [e.url, e.total]));
  const differ = new Map<string, [number | null, number | null]>();
  for (const e of ours.each) {
    const t = theirs.get(e.url);
    if (t !== e.total) differ.set(e.url, [e.total, t ?? null]);
  }
  const distinct = new Set(ours.each.map((e) => e.url)).size;
  if (!differ.size)
    console.log(`  match counts: identical for all ${distinct} distinct queries of the mix`);
  else {
    console.log(`  match counts differ for ${differ.size} of ${distinct} distinct queries:`);
    for (const [url, [a, b]] of differ)
      console.log(
        `    broadsheet ${a ?? 'error'}  sphinx ${b ?? 'error'}  ${decodeURIComponent(url.replace('/api/search?', ''))}`,
      );
  }
}

async function run(engine: 'sqlite' | 'postgres'): Promise<void> {
  const env = await prepare(engine);
  const list = queries();
  let sphinx: SphinxIndex | null = null;
  if (values.vs === 'sphinx') {
    if (!sphinxInstalled()) console.log(`\n${SPHINX_INSTALL}\nRunning Broadsheet alone.\n`);
    else {
      const db = await connect({
        databaseUrl: env.DATABASE_URL || undefined,
        dataDir: env.DATA_DIR,
      } as never);
      try {
        sphinx = await sphinxIndex(db, values['sphinx-dir']!);
      } finally {
        await db.close();
      }
      console.log(
        sphinx.indexSeconds
          ? `sphinx: wrote ${sphinx.rows} cables as its source in ${sphinx.sourceSeconds.toFixed(0)} s, indexer took ${sphinx.indexSeconds.toFixed(1)} s`
          : `sphinx: index of ${sphinx.rows} cables kept from an earlier run (${sphinx.dir})`,
      );
    }
  }
  const ours = await runBroadsheet(engine, env, list);
  if (sphinx) compare(engine, ours, await runSphinx(sphinx, list));
}

console.log(`machine: ${machine()}`);
const engines =
  values.engine === 'both'
    ? (['sqlite', 'postgres'] as const)
    : ([values.engine] as ['sqlite' | 'postgres']);
for (const e of engines) await run(e);
