/**
 * In-process term index: for every stemmed term of every indexed cable and story, the documents
 * that contain it (a bitmap over row ids for terms in more than 1/32 of the documents, a sorted id
 * list otherwise) and the weighted term frequency in each (title hits count 10, story teasers 3,
 * body 1; capped at 255), plus each document's length in tokens. That is enough to
 *   - evaluate AND / OR / NOT / prefix queries by word-wise bit operations (microseconds, where
 *     FTS5 needs 50–180 ms to enumerate a word in every document), and
 *   - compute FTS5's bm25() exactly in JS (same idf, k1 = 1.2, b = 0.75, column weights) for any
 *     candidate set, walking each term's postings once in id order, and
 *   - find the exact top k of a large candidate set from per-term champion lists (the documents
 *     with the largest term weight) and an upper bound for everything else (see top()), scoring
 *     every candidate only when the bound does not settle it.
 * Phrases need positions, which are not kept: their match sets come from the database (cached per
 * phrase until a document changes) and their frequency for ranking is approximated by the smallest
 * frequency of their words.
 *
 * Terms are the engine's own: text is split into runs of letters, marks and digits (as FTS5's
 * unicode61 does) and each distinct surface word is stemmed by asking the engine once (an in-memory
 * FTS5 table with the same porter tokenizer on SQLite, to_tsvector('english', …) on PostgreSQL), so
 * match sets agree with the database's. Anything the index cannot answer exactly (multi-token
 * terms, prefixes the engine would stem, stop words) makes the caller use the database instead.
 *
 * Built in the background after the facet columns load (tokenising every title and body), then kept
 * current from the same change log: changed or deleted documents are masked out of the built
 * postings and their new versions kept in an overlay (with its own inverted lists); past
 * OVERLAY.limit documents the index is rebuilt on a thread at nice 15 while the one in place
 * goes on answering.
 *
 * The parts live beside this file: bit sets and top-k (terms-bitmaps.ts), the engines' stemmers
 * (terms-stemmers.ts), adjacent-pair tracking (terms-pairs.ts), one kind's postings and their
 * builder (terms-postings.ts), the file format (terms-file.ts) and the build worker (terms-worker.ts).
 */
import { bulkLoadFloor, databaseStamp } from './stamp.ts';
import { CATCH_UP, catchUpSlices, yieldToOthers } from './columns.ts';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import { BACKGROUND_NICE } from '../platform/thread-priority.ts';
import {
  decodeSnapshot,
  decodeSnapshotYielding,
  readSnapshotBlob,
  readSnapshotStamp,
  sortWords,
  type Snapshot,
  type SortedWords,
  type Stamp,
} from './terms-file.ts';
import type { BuildRequest } from './terms-worker.ts';
import type { ParsedQuery, TextNode } from './query.ts';
import type { DocKind, RankedId } from './search-index.ts';
import { checkDeadline, currentDeadline } from './deadline.ts';
import { bitsCount, bitsToIds, topScores, type Bits } from './terms-bitmaps.ts';
import { wordTokens, type Stemmer } from './terms-stemmers.ts';
import { PAIRS, PairTracker, docPairKeys, pairKey, tokenPairKeys } from './terms-pairs.ts';
import type { TokenBatch, TokenSource } from './terms-tokens.ts';
import {
  B,
  Builder,
  K1,
  KindPostings,
  PRUNING,
  WordTerms,
  idfOf,
  type Champion,
  type Doc,
  type OverlayLists,
} from './terms-postings.ts';

/**
 * Above `limit` changed documents the overlay is folded in by a rebuild (on a thread at nice 15):
 * an upload of 20,000 cables is caught up with in the overlay.
 */
export const OVERLAY = { limit: 30000 };
/** Documents read and tokenised per step of a build (each step blocks the event loop briefly). */
const BUILD_BATCH = 500;
const PHRASE_CACHE = 256;

const FIELDS: Record<DocKind, { table: 'cables' | 'stories'; cols: string[]; weights: number[] }> =
  {
    cable: { table: 'cables', cols: ['title', 'body'], weights: [10, 1] },
    story: { table: 'stories', cols: ['title', 'teaser', 'body'], weights: [10, 3, 1] },
  };

/** A leaf of the text match that bm25 scores: a term (or prefix: several terms) or a phrase. */
interface Leaf {
  /** Terms whose frequencies add up (term, prefix); for a phrase, each word's terms (min taken). */
  groups: number[][];
  phrase: boolean;
  bits: Bits;
}

export interface Plan {
  bits: Bits;
  leaves: Leaf[];
}

type Compiled = { bits: Bits; leaves: Leaf[] } | null;
class Unsupported extends Error {}
class TooMany extends Error {}

export interface TermIndexOptions {
  /** Where to keep the built index between runs (null: rebuild on every start). */
  file?: string | null;
  /** false: build on this thread (tests that want no worker). */
  worker?: boolean;
  /**
   * follower: never load or build an index, only install the ones offered (another thread's, in
   * shared memory: see offer()). Default leader.
   */
  role?: 'leader' | 'follower';
  /** A follower's first index, when the leader has one already (installed by the first build). */
  shared?: Uint8Array | null;
  /** Told about each index put in place whose blob is shared memory (for followers). */
  onShared?: (blob: Uint8Array) => void;
  /** Told each time the index becomes ready (after a load, build or catch-up). */
  onReady?: () => void;
  /**
   * Read the cables still waiting for the post-import indexer too (a build that runs alongside
   * that indexing and is kept only once it is done: see buildTermIndexForImport).
   */
  includeDeferred?: boolean;
  /**
   * The stamp of a build, read by the caller before it started (a build after an import takes it
   * from the importer, whose connection holds the write lock the stamp's instance id would need).
   */
  stamp?: Stamp;
  /**
   * Threads that read and tokenise the documents of a build while this one grows the postings
   * (SQLite; 0: this thread does everything). The import's build uses them: the server's own
   * build stays on one thread beside the pages.
   */
  readThreads?: number;
}

/**
 * The term index for both kinds, with the engine's stemmer and a phrase source (the database).
 * `ready(kind)` is false while building or after a failed update: callers then use the database.
 */
