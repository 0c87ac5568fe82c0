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
 * Bulk-load hooks (src/platform/bulk-load.ts, registered by the features' manifests; search's
 * keeps its full-text index): data derived row by row is not kept during the load. Each hook's
 * `before` runs before the first batch (search marks the highest cable id, so its index triggers
 * skip the rows loaded after it); once every file is loaded, each hook's `after` catches up in
 * committed batches. A file's row stays `running` (with its offset at the end of the file) until
 * that is done, so a run killed while catching up resumes at the end of the file and finishes it;
 * one killed while loading resumes the load and then catches up with everything loaded since.
 * With `startFilesDir` (the CLI, for a site that is not running) the hooks also write there what
 * a site loads at start (search: its term index, built on another thread meanwhile).
 *
 * Hooks (`importCables(…, { hooks })`) let the caller keep derived data in step with the archive:
 * `afterBatch` runs inside each batch's transaction with the reference ids written, so the derived
 * data commits (and resumes) together with the cables; `afterImport` runs
 * once per call after every file is done.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { sql, type Kysely } from 'kysely';
import { nextBatchSize, pauseAfter, type Db, type Pace } from '../platform/db.ts';
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
  startBulkBatch,
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
  /** Rows the bulk-load hooks caught up with after the load (this run's and an interrupted run's). */
  indexed: number;
  /** Seconds of that catching up (included in `seconds`). */
  indexSeconds: number;
  /**
   * The files written for a site to load at start (ImportOptions.startFilesDir; search: its term
   * index), and the seconds from the end of the load until they were; null when not asked for.
   */
  startFiles: { written: string[]; seconds: number } | null;
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
  /** Cables per transaction at most (default DEFAULT_BATCH). */
  batchSize?: number;
  /**
   * SQLite: how long (wall clock) one transaction should hold the write lock; batches shrink (to
   * MIN_BATCH) when a commit took longer and grow back (to `batchSize`) when it was quicker
   * (default LOCK_TARGET_MS; 0 keeps every batch at `batchSize`).
   */
  lockTargetMs?: number;
  /**
   * PostgreSQL, an import while the site serves pages (a dashboard upload): its transactions are
   * sized to `pace.targetMs` and it pauses after each so it is busy at most `pace.duty` of the
   * time, its search index step too (see Pace in src/platform/db.ts). Default null: as fast as it
   * can (the command line's import). SQLite ignores it (its batches follow `lockTargetMs`).
   */
  pace?: Pace | null;
  /** Parse workers (default: the number of cores, at most 4; 0 parses on this thread). */
  workers?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Minimum time between progress calls (default 250 ms); every commit reports too. */
  progressIntervalMs?: number;
  /** Hooks this import runs (see the module comment). */
  hooks?: CableImportHook[];
  /** The features' bulk-load hooks (default: the registered ones, src/platform/bulk-load.ts). */
  bulkLoad?: BulkLoadHook[];
  /**
   * The data directory of a site that is not running (the CLI's import): the hooks also write
   * there what the site loads at start (search: its term index), so it need not rebuild it.
   */
  startFilesDir?: string | null;
}

const CHUNK = 250;
/**
 * Cables per transaction: small, so that a commit holds SQLite's write lock (and a PostgreSQL
 * transaction its locks) for tens of milliseconds, not seconds, while pages are served.
 */
export const DEFAULT_BATCH = 400;
/**
 * The write lock a SQLite import transaction should hold at most. The import runs at a low CPU
 * priority, so on a busy machine a 400-cable transaction could hold the lock for seconds while
 * the thread waits for a core, and every write of the web process (a job claim, a page-view count,
 * a form) waited that long: the batches follow the time their commits take instead.
 */
export const LOCK_TARGET_MS = 50;
export const MIN_BATCH = 5;

/** Sizes the batches by their lock time (kept here for the importer's callers and tests). */
export { nextBatchSize };
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

/** The state one call of `importCables` carries through its steps. */
interface ImportRun {
  db: Db;
  files: string[];
  sizes: number[];
  bytesTotal: number;
  opts: ImportOptions;
  /** Cables in the next transaction (adapts on SQLite, see nextBatchSize), and at most. */
  batchSize: number;
  maxBatch: number;
  lockTargetMs: number;
  /** PostgreSQL: the pace kept on a running site (ImportOptions.pace), or null. */
  pace: Pace | null;
  hooks: CableImportHook[];
  interval: number;
  started: number;
  ctx: StoreContext;
  pool: PreparePool;
  bulkLoad: BulkLoadHook[];
  summary: ImportSummary;
  /** `cable_imports` rows of the files of this run (set to `done` after the index step). */
  rowIds: number[];
  /** Bytes of the files before the current one, and bytes read by this run (for rates). */
  bytesBefore: number;
  bytesThisRun: number;
  lastReport: number;
  /** The page cache size to restore after a SQLite bulk load. */
  cacheBefore: number | null;
}

