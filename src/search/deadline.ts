/**
 * A search's time limit, checked cooperatively: the search thread's hot loops (matching, prefix
 * expansion, facet counting, ranking) call `checkDeadline()` every so often, and a search past its
 * deadline stops there with SearchTimeout. The deadline travels with the search through its awaits
 * (AsyncLocalStorage), so several searches in hand on one thread each keep their own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class SearchTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`search stopped after its ${limitMs} ms limit`);
  }
}

export class Deadline {
  private at: number;
  constructor(
    readonly limitMs: number,
    /** The clock (milliseconds). */
    readonly now: () => number = () => performance.now(),
  ) {
    this.at = now() + limitMs;
  }
  /**
   * Moves the deadline by the time since `since` (a reading of `now`): time spent waiting for
   * work shared with other searches (the first load of the facet columns) is not this search's.
   */
  exclude(since: number): void {
    this.at += Math.max(0, this.now() - since);
  }
  get passed(): boolean {
    return this.now() >= this.at;
  }
  /** Throws SearchTimeout once the deadline has passed. */
  check(): void {
    if (this.now() >= this.at) throw new SearchTimeout(this.limitMs);
  }
}

const current = new AsyncLocalStorage<Deadline>();

/** Runs `fn` (and everything it awaits) under a deadline. */
export function withDeadline<T>(deadline: Deadline | null, fn: () => Promise<T>): Promise<T> {
  return deadline ? current.run(deadline, fn) : fn();
}

/** The running search's deadline (null: none). Read it once before a loop, check inside. */
export function currentDeadline(): Deadline | null {
  return current.getStore() ?? null;
}

/** Throws SearchTimeout when the running search is past its deadline. */
export function checkDeadline(): void {
  current.getStore()?.check();
}
