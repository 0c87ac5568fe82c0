// The dependency rule (docs/ARCHITECTURE.md), run by `npm run depcheck` and .ci/run:
// 1. dependency-cruiser validates .dependency-cruiser.cjs (who may import whom, module cycles);
// 2. no cycle between folders of src/ (a folder is a feature, `platform`, `lib` or `web`;
//    src/config.ts counts as platform; the entry files src/*.ts are left out: they assemble the rest).
import { spawnSync } from 'node:child_process';

const bin = 'node_modules/.bin/depcruise';
const rules = spawnSync(bin, ['src', '--config', '.dependency-cruiser.cjs'], { stdio: 'inherit' });
if (rules.status !== 0) process.exit(rules.status ?? 1);

const json = spawnSync(
  bin,
  ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
  {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  },
);
if (json.status !== 0) {
  process.stderr.write(json.stderr);
  process.exit(json.status ?? 1);
}
const { modules } = JSON.parse(json.stdout);

function folderOf(path) {
  if (path === 'src/config.ts') return 'platform';
  const m = /^src\/([^/]+)\//.exec(path);
  return m ? m[1] : null;
}

/**
 * Folder edges allowed to close a cycle: none. A feature that shows or derives something for
 * another fills a place the other exposes (the story pages' slots, src/stories/slots.ts; the cable
 * page's related cables, src/cables/related.ts) or names a hook in its manifest (bulk loads,
 * src/platform/bulk-load.ts). An exception would be listed here while it waits for its own change;
 * an entry that no longer exists must be removed.
 */
const KNOWN = new Set([]);

/** folder -> folder -> one module edge that makes it (for the message). */
const edges = new Map();
for (const m of modules) {
  const from = folderOf(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = folderOf(d.resolved);
    if (!to || to === from || KNOWN.has(`${from} → ${to}`)) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${m.source} → ${d.resolved}`);
  }
}

// Tarjan's strongly connected components: every component of more than one folder is a cycle.
const folders = [
  ...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]),
].sort();
const index = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const components = [];
let next = 0;
function visit(v) {
  index.set(v, next);
  low.set(v, next++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const c = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      c.push(w);
    } while (w !== v);
    if (c.length > 1) components.push(c.sort());
  }
}
for (const f of folders) if (!index.has(f)) visit(f);

const seen = new Set(
  modules.flatMap((m) =>
    m.dependencies.map((d) => `${folderOf(m.source)} → ${folderOf(d.resolved)}`),
  ),
);
const stale = [...KNOWN].filter((k) => !seen.has(k));
if (stale.length) {
  console.error(
    `scripts/depcheck.mjs: remove from KNOWN (no longer imported): ${stale.join(', ')}`,
  );
  process.exit(1);
}
if (components.length === 0) {
  console.log(
    `no cycles between the ${folders.length} folders of src/` +
      (KNOWN.size ? ` (known, listed in scripts/depcheck.mjs: ${[...KNOWN].join('; ')})` : ''),
  );
  process.exit(0);
}
for (const c of components) {
  console.error(`folders in a cycle: ${c.join(', ')}`);
  for (const a of c)
    for (const [b, why] of edges.get(a) ?? [])
      if (c.includes(b)) console.error(`  ${a} → ${b}: ${why}`);
}
process.exit(1);
