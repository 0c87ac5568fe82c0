/**
 * `importCables`: the one operation that loads cable files into the archive, called by
 * `broadsheet cables import` (and by an editor upload page later).
 *
 * readers (stream) → parse pool (worker threads: parse, hash, shape rows) → store, in batches.
 * Each batch is one transaction that writes the cables, their references, tags and stories, runs
 * the `afterBatch` hooks, and records the byte offset where the next record starts in
 * `cable_imports`. A killed import therefore loses at most the batch in flight, and the next run
 * of the same file (same size and first MiB) resumes from the recorded offset. A file whose
 * import finished is read again from the start on the next run (everything then counts as
 * unchanged). A record the reader cannot read, or that has no reference id or date, is skipped
 * and reported with its position; the import goes on.
 *
 * The workers parse the next chunks while the main thread writes a batch (tasks are queued on the
 * workers ahead of time, so synchronous SQLite commits do not starve them).
 *
 * Derived data: the features' bulk-load hooks (src/platform/bulk-load.ts; search's full-text index)
 * run `before` the first batch, so they may leave the rows loaded after it, and `after` every file
 * is loaded, to catch up in committed batches (search: the index triggers skip the rows above a
 * mark, which `after` indexes; the summary's `indexed`). A file's row stays `running` (with its
 * offset at the end of the file) until that catching up is done, so a run killed then resumes at
 * the end of the file and finishes it; one killed while loading resumes the load and then catches
 * up with everything loaded since `before`.
 *
 * Hooks (`importCables(…, { hooks })`) let the caller keep derived data in step with the archive:
 * `afterBatch` runs inside each batch's transaction with the reference ids written, so the derived
 * data commits (and resumes) together with the cables; `afterImport` runs
 * once per call after every file is done.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import {
  byteOrderMark,
  detectFormat,
  readCables,
  type CableFormat,
  type ReaderItem,
  type ReaderPosition,
} from './readers.ts';
import type { ParseHints } from './parse/index.ts';
import { prepareItem, type Prepared } from './prepare.ts';
import { PreparePool } from './pool.ts';
import {
  storeCables,
  storeContext,
  type BatchResult,
  type PreparedCable,
  type StoreContext,
} from './store.ts';
import {
  afterBulkLoad,
  beforeBulkLoad,
  loadBulkLoadHooks,
  type BulkLoadHook,
} from '../platform/bulk-load.ts';
import { markDocumentsStale } from '../feeds/documents.ts';

export interface SkippedRecord {
  file: string;
  position: ReaderPosition;
  reason: string;
}

export interface ImportProgress {
  file: string;
  fileIndex: number;
  files: number;
  /** Bytes of all files read so far (including what an earlier, interrupted run committed). */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes processed by this run, for rates. */
  bytesThisRun: number;
  records: number;
  new: number;
  updated: number;
  unchanged: number;
  skipped: number;
  seconds: number;
  /** Set while the search index is being built after the load: cables indexed so far, of `total`. */
  indexing?: { indexed: number; total: number };
}

export interface FileSummary {
  path: string;
  format: CableFormat;
  bytes: number;
  /** Byte offset an interrupted earlier run had reached, or null for a fresh start. */
  resumedFrom: number | null;
  new: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** The first skipped records with their positions (at most 100 per file). */
  skippedRecords: SkippedRecord[];
  seconds: number;
}

export interface ImportSummary {
  files: FileSummary[];
  new: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Skipped records by reason (the id in front of a reason is left out). */
  skippedReasons: Record<string, number>;
  /** Cables added to the search index after the load (this run's and an interrupted run's). */
  indexed: number;
  /** Seconds of that indexing (included in `seconds`). */
  indexSeconds: number;
  seconds: number;
}

export interface BatchInfo extends BatchResult {
  file: string;
  /** Where the next record starts; recorded in the same transaction. */
  nextOffset: number;
}

export interface CableImportHook {
  name: string;
  /** Runs inside each batch's transaction after its cables are written. */
  afterBatch?(trx: Kysely<Database>, batch: BatchInfo): Promise<void>;
  /** Runs once after all files of an import are done. */
  afterImport?(db: Db, summary: ImportSummary): Promise<void>;
}

