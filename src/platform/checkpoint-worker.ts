/**
 * The checkpoint thread (see checkpoint.ts): its own connection to the SQLite file, lowered to
 * background priority; each 'checkpoint' message runs a PASSIVE checkpoint and answers with its
 * result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { BACKGROUND_NICE, lowerThisThread } from './thread-priority.ts';

const { file } = workerData as { file: string };

lowerThisThread(BACKGROUND_NICE);
const handle = new Database(file);
// Never wait inside SQLite: a checkpoint that meets a lock is simply tried at the next tick.
handle.pragma('busy_timeout = 0');
handle.pragma('wal_autocheckpoint = 0');

parentPort!.on('message', (m) => {
  if (m === 'checkpoint') {
    let result: unknown = null;
    try {
      result = handle.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      result = { error: String((err as Error)?.message ?? err) };
    }
    parentPort!.postMessage(result);
  } else if (m === 'stop') {
    try {
      handle.close();
    } catch {
      // already closed
    }
    parentPort!.close();
  }
});
