/** House ads: target sections and counters (newsroom range; registered through src/stories/migrations.ts). */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';

type Builder = Kysely<any>;

export function adsMigrations(_engine: Engine): Record<string, Migration> {
  return {
    '0620_ads_targets_counts': {
      async up(db: Builder) {
        await db.schema
          .alterTable('ads')
          .addColumn('sections', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .alterTable('ads')
          .addColumn('impressions', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('ads')
          .addColumn('clicks', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
      async down(db: Builder) {
        for (const c of ['clicks', 'impressions', 'sections'])
          await db.schema.alterTable('ads').dropColumn(c).execute();
      },
    },
  };
}
