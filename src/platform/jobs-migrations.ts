/** The job queue table (range 0700–0799). */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from './db.ts';
import { withId } from './migration-helpers.ts';

type Builder = Kysely<any>;

export function jobsMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0700_jobs_queue': {
      async up(db: Builder) {
        await id(db.schema.createTable('jobs'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('run_at', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(5))
          .addColumn('locked_by', 'text')
          .addColumn('locked_until', 'text')
          .addColumn('last_error', 'text')
          // NULLs never collide, so jobs without a key are never deduplicated.
          .addColumn('unique_key', 'text', (c) => c.unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
        await db.schema
          .createIndex('jobs_lease')
          .on('jobs')
          .columns(['status', 'locked_until'])
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropTable('jobs').ifExists().execute();
      },
    },
  };
}
