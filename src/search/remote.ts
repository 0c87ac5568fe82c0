/**
 * Searches answered by worker threads (search-worker.ts) that hold the facet columns and the term
 * index, so the server's event loop keeps serving pages while a search counts facets or ranks
 * over a quarter of a million cables, and searches use the other cores.
 *
 * Lanes (see fair-queue.ts): with two workers or more, the first is the light thread and the others
 * are heavy threads. Heavy searches (word starts, many alternatives: up to the time limit each) go
 * only to heavy threads, which run at a low CPU priority (nice BACKGROUND_NICE on Linux, see
 * src/platform/thread-priority.ts), so the event loop and simple searches win the cores from them.
 * Simple searches go to the light thread, which runs at the process's priority, or to a thread that
 * has nothing in hand when the light one is busy; so a simple search never waits behind a heavy one
 * in a thread's message queue. With one worker, it answers both lanes at the process's priority.
 *
 * The first worker (the leader) loads the term index from its file or builds it; the others
 * (followers) are handed the leader's index as shared memory (a SharedArrayBuffer, see
 * terms-file.ts), so N workers hold one copy of it, and never build one themselves.
 *
 * When no worker can start (or one dies: the database was unreachable when it started, say), its
 * searches run on the remaining workers, or in this thread when none is left, through the same
 * SearchService; a new worker is tried half a minute later.
 */
import type { Worker } from 'node:worker_threads';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import { BACKGROUND_NICE } from '../platform/thread-priority.ts';
import { openSearchIndex } from './search-index.ts';
import type { SearchParams } from './query.ts';
import { SearchService, type SearchBudget, type SearchOutcome } from './service.ts';
import type { SearchWorkerData, WorkerReply } from './search-worker.ts';
import type { RelatedCable } from './related.ts';
import type { Lane } from './fair-queue.ts';
import { sharedNow, withTiming, type SearchTiming } from './timing.ts';

/** What answers searches for the web app. */
export interface Searcher {
  /** A search within its budget (cost limits, time limit; plain data, it crosses to a thread). */
  search(
    params: SearchParams,
    budget?: Omit<SearchBudget, 'now'>,
    lane?: Lane,
    /** Filled in with where the search's time went (see timing.ts). */
    timing?: SearchTiming,
  ): Promise<SearchOutcome>;
  /**
   * The `k` cables most like a cable, from a search thread whose term index is ready, within
   * `timeMs` there; null when no such thread is running (or the cable is unknown, or time ran out).
   */
  related(referenceId: string, k: number, timeMs: number): Promise<RelatedCable[] | null>;
  /** Where the last answer's matching came from: the in-memory term index, or the database. */
  readonly index: 'memory' | 'database';
  /** Search worker threads whose term index has been ready, of those wanted. */
  readonly workers: { warm: number; total: number };
  close(): Promise<void>;
}

/** After a worker failed, its slot stays empty for this long before a new worker is tried. */
const RETRY_MS = 30_000;

interface Pending {
  params: SearchParams;
  budget: Omit<SearchBudget, 'now'>;
  lane: Lane;
  timing?: SearchTiming;
  resolve(v: SearchOutcome): void;
  reject(e: Error): void;
}

/** A related-cables question in a worker's hands (a failed worker's are answered null). */
interface Asked {
  resolve(v: RelatedCable[] | null): void;
}

export interface SearcherOptions {
  /** Where the term index is kept between runs. */
  termsFile: string | null;
  /** Search worker threads (0: answer in this thread). Default 1. */
  workers?: number;
  /** Answers each thread keeps for repeated searches (see SearchService); default RESULT_CACHE. */
  answerCache?: number;
}

/** One worker thread and the searches it has in hand. */
interface Slot {
  worker: Worker | null;
  pending: Map<number, Pending>;
  asked: Map<number, Asked>;
  /** When its last worker failed (a new one is tried a while later). */
  failedAt: number;
  /** Its term index has been ready (searches go to such workers first), and where it came from. */
  warm: boolean;
  source: string | null;
  /** The worker's nice value as the kernel has it (null: not known, or not per thread here). */
  nice: number | null;
  /** Searches answered by this slot's workers, per lane. */
  answered: Record<Lane, number>;
}

/** What pickSlot needs of a slot. */
export interface SlotLoad {
  running: boolean;
  warm: boolean;
  /** Searches in hand (sent, not answered), and how many of them are heavy. */
  pending: number;
  heavy: number;
}

/**
 * The slot a search goes to (-1: none running). With one slot, that one. With more, slot 0 is the
 * light thread: a heavy search goes to the heavy slot (1…) with the fewest in hand; a simple
 * search to slot 0, unless it has searches in hand and another slot has none. Among candidates, a
 * slot whose term index is ready goes before one still loading.
 */
