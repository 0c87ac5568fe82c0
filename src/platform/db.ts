/**
 * Database connection: SQLite (better-sqlite3, WAL, foreign keys) by default,
 * PostgreSQL when DATABASE_URL is set. One Kysely instance per process. Text parameters lose their
 * control characters on the way in (stored-text.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { cleanTextDialect, wrapConnections } from './stored-text.ts';
import { isLocalDatabase, lowerProcess } from './thread-priority.ts';
import { startCheckpointer } from './checkpoint.ts';

export type Engine = 'sqlite' | 'postgres';

/** PostgreSQL statement timeout for every pooled connection. */
export const STATEMENT_TIMEOUT_MS = 30_000;

export interface Db {
  kysely: Kysely<Database>;
  engine: Engine;
  /** The SQLite file path, or null on PostgreSQL. */
  file: string | null;
  /** What connect() was given: a worker thread opens its own connection to the same database with it. */
  target: DbTarget;
  close(): Promise<void>;
}

/**
 * Where a database is: the PostgreSQL URL, or the directory of the SQLite file. On SQLite it also
 * carries the process's lock-waiter count (see `lockWaiters`): a worker thread given this target
 * connects as a background writer that lets the first connection's waiting writes go first.
 */
export type DbTarget = Pick<Config, 'databaseUrl' | 'dataDir'> & {
  lockWaiters?: SharedArrayBuffer;
};

export interface ConnectOptions {
  /**
   * SQLite: start every transaction with BEGIN IMMEDIATE (the write lock first, waiting up to
   * busy_timeout). A connection that writes next to another writing connection needs it: a deferred
   * transaction that read first cannot take the write lock after the other committed (SQLITE_BUSY
   * at once, no wait). The import worker's connection uses it.
   */
  immediateTransactions?: boolean;
  /**
   * PostgreSQL on this machine: lower the server process of each of this pool's connections to
   * this nice value (a background connection: the import's, the document builder's, a heavy-search
   * thread's), when this process may; see src/platform/thread-priority.ts. SQLite works in the
   * calling thread, which lowers itself.
   */
  serverNice?: number;
  /**
   * SQLite: this connection never checkpoints the WAL itself (a commit that finds the WAL past
   * 1,000 pages would otherwise copy it into the database file, fsync included, on the event loop);
   * a thread of its own does it (src/platform/checkpoint.ts). The server's connection uses it.
   */
  checkpointInBackground?: boolean;
  /**
   * SQLite: this connection's page cache, in KiB (default 64 MiB). A search thread's connection
   * reads a page of hits at a time and the facet columns' rows once: it keeps less (RSS).
   */
  cacheKiB?: number;
}

export async function connect(config: DbTarget, opts: ConnectOptions = {}): Promise<Db> {
  const target: DbTarget = { databaseUrl: config.databaseUrl, dataDir: config.dataDir };
  if (config.databaseUrl) {
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: 10,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      // No request waits on one statement for ever: PostgreSQL cancels it (57014, answered as 503).
      // Migrations lift the limit for their own transaction (src/platform/migrations.ts).
      statement_timeout: STATEMENT_TIMEOUT_MS,
    });
    // A lost connection must not crash the process; queries fail and the pool reconnects. The pool
    // only listens on idle clients: a client that is checked out when its connection drops emits
    // 'error' too (its query is rejected separately), so every client gets a listener.
    pool.on('error', () => {});
    const serverNice =
      opts.serverNice !== undefined && isLocalDatabase(config.databaseUrl) ? opts.serverNice : null;
    pool.on('connect', (client) => {
      client.on('error', () => {});
      // Queued before the first statement the pool hands this connection to.
      if (serverNice !== null)
        client
          .query<{ pid: number }>('select pg_backend_pid() as pid')
          .then((r) => void lowerProcess(Number(r.rows[0]?.pid), serverNice))
          .catch(() => {});
    });
    const kysely = new Kysely<Database>({
      dialect: cleanTextDialect(new PostgresDialect({ pool })),
    });
    return { kysely, engine: 'postgres', file: null, target, close: () => kysely.destroy() };
  }
  const SqliteDatabase = (await import('better-sqlite3')).default;
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'broadsheet.db');
  const handle = new SqliteDatabase(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('synchronous = NORMAL');
  // No waiting inside SQLite: a statement that meets the lock fails at once and is retried by
  // lockWaitingDialect after a timer, so the event loop serves other requests meanwhile.
  handle.pragma('busy_timeout = 0');
  handle.pragma(`cache_size = -${Math.max(1024, Math.floor(opts.cacheKiB ?? 65536))}`);
  // The first connection of a process is the foreground one (the event loop's): worker threads
  // connect with its target, and so with its waiter count, which they yield to.
  const foreground = !config.lockWaiters;
  const waiters = config.lockWaiters ?? new SharedArrayBuffer(4);
  // The foreground's transactions (all of which write) take the write lock at BEGIN, so a wait for
  // it happens before the transaction holds the connection (see lockWaitingConnection).
  const immediate = opts.immediateTransactions ?? foreground;
  target.lockWaiters = waiters;
  if (foreground && opts.checkpointInBackground) {
    handle.pragma('wal_autocheckpoint = 0');
  }
  const kysely = new Kysely<Database>({
    dialect: cleanTextDialect(
      lockWaitingDialect(
        new TransactionalDdlSqliteDialect({
          database: withStatementCache(handle, 500, immediate),
        }),
        {
          waiters: new Int32Array(waiters),
          foreground,
          yields: !foreground && immediate,
          inTransaction: () => handle.inTransaction,
        },
      ),
    ),
  });
  const checkpointer = foreground && opts.checkpointInBackground ? startCheckpointer(file) : null;
  return {
    kysely,
    engine: 'sqlite',
    file,
    target,
    close: async () => {
      await checkpointer?.stop();
      await kysely.destroy();
    },
  };
}

