/** Benchmark helper: runs the site as its own process (as in production) and reports its memory. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../test/helpers.ts';
export { freePort };

export const ROOT = join(import.meta.dirname, '..');

export interface BenchServer {
  url: string;
  child: ChildProcess;
  /** Resident set size and its peak, in MiB, from /proc. */
  memory(): { rssMiB: number; peakMiB: number };
  stop(): Promise<void>;
}

/**
 * Starts the site on a free port with `env`. From its TypeScript sources through tsx by default;
 * `compiled`: dist/main.js, what `npm start` runs (built first when stale, as `npm start` does).
 */
export async function startServer(
  env: Record<string, string>,
  /** pollMs: how often /healthz is tried while the server starts (a start-up bench wants it fine). */
  opts: { compiled?: boolean; pollMs?: number } = {},
): Promise<BenchServer> {
  const port = await freePort();
  // BENCH_SERVER_ARGS: extra Node options for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean);
  if (opts.compiled) {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], {
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('the build failed');
  }
  const entry = opts.compiled
    ? [join(ROOT, 'dist/main.js')]
    : ['--import', 'tsx', join(ROOT, 'src/main.ts')];
  const child = spawn(process.execPath, [...extra, ...entry], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await fetch(url + '/healthz');
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
  return {
    url,
    child,
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
    },
    async stop() {
      await new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * Searches until the server's search workers answer from their term index (loaded from
 * DATA_DIR/search-terms.bin, or built in its own thread the first time; until then searches come
 * from the database, as after every start), every one of them. Returns the seconds it took (gives up after 30 min).
 * `pollMs`: the pause between two tries.
 */
export async function searchIndexReady(server: BenchServer, pollMs = 1000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const res = await fetch(server.url + '/api/search?q=warmup');
    await res.arrayBuffer();
    const [warm, total] = (res.headers.get('x-search-workers') ?? '0/0').split('/').map(Number);
    if (
      (res.headers.get('x-search-index') === 'memory' && warm === total) ||
      performance.now() - t0 > 30 * 60_000
    )
      break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return (performance.now() - t0) / 1000;
}

export function machine(): string {
  const cpus =
    (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/) ?? [])[1] ??
    'unknown CPU';
  return `${cpus.trim()}, ${Number(readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length)} cores, Node ${process.version}`;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A lean HTTP client for load generators that share the server's cores: node:http over kept-alive
 * connections, asking for gzip as API clients (curl --compressed, Python requests) do and
 * decompressing the answer. fetch() costs about 2 ms of CPU per request here, four times as much,
 * and that CPU is taken from the server being measured.
 */
export function httpClient(base: string, sockets = 64): (path: string) => Promise<HttpResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return (path) =>
    new Promise((resolve, reject) => {
      get(base + path, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const raw = Buffer.concat(chunks);
            const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          } catch (e) {
            reject(e as Error);
          }
        });
      }).on('error', reject);
    });
}
