/**
 * Runs `importCables` on a worker thread with its own database connection (the dashboard upload
 * job and `broadsheet cables import` both do): the process's event loop and its connection keep
 * serving pages while the import reads, parses and commits its small transactions.
 */
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import type { ImportOptions, ImportProgress, ImportSummary } from './importer.ts';

export type WorkerImportOptions = Omit<ImportOptions, 'hooks'>;

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
  const { onProgress, ...options } = opts;
  return new Promise((resolve, reject) => {
    let outcome: { summary: ImportSummary } | { error: Error } | null = null;
    const worker = startWorker(import.meta.url, './import-worker.ts', {
      workerData: { target: db.target, files, options },
    });
    worker.on(
      'message',
      (
        msg:
          | { type: 'progress'; progress: ImportProgress }
          | { type: 'done'; summary: ImportSummary }
          | { type: 'error'; message: string },
      ) => {
        if (msg.type === 'progress') onProgress?.(msg.progress);
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