/**
 * SQLite runs DDL inside transactions, but Kysely's SQLite adapter says it does not, so its
 * Migrator would apply each migration statement by statement: a process killed half-way through a
 * migration would leave half its tables behind and the migration unrecorded. Claiming transactional
 * DDL makes the Migrator run the pending migrations and their `kysely_migration` rows in one
 * transaction, as it does on PostgreSQL (test/faults/migrate-kill.test.ts).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting for SQLite's lock without blocking the thread

/** How long a statement waits for SQLite's write lock before it fails with SQLITE_BUSY. */
export const LOCK_WAIT_MS = 5000;
/** How long a background writer lets the foreground connection's waiting writes go first. */
export const YIELD_MAX_MS = 2000;

/** What the foreground connection's statements cost this process (read by /metrics). */
export const sqliteLockStats = {
  /** Statements that found the lock taken and waited for it (then ran or gave up). */
  waits: 0,
  /** Seconds those statements waited in all. */
  waitSeconds: 0,
  /** Statements that gave up after LOCK_WAIT_MS (SQLITE_BUSY to the caller). */
  timeouts: 0,
  /** Seconds the thread spent inside statements (synchronous: the event loop is held meanwhile). */
  statementSeconds: 0,
  /** Statements, and the slowest one's seconds since the last read of `takeSlowest`. */
  statements: 0,
  slowest: 0,
  slowestSql: '',
};

/** The slowest statement since the last `takeSlowest`, without resetting it. */
export function peekSlowest(): { seconds: number; sql: string } {
  return { seconds: sqliteLockStats.slowest, sql: sqliteLockStats.slowestSql };
}

/** The slowest statement since the last call, and resets it (for /metrics and diagnostics). */
export function takeSlowest(): { seconds: number; sql: string } {
  const out = { seconds: sqliteLockStats.slowest, sql: sqliteLockStats.slowestSql };
  sqliteLockStats.slowest = 0;
  sqliteLockStats.slowestSql = '';
  return out;
}

const SLOW_LOG_MS = Number(process.env.SQLITE_SLOW_LOG_MS) || 0;

/** SQLITE_BUSY that waiting cures (not BUSY_SNAPSHOT: a stale snapshot needs a new transaction). */
export function isLockBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY' || code === 'SQLITE_BUSY_TIMEOUT')
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it does not fail with a lock busy error, waiting on timers (1, 2, 4, then
 * every 5 ms) for at most `maxMs`. `onWait` is told when the first wait starts and when waiting ends.
 */
export async function retryWhileBusy<T>(
  attempt: () => Promise<T>,
  opts: {
    maxMs?: number;
    onWaitStart?: () => void;
    onWaitEnd?: (ms: number, ok: boolean) => void;
    /** How to wait `ms` between attempts (default a timer). */
    wait?: (ms: number) => Promise<void>;
  } = {},
): Promise<T> {
  const maxMs = opts.maxMs ?? LOCK_WAIT_MS;
  let started = 0;
  let delay = 1;
  for (;;) {
    try {
      const out = await attempt();
      if (started) opts.onWaitEnd?.(performance.now() - started, true);
      return out;
    } catch (err) {
      if (!isLockBusy(err)) {
        if (started) opts.onWaitEnd?.(performance.now() - started, false);
        throw err;
      }
      if (!started) {
        started = performance.now();
        opts.onWaitStart?.();
      }
      if (performance.now() - started >= maxMs) {
        opts.onWaitEnd?.(performance.now() - started, false);
        throw err;
      }
      await (opts.wait ?? sleep)(delay);
      delay = Math.min(delay * 2, 5);
    }
  }
}