export class TermIndex {
  private postings: Record<DocKind, KindPostings | null> = { cable: null, story: null };
  /** Surface word → term ids, per kind. */
  private surface: Record<DocKind, Map<string, number[]>> = { cable: new Map(), story: new Map() };
  /** Surface word → stems (engine's), shared by both kinds. */
  private readonly stems = new Map<string, string[]>();
  private building: Promise<void> | null = null;
  /** True from the start of a build until its postings are in place: changes wait in `pending`. */
  private collecting = false;
  private generation = 0;
  private stale = true;
  private pending: Record<DocKind, Set<number>> = { cable: new Set(), story: new Set() };
  private readonly phraseCache = new Map<string, Int32Array>();
  private readonly prefixCache = new Map<string, number[]>();
  /**
   * Per kind's postings: its terms and surface words in name order (from the index file, or made
   * on the first word start), and the surface words learned since (looked through one by one).
   */
  private readonly dicts = new WeakMap<KindPostings, WordDict>();
  private closed = false;
  /** Milliseconds the last full build (or load) took, and where the index came from. */
  lastBuildMs = 0;
  lastBuildSource: 'file' | 'worker' | 'thread' | 'shared' | null = null;
  /** Indexes put in place so far (loaded, built or handed over). */
  installs = 0;
  private worker: import('node:worker_threads').Worker | null = null;
  /** A follower's latest offered index (see offer()), and the snapshot in place. */
  private offered: Uint8Array | null = null;
  private installed: Snapshot | null = null;
  /** A leader's index file, handed to the followers as soon as it was read (see kept()). */
  private sharedEarly: Uint8Array | null = null;
  /**
   * Top-k rankings answered from champion lists / by scoring every candidate; group lists used;
   * rankings with a word start settled from its words' own lists (no group list made).
   */
  readonly rankStats = { pruned: 0, full: 0, groupLists: 0, prefixWordLists: 0 };
  /** Two-word phrases answered from tracked pairs / sent to the database. */
  readonly phraseStats = { pairs: 0, database: 0 };
  /** Batches of a build read and tokenised on other threads (readThreads). */
  readonly buildStats = { readBatches: 0 };

  constructor(
    private readonly db: Db,
    private readonly stemmer: Stemmer,
    /** Ids (ascending) matching a one-phrase query, from the database. */
    private readonly phraseIds: (kind: DocKind, phrase: string) => Promise<Int32Array>,
    private readonly options: TermIndexOptions = {},
  ) {
    this.offered = options.shared ?? null;
  }

  /**
   * A follower is handed the index another thread put in place (a blob in shared memory): it is
   * installed when it belongs to this database's present epoch, as a kept file would be; until
   * then (or when it does not) searches go to the database.
   */
  offer(blob: Uint8Array): Promise<void> {
    this.offered = blob;
    return this.rebuild();
  }

  ready(kind: DocKind): boolean {
    return !this.stale && this.postings[kind] !== null && !this.closed;
  }

  close(): void {
    this.closed = true;
    void this.worker?.terminate();
    this.stemmer.close();
  }

  /**
   * Starts a full build in the background (or returns the running one). The snapshot kept in the
   * index file is used instead when it was taken from this database at the current epoch and
   * catching up from the change log is cheap; otherwise a worker thread builds (on this thread
   * only when no worker can start) and keeps the result in the file.
   */
  rebuild(): Promise<void> {
    // An index in place goes on answering (without the changes from now on, which wait for the new
    // one) until the new one is put in place: searches never fall back to the database meanwhile.
    if (!this.installed) this.stale = true;
    this.generation++;
    const gen = this.generation;
    const run = async () => {
      this.collecting = true;
      const t0 = performance.now();
      if (this.options.role === 'follower') {
        // Only an offered index is installed (the leader loads or builds one and offers it). The
        // one in place already is kept, caught up again, when it is still current.
        const again = this.installed?.blob === this.offered ? this.installed : null;
        const snap = again ?? (this.offered ? decodeSnapshot(this.offered) : null);
        if (!snap || !(await this.current(snap))) return;
        if (gen !== this.generation || this.closed) return;
        if (again) this.collecting = false;
        else this.install(snap);
        this.lastBuildSource = 'shared';
        await this.catchUp(snap, gen);
        this.lastBuildMs = performance.now() - t0;
        return;
      }
      let snap = await this.kept();
      this.lastBuildSource = 'file';
      if (!snap && !this.closed && gen === this.generation) {
        snap = await this.buildInWorker(this.installed !== null);
        this.lastBuildSource = 'worker';
      }
      if (!snap && !this.closed && gen === this.generation) {
        snap = await this.snapshot(gen);
        this.lastBuildSource = 'thread';
      }
      if (!snap || gen !== this.generation || this.closed) return;
      this.install(snap);
      this.lastBuildMs = performance.now() - t0;
      if (
        (await this.catchUp(snap, gen)) &&
        snap.blob?.buffer instanceof SharedArrayBuffer &&
        snap.blob !== this.sharedEarly
      )
        this.options.onShared?.(snap.blob);
    };
    const p = run().catch(() => {
      if (gen === this.generation) this.collecting = false;
      // The database went away (shutdown) or a read failed: stay on the database path.
    });
    const done: Promise<void> = p.finally(() => {
      if (this.building === done) this.building = null;
    });
    this.building = done;
    return done;
  }

  /**
   * After install(): applies the changes made since the snapshot was taken, and those that arrived
   * while building, from their current content. True when the index is ready.
   */
  private async catchUp(snap: Snapshot, gen: number): Promise<boolean> {
    const since = await this.changesSince(snap.stamp.seq, Infinity);
    // A snapshot from before bulk loads: their cables were not logged (see bulkLoadFloor).
    const floor = await bulkLoadFloor(this.db, snap.stamp.epoch, (await this.stamp()).epoch);
    if (floor !== null && floor !== undefined) {
      since.cable.push(...(await this.cablesAbove(floor, Infinity)));
      // And those the snapshot holds above it (deleted since).
      const present = snap.postings.cable.present;
      for (let id = floor + 1; id >> 5 < present.length; id++)
        if (present[id >> 5] & (1 << (id & 31))) since.cable.push(id);
    }
    for (const kind of ['cable', 'story'] as const) {
      const ids = new Set([...this.pending[kind], ...since[kind]]);
      this.pending[kind].clear();
      if (ids.size)
        await this.applyChanges(
          kind,
          [...ids].sort((a, b) => a - b),
        );
    }
    if (gen !== this.generation) return false;
    this.stale = false;
    this.options.onReady?.();
    return true;
  }

