/**
 * `npm run bench -- pages [--seconds 10] [--connections 10]`: the story page and the home page
 * served from SQLite with demo content, no cache in front, measured with autocannon.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { machine, startServer } from './_server.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
  },
});
const duration = Number(values.seconds);
const connections = Number(values.connections);

const dataDir = mkdtempSync(join(tmpdir(), 'broadsheet-bench-'));
const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', DEMO: '1' });
try {
  const home = await (await fetch(server.url + '/')).text();
  const storyPath = /href="(\/stories\/cablegate\/[^"]+)"/.exec(home)?.[1];
  if (!storyPath) throw new Error('no Cablegate story on the home page');
  console.log(`machine: ${machine()}`);
  console.log(`engine: sqlite, ${connections} connections, ${duration} s per page, no cache\n`);
  console.log('page   req/s    p50 ms  p99 ms  errors  non-2xx');
  for (const [name, path] of [
    ['story', storyPath],
    ['home', '/'],
  ] as const) {
    // A short warm-up so the JIT and SQLite page cache are hot.
    await autocannon({ url: server.url + path, connections, duration: 2 });
    const r = await autocannon({ url: server.url + path, connections, duration });
    console.log(
      `${name.padEnd(6)} ${r.requests.average.toFixed(0).padStart(6)}  ${String(r.latency.p50).padStart(7)}  ${String(r.latency.p99).padStart(6)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}`,
    );
  }
  const mem = server.memory();
  console.log(`\nserver RSS ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
