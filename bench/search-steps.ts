/**
 * Where a search's time goes, in one process: the search bench's 200-query mix run through a
 * SearchService as a search thread runs it (term index from the archive's file, the thread's 16 MiB
 * page cache), one search at a time, each step of SearchService.run() timed.
 *
 *   npm run bench -- search-steps --data-dir DIR [--rounds 2] [--warm mix|thread]
 *
 * DIR holds an imported archive with its term-index file (a copy of what `bench -- import --keep`
 * left, say). `--warm mix` (default) first runs 40 queries of the mix's shapes from another seed,
 * as the search bench does; `--warm thread` only the few searches a search thread runs before it
 * says it is warm, so round 1 is what the first readers after a start get. Answers are not kept
 * (SEARCH_ANSWER_CACHE's cache is off): every round does the work again. Prints each round's
 * p50/p95/p99, the time per step over the round, the slowest searches with their steps, and the
 * searches round 1 took longer for than round 2.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { connect } from '../src/platform/db.ts';
import { openSearchIndex } from '../src/search/search-index.ts';
import { SearchService } from '../src/search/service.ts';
import { parseSearchParams } from '../src/search/query.ts';
import { queries } from './_search-mix.ts';
import { machine } from './_server.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    rounds: { type: 'string', default: '2' },
    warm: { type: 'string', default: 'mix' },
  },
});
const dir = values['data-dir'];
if (!dir) {
  console.error('--data-dir DIR: an imported archive with its term-index file');
  process.exit(2);
}
const rounds = Number(values.rounds);
console.log(
  `machine: ${machine()}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const db = await connect({ dataDir: dir, databaseUrl: undefined } as never, { cacheKiB: 16384 });
let ready!: () => void;
const isReady = new Promise<void>((r) => (ready = r));
const svc = new SearchService(db, await openSearchIndex(db), {
  memoryIndex: true,
  termsFile: join(dir, 'search-terms.bin'),
  answerCache: 0,
  terms: { role: 'leader', onReady: () => ready() },
});
const t0 = performance.now();
await svc.columns.sync();
await isReady;
console.log(`term index ready in ${(performance.now() - t0).toFixed(0)} ms`);

/** Time per step of the search running now. */
const steps = new Map<string, number>();
const timed = (obj: Record<string, unknown>, name: string, label = name) => {
  const f = (obj[name] as (...a: unknown[]) => unknown).bind(obj);
  const add = (s: number) => steps.set(label, (steps.get(label) ?? 0) + performance.now() - s);
  obj[name] = (...a: unknown[]) => {
    const s = performance.now();
    const r = f(...a);
    if (r instanceof Promise) return r.finally(() => add(s));
    add(s);
    return r;
  };
};
const inner = svc as unknown as Record<string, unknown>;
for (const n of [
  'filtersOf',
  'matchText',
  'countCables',
  'countStories',
  'relevancePage',
  'datePage',
  'facetsOf',
  'hydrate',
  'cableStories',
])
  timed(inner, n);
timed(svc.columns as unknown as Record<string, unknown>, 'forSearch', 'columns');

/** One pass over `list`, one search at a time: its figures, and each query's first time. */
async function pass(list: string[], label: string, detail: boolean): Promise<Map<string, number>> {
  const per: { url: string; ms: number; steps: Map<string, number> }[] = [];
  const total = new Map<string, number>();
  const first = new Map<string, number>();
  for (const url of list) {
    const p = parseSearchParams(Object.fromEntries(new URL(url, 'http://x').searchParams));
    if (!p.ok) throw new Error(`${url}: ${p.error}`);
    steps.clear();
    const t = performance.now();
    const out = await svc.search(p.value, {});
    const ms = performance.now() - t;
    if (!out.ok) console.log(`  not answered: ${url}: ${out.error.message}`);
    per.push({ url, ms, steps: new Map(steps) });
    if (!first.has(url)) first.set(url, ms);
    for (const [k, v] of steps) total.set(k, (total.get(k) ?? 0) + v);
    total.set('all', (total.get('all') ?? 0) + ms);
  }
  const ms = per.map((x) => x.ms).sort((a, b) => a - b);
  const pct = (p: number) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)];
  console.log(
    `${label}: p50 ${pct(50).toFixed(1)}  p95 ${pct(95).toFixed(1)}  p99 ${pct(99).toFixed(1)} ms`,
  );
  console.log(
    '  ms per step over the round: ' +
      [...total].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '),
  );
  if (detail)
    for (const x of [...per].sort((a, b) => b.ms - a.ms).slice(0, 10))
      console.log(
        `  ${x.ms.toFixed(1).padStart(6)}  ${decodeURIComponent(x.url.replace('/api/search?', ''))}  ` +
          [...x.steps]
            .filter(([, v]) => v >= 0.5)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', '),
      );
  return first;
}

/** The searches a search thread runs before it says it is warm (search-worker.ts). */
const THREAD_WARM_UP = [
  'q=embassy',
  'q=official+meeting',
  'q=report*',
  'q=embassy&classification=secret',
  'q=meeting+officials&sort=newest',
  'q=government&kind=cable&page=2',
].map((q) => `/api/search?${q}`);
await pass(
  values.warm === 'thread' ? THREAD_WARM_UP : queries(7).slice(0, 40),
  `warm-up (${values.warm})`,
  false,
);
const firsts: Map<string, number>[] = [];
for (let r = 0; r < rounds; r++) firsts.push(await pass(queries(), `round ${r + 1}`, true));
if (firsts.length >= 2) {
  console.log('round 1 slower than round 2 (ms more, round 1 ms):');
  const d = [...firsts[0]]
    .map(([u, ms]) => [u, ms, ms - firsts[1].get(u)!] as const)
    .sort((a, b) => b[2] - a[2])
    .slice(0, 10);
  for (const [u, ms, x] of d)
    console.log(
      `  +${x.toFixed(1)} (${ms.toFixed(1)})  ${decodeURIComponent(u.replace('/api/search?', ''))}`,
    );
}
await svc.index.close();
await db.close();
