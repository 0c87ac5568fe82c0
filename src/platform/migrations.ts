/**
 * Versioned migrations, applied in name order on start and by `broadsheet migrate`.
 * Each feature appends its own entries; names are `NNNN_feature_what` and never change once released.
 * Kysely's Migrator records applied names in `kysely_migration` and takes a lock, so two processes
 * starting together on PostgreSQL apply each migration once.
 */
import { Migrator, sql, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Engine } from './db.ts';

type Builder = Kysely<any>;

/** An auto-incrementing integer primary key on either engine. */
export function withId(engine: Engine) {
  return (t: CreateTableBuilder<string, never>): CreateTableBuilder<string, any> =>
    engine === 'postgres'
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export function migrationsFor(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0001_core_content': {
      async up(db: Builder) {
        await id(db.schema.createTable('sections'))
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await id(db.schema.createTable('sources'))
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('url', 'text')
          .execute();
        await id(db.schema.createTable('stories'))
          .addColumn('section_id', 'integer', (c) => c.notNull().references('sections.id'))
          .addColumn('slug', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('teaser', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('source_id', 'integer', (c) => c.references('sources.id'))
          .addColumn('author', 'text')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
          .addColumn('featured', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('cable_reference_id', 'text', (c) => c.unique())
          .addColumn('published_at', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('stories_published').on('stories').columns(['status', 'published_at']).execute();
        await db.schema
          .createIndex('stories_section_published')
          .on('stories')
          .columns(['section_id', 'status', 'published_at'])
          .execute();
        await id(db.schema.createTable('partner_items'))
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('published_at', 'text', (c) => c.notNull())
          .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('partner_items_published').on('partner_items').column('published_at').execute();
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('newsletter_subscribers'))
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('unconfirmed'))
          .addColumn('source', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('ads'))
          .addColumn('kind', 'text', (c) => c.notNull().defaultTo('text'))
          .addColumn('headline', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('image_url', 'text')
          .addColumn('link_url', 'text', (c) => c.notNull())
          .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('starts_at', 'text')
          .addColumn('ends_at', 'text')
          .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
      async down(db: Builder) {
        for (const t of ['ads', 'newsletter_subscribers', 'settings', 'partner_items', 'stories', 'sources', 'sections']) {
          await db.schema.dropTable(t).ifExists().execute();
        }
      },
    },
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

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrate(db: Db): Promise<MigrationReport> {
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider(migrationsFor(db.engine)) });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message ?? error}`);
  }
  const all = await migrator.getMigrations();
  return { applied, pending: all.filter((m) => !m.executedAt).map((m) => m.name) };
}

/** Removes every table; used by tests to start from an empty PostgreSQL database. */
export async function dropEverything(db: Db): Promise<void> {
  if (db.engine === 'postgres') {
    await sql`drop schema public cascade`.execute(db.kysely);
    await sql`create schema public`.execute(db.kysely);
  } else {
    const rows = await sql<{ name: string }>`select name from sqlite_master where type='table' and name not like 'sqlite_%'`.execute(db.kysely);
    await sql`pragma foreign_keys = off`.execute(db.kysely);
    for (const r of rows.rows) await sql.raw(`drop table if exists "${r.name}"`).execute(db.kysely);
    await sql`pragma foreign_keys = on`.execute(db.kysely);
  }
}
