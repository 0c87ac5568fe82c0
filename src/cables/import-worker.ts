/**
 * Worker thread running one import (see import-runner.ts): its own database connection, so the
 * import's reads, parsing and commits never hold the event loop or the connection that serves
 * pages, and a low CPU priority (src/platform/thread-priority.ts), so on a busy machine pages win
 * the cores from it. Its nice value, progress and the summary go back as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect, type DbTarget } from '../platform/db.ts';
import { BACKGROUND_NICE, lowerThisThread } from '../platform/thread-priority.ts';
import { loadBulkLoadHooks, type BulkLoadModule } from '../platform/bulk-load.ts';
import { importCables, type ImportOptions } from './importer.ts';

type Options = Omit<ImportOptions, 'onProgress' | 'hooks' | 'bulkLoad'>;
const { target, files, options, bulkLoad } = workerData as {
  target: DbTarget;
  files: string[];
  options: Options;
  /** The bulk-load hook modules registered in the thread that started this one. */
  bulkLoad: BulkLoadModule[];
};

parentPort!.postMessage({ type: 'started', nice: lowerThisThread(BACKGROUND_NICE) });

// Transactions take the write lock first: the web process writes to the same SQLite file meanwhile.
// On PostgreSQL here, its server process is lowered too (src/platform/thread-priority.ts).
const db = await connect(target, { immediateTransactions: true, serverNice: BACKGROUND_NICE });
try {
  const summary = await importCables(db, files, {
    ...options,
    bulkLoad: await loadBulkLoadHooks(bulkLoad),
    onProgress: (p) => parentPort!.postMessage({ type: 'progress', progress: p }),
  });
  parentPort!.postMessage({ type: 'done', summary });
} catch (err) {
  parentPort!.postMessage({ type: 'error', message: String((err as Error)?.message ?? err) });
} finally {
  await db.close();
}
