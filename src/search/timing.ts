/**
 * Where one search's time went, stage by stage, so an operator (and the fairness bench) can tell a
 * search that waited from one that worked: its turn in the fair queue, its message waiting in the
 * search thread (behind another search's or a catch-up's synchronous step), its wait for the facet
 * columns' catch-up, its database queries (reading the page of hits; matching too while the term
 * index warms up), and its whole time in the thread. Filled in as the search goes (a plain object:
 * it crosses from the search thread in the reply), observed in `broadsheet_search_stage_seconds`
 * per lane, and sent as a `Server-Timing` header to requests that carry the metrics token.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface SearchTiming {
  /** Waiting for a turn in the fair queue (ms). */
  queueMs?: number;
  /** The search's message waiting in its thread before the thread took it up (ms). */
  postMs?: number;
  /** Waiting for the facet columns (and term index) to catch up with the change log (ms). */
  columnsMs?: number;
  /** Inside database queries reading the page of hits (ms). */
  databaseMs?: number;
  /** Inside database queries matching or ranking text (phrases, the term index not ready) (ms). */
  matchMs?: number;
  /** From the thread taking the search up to its answer (ms). */
  threadMs?: number;
  /** Garbage collection in the thread while the search was in hand (pauses it; ms). */
  gcMs?: number;
  /** Which thread answered: 0 the light one, 1… heavy ones (-1: the event loop's own service). */
  slot?: number;
  /** A large catch-up (an upload's cables) was going on in that thread when the search began. */
  catchingUp?: boolean;
}

const current = new AsyncLocalStorage<SearchTiming>();

/** Runs `fn` (and everything it awaits) recording into `timing`, its whole time as `threadMs`. */
export async function withTiming<T>(
  timing: SearchTiming | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (!timing) return fn();
  const t0 = performance.now();
  try {
    return await current.run(timing, fn);
  } finally {
    timing.threadMs = performance.now() - t0;
  }
}

/** Awaits `work` and adds its time to the running search's `stage` (when a search is recorded). */
export async function timed<T>(
  stage: 'columnsMs' | 'databaseMs' | 'matchMs',
  work: () => Promise<T>,
): Promise<T> {
  const t = current.getStore();
  if (!t) return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    t[stage] = (t[stage] ?? 0) + (performance.now() - t0);
  }
}

/** Runs `fn` recording into no search's timing (work of its own started inside a search's). */
export function outsideSearch<T>(fn: () => T): T {
  return current.exit(fn);
}

/** The running search's record (null: none). */
export function currentTiming(): SearchTiming | null {
  return current.getStore() ?? null;
}

/** Milliseconds on a clock shared by every thread of the process. */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The stages as a Server-Timing header value (durations in ms, one decimal). */
export function serverTiming(t: SearchTiming): string {
  const parts: string[] = [];
  const add = (name: string, ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms)) parts.push(`${name};dur=${ms.toFixed(1)}`);
  };
  add('queue', t.queueMs);
  add('post', t.postMs);
  add('columns', t.columnsMs);
  add('db', t.databaseMs);
  add('dbmatch', t.matchMs);
  add('thread', t.threadMs);
  add('gc', t.gcMs);
  if (t.slot !== undefined) parts.push(`slot;desc=${t.slot}`);
  if (t.catchingUp) parts.push('catchup');
  return parts.join(', ');
}

/**
 * The thread's garbage collections (from a PerformanceObserver), so a search can say how much of
 * its time the thread spent collecting: a large catch-up beside it allocates, and a collection
 * stops every search of the thread. Keeps the last few hundred pauses.
 */
export class GcPauses {
  private readonly pauses: { start: number; end: number }[] = [];
  private observer: import('node:perf_hooks').PerformanceObserver | null = null;

  async start(): Promise<void> {
    const { PerformanceObserver } = await import('node:perf_hooks');
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.record(e.startTime, e.startTime + e.duration);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** A collection from `start` to `end` (performance.now() readings, in the order they happen). */
  record(start: number, end: number): void {
    this.pauses.push({ start, end });
    if (this.pauses.length > 512) this.pauses.splice(0, this.pauses.length - 256);
  }

  /** Milliseconds of collection between `from` and `to` (performance.now() readings). */
  within(from: number, to: number): number {
    let ms = 0;
    for (let i = this.pauses.length - 1; i >= 0; i--) {
      const p = this.pauses[i];
      if (p.end < from) break;
      ms += Math.max(0, Math.min(p.end, to) - Math.max(p.start, from));
    }
    return ms;
  }

  stop(): void {
    this.observer?.disconnect();
  }
}