/**
 * Before a background connection (a worker thread's: the import's) begins a transaction, it lets
 * the foreground connection's waiting writes through: while any waits, it sleeps (at most
 * YIELD_MAX_MS). Without this the import, committing batch after batch, would take the lock again
 * within microseconds of releasing it, and a foreground write polling on a timer would rarely get it.
 */
export async function yieldToForeground(waiters: Int32Array, maxMs = YIELD_MAX_MS): Promise<void> {
  const t0 = performance.now();
  while (Atomics.load(waiters, 0) > 0 && performance.now() - t0 < maxMs) await sleep(1);
}

const LOCK_WAITING = Symbol('lockWaitingConnection');

interface LockWaitOptions {
  /** Whether the connection is inside a transaction (better-sqlite3's own flag). */
  inTransaction: () => boolean;
  /** The process's count of foreground statements waiting for the lock. */
  waiters: Int32Array;
  /** This is the foreground connection: it counts its waits (and is timed, for /metrics). */
  foreground: boolean;
  /** A background writer: each transaction lets the foreground's waiting writes go first. */
  yields: boolean;
}

function lockWaitingConnection(
  c: DatabaseConnection,
  opts: LockWaitOptions,
  driver: Driver,
): DatabaseConnection {
  const marked = c as DatabaseConnection & { [LOCK_WAITING]?: true };
  if (marked[LOCK_WAITING]) return c;
  const execute = c.executeQuery.bind(c);
  const stats = sqliteLockStats;
  // better-sqlite3 runs the statement inside executeQuery's synchronous part: timing the call is
  // timing the statement.
  const timed = <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
    if (!opts.foreground) return execute<R>(q);
    const t0 = performance.now();
    try {
      return execute<R>(q);
    } finally {
      const s = (performance.now() - t0) / 1000;
      stats.statements++;
      stats.statementSeconds += s;
      if (s > stats.slowest) {
        stats.slowest = s;
        stats.slowestSql = q.sql.slice(0, 120);
      }
      if (SLOW_LOG_MS && s * 1000 >= SLOW_LOG_MS)
        console.warn(
          `sqlite: ${(s * 1000).toFixed(1)} ms on the event loop, ended ${new Date().toISOString()}: ${q.sql.slice(0, 160)}`,
        );
    }
  };
  marked.executeQuery = async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
    if (opts.yields && /^\s*begin\b/i.test(q.sql)) await yieldToForeground(opts.waiters);
    return retryWhileBusy(() => timed<R>(q), {
      // Outside a transaction (a statement on its own, or the BEGIN IMMEDIATE every transaction of
      // this connection starts with), the connection is handed back while the statement waits:
      // Kysely has one SQLite connection per process, and the pages' reads must not queue behind a
      // write waiting for the import's lock. Inside a transaction it is kept (nothing may interleave).
      wait: async (ms) => {
        const handBack = !opts.inTransaction();
        if (handBack) await driver.releaseConnection(c);
        try {
          await sleep(ms);
        } finally {
          if (handBack) await driver.acquireConnection();
        }
      },
      onWaitStart: () => {
        if (opts.foreground) Atomics.add(opts.waiters, 0, 1);
      },
      onWaitEnd: (ms, ok) => {
        if (!opts.foreground) return;
        Atomics.sub(opts.waiters, 0, 1);
        stats.waits++;
        stats.waitSeconds += ms / 1000;
        if (!ok) stats.timeouts++;
      },
    });
  };
  marked[LOCK_WAITING] = true;
  return c;
}

/**
 * The SQLite dialect with lock waits on timers instead of inside SQLite (busy_timeout 0): a write
 * that meets another connection's write lock (the import's, on its thread) no longer holds the
 * event loop for up to five seconds; pages are served while it waits. Background connections let
 * the foreground's waiting writes go first at each transaction's start.
 */
function lockWaitingDialect(dialect: Dialect, opts: LockWaitOptions): Dialect {
  return wrapConnections(dialect, (c, driver) => lockWaitingConnection(c, opts, driver));
}

