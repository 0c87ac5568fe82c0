/**
 * SQLite implementation of SearchIndex: FTS5 external-content tables (porter tokenizer) read
 * through a separate read-only connection, so searches use prepared statements with raw integer
 * results and never queue behind the writer. The reads run in a worker thread (sqlite-worker.ts,
 * one per index, started by the first read; reads run on the calling thread until it is up), so a
 * slow query (a common phrase takes 120–260 ms over the whole archive) does not block the event
 * loop; match sets come back as transferred typed arrays. If the worker cannot start or dies, the
 * same statements (sqlite-reads.ts) run on the calling thread instead, the requests it had
 * included. Matching returns bare rowids (no ranking); ranking runs only where a page needs it
 * (see rank()).
 */
import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import { toFts5Match } from './compile.ts';
import type { ParsedQuery } from './query.ts';
import type { DocKind, RankedId, SearchIndex } from './search-index.ts';
import { COMPILE } from './service.ts';
import {
  Fts5Reads,
  TIER_THRESHOLD,
  titleTier,
  type ReadRequest,
  type ReadResult,
} from './sqlite-reads.ts';

export { TIER_THRESHOLD };

export interface SqliteSearchIndexOptions {
  /** Run the reads in a worker thread (default); false runs them on the calling thread. */
  worker?: boolean;
}

interface Pending {
  req: ReadRequest;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

type Reply =
  | { ready: true }
  | { id: number; out: unknown; error?: undefined }
  | { id: number; error: { message: string; name: string; code?: string } };

export class SqliteSearchIndex implements SearchIndex {
  readonly engine = 'sqlite' as const;
  /** The calling thread's connection: used without a worker, and when the worker fails. */
  private readonly local: Fts5Reads;
  private worker: Worker | null = null;
  /**
   * idle: no worker yet (one starts with the first read); starting: reads run on this thread
   * until the worker has opened the database; running: reads go to the worker; thread: reads run
   * on this thread for good (no worker wanted, or it failed).
   */
  private state: 'idle' | 'starting' | 'running' | 'thread' | 'closed';
  private started: Promise<boolean> = Promise.resolve(false);
  private onStarted: (ok: boolean) => void = () => {};
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  private drained: (() => void) | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    opts: SqliteSearchIndexOptions = {},
  ) {
    this.local = new Fts5Reads(file);
    this.state = opts.worker === false ? 'thread' : 'idle';
  }

  static open(db: Db, opts?: SqliteSearchIndexOptions): SqliteSearchIndex {
    if (!db.file) throw new Error('the SQLite search index needs a database file');
    return new SqliteSearchIndex(db.file, opts);
  }

  /** Where reads run now: in the worker, or on the calling thread. */
  get mode(): 'worker' | 'thread' {
    return this.state === 'running' ? 'worker' : 'thread';
  }

  /** The worker thread, once started (for diagnostics and tests). */
  get thread(): Worker | null {
    return this.worker;
  }

  /**
   * Starts the worker if need be and waits until it runs the reads (true), or until it is clear
   * that they run on this thread (false: no worker wanted, it failed, or the index was closed).
   */
  async ready(): Promise<boolean> {
    this.ensureWorker();
    if (this.state !== 'starting') return this.state === 'running';
    this.worker?.ref();
    const ok = await this.started;
    if (!this.pending.size) this.worker?.unref();
    return ok;
  }

  private matchText(query: ParsedQuery): string | null {
    return toFts5Match(query, COMPILE)?.match ?? null;
  }

  async match(kind: DocKind, query: ParsedQuery): Promise<Int32Array | null> {
    const m = this.matchText(query);
    if (!m) return null;
    return this.call({ op: 'match', kind, match: m });
  }

