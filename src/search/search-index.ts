/**
 * The search index behind one interface, with one implementation per engine (sqlite.ts,
 * postgres.ts), and the bulk-import hook.
 *
 * Import hook (for src/cables/importer.ts):
 *   await deferCableIndex(db);        // before the first batch: rows loaded from now on are not
 *                                     // indexed row by row (the triggers skip ids above a mark)
 *   ...insert/upsert batches...
 *   await indexCablesAfterImport(db); // after the last batch: indexes every row above the mark in
 *                                     // committed batches, advancing the mark with each one
 * Both are idempotent and crash-safe: a killed import or a killed indexing run leaves the mark at
 * the last committed batch, so calling them again (a resumed import) continues where it stopped.
 * Rows above the mark that are updated or deleted before indexing are simply indexed (or not) from
 * their current content. `rebuildCableIndex(db, { fromId })` re-indexes from scratch above an id.
 */
import { bulkFromKey, databaseStamp } from './stamp.ts';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../platform/schema.ts';
import { nextBatchSize, pauseAfter, type Db, type DbTarget, type Pace } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import type { ParsedQuery } from './query.ts';

/** The term index file in DATA_DIR: the server loads it at start instead of building the index. */
export const TERMS_FILE = 'search-terms.bin';

/** Where a database's term index file is kept. */
export function termsFileOf(target: Pick<DbTarget, 'dataDir'>): string {
  return join(target.dataDir, TERMS_FILE);
}

export type DocKind = 'cable' | 'story';

/** Marker characters around highlighted words in snippets (escaped and turned into <mark> later). */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

export interface RankedId {
  id: number;
  score: number;
}

export interface SearchIndex {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Ids (ascending) of the documents of a kind whose text matches the query's text part (with its
   * exclusions); null when the query has no text part, meaning "every document".
   */
  match(kind: DocKind, query: ParsedQuery): Promise<Int32Array | null>;
  /**
   * The `k` best documents by relevance among `candidates` (ascending ids that all match), best first.
   * `all` says the candidates are the whole match set (no filter narrowed it).
   */
  rank(
    kind: DocKind,
    query: ParsedQuery,
    candidates: Int32Array,
    k: number,
    all: boolean,
  ): Promise<RankedId[]>;
  /** A short extract per id with the matched words between MARK_START and MARK_END. */
  snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>>;
  close(): Promise<void>;
}

/** Makes rows loaded from now on wait for indexCablesAfterImport (see the module comment). */
export async function deferCableIndex(db: Db): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    await sql`insert into search_state (key, value)
      select 'cables_indexed_upto', coalesce(max(id), 0) from cables where true
      on conflict (key) do nothing`.execute(trx);
    // Where the rows left out of the change log start (kept until the load's end is recorded).
    await sql`insert into search_state (key, value)
      select 'cables_deferred_from', value from search_state where key = 'cables_indexed_upto'
      on conflict (key) do nothing`.execute(trx);
  });
}

/**
 * At the start of a bulk writer's batch (inside its transaction): returns what marks, before the
 * commit, the changes the batch logged (`search_changes.bulk`), so that searches catch up with
 * them beside their answers instead of waiting for them (columns.ts). On SQLite the transaction
 * holds the write lock from its start, so every change logged after `before` is the batch's; on
 * PostgreSQL other transactions log meanwhile, and only this transaction's rows are marked.
 */
export async function markBulkChanges(
  trx: Transaction<Database>,
  engine: 'sqlite' | 'postgres',
): Promise<() => Promise<void>> {
  const { rows } = await sql<{
    s: number | string | null;
  }>`select max(seq) as s from search_changes`.execute(trx);
  const before = Number(rows[0]?.s ?? 0);
  return async () => {
    if (engine === 'postgres')
      await sql`update search_changes set bulk = 1
        where seq > ${before} and xmin = pg_current_xact_id()::xid`.execute(trx);
    else await sql`update search_changes set bulk = 1 where seq > ${before}`.execute(trx);
  };
}

/** Bulk-load records kept (older epochs' are removed: a process that far behind reloads). */
const BULK_RECORDS_KEPT = 32;

export interface IndexProgress {
  indexed: number;
  total: number;
}

