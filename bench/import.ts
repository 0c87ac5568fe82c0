// Cable import end to end: `npm run bench -- import [--count N] [--seed S] [--workers W]`
// Generates (or reuses) the synthetic cables.csv, measures the parser alone on one core, then runs
// `broadsheet cables import` (the CLI command itself) into a fresh SQLite database and prints
// cables/s, seconds (search index included), database size, peak RSS, the CPU time of the import
// (all threads) and the load average before and after (the figures only mean something next to it).
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
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCables, writeGeneratedCsv } from '../tools/generate-cables.ts';
import { readCables } from '../src/cables/readers.ts';
import { parseCable } from '../src/cables/parse/index.ts';
import { cablesCommands } from '../src/cables/cli.ts';
import { connect } from '../src/platform/db.ts';
import { commandContext } from '../src/features.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const count = Number(arg('count') ?? 251287);
const seed = Number(arg('seed') ?? 1);
const workers = arg('workers');
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

const cached = [
  path.join(here, 'out', `cables-${count}-${seed}.csv`),
  ...(seed === 1 ? [path.join(tmpdir(), `cables-${count}.csv`)] : []),
];
let file = cached.find(sameCorpus);
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
const size = statSync(file).size;
console.log(
  `machine   ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
);
console.log(`load      ${load()} (1, 5, 15 min) before`);

// Parser alone, one core: the first 20,000 records (read first, so only parsing is timed).
{
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

// End to end through the CLI command into a fresh SQLite database.
const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-import-'));
process.env.DATA_DIR = dataDir;
process.env.DATABASE_URL = '';
process.env.LOG_LEVEL = 'silent';
process.env.DEMO = '0';
const cmd = cablesCommands.find((c) => c.name === 'cables import')!;
try {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const code = await cmd.run([...(workers ? ['--workers', workers] : []), file], commandContext);
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (code !== 0) throw new Error(`import exited with ${code}`);
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
    `import    ${n} cables, ${mb(size).toFixed(1)} MB in ${sec.toFixed(1)} s: ${(n / sec).toFixed(0)} cables/s, ${(mb(size) / sec).toFixed(1)} MB/s end to end` +
      `${workers ? ` (${workers} parse workers)` : ''}`,
  );
  console.log(`database  ${mb(dbBytes).toFixed(0)} MB (SQLite, ${n} cables + ${n} stories)`);
  console.log(
    `cpu       ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (all threads: ${((cpu.user + cpu.system) / 1e6 / sec).toFixed(2)} cores busy on average)`,
  );
  console.log(`peak RSS  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`load      ${load()} (1, 5, 15 min) after`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
