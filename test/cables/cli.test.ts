/**
 * The `broadsheet cables` command contract, run as a child process: parse prints one JSON object
 * per cable with exactly the parser's fields, canonical-id, argument errors, and an import that is
 * killed (SIGKILL) mid-way and run again stores every cable exactly once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testDatabase, type TestDb } from '../helpers.ts';
import { connect } from '../../src/platform/db.ts';
import { generateCables, writeGeneratedCsv } from '../../tools/generate-cables.ts';
import { parseCable } from '../../src/cables/parse/index.ts';

const CLI = join(REPO_ROOT, 'src', 'cli.ts');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'cables');
const PARSER_FIELDS = Object.keys(parseCable({ body: '' })).sort();

function cli(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent', DEMO: '0', ...opts.env },
    maxBuffer: 64 << 20,
  });
}

test('cables parse prints one JSON object per cable with exactly the parser fields', () => {
  const r = cli([
    'cables',
    'parse',
    join(FIXTURES, '09LIMA1669.txt'),
    join(FIXTURES, 'multi-section.txt'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(first).sort(), PARSER_FIELDS);
  assert.equal(first.referenceId, '09LIMA1669');
  assert.equal(first.created, '2009-11-25T20:48:00Z');
  assert.deepEqual(first.tags, ['PREL', 'PGOV', 'PTER', 'SNAR', 'MARR', 'PE']);
  for (const l of lines) assert.deepEqual(Object.keys(JSON.parse(l)).sort(), PARSER_FIELDS);
});

test('cables parse reads standard input and takes the fragment hints', () => {
  const text = readFileSync(join(FIXTURES, 'no-header-fragment.txt'), 'latin1');
  const plain = cli(['cables', 'parse', '--format', 'text', '-'], { input: text });
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(JSON.parse(plain.stdout).referenceId, null);
  assert.match(plain.stderr, /warning: /, 'warnings go to stderr');
  const hinted = cli(
    ['cables', 'parse', '--format', 'text', '--reference-id', '05ANKARA99', '--year', '2005', '-'],
    { input: text },
  );
  assert.equal(hinted.status, 0, hinted.stderr);
  const p = JSON.parse(hinted.stdout);
  assert.equal(p.referenceId, '05ANKARA99');
  assert.ok(
    p.references.every((r: string) => r.startsWith('05')),
    JSON.stringify(p.references),
  );
});

test('cables canonical-id prints one canonical id per line', () => {
  const r = cli(['cables', 'canonical-id', '05RIO123', '09LIMA1669', '09lima01669']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['05RIODEJANEIRO123', '09LIMA1669', '09LIMA1669']);
  const bad = cli(['cables', 'canonical-id', 'hello']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /not a cable reference id: hello/);
});

test('npm run generate writes the synthetic corpus, and says what is missing', () => {
  const tool = join(REPO_ROOT, 'tools', 'generate-cables.ts');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', tool, ...args], { encoding: 'utf8' });
  const missing = run(['--count', '10']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--out FILE.csv is required/);
  assert.match(run(['--count', 'ten', '--out', 'x.csv']).stderr, /--count must be a whole number/);
  const dir = mkdtempSync(join(tmpdir(), 'cables-generate-'));
  try {
    const out = join(dir, 'c.csv');
    const r = run(['--count', '25', '--seed', '7', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Wrote 25 cables/);
    assert.equal(readFileSync(out, 'utf8'), [...generateCables({ count: 25, seed: 7 })].join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments get a clear message and exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [
      ['cables', 'parse', '--format', 'xml', 'f'],
      /--format must be one of auto, csv, jsonl, text, html/,
    ],
    [['cables', 'parse', '--year', 'nineteen', 'f'], /--year must be a number/],
    [['cables', 'parse'], /give at least one FILE/],
    [['cables', 'import'], /give at least one FILE/],
    [['cables', 'import', '/no/such/file.csv'], /no such file: \/no\/such\/file.csv/],
    [['cables', 'import', '--batch-size', '0', 'x'], /--batch-size must be at least 1/],
    [['cables', 'parse', '--frobnicate', 'f'], /unknown option --frobnicate/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /Usage: broadsheet cables/);
  }
});

describe(`cables import, killed and run again (${ENGINE})`, () => {
  let tdb: TestDb;
  let dir: string;
  let file: string;
  // Enough batches to be killed part-way; fewer on PostgreSQL, where indexing each cable costs more.
  const COUNT = ENGINE === 'postgres' ? 6000 : 20000;
  before(async () => {
    tdb = await testDatabase();
    dir = mkdtempSync(join(tmpdir(), 'broadsheet-kill-'));
    file = join(dir, 'cables.csv');
    await writeGeneratedCsv(file, { count: COUNT, seed: 5 });
  });
  after(async () => {
    await tdb.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test(
    'every cable is stored exactly once and the counts match',
    { timeout: 600_000 },
    async () => {
      const env = {
        ...process.env,
        LOG_LEVEL: 'silent',
        DEMO: '0',
        DATA_DIR: tdb.config.dataDir,
        DATABASE_URL: tdb.config.databaseUrl ?? '',
      };
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI, 'cables', 'import', '--batch-size', '1000', file],
        { cwd: REPO_ROOT, env },
      );
      let stderr = '';
      const killedAfter = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          // Kill once a batch has been committed (a progress line with some new cables).
          const m = /progress .* new (\d+) /.exec(stderr.split('\n').filter(Boolean).pop() ?? '');
          if (m && Number(m[1]) > 0 && !child.killed) {
            child.kill('SIGKILL');
            resolve(m[1]);
          }
        });
        child.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL')
            reject(new Error(`the import ended (${code}) before it could be killed:\n${stderr}`));
        });
      });
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
      );
      assert.ok(
        Number(killedAfter) > 0 && Number(killedAfter) < COUNT,
        `killed after ${killedAfter}`,
      );

      const db = await connect(tdb.config);
      try {
        const partial = await db.kysely
          .selectFrom('cable_imports')
          .selectAll()
          .executeTakeFirstOrThrow();
        assert.equal(partial.status, 'running');
        assert.ok(Number(partial.byte_offset) > 0);
        const before = Number(
          (
            await db.kysely
              .selectFrom('cables')
              .select((eb) => eb.fn.countAll<number | string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        assert.equal(before, partial.new_count, 'the recorded counts match what was committed');

        const rerun = spawnSync(
          process.execPath,
          ['--import', 'tsx', CLI, 'cables', 'import', '--batch-size', '1000', file],
          { cwd: REPO_ROOT, env, encoding: 'utf8' },
        );
        assert.equal(rerun.status, 0, rerun.stderr);
        assert.match(rerun.stdout, /resumed at byte \d+/);
        assert.match(
          rerun.stdout,
          new RegExp(`${COUNT.toLocaleString('en-GB')} new, 0 updated, 0 unchanged, 0 skipped`),
        );

        const n = async (q: Promise<{ n: number | string }>) => Number((await q).n);
        const cables = await n(
          db.kysely
            .selectFrom('cables')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow(),
        );
        const distinct = await n(
          db.kysely
            .selectFrom('cables')
            .select((eb) => eb.fn.count<number | string>('reference_id').distinct().as('n'))
            .executeTakeFirstOrThrow(),
        );
        const stories = await n(
          db.kysely
            .selectFrom('stories')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('cable_reference_id', 'is not', null)
            .executeTakeFirstOrThrow(),
        );
        assert.equal(cables, COUNT);
        assert.equal(distinct, COUNT);
        assert.equal(stories, COUNT);
        const done = await db.kysely
          .selectFrom('cable_imports')
          .selectAll()
          .executeTakeFirstOrThrow();
        assert.equal(done.status, 'done');
        assert.equal(done.new_count, COUNT);
      } finally {
        await db.close();
      }
    },
  );
});
