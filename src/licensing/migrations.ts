/** Licensing migrations (range 0400–0499). */
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { sql } from 'kysely';
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
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('member_id', 'integer', (c) =>
            c.notNull().references('members.id').onDelete('cascade'),
          )
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('organisation_members_pk', ['organisation_id', 'member_id'])
          .execute();
        await db.schema
          .createIndex('organisation_members_member')
          .on('organisation_members')
          .column('member_id')
          .execute();
        await id(db.schema.createTable('licences'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('tier_id', 'text', (c) => c.notNull().references('licence_tiers.id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('applied_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('approved_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .addColumn('approved_at', 'text')
          .addColumn('starts_at', 'text')
          .addColumn('expires_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('licences_org')
          .on('licences')
          .column('organisation_id')
          .execute();
        await db.schema
          .createIndex('licences_status')
          .on('licences')
          .columns(['status', 'expires_at'])
          .execute();
        await db.schema
          .createTable('invoice_counters')
          .addColumn('year', 'integer', (c) => c.primaryKey())
          .addColumn('last', 'integer', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('invoices'))
          .addColumn('number', 'text', (c) => c.notNull().unique())
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('licence_id', 'integer', (c) =>
            c.notNull().references('licences.id').onDelete('cascade'),
          )
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
          .addColumn('recorded_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .addUniqueConstraint('invoices_year_seq', ['year', 'seq'])
          .execute();
        await db.schema
          .createIndex('invoices_licence')
          .on('invoices')
          .column('licence_id')
          .execute();
      },
      async down(db: Builder) {
        for (const t of [
          'invoices',
          'invoice_counters',
          'licences',
          'organisation_members',
          'organisations',
          'licence_tiers',
        ])
          await db.schema.dropTable(t).ifExists().execute();
      },
    },
    '0401_licensing_accreditation_keys_usage_alerts': {
      async up(db: Builder) {
        await id(db.schema.createTable('org_domains'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('domain', 'text', (c) => c.notNull().unique())
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('verified_at', 'text')
          .addColumn('verified_by', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('org_networks'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('cidr', 'text', (c) => c.notNull().unique())
          .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await id(db.schema.createTable('org_invitations'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('invited_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('accepted_at', 'text')
          .addColumn('accepted_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .execute();
        await db.schema
          .createIndex('org_invitations_org')
          .on('org_invitations')
          .column('organisation_id')
          .execute();
        await id(db.schema.createTable('api_keys'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('usage_daily')
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('covered', 'integer', (c) => c.notNull())
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('usage_daily_pk', ['organisation_id', 'day', 'covered', 'route'])
          .execute();
        await db.schema.createIndex('usage_daily_day').on('usage_daily').column('day').execute();
        await id(db.schema.createTable('saved_searches'))
          .addColumn('member_id', 'integer', (c) =>
            c.notNull().references('members.id').onDelete('cascade'),
          )
          .addColumn('query', 'text', (c) => c.notNull())
          .addColumn('frequency', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_checked_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('saved_searches_member_query', ['member_id', 'query'])
          .execute();
      },
      async down(db: Builder) {
        for (const t of [
          'saved_searches',
          'usage_daily',
          'api_keys',
          'org_invitations',
          'org_networks',
          'org_domains',
        ])
          await db.schema.dropTable(t).ifExists().execute();
      },
    },
    '0402_licensing_claims_proven': {
      // Claims count only once proven: organisations record when staff approved them; domains and
      // networks lose their global uniqueness (an unproven claim must never block the owner) and
      // keep it only among proven claims (partial unique indexes); domains get an expiry and a
      // mailed code; networks wait for approval; invitations may be bound to an address or open.
      async up(db: Builder) {
        await db.schema.alterTable('organisations').addColumn('approved_at', 'text').execute();
        // Organisations an editor approved (an invoice was issued) or staff created from the
        // command line (no admin member) are approved already.
        await sql`update organisations set approved_at = created_at
          where exists (select 1 from licences l where l.organisation_id = organisations.id and l.status in ('invoiced', 'active', 'expired'))
             or not exists (select 1 from organisation_members m where m.organisation_id = organisations.id and m.role = 'admin')`.execute(
          db,
        );

        await id(db.schema.createTable('org_domains_0402'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('domain', 'text', (c) => c.notNull())
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('verified_at', 'text')
          .addColumn('verified_by', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('mail_address', 'text')
          .addColumn('mail_code_hash', 'text')
          .addColumn('mail_code_expires_at', 'text')
          .addColumn('mail_attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        // Unverified claims made before this migration get a week from now to be proven.
        const week = new Date(Date.now() + 7 * 86_400_000).toISOString();
        await sql`insert into org_domains_0402 (id, organisation_id, domain, token, verified_at, verified_by, created_at, expires_at, mail_attempts)
          select id, organisation_id, domain, token, verified_at, verified_by, created_at, case when verified_at is null then ${week} else null end, 0 from org_domains`.execute(
          db,
        );
        await db.schema.dropTable('org_domains').execute();
        await db.schema.alterTable('org_domains_0402').renameTo('org_domains').execute();
        await db.schema
          .createIndex('org_domains_org_domain')
          .on('org_domains')
          .columns(['organisation_id', 'domain'])
          .unique()
          .execute();
        await db.schema
          .createIndex('org_domains_domain')
          .on('org_domains')
          .column('domain')
          .execute();
        await sql`create unique index org_domains_verified on org_domains (domain) where verified_at is not null`.execute(
          db,
        );

        await id(db.schema.createTable('org_networks_0402'))
          .addColumn('organisation_id', 'integer', (c) =>
            c.notNull().references('organisations.id').onDelete('cascade'),
          )
          .addColumn('cidr', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
          .addColumn('decided_by', 'integer', (c) =>
            c.references('members.id').onDelete('set null'),
          )
          .addColumn('decided_at', 'text')
          .execute();
        // Ranges already listed stay in force only for organisations that were approved.
        await sql`insert into org_networks_0402 (id, organisation_id, cidr, label, created_at, status)
          select n.id, n.organisation_id, n.cidr, n.label, n.created_at,
            case when o.approved_at is not null then 'approved' else 'pending' end
          from org_networks n join organisations o on o.id = n.organisation_id`.execute(db);
        await db.schema.dropTable('org_networks').execute();
        await db.schema.alterTable('org_networks_0402').renameTo('org_networks').execute();
        await db.schema
          .createIndex('org_networks_org_cidr')
          .on('org_networks')
          .columns(['organisation_id', 'cidr'])
          .unique()
          .execute();
        await db.schema
          .createIndex('org_networks_status')
          .on('org_networks')
          .column('status')
          .execute();
        await sql`create unique index org_networks_approved on org_networks (cidr) where status = 'approved'`.execute(
          db,
        );

        if (engine === 'postgres') {
          for (const t of ['org_domains', 'org_networks']) {
            await sql`select setval(pg_get_serial_sequence(${t}, 'id'), coalesce((select max(id) from ${sql.table(t)}), 0) + 1, false)`.execute(
              db,
            );
          }
        }

        await db.schema
          .alterTable('org_invitations')
          .addColumn('open', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
      async down(db: Builder) {
        await db.schema.alterTable('org_invitations').dropColumn('open').execute();
        await db.schema.alterTable('organisations').dropColumn('approved_at').execute();
      },
    },
    '0403_licensing_invoice_reminders': {
      async up(db: Builder) {
        // When the one overdue reminder for an invoice was claimed (null: not yet).
        await db.schema.alterTable('invoices').addColumn('reminded_at', 'text').execute();
      },
      async down(db: Builder) {
        await db.schema.alterTable('invoices').dropColumn('reminded_at').execute();
      },
    },
  };
}
