// Cable import to fast search: `npm run bench -- import [--file F.csv] [--count N] [--seed S]
//   [--workers W] [--no-floor] [--no-parser] [--rebuild-at-start] [--keep DIR] [--pg postgres://…]`
//
// 1. the floor: a bare SQLite FTS5 load and build of the same text (better-sqlite3, one table,
//    the site's tokenizer, transactions of 10,000 rows), no parsing and no other table;
// 2. `broadsheet cables import` (the CLI command itself) into a fresh SQLite data directory:
//    seconds, CPU time of all threads, peak RSS of the process;
// 3. the site started on that data directory, and the time until its search answers from the term
//    index (x-search-index: memory, every search worker), with the server's peak RSS
//    (--rebuild-at-start removes the index file the import wrote first: the server builds it);
// and the total from the start of the import to term-index answers. With --pg, the same import
// into a fresh PostgreSQL schema (import time only). Load averages before and after, since on a
// shared 2-core machine the figures only mean something next to them.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCables, writeGeneratedCsv } from '../tools/generate-cables.ts';
import { readCables } from '../src/cables/readers.ts';
import { parseCable } from '../src/cables/parse/index.ts';
import { cablesCommands } from '../src/cables/cli.ts';
import { connect } from '../src/platform/db.ts';
import { commandContext } from '../src/features.ts';
import { startServer, searchIndexReady } from './_server.ts';
import { TERMS_FILE } from '../src/search/search-index.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const count = Number(arg('count') ?? 251287);
const seed = Number(arg('seed') ?? 1);
const workers = arg('workers');
const pgUrl = arg('pg');
const here = path.dirname(fileURLToPath(import.meta.url));
const mb = (n: number) => n / 1e6;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** True when `file` starts with the first rows the generator makes for this count and seed. */
function sameCorpus(file: string): boolean {
  if (!existsSync(file)) return false;
  const rows = generateCables({ count, seed });
  let head = '';
  for (let i = 0; i < 5 && i < count; i++) head += rows.next().value as string;
  const want = Buffer.from(head, 'utf8');
  const got = Buffer.alloc(want.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, got, 0, got.length, 0);
  } finally {
    closeSync(fd);
  }
  return got.equals(want);
}

let file = arg('file');
if (file) {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  console.log(`corpus    ${file}`);
} else {
  const cached = [
    path.join(here, 'out', `cables-${count}-${seed}.csv`),
    ...(seed === 1 ? [path.join(tmpdir(), `cables-${count}.csv`)] : []),
  ];
  file = cached.find(sameCorpus);
  if (file) {
    console.log(`corpus    reusing ${file}`);
  } else {
    file = cached[0];
    mkdirSync(path.dirname(file), { recursive: true });
    const t0 = performance.now();
    const { rows, bytes } = await writeGeneratedCsv(file, { count, seed });
    const s = (performance.now() - t0) / 1000;
    console.log(
      `corpus    generated ${rows} rows, ${mb(bytes).toFixed(1)} MB in ${s.toFixed(1)} s → ${file}`,
    );
  }
}
const size = statSync(file).size;
console.log(
  `machine   ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
);
console.log(`load      ${load()} (1, 5, 15 min) before`);

if (!flag('no-parser')) {
  // Parser alone, one core: the first 20,000 records (read first, so only parsing is timed).
  const sample: { raw: Parameters<typeof parseCable>[0]; bytes: number }[] = [];
  for await (const item of readCables(file, { format: 'csv' })) {
    if (item.ok)
      sample.push({ raw: item.raw, bytes: item.position.byteEnd - item.position.byteOffset });
    if (sample.length >= 20000) break;
  }
  for (const s of sample.slice(0, 500)) parseCable(s.raw);
  const t0 = performance.now();
  let bytes = 0;
  for (const s of sample) {
    parseCable(s.raw);
    bytes += s.bytes;
  }
  const sec = (performance.now() - t0) / 1000;
  console.log(
    `parser    ${sample.length} cables, ${mb(bytes).toFixed(1)} MB in ${sec.toFixed(2)} s: ${(mb(bytes) / sec).toFixed(1)} MB/s, ${(sample.length / sec).toFixed(0)} cables/s (one core)`,
  );
}

/**
 * The floor: the same text (header + body of every record the reader yields) loaded into one FTS5
 * table with the site's tokenizer by better-sqlite3, in transactions of 10,000 rows, and merged
 * with 'optimize'. Nothing else: no parsing, no other table, no index but FTS5's own.
 */
async function fts5Floor(csv: string): Promise<{ rows: number; seconds: number }> {
  const Sqlite = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-fts5-'));
  try {
    const t0 = performance.now();
    const db = new Sqlite(path.join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(
      `create virtual table t using fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')`,
    );
    const ins = db.prepare('insert into t (title, body) values (?, ?)');
    const flush = db.transaction((rows: [string, string][]) => {
      for (const r of rows) ins.run(r[0], r[1]);
    });
    let rows: [string, string][] = [];
    let n = 0;
    for await (const item of readCables(csv)) {
      if (!item.ok) continue;
      rows.push([item.raw.referenceId ?? '', `${item.raw.header ?? ''}\n${item.raw.body}`]);
      if (rows.length >= 10000) {
        flush(rows);
        n += rows.length;
        rows = [];
      }
    }
    flush(rows);
    n += rows.length;
    db.exec(`insert into t (t) values ('optimize')`);
    db.close();
    return { rows: n, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!flag('no-floor')) {
  const f = await fts5Floor(file);
  console.log(
    `floor     bare FTS5 load + build of the same text (better-sqlite3): ${f.rows} rows in ${f.seconds.toFixed(1)} s (load ${load()})`,
  );
}

