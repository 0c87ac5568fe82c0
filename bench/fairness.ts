/**
 * Fairness: `npm run bench -- fairness [--engine sqlite|postgres] [--count 251287] [--seconds 60]
 *   [--upload 20000] [--cache-dir bench/out/fairness] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
 *   [--file cables.csv] [--base-dir DIR | --pg-template DB] [--abusers-nice N] [--warmup 5]
 *   [--dirty-copy]`
 *
 * One well-behaved reader (home, a story, /terms, a cable page and a simple search, one request at
 * a time with a short pause between them, as a person reads) is measured alone, then again while
 * abusive clients run in another process: 8 heavy searchers (a 500-character OR-of-prefixes query,
 * and the costliest query the budget lets through, as fast as they can), 8 sitemap fetchers
 * (/sitemaps/cables-N.xml, half of them without compression) and one editor uploading a
 * 20,000-cable file through the dashboard's upload route (/admin/cables), whose import runs while
 * the reader is measured. The site runs as its own process (SQLite, or PostgreSQL with --engine
 * postgres), with its default search budgets, behind a trusted proxy address so each client is
 * told apart by X-Forwarded-For as behind a real load balancer.
 *
 * Prints the reader's p50/p95/max for pages and for searches, alone and under abuse, the abusers'
 * answers (200, refusals 429/400/503, errors), the import's time and the server's peak RSS, and
 * whether the reader's p95 under abuse stays within 2× its p95 alone.
 *
 * Generating and loading the archive takes minutes, so both are kept under the cache directory
 * (the generated csv files; for SQLite a data directory, for PostgreSQL a database `fair_<count>`)
 * and reused; each run works on a copy (a copied directory, a database made from the template), so
 * the upload imports the same new cables every time. `--file` loads the archive from a generated
 * csv made elsewhere (only read); `--base-dir` (SQLite: a data directory) or `--pg-template`
 * (PostgreSQL: a database) start from an archive loaded elsewhere, which is copied once into the
 * cache (`cp -a`, `CREATE DATABASE … TEMPLATE …`) and never written to. A SQLite run's copy is
 * written to the disk (fsync) before the server starts, unless `--dirty-copy`: otherwise its
 * gigabytes are written back by the kernel during the phases. The bench prints the machine's disk
 * traffic per phase (read, written, busy time, dirty and writeback memory).
 */
import { fork, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createReadStream } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, machine, searchIndexReady, startServer, type BenchServer } from './_server.ts';
import { cableCount, loadCables } from './_cables.ts';
import { connect } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { DEMO_SECTIONS, loadDemoContent } from '../src/demo.ts';
import { createStory, ensureSection } from '../src/stories/store.ts';
import { Rng, writeGeneratedCsv } from '../tools/generate-cables.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    count: { type: 'string', default: '251287' },
    upload: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    'cache-dir': { type: 'string', default: join(ROOT, 'bench', 'out', 'fairness') },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    abusers: { type: 'string' },
    file: { type: 'string' },
    'base-dir': { type: 'string' },
    'pg-template': { type: 'string' },
    'abusers-nice': { type: 'string', default: '0' },
    'dirty-copy': { type: 'boolean', default: false },
  },
});

// ---------------------------------------------------------------------------------------------
// A small HTTP client: kept-alive connections, chosen headers, the body counted but not kept
// unless asked for (a sitemap fetcher does not need 5 MB in memory).

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

function client(base: string, headers: Record<string, string>, sockets = 1) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return (
    path: string,
    opts: {
      method?: string;
      body?: () => NodeJS.ReadableStream | Buffer | string;
      headers?: Record<string, string>;
      keep?: boolean;
      timeoutMs?: number;
    } = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        base + path,
        { agent, method: opts.method ?? 'GET', headers: { ...headers, ...opts.headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            if (opts.keep) chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - t0,
            }),
          );
        },
      );
      req.setTimeout(opts.timeoutMs ?? 120_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      const b = opts.body?.();
      if (b === undefined) req.end();
      else if (typeof b === 'string' || Buffer.isBuffer(b)) req.end(b);
      else (b as NodeJS.ReadableStream).pipe(req);
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU seconds (user + system) of a process's threads so far, by nice value (from
 * /proc/<pid>/task/<tid>/stat; threads that ended are not counted).
 */
function cpuByNice(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  const tick = 100; // USER_HZ on Linux
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const nice = Number(f[16]);
    out.set(nice, (out.get(nice) ?? 0) + (Number(f[11]) + Number(f[12])) / tick);
  }
  return out;
}

/**
 * The server's own view, from /metrics: scraped at the start and the end of a phase (the event-loop
 * delay histogram restarts at each scrape, counters are subtracted). Says where the reader's time
 * went: waiting for the event loop (delay), inside the handlers (server time per route), or inside
 * SQLite statements on the loop and waits for its write lock.
 */
type Scrape = Map<string, number>;
const METRICS_TOKEN = 'fairness-bench-metrics-token';