  /** Puts a built or loaded snapshot in place. */
  private install(snap: Snapshot): void {
    // The presence bitmaps change with every changed document: each thread has its own, even when
    // the rest of the index is memory shared with other threads.
    for (const p of Object.values(snap.postings))
      if (p.present.buffer instanceof SharedArrayBuffer) p.present = p.present.slice();
    this.installed = snap;
    this.installs++;
    this.postings = { ...snap.postings };
    this.surface = { ...snap.surface };
    if (snap.sorted)
      for (const kind of ['cable', 'story'] as const)
        this.dicts.set(snap.postings[kind], {
          ...snap.sorted[kind],
          terms: snap.postings[kind].termNames.length,
          later: [],
        });
    for (const kind of ['cable', 'story'] as const) {
      const names = snap.postings[kind].termNames;
      for (const [w, tids] of snap.surface[kind])
        if (!this.stems.has(w))
          this.stems.set(
            w,
            tids.map((t) => names[t]),
          );
    }
    this.collecting = false;
    this.phraseCache.clear();
    this.prefixCache.clear();
  }

  /** Where this database is in its history (and its instance id, made on first use). */
  private stamp(): Promise<Stamp> {
    return databaseStamp(this.db);
  }

  /** Documents changed after change-log position `seq`, or null when there are more than `limit`. */
  private async changesSince(seq: number, limit: number): Promise<Record<DocKind, number[]>> {
    const lim = Number.isFinite(limit) ? sql`limit ${limit + 1}` : sql``;
    const { rows } = await sql<{
      kind: string;
      doc_id: number | string;
    }>`select kind, doc_id from search_changes where seq > ${seq} order by seq ${lim}`.execute(
      this.db.kysely,
    );
    if (rows.length > limit) throw new TooMany();
    const out: Record<DocKind, number[]> = { cable: [], story: [] };
    for (const r of rows)
      if (r.kind === 'cable' || r.kind === 'story') out[r.kind].push(Number(r.doc_id));
    return out;
  }

  /** The snapshot in the index file, when it belongs to this database and is recent enough. */
  private async kept(): Promise<Snapshot | null> {
    if (!this.options.file) return null;
    // A file of another epoch or database is not read whole (nor decoded) only to be thrown away.
    const stamp = await readSnapshotStamp(this.options.file);
    if (!stamp || !(await this.current({ stamp }))) return null;
    const blob = await readSnapshotBlob(this.options.file);
    if (!blob) return null;
    // The followers are handed the bytes now, not once this thread has decoded and caught up with
    // them: they decode and catch up at the same time, on the other cores (each checks the
    // snapshot is current itself, and a damaged one is installed by none).
    if (blob.buffer instanceof SharedArrayBuffer) {
      this.sharedEarly = blob;
      this.options.onShared?.(blob);
    }
    const snap = await decodeSnapshotYielding(blob);
    return snap && (await this.current(snap)) ? snap : null;
  }

  /**
   * True when a snapshot was taken from this database, at its present epoch or before bulk loads
   * that recorded where their cables start, and catching up with it takes at most OVERLAY.limit
   * documents.
   */
  private async current(snap: Pick<Snapshot, 'stamp'>): Promise<boolean> {
    const now = await this.stamp();
    if (
      snap.stamp.instance !== now.instance ||
      snap.stamp.epoch > now.epoch ||
      snap.stamp.engine !== now.engine ||
      snap.stamp.seq > now.seq
    )
      return false;
    const floor = await bulkLoadFloor(this.db, snap.stamp.epoch, now.epoch);
    if (floor === undefined) return false;
    try {
      const logged = await this.changesSince(snap.stamp.seq, OVERLAY.limit);
      const above = floor === null ? 0 : (await this.cablesAbove(floor, OVERLAY.limit + 1)).length;
      if (logged.cable.length + logged.story.length + above > OVERLAY.limit) return false;
    } catch (e) {
      if (e instanceof TooMany) return false;
      throw e;
    }
    return true;
  }

  /** Ids of the cables above `id` (at most `limit`). */
  private async cablesAbove(id: number, limit: number): Promise<number[]> {
    const lim = Number.isFinite(limit) ? sql`limit ${limit}` : sql``;
    const { rows } = await sql<{
      id: number | string;
    }>`select id from cables where id > ${id} order by id ${lim}`.execute(this.db.kysely);
    return rows.map((r) => Number(r.id));
  }

  /** Builds in a worker thread; null when no worker could run it. */
  private buildInWorker(lowered: boolean): Promise<Snapshot | null> {
    if (this.options.worker === false) return Promise.resolve(null);
    return new Promise((resolve) => {
      let worker: import('node:worker_threads').Worker;
      try {
        worker = startWorker(import.meta.url, './terms-worker.ts');
      } catch {
        resolve(null);
        return;
      }
      this.worker = worker;
      let settled = false;
      const finish = (snap: Snapshot | null) => {
        if (settled) return;
        settled = true;
        if (this.worker === worker) this.worker = null;
        void worker.terminate();
        resolve(snap);
      };
      worker.on('message', (msg: { blob?: Uint8Array; error?: string }) =>
        finish(msg.blob ? decodeSnapshot(msg.blob) : null),
      );
      worker.on('error', () => finish(null));
      worker.on('exit', () => finish(null));
      worker.postMessage({
        db: this.db.target,
        file: this.options.file ?? null,
        pairs: { ...PAIRS },
        pruning: { ...PRUNING, tiers: [...PRUNING.tiers] },
        ...(lowered ? { nice: BACKGROUND_NICE } : {}),
      } satisfies BuildRequest);
    });
  }

