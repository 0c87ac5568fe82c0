/**
 * `broadsheet backup` / `broadsheet restore`: an online backup taken while the site has the
 * database open restores to exactly the backed-up content; restore refuses files that are not
 * Broadsheet databases and refuses while a server holds the data directory. On PostgreSQL both
 * commands point at pg_dump / pg_restore and exit with status 1.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testDatabase, testSite } from '../helpers.ts';
import { connect } from '../../src/platform/db.ts';
import { CLI, childEnv, count } from './util.ts';

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
  });
}

describe(`backup and restore (${ENGINE})`, () => {
  test(
    'PostgreSQL: both commands explain pg_dump / pg_restore and change nothing',
    { skip: ENGINE !== 'postgres' && 'the PostgreSQL messages are checked on the PostgreSQL run' },
    async () => {
      const tdb = await testDatabase();
      try {
        const b = cli(['backup', join(tdb.config.dataDir, 'x.db')], childEnv(tdb.config));
        assert.equal(b.status, 1);
        assert.match(b.stderr, /SQLite database only/);
        assert.match(b.stderr, /pg_dump --format=custom/);
        assert.ok(!existsSync(join(tdb.config.dataDir, 'x.db')));
        const r = cli(['restore', join(tdb.config.dataDir, 'x.db')], childEnv(tdb.config));
        assert.equal(r.status, 1);
        assert.match(r.stderr, /pg_restore/);
      } finally {
        await tdb.cleanup();
      }
    },
  );

  test(
    'SQLite: an online backup restores to exactly what was backed up',
    { skip: ENGINE !== 'sqlite' && 'SQLite only (PostgreSQL uses pg_dump)', timeout: 120_000 },
    async () => {
      const site = await testSite({ DEMO: '1' });
      const env = childEnv(site.config);
      const backup = join(site.config.dataDir, 'backup.db');
      try {
        const k = site.db.kysely;
        const stories = await count(site.db, 'stories');
        assert.ok(stories > 0);
        // The site keeps the database open (and writes to it) while the backup runs.
        const b = cli(['backup', backup], env);
        assert.equal(b.status, 0, b.stderr);
        assert.match(b.stdout, /Backed up .* \(\d+\.\d MB, \d+ migrations/);
        assert.equal(cli(['backup', backup], env).status, 1, 'never overwrites a file');

        // Changes after the backup, then a restore brings back the backed-up state.
        await k.deleteFrom('partner_items').execute();
        const titles = (
          await k.selectFrom('stories').select(['id', 'title']).orderBy('id').execute()
        ).map((s) => s.title);
        await k.updateTable('stories').set({ title: 'changed after the backup' }).execute();
        await site.close();

        // Refusals first: not a database, a SQLite file that is not Broadsheet's, a running server.
        const junk = join(site.config.dataDir, 'junk.db');
        writeFileSync(junk, 'not a database at all');
        let r = cli(['restore', junk], env);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /Nothing was changed: .* not a Broadsheet database/);
        const Sqlite = (await import('better-sqlite3')).default;
        const other = join(site.config.dataDir, 'other.db');
        const o = new Sqlite(other);
        o.exec('create table t (x)');
        o.close();
        r = cli(['restore', other], env);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /no kysely_migration table/);
        writeFileSync(join(site.config.dataDir, 'server.pid'), `${process.pid}\n`);
        r = cli(['restore', backup], env);
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`server \\(pid ${process.pid}\\) is running`));
        // A stale pid file (its process is gone) does not block a restore.
        writeFileSync(join(site.config.dataDir, 'server.pid'), `2147483646\n`);

        r = cli(['restore', backup], env);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /The previous database is kept as .*before-restore-/);
        assert.equal(
          readdirSync(site.config.dataDir).filter((f) => f.includes('before-restore')).length,
          1,
        );

        const db = await connect(site.config);
        try {
          assert.equal(await count(db, 'stories'), stories);
          assert.equal(
            await count(db, 'partner_items'),
            4,
            'rows deleted after the backup are back',
          );
          assert.deepEqual(
            (await db.kysely.selectFrom('stories').select('title').orderBy('id').execute()).map(
              (s) => s.title,
            ),
            titles,
          );
        } finally {
          await db.close();
        }
        // The restored database serves: migrate finds nothing to do.
        const m = cli(['migrate'], env);
        assert.equal(m.status, 0, m.stderr);
        assert.equal(m.stdout.trim(), 'The database is up to date.');
      } finally {
        await site.cleanup().catch(() => {});
      }
    },
  );
});