async function scrape(url: string): Promise<Scrape> {
  const out: Scrape = new Map();
  try {
    const r = await fetch(url + '/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    for (const line of (await r.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
  } catch {
    // no figures
  }
  return out;
}

const READER_ROUTES = [
  '/',
  '/stories/:section/:yyyy/:mm/:idslug',
  '/terms',
  '/cables/:id',
  '/search',
  '/sitemap.xml',
  '/sitemaps/:file',
];

function serverView(a: Scrape, b: Scrape): string[] {
  const d = (k: string) => (b.get(k) ?? NaN) - (a.get(k) ?? 0);
  const ms = (x: number) => (Number.isFinite(x) ? (x * 1000).toFixed(0) : '-');
  const routeTimes = READER_ROUTES.map((route) => {
    let sum = 0;
    let n = 0;
    for (const [k, v] of b) {
      if (!k.includes(`route="${route}"`) || !k.includes('method="GET"')) continue;
      if (k.startsWith('broadsheet_http_request_duration_seconds_sum')) sum += v - (a.get(k) ?? 0);
      if (k.startsWith('broadsheet_http_request_duration_seconds_count')) n += v - (a.get(k) ?? 0);
    }
    return `${route} ${n ? ms(sum / n) : '-'} ms (${n})`;
  });
  // Which statement was the slowest (the info gauge's label), as scraped at the end of the phase.
  let slowestSql = '';
  for (const k of b.keys()) {
    const m = /^broadsheet_sqlite_slowest_statement_info\{statement="(.*)"\}$/.exec(k);
    if (m) slowestSql = m[1].replace(/\\(.)/g, '$1');
  }
  return [
    `event loop delay max ${ms(b.get('nodejs_eventloop_lag_max_seconds') ?? NaN)} ms, p99 ${ms(b.get('nodejs_eventloop_lag_p99_seconds') ?? NaN)} ms, mean ${ms(b.get('nodejs_eventloop_lag_mean_seconds') ?? NaN)} ms`,
    `server time (mean per request, all clients) ${routeTimes.join(', ')}`,
    `sqlite on the loop  ${d('broadsheet_sqlite_statement_seconds_total').toFixed(1)} s in statements, slowest ${ms(b.get('broadsheet_sqlite_slowest_statement_seconds') ?? NaN)} ms; lock waits ${d('broadsheet_sqlite_lock_waits_total')} (${d('broadsheet_sqlite_lock_wait_seconds_total').toFixed(1)} s, ${d('broadsheet_sqlite_lock_timeouts_total')} gave up)`,
    ...(slowestSql ? [`sqlite slowest on the loop: ${slowestSql}`] : []),
    `gc on the loop      ${['major', 'minor', 'incremental', 'weakcb']
      .filter((kind) => Number.isFinite(d(`nodejs_gc_duration_seconds_count{kind="${kind}"}`)))
      .map((kind) => {
        const k = (m: string) => `nodejs_gc_duration_seconds_${m}{kind="${kind}"}`;
        const over = (le: string) =>
          d(k('count')) - d(`nodejs_gc_duration_seconds_bucket{le="${le}",kind="${kind}"}`);
        return `${kind} ${d(k('count'))} (${d(k('sum')).toFixed(2)} s, ${over('0.01')} over 10 ms, ${over('0.1')} over 100 ms)`;
      })
      .join(', ')}`,
  ];
}

/**
 * The machine's disk traffic, to tell statements that wait on the disk from those that do not: the
 * whole disks' counters from /proc/diskstats (sectors read and written, time busy) and the page
 * cache's dirty and writeback memory from /proc/meminfo, sampled every second during a phase.
 */
interface DiskSample {
  at: number;
  readMiB: number;
  writtenMiB: number;
  busyMs: number;
  dirtyMiB: number;
  writebackMiB: number;
}

function diskSample(): DiskSample {
  let sectorsRead = 0;
  let sectorsWritten = 0;
  let busyMs = 0;
  try {
    for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      // Whole disks only (vda, sda, nvme0n1), not their partitions or loop and zram devices.
      if (!/^(?:[hsv]d[a-z]+|xvd[a-z]+|nvme\d+n\d+)$/.test(f[2] ?? '')) continue;
      sectorsRead += Number(f[5]);
      sectorsWritten += Number(f[9]);
      busyMs += Number(f[12]);
    }
  } catch {
    // not Linux
  }
  const mem = (() => {
    try {
      return readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const kib = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(mem)?.[1] ?? 0);
  return {
    at: Date.now(),
    readMiB: (sectorsRead * 512) / 1048576,
    writtenMiB: (sectorsWritten * 512) / 1048576,
    busyMs,
    dirtyMiB: kib('Dirty') / 1024,
    writebackMiB: kib('Writeback') / 1024,
  };
}

/** Samples the disk every second until stopped; `summary()` says what a phase saw. */
function diskWatch() {
  const samples = [diskSample()];
  const timer = setInterval(() => samples.push(diskSample()), 1000);
  timer.unref();
  return {
    stop(): string {
      clearInterval(timer);
      samples.push(diskSample());
      const a = samples[0];
      const b = samples[samples.length - 1];
      const secs = Math.max(0.001, (b.at - a.at) / 1000);
      // The busiest second for writes, how many seconds the disk was busy more than half the time,
      // and the seconds that wrote 100 MiB or more, by wall-clock time (to set beside the server's
      // slow-statement log, SQLITE_SLOW_LOG_MS, whose lines carry theirs).
      let worst = 0;
      let busy = 0;
      const heavy: string[] = [];
      for (let i = 1; i < samples.length; i++) {
        const w = samples[i].writtenMiB - samples[i - 1].writtenMiB;
        worst = Math.max(worst, w);
        const dt = samples[i].at - samples[i - 1].at;
        if (dt > 0 && (samples[i].busyMs - samples[i - 1].busyMs) / dt > 0.5) busy++;
        if (w >= 100)
          heavy.push(
            `${new Date(samples[i].at).toISOString().slice(11, 19)} ${w.toFixed(0)} MiB (dirty ${samples[i].dirtyMiB.toFixed(0)})`,
          );
      }
      const max = (k: 'dirtyMiB' | 'writebackMiB') => Math.max(...samples.map((s) => s[k]));
      return (
        `read ${(b.readMiB - a.readMiB).toFixed(0)} MiB, written ${(b.writtenMiB - a.writtenMiB).toFixed(0)} MiB ` +
        `(at most ${worst.toFixed(0)} MiB in a second), disk busy ${(((b.busyMs - a.busyMs) / 1000 / secs) * 100).toFixed(0)} % ` +
        `(${busy} of ${secs.toFixed(0)} s over half busy); dirty at most ${max('dirtyMiB').toFixed(0)} MiB ` +
        `(${a.dirtyMiB.toFixed(0)} → ${b.dirtyMiB.toFixed(0)}), writeback at most ${max('writebackMiB').toFixed(0)} MiB` +
        (heavy.length ? `\n    seconds writing ≥ 100 MiB (UTC, ended at): ${heavy.join(', ')}` : '')
      );
    },
  };
}

/** Writes a copied file's pages to the disk (so its write-back does not happen during the phases). */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// The abusers, in their own process (so their work does not delay the reader's own event loop).

interface AbuserPlan {
  url: string;
  sitemaps: string[];
  uploadFile: string;
  editor: { email: string; password: string };
}

interface Tally {
  requests: number;
  byStatus: Record<string, number>;
  errors: number;
  bytes: number;
}

interface AbuseReport {
  heavy: Tally;
  sitemaps: Tally;
  upload: {
    status: string;
    uploadSeconds: number;
    importSeconds: number;
    summary: unknown;
    error: string | null;
  };
}

const tally = (): Tally => ({ requests: 0, byStatus: {}, errors: 0, bytes: 0 });

/** A 500-character query of OR-ed word starts (as the abusive clients in the issue sent). */
function longOrQuery(): string {
  const starts = 'co de pr re in st ma tr se po ca pa ex di mi go fo pe ec na ba su te an ar'.split(
    ' ',
  );
  const parts: string[] = [];
  let i = 0;
  while (parts.join(' OR ').length < 490) parts.push(`${starts[i++ % starts.length]}${i}*`);
  return parts.join(' OR ').slice(0, 500);
}

/** The costliest query the default budget lets through: 8 short word starts OR-ed with common words. */
function heaviestAllowedQuery(n: number): string {
  const starts = ['gov', 'min', 'sec', 'pol', 'ele', 'mil', 'eco', 'pre', 'par', 'tra', 'con'];
  const words = ['embassy', 'government', 'minister', 'security', 'president', 'official'];
  const p = Array.from({ length: 8 }, (_, i) => `${starts[(n + i) % starts.length]}*`);
  return [...p, ...words.slice(0, 8)].join(' OR ');
}

async function runAbusers(plan: AbuserPlan): Promise<void> {
  let stopping = false;
  const heavy = tally();
  const sitemaps = tally();
  const count = (t: Tally, status: number, bytes = 0) => {
    t.requests++;
    t.byStatus[status] = (t.byStatus[status] ?? 0) + 1;
    t.bytes += bytes;
  };
  const loops: Promise<void>[] = [];
  const long = longOrQuery();
  for (let i = 0; i < 8; i++) {
    const get = client(plan.url, {
      'x-forwarded-for': `10.66.1.${i + 1}`,
      'accept-encoding': 'gzip',
    });
    loops.push(
      (async () => {
        for (let n = 0; !stopping; n++) {
          const q = n % 2 === 0 ? long : heaviestAllowedQuery(n + i);
          try {
            const path = n % 4 < 2 ? '/api/search' : '/search';
            const r = await get(`${path}?q=${encodeURIComponent(q)}`);
            count(heavy, r.status);
            if (r.status >= 500 && r.status !== 503) heavy.errors++;
          } catch {
            heavy.errors++;
            await sleep(100);
          }
        }
      })(),
    );
  }
  for (let i = 0; i < 8; i++) {
    const headers: Record<string, string> = { 'x-forwarded-for': `10.66.2.${i + 1}` };
    if (i % 2 === 0) headers['accept-encoding'] = 'gzip';
    const get = client(plan.url, headers);
    loops.push(
      (async () => {
        for (let n = i; !stopping; n++) {
          try {
            const r = await get(plan.sitemaps[n % plan.sitemaps.length]);
            count(sitemaps, r.status, Number(r.headers['content-length'] ?? 0));
            if (r.status >= 500 && r.status !== 503) sitemaps.errors++;
          } catch {
            sitemaps.errors++;
            await sleep(100);
          }
        }
      })(),
    );
  }
  const upload: AbuseReport['upload'] = {
    status: 'not started',
    uploadSeconds: 0,
    importSeconds: 0,
    summary: null,
    error: null,
  };
  loops.push(
    (async () => {
      const cookies = new Map<string, string>();
      const get = client(plan.url, { 'x-forwarded-for': '10.66.3.1', origin: plan.url });
      const jar = (r: Answer) => {
        for (const c of [r.headers['set-cookie'] ?? []].flat()) {
          const [kv] = c.split(';');
          const at = kv.indexOf('=');
          cookies.set(kv.slice(0, at), kv.slice(at + 1));
        }
        return r;
      };
      const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      try {
        jar(await get('/login', { headers: { cookie: cookie() } }));
        const login = jar(
          await get('/login', {
            method: 'POST',
            headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
            body: () =>
              new URLSearchParams({
                email: plan.editor.email,
                password: plan.editor.password,
                _csrf: cookies.get('bs_csrf') ?? '',
              }).toString(),
          }),
        );
        if (login.status !== 303) throw new Error(`login answered ${login.status}`);
        // Only a signed-in member's pages carry a CSRF token: the upload page sets it.
        const page = jar(await get('/admin/cables', { headers: { cookie: cookie() } }));
        if (page.status !== 200) throw new Error(`/admin/cables answered ${page.status}`);
        const boundary = '----fairness-bench-boundary';
        const head = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cables-upload.csv"\r\nContent-Type: text/csv\r\n\r\n`,
        );
        const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
        const size = head.length + statSync(plan.uploadFile).size + tail.length;
        const { PassThrough } = await import('node:stream');
        const t0 = performance.now();
        upload.status = 'uploading';
        const posted = await get(`/admin/cables?_csrf=${cookies.get('bs_csrf')}`, {
          method: 'POST',
          timeoutMs: 600_000,
          headers: {
            cookie: cookie(),
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': String(size),
          },
          body: () => {
            const out = new PassThrough();
            out.write(head);
            createReadStream(plan.uploadFile)
              .on('end', () => out.end(tail))
              .pipe(out, { end: false });
            return out;
          },
        });
        if (posted.status !== 303) throw new Error(`upload answered ${posted.status}`);
        const t1 = performance.now();
        upload.uploadSeconds = (t1 - t0) / 1000;
        upload.status = 'importing';
        const statusPath = `${posted.headers.location}/status`;
        for (let failures = 0; ;) {
          await sleep(1000);
          // A poll that fails (a kept-alive connection the busy server closed) is tried again.
          let s: Answer;
          try {
            s = await get(statusPath, { headers: { cookie: cookie() }, keep: true });
            if (s.status !== 200) throw new Error(`status answered ${s.status}`);
          } catch (err) {
            if (++failures > 30) throw err;
            continue;
          }
          const body = JSON.parse(s.body) as { status: string; summary: unknown; error: string };
          if (body.status === 'done' || body.status === 'failed') {
            upload.status = body.status;
            upload.summary = body.summary;
            upload.error = body.error;
            upload.importSeconds = (performance.now() - t1) / 1000;
            break;
          }
        }
      } catch (err) {
        upload.status = 'failed';
        upload.error = String((err as Error).message ?? err);
      }
      process.send!({ type: 'import-ended' });
    })(),
  );
  process.on('message', async (m: { type: string }) => {
    if (m.type !== 'stop') return;
    stopping = true;
    // The loops end after their request in flight; the upload loop may still be importing.
    await Promise.race([Promise.all(loops.slice(0, 16)), sleep(30_000)]);
    const report: AbuseReport = { heavy, sitemaps, upload };
    process.send!({ type: 'report', report }, () => process.exit(0));
  });
  process.send!({ type: 'started' });
}

// ---------------------------------------------------------------------------------------------
// Preparing the archive once (cached), and a fresh copy per run.

interface Prepared {
  env: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

function cli(env: Record<string, string>, args: string[], stdin?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    input: stdin,
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`broadsheet ${args.join(' ')} failed`);
}

async function generated(file: string, count: number, seed: number): Promise<string> {
  if (!existsSync(file)) {
    console.error(`generating ${count} cables (seed ${seed}) into ${file} …`);
    await writeGeneratedCsv(`${file}.part`, { count, seed });
    renameSync(`${file}.part`, file);
  }
  return file;
}

const EDITOR = { email: 'fairness-editor@example.org', password: 'fairness bench editor password' };

async function prepare(
  engine: 'sqlite' | 'postgres',
  count: number,
  cacheDir: string,
): Promise<Prepared> {
  const csv =
    values.file ?? (await generated(join(cacheDir, `cables-${count}-seed1.csv`), count, 1));
  if (!existsSync(csv)) throw new Error(`no such file: ${csv}`);
  const baseDir = join(cacheDir, `${engine}-${count}`);
  const runDir = join(cacheDir, `${engine}-${count}-run`);
  const baseDb = `fair_${count}`;
  const runDb = `fair_${count}_run`;
  const pgUrl = (db: string) => {
    const u = new URL(values['pg-url']!);
    u.pathname = `/${db}`;
    return u.toString();
  };
  const admin = async (stmt: string) => {
    const c = new pg.Client({ connectionString: values['pg-url'] });
    await c.connect();
    try {
      await c.query(stmt);
    } finally {
      await c.end();
    }
  };
  const env = (dir: string, db: string): Record<string, string> => ({
    DATA_DIR: dir,
    DATABASE_URL: engine === 'postgres' ? pgUrl(db) : '',
  });
  const ready = join(baseDir, 'prepared');
  mkdirSync(baseDir, { recursive: true });
  if (!existsSync(ready)) {
    const from = values['base-dir'];
    const template = values['pg-template'];
    if (engine === 'sqlite' && from) {
      // An archive loaded elsewhere: copied as it is (only read), then completed here.
      console.error(`copying ${from} into ${baseDir} …`);
      const cp = spawnSync('cp', ['-a', `${from}/.`, baseDir], { stdio: 'inherit' });
      if (cp.status !== 0) throw new Error(`cp -a ${from} failed`);
      rmSync(join(baseDir, 'server.pid'), { force: true });
    }
    if (engine === 'postgres') {
      if (template && !/^[a-z_][a-z0-9_]*$/.test(template))
        throw new Error(`--pg-template must be a plain database name, got ${template}`);
      try {
        await admin(`create database ${baseDb}${template ? ` template ${template}` : ''}`);
      } catch (err) {
        if (!/already exists/.test(String(err))) throw err;
      }
    }
    const target = env(baseDir, baseDb);
    const db = await connect({
      dataDir: target.DATA_DIR,
      databaseUrl: target.DATABASE_URL || null,
    });
    try {
      await migrate(db);
      if (from || template) await readerStories(db);
      else await loadDemoContent(db.kysely);
      const have = await cableCount(db);
      if (have < count) {
        console.error(`loading ${count} cables into ${engine} (${have} there) …`);
        const r = await loadCables(db, csv, {
          limit: count,
          onProgress: (n) => n % 20000 === 0 && console.error(`  ${n} cables`),
        });
        console.error(
          `loaded ${r.loaded} cables in ${r.loadSeconds.toFixed(0)} s, indexed in ${r.indexSeconds.toFixed(0)} s`,
        );
      }
    } finally {
      await db.close();
    }
    cli(
      target,
      ['users', 'add', EDITOR.email, '--role', 'editor', '--password-stdin'],
      EDITOR.password + '\n',
    );
    // One start builds the search term index file and the sitemaps, both kept for the runs.
    const server = await startServer({ ...target, DEMO: '0', JOBS: '0' });
    try {
      console.error(`term index ready after ${(await searchIndexReady(server)).toFixed(0)} s`);
      await sitemapPaths(server.url);
    } finally {
      await server.stop();
    }
    writeFileSync(ready, new Date().toISOString());
  }
  // A fresh copy for this run.
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const copied: string[] = [];
  for (const f of readdirSync(baseDir)) {
    if (!statSync(join(baseDir, f)).isFile()) continue;
    copyFileSync(join(baseDir, f), join(runDir, f));
    copied.push(join(runDir, f));
  }
  // The copy (3.5 GB at full size) sits in the page cache as dirty pages, written back over the
  // next half minute or more, while the server starts and the reader is measured: unless asked
  // not to (--dirty-copy), it is written to the disk first, so the phases see only the site's own I/O.
  if (copied.length && !values['dirty-copy']) {
    const before = diskSample();
    const t0 = performance.now();
    for (const f of copied) fsyncFile(f);
    fsyncFile(runDir);
    const after = diskSample();
    console.error(
      `copy written back in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(after.writtenMiB - before.writtenMiB).toFixed(0)} MiB written; dirty ${before.dirtyMiB.toFixed(0)} → ${after.dirtyMiB.toFixed(0)} MiB)`,
    );
  }
  if (engine === 'postgres') {
    await admin(`drop database if exists ${runDb} with (force)`);
    await admin(`create database ${runDb} template ${baseDb}`);
  }
  return {
    env: env(runDir, runDb),
    dataDir: runDir,
    async cleanup() {
      rmSync(runDir, { recursive: true, force: true });
      if (engine === 'postgres') await admin(`drop database if exists ${runDb} with (force)`);
    },
  };
}

/**
 * Stories for the reader on an archive loaded elsewhere (its cables already hold the demo content's
 * seed cable, so the demo content cannot load): the demo sections and a dozen plain stories.
 */
async function readerStories(db: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const have = await db.kysely.selectFrom('stories').select('id').limit(1).executeTakeFirst();
  if (have) return;
  const sections = [];
  for (const s of DEMO_SECTIONS) sections.push(await ensureSection(db.kysely, s));
  const rng = new Rng(3);
  const words = 'embassy minister election trade security economy talks visit report council'.split(
    ' ',
  );
  for (let i = 0; i < 12; i++) {
    const w = Array.from({ length: 40 * (1 + rng.int(8)) }, () => words[rng.int(words.length)]);
    await createStory(db.kysely, {
      sectionId: sections[i % sections.length].id,
      title: `Bench story ${i + 1}: ${w.slice(0, 4).join(' ')}`,
      teaser: w.slice(4, 20).join(' '),
      body: w.join(' '),
      featured: i < 3,
      publishedAt: new Date(Date.now() - (i + 1) * 3_600_000).toISOString(),
    });
  }
}

/** The cable sitemaps listed in /sitemap.xml, each fetched until made (they are built on first request). */
async function sitemapPaths(url: string): Promise<string[]> {
  const get = client(url, {});
  let index = await get('/sitemap.xml', { keep: true });
  for (let i = 0; i < 600 && index.status !== 200; i++) {
    await sleep(1000);
    index = await get('/sitemap.xml', { keep: true });
  }
  if (index.status !== 200) throw new Error(`/sitemap.xml answered ${index.status}`);
  const found = [...index.body.matchAll(/<loc>[^<]*?(\/sitemaps\/cables-\d+\.xml)<\/loc>/g)];
  // A small archive (a quick run) fits in one sitemap: /sitemap.xml is then the big document.
  const paths = found.length ? found.map((m) => m[1]) : ['/sitemap.xml'];
  for (const p of paths) {
    for (let i = 0; i < 600; i++) {
      const r = await get(p);
      if (r.status === 200) break;
      await sleep(1000);
    }
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------
// The well-behaved reader.

interface Sample {
  kind: 'page' | 'search';
  ms: number;
  status: number;
  /** A search's Server-Timing (the reader sends the metrics token: see src/search/timing.ts). */
  timing?: string;
  /** When it was sent (ms since the phase's start). */
  at?: number;
  path?: string;
}

async function reader(
  url: string,
  paths: { stories: string[]; cables: string[] },
  until: () => boolean,
): Promise<Sample[]> {
  const rng = new Rng(7);
  const get = client(url, {
    'x-forwarded-for': '10.77.0.1',
    'accept-encoding': 'gzip',
    'x-metrics-token': METRICS_TOKEN,
  });
  const start = Date.now();
  const words = [
    'lima',
    'embassy',
    'minister',
    'oil',
    'election',
    '"human rights"',
    'trade',
    'security',
  ];
  const pick = <T>(xs: T[]) => xs[rng.int(xs.length)];
  const samples: Sample[] = [];
  for (let n = 0; !until(); n++) {
    const step = n % 5;
    const [kind, path]: [Sample['kind'], string] =
      step === 0
        ? ['page', '/']
        : step === 1
          ? ['page', pick(paths.stories)]
          : step === 2
            ? ['page', '/terms']
            : step === 3
              ? ['page', pick(paths.cables)]
              : ['search', `/search?q=${encodeURIComponent(pick(words))}`];
    try {
      const at = Date.now() - start;
      const r = await get(path);
      const timing = r.headers['server-timing'];
      samples.push({
        kind,
        ms: r.ms,
        status: r.status,
        at,
        path,
        ...(typeof timing === 'string' ? { timing } : {}),
      });
    } catch {
      samples.push({ kind, ms: NaN, status: 0 });
    }
    // A person reads before the next click (and stays well inside the search rate limit).
    await sleep(250);
  }
  return samples;
}

function stats(samples: Sample[], kind: Sample['kind']) {
  const ok = samples.filter((s) => s.kind === kind && s.status === 200).map((s) => s.ms);
  ok.sort((a, b) => a - b);
  const q = (p: number) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] ?? NaN;
  return {
    n: ok.length,
    bad: samples.filter((s) => s.kind === kind && s.status !== 200).length,
    p50: q(0.5),
    p95: q(0.95),
    max: ok[ok.length - 1] ?? NaN,
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
  const count = Number(values.count);
  const uploadCount = Number(values.upload);
  const seconds = Number(values.seconds);
  const cacheDir = values['cache-dir']!;
  mkdirSync(cacheDir, { recursive: true });
  const uploadFile = await generated(
    join(cacheDir, `cables-${uploadCount}-seed2.csv`),
    uploadCount,
    2,
  );
  const prepared = await prepare(engine, count, cacheDir);
  let server: BenchServer | null = null;
  const startDisk = diskWatch();
  try {
    server = await startServer({
      ...prepared.env,
      DEMO: '0',
      JOBS: '1',
      TRUST_PROXY: '127.0.0.1/32',
      METRICS_TOKEN,
    });
    const url = server.url;
    console.error(`term index ready after ${(await searchIndexReady(server)).toFixed(0)} s`);
    const sitemaps = await sitemapPaths(url);
    const get = client(url, { 'x-forwarded-for': '10.77.0.2' });
    const home = await get('/', { keep: true });
    const stories = [
      ...new Set([...home.body.matchAll(/href="(\/stories\/[^"#?]+)"/g)].map((m) => m[1])),
    ];
    const first = await get(sitemaps[0], { keep: true });
    const cables = [...first.body.matchAll(/<loc>[^<]*?(\/cables\/[^<]+)<\/loc>/g)].map(
      (m) => m[1],
    );
    if (!stories.length || !cables.length) throw new Error('no story or cable links found');
    const rng = new Rng(11);
    const cablePaths = Array.from({ length: 200 }, () => cables[rng.int(cables.length)]);
    const paths = { stories, cables: cablePaths };

    // Warm up (first requests build per-process caches, the first searches read the archive's
    // pages from disk), then the reader alone.
    const warm = Date.now() + Number(values.warmup) * 1000;
    await reader(url, paths, () => Date.now() > warm);
    const startIo = startDisk.stop();
    const load0 = loadavg();
    const m0 = await scrape(url);
    const aloneDisk = diskWatch();
    const aloneEnd = Date.now() + seconds * 1000;
    const alone = await reader(url, paths, () => Date.now() > aloneEnd);
    const aloneIo = aloneDisk.stop();
    const m1 = await scrape(url);
    const aloneMem = server.memory();

    // The abusers start; the reader is measured for the same time, and until the import has ended.
    // With --abusers-nice N the abusive clients' own process (all its threads) runs at nice N, as
    // if they were elsewhere: on this machine their own CPU would otherwise count against the site.
    const abusersNice = Number(values['abusers-nice']);
    const child = fork(
      join(ROOT, 'bench', 'fairness.ts'),
      [
        '--abusers',
        JSON.stringify({ url, sitemaps, uploadFile, editor: EDITOR } satisfies AbuserPlan),
      ],
      abusersNice > 0
        ? {
            execPath: 'nice',
            execArgv: ['-n', String(abusersNice), process.execPath, '--import', 'tsx'],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          }
        : { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    let importEnded = false;
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const reportP = new Promise<AbuseReport>((resolve) =>
      child.on('message', (m: { type: string; report?: AbuseReport }) => {
        if (m.type === 'started') started();
        if (m.type === 'import-ended') importEnded = true;
        if (m.type === 'report') resolve(m.report!);
      }),
    );
    await startedP;
    const load1 = loadavg();
    const m2 = await scrape(url);
    const cpu0 = cpuByNice(server.child.pid!);
    const abuseDisk = diskWatch();
    const abuseStart = Date.now();
    const abused = await reader(
      url,
      paths,
      () =>
        (Date.now() - abuseStart > seconds * 1000 && importEnded) ||
        Date.now() - abuseStart > 15 * 60_000,
    );
    const abuseSeconds = (Date.now() - abuseStart) / 1000;
    const abuseIo = abuseDisk.stop();
    const load2 = loadavg();
    const m3 = await scrape(url);
    const cpu1 = cpuByNice(server.child.pid!);
    child.send({ type: 'stop' });
    const report = await reportP;
    const mem = server.memory();

    const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-').padStart(7);
    const row = (label: string, s: ReturnType<typeof stats>) =>
      `${label.padEnd(22)} ${String(s.n).padStart(6)} ${fmt(s.p50)} ${fmt(s.p95)} ${fmt(s.max)} ${String(s.bad).padStart(6)}`;
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    const statuses = (t: Tally) =>
      Object.entries(t.byStatus)
        .map(([k, v]) => `${k}×${v}`)
        .join(', ');
    // A search answered from the thread's kept answers takes well under 2 ms there (Server-Timing).
    const keptIn = (xs: Sample[]) => {
      const searches = xs.filter((x) => x.kind === 'search' && x.timing);
      const quick = searches.filter((x) => {
        const m = /(?:^|, )thread;dur=([\d.]+)/.exec(x.timing!);
        return m !== null && Number(m[1]) < 2;
      });
      return `${quick.length} of ${searches.length}`;
    };
    const pages = [stats(alone, 'page'), stats(abused, 'page')];
    const searches = [stats(alone, 'search'), stats(abused, 'search')];
    const lines = [
      `machine   ${machine()}`,
      `database  ${engine === 'postgres' ? 'PostgreSQL' : 'SQLite'}, ${count.toLocaleString('en')} generated cables (seed 1)`,
      `load avg  alone ${la(load0)} · abuse start ${la(load1)} · abuse end ${la(load2)} (1/5/15 min; the machine is shared)`,
      `reader    ${seconds} s alone, then ${abuseSeconds.toFixed(0)} s with abuse from ${new Date(abuseStart).toISOString().slice(11, 19)} UTC (8 heavy searchers, 8 sitemap fetchers, one ${uploadCount.toLocaleString('en')}-cable upload${abusersNice > 0 ? `; the abusive clients' process at nice ${abusersNice}` : ''})`,
      '',
      `${'reader'.padEnd(22)} ${'n'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'not ok'.padStart(6)}`,
      row('pages alone', pages[0]),
      row('pages with abuse', pages[1]),
      row('searches alone', searches[0]),
      row('searches with abuse', searches[1]),
      '',
      `reader not ok     ${
        [
          ...alone.map((x) => ({ ...x, phase: 'alone' })),
          ...abused.map((x) => ({ ...x, phase: 'abuse' })),
        ]
          .filter((x) => x.status !== 200)
          .map(
            (x) =>
              `${x.phase} ${x.kind} ${x.status || 'error'} after ${Number.isFinite(x.ms) ? x.ms.toFixed(0) : '-'} ms`,
          )
          .join(', ') || 'none'
      }`,
      `heavy searchers   ${report.heavy.requests} requests: ${statuses(report.heavy)}; errors ${report.heavy.errors}`,
      `sitemap fetchers  ${report.sitemaps.requests} requests: ${statuses(report.sitemaps)}; errors ${report.sitemaps.errors}; ${(report.sitemaps.bytes / 1024 / 1024).toFixed(0)} MiB sent`,
      `upload            ${report.upload.status}: sent in ${report.upload.uploadSeconds.toFixed(1)} s, imported in ${report.upload.importSeconds.toFixed(1)} s${report.upload.summary ? ` ${JSON.stringify(report.upload.summary)}` : ''}${report.upload.error ? ` (${report.upload.error})` : ''}`,
      `server CPU        during abuse, by thread nice value: ${[...cpu1]
        .sort((a, b) => a[0] - b[0])
        .map(([n, t]) => `nice ${n} ${(t - (cpu0.get(n) ?? 0)).toFixed(0)} s`)
        .join(', ')} (of ${(abuseSeconds * 2).toFixed(0)} core-seconds)`,
      `server RSS        alone ${aloneMem.rssMiB.toFixed(0)} MiB, after abuse ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`,
      '',
      `reader searches worked out in the thread within 2 ms (answered from kept answers): alone ${keptIn(alone)}, with abuse ${keptIn(abused)}; during a catch-up ${keptIn(abused.filter((x) => /(^|, )catchup(,|$)/.test(x.timing ?? '')))}`,
      'reader searches with abuse, slowest first (server timing, ms):',
      ...abused
        .filter((x) => x.kind === 'search')
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 6)
        .map(
          (x) =>
            `  ${x.ms.toFixed(0).padStart(5)} at ${((x.at ?? 0) / 1000).toFixed(1)} s ${decodeURIComponent(x.path?.split('q=')[1] ?? '')}: ${x.timing ?? '-'}`,
        ),
      'reader searches alone, slowest first:',
      ...alone
        .filter((x) => x.kind === 'search')
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map(
          (x) =>
            `  ${x.ms.toFixed(0).padStart(5)} at ${((x.at ?? 0) / 1000).toFixed(1)} s ${decodeURIComponent(x.path?.split('q=')[1] ?? '')}: ${x.timing ?? '-'}`,
        ),
      '',
      'server, alone:',
      ...serverView(m0, m1).map((l) => `  ${l}`),
      'server, with abuse:',
      ...serverView(m2, m3).map((l) => `  ${l}`),
      '',
      `disk (the whole machine's; the run's copy ${values['dirty-copy'] ? 'NOT written back first: --dirty-copy' : 'written back before the server started'}):`,
      `  start and warm-up  ${startIo}`,
      `  alone              ${aloneIo}`,
      `  with abuse         ${abuseIo}`,
      '',
    ];
    const ratio = (a: ReturnType<typeof stats>, b: ReturnType<typeof stats>) => b.p95 / a.p95;
    const pr = ratio(pages[0], pages[1]);
    const sr = ratio(searches[0], searches[1]);
    lines.push(
      `target    reader p95 with abuse ≤ 2× alone: pages ${pr.toFixed(2)}× ${pr <= 2 ? 'met' : 'MISSED'}, searches ${sr.toFixed(2)}× ${sr <= 2 ? 'met' : 'MISSED'}`,
    );
    console.log(lines.join('\n'));
    const readerErrors = pages[1].bad + searches[1].bad + pages[0].bad + searches[0].bad;
    if (pr > 2 || sr > 2 || readerErrors > 0 || report.upload.status !== 'done')
      process.exitCode = 1;
  } finally {
    await server?.stop();
    await prepared.cleanup();
  }
}

if (values.abusers) await runAbusers(JSON.parse(values.abusers) as AbuserPlan);
else await main();
