/** Licensing queries (Kysely; the same SQL on SQLite and PostgreSQL). */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type {
  ApiKeysTable,
  InvoicesTable,
  LicencesTable,
  LicenceTiersTable,
  OrgDomainsTable,
  OrganisationsTable,
  OrgInvitationsTable,
  OrgNetworksTable,
  SavedSearchesTable,
} from './schema.ts';

type Q = Kysely<Database>;
export type TierRow = Selectable<LicenceTiersTable>;
export type OrganisationRow = Selectable<OrganisationsTable>;
export type LicenceRow = Selectable<LicencesTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type DomainRow = Selectable<OrgDomainsTable>;
export type NetworkRow = Selectable<OrgNetworksTable>;
export type InvitationRow = Selectable<OrgInvitationsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type SavedSearchRow = Selectable<SavedSearchesTable>;

export const TAX_RATE_KEY = 'licensing.tax_rate_percent';

export async function listTiers(db: Q): Promise<TierRow[]> {
  return db.selectFrom('licence_tiers').selectAll().orderBy('position').execute();
}

export async function getTier(db: Q, id: string): Promise<TierRow | undefined> {
  return db.selectFrom('licence_tiers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getOrganisation(db: Q, id: number): Promise<OrganisationRow | undefined> {
  return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOrganisations(db: Q): Promise<OrganisationRow[]> {
  return db.selectFrom('organisations').selectAll().orderBy('name').orderBy('id').execute();
}

export async function organisationRole(
  db: Q,
  organisationId: number,
  memberId: number,
): Promise<'admin' | 'member' | null> {
  const r = await db
    .selectFrom('organisation_members')
    .select('role')
    .where('organisation_id', '=', organisationId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return r?.role ?? null;
}

export async function organisationsOfMember(
  db: Q,
  memberId: number,
): Promise<Array<OrganisationRow & { role: 'admin' | 'member' }>> {
  return db
    .selectFrom('organisation_members')
    .innerJoin('organisations', 'organisations.id', 'organisation_members.organisation_id')
    .selectAll('organisations')
    .select('organisation_members.role')
    .where('organisation_members.member_id', '=', memberId)
    .orderBy('organisations.name')
    .execute();
}

export async function seatsOf(db: Q, organisationId: number) {
  return db
    .selectFrom('organisation_members')
    .innerJoin('members', 'members.id', 'organisation_members.member_id')
    .select([
      'members.id as member_id',
      'members.email',
      'organisation_members.role',
      'organisation_members.created_at',
    ])
    .where('organisation_members.organisation_id', '=', organisationId)
    .orderBy('organisation_members.created_at')
    .execute();
}

export async function countSeats(db: Q, organisationId: number): Promise<number> {
  const r = await db
    .selectFrom('organisation_members')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('organisation_id', '=', organisationId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function licencesOf(db: Q, organisationId: number): Promise<LicenceRow[]> {
  return db
    .selectFrom('licences')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('id', 'desc')
    .execute();
}

export async function getLicence(db: Q, id: number): Promise<LicenceRow | undefined> {
  return db.selectFrom('licences').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function invoicesOf(db: Q, organisationId: number): Promise<InvoiceRow[]> {
  return db
    .selectFrom('invoices')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('id', 'desc')
    .execute();
}

export async function getInvoiceByNumber(db: Q, number: string): Promise<InvoiceRow | undefined> {
  return db.selectFrom('invoices').selectAll().where('number', '=', number).executeTakeFirst();
}

export async function domainsOf(db: Q, organisationId: number): Promise<DomainRow[]> {
  return db
    .selectFrom('org_domains')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('domain')
    .execute();
}

export async function networksOf(db: Q, organisationId: number): Promise<NetworkRow[]> {
  return db
    .selectFrom('org_networks')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('cidr')
    .execute();
}

export async function invitationsOf(db: Q, organisationId: number): Promise<InvitationRow[]> {
  return db
    .selectFrom('org_invitations')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('id', 'desc')
    .execute();
}

export async function apiKeysOf(db: Q, organisationId: number): Promise<ApiKeyRow[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .orderBy('id', 'desc')
    .execute();
}

/** Applications waiting for an editor, and approved licences whose invoice is unpaid. */
export async function licenceQueue(db: Q) {
  return db
    .selectFrom('licences')
    .innerJoin('organisations', 'organisations.id', 'licences.organisation_id')
    .leftJoin('members', 'members.id', 'licences.applied_by')
    .leftJoin('invoices', 'invoices.licence_id', 'licences.id')
    .select([
      'licences.id',
      'licences.status',
      'licences.tier_id',
      'licences.note',
      'licences.created_at',
      'licences.expires_at',
      'organisations.id as organisation_id',
      'organisations.name as organisation_name',
      'organisations.kind',
      'organisations.contact_email',
      'members.email as applicant_email',
      'invoices.number as invoice_number',
      'invoices.status as invoice_status',
      'invoices.total_cents',
      'invoices.currency',
    ])
    .orderBy('licences.id', 'desc')
    .execute();
}

export async function getSetting(db: Q, key: string): Promise<string | null> {
  const r = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return r?.value ?? null;
}

export async function putSetting(db: Q, key: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

export async function taxRatePercent(db: Q): Promise<number> {
  const v = await getSetting(db, TAX_RATE_KEY);
  const n = v === null ? 0 : Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : 0;
}

/** Per-day usage of one organisation since `fromDay` (inclusive). */
export async function usageByDay(db: Q, organisationId: number, fromDay: string) {
  const rows = await db
    .selectFrom('usage_daily')
    .select(['day', 'covered', (eb) => eb.fn.sum<number | string>('count').as('n')])
    .where('organisation_id', '=', organisationId)
    .where('day', '>=', fromDay)
    .groupBy(['day', 'covered'])
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ day: r.day, covered: Number(r.covered) === 1, count: Number(r.n) }));
}

/** Organisations without cover at `now`, ranked by page views since `fromDay`. */
export async function leads(db: Q, fromDay: string, nowIso: string) {
  const covered = db
    .selectFrom('licences')
    .select('organisation_id')
    .where('status', '=', 'active')
    .where('expires_at', '>', nowIso);
  const rows = await db
    .selectFrom('usage_daily')
    .innerJoin('organisations', 'organisations.id', 'usage_daily.organisation_id')
    .select([
      'organisations.id',
      'organisations.name',
      'organisations.kind',
      'organisations.contact_email',
      (eb) => eb.fn.sum<number | string>('usage_daily.count').as('views'),
      (eb) => eb.fn.max('usage_daily.day').as('last_day'),
    ])
    .where('usage_daily.day', '>=', fromDay)
    .where('usage_daily.organisation_id', 'not in', covered)
    .groupBy([
      'organisations.id',
      'organisations.name',
      'organisations.kind',
      'organisations.contact_email',
    ])
    .orderBy(sql`sum(usage_daily.count)`, 'desc')
    .orderBy('organisations.name')
    .execute();
  return rows.map((r) => ({ ...r, views: Number(r.views), last_day: String(r.last_day) }));
}

/** Ranges waiting for an editor's approval, oldest first, with their organisation. */
export async function pendingNetworks(db: Q) {
  const rows = await db
    .selectFrom('org_networks')
    .innerJoin('organisations', 'organisations.id', 'org_networks.organisation_id')
    .select([
      'org_networks.id',
      'org_networks.cidr',
      'org_networks.label',
      'org_networks.created_at',
      'organisations.id as organisation_id',
      'organisations.name as organisation_name',
      'organisations.approved_at',
    ])
    .where('org_networks.status', '=', 'pending')
    .orderBy('org_networks.created_at')
    .orderBy('org_networks.id')
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), organisation_id: Number(r.organisation_id) }));
}

/** Every approved range with its organisation's name (to show overlaps next to pending ranges). */
export async function approvedNetworks(db: Q) {
  return db
    .selectFrom('org_networks')
    .innerJoin('organisations', 'organisations.id', 'org_networks.organisation_id')
    .select([
      'org_networks.cidr',
      'organisations.id as organisation_id',
      'organisations.name as organisation_name',
    ])
    .where('org_networks.status', '=', 'approved')
    .execute();
}