/** One file of a run: where it starts (fresh or resumed) and its running counts. */
interface FileRun {
  index: number;
  path: string;
  size: number;
  format: CableFormat;
  rowId: number;
  /** Where reading starts, and the record index and line there. */
  start: { byteOffset: number; index: number; line: number };
  started: number;
  /** Seconds an interrupted earlier run spent on the file. */
  secondsBefore: number;
  fs: FileSummary;
  bytesDone: number;
  /** Prepared records not committed yet. */
  batch: Prepared[];
}

export async function importCables(
  db: Db,
  files: string[],
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const run = await beginImport(db, files, opts);
  let loaded = false;
  try {
    for (let fi = 0; fi < files.length; fi++) {
      const file = await openFile(run, fi);
      await loadFile(run, file);
      closeFile(run, file);
    }
    loaded = true;
    await run.pool.close();
    await indexStep(run);
    await markFilesDone(run);
  } catch (err) {
    // What the failed run committed is still caught up with (a resumed run would do it too).
    if (!loaded) await afterBulkLoad(run.bulkLoad, db).catch(() => {});
    throw err;
  } finally {
    await endImport(run);
  }
  return summaryStep(run);
}

/**
 * Step 0: sizes, the store's context (section, source), the search index deferred, the parse pool
 * and, on SQLite, the bulk-load settings: a larger page cache, and a WAL that grows during the
 * import and is folded back in at the end. Durability is unchanged (WAL with synchronous =
 * NORMAL: a commit survives a killed process; a power cut can lose the last commits, which the
 * file offsets then redo).
 */
async function beginImport(db: Db, files: string[], opts: ImportOptions): Promise<ImportRun> {
  const started = performance.now();
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const ctx: StoreContext = await db.kysely.transaction().execute((trx) => storeContext(trx));
  // Rows loaded from here on may wait for the hooks' `after` (an interrupted earlier import's stay).
  const bulkLoad = opts.bulkLoad ?? (await loadBulkLoadHooks());
  await beforeBulkLoad(bulkLoad, db);
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
  return {
    db,
    files,
    sizes,
    bytesTotal: sizes.reduce((a, b) => a + b, 0),
    opts,
    batchSize: Math.max(1, opts.batchSize ?? DEFAULT_BATCH),
    maxBatch: Math.max(1, opts.batchSize ?? DEFAULT_BATCH),
    lockTargetMs:
      db.engine === 'sqlite'
        ? (opts.lockTargetMs ?? LOCK_TARGET_MS)
        : opts.pace
          ? opts.pace.targetMs
          : 0,
    pace: db.engine === 'postgres' ? (opts.pace ?? null) : null,
    hooks: opts.hooks ?? [],
    interval: opts.progressIntervalMs ?? 250,
    started,
    ctx,
    bulkLoad,
    pool: new PreparePool(opts.workers ?? Math.min(4, availableParallelism()), opts.hints ?? {}),
    summary: {
      files: [],
      new: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      skippedReasons: {},
      indexed: 0,
      indexSeconds: 0,
      startFiles: null,
      seconds: 0,
    },
    rowIds: [],
    bytesBefore: 0,
    bytesThisRun: 0,
    lastReport: 0,
    cacheBefore,
  };
}

/** Restores the connection's settings after the import (also after a failure). */
async function endImport(run: ImportRun): Promise<void> {
  await run.pool.close();
  if (run.db.engine === 'sqlite') {
    const k = run.db.kysely;
    await sql`pragma wal_autocheckpoint = 1000`.execute(k);
    await sql.raw(`pragma cache_size = ${run.cacheBefore ?? -65536}`).execute(k);
    await sql`pragma temp_store = default`.execute(k);
    await sql`pragma wal_checkpoint(PASSIVE)`.execute(k);
  }
}

/**
 * Step 1, per file: its format, its key, and its `cable_imports` row: resumed at the recorded
 * offset when an earlier run of the same file was interrupted (csv and jsonl, not UTF-16), read
 * from the start otherwise.
 */