export interface ImportOptions {
  format?: 'auto' | CableFormat;
  hints?: ParseHints;
  /** Cables per transaction (default DEFAULT_BATCH). */
  batchSize?: number;
  /** Parse workers (default: the number of cores, at most 4; 0 parses on this thread). */
  workers?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Minimum time between progress calls (default 250 ms); every commit reports too. */
  progressIntervalMs?: number;
  /** Hooks this import runs (see the module comment). */
  hooks?: CableImportHook[];
  /** The features' bulk-load hooks (default: the registered ones, src/platform/bulk-load.ts). */
  bulkLoad?: BulkLoadHook[];
}

const CHUNK = 250;
/**
 * Cables per transaction: small, so that a commit holds SQLite's write lock (and a PostgreSQL
 * transaction its locks) for tens of milliseconds, not seconds, while pages are served.
 */
export const DEFAULT_BATCH = 400;
const MAX_SKIPPED_KEPT = 100;
/** SQLite page cache during an import (KiB): a batch's pages stay in memory until its commit. */
const IMPORT_CACHE_KIB = 262144;

/** `<size>:<sha256 of the first MiB>`: identifies a file across renames and touches. */
export async function fileKey(path: string, size: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, 1 << 20));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return `${size}:${createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex')}`;
  } finally {
    await fh.close();
  }
}

/** The file's format, and whether it is UTF-16 (read as converted text: its offsets cannot resume). */
async function sniff(path: string): Promise<{ format: CableFormat; utf16: boolean }> {
  const fh = await open(path, 'r');
  try {
    const probe = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(probe, 0, probe.length, 0);
    const head = probe.subarray(0, bytesRead);
    const bom = byteOrderMark(head);
    return { format: detectFormat(path, head), utf16: !!bom && bom.encoding !== 'utf8' };
  } finally {
    await fh.close();
  }
}

function reasonKind(reason: string): string {
  return reason.replace(/^[0-9]{2}[A-Z0-9]+: /, '').replace(/\s+at byte \d+.*$/, '');
}

