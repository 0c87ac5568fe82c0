/**
 * The search index around a bulk load of cables (src/platform/bulk-load.ts; named by the search
 * manifest, loaded by the importer, also on its worker thread): the index is not kept row by row
 * during the load (`deferCableIndex`), and catches up once it is done (`indexCablesAfterImport`).
 * For a site that is not running (`startFilesDir`), the term index is built on another thread
 * meanwhile and written where the site loads it at start (`buildTermIndexForImport`).
 */
import type { BulkLoadHook } from '../platform/bulk-load.ts';
import {
  buildTermIndexForImport,
  deferCableIndex,
  indexCablesAfterImport,
  markBulkChanges,
  termsFileOf,
} from './search-index.ts';

/**
 * Cables per search-indexing transaction: one statement computes and indexes every tsvector of a
 * batch on PostgreSQL (about 1.4 ms a cable under GIN on a 2-core machine, so under a second), a
 * batch of FTS5 rows on SQLite; small enough that the write lock is never held for long while the
 * site serves pages.
 */
const INDEX_BATCH = { postgres: 500, sqlite: 1000 } as const;
/**
 * SQLite: the write lock one indexing transaction holds at most. The import's thread runs at a low
 * priority, so on a busy machine a fixed 1,000-cable FTS5 batch held the lock for seconds while
 * the site's own writes waited; the batches follow their commits' time, as the importer's do.
 */
const INDEX_LOCK_TARGET_MS = 50;

export const bulkLoad: BulkLoadHook = {
  name: 'search',
  before: (db) => deferCableIndex(db),
  // The changes each batch logs (updated cables, their stories) are a bulk writer's.
  batch: (trx, engine) => markBulkChanges(trx, engine),
  async after(db, opts = {}) {
    const { onProgress, startFilesDir, pace } = opts;
    // Started first: it reads every cable, those the database index still waits for included.
    const file = startFilesDir ? termsFileOf({ dataDir: startFilesDir }) : null;
    const terms = file ? await buildTermIndexForImport(db, file) : null;
    let indexed: number;
    try {
      indexed = (
        await indexCablesAfterImport(db, {
          batch: INDEX_BATCH[db.engine],
          lockTargetMs: INDEX_LOCK_TARGET_MS,
          pace,
          onProgress: onProgress && ((p) => onProgress({ done: p.indexed, total: p.total })),
        })
      ).indexed;
    } catch (err) {
      terms?.cancel();
      throw err;
    }
    const kept = terms ? await terms.keep() : false;
    return { done: indexed, wrote: kept && file ? [file] : [] };
  },
};
