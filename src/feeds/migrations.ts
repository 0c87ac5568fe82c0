/** Partner feeds (newsroom range 0600–0699; registered through src/stories/migrations.ts). */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { withId } from '../platform/migration-helpers.ts';

type Builder = Kysely<any>;

/**
 * The demo partner sources as 0650 knew them (a released migration never changes, so they are
 * written out here rather than taken from src/demo.ts).
 */
const DEMO_SOURCES_0650 = [
  { name: 'UN News', url: 'https://news.un.org/feed/subscribe/en/news/all/rss.xml' },
  { name: 'Save The Children', url: 'https://www.savethechildren.net/rss.xml' },
  { name: 'Access Now', url: 'https://www.accessnow.org/feed/' },
];

export function feedsMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0610_feeds_partner_feeds': {
      async up(db: Builder) {
        await id(db.schema.createTable('partner_feeds'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull().unique())
          .addColumn('etag', 'text')
          .addColumn('last_modified', 'text')
          .addColumn('last_polled_at', 'text')
          .addColumn('last_ok_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('item_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.alterTable('partner_items').addColumn('feed_id', 'integer').execute();
        await db.schema.alterTable('partner_items').addColumn('unique_key', 'text').execute();
        // NULL keys (demo and hand-made items) never collide on either engine.
        await db.schema
          .createIndex('partner_items_unique_key')
          .on('partner_items')
          .column('unique_key')
          .unique()
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropIndex('partner_items_unique_key').ifExists().execute();
        await db.schema.alterTable('partner_items').dropColumn('unique_key').execute();
        await db.schema.alterTable('partner_items').dropColumn('feed_id').execute();
        await db.schema.dropTable('partner_feeds').ifExists().execute();
      },
    },
    '0645_feeds_documents': {
      async up(db: Builder) {
        const bytes = engine === 'postgres' ? 'bytea' : 'blob';
        await db.schema
          .createTable('documents')
          .addColumn('path', 'text', (c) => c.primaryKey())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('etag', 'text', (c) => c.notNull())
          .addColumn('body', bytes)
          .addColumn('body_gzip', bytes)
          .addColumn('body_br', bytes)
          .addColumn('built_at', 'text', (c) => c.notNull())
          .addColumn('stale', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('building_until', 'text')
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropTable('documents').ifExists().execute();
      },
    },
    // Demo headlines loaded before the demo sources were feeds had no feed: each source becomes
    // a partner feed (or the feed already registered at its address), and its demo items are
    // attached to it, so editors see, edit and remove them at /admin/feeds. Items of other sources
    // are left as they are.
    '0650_feeds_demo_sources': {
      async up(db: Builder) {
        const orphans: { id: number; source: string }[] = await db
          .selectFrom('partner_items')
          .select(['id', 'source'])
          .where('is_demo', '=', 1)
          .where('feed_id', 'is', null)
          .execute();
        for (const src of DEMO_SOURCES_0650) {
          const ids = orphans.filter((o) => o.source === src.name).map((o) => Number(o.id));
          if (!ids.length) continue;
          let feed = await db
            .selectFrom('partner_feeds')
            .select('id')
            .where('url', '=', src.url)
            .executeTakeFirst();
          feed ??= await db
            .insertInto('partner_feeds')
            .values({
              name: src.name,
              url: src.url,
              error_count: 0,
              item_count: 0,
              created_at: new Date().toISOString(),
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await db
            .updateTable('partner_items')
            .set({ feed_id: Number(feed.id) })
            .where('id', 'in', ids)
            .execute();
        }
      },
      async down(db: Builder) {
        // Back to feed-less demo items; the feeds stay (an editor may have polled or edited them).
        await db
          .updateTable('partner_items')
          .set({ feed_id: null })
          .where('is_demo', '=', 1)
          .execute();
      },
    },
  };
}