async function openFile(run: ImportRun, fi: number): Promise<FileRun> {
  const { db, opts } = run;
  const path = run.files[fi];
  const size = run.sizes[fi];
  const started = performance.now();
  const sniffed = await sniff(path);
  const format: CableFormat = opts.format && opts.format !== 'auto' ? opts.format : sniffed.format;
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
  let rowId: number;
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
  run.rowIds.push(rowId);
  const start = resumable
    ? { byteOffset: Number(prior.byte_offset), index: prior.record_index, line: prior.line }
    : { byteOffset: 0, index: 0, line: 1 };
  return {
    index: fi,
    path,
    size,
    format,
    rowId,
    start,
    started,
    secondsBefore: resumable ? prior.seconds : 0,
    fs,
    bytesDone: start.byteOffset,
    batch: [],
  };
}

/** Progress of the file being loaded, at most every `interval` ms unless forced. */
function reportLoad(run: ImportRun, file: FileRun, force: boolean): void {
  if (!run.opts.onProgress) return;
  const t = performance.now();
  if (!force && t - run.lastReport < run.interval) return;
  run.lastReport = t;
  const { fs } = file;
  run.opts.onProgress({
    file: file.path,
    fileIndex: file.index,
    files: run.files.length,
    bytesDone: run.bytesBefore + file.bytesDone,
    bytesTotal: run.bytesTotal,
    bytesThisRun: run.bytesThisRun,
    records: fs.new + fs.updated + fs.unchanged + fs.skipped + file.batch.length,
    new: fs.new,
    updated: fs.updated,
    unchanged: fs.unchanged,
    skipped: fs.skipped,
    seconds: (t - run.started) / 1000,
  });
}

/**
 * Steps 2 and 3 (read → parse), per file: the reader streams records from the start position;
 * chunks of CHUNK go to the parse workers as soon as they are read (enough queued to keep them
 * busy while a whole batch is written) and come back in order.
 */
async function* readAndParse(run: ImportRun, file: FileRun): AsyncGenerator<Prepared[]> {
  const inflight: Promise<Prepared[]>[] = [];
  const maxInflight = Math.max(2, run.pool.size * 2 + 1, Math.ceil((run.batchSize * 1.5) / CHUNK));
  let chunk: ReaderItem[] = [];
  const reader = readCables(file.path, {
    format: file.format,
    startByte: file.start.byteOffset,
    startIndex: file.start.index,
    startLine: file.start.line,
  });
  for await (const item of reader) {
    chunk.push(item);
    if (chunk.length >= CHUNK) {
      inflight.push(run.pool.run(chunk));
      chunk = [];
      if (inflight.length >= maxInflight) yield await inflight.shift()!;
    }
  }
  if (chunk.length) inflight.push(run.pool.run(chunk));
  while (inflight.length) yield await inflight.shift()!;
}

/** Steps 2–4 for one file: parsed records gathered into batches of `batchSize`, each committed. */
async function loadFile(run: ImportRun, file: FileRun): Promise<void> {
  for await (const prepared of readAndParse(run, file)) {
    for (const p of prepared) {
      if (file.batch.length >= run.batchSize) await writeBatch(run, file, p.position);
      file.batch.push(p);
      run.bytesThisRun += Math.max(0, p.position.byteEnd - file.bytesDone);
      file.bytesDone = Math.max(file.bytesDone, p.position.byteEnd);
    }
    reportLoad(run, file, false);
  }
  await writeBatch(run, file, null);
}

/**
 * Step 4 (write batch, with its references, tags and stories: `storeCables`): one transaction
 * stores the batch's cables, runs the `afterBatch` hooks and records where the next record starts
 * (`next`, or the end of the last record) with the file's running counts. Records the parser
 * refused are counted as skipped (the first MAX_SKIPPED_KEPT kept with their positions).
 */
