/**
 * The search index around a bulk load of cables (src/platform/bulk-load.ts; named by the search
 * manifest, loaded by the importer, also on its worker thread): the index is not kept row by row
 * during the load (`deferCableIndex`), and catches up once it is done (`indexCablesAfterImport`).
 */
import type { BulkLoadHook } from '../platform/bulk-load.ts';
import { deferCableIndex, indexCablesAfterImport } from './search-index.ts';

/**
 * Cables per search-indexing transaction: one statement computes and indexes every tsvector of a
 * batch on PostgreSQL (about 1.4 ms a cable under GIN on a 2-core machine, so under a second), a
 * batch of FTS5 rows on SQLite; small enough that the write lock is never held for long while the
 * site serves pages.
 */
const INDEX_BATCH = { postgres: 500, sqlite: 1000 } as const;

export const bulkLoad: BulkLoadHook = {
  name: 'search',
  before: (db) => deferCableIndex(db),
  async after(db, opts = {}) {
    const { onProgress } = opts;
    const r = await indexCablesAfterImport(db, {
      batch: INDEX_BATCH[db.engine],
      onProgress: onProgress && ((p) => onProgress({ done: p.indexed, total: p.total })),
    });
    return { done: r.indexed };
  },
};
