/**
 * Start-up: time from spawning the server to its first answered request (GET / with status 200),
 * and its resident memory right then, for the ways the site can be started:
 *
 *   tsx       node --import tsx src/main.ts   (what `npm start` ran before, and `npm run dev` now)
 *   compiled  node dist/main.js               (what `npm start` runs)
 *   npm start npm start                       (the same, through npm and the freshness check)
 *
 * Every start uses the same demo database (created and migrated by one start beforehand), so the
 * figures measure loading the code and opening the site, not creating it. The runs of the
 * variants alternate, so a busy moment on the machine falls on all of them alike.
 *
 *   npm run bench -- startup [--runs N] [--only tsx,compiled,npm]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort } from './_server.ts';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(opt('runs') ?? 5);

interface Variant {
  name: string;
  command: string;
  args: string[];
}
const VARIANTS: Variant[] = [
  {
    name: 'tsx',
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'src', 'main.ts')],
  },
  { name: 'compiled', command: process.execPath, args: [join(ROOT, 'dist', 'main.js')] },
  { name: 'npm start', command: 'npm', args: ['start', '--silent'] },
];
const only = opt('only')?.split(',');
const variants = only
  ? VARIANTS.filter((v) => only.includes(v.name) || only.includes(v.name.split(' ')[0]))
  : VARIANTS;

/** Resident memory of a process and all its descendants' largest member, in MiB. */
function rssMiB(pid: number): number {
  let best = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      best = Math.max(best, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(/\s+/) : []) visit(Number(k));
      }
    } catch {
      /* the process is gone */
    }
  };
  visit(pid);
  return best;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  // npm start runs the server in its own child: signal the whole group.
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  await exited;
}

async function startOnce(v: Variant, dataDir: string): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(v.command, v.args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}/`;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${v.name}: the server exited with ${child.exitCode}`);
      if (performance.now() - t0 > 120_000) throw new Error(`${v.name}: no answer in 120 s`);
      try {
        const r = await fetch(url);
        await r.arrayBuffer();
        if (r.status === 200) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - t0;
    return { ms, rss: rssMiB(child.pid!) };
  } finally {
    await stop(child);
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(1);

const dataDir = mkdtempSync(join(tmpdir(), 'broadsheet-startup-'));
try {
  console.log(
    `machine: ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const first = await startOnce(VARIANTS[1], dataDir);
  console.log(
    `creating the demo database (first start, compiled): ${(first.ms / 1000).toFixed(2)} s`,
  );
  const results = new Map<string, { ms: number[]; rss: number[] }>(
    variants.map((v) => [v.name, { ms: [], rss: [] }]),
  );
  for (let i = 0; i < RUNS; i++) {
    for (const v of variants) {
      const r = await startOnce(v, dataDir);
      results.get(v.name)!.ms.push(r.ms);
      results.get(v.name)!.rss.push(r.rss);
    }
  }
  console.log(`\n${RUNS} starts each on the demo database (SQLite), to the first answered GET /\n`);
  console.log('start       first answer, s (median, min–max)    RSS then, MiB (median, min–max)');
  for (const v of variants) {
    const { ms, rss } = results.get(v.name)!;
    const t = stats(ms);
    const m = stats(rss);
    console.log(
      `${v.name.padEnd(10)}  ${(t.median / 1000).toFixed(2).padStart(6)}  (${(t.min / 1000).toFixed(2)}–${(t.max / 1000).toFixed(2)})` +
        `                ${m.median.toFixed(0).padStart(5)}  (${m.min.toFixed(0)}–${m.max.toFixed(0)})`,
    );
  }
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
