/**
 * Worker thread of SqliteSearchIndex (sqlite.ts): runs its FTS5 reads (sqlite-reads.ts) on a
 * read-only connection of its own, so a slow query does not hold up the main thread's event loop.
 * Messages out: `{ ready: true }` once the database is open, then `{ id, out }` (typed arrays
 * transferred) or `{ id, error }` for each `{ id, req }` in.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Fts5Reads, transferables, type ReadRequest } from './sqlite-reads.ts';

const reads = new Fts5Reads((workerData as { file: string }).file);
parentPort!.postMessage({ ready: true });

parentPort!.on('message', (msg: { id: number; req: ReadRequest }) => {
  let out;
  try {
    out = reads.run(msg.req);
  } catch (err) {
    const e = err as { message?: unknown; name?: unknown; code?: unknown };
    parentPort!.postMessage({
      id: msg.id,
      error: {
        message: String(e?.message ?? err),
        name: typeof e?.name === 'string' ? e.name : 'Error',
        code: typeof e?.code === 'string' ? e.code : undefined,
      },
    });
    return;
  }
  parentPort!.postMessage({ id: msg.id, out }, transferables(out));
});
