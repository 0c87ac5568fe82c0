/**
 * `broadsheet backup FILE` and `broadsheet restore FILE` for the SQLite database.
 *
 * - backup: SQLite's online backup (better-sqlite3 `db.backup()`), safe while the site runs: it
 *   copies pages in steps and restarts a step that a concurrent write changed.
 * - restore: only while no server holds the data directory (the server writes `server.pid` there
 *   while it runs); checks the file is a Broadsheet database with no migration this version does
 *   not know, keeps the current database as `broadsheet.db.before-restore-<time>`, then puts the
 *   backup in its place. Migrations newer than the backup apply on the next start.
 * - On PostgreSQL both commands explain how to use pg_dump / pg_restore and exit with status 1.
 */
import {
  copyFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { UsageError, type Command } from './cli.ts';
import type { MigrationCatalogue } from './services.ts';

const PG_BACKUP = [
  'broadsheet backup works on the built-in SQLite database only; this site uses PostgreSQL (DATABASE_URL).',
  'Back it up with pg_dump, e.g.:  pg_dump --format=custom --file=broadsheet.dump "$DATABASE_URL"',
  '(see docs/operations.md, "Backups and restore").',
].join('\n');
const PG_RESTORE = [
  'broadsheet restore works on the built-in SQLite database only; this site uses PostgreSQL (DATABASE_URL).',
  'Restore a pg_dump file with pg_restore into an empty database, e.g.:  pg_restore --no-owner --dbname="$DATABASE_URL" broadsheet.dump',
  '(see docs/operations.md, "Backups and restore").',
].join('\n');

export const PID_FILE = 'server.pid';

/** Marks the data directory as held by this server process (removed again on a clean stop). */
export function holdDataDir(config: Pick<Config, 'dataDir' | 'engine'>): () => void {
  if (config.engine !== 'sqlite') return () => {};
  const file = join(config.dataDir, PID_FILE);
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

/** The pid of a live server holding the data directory, or null. */
export function serverHolding(dataDir: string): number | null {
  const file = join(dataDir, PID_FILE);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

function oneFile(args: string[]): string {
  if (args.length !== 1 || args[0].startsWith('-'))
    throw new UsageError('Give exactly one file name.');
  return resolve(args[0]);
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** Checks a file is a Broadsheet SQLite database this version can run; returns its migration names. */
export async function inspectBackup(
  file: string,
  migrationsFor: MigrationCatalogue,
): Promise<{ ok: true; migrations: string[] } | { ok: false; error: string }> {
  if (!existsSync(file)) return { ok: false, error: `${file} does not exist.` };
  const Sqlite = (await import('better-sqlite3')).default;
  let handle;
  try {
    handle = new Sqlite(file, { readonly: true, fileMustExist: true });
    const hasTable = handle
      .prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`)
      .get();
    if (!hasTable)
      return {
        ok: false,
        error: `${file} is a SQLite database but not a Broadsheet one (it has no kysely_migration table).`,
      };
    const names = (
      handle.prepare('select name from kysely_migration order by name').all() as { name: string }[]
    ).map((r) => r.name);
    const known = new Set(Object.keys(migrationsFor('sqlite')));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length)
      return {
        ok: false,
        error: `${file} comes from a newer Broadsheet (migrations ${unknown.join(', ')} are unknown to this version); upgrade first.`,
      };
    const check = handle.prepare('pragma quick_check').get() as { quick_check: string };
    if (check.quick_check !== 'ok')
      return { ok: false, error: `${file} is damaged: ${check.quick_check}` };
    return { ok: true, migrations: names };
  } catch (err) {
    return { ok: false, error: `${file} is not a Broadsheet database: ${(err as Error).message}` };
  } finally {
    handle?.close();
  }
}

export const backupCommands: Command[] = [
  {
    name: 'backup',
    usage: 'broadsheet backup FILE',
    summary:
      'Copy the SQLite database to FILE while the site keeps running (PostgreSQL: use pg_dump).',
    async run(args, ctx) {
      const target = oneFile(args);
      const config = loadConfig();
      if (config.engine === 'postgres') {
        console.error(PG_BACKUP);
        return 1;
      }
      const source = join(config.dataDir, 'broadsheet.db');
      if (!existsSync(source)) {
        console.error(`There is no database at ${source} to back up.`);
        return 1;
      }
      if (existsSync(target)) {
        console.error(
          `${target} already exists; choose a new file name (a backup never overwrites a file).`,
        );
        return 1;
      }
      const Sqlite = (await import('better-sqlite3')).default;
      const handle = new Sqlite(source, { fileMustExist: true });
      handle.pragma('busy_timeout = 5000');
      const started = Date.now();
      try {
        await handle.backup(target, {
          progress({ totalPages, remainingPages }) {
            if (process.stderr.isTTY)
              process.stderr.write(
                `\rbackup ${Math.floor(((totalPages - remainingPages) / Math.max(1, totalPages)) * 100)} %`,
              );
            return 2000;
          },
        });
      } catch (err) {
        rmSync(target, { force: true });
        throw err;
      } finally {
        handle.close();
        if (process.stderr.isTTY) process.stderr.write('\n');
      }
      const check = await inspectBackup(target, ctx.migrations);
      if (!check.ok) {
        console.error(`The backup could not be verified: ${check.error}`);
        return 1;
      }
      console.log(
        `Backed up ${source} to ${target} (${mb(statSync(target).size)}, ${check.migrations.length} migrations, ${((Date.now() - started) / 1000).toFixed(1)} s).`,
      );
      return 0;
    },
  },
  {
    name: 'restore',
    usage: 'broadsheet restore FILE',
    summary: 'Replace the SQLite database with a backup; refused while a server runs on DATA_DIR.',
    async run(args, ctx) {
      const source = oneFile(args);
      const config = loadConfig();
      if (config.engine === 'postgres') {
        console.error(PG_RESTORE);
        return 1;
      }
      const pid = serverHolding(config.dataDir);
      if (pid !== null) {
        console.error(
          `A Broadsheet server (pid ${pid}) is running on ${config.dataDir}; stop it before restoring.`,
        );
        return 1;
      }
      const check = await inspectBackup(source, ctx.migrations);
      if (!check.ok) {
        console.error(`Nothing was changed: ${check.error}`);
        return 1;
      }
      const target = join(config.dataDir, 'broadsheet.db');
      const incoming = `${target}.restoring`;
      copyFileSync(source, incoming);
      let kept: string | null = null;
      if (existsSync(target)) {
        // Fold the write-ahead log into the file so the kept copy is complete on its own.
        const Sqlite = (await import('better-sqlite3')).default;
        const current = new Sqlite(target);
        current.pragma('wal_checkpoint(TRUNCATE)');
        current.close();
        kept = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(target, kept);
      }
      for (const ext of ['-wal', '-shm']) rmSync(target + ext, { force: true });
      renameSync(incoming, target);
      console.log(
        `Restored ${source} into ${target} (${check.migrations.length} migrations).${kept ? ` The previous database is kept as ${kept}.` : ''}`,
      );
      return 0;
    },
  },
];
