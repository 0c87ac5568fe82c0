#!/usr/bin/env node
// The `broadsheet` command. Runs the compiled CLI (dist/cli.js) when dist/ holds a build of the
// current sources; otherwise runs src/cli.ts through tsx when it is installed (development), and
// builds dist/ first when it is not (an install without dev dependencies).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, isFresh } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return true;
  } catch {
    return false;
  }
}

if (!isFresh() && hasTsx()) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? (r.signal ? 1 : 0));
}
if (!isFresh()) await build();
// src/cli.ts runs its main() when the process was started as `broadsheet.js`.
await import(pathToFileURL(join(root, 'dist', 'cli.js')).href);