/**
 * Indexes the cables above the import mark in committed batches, then removes the mark (so the
 * triggers index every row again), bumps the epoch and records where the load's cables start, so
 * every process catches up with them (columns.ts).
 */
/** The fewest cables one indexing transaction takes when it adapts to its lock time. */
export const MIN_INDEX_BATCH = 20;

export async function indexCablesAfterImport(
  db: Db,
  opts: {
    batch?: number;
    /**
     * SQLite: the write lock one transaction should hold at most; the batches shrink (to
     * MIN_INDEX_BATCH) or grow (to `batch`) to fit it, as the importer's do. 0: always `batch`.
     */
    lockTargetMs?: number;
    /**
     * PostgreSQL, on a running site: transactions sized to `pace.targetMs`, with a pause after
     * each so the indexing is busy at most `pace.duty` of the time (see Pace in platform/db.ts).
     */
    pace?: Pace | null;
    onProgress?: (p: IndexProgress) => void;
  } = {},
): Promise<{ indexed: number }> {
  const maxBatch = opts.batch ?? 20000;
  const pace = db.engine === 'postgres' ? (opts.pace ?? null) : null;
  const lockTargetMs = db.engine === 'sqlite' ? (opts.lockTargetMs ?? 0) : pace ? pace.targetMs : 0;
  let batch = maxBatch;
  const k = db.kysely;
  const mark = async () =>
    (
      await sql<{
        value: number | string;
      }>`select value from search_state where key = 'cables_indexed_upto'`.execute(k)
    ).rows[0];
  const first = await mark();
  if (!first) return { indexed: 0 };
  const max = Number(
    (await sql<{ m: number | null }>`select max(id) as m from cables`.execute(k)).rows[0]?.m ?? 0,
  );
  const start = Number(first.value);
  let indexed = 0;
  let bulkMerges = false;
  try {
    indexed = await indexBatches();
  } catch (err) {
    // The defaults back (best effort) until a resumed indexing sets the bulk ones again.
    if (bulkMerges)
      await k
        .transaction()
        .execute((trx) => setFtsMerges(trx, FTS_MERGES))
        .catch(() => {});
    throw err;
  }
  if (indexed > 0) await optimizeIndex(db);
  return { indexed };

  async function indexBatches(): Promise<number> {
    for (;;) {
      const began = performance.now();
      let wrote = 0;
      const done = await k.transaction().execute(async (trx) => {
        // A batch of tsvectors under GIN (and RUM) can outlast the pool's statement timeout on a busy
        // machine: bulk indexing lifts it for its own transaction, as migrations do.
        if (db.engine === 'postgres') await sql`set local statement_timeout = 0`.execute(trx);
        const row = (
          await sql<{
            value: number | string;
          }>`select value from search_state where key = 'cables_indexed_upto'`.execute(trx)
        ).rows[0];
        if (!row) return true;
        const from = Number(row.value);
        const top = Number(
          (await sql<{ m: number | null }>`select max(id) as m from cables`.execute(trx)).rows[0]
            ?.m ?? 0,
        );
        const to = Math.min(from + batch, top);
        if (db.engine === 'sqlite' && !bulkMerges) {
          await setFtsMerges(trx, BULK_FTS_MERGES);
          bulkMerges = true;
        }
        if (to > from) {
          if (db.engine === 'sqlite') {
            await sql`insert into cables_fts (rowid, title, body) select id, title, body from cables where id > ${from} and id <= ${to}`.execute(
              trx,
            );
          } else {
            await sql`insert into cables_search (id, tsv)
            select c.id, setweight(to_tsvector('english', coalesce(c.title, '')), 'A') || setweight(to_tsvector('english', coalesce(c.body, '')), 'D')
            from cables c where c.id > ${from} and c.id <= ${to}
            on conflict (id) do update set tsv = excluded.tsv`.execute(trx);
          }
          indexed += to - from;
          wrote = to - from;
        }
        if (to >= top) {
          if (db.engine === 'sqlite') await setFtsMerges(trx, FTS_MERGES);
          await sql`delete from search_state where key = 'cables_indexed_upto'`.execute(trx);
          await sql`update search_state set value = value + 1 where key = 'epoch'`.execute(trx);
          await recordBulkLoad(trx);
          return true;
        }
        await sql`update search_state set value = ${to} where key = 'cables_indexed_upto'`.execute(
          trx,
        );
        return false;
      });
      const busy = performance.now() - began;
      if (lockTargetMs > 0 && wrote > 0)
        batch = nextBatchSize(
          wrote,
          busy,
          lockTargetMs,
          Math.min(MIN_INDEX_BATCH, maxBatch),
          maxBatch,
        );
      const pause = done ? 0 : pauseAfter(busy, pace);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      opts.onProgress?.({
        indexed: Math.min(indexed, Math.max(0, max - start)),
        total: Math.max(0, max - start),
      });
      if (done) break;
    }
    return indexed;
  }
}