export function pickSlot(lane: Lane, slots: SlotLoad[]): number {
  const better = (a: SlotLoad, b: SlotLoad) =>
    (a.warm && !b.warm) || (a.warm === b.warm && a.pending < b.pending);
  const best = (from: number) => {
    let found = -1;
    for (let i = from; i < slots.length; i++)
      if (slots[i].running && (found < 0 || better(slots[i], slots[found]))) found = i;
    return found;
  };
  if (slots.length < 2) return best(0);
  if (lane === 'heavy') {
    const h = best(1);
    return h >= 0 ? h : best(0);
  }
  const light = slots[0];
  const anyWarm = slots.some((s) => s.running && s.warm);
  if (light.running && light.pending === 0 && (light.warm || !anyWarm)) return 0;
  // The light thread is busy (or not there, or still loading): a slot with nothing in hand (its
  // index ready first), else the light thread, else whichever is least busy.
  let idle = -1;
  for (let i = 1; i < slots.length; i++)
    if (slots[i].running && slots[i].pending === 0 && (idle < 0 || better(slots[i], slots[idle])))
      idle = i;
  if (idle >= 0 && (slots[idle].warm || !light.running || !light.warm)) return idle;
  return light.running ? 0 : best(0);
}

/** A Searcher on worker threads, falling back to this thread. */
export class WorkerSearcher implements Searcher {
  private readonly slots: Slot[];
  private nextId = 1;
  private local: Promise<SearchService> | null = null;
  private closed = false;
  /** The term index the leader has in place, as shared memory, for followers (see module comment). */
  private shared: Uint8Array | null = null;
  index: 'memory' | 'database' = 'database';

  constructor(
    private readonly db: Db,
    private readonly options: SearcherOptions,
  ) {
    this.slots = Array.from({ length: Math.max(0, options.workers ?? 1) }, () => ({
      worker: null,
      pending: new Map(),
      asked: new Map(),
      failedAt: -Infinity,
      warm: false,
      source: null,
      nice: null,
      answered: { light: 0, heavy: 0 },
    }));
  }

  /** The slot's worker, started on first use and again a while after one failed (null: none). */
  private current(i: number): Worker | null {
    const slot = this.slots[i];
    if (slot.worker || this.closed || Date.now() - slot.failedAt < RETRY_MS) return slot.worker;
    try {
      const data: SearchWorkerData = {
        db: this.db.target,
        termsFile: this.options.termsFile,
        role: i === 0 ? 'leader' : 'follower',
        shared: i === 0 ? null : this.shared,
        // With two workers or more, all but the first are heavy threads, at a low priority.
        nice: i > 0 ? BACKGROUND_NICE : null,
        answerCache: this.options.answerCache ?? null,
      };
      const worker = startWorker(import.meta.url, './search-worker.ts', { workerData: data });
      worker.on('message', (msg: WorkerReply) => this.reply(slot, worker, msg));
      worker.on('error', (err) => this.fail(slot, worker, err));
      worker.on('exit', (code) =>
        this.fail(slot, worker, new Error(`search worker exited with code ${code}`)),
      );
      worker.unref();
      slot.worker = worker;
      slot.warm = false;
      slot.source = null;
      slot.nice = null;
    } catch (err) {
      slot.failedAt = Date.now();
      process.emitWarning(`search worker did not start: ${(err as Error).message}`);
    }
    return slot.worker;
  }

  private reply(slot: Slot, worker: Worker, msg: WorkerReply): void {
    if ('shared' in msg) {
      // The leader installed an index: the followers take the same memory (kept here for
      // followers started later; a single worker has none, and holding it would keep an old index
      // alive after the leader moved on).
      if (this.slots.length > 1) this.shared = msg.shared;
      for (const s of this.slots)
        if (s !== slot && s.worker) s.worker.postMessage({ shared: msg.shared });
      return;
    }
    if ('ready' in msg) {
      if (slot.worker === worker) slot.nice = msg.nice;
      return;
    }
    if ('warm' in msg) {
      if (slot.worker === worker) {
        slot.warm = true;
        slot.source = msg.source;
      }
      return;
    }
    if (!('id' in msg)) return;
    const asked = slot.asked.get(msg.id);
    if (asked) {
      slot.asked.delete(msg.id);
      if (slot.pending.size === 0 && slot.asked.size === 0) worker.unref();
      asked.resolve('related' in msg ? msg.related : null);
      return;
    }
    const p = slot.pending.get(msg.id);
    if (!p) return;
    slot.pending.delete(msg.id);
    if (slot.pending.size === 0 && slot.asked.size === 0) worker.unref();
    slot.answered[p.lane]++;
    if ('outcome' in msg) {
      this.index = msg.index;
      if (p.timing && msg.timing) Object.assign(p.timing, msg.timing);
      p.resolve(msg.outcome);
    } else if ('error' in msg)
      p.reject(
        Object.assign(new Error(msg.error ?? 'search failed'), msg.code ? { code: msg.code } : {}),
      );
    else p.reject(new Error('search failed'));
  }