async function writeBatch(
  run: ImportRun,
  file: FileRun,
  next: ReaderPosition | null,
): Promise<void> {
  const { batch, fs, path } = file;
  const ok = batch.filter((p): p is PreparedCable => p.ok);
  const bad = batch.filter((p): p is Extract<Prepared, { ok: false }> => !p.ok);
  const last = batch.length ? batch[batch.length - 1].position : null;
  const nextOffset = next ? next.byteOffset : last ? last.byteEnd : file.bytesDone;
  const counts = { ...fs, skippedRecords: [...fs.skippedRecords] };
  for (const b of bad) {
    counts.skipped++;
    if (counts.skippedRecords.length < MAX_SKIPPED_KEPT)
      counts.skippedRecords.push({ file: path, position: b.position, reason: b.reason });
  }
  let locked = 0;
  await run.db.kysely.transaction().execute(async (trx) => {
    // From here to the commit this connection holds SQLite's write lock.
    locked = performance.now();
    const written = await startBulkBatch(run.bulkLoad, trx, run.db.engine);
    const r = await storeCables(trx, ok, run.ctx);
    for (const h of run.hooks)
      if (h.afterBatch) await h.afterBatch(trx, { ...r, file: path, nextOffset });
    // The bulk-load hooks' part of the batch (search marks what it logged as a bulk writer's).
    await written();
    counts.new += r.inserted.length;
    counts.updated += r.updated.length;
    counts.unchanged += r.unchanged.length;
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
        seconds: file.secondsBefore + (performance.now() - file.started) / 1000,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', file.rowId)
      .execute();
  });
  const held = performance.now() - locked;
  if (run.lockTargetMs > 0 && batch.length)
    run.batchSize = nextBatchSize(
      batch.length,
      held,
      run.lockTargetMs,
      Math.min(MIN_BATCH, run.maxBatch),
      run.maxBatch,
    );
  const pause = pauseAfter(held, run.pace);
  if (pause > 0) await sleep(pause);
  Object.assign(fs, counts);
  for (const b of bad) {
    const k = reasonKind(b.reason);
    run.summary.skippedReasons[k] = (run.summary.skippedReasons[k] ?? 0) + 1;
  }
  file.batch = [];
  reportLoad(run, file, true);
}

/** After a file's last batch: its counts join the run's summary. */
function closeFile(run: ImportRun, file: FileRun): void {
  const { fs } = file;
  const { summary } = run;
  fs.seconds = file.secondsBefore + (performance.now() - file.started) / 1000;
  summary.files.push(fs);
  summary.new += fs.new;
  summary.updated += fs.updated;
  summary.unchanged += fs.unchanged;
  summary.skipped += fs.skipped;
  run.bytesBefore += file.size;
}

/**
 * Step 5 (index): the bulk-load hooks catch up with everything loaded since their `before` (search:
 * its database index) and, with `startFilesDir`, write what a site loads at start (search: its term
 * index, built on another thread meanwhile, so both cores work).
 */
async function indexStep(run: ImportRun): Promise<void> {
  const { db, files, summary } = run;
  const indexStarted = performance.now();
  const totals = {
    new: summary.new,
    updated: summary.updated,
    unchanged: summary.unchanged,
    skipped: summary.skipped,
  };
  const startFilesDir = run.opts.startFilesDir ?? null;
  const r = await afterBulkLoad(run.bulkLoad, db, {
    startFilesDir,
    pace: run.pace,
    onProgress: (p) =>
      run.opts.onProgress?.({
        file: files[files.length - 1] ?? '',
        fileIndex: files.length - 1,
        files: files.length,
        bytesDone: run.bytesTotal,
        bytesTotal: run.bytesTotal,
        bytesThisRun: run.bytesThisRun,
        records: totals.new + totals.updated + totals.unchanged + totals.skipped,
        ...totals,
        seconds: (performance.now() - run.started) / 1000,
        indexing: { indexed: p.done, total: p.total },
      }),
  });
  summary.indexed = r.done;
  summary.indexSeconds = (performance.now() - indexStarted) / 1000;
  if (startFilesDir) summary.startFiles = { written: r.wrote, seconds: summary.indexSeconds };
}

/** Only once the index is built do the files count as done (see the module comment). */
async function markFilesDone(run: ImportRun): Promise<void> {
  if (!run.rowIds.length) return;
  const t = new Date().toISOString();
  await run.db.kysely
    .updateTable('cable_imports')
    .set({ status: 'done', finished_at: t, updated_at: t })
    .where('id', 'in', run.rowIds)
    .execute();
}

/**
 * Step 6 (summary): the reasons of records an interrupted earlier run skipped, the total time,
 * the stored sitemaps and cable feeds marked stale (remade, served meanwhile), and the
 * `afterImport` hooks.
 */
async function summaryStep(run: ImportRun): Promise<ImportSummary> {
  const { summary } = run;
  for (const f of summary.files) {
    if (f.resumedFrom === null) continue;
    for (const s of f.skippedRecords) {
      if (s.position.byteOffset < f.resumedFrom) {
        const k = reasonKind(s.reason);
        summary.skippedReasons[k] = (summary.skippedReasons[k] ?? 0) + 1;
      }
    }
  }
  summary.seconds = (performance.now() - run.started) / 1000;
  await markDocumentsStale(run.db.kysely);
  for (const h of run.hooks) if (h.afterImport) await h.afterImport(run.db, summary);
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
