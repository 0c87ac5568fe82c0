// Compiles the site for production into dist/ with esbuild (`npm run build`; `npm start` runs it
// through `prestart`, which skips the build while dist/ is fresh).
//
// Layout: one flat folder. dist/main.js starts the server, dist/cli.js is the `broadsheet`
// command, and every src/**/*-worker.ts becomes dist/NAME-worker.js, so that
// src/platform/workers.ts finds a worker as the .js sibling of the module that starts it (and
// every src/**/*-hooks.ts dist/NAME-hooks.js, for the modules manifests name: moduleEntry). Shared
// code goes into chunks next to them, and modules imported lazily stay lazy. The data folders the
// code reads next to itself (web/assets, licensing/data, demo) are copied alongside.
// Packages are bundled, except the few listed in EXTERNAL.
//
//   node scripts/build.mjs              build
//   node scripts/build.mjs --if-stale   build only when the sources changed since the last build
//   node scripts/build.mjs --outdir D   build into D instead of dist/
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const STAMP = '.build-stamp';

/** Packages loaded from node_modules at run time rather than bundled (see build()). */
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'pdfkit', 'tsx', 'esbuild'];

/** Folders of data read at run time relative to the module that reads them: source → name in dist/. */
const DATA_DIRS = [
  ['src/web/assets', 'assets'],
  ['src/licensing/data', 'data'],
  ['src/demo', 'demo'],
];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * Every src/**\/*-worker.ts, and every src/**\/*-hooks.ts (modules a manifest names for loading at
 * run time, such as search's bulk-load hooks, see moduleEntry in src/platform/workers.ts); each
 * becomes an entry point of its own.
 */
export function workerEntries() {
  return walk(join(ROOT, 'src'))
    .filter((f) => f.endsWith('-worker.ts') || f.endsWith('-hooks.ts'))
    .sort();
}

/** A fingerprint of everything the build reads: the sources, this script and the lockfile. */
export function sourceFingerprint() {
  const files = [
    ...walk(join(ROOT, 'src')),
    join(ROOT, 'scripts', 'build.mjs'),
    join(ROOT, 'package-lock.json'),
    join(ROOT, 'tsconfig.json'),
  ];
  const h = createHash('sha256');
  for (const f of files.sort()) {
    if (!existsSync(f)) continue;
    const s = statSync(f);
    h.update(`${relative(ROOT, f)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** True when `outdir` holds a build of the current sources. */
export function isFresh(outdir = DIST) {
  try {
    return readFileSync(join(outdir, STAMP), 'utf8') === sourceFingerprint();
  } catch {
    return false;
  }
}

export async function build(outdir = DIST) {
  const { build: esbuild } = await import('esbuild');
  const fingerprint = sourceFingerprint();
  const workers = workerEntries();
  const names = workers.map((f) => basename(f, '.ts'));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup)
    throw new Error(
      `two entry files are named ${dup}.ts; dist/ is flat, so worker and hook module names must be unique`,
    );

  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  // dist/main.js only starts the server: src/main.ts is also imported by the CLI (`broadsheet
  // serve`), so its own entry check cannot tell which file node was started with in a bundle.
  const startEntry = {
    name: 'start-entry',
    setup(b) {
      b.onResolve({ filter: /^broadsheet:start$/ }, () => ({
        path: 'start',
        namespace: 'broadsheet',
      }));
      b.onLoad({ filter: /.*/, namespace: 'broadsheet' }, () => ({
        contents: "import { serve } from './src/main.ts';\nawait serve();\n",
        resolveDir: ROOT,
        loader: 'js',
      }));
    },
  };
  await esbuild({
    absWorkingDir: ROOT,
    entryPoints: [
      { in: 'broadsheet:start', out: 'main' },
      { in: 'src/cli.ts', out: 'cli' },
      ...workers.map((f) => ({ in: relative(ROOT, f), out: basename(f, '.ts') })),
    ],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages are bundled too: loading one large file is much faster than resolving and loading
    // the thousand small ones in node_modules. These stay there: native code (better-sqlite3), the
    // PostgreSQL client (loaded only with DATABASE_URL; it requires pg-native when present),
    // pdfkit (reads its font files next to itself; loaded at the first invoice PDF), and the
    // development tools.
    external: EXTERNAL,
    // Bundled CommonJS code calls require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [startEntry],
  });
  for (const [from, to] of DATA_DIRS)
    cpSync(join(ROOT, from), join(outdir, to), { recursive: true });
  writeFileSync(join(outdir, STAMP), fingerprint);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  const outdir = at >= 0 ? resolve(args[at + 1]) : DIST;
  if (args.includes('--if-stale') && isFresh(outdir)) process.exit(0);
  const t0 = performance.now();
  await build(outdir);
  console.log(
    `built ${relative(process.cwd(), outdir) || '.'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