  /** Builds both kinds here, reading the stamp first (see Stamp). */
  async snapshot(gen = this.generation): Promise<Snapshot> {
    const stamp = this.options.stamp ?? (await this.stamp());
    const cable = await this.buildKind('cable', gen);
    const cableSurface = this.surface.cable;
    const story = await this.buildKind('story', gen);
    // Champion lists of every frequent term now, so no search pays for one on first use.
    for (const p of [cable, story])
      for (let t = 0; t < p.termNames.length; t++)
        if (p.dense[t] && p.df[t] > PRUNING.champions) p.champion(t);
    return {
      stamp,
      postings: { cable, story },
      surface: { cable: cableSurface, story: this.surface.story },
    };
  }

  /** Documents changed (from the change log): re-read them into the overlay. */
  async changed(kind: DocKind, ids: number[]): Promise<void> {
    (await this.prepareChanges(kind, ids, false))();
  }

  /**
   * Reads and tokenises changed documents (from the change log) and returns what puts them in the
   * overlay, all at once (see FacetColumns.sync: a search sees all of a catch-up or none of it).
   * `background`: a large catch-up that searches do not wait for: it yields between steps.
   */
  async prepareChanges(kind: DocKind, ids: number[], background: boolean): Promise<() => void> {
    const nothing = () => {};
    if (!ids.length) return nothing;
    const queue = () => {
      for (const id of ids) this.pending[kind].add(id);
    };
    if (this.collecting || !this.postings[kind]) return queue;
    const p = this.postings[kind]!;
    let docs: [number, Doc | null][];
    let lists: OverlayLists | undefined;
    try {
      docs = await this.readDocs(kind, p, ids, background);
      // A large catch-up makes its inverted lists in slices too: the swap only hands them over.
      if (background)
        lists = await KindPostings.overlayLists(docs, () => catchUpSlices.maybeYield());
    } catch {
      return () => {
        this.stale = true;
        void this.rebuild();
      };
    }
    return () => {
      this.phraseCache.clear();
      if (this.collecting || this.postings[kind] !== p) {
        // A new index was put in place meanwhile (or is being made): it catches up with these.
        queue();
        if (!this.collecting) {
          const again = [...this.pending[kind]];
          this.pending[kind].clear();
          void this.changed(kind, again);
        }
        return;
      }
      p.setChangedMany(docs, lists);
      this.prefixCache.clear();
      if (p.changed.size > OVERLAY.limit) void this.rebuild();
    };
  }

  private async applyChanges(kind: DocKind, ids: number[]): Promise<void> {
    const p = this.postings[kind]!;
    p.setChangedMany(await this.readDocs(kind, p, ids, false));
    this.prefixCache.clear();
  }

  /** The current content of documents as overlay entries (null: deleted or not indexed). */
  private async readDocs(
    kind: DocKind,
    p: KindPostings,
    ids: number[],
    background: boolean,
  ): Promise<[number, Doc | null][]> {
    const f = FIELDS[kind];
    const out: [number, Doc | null][] = [];
    const step = background ? Math.max(1, CATCH_UP.step) : 500;
    for (let i = 0; i < ids.length; i += step) {
      const part = ids.slice(i, i + step);
      const rows = await this.readRows(kind, part, null);
      await this.learn(kind, p, rows, background);
      const b = new Builder(0);
      const seen = new Set<number>();
      const keys: number[] = [];
      for (const r of rows) {
        // A long catch-up works in slices of about CATCH_UP.sliceMs (searches go first between).
        if (background) await catchUpSlices.maybeYield();
        seen.add(r.id);
        const doc = this.docOf(kind, b, r, f.weights);
        keys.length = 0;
        docPairKeys(this.db.engine, r.fields, this.surface[kind], keys);
        const tracked = keys.filter((k) => p.pairs.has(k));
        if (tracked.length) doc.pairs = new Set(tracked);
        out.push([r.id, doc]);
      }
      for (const id of part) if (!seen.has(id)) out.push([id, null]);
      if (background) await yieldToOthers();
    }
    return out;
  }

  private docOf(kind: DocKind, b: Builder, r: Row, weights: number[]): Doc {
    return b.doc(
      r.tokens!.map((t, i) => [t, weights[i]] as [string[], number]),
      this.surface[kind],
    );
  }

  private async readRows(
    kind: DocKind,
    ids: number[] | null,
    range: [number, number] | null,
  ): Promise<Row[]> {
    const f = FIELDS[kind];
    const cols = sql.join(
      f.cols.map((c, i) => sql`coalesce(${sql.ref(c)}, '') as ${sql.raw(`f${i}`)}`),
    );
    const table = sql.table(f.table);
    // Cables waiting for the post-import indexer are not in the database's index either.
    const mark =
      kind === 'cable' && !this.options.includeDeferred
        ? sql`and id <= coalesce((select value from search_state where key = 'cables_indexed_upto'), 9223372036854775807)`
        : sql``;
    const where = ids
      ? sql`id in (${sql.join(ids)})`
      : sql`id > ${range![0]} and id <= ${range![1]}`;
    const { rows } = await sql<
      Record<string, unknown>
    >`select id, ${cols} from ${table} where ${where} ${mark} order by id`.execute(this.db.kysely);
    return rows.map((r) => ({
      id: Number(r.id),
      fields: f.cols.map((_, i) => String(r[`f${i}`] ?? '')),
    }));
  }

  /** Makes sure every surface word in the rows has term ids for the kind. */
  private async learn(kind: DocKind, p: KindPostings, rows: Row[], sliced = false): Promise<void> {
    const surf = this.surface[kind];
    const unknown = new Set<string>();
    const missing = new Set<string>();
    for (const r of rows) {
      if (sliced) await catchUpSlices.maybeYield();
      r.tokens = r.fields.map(wordTokens);
      for (const toks of r.tokens)
        for (const w of toks)
          if (!surf.has(w)) {
            missing.add(w);
            if (!this.stems.has(w)) unknown.add(w);
          }
    }
    if (unknown.size) {
      const list = [...unknown];
      const stems = await this.stemmer.stem(list);
      list.forEach((w, i) => this.stems.set(w, stems[i]));
    }
    const dict = this.dicts.get(p);
    for (const w of missing) {
      surf.set(
        w,
        this.stems.get(w)!.map((s) => p.term(s)),
      );
      dict?.later.push(w);
    }
  }

