/**
 * Versioned migrations, applied in name order on start and by `broadsheet migrate`.
 * Each feature contributes its own through its manifest (src/platform/feature.ts); the feature list
 * (src/features.ts) assembles the catalogue. Names are `NNNN_feature_what` and never change once released.
 * Kysely's Migrator records applied names in `kysely_migration` and takes a lock, so two processes
 * starting together on PostgreSQL apply each migration once.
 */
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Engine } from './db.ts';
import type { MigrationCatalogue } from './services.ts';

/**
 * Every feature's migrations, by name. Names carry a number range per feature so their order is
 * stable: core 0001–0099, cables 0100–0199, search 0200–0299, members 0300–0399, licensing
 * 0400–0499, newsletter 0500–0599, newsroom (stories, feeds, ads) 0600–0699, jobs 0700–0799.
 * Migrations of different features may be applied out of name order (a newer feature release can
 * add 0105 after 0301 ran), so each feature's migrations depend only on earlier ranges.
 */
export function migrationCatalogue(
  sets: Array<(engine: Engine) => Record<string, Migration>>,
): MigrationCatalogue {
  return (engine) => {
    const all: Record<string, Migration> = {};
    for (const set of sets.map((s) => s(engine))) {
      for (const [name, m] of Object.entries(set)) {
        if (all[name]) throw new Error(`two migrations are named ${name}`);
        all[name] = m;
      }
    }
    return all;
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

export interface MigrationReport {
  applied: string[];
  pending: string[];
}

/**
 * Fault-test hook, active only when NODE_ENV=test: BROADSHEET_TEST_PAUSE_MIGRATION=<name> makes
 * that migration stop after its changes, before it is recorded and committed, and wait there to
 * be killed (test/faults/migrate-kill.test.ts).
 */
function withTestPause(migrations: Record<string, Migration>): Record<string, Migration> {
  const name =
    process.env.NODE_ENV === 'test' ? process.env.BROADSHEET_TEST_PAUSE_MIGRATION : undefined;
  const m = name ? migrations[name] : undefined;
  if (!name || !m) return migrations;
  const paused: Migration = {
    async up(db) {
      await m.up(db);
      process.stderr.write(`paused in migration ${name}\n`);
      await new Promise(() => setInterval(() => {}, 60_000));
    },
  };
  return { ...migrations, [name]: paused };
}

/** A migration may rebuild a large table: lift the pool's statement timeout inside its transaction. */
function withoutStatementTimeout(migrations: Record<string, Migration>): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(migrations).map(([name, m]) => [
      name,
      {
        ...m,
        async up(db) {
          await sql`set local statement_timeout = 0`.execute(db);
          await m.up(db);
        },
      },
    ]),
  );
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrate(db: Db, migrationsFor: MigrationCatalogue): Promise<MigrationReport> {
  // On PostgreSQL the bookkeeping tables are named in the current schema: unqualified, Kysely finds
  // a `kysely_migration` of any schema in the database and would skip creating this schema's own.
  const schema =
    db.engine === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db: db.kysely,
    provider: new StaticProvider(
      withTestPause(
        db.engine === 'postgres'
          ? withoutStatementTimeout(migrationsFor(db.engine))
          : migrationsFor(db.engine),
      ),
    ),
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  // Kysely checks for its bookkeeping tables by listing every table of the database; on PostgreSQL
  // that listing fails when another schema of the same database is dropped while it runs ("schema
  // … does not exist", naming the other schema). Nothing was applied then: ask again.
  let outcome = await migrator.migrateToLatest();
  for (let attempt = 1; attempt < 10 && listingRace(outcome, schema); attempt++)
    outcome = await migrator.migrateToLatest();
  const { error, results } = outcome;
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error');
    throw new Error(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message ?? error}`,
    );
  }
  let all: Awaited<ReturnType<typeof migrator.getMigrations>> | undefined;
  for (let attempt = 1; !all; attempt++) {
    try {
      all = await migrator.getMigrations();
    } catch (err) {
      if (attempt >= 10 || !(otherSchemaVanished(err, schema) || columnVanished(err, schema)))
        throw err;
    }
  }
  return { applied, pending: all.filter((m) => !m.executedAt).map((m) => m.name) };
}

/**
 * Whether a failed `migrateToLatest` lost a race in Kysely's catalogue listing rather than in a
 * migration of ours: another schema vanished, or (the listing asks PostgreSQL for each column's
 * serial sequence) a column of another schema's table was dropped or renamed by that schema's own
 * migration meanwhile, which PostgreSQL reports without naming the schema. Either happens before
 * any migration of ours ran, so none of the results is an error.
 */
export function listingRace(
  outcome: { error?: unknown; results?: readonly { status: string }[] },
  ours: string | undefined,
): boolean {
  if ((outcome.results ?? []).some((r) => r.status === 'Error')) return false;
  return otherSchemaVanished(outcome.error, ours) || columnVanished(outcome.error, ours);
}

/** `column "x" of relation "t" does not exist` (42703), on PostgreSQL with a schema of our own. */
export function columnVanished(error: unknown, ours: string | undefined): boolean {
  if (!error || !ours) return false;
  return /column "[^"]+" of relation "[^"]+" does not exist/.test(
    String((error as Error).message ?? error),
  );
}

/**
 * Whether an error says a schema other than ours disappeared (PostgreSQL 3F000 while listing the
 * catalogue during another tenant's `drop schema`): a race, not a fault of this database.
 */
export function otherSchemaVanished(error: unknown, ours: string | undefined): boolean {
  if (!error || !ours) return false;
  const m = /(?:schema "([^"]+)"|relation "([^".]+)\.[^"]+") does not exist/.exec(
    String((error as Error).message ?? error),
  );
  const schema = m?.[1] ?? m?.[2];
  return !!schema && schema !== ours;
}
