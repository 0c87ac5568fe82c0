/**
 * Database connection: SQLite (better-sqlite3, WAL, foreign keys) by default,
 * PostgreSQL when DATABASE_URL is set. One Kysely instance per process. Text parameters lose their
 * control characters on the way in (stored-text.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { cleanTextDialect } from './stored-text.ts';
import { isLocalDatabase, lowerProcess } from './thread-priority.ts';

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

/** Where a database is: the PostgreSQL URL, or the directory of the SQLite file. */
export type DbTarget = Pick<Config, 'databaseUrl' | 'dataDir'>;

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
  handle.pragma('busy_timeout = 5000');
  handle.pragma('cache_size = -65536');
  const kysely = new Kysely<Database>({
    dialect: cleanTextDialect(
      new TransactionalDdlSqliteDialect({
        database: withStatementCache(handle, 500, opts.immediateTransactions ?? false),
      }),
    ),
  });
  return { kysely, engine: 'sqlite', file, target, close: () => kysely.destroy() };
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
