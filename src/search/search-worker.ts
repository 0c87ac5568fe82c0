/**
 * Worker thread that answers searches (see remote.ts): it holds the facet columns and the term
 * index and runs SearchService with its own database connection, so matching, facet counting and
 * ranking over the whole archive run beside the server's event loop instead of on it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect, type DbTarget } from '../platform/db.ts';
import { openSearchIndex } from './index.ts';
import { SearchService } from './service.ts';
import type { SearchParams } from './query.ts';

export interface SearchWorkerData {
  /** The database to search (its own connection). */
  db: DbTarget;
  termsFile: string | null;
}

const data = workerData as SearchWorkerData;
const db = await connect(data.db);
const service = new SearchService(db, await openSearchIndex(db), {
  memoryIndex: true,
  termsFile: data.termsFile,
});

type Message = { id: number; params: SearchParams } | { close: true };

parentPort!.on('message', async (msg: Message) => {
  if ('close' in msg) {
    await service.index.close().catch(() => {});
    await db.close().catch(() => {});
    parentPort!.close();
    return;
  }
  try {
    const outcome = await service.search(msg.params);
    parentPort!.postMessage({
      id: msg.id,
      outcome,
      index: service.terms?.ready('cable') ? 'memory' : 'database',
    });
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      error: String((err as Error)?.message ?? err),
      code: (err as { code?: string })?.code,
    });
  }
});
parentPort!.postMessage({ ready: true });
