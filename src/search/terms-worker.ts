/**
 * Worker thread that builds the term index (terms.ts) with its own database connection, so the
 * minutes of tokenising every title and body never hold the server's event loop. It answers with
 * the encoded snapshot (terms-file.ts; in shared memory, not copied) after writing it to
 * the index file when one is given.
 */
import { availableParallelism } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { connect, type DbTarget } from '../platform/db.ts';
import { lowerThisThread } from '../platform/thread-priority.ts';
import { TermIndex } from './terms.ts';
import { Fts5Stemmer, PgStemmer } from './terms-stemmers.ts';
import { PAIRS } from './terms-pairs.ts';
import { PRUNING } from './terms-postings.ts';
import { encodeSnapshot, writeSnapshotFile, type Stamp } from './terms-file.ts';

export interface BuildRequest {
  /** The database to build from (its own connection). */
  db: DbTarget;
  /** Where to keep the snapshot (null: do not keep it). */
  file: string | null;
  /** The caller's settings (tests change them). */
  pairs: typeof PAIRS;
  pruning: typeof PRUNING;
  /**
   * A build after a bulk import: also read the cables waiting for the post-import indexer, and
   * stamp the snapshot with the epoch the database will have once that indexing is done.
   */
  afterImport?: { stamp: Stamp };
  /**
   * Lower this thread to this nice value first (a rebuild while an index answers searches, so it
   * takes what pages and searches leave); absent: the process's priority.
   */
  nice?: number;
}

parentPort!.once('message', async (req: BuildRequest) => {
  try {
    if (req.nice !== undefined) lowerThisThread(req.nice);
    Object.assign(PAIRS, req.pairs);
    Object.assign(PRUNING, req.pruning);
    const db = await connect(req.db);
    const stemmer = db.engine === 'postgres' ? new PgStemmer(db) : new Fts5Stemmer();
    try {
      const terms = new TermIndex(db, stemmer, async () => new Int32Array(0), {
        includeDeferred: !!req.afterImport,
        // Read by the importer: the stamp's instance id needs the write lock, which the importer's
        // thread holds for most of the time while it builds the database's index.
        stamp: req.afterImport?.stamp,
        // The import's build reads on two more threads (the site is not serving meanwhile).
        readThreads: req.afterImport && availableParallelism() >= 2 ? 2 : 0,
      });
      const snap = await terms.snapshot();
      // In shared memory: the thread that asked hands the same memory to the other search threads.
      const blob = encodeSnapshot(snap, true);
      if (req.file) await writeSnapshotFile(req.file, blob).catch(() => {});
      parentPort!.postMessage({ blob });
    } finally {
      stemmer.close();
      await db.close();
    }
  } catch (err) {
    parentPort!.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
});