const cmd = cablesCommands.find((c) => c.name === 'cables import')!;
process.env.LOG_LEVEL = 'silent';
process.env.DEMO = '0';

/** Runs the CLI import into the given database; seconds and CPU time of all threads. */
async function runImport(env: { DATA_DIR: string; DATABASE_URL: string }) {
  Object.assign(process.env, env);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const code = await cmd.run([...(workers ? ['--workers', workers] : []), file!], commandContext);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (code !== 0) throw new Error(`import exited with ${code}`);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6 };
}

// SQLite: import into a fresh data directory, then start the site on it and wait for term-index answers.
// --keep DIR: import into DIR (new or empty) and leave it there, for the search and start-up benches.
const keepDir = arg('keep');
if (keepDir) {
  mkdirSync(keepDir, { recursive: true });
  if (readdirSync(keepDir).length > 0)
    throw new Error(`--keep ${keepDir}: the directory is not empty`);
}
const dataDir = keepDir ?? mkdtempSync(path.join(tmpdir(), 'bench-import-'));
try {
  const imp = await runImport({ DATA_DIR: dataDir, DATABASE_URL: '' });
  const peakImport = process.resourceUsage().maxRSS / 1024;
  const db = await connect({ dataDir, databaseUrl: null });
  const n = Number(
    (
      await db.kysely
        .selectFrom('cables')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  await db.close();
  const dbBytes = readdirSync(dataDir).reduce(
    (a, f) => a + statSync(path.join(dataDir, f)).size,
    0,
  );
  console.log(
    `import    ${n} cables, ${mb(size).toFixed(1)} MB in ${imp.seconds.toFixed(1)} s: ${(n / imp.seconds).toFixed(0)} cables/s` +
      `${workers ? ` (${workers} parse workers)` : ''} (SQLite; load ${load()})`,
  );
  console.log(
    `cpu       ${imp.cpu.toFixed(1)} s (all threads: ${(imp.cpu / imp.seconds).toFixed(2)} cores busy on average)`,
  );
  console.log(`peak RSS  ${peakImport.toFixed(0)} MB (import process)`);
  console.log(`data dir  ${mb(dbBytes).toFixed(0)} MB (database, WAL and term-index file)`);
  if (flag('rebuild-at-start')) {
    // For comparison: the server builds the term index itself, as it did before the import wrote it.
    rmSync(path.join(dataDir, TERMS_FILE), { force: true });
    console.log('server    term index file removed: the server builds it');
  }
  const t1 = performance.now();
  const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', DEMO: '0', JOBS: '0' });
  try {
    const up = (performance.now() - t1) / 1000;
    await searchIndexReady(server);
    const ready = (performance.now() - t1) / 1000;
    const mem = server.memory();
    console.log(
      `server    answering in ${up.toFixed(1)} s, from the term index ${ready.toFixed(1)} s after start; RSS ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`,
    );
    console.log(
      `total     ${(imp.seconds + ready).toFixed(1)} s from the start of the import to term-index answers (target ≤ 90 s; load ${load()})`,
    );
  } finally {
    await server.stop();
  }
} finally {
  if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
}

if (pgUrl) {
  const pg = (await import('pg')).default;
  const schema = `bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const pgDir = mkdtempSync(path.join(tmpdir(), 'bench-import-pg-'));
  try {
    const sep = pgUrl.includes('?') ? '&' : '?';
    const imp = await runImport({
      DATA_DIR: pgDir,
      DATABASE_URL: `${pgUrl}${sep}options=-c%20search_path%3D${schema}`,
    });
    console.log(
      `postgres  import ${imp.seconds.toFixed(1)} s, cpu ${imp.cpu.toFixed(1)} s (this process; the server's own CPU not counted; load ${load()})`,
    );
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    rmSync(pgDir, { recursive: true, force: true });
  }
}
console.log(`load      ${load()} (1, 5, 15 min) after`);
