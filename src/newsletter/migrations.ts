/** Newsletter migrations (range 0500–0599): issues, the per-recipient send log, page views. */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { withId } from '../platform/migration-helpers.ts';

type Builder = Kysely<any>;

export function newsletterMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0500_newsletter_digest': {
      async up(db: Builder) {
        for (const [name, type] of [
          ['confirmed_at', 'text'],
          ['unsubscribed_at', 'text'],
          ['bounced_at', 'text'],
          ['unsubscribed_issue_id', 'integer'],
          ['last_error', 'text'],
        ] as const) {
          await db.schema.alterTable('newsletter_subscribers').addColumn(name, type).execute();
        }
        await db.schema
          .alterTable('newsletter_subscribers')
          .addColumn('format', 'text', (c) => c.notNull().defaultTo('html'))
          .execute();
        await db.schema
          .createIndex('newsletter_subscribers_status')
          .on('newsletter_subscribers')
          .columns(['status', 'id'])
          .execute();

        await id(db.schema.createTable('newsletter_issues'))
          .addColumn('number', 'integer', (c) => c.notNull().unique())
          .addColumn('week_key', 'text', (c) => c.notNull().unique())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('intro', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('items', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('window_start', 'text', (c) => c.notNull())
          .addColumn('window_end', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
          .addColumn('scheduled_for', 'text')
          .addColumn('sent_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await id(db.schema.createTable('newsletter_deliveries'))
          .addColumn('issue_id', 'integer', (c) =>
            c.notNull().references('newsletter_issues.id').onDelete('cascade'),
          )
          .addColumn('subscriber_id', 'integer', (c) =>
            c.notNull().references('newsletter_subscribers.id').onDelete('cascade'),
          )
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('locked_by', 'text')
          .addColumn('locked_until', 'text')
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text')
          .addColumn('last_error', 'text')
          .addColumn('sent_at', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('newsletter_deliveries_once', ['issue_id', 'subscriber_id'])
          .execute();
        await db.schema
          .createIndex('newsletter_deliveries_claim')
          .on('newsletter_deliveries')
          .columns(['issue_id', 'status', 'next_attempt_at'])
          .execute();

        await db.schema
          .createTable('views_daily')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('item_id', 'integer', (c) => c.notNull())
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('views_daily_pk', ['kind', 'day', 'item_id'])
          .execute();
      },
      async down(db: Builder) {
        for (const t of ['views_daily', 'newsletter_deliveries', 'newsletter_issues'])
          await db.schema.dropTable(t).ifExists().execute();
      },
    },
  };
}