  private async buildKind(kind: DocKind, gen: number): Promise<KindPostings> {
    const f = FIELDS[kind];
    const max = Number(
      (
        await sql<{
          m: number | string | null;
        }>`select max(id) as m from ${sql.table(f.table)}`.execute(this.db.kysely)
      ).rows[0]?.m ?? 0,
    );
    const b = new Builder(max);
    this.surface[kind] = new Map();
    // Other threads read and tokenise (their first batches while the pairs are sampled here).
    const readers = this.startReaders(kind);
    try {
      const pairs = new PairTracker((max >> 5) + 1, await this.pairSample(kind, b, max, gen));
      if (readers) await this.buildFromReaders(kind, gen, b, pairs, max, readers);
      else await this.buildHere(kind, gen, b, pairs, max);
      const built = b.finish();
      built.pairs = pairs.finish();
      return built;
    } finally {
      readers?.close();
    }
  }

  /** The build's reading threads (options.readThreads on SQLite), or null: read on this thread. */
  private startReaders(kind: DocKind): TokenReaders | null {
    const n = this.options.readThreads ?? 0;
    if (n < 1 || this.db.engine !== 'sqlite' || !this.db.file) return null;
    const f = FIELDS[kind];
    try {
      return new TokenReaders(n, this.db.file, {
        table: f.table,
        cols: f.cols,
        includeDeferred: !!this.options.includeDeferred,
      });
    } catch {
      return null;
    }
  }

