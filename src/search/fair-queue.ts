/**
 * Fair queueing in front of the search threads. Searches wait in one bounded queue per client and
 * are started round-robin between clients, at most `slots` at a time (one per search thread). A
 * client that sends many searches only ever has one of them ahead of another client's next search,
 * so it cannot delay anyone by more than one query's time per turn; its searches beyond its own
 * queue's bound are refused (the route answers 429). No I/O here: the tasks are the caller's.
 *
 * Searches come in two lanes. A heavy search (word starts, many alternatives: up to the time limit
 * each) may take every slot but one, so with two or more slots a simple search never waits behind
 * heavy ones, whoever sends them; simple searches may take any free slot, and go first when
 * both lanes have searches waiting (each client's simple searches are rate limited, so heavy
 * searches still get their turn).
 */

export type Lane = 'light' | 'heavy';

/** Per-client FIFO queues served round-robin (clients in the order they last became waiting). */
export class FairQueue<T> {
  private readonly queues = new Map<string, T[]>();
  private count = 0;

  constructor(
    /** Most items one client may have waiting. */
    readonly perClient: number,
    /** Most items waiting in all (a bound on memory whatever the number of clients). */
    readonly maxTotal = Infinity,
  ) {}

  /** Adds an item at the end of its client's queue; says why when it cannot. */
  push(client: string, item: T): 'queued' | 'client-full' | 'full' {
    const q = this.queues.get(client);
    if ((q?.length ?? 0) >= this.perClient) return 'client-full';
    if (this.count >= this.maxTotal) return 'full';
    if (q) q.push(item);
    else this.queues.set(client, [item]);
    this.count++;
    return 'queued';
  }

  /** The next item: the head of the queue of the client whose turn it is (then it goes last). */
  shift(): { client: string; item: T } | undefined {
    const first = this.queues.entries().next();
    if (first.done) return undefined;
    const [client, q] = first.value;
    const item = q.shift()!;
    this.queues.delete(client);
    if (q.length) this.queues.set(client, q);
    this.count--;
    return { client, item };
  }

  /** Takes an item out wherever it waits (a request that went away). */
  remove(client: string, item: T): boolean {
    const q = this.queues.get(client);
    const i = q ? q.indexOf(item) : -1;
    if (!q || i < 0) return false;
    q.splice(i, 1);
    if (!q.length) this.queues.delete(client);
    this.count--;
    return true;
  }

  /** Items waiting in all. */
  get size(): number {
    return this.count;
  }

  /** Items one client has waiting. */
  depth(client: string): number {
    return this.queues.get(client)?.length ?? 0;
  }

  /** Clients with items waiting. */
  get clients(): number {
    return this.queues.size;
  }
}

/** A search refused because its client (or everyone) has too many waiting. */
export class QueueFull extends Error {
  constructor(readonly scope: 'client' | 'all') {
    super(
      scope === 'client'
        ? 'too many searches waiting for this client'
        : 'too many searches waiting',
    );
  }
}

interface Job<R> {
  task: () => Promise<R>;
  resolve(v: R): void;
  reject(e: unknown): void;
  lane: Lane;
}

/** Runs tasks at most `slots` at a time, taken from a FairQueue per lane. */
export class FairScheduler<R> {
  private running = 0;
  private runningHeavy = 0;
  private readonly queues: Record<Lane, FairQueue<Job<R>>>;

  constructor(
    readonly slots: number,
    perClient: number,
    maxTotal = Infinity,
  ) {
    // One bound per client across both lanes is kept by checking the sum in run().
    this.queues = {
      light: new FairQueue(perClient, maxTotal),
      heavy: new FairQueue(perClient, maxTotal),
    };
    this.perClient = perClient;
    this.maxTotal = maxTotal;
  }

  private readonly perClient: number;
  private readonly maxTotal: number;

  /** Heavy searches running at once: all slots but one (one when there is a single slot). */
  get heavySlots(): number {
    return Math.max(1, this.slots - 1);
  }

  private canStart(lane: Lane): boolean {
    if (this.running >= this.slots) return false;
    return lane === 'light' || this.runningHeavy < this.heavySlots;
  }

  /**
   * Runs `task` when its client's turn comes in its lane. Rejects with QueueFull (nothing runs)
   * when the client's queue is full; an aborted `signal` takes a waiting task out (rejecting with
   * its reason).
   */
  run(
    client: string,
    task: () => Promise<R>,
    signal?: AbortSignal,
    lane: Lane = 'light',
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const job: Job<R> = { task, resolve, reject, lane };
      const queue = this.queues[lane];
      if (this.canStart(lane) && queue.size === 0) {
        this.start(job);
        return;
      }
      if (this.waitingFor(client) >= this.perClient) {
        reject(new QueueFull('client'));
        return;
      }
      if (this.waiting >= this.maxTotal) {
        reject(new QueueFull('all'));
        return;
      }
      queue.push(client, job);
      signal?.addEventListener(
        'abort',
        () => {
          if (queue.remove(client, job)) reject(signal.reason ?? new Error('aborted'));
        },
        { once: true },
      );
    });
  }

  private start(job: Job<R>): void {
    this.running++;
    if (job.lane === 'heavy') this.runningHeavy++;
    let p: Promise<R>;
    try {
      p = job.task();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(job.resolve, job.reject).finally(() => {
      this.running--;
      if (job.lane === 'heavy') this.runningHeavy--;
      this.pump();
    });
  }

  private pump(): void {
    for (;;) {
      const lane: Lane | null =
        this.queues.light.size && this.canStart('light')
          ? 'light'
          : this.queues.heavy.size && this.canStart('heavy')
            ? 'heavy'
            : null;
      if (!lane) return;
      this.start(this.queues[lane].shift()!.item);
    }
  }

  /** Searches waiting (not running). */
  get waiting(): number {
    return this.queues.light.size + this.queues.heavy.size;
  }

  /** Searches running now. */
  get active(): number {
    return this.running;
  }

  /** Searches one client has waiting. */
  waitingFor(client: string): number {
    return this.queues.light.depth(client) + this.queues.heavy.depth(client);
  }
}
