/**
 * Licensing tables: organisations, their licences and invoices, and what accredits their staff
 * (verified email domains, network ranges, seats by invitation), API keys, usage counters and
 * saved-search alerts. Money is in integer minor units; timestamps ISO 8601 UTC text.
 */
import type { ColumnType, Generated } from 'kysely';

export const ORGANISATION_KINDS = [
  'government',
  'company',
  'law-firm',
  'pr-agency',
  'media-monitor',
  'ngo',
  'university',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const KIND_LABELS: Record<OrganisationKind, string> = {
  government: 'Government',
  company: 'Company',
  'law-firm': 'Law firm',
  'pr-agency': 'PR agency',
  'media-monitor': 'Media monitor',
  ngo: 'NGO',
  university: 'University',
  other: 'Other',
};

/**
 * A licence moves applied → invoiced (approved by an editor) → active (payment recorded) →
 * expired; an application can also be rejected.
 */
export type LicenceStatus = 'applied' | 'invoiced' | 'active' | 'expired' | 'rejected';

export interface LicenceTiersTable {
  /** The pricing.ts tier id: small, team, department, organisation, enterprise, negotiated. */
  id: string;
  label: string;
  min_staff: number;
  max_staff: number | null;
  /** Null: by negotiation. */
  annual_price_cents: number | null;
  seat_limit: number | null;
  currency: string;
  position: number;
}

export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  kind: OrganisationKind;
  /** Tier id matching the organisation's staff band. */
  tier_id: string;
  /** Where invoices, reminders and licence invitations go. */
  contact_email: string;
  created_at: string;
  updated_at: string;
  /**
   * When staff approved the organisation (an editor approved its application, or it was created
   * from the command line); null until then. Its domains, networks and seats count only after.
   */
  approved_at: string | null;
}

export interface OrganisationMembersTable {
  organisation_id: number;
  member_id: number;
  role: 'admin' | 'member';
  created_at: string;
}

export interface LicencesTable {
  id: Generated<number>;
  organisation_id: number;
  tier_id: string;
  status: LicenceStatus;
  /** The member who applied (null when created from the command line). */
  applied_by: number | null;
  note: string;
  approved_by: number | null;
  approved_at: string | null;
  starts_at: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface InvoicesTable {
  id: Generated<number>;
  /** BS-2026-0001: unique and gap-free per year. */
  number: string;
  year: number;
  seq: number;
  organisation_id: number;
  licence_id: number;
  currency: string;
  /** JSON: [{description, quantity, unitPriceCents}]. */
  lines: string;
  /** The percentage as written (text keeps 8.875 exact). */
  tax_rate: string;
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
  status: 'open' | 'paid' | 'void';
  issued_at: string;
  due_at: string;
  paid_at: string | null;
  payment_reference: string | null;
  recorded_by: number | null;
  /** When the overdue reminder was claimed for sending (it goes once); null before. */
  reminded_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface InvoiceCountersTable {
  year: number;
  last: number;
}

export interface OrgDomainsTable {
  id: Generated<number>;
  organisation_id: number;
  /**
   * Lower-case ASCII (IDNs in punycode). Several organisations may claim a domain; only one may
   * have it verified (a partial unique index), and unverified claims never block anyone.
   */
  domain: string;
  /** Expected TXT record value: broadsheet-verification=<token>. */
  token: string;
  verified_at: string | null;
  verified_by: 'dns' | 'mail' | 'admin' | null;
  created_at: string;
  /** An unverified claim lapses at this time (null once verified). */
  expires_at: string | null;
  /** Address at the domain a verification code was mailed to. */
  mail_address: string | null;
  /** SHA-256 of the code mailed to mail_address. */
  mail_code_hash: string | null;
  mail_code_expires_at: string | null;
  /** Wrong codes entered for the current code. */
  mail_attempts: Generated<number>;
}

export type NetworkStatus = 'pending' | 'approved';

export interface OrgNetworksTable {
  id: Generated<number>;
  organisation_id: number;
  /** Canonical CIDR; unique among approved ranges (a partial unique index). */
  cidr: string;
  label: string;
  created_at: string;
  /** A range counts only once an editor or admin approved it. */
  status: NetworkStatus;
  decided_by: number | null;
  decided_at: string | null;
}

export interface OrgInvitationsTable {
  id: Generated<number>;
  organisation_id: number;
  email: string;
  token_hash: string;
  invited_by: number | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: number | null;
  /**
   * 1: an open link, taken by whoever holds it (made deliberately by the organisation's admin);
   * 0: only the invited address, signed in with a confirmed account, can accept it.
   */
  open: Generated<number>;
}

export interface ApiKeysTable {
  id: Generated<number>;
  organisation_id: number;
  name: string;
  /** First characters of the key, shown so people can tell keys apart. */
  prefix: string;
  /** SHA-256 (hex) of the key. */
  key_hash: string;
  rate_per_minute: number;
  created_by: number | null;
  created_at: string;
  revoked_at: string | null;
}

export interface UsageDailyTable {
  organisation_id: number;
  /** YYYY-MM-DD (UTC). */
  day: string;
  covered: number;
  /** How the visitor was matched: seat, domain, network or api-key. */
  route: string;
  count: number;
}

export interface SavedSearchesTable {
  id: Generated<number>;
  member_id: number;
  /** normalizeQuery() of what was typed. */
  query: string;
  frequency: 'daily' | 'weekly';
  created_at: string;
  /** Items published after this are new for the next alert. */
  last_checked_at: string;
}

export interface LicensingTables {
  licence_tiers: LicenceTiersTable;
  organisations: OrganisationsTable;
  organisation_members: OrganisationMembersTable;
  licences: LicencesTable;
  invoices: InvoicesTable;
  invoice_counters: InvoiceCountersTable;
  org_domains: OrgDomainsTable;
  org_networks: OrgNetworksTable;
  org_invitations: OrgInvitationsTable;
  api_keys: ApiKeysTable;
  usage_daily: UsageDailyTable;
  saved_searches: SavedSearchesTable;
}

declare module '../platform/schema.ts' {
  interface Database extends LicensingTables {}
}
