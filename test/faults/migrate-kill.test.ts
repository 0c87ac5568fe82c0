/**
 * A migration killed half-way (SIGKILL while it is paused inside a migration, after its changes and
 * before it is recorded) leaves nothing behind: the run is one transaction on both engines (see
 * TransactionalDdlSqliteDialect in src/platform/db.ts). Running `broadsheet migrate` again applies
 * everything once, and the schema is the same as that of a database migrated without interruption.
 *
 * Killed cable imports are covered by test/cables/cli.test.ts ("cables import, killed and run
 * again"); this file adds the migration case and a kill between two migration runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { ENGINE, REPO_ROOT, testDatabase } from '../helpers.ts';
import { connect } from '../../src/platform/db.ts';
import { migrate, migrationsFor } from '../../src/features.ts';
import { CLI, childEnv, count, schemaFingerprint, startChild } from './util.ts';

async function referenceFingerprint(): Promise<string[]> {
  const tdb = await testDatabase();
  const db = await connect(tdb.config);
  try {
    await migrate(db);
    return await schemaFingerprint(db);
  } finally {
    await db.close();
    await tdb.cleanup();
  }
}

describe(`migrations killed part-way (${ENGINE})`, () => {
  test(
    'a kill inside a migration leaves no trace; the next run applies every migration once',
    { timeout: 120_000 },
    async () => {
      const names = Object.keys(migrationsFor(ENGINE)).sort();
      const victim = names[Math.floor(names.length / 2)];
      const reference = await referenceFingerprint();
      const tdb = await testDatabase();
      try {
        const child = startChild(
          [CLI, 'migrate'],
          childEnv(tdb.config, { NODE_ENV: 'test', BROADSHEET_TEST_PAUSE_MIGRATION: victim }),
        );
        await child.waitFor(new RegExp(`paused in migration ${victim}`));
        await child.kill('SIGKILL');

        const db = await connect(tdb.config);
        try {
          // Nothing of the interrupted run was committed: no recorded migration, no feature table.
          const has = await sql<{
            n: number | string;
          }>`select count(*) as n from ${sql.table('kysely_migration')}`
            .execute(db.kysely)
            .then(
              (r) => Number(r.rows[0].n),
              () => 0,
            );
          assert.equal(has, 0, 'no migration is recorded as applied');
          const left = (await schemaFingerprint(db)).filter((x) => !/kysely_migration/.test(x));
          assert.deepEqual(left, [], 'no table, index or trigger of the interrupted run is left');

          const rerun = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'migrate'], {
            cwd: REPO_ROOT,
            env: childEnv(tdb.config),
            encoding: 'utf8',
          });
          assert.equal(rerun.status, 0, rerun.stderr);
          assert.match(rerun.stdout, new RegExp(`Applied ${names.length} migration\\(s\\)`));
          assert.deepEqual(
            await schemaFingerprint(db),
            reference,
            'the schema is the same as an uninterrupted run',
          );
          const recorded = await db.kysely
            .selectFrom('kysely_migration' as never)
            .select('name' as never)
            .execute();
          assert.deepEqual(
            recorded.map((r) => (r as { name: string }).name).sort(),
            names,
            'each migration recorded once',
          );
        } finally {
          await db.close();
        }
      } finally {
        await tdb.cleanup();
      }
    },
  );

  test(
    'a kill in a later run keeps what earlier runs applied and the data in it',
    { timeout: 120_000 },
    async () => {
      const names = Object.keys(migrationsFor(ENGINE)).sort();
      const last = names[names.length - 1];
      const tdb = await testDatabase();
      const db = await connect(tdb.config);
      try {
        // An older release: every migration but the last, plus some content.
        const { Migrator } = await import('kysely');
        const all = migrationsFor(ENGINE);
        const older = Object.fromEntries(Object.entries(all).filter(([n]) => n !== last));
        const schema =
          ENGINE === 'postgres'
            ? (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0].s
            : undefined;
        const m = new Migrator({
          db: db.kysely,
          provider: { getMigrations: async () => older },
          allowUnorderedMigrations: true,
          ...(schema ? { migrationTableSchema: schema } : {}),
        });
        const r = await m.migrateToLatest();
        assert.equal(r.error, undefined);
        const { loadDemoContent } = await import('../../src/demo.ts');
        await loadDemoContent(db.kysely);
        const stories = await count(db, 'stories');
        assert.ok(stories > 0);

        const child = startChild(
          [CLI, 'migrate'],
          childEnv(tdb.config, { NODE_ENV: 'test', BROADSHEET_TEST_PAUSE_MIGRATION: last }),
        );
        await child.waitFor(new RegExp(`paused in migration ${last}`));
        await child.kill('SIGKILL');

        const recorded = async () =>
          (
            await db.kysely
              .selectFrom('kysely_migration' as never)
              .select('name' as never)
              .execute()
          )
            .map((x) => (x as { name: string }).name)
            .sort();
        assert.deepEqual(await recorded(), Object.keys(older).sort());
        assert.equal(await count(db, 'stories'), stories, 'content is untouched');

        const rerun = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'migrate'], {
          cwd: REPO_ROOT,
          env: childEnv(tdb.config),
          encoding: 'utf8',
        });
        assert.equal(rerun.status, 0, rerun.stderr);
        assert.equal(rerun.stdout.trim(), `Applied 1 migration(s): ${last}`);
        assert.deepEqual(await recorded(), names);
        assert.equal(await count(db, 'stories'), stories, 'nothing lost or duplicated');
      } finally {
        await db.close();
        await tdb.cleanup();
      }
    },
  );
});
