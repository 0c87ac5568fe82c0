/**
 * Worker thread that answers searches (see remote.ts): it holds the facet columns and the term
 * index and runs SearchService with its own database connection, so matching, facet counting and
 * ranking over the whole archive run beside the server's event loop instead of on it. A heavy-search
 * thread lowers its own CPU priority first (see remote.ts). The leader
 * loads or builds the term index and tells the parent (in shared memory); followers are handed it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect, type DbTarget } from '../platform/db.ts';
import { lowerThisThread, threadNice } from '../platform/thread-priority.ts';
import { openSearchIndex } from './search-index.ts';
import { SearchService, type SearchBudget, type SearchOutcome } from './service.ts';
import { parseSearchParams, type SearchParams } from './query.ts';
import type { RelatedCable } from './related.ts';
import { GcPauses, sharedNow, withTiming, type SearchTiming } from './timing.ts';

export interface SearchWorkerData {
  /** The database to search (its own connection). */
  db: DbTarget;
  termsFile: string | null;
  role: 'leader' | 'follower';
  /** A follower: the leader's term index when it has one already (shared memory). */
  shared: Uint8Array | null;
  /** Lower this thread to this nice value (a heavy-search thread); null: keep the process's. */
  nice: number | null;
  /** Answers kept for repeated searches (null: the default). */
  answerCache: number | null;
}

/** To the worker: a search, the leader's new term index (followers), or close. */
export type WorkerRequest =
  | {
      id: number;
      params: SearchParams;
      budget?: Omit<SearchBudget, 'now'>;
      /** When the search was posted (sharedNow()), to time its wait in this thread. */
      sentAt?: number;
    }
  | { id: number; related: { referenceId: string; k: number; timeMs: number } }
  | { shared: Uint8Array }
  | { close: true };

/** From the worker: started; the term index is ready; (the leader) its index to share; answers. */
export type WorkerReply =
  | { ready: true; nice: number | null }
  | { warm: true; source: string | null }
  | { shared: Uint8Array }
  | { id: number; outcome: SearchOutcome; index: 'memory' | 'database'; timing?: SearchTiming }
  | { id: number; related: RelatedCable[] | null }
  | { id: number; error: string; code?: string };

/**
 * Searches run once when the term index is first ready, before this thread says it is warm: they
 * compile the hot paths (counting with and without filters, ranking with and without champion
 * lists, a prefix, snippets and reading hits) so the first searches of readers are not the ones
 * that pay for it. Words any cable archive has; their answers are not kept. One pass: on the full
 * archive a second pass took as long as the first (each of these searches runs over most of the
 * archive, so one already runs every loop long enough to be optimised), and it doubled the time
 * from start to a warm thread.
 */
const WARM_UP: Record<string, string>[] = [
  { q: 'embassy' },
  { q: 'official meeting' },
  { q: 'report*' },
  { q: 'embassy', classification: 'secret' },
  { q: 'meeting officials', sort: 'newest' },
  { q: 'government', kind: 'cable', page: '2' },
];
let warmedUp = false;

async function warmUp(): Promise<void> {
  if (warmedUp) return;
  warmedUp = true;
  for (const raw of WARM_UP) {
    const p = parseSearchParams(raw);
    if (p.ok) await service.search(p.value).catch(() => {});
  }
}

const data = workerData as SearchWorkerData;
const gc = new GcPauses();
await gc.start();
// First, so the index loading and everything after runs at the thread's priority.
const nice = data.nice === null ? threadNice() : lowerThisThread(data.nice);
// A heavy-search thread's PostgreSQL server process is lowered too (on this machine, when allowed).
// A 16 MiB page cache instead of 64: on the full archive the two threads' caches filled with the
// rows of their start (columns) and of hits, about 130 MiB of the server's RSS, for the same search
// times (the pages stay in the operating system's cache).
const db = await connect(data.db, {
  cacheKiB: 16384,
  ...(data.nice === null ? {} : { serverNice: data.nice }),
});
const service = new SearchService(db, await openSearchIndex(db), {
  memoryIndex: true,
  termsFile: data.termsFile,
  answerCache: data.answerCache ?? undefined,
  terms: {
    role: data.role,
    shared: data.shared,
    onShared: (blob) => parentPort!.postMessage({ shared: blob } satisfies WorkerReply),
    onReady: () =>
      void warmUp().then(() =>
        parentPort!.postMessage({
          warm: true,
          source: service.terms?.lastBuildSource ?? null,
        } satisfies WorkerReply),
      ),
  },
});
// Load the facet columns now (their first load starts the term index: a follower installs the
// leader's, when it has one already), not on the first search sent here.
void service.columns.sync().catch(() => {});

parentPort!.on('message', async (msg: WorkerRequest) => {
  if ('close' in msg) {
    await service.index.close().catch(() => {});
    await db.close().catch(() => {});
    parentPort!.close();
    return;
  }
  if ('shared' in msg) {
    void service.terms?.offer(msg.shared);
    return;
  }
  try {
    if ('related' in msg) {
      const { referenceId, k, timeMs } = msg.related;
      const related = await service.related(referenceId, k, timeMs);
      parentPort!.postMessage({ id: msg.id, related } satisfies WorkerReply);
      return;
    }
    const t0 = performance.now();
    const timing: SearchTiming = {};
    if (msg.sentAt !== undefined) timing.postMs = Math.max(0, sharedNow() - msg.sentAt);
    const outcome = await withTiming(timing, () => service.search(msg.params, msg.budget ?? {}));
    timing.gcMs = gc.within(t0, t0 + timing.threadMs!);
    parentPort!.postMessage({
      id: msg.id,
      outcome,
      index: service.terms?.ready('cable') ? 'memory' : 'database',
      timing,
    } satisfies WorkerReply);
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      error: String((err as Error)?.message ?? err),
      code: (err as { code?: string })?.code,
    } satisfies WorkerReply);
  }
});
parentPort!.postMessage({ ready: true, nice } satisfies WorkerReply);
