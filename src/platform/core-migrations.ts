/** Core tables: sections, sources, stories, partner items, settings, subscribers, ads. */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from './db.ts';
import { withId } from './migration-helpers.ts';

type Builder = Kysely<any>;

export function coreMigrations(engine: Engine): Record<string, Migration> {
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
        await db.schema
          .createIndex('stories_published')
          .on('stories')
          .columns(['status', 'published_at'])
          .execute();
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
        await db.schema
          .createIndex('partner_items_published')
          .on('partner_items')
          .column('published_at')
          .execute();
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
        for (const t of [
          'ads',
          'newsletter_subscribers',
          'settings',
          'partner_items',
          'stories',
          'sources',
          'sections',
        ]) {
          await db.schema.dropTable(t).ifExists().execute();
        }
      },
    },
  };
}