  /**
   * Top k by bm25 among the candidates; large sets are ranked through a title tier first (see
   * Fts5Reads.rank()).
   */
  async rank(
    kind: DocKind,
    query: ParsedQuery,
    candidates: Int32Array,
    k: number,
    all: boolean,
  ): Promise<RankedId[]> {
    const m = this.matchText(query);
    if (!m || candidates.length === 0 || k <= 0) return [];
    const tier = candidates.length > TIER_THRESHOLD ? titleTier(query) : null;
    const req = {
      op: 'rank',
      kind,
      match: m,
      tier,
      candidates: all ? null : candidates,
      k,
    } as const;
    // The worker gets its own copy of the candidates (transferred); the caller keeps its array,
    // which is also what a request falls back to if the worker dies.
    const copy = req.candidates?.slice() ?? null;
    const posted = { ...req, candidates: copy };
    const r = await this.call(req, posted, copy ? [copy.buffer as ArrayBuffer] : []);
    return Array.from(r.ids, (id, i) => ({ id, score: r.scores[i] }));
  }

  async snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>> {
    const m = this.matchText(query);
    if (!m || !ids.length) return new Map();
    return new Map(await this.call({ op: 'snippets', kind, match: m, ids }));
  }

  /**
   * Runs a request on the worker (`posted` is what is sent, `transfer` its buffers to move), or
   * on this thread while there is no running worker. Errors arrive as rejections either way.
   */
  private call<R extends ReadRequest>(
    req: R,
    posted: R = req,
    transfer: ArrayBuffer[] = [],
  ): Promise<ReadResult<R>> {
    const worker = this.closing ? null : this.ensureWorker();
    if (!worker) return new Promise((resolve) => resolve(this.local.run(req)));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { req, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ id, req: posted }, transfer);
      } catch (err) {
        this.fail(err as Error);
      }
    });
  }

  /** The running worker; starts one on first use (reads stay on this thread until it is up). */
  private ensureWorker(): Worker | null {
    if (this.state === 'running') return this.worker;
    if (this.state !== 'idle') return null;
    this.state = 'starting';
    this.started = new Promise((resolve) => (this.onStarted = resolve));
    let w: Worker;
    try {
      w = startWorker(import.meta.url, './sqlite-worker.ts', { workerData: { file: this.file } });
    } catch (err) {
      this.fail(err as Error);
      return null;
    }
    this.worker = w;
    w.unref();
    w.on('message', (msg: Reply) => {
      if ('ready' in msg) {
        if (this.state === 'starting' && this.worker === w) {
          this.state = 'running';
          this.onStarted(true);
        }
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.settled(msg.id);
      if (msg.error) p.reject(toError(msg.error));
      else p.resolve(msg.out);
    });
    w.on('messageerror', (err) => this.fail(err));
    w.on('error', (err) => this.fail(err));
    w.on('exit', (code) => {
      if (this.worker === w) this.fail(new Error(`the worker exited with code ${code}`));
    });
    return null;
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size) return;
    this.worker?.unref();
    this.drained?.();
  }

  /** The worker is gone: its requests, and every later one, run on this thread. */
  private fail(err: Error): void {
    if (this.state === 'thread' || this.state === 'closed') return;
    process.emitWarning(
      `search worker failed, running FTS5 reads on the main thread instead: ${err?.message ?? err}`,
    );
    this.state = 'thread';
    this.onStarted(false);
    const w = this.worker;
    this.worker = null;
    w?.terminate().catch(() => {});
    for (const [id, p] of [...this.pending]) {
      this.settled(id);
      try {
        p.resolve(this.local.run(p.req));
      } catch (e) {
        p.reject(e as Error);
      }
    }
  }

  /** Waits for the requests in flight, then stops the worker and closes the connection. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      if (this.pending.size) await new Promise<void>((r) => (this.drained = r));
      const w = this.worker;
      this.worker = null;
      this.state = 'closed';
      this.onStarted(false);
      await w?.terminate();
      this.local.close();
    })();
    return this.closed;
  }
}

/** The worker's error as it was thrown there (SqliteError keeps its class and code). */
function toError(e: { message: string; name: string; code?: string }): Error {
  if (e.name === 'SqliteError' && e.code) return new Database.SqliteError(e.message, e.code);
  const err = new Error(e.message) as Error & { code?: string };
  if (e.name !== 'Error') err.name = e.name;
  if (e.code) err.code = e.code;
  return err;
}
