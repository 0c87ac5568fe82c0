// Runs the test files under test/ with node's test runner, in tiers (Node 20 has no glob support
// in --test, so the files are listed here).
//
//   node scripts/test.mjs                     every tier, one after the other
//   node scripts/test.mjs PATTERN...          only files whose path contains one of the patterns
//   node scripts/test.mjs --tier unit [PAT]   one tier (unit, database, cli, browser)
//   node scripts/test.mjs --list              print each file with its tier, run nothing
//   node scripts/test.mjs --serial            one file at a time in every tier
//
// Which tier a file belongs to follows from the file itself:
//   browser   the name ends in browser.test.ts (drives chromium)
//   cli       the name is cli.test.ts, the file is under test/faults/, or it starts processes
//             (imports node:child_process)
//   database  it opens a database or starts the site: it, or a test helper it imports, calls
//             testDatabase(), testSite(), connect(), migrate() or boot()
//   unit      everything else: pure code, run several files at once
// Each test file has its own database (a temporary SQLite file, or its own PostgreSQL schema), so
// the database tier also runs two files at once; the cli and browser tiers run one at a time
// because they start whole servers and browsers on a 2-core machine.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const TIERS = ['unit', 'database', 'cli', 'browser'];
const CONCURRENCY = {
  unit: Math.max(2, availableParallelism()),
  database: Number(process.env.TEST_DB_CONCURRENCY ?? 2),
  cli: 1,
  browser: 1,
};

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** A test file's text and that of the test helpers it imports (test/**, not test/helpers.ts). */
function withHelpers(file, seen = new Set()) {
  if (seen.has(file)) return '';
  seen.add(file);
  let text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/from '(\.{1,2}\/[^']+\.tsx?)'/g)) {
    const dep = join(dirname(file), m[1]);
    if (
      dep.startsWith('test') &&
      !/^test[\\/](helpers|prerequisites|browser)\.ts$/.test(dep) &&
      existsSync(dep)
    ) {
      text += '\n' + withHelpers(dep, seen);
    }
  }
  return text;
}

export function tierOf(file) {
  if (/browser\.test\.tsx?$/.test(file)) return 'browser';
  const text = withHelpers(file);
  if (
    /(^|\/)cli\.test\.tsx?$/.test(file) ||
    file.split(/[\\/]/).includes('faults') ||
    /from 'node:child_process'/.test(text)
  ) {
    return 'cli';
  }
  if (/\b(testDatabase|testSite|connect|migrate|boot)\(/.test(text)) return 'database';
  return 'unit';
}

const args = process.argv.slice(2);
let only = null;
const at = args.indexOf('--tier');
if (at >= 0) {
  only = args[at + 1];
  args.splice(at, 2);
  if (!TIERS.includes(only)) {
    console.error(`unknown tier ${only}; tiers: ${TIERS.join(', ')}`);
    process.exit(2);
  }
}
const list = args.includes('--list');
const serial = args.includes('--serial');
const filter = args.filter((a) => a !== '--list' && a !== '--serial');
if (serial) for (const t of TIERS) CONCURRENCY[t] = 1;

let files = walk('test', []).sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
const byTier = new Map(TIERS.map((t) => [t, []]));
for (const f of files) byTier.get(tierOf(f)).push(f);

if (list) {
  for (const t of TIERS) for (const f of byTier.get(t)) console.log(`${t.padEnd(9)} ${f}`);
  process.exit(0);
}
if (!files.length) {
  console.error(`no test file matches ${filter.join(' ')}`);
  process.exit(1);
}

const results = [];
for (const tier of only ? [only] : TIERS) {
  const tierFiles = byTier.get(tier);
  if (!tierFiles.length) continue;
  console.log(`\n--- ${tier} tests: ${tierFiles.length} file(s), ${CONCURRENCY[tier]} at a time`);
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${CONCURRENCY[tier]}`,
      '--test-reporter=spec',
      ...tierFiles,
    ],
    { stdio: 'inherit' },
  );
  results.push({
    tier,
    files: tierFiles.length,
    seconds: (performance.now() - t0) / 1000,
    ok: r.status === 0,
  });
}
console.log('\n--- tiers');
for (const r of results)
  console.log(
    `${r.tier.padEnd(9)} ${String(r.files).padStart(3)} files  ${r.seconds.toFixed(1).padStart(6)} s  ${r.ok ? 'pass' : 'FAIL'}`,
  );
process.exit(results.every((r) => r.ok) ? 0 : 1);