export async function importCables(
  db: Db,
  files: string[],
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH);
  const workers = opts.workers ?? Math.min(4, availableParallelism());
  const allHooks = opts.hooks ?? [];
  const interval = opts.progressIntervalMs ?? 250;
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  const ctx: StoreContext = await db.kysely.transaction().execute((trx) => storeContext(trx));
  // Rows loaded from here on may wait for the hooks' `after` (an interrupted earlier import's stay).
  const bulkLoad = opts.bulkLoad ?? (await loadBulkLoadHooks());
  await beforeBulkLoad(bulkLoad, db);
  const pool = new PreparePool(workers, opts.hints ?? {});
  // Bulk load on SQLite: a larger page cache, and a WAL that grows during the import and is folded
  // back in at the end. Durability is unchanged (WAL with synchronous = NORMAL: a commit survives a
  // killed process; a power cut can lose the last commits, which the file offsets then redo).
  let cacheBefore: number | null = null;
  if (db.engine === 'sqlite') {
    cacheBefore = Number(
      (await sql<{ cache_size: number }>`pragma cache_size`.execute(db.kysely)).rows[0]
        ?.cache_size ?? -65536,
    );
    await sql.raw(`pragma cache_size = -${IMPORT_CACHE_KIB}`).execute(db.kysely);
    await sql`pragma temp_store = memory`.execute(db.kysely);
    await sql`pragma wal_autocheckpoint = 50000`.execute(db.kysely);
  }
  const summary: ImportSummary = {
    files: [],
    new: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    skippedReasons: {},
    indexed: 0,
    indexSeconds: 0,
    seconds: 0,
  };
  const rowIds: number[] = [];
  let bytesBefore = 0;
  let bytesThisRun = 0;
  let lastReport = 0;
  let loaded = false;
  try {
    for (let fi = 0; fi < files.length; fi++) {
      const path = files[fi];
      const size = sizes[fi];
      const fileStarted = performance.now();
      const sniffed = await sniff(path);
      const format: CableFormat =
        opts.format && opts.format !== 'auto' ? opts.format : sniffed.format;
      const key = await fileKey(path, size);
      const now = new Date().toISOString();
      const prior = await db.kysely
        .selectFrom('cable_imports')
        .selectAll()
        .where('file_key', '=', key)
        .executeTakeFirst();
      const resumable =
        prior &&
        prior.status === 'running' &&
        (format === 'csv' || format === 'jsonl') &&
        !sniffed.utf16 &&
        Number(prior.byte_offset) > 0;
      const fs: FileSummary = {
        path,
        format,
        bytes: size,
        resumedFrom: resumable ? Number(prior.byte_offset) : null,
        new: resumable ? prior.new_count : 0,
        updated: resumable ? prior.updated_count : 0,
        unchanged: resumable ? prior.unchanged_count : 0,
        skipped: resumable ? prior.skipped_count : 0,
        skippedRecords: resumable ? (JSON.parse(prior.skipped) as SkippedRecord[]) : [],
        seconds: 0,
      };
      const secondsBefore = resumable ? prior.seconds : 0;
      let rowId: number;
      const fresh = {
        path,
        size,
        format,
        status: 'running' as const,
        byte_offset: 0,
        record_index: 0,
        line: 1,
        new_count: 0,
        updated_count: 0,
        unchanged_count: 0,
        skipped_count: 0,
        skipped: '[]',
        seconds: 0,
        started_at: now,
        updated_at: now,
        finished_at: null,
      };
      if (prior && resumable) {
        rowId = prior.id;
        await db.kysely
          .updateTable('cable_imports')
          .set({ path, updated_at: now })
          .where('id', '=', rowId)
          .execute();
      } else if (prior) {
        rowId = prior.id;
        await db.kysely.updateTable('cable_imports').set(fresh).where('id', '=', rowId).execute();
      } else {
        rowId = (
          await db.kysely
            .insertInto('cable_imports')
            .values({ file_key: key, ...fresh })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      }
      rowIds.push(rowId);
      const startByte = resumable ? Number(prior.byte_offset) : 0;
      let bytesDoneInFile = startByte;

      let batch: Prepared[] = [];
      const report = (force: boolean) => {
        if (!opts.onProgress) return;
        const t = performance.now();
        if (!force && t - lastReport < interval) return;
        lastReport = t;
        opts.onProgress({
          file: path,
          fileIndex: fi,
          files: files.length,
          bytesDone: bytesBefore + bytesDoneInFile,
          bytesTotal,
          bytesThisRun,
          records: fs.new + fs.updated + fs.unchanged + fs.skipped + batch.length,
          new: fs.new,
          updated: fs.updated,
          unchanged: fs.unchanged,
          skipped: fs.skipped,
          seconds: (t - started) / 1000,
        });
      };

      const commit = async (next: ReaderPosition | null) => {
        const ok = batch.filter((p): p is PreparedCable => p.ok);
        const bad = batch.filter((p): p is Extract<Prepared, { ok: false }> => !p.ok);
        const last = batch.length ? batch[batch.length - 1].position : null;
        const nextOffset = next ? next.byteOffset : last ? last.byteEnd : bytesDoneInFile;
        const counts = { ...fs, skippedRecords: [...fs.skippedRecords] };
        for (const b of bad) {
          counts.skipped++;
          if (counts.skippedRecords.length < MAX_SKIPPED_KEPT)
            counts.skippedRecords.push({ file: path, position: b.position, reason: b.reason });
        }
        await db.kysely.transaction().execute(async (trx) => {
          const r = await storeCables(trx, ok, ctx);
          for (const h of allHooks)
            if (h.afterBatch) await h.afterBatch(trx, { ...r, file: path, nextOffset });
          counts.new += r.inserted.length;
          counts.updated += r.updated.length;
          counts.unchanged += r.unchanged.length;
          const t = new Date().toISOString();
          await trx
            .updateTable('cable_imports')
            .set({
              byte_offset: nextOffset,
              record_index: next ? next.index : last ? last.index + 1 : 0,
              line: next ? next.line : 1,
              new_count: counts.new,
              updated_count: counts.updated,
              unchanged_count: counts.unchanged,
              skipped_count: counts.skipped,
              skipped: JSON.stringify(counts.skippedRecords),
              seconds: secondsBefore + (performance.now() - fileStarted) / 1000,
              updated_at: t,
            })
            .where('id', '=', rowId)
            .execute();
        });
        Object.assign(fs, counts);
        for (const b of bad) {
          const k = reasonKind(b.reason);
          summary.skippedReasons[k] = (summary.skippedReasons[k] ?? 0) + 1;
        }
        batch = [];
        report(true);
      };

      const consume = async (prepared: Prepared[]) => {
        for (const p of prepared) {
          if (batch.length >= batchSize) await commit(p.position);
          batch.push(p);
          bytesThisRun += Math.max(0, p.position.byteEnd - bytesDoneInFile);
          bytesDoneInFile = Math.max(bytesDoneInFile, p.position.byteEnd);
        }
        report(false);
      };

      const inflight: Promise<Prepared[]>[] = [];
      // Enough chunks queued on the workers to keep them busy while a whole batch is written.
      const maxInflight = Math.max(2, pool.size * 2 + 1, Math.ceil((batchSize * 1.5) / CHUNK));
      let chunk: ReaderItem[] = [];
      const reader = readCables(path, {
        format,
        startByte,
        startIndex: resumable ? prior.record_index : 0,
        startLine: resumable ? prior.line : 1,
      });
      for await (const item of reader) {
        chunk.push(item);
        if (chunk.length >= CHUNK) {
          inflight.push(pool.run(chunk));
          chunk = [];
          if (inflight.length >= maxInflight) await consume(await inflight.shift()!);
        }
      }
      if (chunk.length) inflight.push(pool.run(chunk));
      while (inflight.length) await consume(await inflight.shift()!);
      await commit(null);

      fs.seconds = secondsBefore + (performance.now() - fileStarted) / 1000;
      summary.files.push(fs);
      summary.new += fs.new;
      summary.updated += fs.updated;
      summary.unchanged += fs.unchanged;
      summary.skipped += fs.skipped;
      bytesBefore += size;
    }
    loaded = true;
    await pool.close();

    // The search index for everything loaded since the mark, then the files count as done.
    const indexStarted = performance.now();
    const totals = {
      new: summary.new,
      updated: summary.updated,
      unchanged: summary.unchanged,
      skipped: summary.skipped,
    };
    const r = await afterBulkLoad(bulkLoad, db, {
      onProgress: (p) =>
        opts.onProgress?.({
          file: files[files.length - 1] ?? '',
          fileIndex: files.length - 1,
          files: files.length,
          bytesDone: bytesTotal,
          bytesTotal,
          bytesThisRun,
          records: totals.new + totals.updated + totals.unchanged + totals.skipped,
          ...totals,
          seconds: (performance.now() - started) / 1000,
          indexing: { indexed: p.done, total: p.total },
        }),
    });
    summary.indexed = r.done;
    summary.indexSeconds = (performance.now() - indexStarted) / 1000;
    const t = new Date().toISOString();
    if (rowIds.length)
      await db.kysely
        .updateTable('cable_imports')
        .set({ status: 'done', finished_at: t, updated_at: t })
        .where('id', 'in', rowIds)
        .execute();
  } catch (err) {
    // What the failed run committed still gets its search index (a resumed run would do it too).
    if (!loaded) await afterBulkLoad(bulkLoad, db).catch(() => {});
    throw err;
  } finally {
    await pool.close();
    if (db.engine === 'sqlite') {
      await sql`pragma wal_autocheckpoint = 1000`.execute(db.kysely);
      await sql.raw(`pragma cache_size = ${cacheBefore ?? -65536}`).execute(db.kysely);
      await sql`pragma temp_store = default`.execute(db.kysely);
      await sql`pragma wal_checkpoint(PASSIVE)`.execute(db.kysely);
    }
  }
  // Reasons of records skipped by an earlier, interrupted run of a resumed file.
  for (const f of summary.files) {
    if (f.resumedFrom === null) continue;
    for (const s of f.skippedRecords) {
      if (s.position.byteOffset < f.resumedFrom) {
        const k = reasonKind(s.reason);
        summary.skippedReasons[k] = (summary.skippedReasons[k] ?? 0) + 1;
      }
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  // The stored sitemaps and cable feeds are remade (served meanwhile).
  await markDocumentsStale(db.kysely);
  for (const h of allHooks) if (h.afterImport) await h.afterImport(db, summary);
  return summary;
}

/**
 * Stores already-read cables in one go on the given connection or transaction (no offsets, no
 * workers): for small inputs such as the demo content.
 */
export async function importRawItems(
  db: Kysely<Database>,
  items: ReaderItem[],
  hints: ParseHints = {},
): Promise<BatchResult & { skipped: SkippedRecord[] }> {
  const prepared = items.map((i) => prepareItem(i, hints));
  const ctx = await storeContext(db);
  const r = await storeCables(
    db,
    prepared.filter((p): p is PreparedCable => p.ok),
    ctx,
  );
  const skipped = prepared
    .filter((p): p is Extract<Prepared, { ok: false }> => !p.ok)
    .map((p) => ({ file: '', position: p.position, reason: p.reason }));
  return { ...r, skipped };
}
