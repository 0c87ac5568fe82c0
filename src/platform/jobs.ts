/**
 * Jobs: a queue in the `jobs` table and a scheduler, shared by every feature (newsletter sends,
 * feed polling, licence renewals, alerts). Works the same on SQLite and PostgreSQL, and with any
 * number of processes on one PostgreSQL database:
 *
 * - `enqueue()` adds a job; a `uniqueKey` makes it idempotent (two processes enqueueing
 *   `newsletter:2026-W48` create one job).
 * - `startWorker()` claims due jobs atomically (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
 *   `UPDATE … RETURNING` inside `BEGIN IMMEDIATE`, only once a plain read found a due job, so an
 *   idle queue never takes the write lock) and holds a lease (`locked_until`) that it renews
 *   while the handler runs. A job whose process died is claimed again once its lease expires.
 * - A failed handler is retried with exponential backoff until `max_attempts`, then marked failed.
 * - `schedule(kind, {weekday, hour, minute}, timeZone)` runs a job at a local wall-clock time each
 *   week (or day); the next occurrence comes from the pure `nextRun()` and is enqueued with a unique
 *   key, so every occurrence runs once however many processes run a worker.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import type { JobsTable } from './schema.ts';

export type Job = Selectable<JobsTable>;

export interface EnqueueOptions {
  /** When the job becomes due (default now). */
  runAt?: Date;
  /** Idempotency key: a second enqueue with the same key returns the existing job. */
  uniqueKey?: string;
  /** Attempts before the job is marked failed (default 5). */
  maxAttempts?: number;
  /** The current time (default the wall clock); tests pass their own clock. */
  now?: Date;
}

export interface EnqueueResult {
  id: number;
  /** False when a job with the same unique key already existed. */
  created: boolean;
}

