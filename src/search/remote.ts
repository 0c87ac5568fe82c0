/**
 * Searches answered by a worker thread (search-worker.ts) that holds the facet columns and the term
 * index, so the server's event loop keeps serving pages while a search counts facets or ranks
 * over a quarter of a million cables, and a search uses the second core. When no worker can start
 * (or one dies: the database was unreachable when it started, say), searches run in this thread
 * instead, through the same SearchService, and a new worker is tried half a minute later.
 */
import type { Worker } from 'node:worker_threads';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import { openSearchIndex } from './index.ts';
import type { SearchParams } from './query.ts';
import { SearchService, type SearchOutcome } from './service.ts';
import type { SearchWorkerData } from './search-worker.ts';

/** What answers searches for the web app. */
export interface Searcher {
  search(params: SearchParams): Promise<SearchOutcome>;
  /** Where the last answer's matching came from: the in-memory term index, or the database. */
  readonly index: 'memory' | 'database';
  close(): Promise<void>;
}

/** After a worker failed, searches run in this thread for this long before a new worker is tried. */
const RETRY_MS = 30_000;

interface Pending {
  params: SearchParams;
  resolve(v: SearchOutcome): void;
  reject(e: Error): void;
}

export interface SearcherOptions {
  /** Where the term index is kept between runs. */
  termsFile: string | null;
  /** false: answer in this thread (no worker). */
  worker?: boolean;
}

/** A Searcher on a worker thread, falling back to this thread. */
export class WorkerSearcher implements Searcher {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private local: Promise<SearchService> | null = null;
  private closed = false;
  index: 'memory' | 'database' = 'database';

  /** When the last worker failed (a new one is tried a while later). */
  private failedAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly options: SearcherOptions,
  ) {}

  /** The worker, started on first use and again a while after one failed (null: search here). */
  private current(): Worker | null {
    if (
      this.worker ||
      this.closed ||
      this.options.worker === false ||
      Date.now() - this.failedAt < RETRY_MS
    )
      return this.worker;
    try {
      const data: SearchWorkerData = {
        db: this.db.target,
        termsFile: this.options.termsFile,
      };
      const worker = startWorker(import.meta.url, './search-worker.ts', { workerData: data });
      worker.on(
        'message',
        (msg: {
          id?: number;
          outcome?: SearchOutcome;
          index?: 'memory' | 'database';
          error?: string;
          code?: string;
        }) => {
          if (msg.id === undefined) return;
          const p = this.pending.get(msg.id);
          if (!p) return;
          this.pending.delete(msg.id);
          if (this.pending.size === 0) worker.unref();
          if (msg.outcome) {
            this.index = msg.index ?? 'database';
            p.resolve(msg.outcome);
          } else
            p.reject(
              Object.assign(
                new Error(msg.error ?? 'search failed'),
                msg.code ? { code: msg.code } : {},
              ),
            );
        },
      );
      worker.on('error', (err) => this.fail(worker, err));
      worker.on('exit', (code) =>
        this.fail(worker, new Error(`search worker exited with code ${code}`)),
      );
      worker.unref();
      this.worker = worker;
    } catch (err) {
      this.failedAt = Date.now();
      process.emitWarning(
        `search worker did not start, searching on the main thread: ${(err as Error).message}`,
      );
    }
    return this.worker;
  }

  /** The worker thread answering searches now (null: this thread answers). */
  get thread(): Worker | null {
    return this.worker;
  }

  /** This thread's SearchService (no worker, or it died). */
  private service(): Promise<SearchService> {
    this.local ??= openSearchIndex(this.db).then(
      (index) =>
        new SearchService(this.db, index, { memoryIndex: true, termsFile: this.options.termsFile }),
    );
    this.local.catch(() => {
      this.local = null;
    });
    return this.local;
  }

  async search(params: SearchParams): Promise<SearchOutcome> {
    const worker = this.current();
    if (!worker) {
      const svc = await this.service();
      const out = await svc.search(params);
      this.index = svc.terms?.ready('cable') ? 'memory' : 'database';
      return out;
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { params, resolve, reject });
      worker.ref();
      worker.postMessage({ id, params });
    });
  }

  /** A dead worker: its searches (and every later one) run in this thread. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failedAt = Date.now();
    if (!this.closed)
      process.emitWarning(`search worker failed, searching on the main thread: ${err.message}`);
    const waiting = [...this.pending.values()];
    this.pending.clear();
    // Until a new worker is tried (RETRY_MS later), searches run here.
    for (const p of waiting) this.search(p.params).then(p.resolve, p.reject);
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage({ close: true });
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    }
    const local = await this.local?.catch(() => null);
    await local?.index.close();
  }
}