  /** Search workers whose term index has been ready, and workers wanted. */
  get workers(): { warm: number; total: number } {
    const all = this.status();
    return { warm: all.filter((s) => s.running && s.warm).length, total: all.length };
  }

  /**
   * Per worker slot: running, its index ready, where the index came from (file, worker, shared),
   * its thread's nice value, and the searches it answered per lane.
   */
  status(): {
    running: boolean;
    warm: boolean;
    source: string | null;
    nice: number | null;
    answered: Record<Lane, number>;
  }[] {
    return this.slots.map((s) => ({
      running: !!s.worker,
      warm: s.warm,
      source: s.source,
      nice: s.nice,
      answered: { ...s.answered },
    }));
  }

  /** The first worker thread (null: none is running). */
  get thread(): Worker | null {
    return this.slots[0]?.worker ?? null;
  }

  /** The worker threads running now. */
  get threads(): Worker[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker] : []));
  }

  /** This thread's SearchService (no worker, or they died). */
  private service(): Promise<SearchService> {
    this.local ??= openSearchIndex(this.db).then(
      (index) =>
        new SearchService(this.db, index, {
          memoryIndex: true,
          termsFile: this.options.termsFile,
          answerCache: this.options.answerCache,
        }),
    );
    this.local.catch(() => {
      this.local = null;
    });
    return this.local;
  }

  /** Starts the worker threads now (at listen), so the first search finds them loading. */
  start(): void {
    for (let i = 0; i < this.slots.length; i++) this.current(i);
  }

  async search(
    params: SearchParams,
    budget: Omit<SearchBudget, 'now'> = {},
    lane: Lane = 'light',
    timing?: SearchTiming,
  ): Promise<SearchOutcome> {
    // The lane's thread (see pickSlot); one still loading its index answers from the database.
    const loads: SlotLoad[] = this.slots.map((s, i) => {
      const running = !!this.current(i);
      let heavy = 0;
      for (const p of s.pending.values()) if (p.lane === 'heavy') heavy++;
      return { running, warm: s.warm, pending: s.pending.size, heavy };
    });
    const picked = pickSlot(lane, loads);
    const slot = picked >= 0 ? this.slots[picked] : null;
    const worker = slot?.worker;
    if (timing) timing.slot = picked;
    if (!slot || !worker) {
      const svc = await this.service();
      const out = await withTiming(timing, () => svc.search(params, budget));
      this.index = svc.terms?.ready('cable') ? 'memory' : 'database';
      return out;
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      slot.pending.set(id, { params, budget, lane, timing, resolve, reject });
      worker.ref();
      worker.postMessage({ id, params, budget, sentAt: sharedNow() });
    });
  }

  async related(referenceId: string, k: number, timeMs: number): Promise<RelatedCable[] | null> {
    // Only a thread whose term index is ready: the answer must be cheap, and a cable page does
    // not wait for an index to load (nor starts a thread).
    let best: Slot | null = null;
    for (const s of this.slots)
      if (
        s.worker &&
        s.warm &&
        (!best || s.pending.size + s.asked.size < best.pending.size + best.asked.size)
      )
        best = s;
    const worker = best?.worker;
    if (!best || !worker) {
      const local = this.local ? await this.local.catch(() => null) : null;
      return local ? local.related(referenceId, k, timeMs) : null;
    }
    const slot = best;
    return new Promise((resolve) => {
      const id = this.nextId++;
      slot.asked.set(id, { resolve });
      worker.ref();
      worker.postMessage({ id, related: { referenceId, k, timeMs } });
    });
  }

  /** A dead worker: its searches go to the others (or this thread) until a new one is tried. */
  private fail(slot: Slot, worker: Worker, err: Error): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    slot.failedAt = Date.now();
    if (!this.closed) process.emitWarning(`search worker failed: ${err.message}`);
    const waiting = [...slot.pending.values()];
    slot.pending.clear();
    for (const a of slot.asked.values()) a.resolve(null);
    slot.asked.clear();
    for (const p of waiting)
      this.search(p.params, p.budget, p.lane, p.timing).then(p.resolve, p.reject);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = null;
        if (!worker) return;
        const exited = new Promise<void>((r) => worker.once('exit', () => r()));
        worker.postMessage({ close: true });
        const timer = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.shared = null;
    const local = await this.local?.catch(() => null);
    await local?.index.close();
  }
}
