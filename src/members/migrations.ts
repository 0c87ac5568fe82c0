/** Member migrations (range 0300–0399). */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { withId } from '../platform/migration-helpers.ts';

type Builder = Kysely<any>;

export function membersMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0300_members_accounts_sessions_tokens': {
      async up(db: Builder) {
        await id(db.schema.createTable('members'))
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('email_verified_at', 'text')
          .addColumn('password_hash', 'text')
          .addColumn('role', 'text', (c) => c.notNull().defaultTo('reader'))
          .addColumn('declared_use', 'text')
          .addColumn('work_organisation', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('last_login_at', 'text')
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('member_id', 'integer', (c) =>
            c.notNull().references('members.id').onDelete('cascade'),
          )
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema.createIndex('sessions_member').on('sessions').column('member_id').execute();
        await db.schema
          .createIndex('sessions_expires')
          .on('sessions')
          .column('expires_at')
          .execute();
        await id(db.schema.createTable('member_tokens'))
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('member_id', 'integer', (c) => c.references('members.id').onDelete('cascade'))
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_uses', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema
          .createIndex('member_tokens_email')
          .on('member_tokens')
          .columns(['email', 'purpose'])
          .execute();
        await db.schema
          .createIndex('member_tokens_expires')
          .on('member_tokens')
          .column('expires_at')
          .execute();
      },
      async down(db: Builder) {
        for (const t of ['member_tokens', 'sessions', 'members'])
          await db.schema.dropTable(t).ifExists().execute();
      },
    },
    '0301_member_tokens_browser': {
      async up(db: Builder) {
        await db.schema.alterTable('member_tokens').addColumn('browser_hash', 'text').execute();
      },
      async down(db: Builder) {
        await db.schema.alterTable('member_tokens').dropColumn('browser_hash').execute();
      },
    },
  };
}