/** Adds a job; with a uniqueKey, adding it again changes nothing and returns the existing job. */
export async function enqueue(
  db: Db | Kysely<Database>,
  kind: string,
  payload: unknown,
  opts: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const k = kysely(db);
  const at = opts.now ?? new Date();
  const now = at.toISOString();
  const inserted = await k
    .insertInto('jobs')
    .values({
      kind,
      payload: JSON.stringify(payload ?? {}),
      run_at: (opts.runAt ?? at).toISOString(),
      status: 'queued',
      attempts: 0,
      max_attempts: opts.maxAttempts ?? 5,
      unique_key: opts.uniqueKey ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await k
    .selectFrom('jobs')
    .select('id')
    .where('unique_key', '=', opts.uniqueKey!)
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

function kysely(db: Db | Kysely<Database>): Kysely<Database> {
  return 'kysely' in db ? db.kysely : db;
}

// ---------------------------------------------------------------------------------------------
// Claiming

/**
 * Claims one due job of the given kinds for `workerId`: a queued job whose run_at has come, or a
 * running job whose lease expired (its process died). Returns undefined when nothing is due.
 */
export async function claimJob(
  db: Db,
  kinds: string[],
  workerId: string,
  leaseMs: number,
  now = new Date(),
): Promise<Job | undefined> {
  if (!kinds.length) return undefined;
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const due = sql`kind in (${sql.join(kinds)}) and ((status = 'queued' and run_at <= ${nowIso}) or (status = 'running' and locked_until < ${nowIso}))`;
  if (db.engine === 'postgres') {
    const r = await sql<Job>`
      update jobs set status = 'running', attempts = attempts + 1, locked_by = ${workerId}, locked_until = ${until}, updated_at = ${nowIso}
      where id = (select id from jobs where ${due} order by run_at, id limit 1 for update skip locked)
      returning *`.execute(db.kysely);
    return r.rows[0];
  }
  // Nothing due (the queue's usual state, polled every second): answered by one indexed read,
  // without taking the write lock. A claim in a transaction of its own on the event loop met an
  // import's writes (on its thread) for the lock and the WAL every second; it now does only when a
  // job is due. The claim itself still checks in its transaction, so two claimers never share one.
  const any = await sql<{ id: number }>`select id from jobs where ${due} limit 1`.execute(
    db.kysely,
  );
  if (!any.rows.length) return undefined;
  return sqliteImmediate(db, async (conn) => {
    const r = await sql<Job>`
      update jobs set status = 'running', attempts = attempts + 1, locked_by = ${workerId}, locked_until = ${until}, updated_at = ${nowIso}
      where id = (select id from jobs where ${due} order by run_at, id limit 1)
      returning *`.execute(conn);
    return r.rows[0];
  });
}

/**
 * Runs `fn` in a SQLite `BEGIN IMMEDIATE` transaction: the write lock is taken before reading, so
 * two processes sharing the file never claim the same row and never fail with a stale snapshot.
 */
export async function sqliteImmediate<T>(
  db: Db,
  fn: (conn: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.kysely.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const out = await fn(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
}

/** Delay before attempt n+1 after n failed attempts: base·2^(n−1), capped. */
export function backoffMs(attempts: number, baseMs = 30_000, maxMs = 3_600_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export async function completeJob(
  db: Db,
  job: Job,
  workerId: string,
  at = new Date(),
): Promise<void> {
  const now = at.toISOString();
  await db.kysely
    .updateTable('jobs')
    .set({ status: 'done', locked_by: null, locked_until: null, last_error: null, updated_at: now })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
}

/** Records a failure: back to the queue after a backoff, or failed for good after max_attempts. */
export async function failJob(
  db: Db,
  job: Job,
  workerId: string,
  error: unknown,
  opts: { baseMs?: number; maxMs?: number; now?: Date } = {},
): Promise<'retry' | 'failed'> {
  const now = opts.now ?? new Date();
  const message = String((error as Error)?.message ?? error).slice(0, 2000);
  const final = job.attempts >= job.max_attempts;
  await db.kysely
    .updateTable('jobs')
    .set({
      status: final ? 'failed' : 'queued',
      run_at: final
        ? job.run_at
        : new Date(now.getTime() + backoffMs(job.attempts, opts.baseMs, opts.maxMs)).toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: message,
      updated_at: now.toISOString(),
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
  return final ? 'failed' : 'retry';
}

// ---------------------------------------------------------------------------------------------
// Schedules

/** A weekly (or, without weekday, daily) local wall-clock time. weekday: 0 = Sunday … 6 = Saturday. */
export interface ScheduleSpec {
  weekday?: number;
  hour: number;
  minute: number;
}

export interface Schedule {
  kind: string;
  spec: ScheduleSpec;
  timeZone: string;
  /** Instead of a wall-clock time: every `everyMs`, on multiples of it since the epoch (UTC). */
  everyMs?: number;
}

/** A job every `ms` (e.g. feed polling every 15 minutes), on multiples of `ms` since the epoch. */
export function every(kind: string, ms: number): Schedule {
  if (!Number.isInteger(ms) || ms < 1000)
    throw new RangeError(`invalid interval ${ms} ms: at least 1000`);
  return { kind, spec: { hour: 0, minute: 0 }, timeZone: 'UTC', everyMs: ms };
}

export function schedule(kind: string, spec: ScheduleSpec, timeZone: string): Schedule {
  validateSpec(spec);
  offsetMs(0, timeZone); // throws RangeError for an unknown zone
  return { kind, spec, timeZone };
}

function validateSpec(spec: ScheduleSpec): void {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (
    (spec.weekday !== undefined && !ok(spec.weekday, 6)) ||
    !ok(spec.hour, 23) ||
    !ok(spec.minute, 59)
  ) {
    throw new RangeError(
      `invalid schedule ${JSON.stringify(spec)}: weekday 0–6, hour 0–23, minute 0–59`,
    );
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in ms at instant t (local = utc + offset). */
export function offsetMs(t: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(
    p.year,
    p.month - 1,
    p.day,
    p.hour === 24 ? 0 : p.hour,
    p.minute,
    p.second,
  );
  return local - Math.floor(t / 1000) * 1000;
}

/**
 * The UTC instant of a local wall-clock time. An ambiguous time (clocks going back) gives the
 * first of its two instants; a time that does not exist (clocks going forward) moves forward by
 * the length of the gap (02:30 on a 02:00→03:00 night is 03:30).
 */
export function zonedTimeToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = offsetMs(wall - 86_400_000, timeZone);
  const after = offsetMs(wall + 86_400_000, timeZone);
  const valid = [...new Set([before, after])]
    .map((o) => wall - o)
    .filter((u) => u + offsetMs(u, timeZone) === wall);
  if (valid.length) return new Date(Math.min(...valid));
  return new Date(wall - before);
}

/**
 * The first occurrence of `spec` strictly after `after`, in `timeZone`. Pure: depends only on
 * its arguments and the time zone rules.
 */
export function nextRun(after: Date, spec: ScheduleSpec, timeZone: string): Date {
  validateSpec(spec);
  const t = after.getTime();
  const local = new Date(t + offsetMs(t, timeZone));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  for (let i = 0; i <= 8; i++) {
    const day = new Date(Date.UTC(y, m, d + i));
    if (spec.weekday !== undefined && day.getUTCDay() !== spec.weekday) continue;
    const at = zonedTimeToUtc(
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      spec.hour,
      spec.minute,
      timeZone,
    );
    if (at.getTime() > t) return at;
  }
  throw new Error('unreachable: no occurrence within 8 days');
}

/** Enqueues the next occurrence of a schedule (idempotent across processes). */
export async function ensureScheduled(
  db: Db,
  s: Schedule,
  now = new Date(),
): Promise<{ runAt: Date; created: boolean }> {
  const runAt = s.everyMs
    ? new Date(Math.ceil((now.getTime() + 1) / s.everyMs) * s.everyMs)
    : nextRun(now, s.spec, s.timeZone);
  const r = await enqueue(
    db,
    s.kind,
    { scheduledFor: runAt.toISOString() },
    { runAt, uniqueKey: `schedule:${s.kind}:${runAt.toISOString()}` },
  );
  return { runAt, created: r.created };
}

// ---------------------------------------------------------------------------------------------
// The worker

export interface JobContext {
  job: Job;
  workerId: string;
  /** Extends the lease now (the worker also renews it on its own while the handler runs). */
  heartbeat(): Promise<void>;
  /** Aborted when the worker stops; long handlers should finish their current step and return. */
  signal: AbortSignal;
}

export type JobHandler = (payload: any, ctx: JobContext) => Promise<void>;

export interface WorkerOptions {
  /** How often to look for due jobs when idle (default 1000 ms). */
  pollMs?: number;
  /** Jobs run at once by this process (default 2). */
  concurrency?: number;
  /** Lease length (default 60 s); renewed every third of it while a job runs. */
  leaseMs?: number;
  /** Backoff base and cap for retries. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  schedules?: Schedule[];
  workerId?: string;
  /** False: do not poll in the background; only drain() runs jobs (CLI, tests). Default true. */
  poll?: boolean;
  onError?: (err: unknown, job?: Job) => void;
  /**
   * The clock leases, backoffs and schedules are computed from (default the wall clock). Tests
   * pass their own to move time forward without waiting; the heartbeat still runs on a real timer.
   */
  now?: () => Date;
}

export interface Worker {
  readonly id: string;
  /** Adds a recurring schedule and enqueues its next occurrence. */
  schedule(kind: string, spec: ScheduleSpec, timeZone: string): Promise<void>;
  /** Claims and runs due jobs until none is due; returns how many ran (for tests and the CLI). */
  drain(): Promise<number>;
  /** Stops claiming, waits for running jobs and returns. */
  stop(): Promise<void>;
}

export function startWorker(
  services: { db: Db },
  handlers: Record<string, JobHandler>,
  opts: WorkerOptions = {},
): Worker {
  const { db } = services;
  const id = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pollMs = opts.pollMs ?? 1000;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const leaseMs = opts.leaseMs ?? 60_000;
  const now = opts.now ?? (() => new Date());
  const schedules: Schedule[] = [...(opts.schedules ?? [])];
  const kinds = Object.keys(handlers);
  const onError =
    opts.onError ??
    ((err, job) =>
      console.error(
        `job ${job ? `${job.kind}#${job.id}` : ''} failed: ${(err as Error)?.message ?? err}`,
      ));
  const abort = new AbortController();
  const running = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | null = null;
  let lastEnsured = 0;

  async function ensureSchedules(force = false) {
    const t = now();
    if (!force && t.getTime() - lastEnsured < 60_000) return;
    lastEnsured = t.getTime();
    for (const s of schedules) await ensureScheduled(db, s, t);
  }

  async function run(job: Job) {
    const heartbeat = async () => {
      await db.kysely
        .updateTable('jobs')
        .set({
          locked_until: new Date(now().getTime() + leaseMs).toISOString(),
          updated_at: now().toISOString(),
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', id)
        .where('status', '=', 'running')
        .execute();
    };
    const timer = setInterval(
      () => void heartbeat().catch(() => {}),
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    try {
      if (job.attempts > job.max_attempts) {
        await failJob(
          db,
          job,
          id,
          new Error(`gave up after ${job.max_attempts} attempts (the last one's process stopped)`),
          { now: now() },
        );
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(job.payload);
      } catch {
        payload = {};
      }
      await handlers[job.kind](payload, { job, workerId: id, heartbeat, signal: abort.signal });
      await completeJob(db, job, id, now());
    } catch (err) {
      onError(err, job);
      await failJob(db, job, id, err, {
        baseMs: opts.backoffBaseMs,
        maxMs: opts.backoffMaxMs,
        now: now(),
      }).catch((e) => onError(e, job));
    } finally {
      clearInterval(timer);
      if (schedules.some((s) => s.kind === job.kind)) lastEnsured = 0;
    }
  }

  /** Claims one job and starts it; false when nothing is due. */
  async function claimOne(): Promise<{ done: Promise<void> } | null> {
    const job = await claimJob(db, kinds, id, leaseMs, now());
    if (!job) return null;
    const p = run(job).finally(() => running.delete(p));
    running.add(p);
    return { done: p };
  }

  async function loop() {
    while (!stopped) {
      try {
        await ensureSchedules();
        while (!stopped && running.size < concurrency) {
          if (!(await claimOne())) break;
        }
      } catch (err) {
        onError(err);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, running.size >= concurrency ? Math.min(pollMs, 50) : pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  }

  const ready = ensureSchedules(true).catch(onError);
  const looping = opts.poll === false ? ready : ready.then(loop);

  return {
    id,
    async schedule(kind, spec, timeZone) {
      const s = schedule(kind, spec, timeZone);
      schedules.push(s);
      await ensureScheduled(db, s, now());
    },
    async drain() {
      await ready;
      let n = 0;
      for (;;) {
        const claimed = await claimOne();
        if (!claimed) break;
        await claimed.done;
        n++;
      }
      return n;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      wake?.();
      await looping;
      await Promise.allSettled([...running]);
    },
  };
}