  /**
   * The main pass with other threads reading: batches go to the readers in turn (each numbers the
   * words it meets) and are added here in id order; only words new to the index are stemmed, in the
   * order buildHere() would meet them, so both give the same index.
   */
  private async buildFromReaders(
    kind: DocKind,
    gen: number,
    b: Builder,
    pairs: PairTracker,
    max: number,
    readers: TokenReaders,
  ): Promise<void> {
    const f = FIELDS[kind];
    const surface = this.surface[kind];
    const terms = readers.workers.map(() => new WordTerms());
    const keys: number[] = [];
    const batches = Math.ceil(max / BUILD_BATCH);
    const ahead = readers.workers.length * 2;
    const pending: Promise<TokenBatch>[] = [];
    const ask = (i: number) => {
      if (i < batches) {
        // Handled when awaited below; a build that stops early leaves the rest unawaited.
        const p = readers.read(i % readers.workers.length, i * BUILD_BATCH, (i + 1) * BUILD_BATCH);
        p.catch(() => {});
        pending[i] = p;
      }
    };
    for (let i = 0; i < ahead; i++) ask(i);
    for (let i = 0; i < batches; i++) {
      if (gen !== this.generation || this.closed) throw new Error('superseded');
      const batch = await pending[i];
      delete pending[i];
      this.buildStats.readBatches++;
      ask(i + ahead);
      const words = terms[i % readers.workers.length];
      const missing: string[] = [];
      const unknown: string[] = [];
      for (const w of batch.words)
        if (!surface.has(w)) {
          missing.push(w);
          if (!this.stems.has(w)) unknown.push(w);
        }
      if (unknown.length) {
        const stems = await this.stemmer.stem(unknown);
        unknown.forEach((w, j) => this.stems.set(w, stems[j]));
      }
      for (const w of missing)
        surface.set(
          w,
          this.stems.get(w)!.map((s) => b.p.term(s)),
        );
      for (const w of batch.words) words.push(surface.get(w)!);
      const n = f.cols.length;
      let at = 0;
      for (let r = 0; r < batch.ids.length; r++) {
        keys.length = 0;
        at = b.addSeq(
          batch.ids[r],
          batch.seq,
          at,
          batch.counts,
          r * n,
          f.weights,
          words,
          pairs.firsts,
          keys,
        );
        pairs.add(batch.ids[r], keys);
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The main pass on this thread. */
  private async buildHere(
    kind: DocKind,
    gen: number,
    b: Builder,
    pairs: PairTracker,
    max: number,
  ): Promise<void> {
    const f = FIELDS[kind];
    const keys: number[] = [];
    // FTS5's adjacency is per field, token after token: the tokens learn() made give the terms and
    // the pairs in one pass (PostgreSQL's positions need docPairKeys' own reading of the text).
    const oneRead = this.db.engine === 'sqlite';
    const surface = this.surface[kind];
    for (let from = 0; from < max; from += BUILD_BATCH) {
      if (gen !== this.generation || this.closed) throw new Error('superseded');
      const rows = await this.readRows(kind, null, [from, from + BUILD_BATCH]);
      await this.learn(kind, b.p, rows);
      for (const r of rows) {
        keys.length = 0;
        if (oneRead) {
          const fields = r.tokens!.map((t, i) => [t, f.weights[i]] as [string[], number]);
          b.addTokens(r.id, fields, surface, pairs.firsts, keys);
        } else {
          b.add(r.id, this.docOf(kind, b, r, f.weights));
          docPairKeys(this.db.engine, r.fields, surface, keys);
        }
        pairs.add(r.id, keys);
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * The adjacent-pair keys of about PAIRS.sample documents read in BUILD_BATCH id ranges spread
   * evenly over [0, max] (all documents when there are fewer), to choose the pairs to track.
   */
  private async pairSample(
    kind: DocKind,
    b: Builder,
    max: number,
    gen: number,
  ): Promise<number[][]> {
    const out: number[][] = [];
    const ranges = Math.max(1, Math.ceil(PAIRS.sample / BUILD_BATCH));
    const step = Math.max(BUILD_BATCH, Math.floor(max / ranges));
    for (let from = 0; from < max && out.length < PAIRS.sample; from += step) {
      if (gen !== this.generation || this.closed) throw new Error('superseded');
      const rows = await this.readRows(kind, null, [from, from + BUILD_BATCH]);
      await this.learn(kind, b.p, rows);
      for (const r of rows) {
        const keys: number[] = [];
        if (this.db.engine === 'sqlite') tokenPairKeys(r.tokens!, this.surface[kind], keys);
        else docPairKeys(this.db.engine, r.fields, this.surface[kind], keys);
        out.push(keys);
      }
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /** Term ids of one query word, or throws Unsupported when the index cannot answer it exactly. */
  private async wordTerms(kind: DocKind, word: string, prefix: boolean): Promise<number[]> {
    const p = this.postings[kind]!;
    // A word start is matched against the words as written (and the stems), not stemmed itself.
    if (prefix) return this.prefixTerms(kind, word);
    let stems = this.stems.get(word);
    if (!stems) {
      stems = (await this.stemmer.stem([word]))[0];
      this.stems.set(word, stems);
    }
    if (stems.length !== 1) throw new Unsupported();
    const t = p.termIds.get(stems[0]);
    return t === undefined ? [] : [t];
  }

  /**
   * Term ids of a word start (cached per index): the terms of the words as written that start with
   * it (`negotiat*`: "negotiations", indexed as the stem `negoti`), as a prefix search over the
   * words of the text behaves, and the indexed stems that start with it (`economi*`: "economy").
   */
  private prefixTerms(kind: DocKind, word: string): number[] {
    const p = this.postings[kind]!;
    const key = `${kind}\u0000${word}`;
    let tids = this.prefixCache.get(key);
    if (!tids) {
      const names = p.termNames;
      const surface = this.surface[kind];
      let dict = this.dicts.get(p);
      if (!dict) {
        // An index without the file's order (built here, or an older file): made once.
        dict = { ...sortWords(names, surface), terms: names.length, later: [] };
        this.dicts.set(p, dict);
      }
      const found = new Set<number>();
      const { order, words } = dict;
      for (let i = lowerBound(order.length, (i) => names[order[i]], word); i < order.length; i++) {
        if (!names[order[i]].startsWith(word)) break;
        found.add(order[i]);
      }
      for (let t = dict.terms; t < names.length; t++) if (names[t].startsWith(word)) found.add(t);
      for (let i = lowerBound(words.length, (i) => words[i], word); i < words.length; i++) {
        if (!words[i].startsWith(word)) break;
        for (const t of surface.get(words[i]) ?? []) found.add(t);
      }
      for (const w of dict.later)
        if (w.startsWith(word)) for (const t of surface.get(w) ?? []) found.add(t);
      tids = [...found].sort((a, b) => a - b);
      this.prefixCache.set(key, tids);
    }
    return tids;
  }

  /**
   * How many indexed words of a kind a word start (one lower-case token) expands to; null while the
   * index is not ready. Cheap after the first time (the expansion is cached for the search).
   */
  prefixCount(kind: DocKind, word: string): number | null {
    if (!this.ready(kind)) return null;
    return this.prefixTerms(kind, word).length;
  }

  /**
   * How many documents of a kind hold each word (words that stem to one indexed term; others are
   * left out), with the number of documents; null while the index is not ready. For picking a
   * document's distinctive words (related documents).
   */
  wordFrequencies(kind: DocKind, words: string[]): { n: number; df: Map<string, number> } | null {
    if (!this.ready(kind)) return null;
    const p = this.postings[kind]!;
    const surface = this.surface[kind];
    const df = new Map<string, number>();
    for (const w of words) {
      const tids = surface.get(w);
      if (tids?.length === 1 && tids[0] < p.df.length) df.set(w, p.df[tids[0]]);
    }
    return { n: p.count(), df };
  }

  /**
   * A two-word phrase whose word pair is tracked: its documents, exactly; otherwise null. `groups`
   * are the words' terms as node() looked them up (a word left out or not one term: no pair).
   */
  private pairPhrase(kind: DocKind, words: number, groups: number[][], size: number): Bits | null {
    if (words !== 2 || groups.length !== 2 || groups.some((g) => g.length !== 1)) return null;
    const p = this.postings[kind]!;
    const key = pairKey(groups[0][0], groups[1][0]);
    if (!p.pairs.has(key)) {
      this.phraseStats.database++;
      return null;
    }
    this.phraseStats.pairs++;
    return p.pairBits(key, size);
  }

  private async phrase(kind: DocKind, text: string, size: number): Promise<Bits> {
    const key = `${kind}\u0000${text}`;
    let ids = this.phraseCache.get(key);
    if (!ids) {
      ids = await this.phraseIds(kind, text);
      if (this.phraseCache.size >= PHRASE_CACHE)
        this.phraseCache.delete(this.phraseCache.keys().next().value!);
      this.phraseCache.set(key, ids);
    }
    const out = new Uint32Array(size);
    for (let i = 0; i < ids.length; i++)
      if (ids[i] >> 5 < size) out[ids[i] >> 5] |= 1 << (ids[i] & 31);
    return out;
  }

  private async node(kind: DocKind, n: TextNode, size: number, leaves: Leaf[]): Promise<Compiled> {
    checkDeadline();
    const p = this.postings[kind]!;
    switch (n.type) {
      case 'term':
      case 'phrase': {
        const toks = wordTokens(n.text);
        if (toks.length === 0) return null;
        if (toks.length === 1) {
          const tids = await this.wordTerms(kind, toks[0], n.type === 'term' && n.prefix);
          const bits = p.bits(tids, size);
          if (!n.negated) leaves.push({ groups: [tids], phrase: false, bits });
          return { bits, leaves };
        }
        if (n.type === 'term' && n.prefix) throw new Unsupported();
        const groups: number[][] = [];
        for (const w of toks) {
          try {
            groups.push(await this.wordTerms(kind, w, false));
          } catch {
            // Stop words and the like: left out of the frequency estimate only.
          }
        }
        const bits =
          this.pairPhrase(kind, toks.length, groups, size) ??
          (await this.phrase(kind, toks.join(' '), size));
        if (!n.negated) leaves.push({ groups, phrase: true, bits });
        return { bits, leaves };
      }
      case 'or': {
        let acc: Bits | null = null;
        for (const c of n.any) {
          const r = await this.node(kind, c, size, leaves);
          if (!r) continue;
          if (!acc) acc = r.bits.slice();
          else for (let w = 0; w < size; w++) acc[w] |= r.bits[w];
        }
        return acc ? { bits: acc, leaves } : null;
      }
      case 'and': {
        const pos = n.all.filter((c) => !((c.type === 'term' || c.type === 'phrase') && c.negated));
        const neg = n.all.filter((c) => (c.type === 'term' || c.type === 'phrase') && c.negated);
        let acc: Bits | null = null;
        for (const c of pos) {
          const r = await this.node(kind, c, size, leaves);
          if (!r) continue;
          if (!acc) acc = r.bits.slice();
          else for (let w = 0; w < size; w++) acc[w] &= r.bits[w];
        }
        if (!acc) return null;
        for (const c of neg) {
          const r = await this.node(kind, { ...c, negated: false } as TextNode, size, []);
          if (r) for (let w = 0; w < size; w++) acc[w] &= ~r.bits[w];
        }
        return { bits: acc, leaves };
      }
    }
  }

  /**
   * The match set and bm25 leaves of a query's text part (`extra`: the tag clauses the compiler
   * adds), or null when the index cannot answer it exactly (the caller asks the database).
   * `{ bits: null }` means the query has no positive text part.
   */
  async plan(
    kind: DocKind,
    query: ParsedQuery,
    extra: TextNode[],
  ): Promise<Plan | { bits: null } | null> {
    if (!this.ready(kind)) return null;
    const p = this.postings[kind]!;
    const size = p.words();
    const leaves: Leaf[] = [];
    try {
      let acc: Bits | null = null;
      for (const n of [...query.must, ...extra]) {
        const r = await this.node(kind, n, size, leaves);
        if (!r) continue;
        if (!acc) acc = r.bits.slice();
        else for (let w = 0; w < size; w++) acc[w] &= r.bits[w];
      }
      if (!acc) return { bits: null };
      for (const n of query.not) {
        const r = await this.node(
          kind,
          n.type === 'term' || n.type === 'phrase' ? { ...n, negated: false } : n,
          size,
          [],
        );
        if (r) for (let w = 0; w < size; w++) acc[w] &= ~r.bits[w];
      }
      if (!this.ready(kind) || this.postings[kind] !== p) return null;
      return { bits: acc, leaves };
    } catch (e) {
      if (e instanceof Unsupported) return null;
      throw e;
    }
  }

  ids(plan: Plan): Int32Array {
    return bitsToIds(plan.bits);
  }

  /** bm25 (as FTS5 computes it, higher is better) of each candidate (ascending ids). */
  scores(kind: DocKind, plan: Plan, cand: Int32Array): Float64Array {
    const p = this.postings[kind]!;
    const n = p.count();
    const avgdl = p.avgdl();
    const score = new Float64Array(cand.length);
    const norm = new Float64Array(cand.length);
    for (let i = 0; i < cand.length; i++) norm[i] = K1 * (1 - B + (B * p.docLen(cand[i])) / avgdl);
    const acc = new Float64Array(cand.length);
    const tmp = new Float64Array(cand.length);
    const deadline = currentDeadline();
    for (const leaf of plan.leaves) {
      deadline?.check();
      const hits = bitsCount(leaf.bits);
      const idf = idfOf(n, hits);
      acc.fill(0);
      leaf.groups.forEach((g, gi) => {
        const target = leaf.phrase ? tmp : acc;
        if (leaf.phrase) tmp.fill(0);
        for (const t of g) p.addFreqs(t, cand, target);
        if (leaf.phrase)
          for (let i = 0; i < cand.length; i++)
            acc[i] = gi === 0 ? tmp[i] : Math.min(acc[i], tmp[i]);
      });
      if (leaf.phrase) {
        // A phrase occurs at least once where it matched; at most as often as its rarest word.
        const w = leaf.bits;
        for (let i = 0; i < cand.length; i++) {
          const id = cand[i];
          const inside = id >> 5 < w.length && (w[id >> 5] & (1 << (id & 31))) !== 0;
          acc[i] = inside ? Math.max(1, leaf.groups.length ? acc[i] : 1) : 0;
        }
      }
      for (let i = 0; i < cand.length; i++) {
        const f = acc[i];
        if (f > 0) score[i] += (idf * (f * (K1 + 1))) / (f + norm[i]);
      }
    }
    return score;
  }

  /**
   * The k best candidates (ascending ids) by bm25, score descending then id ascending: exactly
   * what scoring every candidate gives. Large candidate sets are pruned first (MaxScore over champion
   * lists): the candidates in the leaves' champion lists (plus changed documents) are scored; every
   * other candidate's score is at most the sum over leaves of idf·(k1+1)·(the weight bound of the
   * leaf's terms outside their lists), so when the k-th best scored candidate beats that bound the
   * rest need not be looked at. Otherwise a longer prefix of the lists is tried, then every candidate.
   */
  top(kind: DocKind, plan: Plan, cand: Int32Array, k: number, all = false): RankedId[] {
    if (cand.length >= PRUNING.from && k <= 200 && plan.leaves.length) {
      const r = this.pruned(kind, plan, cand, k, all);
      if (r) {
        this.rankStats.pruned++;
        return r;
      }
    }
    this.rankStats.full++;
    return topScores(cand, this.scores(kind, plan, cand), k);
  }

  private pruned(
    kind: DocKind,
    plan: Plan,
    cand: Int32Array,
    k: number,
    all: boolean,
  ): RankedId[] | null {
    const p = this.postings[kind]!;
    // The candidates as bits: the plan's own when they are all of its matches (the caller says so,
    // and the plan holds as many).
    const size = Math.max(p.words(), (cand[cand.length - 1] >> 5) + 1);
    let cb: Uint32Array;
    if (all && plan.bits.length === size && bitsCount(plan.bits) === cand.length) cb = plan.bits;
    else {
      cb = new Uint32Array(size);
      for (let i = 0; i < cand.length; i++) cb[cand[i] >> 5] |= 1 << (cand[i] & 31);
    }
    // Word starts are first bounded from their words' own lists (kept in the index file); a word
    // start's group list (made on first use, see groupChampion) only when that bound is too loose.
    const multi = plan.leaves.some((leaf) => leaf.groups.some((g) => g.length > 1));
    const lists = this.rankStats.groupLists;
    const r = this.prunedWith(kind, p, plan, cb, k, false);
    if (r && multi && this.rankStats.groupLists === lists) this.rankStats.prefixWordLists++;
    return r ?? (multi ? this.prunedWith(kind, p, plan, cb, k, true) : null);
  }

  private prunedWith(
    kind: DocKind,
    p: KindPostings,
    plan: Plan,
    cb: Uint32Array,
    k: number,
    groupLists: boolean,
  ): RankedId[] | null {
    const n = p.count();
    const avgdl = p.avgdl();
    const size = cb.length;
    const idfs = plan.leaves.map((leaf) => idfOf(n, bitsCount(leaf.bits)));
    // A document's phrase frequency is at least 1: its weight is at most 1 / (1 + k1·(1 − b)).
    const one = 1 / (1 + K1 * (1 - B));
    for (const m of PRUNING.tiers) {
      checkDeadline();
      const sb = new Uint32Array(size);
      /**
       * Marks the candidates in the first m entries of a list; returns the list's weight bound for
       * the rest, as made (at the list's avgdl).
       */
      const listed = (c: Champion): number => {
        const last = Math.min(m, c.ids.length - 1);
        const b = c.w[last];
        for (let i = 0; i < last && c.w[i] > b; i++) {
          const id = c.ids[i];
          if (cb[id >> 5] & (1 << (id & 31))) sb[id >> 5] |= 1 << (id & 31);
        }
        return b;
      };
      /** Marks a group's exactly scored candidates; returns the weight bound for the others. */
      const group = (g: number[]): number => {
        // Several terms (a prefix): the group's own list bounds their summed frequency.
        const gc =
          g.length > 1 && (groupLists || p.hasGroupChampion(g)) ? p.groupChampion(g) : null;
        if (gc) {
          this.rankStats.groupLists++;
          return Math.min(1, listed(gc) * Math.max(1, avgdl / gc.avgdl));
        }
        // Outside a term's list, its weight f / (f + norm) is at most w, so f / norm is at most
        // w / (1 − w) (times avgdl / the list's avgdl when the average length grew since). The
        // group's summed frequency over norm is at most the sum R of those, and its weight at
        // most R / (R + 1): tighter than summing the weights (bm25's weight is subadditive).
        let ratio = 0;
        for (const t of g) {
          const c = p.champion(t);
          if (!c) {
            const d = p.dense[t];
            if (d) for (let w = 0; w < d.length && w < size; w++) sb[w] |= d[w] & cb[w];
            else {
              const ids = p.ids[t]!;
              for (let i = 0; i < ids.length; i++) {
                const id = ids[i];
                if (cb[id >> 5] & (1 << (id & 31))) sb[id >> 5] |= 1 << (id & 31);
              }
            }
            continue;
          }
          const w = listed(c);
          ratio += w >= 1 ? Infinity : (w / (1 - w)) * Math.max(1, avgdl / c.avgdl);
        }
        return ratio === Infinity ? 1 : Math.min(1, ratio / (ratio + 1));
      };
      let ub = 0;
      plan.leaves.forEach((leaf, li) => {
        let b: number;
        if (!leaf.phrase)
          b = Math.min(
            1,
            leaf.groups.reduce((s, g) => s + group(g), 0),
          );
        else {
          let least = 1;
          for (const g of leaf.groups) least = Math.min(least, group(g));
          // Every word of a matched phrase occurs in the document, so its (estimated) frequency is
          // at most each word's: outside every word's list, at most the smallest bound.
          b = leaf.groups.length ? least : one;
        }
        ub += idfs[li] * (K1 + 1) * b;
      });
      // Changed documents: their built postings are stale, so they are always scored.
      if (p.changed.size)
        for (let w = 0; w < p.dirty.length && w < size; w++) sb[w] |= p.dirty[w] & cb[w];
      const s = bitsToIds(sb);
      if (s.length < k) continue;
      const best = topScores(s, this.scores(kind, plan, s), k);
      if (best[k - 1].score > ub * (1 + 1e-9) + 1e-12) return best;
    }
    return null;
  }

  /** Memory held by the postings (bytes, approximate). */
  memoryBytes(): number {
    let n = 0;
    for (const kind of ['cable', 'story'] as const) {
      const p = this.postings[kind];
      if (!p) continue;
      n += p.present.byteLength + p.len.byteLength;
      for (let t = 0; t < p.termNames.length; t++)
        n +=
          (p.dense[t]?.byteLength ?? 0) +
          (p.cum[t]?.byteLength ?? 0) +
          (p.ids[t]?.byteLength ?? 0) +
          p.freq[t].byteLength +
          48;
    }
    return n;
  }

  termCount(kind: DocKind): number {
    return this.postings[kind]?.termNames.length ?? 0;
  }
}

/** A kind's dictionaries in name order (SortedWords) and what was added to them since. */
interface WordDict extends SortedWords {
  /** Terms with ids from here on are newer than the order (looked through one by one). */
  terms: number;
  /** Surface words learned since the order was made. */
  later: string[];
}

/** The first of n sorted strings (the i-th is at(i)) that is not below `s`. */
function lowerBound(n: number, at: (i: number) => string, s: string): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (at(m) < s) lo = m + 1;
    else hi = m;
  }
  return lo;
}

interface Row {
  id: number;
  fields: string[];
  /** Tokens per field (filled by learn()). */
  tokens?: string[][];
}

/** The reading threads of a build (terms-tokens-worker.ts): answers come back in request order. */
class TokenReaders {
  readonly workers: import('node:worker_threads').Worker[] = [];
  private readonly waiting: { resolve: (b: TokenBatch) => void; reject: (e: Error) => void }[][] =
    [];

  constructor(n: number, file: string, source: TokenSource) {
    for (let i = 0; i < n; i++) {
      const w = startWorker(import.meta.url, './terms-tokens-worker.ts', {
        workerData: { file, source },
      });
      const queue: (typeof this.waiting)[number] = [];
      const fail = (e: Error) => {
        for (const q of queue.splice(0)) q.reject(e);
      };
      w.on('message', (msg: TokenBatch | { error: string }) => {
        const q = queue.shift();
        if ('error' in msg) q?.reject(new Error(msg.error));
        else q?.resolve(msg);
      });
      w.on('error', fail);
      w.on('exit', () => fail(new Error('term index reader stopped')));
      this.workers.push(w);
      this.waiting.push(queue);
    }
  }

  read(worker: number, from: number, to: number): Promise<TokenBatch> {
    return new Promise((resolve, reject) => {
      this.waiting[worker].push({ resolve, reject });
      this.workers[worker].postMessage({ from, to });
    });
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}
