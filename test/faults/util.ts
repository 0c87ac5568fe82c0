/** Helpers for the fault and fleet tests: child processes of the real entry points, schema fingerprints. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/platform/db.ts';
import { REPO_ROOT } from '../helpers.ts';
import { freePort } from '../helpers.ts';
export { freePort };

export const CLI = join(REPO_ROOT, 'src', 'cli.ts');
export const MAIN = join(REPO_ROOT, 'src', 'main.ts');

/** The environment of a child process using the test database. */
export function childEnv(
  config: Pick<Config, 'dataDir' | 'databaseUrl'>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOG_LEVEL: 'silent',
    DEMO: '0',
    // Demo partner feeds are real addresses: a test server never polls them on the schedule.
    FEED_POLL: '0',
    DATA_DIR: config.dataDir,
    DATABASE_URL: config.databaseUrl ?? '',
    ...extra,
  };
}

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves when the output matches (rejects if the process exits first or after timeoutMs). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startChild(args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, env });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${re}; output:\n${out}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(({ code, signal }) => {
          if (listeners.has(check)) {
            done();
            reject(
              new Error(`the process ended (${code ?? signal}) before ${re}; output:\n${out}`),
            );
          }
        });
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
  };
}

/** Waits until GET url answers (any status), or throws after timeoutMs. */
export async function waitForHttp(url: string, timeoutMs = 60_000, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`${url} did not answer${child ? `; output:\n${child.output()}` : ''}`);
}

/**
 * Every table with its columns, every index and trigger of the database (PostgreSQL: the current
 * schema only), as sorted text: two databases with the same fingerprint have the same schema.
 */
export async function schemaFingerprint(db: Db): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const objects = await sql<{
      type: string;
      name: string;
      tbl_name: string;
    }>`select type, name, tbl_name from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(
      db.kysely,
    );
    const out: string[] = [];
    for (const o of objects.rows) {
      if (o.type === 'table') {
        const cols = await sql<{
          name: string;
          type: string;
          notnull: number;
        }>`select name, type, "notnull" from pragma_table_info(${o.name})`.execute(db.kysely);
        out.push(
          `table ${o.name}(${cols.rows.map((c) => `${c.name} ${c.type}${c.notnull ? ' not null' : ''}`).join(', ')})`,
        );
      } else out.push(`${o.type} ${o.name} on ${o.tbl_name}`);
    }
    return out.sort();
  }
  const cols = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>`
    select table_name, column_name, data_type, is_nullable from information_schema.columns
    where table_schema = current_schema() order by table_name, ordinal_position`.execute(db.kysely);
  const tables = new Map<string, string[]>();
  for (const c of cols.rows)
    tables.set(c.table_name, [
      ...(tables.get(c.table_name) ?? []),
      `${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`,
    ]);
  const out = [...tables].map(([t, c]) => `table ${t}(${c.join(', ')})`);
  const idx = await sql<{
    indexname: string;
    tablename: string;
  }>`select indexname, tablename from pg_indexes where schemaname = current_schema()`.execute(
    db.kysely,
  );
  out.push(...idx.rows.map((i) => `index ${i.indexname} on ${i.tablename}`));
  const trg = await sql<{
    trigger_name: string;
    event_object_table: string;
    event_manipulation: string;
  }>`
    select trigger_name, event_object_table, event_manipulation from information_schema.triggers where trigger_schema = current_schema()`.execute(
    db.kysely,
  );
  out.push(
    ...trg.rows.map(
      (t) => `trigger ${t.trigger_name} ${t.event_manipulation} on ${t.event_object_table}`,
    ),
  );
  const fns = await sql<{
    proname: string;
  }>`select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = current_schema()`.execute(
    db.kysely,
  );
  out.push(...fns.rows.map((f) => `function ${f.proname}`));
  return out.sort();
}

export async function count(db: Db, table: string): Promise<number> {
  const r = await sql<{
    n: number | string;
  }>`select count(*) as n from ${sql.table(table)}`.execute(db.kysely);
  return Number(r.rows[0].n);
}