/**
 * The next batch's size after a transaction of `n` rows held SQLite's write lock for `heldMs`:
 * what fits in `targetMs` at that pace, at most twice `n` (one quick commit is not a trend),
 * within [min, max]. Bulk writers (the importer, the search index's catch-up) size their
 * transactions by it so the site's own writes never wait long for the lock.
 */
export function nextBatchSize(
  n: number,
  heldMs: number,
  targetMs: number,
  min: number,
  max: number,
): number {
  if (n <= 0 || targetMs <= 0) return max;
  const fits = Math.floor((n * targetMs) / Math.max(heldMs, 0.1));
  return Math.max(min, Math.min(max, fits, n * 2));
}

/**
 * PostgreSQL: how a bulk writer on a running site (a dashboard upload's import, the search index's
 * catch-up after it) keeps out of the site's way. Its transactions run in a server process of their
 * own, which on a small machine takes a core from the site's requests whatever its nice value: each
 * of a page's queries wakes a server process and then the event loop, and every wake-up that finds
 * both cores taken waits. So the writer is busy at most `duty` of the time: after a transaction that
 * took `busyMs` it pauses `busyMs × (1 − duty) / duty`, and it sizes its transactions (nextBatchSize)
 * to about `targetMs`, so no stretch of it is long. SQLite keeps its own measure (the write lock's
 * time, LOCK_TARGET_MS): there a page's queries run inside the event loop's thread.
 */
export interface Pace {
  /** The share of time (0 < duty ≤ 1) the writer may be busy; 1: no pauses. */
  duty: number;
  /** The time one of its transactions should take. */
  targetMs: number;
}

/** The pace of a bulk writer on PostgreSQL while the site runs (see Pace). */
export const BACKGROUND_PACE: Pace = { duty: 0.5, targetMs: 100 };

/** The pause a writer keeping `pace` takes after `busyMs` of work (0 when it need not pause). */
export function pauseAfter(busyMs: number, pace: Pace | null | undefined): number {
  if (!pace || !(pace.duty > 0) || pace.duty >= 1 || !(busyMs > 0)) return 0;
  return (busyMs * (1 - pace.duty)) / pace.duty;
}

/** True when the database answers a trivial query within the timeout. */
export async function ping(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // The query may fail after the timeout has already answered: that late rejection must be handled
  // here, or it would end the process as an unhandled rejection.
  const query = sql`select 1`.execute(db.kysely);
  query.catch(() => {});
  try {
    await Promise.race([
      query,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Current time as the ISO 8601 UTC text every timestamp column stores. */
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Kysely prepares every query it runs; preparing is a large share of a small query's cost in
 * better-sqlite3, so prepared statements are kept and reused by their SQL text (bounded, LRU).
 */
function withStatementCache(
  handle: import('better-sqlite3').Database,
  max = 500,
  immediate = false,
) {
  const cache = new Map<string, import('better-sqlite3').Statement>();
  return {
    prepare(sqlText: string) {
      if (immediate && sqlText === 'begin') sqlText = 'begin immediate';
      let stmt = cache.get(sqlText);
      if (stmt) {
        cache.delete(sqlText);
      } else {
        stmt = handle.prepare(sqlText);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
    close() {
      cache.clear();
      handle.close();
    },
  } as unknown as import('better-sqlite3').Database;
}

/**
 * A query built and compiled once per Kysely handle, for the statements every request runs (the
 * session lookup, a page's version): each call only puts its arguments into the compiled
 * parameters, instead of building the query and compiling it to SQL again. `build` is called once
 * with placeholders in place of the arguments, so it must use each argument only as a value
 * (`where('id', '=', id)`), never to decide the query's shape.
 */
export function precompiled<A extends unknown[], R>(
  arity: A['length'],
  build: (db: Kysely<Database>, ...args: A) => { compile(): CompiledQuery<R> },
): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  const compiled = new WeakMap<Kysely<Database>, { query: CompiledQuery<R>; slots: number[] }>();
  return async (db, ...args) => {
    let c = compiled.get(db);
    if (!c) {
      const marks = Array.from({ length: arity }, (_, i) => Symbol(`argument ${i}`));
      const query = build(db, ...(marks as unknown as A)).compile();
      // Each compiled parameter is an argument (its index) or a constant of the query (-1).
      const slots = query.parameters.map((p) => marks.indexOf(p as symbol));
      if (marks.some((_, i) => !slots.includes(i)))
        throw new Error(`precompiled query: an argument is not used as a value: ${query.sql}`);
      c = { query, slots };
      compiled.set(db, c);
    }
    const { query, slots } = c;
    const parameters = slots.map((s, i) => (s < 0 ? query.parameters[i] : args[s]));
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}
