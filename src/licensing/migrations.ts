/** Licensing migrations (range 0400–0499). */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { withId } from '../platform/migration-helpers.ts';
import { LICENCE_CURRENCY, TIERS } from './pricing.ts';

type Builder = Kysely<any>;

export function licensingMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0400_licensing_organisations_licences': {
      async up(db: Builder) {
        await db.schema
          .createTable('licence_tiers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('min_staff', 'integer', (c) => c.notNull())
          .addColumn('max_staff', 'integer')
          .addColumn('annual_price_cents', 'integer')
          .addColumn('seat_limit', 'integer')
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .execute();
        await db
          .insertInto('licence_tiers')
          .values(
            TIERS.map((t, i) => ({
              id: t.id,
              label: t.label,
              min_staff: t.minStaff,
              max_staff: t.maxStaff,
              annual_price_cents: t.annualPriceCents,
              seat_limit: t.seatLimit,
              currency: LICENCE_CURRENCY,
              position: i,
            })),
          )
          .execute();
        await id(db.schema.createTable('organisations'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('tier_id', 'text', (c) => c.notNull().references('licence_tiers.id'))
          .addColumn('contact_email', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('organisation_members')
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('organisation_members_pk', ['organisation_id', 'member_id'])
          .execute();
        await db.schema.createIndex('organisation_members_member').on('organisation_members').column('member_id').execute();
        await id(db.schema.createTable('licences'))
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('tier_id', 'text', (c) => c.notNull().references('licence_tiers.id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('applied_by', 'integer', (c) => c.references('members.id').onDelete('set null'))
          .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('approved_by', 'integer', (c) => c.references('members.id').onDelete('set null'))
          .addColumn('approved_at', 'text')
          .addColumn('starts_at', 'text')
          .addColumn('expires_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('licences_org').on('licences').column('organisation_id').execute();
        await db.schema.createIndex('licences_status').on('licences').columns(['status', 'expires_at']).execute();
        await db.schema
          .createTable('invoice_counters')
          .addColumn('year', 'integer', (c) => c.primaryKey())
          .addColumn('last', 'integer', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('invoices'))
          .addColumn('number', 'text', (c) => c.notNull().unique())
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('licence_id', 'integer', (c) => c.notNull().references('licences.id').onDelete('cascade'))
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('lines', 'text', (c) => c.notNull())
          .addColumn('tax_rate', 'text', (c) => c.notNull())
          .addColumn('subtotal_cents', 'integer', (c) => c.notNull())
          .addColumn('tax_cents', 'integer', (c) => c.notNull())
          .addColumn('total_cents', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'text', (c) => c.notNull())
          .addColumn('due_at', 'text', (c) => c.notNull())
          .addColumn('paid_at', 'text')
          .addColumn('payment_reference', 'text')
          .addColumn('recorded_by', 'integer', (c) => c.references('members.id').onDelete('set null'))
          .addUniqueConstraint('invoices_year_seq', ['year', 'seq'])
          .execute();
        await db.schema.createIndex('invoices_licence').on('invoices').column('licence_id').execute();
      },
      async down(db: Builder) {
        for (const t of ['invoices', 'invoice_counters', 'licences', 'organisation_members', 'organisations', 'licence_tiers']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
    '0401_licensing_accreditation_keys_usage_alerts': {
      async up(db: Builder) {
        await id(db.schema.createTable('org_domains'))
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('domain', 'text', (c) => c.notNull().unique())
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('verified_at', 'text')
          .addColumn('verified_by', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('org_networks'))
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('cidr', 'text', (c) => c.notNull().unique())
          .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('org_invitations'))
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('invited_by', 'integer', (c) => c.references('members.id').onDelete('set null'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('accepted_at', 'text')
          .addColumn('accepted_by', 'integer', (c) => c.references('members.id').onDelete('set null'))
          .execute();
        await db.schema.createIndex('org_invitations_org').on('org_invitations').column('organisation_id').execute();
        await id(db.schema.createTable('api_keys'))
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'integer', (c) => c.references('members.id').onDelete('set null'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('usage_daily')
          .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('covered', 'integer', (c) => c.notNull())
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('usage_daily_pk', ['organisation_id', 'day', 'covered', 'route'])
          .execute();
        await db.schema.createIndex('usage_daily_day').on('usage_daily').column('day').execute();
        await id(db.schema.createTable('saved_searches'))
          .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
          .addColumn('query', 'text', (c) => c.notNull())
          .addColumn('frequency', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_checked_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('saved_searches_member_query', ['member_id', 'query'])
          .execute();
      },
      async down(db: Builder) {
        for (const t of ['saved_searches', 'usage_daily', 'api_keys', 'org_invitations', 'org_networks', 'org_domains']) await db.schema.dropTable(t).ifExists().execute();
      },
    },
  };
}
