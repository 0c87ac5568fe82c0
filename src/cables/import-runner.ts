/**
 * Runs `importCables` on a worker thread with its own database connection (the dashboard upload
 * job and `broadsheet cables import` both do): the process's event loop and its connection keep
 * serving pages while the import reads, parses and commits its small transactions, at a low CPU
 * priority (nice BACKGROUND_NICE on Linux, see src/platform/thread-priority.ts).
 */
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import { bulkLoadModules } from '../platform/bulk-load.ts';
import type { ImportOptions, ImportProgress, ImportSummary } from './importer.ts';

export type WorkerImportOptions = Omit<ImportOptions, 'hooks' | 'bulkLoad'> & {
  /** Told once the thread runs, with its nice value (null where priorities are per process). */
  onStarted?: (thread: { nice: number | null }) => void;
};

/**
 * Imports `files` on a worker thread; only `db.target` is used here, never its connection. Settles
 * once the worker has exited, so its connection is closed (on SQLite, closing the last
 * connection folds the WAL back in and holds the file's lock meanwhile) before the caller goes on.
 */
export function importInWorker(
  db: Pick<Db, 'target'>,
  files: string[],
  opts: WorkerImportOptions = {},
): Promise<ImportSummary> {
  const { onProgress, onStarted, ...options } = opts;
  return new Promise((resolve, reject) => {
    let outcome: { summary: ImportSummary } | { error: Error } | null = null;
    const worker = startWorker(import.meta.url, './import-worker.ts', {
      // The thread loads no feature: it imports the bulk-load hooks registered here by module.
      workerData: { target: db.target, files, options, bulkLoad: bulkLoadModules() },
    });
    worker.on(
      'message',
      (
        msg:
          | { type: 'started'; nice: number | null }
          | { type: 'progress'; progress: ImportProgress }
          | { type: 'done'; summary: ImportSummary }
          | { type: 'error'; message: string },
      ) => {
        if (msg.type === 'started') onStarted?.({ nice: msg.nice });
        else if (msg.type === 'progress') onProgress?.(msg.progress);
        else if (!outcome)
          outcome =
            msg.type === 'done' ? { summary: msg.summary } : { error: new Error(msg.message) };
      },
    );
    worker.on('error', (err) => {
      outcome ??= { error: err };
    });
    worker.on('exit', (code) => {
      if (outcome && 'summary' in outcome) resolve(outcome.summary);
      else
        reject(
          outcome?.error ??
            new Error(`the import worker stopped (exit code ${code}) before it finished`),
        );
    });
  });
}
