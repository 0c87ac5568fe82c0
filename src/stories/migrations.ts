/**
 * Stories migrations (range 0600–0699, shared with feeds and ads, which list their own in their
 * manifests): lead-story order, the press-release queue and the lead stories' index. The released names keep their
 * `newsroom` word: a migration name never changes (0630, the newsroom's cable uploads, is listed
 * by cables, which owns that table).
 */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { withId } from '../platform/migration-helpers.ts';

type Builder = Kysely<any>;

export function storiesMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0600_newsroom_leads_press_releases': {
      async up(db: Builder) {
        await db.schema.alterTable('stories').addColumn('lead_position', 'integer').execute();
        await id(db.schema.createTable('press_releases'))
          .addColumn('member_id', 'integer', (c) =>
            c.notNull().references('members.id').onDelete('cascade'),
          )
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('licensed', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('organisation', 'text', (c) => c.notNull())
          .addColumn('contact', 'text', (c) => c.notNull())
          .addColumn('section_id', 'integer', (c) =>
            c.references('sections.id').onDelete('set null'),
          )
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('reason', 'text')
          .addColumn('story_id', 'integer', (c) => c.references('stories.id').onDelete('set null'))
          .addColumn('decided_by', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('press_releases_queue')
          .on('press_releases')
          .columns(['status', 'licensed', 'created_at'])
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropTable('press_releases').ifExists().execute();
        await db.schema.alterTable('stories').dropColumn('lead_position').execute();
      },
    },
    // The home page's lead stories (`featured = 1`, published): without it the query read every
    // published story to find the few featured ones (about 0.1–0.6 s on a 251,287-story archive,
    // on the event loop on SQLite, every time the home page's lists were reloaded).
    '0601_stories_featured_index': {
      async up(db: Builder) {
        await db.schema
          .createIndex('stories_featured_published')
          .on('stories')
          .columns(['featured', 'status', 'published_at'])
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropIndex('stories_featured_published').ifExists().execute();
      },
    },
  };
}
