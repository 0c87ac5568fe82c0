// Longest-prefix lookup speed: `npm run bench -- cidr [ranges] [lookups]`.
// 100,000 ranges (80% IPv4 /8–/32, 20% IPv6 /16–/64) from a fixed seed, then
// 1,000,000 lookups of address strings, half drawn from inside loaded ranges.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CidrMatcher } from '../src/lib/cidr.ts';

const RANGES = Number(process.argv[2] ?? 100_000);
const LOOKUPS = Number(process.argv[3] ?? 1_000_000);
const BATCH = 1_000;
const TARGET_NS = 2_000;

// mulberry32: small, fast, deterministic.
let seed = 0x5eed_b0a5;
function rand32(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
function randInt(lo: number, hi: number): number {
  return lo + (rand32() % (hi - lo + 1));
}

// Built with join() so the strings are flat, like addresses read from a socket.
const v4 = (w: number) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255].join('.');
const v6 = (w: number[]) =>
  w.map((x) => `${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}`).join(':');
const mask = (bits: number) =>
  bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;

interface Range {
  family: 4 | 6;
  words: number[];
  prefix: number;
}

const ranges: Range[] = [];
const entries: Array<{ cidr: string; value: number }> = [];
const distinct = new Set<string>();
const v4Target = Math.round(RANGES * 0.8);
let v4Made = 0;
for (let i = 0; ranges.length < RANGES; i++) {
  // Exactly 80% IPv4 among distinct ranges, interleaved at random.
  const wantV4 =
    v4Made < v4Target && (ranges.length - v4Made >= RANGES - v4Target || rand32() % 10 < 8);
  if (wantV4) {
    const prefix = randInt(8, 32);
    const w = [(rand32() & mask(prefix)) >>> 0];
    const cidr = `${v4(w[0])}/${prefix}`;
    if (distinct.has(cidr)) continue;
    distinct.add(cidr);
    v4Made++;
    ranges.push({ family: 4, words: w, prefix });
    entries.push({ cidr, value: i });
  } else {
    const prefix = randInt(16, 64);
    // Global unicast 2000::/3, so no range falls in the IPv4-mapped block.
    const w = [((rand32() & 0x1fffffff) | 0x20000000) >>> 0, rand32(), 0, 0];
    w[0] = (w[0] & mask(prefix)) >>> 0;
    w[1] = (w[1] & mask(prefix - 32)) >>> 0;
    const cidr = `${v6(w)}/${prefix}`;
    if (distinct.has(cidr)) continue;
    distinct.add(cidr);
    ranges.push({ family: 6, words: w, prefix });
    entries.push({ cidr, value: i });
  }
}

const v4Count = ranges.filter((r) => r.family === 4).length;
const queries: string[] = new Array(LOOKUPS);
for (let i = 0; i < LOOKUPS; i++) {
  const hit = (i & 1) === 0;
  const r = ranges[rand32() % ranges.length];
  if (r.family === 4) {
    const w = hit ? (r.words[0] | (rand32() & ~mask(r.prefix))) >>> 0 : rand32();
    queries[i] = v4(w);
  } else if (hit) {
    const w = r.words.slice();
    w[0] = (w[0] | (rand32() & ~mask(r.prefix))) >>> 0;
    w[1] = (w[1] | (rand32() & ~mask(r.prefix - 32))) >>> 0;
    w[2] = rand32();
    w[3] = rand32();
    queries[i] = v6(w);
  } else {
    queries[i] = v6([((rand32() & 0x1fffffff) | 0x20000000) >>> 0, rand32(), rand32(), rand32()]);
  }
}

// A gc() handle so the memory figures are not skewed by garbage.
setFlagsFromString('--expose-gc');
const gcMaybe = runInNewContext('gc') as (() => void) | undefined;
// Typed arrays live outside the JS heap, so count arrayBuffers too.
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
gcMaybe?.();
const usedBefore = used();
const t0 = process.hrtime.bigint();
const matcher = new CidrMatcher<number>();
let rejected = 0;
for (const e of entries) if (!matcher.add(e.cidr, e.value).ok) rejected++;
const insertMs = Number(process.hrtime.bigint() - t0) / 1e6;
matcher.lookup('0.0.0.0'); // the first lookup builds the first-level table
const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
gcMaybe?.();
const matcherBytes = used() - usedBefore;
const mem = process.memoryUsage();

// Warm up, then measure in batches.
let hits = 0;
for (let i = 0; i < 100_000; i++) if (matcher.lookup(queries[i % LOOKUPS]) !== null) hits++;
hits = 0;
const batchNs: number[] = [];
const start = process.hrtime.bigint();
for (let b = 0; b < LOOKUPS; b += BATCH) {
  const s = process.hrtime.bigint();
  const end = Math.min(b + BATCH, LOOKUPS);
  for (let i = b; i < end; i++) if (matcher.lookup(queries[i]) !== null) hits++;
  batchNs.push(Number(process.hrtime.bigint() - s) / (end - b));
}
const totalNs = Number(process.hrtime.bigint() - start);
batchNs.sort((a, b) => a - b);
const pct = (p: number) =>
  batchNs[Math.min(batchNs.length - 1, Math.floor((p / 100) * batchNs.length))];
const mean = totalNs / LOOKUPS;
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

console.log(
  `cidr: ${matcher.size.toLocaleString('en')} distinct ranges (${v4Count.toLocaleString('en')} IPv4 /8–/32, ${(RANGES - v4Count).toLocaleString('en')} IPv6 /16–/64), ${rejected} rejected`,
);
console.log(
  `  build        ${buildMs.toFixed(1)} ms (inserts ${insertMs.toFixed(1)} ms, first-level table ${(buildMs - insertMs).toFixed(1)} ms)`,
);
console.log(
  `  lookups      ${LOOKUPS.toLocaleString('en')} (${hits.toLocaleString('en')} matched)`,
);
console.log(
  `  ns/lookup    mean ${mean.toFixed(0)}   p50 ${pct(50).toFixed(0)}   p99 ${pct(99).toFixed(0)}   (batches of ${BATCH})`,
);
console.log(
  `  memory       matcher ≈ ${mb(matcherBytes)}   process heap ${mb(mem.heapUsed)}, array buffers ${mb(mem.arrayBuffers)}, rss ${mb(mem.rss)} (includes the 1M query strings)`,
);
console.log(
  `  target       ≤ ${TARGET_NS} ns/lookup: ${mean <= TARGET_NS && pct(99) <= TARGET_NS ? 'met' : 'NOT MET'}`,
);