/**
 * FTS5's merge settings (its defaults, which the site keeps), and those of a bulk indexing: no
 * incremental merging as each small transaction adds its segment (with the default, each cable's
 * postings were rewritten about once per level of a 4-way merge tree while the load's segments
 * piled up), only the merge of 63 segments of one level when they are that many (the most FTS5
 * allows), then `optimize` merges everything once at the end. Measured on 40,000 generated
 * cables in transactions of 200: 15-20 % less CPU for the indexing. A bulk indexing that is killed
 * leaves the bulk settings until it is resumed (the mark is still there, and the next import or
 * `indexCablesAfterImport` finishes it and puts the defaults back); meanwhile the site's own writes
 * still merge at 63 segments a level.
 */
const FTS_MERGES = { automerge: 4, crisismerge: 16 } as const;
const BULK_FTS_MERGES = { automerge: 0, crisismerge: 63 } as const;

/** The values are written in the SQL: FTS5 takes only integers, and a bound number is a real. */
async function setFtsMerges(
  trx: Transaction<Database>,
  m: { automerge: number; crisismerge: number },
): Promise<void> {
  await sql`insert into cables_fts (cables_fts, rank) values ('automerge', ${sql.lit(m.automerge)})`.execute(
    trx,
  );
  await sql`insert into cables_fts (cables_fts, rank) values ('crisismerge', ${sql.lit(m.crisismerge)})`.execute(
    trx,
  );
}

/**
 * Records, for the epoch a bulk load just moved to, the id above which its cables were left out of
 * the change log (`bulk_from_<epoch>`): a running process catches up with the cables above it and
 * the logged changes, instead of reloading everything (columns.ts). Without the record (a load
 * begun by older code) processes reload.
 */
async function recordBulkLoad(trx: Transaction<Database>): Promise<void> {
  const { rows } = await sql<{ epoch: number | string | null; from: number | string | null }>`select
    (select value from search_state where key = 'epoch') as epoch,
    (select value from search_state where key = 'cables_deferred_from') as ${sql.ref('from')}`.execute(
    trx,
  );
  const epoch = Number(rows[0]?.epoch ?? 0);
  const from = rows[0]?.from;
  await sql`delete from search_state where key = 'cables_deferred_from'`.execute(trx);
  if (from === null || from === undefined) return;
  const key = bulkFromKey(epoch);
  await sql`delete from search_state where key = ${key}`.execute(trx);
  await sql`insert into search_state (key, value) values (${key}, ${Number(from)})`.execute(trx);
  const old = bulkFromKey(epoch - BULK_RECORDS_KEPT);
  await sql`delete from search_state where key = ${old}`.execute(trx);
}

/** Merges the index into as few segments as the engine allows (worth it after a bulk load). */
export async function optimizeIndex(db: Db): Promise<void> {
  if (db.engine === 'sqlite')
    await sql`insert into cables_fts (cables_fts) values ('optimize')`.execute(db.kysely);
  else await sql`analyze cables_search`.execute(db.kysely);
}

/** Re-indexes every cable above `fromId` (0: all), in the same resumable way as an import. */
export async function rebuildCableIndex(
  db: Db,
  opts: { fromId?: number; batch?: number; onProgress?: (p: IndexProgress) => void } = {},
): Promise<{ indexed: number }> {
  const fromId = opts.fromId ?? 0;
  await db.kysely.transaction().execute(async (trx) => {
    if (db.engine === 'postgres') await sql`set local statement_timeout = 0`.execute(trx);
    if (db.engine === 'sqlite') {
      // External content: entries are removed with the values they were indexed with.
      await sql`insert into cables_fts (cables_fts, rowid, title, body) select 'delete', id, title, body from cables
        where id > ${fromId} and id <= coalesce((select value from search_state where key = 'cables_indexed_upto'), 9223372036854775807)`.execute(
        trx,
      );
    } else {
      await sql`delete from cables_search where id > ${fromId}`.execute(trx);
    }
    await sql`delete from search_state where key in ('cables_indexed_upto', 'cables_deferred_from')`.execute(
      trx,
    );
    await sql`insert into search_state (key, value) values ('cables_indexed_upto', ${fromId})`.execute(
      trx,
    );
    await sql`insert into search_state (key, value) values ('cables_deferred_from', ${fromId})`.execute(
      trx,
    );
  });
  return indexCablesAfterImport(db, opts);
}

/** The engine's SearchIndex for a connected database. */
export async function openSearchIndex(db: Db): Promise<SearchIndex> {
  if (db.engine === 'postgres') return new (await import('./postgres.ts')).PostgresSearchIndex(db);
  return (await import('./sqlite.ts')).SqliteSearchIndex.open(db);
}

export interface ImportTermIndex {
  /**
   * Waits for the build and writes the index file, only when the database reached the epoch the
   * snapshot was stamped with (the post-import indexing finished). True when the file was written.
   */
  keep(): Promise<boolean>;
  /** Stops the build (the import failed): nothing is written. */
  cancel(): void;
}

/**
 * The term index (terms.ts) of the archive as a bulk import leaves it, built on a worker thread
 * while `indexCablesAfterImport` builds the database's own index on the import's thread, so the
 * two run on two cores. Call it after the last batch, before `indexCablesAfterImport`: it reads
 * every cable and story, those still waiting for that indexing included, and stamps the snapshot
 * with the epoch the database will have once the indexing is done (one more than now). `keep()`
 * then writes the file the server loads at start (catching up from the change log), so a started
 * server answers from the term index in seconds instead of rebuilding it for minutes.
 */
export async function buildTermIndexForImport(db: Db, file: string): Promise<ImportTermIndex> {
  // The snapshot's stamp (stamp.ts), as TermIndex reads it, with the epoch to come: taken here,
  // between the importer's transactions, before the build reads anything.
  const now = await databaseStamp(db);
  const stamp = { ...now, epoch: now.epoch + 1 };
  const { PAIRS } = await import('./terms-pairs.ts');
  const { PRUNING } = await import('./terms-postings.ts');
  // The worker writes the snapshot beside the file; keep() puts it in place.
  const pending = `${file}.import`;
  let worker: import('node:worker_threads').Worker | null = null;
  const built = new Promise<boolean>((resolve) => {
    try {
      worker = startWorker(import.meta.url, './terms-worker.ts');
    } catch {
      resolve(false);
      return;
    }
    const w = worker;
    w.on('message', (msg: { blob?: Uint8Array; error?: string }) => {
      if (msg.error) process.emitWarning(`term index after import: ${msg.error}`);
      resolve(!!msg.blob);
      void w.terminate();
    });
    w.on('error', () => resolve(false));
    w.on('exit', () => resolve(false));
    // terms-worker.ts's BuildRequest:
    w.postMessage({
      db: db.target,
      file: pending,
      pairs: { ...PAIRS },
      pruning: { ...PRUNING, tiers: [...PRUNING.tiers] },
      afterImport: { stamp },
    });
  });
  return {
    async keep() {
      if ((await built) && (await currentEpoch(db)) === stamp.epoch) {
        try {
          await rename(pending, file);
          return true;
        } catch {
          /* not written: the server builds the index itself */
        }
      }
      await unlink(pending).catch(() => {});
      return false;
    },
    cancel() {
      void (worker as import('node:worker_threads').Worker | null)?.terminate();
      void built.then(() => unlink(pending).catch(() => {}));
    },
  };
}

async function currentEpoch(db: Db): Promise<number> {
  const r = await sql<{
    value: number | string;
  }>`select value from search_state where key = 'epoch'`.execute(db.kysely);
  return Number(r.rows[0]?.value ?? 0);
}
