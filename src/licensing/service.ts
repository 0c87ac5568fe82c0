/**
 * Licensing operations, one named function each, called by the web routes, the CLI and the jobs.
 * Each validates its input, changes nothing when it is bad, and returns a typed result whose
 * `message` is written for the person who asked.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { resolveTxt as dnsResolveTxt } from 'node:dns/promises';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Failure as SharedFailure, Success } from '../lib/result.ts';
import { emailSchema, type Application } from './schemas.ts';
import type { Database } from '../platform/schema.ts';
import type { Mailer, MailMessage } from '../platform/mail.ts';
import { cidrContains, parseCidr, type Cidr } from '../lib/cidr.ts';
import { emailDomain } from './access.ts';
import { formatMoney, invoiceTotals, type InvoiceLine } from './pricing.ts';
import { ORGANISATION_KINDS, type OrganisationKind } from './schema.ts';
import {
  countSeats,
  getInvoiceByNumber,
  getLicence,
  getOrganisation,
  getTier,
  putSetting,
  TAX_RATE_KEY,
  taxRatePercent,
  type InvoiceRow,
  type LicenceRow,
} from './store.ts';
import {
  domainCodeMail,
  expiredMail,
  invoiceMail,
  leadInvitationMail,
  licenceActiveMail,
  renewalMail,
  seatInvitationMail,
} from './mails.ts';

import type { PaymentSettings } from '../config.ts';
import { paymentInstructions, paymentLines } from './payment.ts';

export type TxtResolver = (domain: string) => Promise<string[][]>;

export interface LicensingDeps {
  db: Kysely<Database>;
  mailer: Mailer;
  siteName: string;
  baseUrl: string;
  now?: () => Date;
  /** DNS TXT lookups (node:dns/promises by default; tests pass a fake). */
  resolveTxt?: TxtResolver;
  /** Called after anything that changes who is covered, so the access world reloads. */
  changed?: () => void;
  log?: { warn(obj: unknown, msg?: string): void };
  /** Payment instructions for invoices and their mails (PAYMENT_* settings). */
  payment?: PaymentSettings;
}

/** Licensing failures always carry the status a route answers with. */
export type Failure = SharedFailure & { status: number };
export type Result<T = object> = Success<T> | Failure;

const fail = (code: string, message: string, status = 400): Failure => ({
  ok: false,
  code,
  message,
  status,
});
const clock = (d: LicensingDeps) => (d.now ? d.now() : new Date());
const DAY_MS = 86_400_000;
export const INVOICE_DUE_DAYS = 30;
export const INVITATION_DAYS = 14;
export const DEFAULT_KEY_RATE = 60;

export function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** Twelve calendar months after `from` (29 February → 1 March). */
export function addYear(from: Date): Date {
  return new Date(
    Date.UTC(
      from.getUTCFullYear() + 1,
      from.getUTCMonth(),
      from.getUTCDate(),
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds(),
    ),
  );
}

export function formatDay(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

async function trySend(d: LicensingDeps, msg: MailMessage): Promise<boolean> {
  try {
    await d.mailer.send(msg);
    return true;
  } catch (err) {
    d.log?.warn({ err, to: msg.to }, 'licensing mail could not be sent');
    return false;
  }
}

/** The payment settings in force (none set: invoices say whom to contact). */
export const paymentOf = (d: LicensingDeps): PaymentSettings =>
  d.payment ?? {
    accountHolder: '',
    iban: '',
    bic: '',
    bank: '',
    instructions: '',
    link: '',
    termsDays: INVOICE_DUE_DAYS,
    contact: d.siteName,
  };

const site = (d: LicensingDeps) => ({
  siteName: d.siteName,
  baseUrl: d.baseUrl.replace(/\/+$/, ''),
});

// ---- organisations and applications ----

export interface NewOrganisation {
  name: string;
  kind: OrganisationKind;
  tierId: string;
  contactEmail: string;
}

export async function createOrganisation(
  d: LicensingDeps,
  o: NewOrganisation,
  adminMemberId: number | null,
): Promise<number> {
  const now = clock(d).toISOString();
  const row = await d.db
    .insertInto('organisations')
    // Created by staff or the command line (no applicant): approved from the start.
    .values({
      name: o.name,
      kind: o.kind,
      tier_id: o.tierId,
      contact_email: o.contactEmail,
      created_at: now,
      updated_at: now,
      approved_at: adminMemberId === null ? now : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  if (adminMemberId !== null) {
    await d.db
      .insertInto('organisation_members')
      .values({ organisation_id: id, member_id: adminMemberId, role: 'admin', created_at: now })
      .execute();
  }
  d.changed?.();
  return id;
}

/**
 * A member applies for a licence: a new organisation with them as its admin, or (renewal) another
 * licence for an organisation they administer.
 */
export async function applyForLicence(
  d: LicensingDeps,
  memberId: number,
  a: Application,
  existingOrganisationId?: number,
): Promise<Result<{ organisationId: number; licenceId: number }>> {
  const tier = await getTier(d.db, a.tier);
  if (!tier) return fail('invalid', 'Choose how many staff the organisation has.');
  const now = clock(d).toISOString();
  let organisationId: number;
  if (existingOrganisationId !== undefined) {
    const role = await d.db
      .selectFrom('organisation_members')
      .select('role')
      .where('organisation_id', '=', existingOrganisationId)
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    if (role?.role !== 'admin') return fail('not_found', 'There is no such organisation.', 404);
    const open = await d.db
      .selectFrom('licences')
      .select('id')
      .where('organisation_id', '=', existingOrganisationId)
      .where('status', 'in', ['applied', 'invoiced'])
      .executeTakeFirst();
    if (open)
      return fail(
        'pending',
        'This organisation already has an application waiting; we will be in touch.',
        409,
      );
    organisationId = existingOrganisationId;
    await d.db
      .updateTable('organisations')
      .set({
        name: a.name,
        kind: a.kind,
        tier_id: tier.id,
        contact_email: a.contact_email,
        updated_at: now,
      })
      .where('id', '=', organisationId)
      .execute();
  } else {
    organisationId = await createOrganisation(
      d,
      { name: a.name, kind: a.kind, tierId: tier.id, contactEmail: a.contact_email },
      memberId,
    );
  }
  const lic = await d.db
    .insertInto('licences')
    .values({
      organisation_id: organisationId,
      tier_id: tier.id,
      status: 'applied',
      applied_by: memberId,
      note: a.note,
      approved_by: null,
      approved_at: null,
      starts_at: null,
      expires_at: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  d.changed?.();
  return {
    ok: true,
    organisationId,
    licenceId: Number(lic.id),
    message: `Thank you. We have received the application for ${a.name}; an editor will check it and send the invoice to ${a.contact_email}.`,
  };
}

/** The next invoice number of `year`, allocated inside the caller's transaction (gap-free). */
export async function nextInvoiceSeq(trx: Kysely<Database>, year: number): Promise<number> {
  const r = await sql<{
    last: number;
  }>`insert into invoice_counters (year, last) values (${year}, 1)
    on conflict (year) do update set last = invoice_counters.last + 1 returning last`.execute(trx);
  return Number(r.rows[0].last);
}

export function invoiceNumber(year: number, seq: number): string {
  return `BS-${year}-${String(seq).padStart(4, '0')}`;
}

/** An editor approves an application: the invoice is issued and mailed to the organisation. */
export async function approveApplication(
  d: LicensingDeps,
  licenceId: number,
  approverId: number | null,
  opts: { priceCents?: number | null } = {},
): Promise<Result<{ invoice: InvoiceRow }>> {
  const lic = await getLicence(d.db, licenceId);
  if (!lic) return fail('not_found', 'There is no such application.', 404);
  if (lic.status !== 'applied')
    return fail('state', `This application is already ${lic.status}.`, 409);
  const [org, tier] = await Promise.all([
    getOrganisation(d.db, lic.organisation_id),
    getTier(d.db, lic.tier_id),
  ]);
  if (!org || !tier) return fail('not_found', 'There is no such application.', 404);
  const price = tier.annual_price_cents ?? opts.priceCents ?? null;
  if (price === null || !Number.isSafeInteger(price) || price <= 0) {
    return fail(
      'price',
      `${tier.label} is priced by negotiation: enter the agreed annual price to approve it.`,
    );
  }
  const rate = await taxRatePercent(d.db);
  const lines: InvoiceLine[] = [
    {
      description: `${d.siteName} annual licence, ${tier.label} — ${org.name}`,
      quantity: 1,
      unitPriceCents: price,
    },
  ];
  const totals = invoiceTotals(lines, rate);
  const now = clock(d);
  const year = now.getUTCFullYear();
  const invoice = await d.db.transaction().execute(async (trx) => {
    // The state check again inside the transaction: two editors approving at once issue one invoice.
    const moved = await trx
      .updateTable('licences')
      .set({
        status: 'invoiced',
        approved_by: approverId,
        approved_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', licenceId)
      .where('status', '=', 'applied')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return null;
    await trx
      .updateTable('organisations')
      .set({ approved_at: now.toISOString() })
      .where('id', '=', org.id)
      .where('approved_at', 'is', null)
      .execute();
    const seq = await nextInvoiceSeq(trx, year);
    return trx
      .insertInto('invoices')
      .values({
        number: invoiceNumber(year, seq),
        year,
        seq,
        organisation_id: org.id,
        licence_id: licenceId,
        currency: tier.currency,
        lines: JSON.stringify(lines),
        tax_rate: String(rate),
        subtotal_cents: totals.subtotalCents,
        tax_cents: totals.taxCents,
        total_cents: totals.totalCents,
        status: 'open',
        issued_at: now.toISOString(),
        due_at: new Date(
          now.getTime() + (d.payment?.termsDays ?? INVOICE_DUE_DAYS) * DAY_MS,
        ).toISOString(),
        paid_at: null,
        payment_reference: null,
        recorded_by: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  if (!invoice)
    return fail('state', 'This application was approved a moment ago by someone else.', 409);
  d.changed?.();
  await trySend(
    d,
    invoiceMail(org.contact_email, site(d), {
      organisation: org.name,
      number: invoice.number,
      total: formatMoney(invoice.total_cents, invoice.currency),
      dueDate: formatDay(invoice.due_at),
      payment: paymentLines(
        paymentInstructions(paymentOf(d), invoice.number),
        formatDay(invoice.due_at),
      ),
    }),
  );
  return {
    ok: true,
    invoice,
    message: `Approved: invoice ${invoice.number} for ${formatMoney(invoice.total_cents, invoice.currency)} was sent to ${org.contact_email}.`,
  };
}

export async function rejectApplication(d: LicensingDeps, licenceId: number): Promise<Result> {
  const now = clock(d).toISOString();
  const r = await d.db
    .updateTable('licences')
    .set({ status: 'rejected', updated_at: now })
    .where('id', '=', licenceId)
    .where('status', '=', 'applied')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1)
    return fail('state', 'Only an application waiting for approval can be declined.', 409);
  d.changed?.();
  return { ok: true, message: 'The application was declined.' };
}

/**
 * An admin records the payment of an invoice: the licence becomes active for twelve months from
 * the payment (or, for a renewal, from the end of the licence still running).
 */
export async function recordPayment(
  d: LicensingDeps,
  number: string,
  recordedBy: number | null,
  reference = '',
): Promise<Result<{ licence: LicenceRow }>> {
  const inv = await getInvoiceByNumber(d.db, number);
  if (!inv) return fail('not_found', `There is no invoice ${number}.`, 404);
  if (inv.status !== 'open')
    return fail('state', `Invoice ${number} is already ${inv.status}.`, 409);
  const now = clock(d);
  const running = await d.db
    .selectFrom('licences')
    .select((eb) => eb.fn.max('expires_at').as('until'))
    .where('organisation_id', '=', inv.organisation_id)
    .where('status', '=', 'active')
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  const start = running?.until ? new Date(String(running.until)) : now;
  const expires = addYear(start);
  const done = await d.db.transaction().execute(async (trx) => {
    const paid = await trx
      .updateTable('invoices')
      .set({
        status: 'paid',
        paid_at: now.toISOString(),
        payment_reference: reference.trim().slice(0, 200) || null,
        recorded_by: recordedBy,
      })
      .where('id', '=', inv.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(paid.numUpdatedRows) !== 1) return false;
    await trx
      .updateTable('licences')
      .set({
        status: 'active',
        starts_at: start.toISOString(),
        expires_at: expires.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', inv.licence_id)
      .execute();
    return true;
  });
  if (!done) return fail('state', `Invoice ${number} was recorded as paid a moment ago.`, 409);
  d.changed?.();
  const [org, licence] = await Promise.all([
    getOrganisation(d.db, inv.organisation_id),
    getLicence(d.db, inv.licence_id),
  ]);
  if (org)
    await trySend(
      d,
      licenceActiveMail(org.contact_email, site(d), {
        organisation: org.name,
        organisationId: org.id,
        expires: formatDay(expires),
      }),
    );
  return {
    ok: true,
    licence: licence!,
    message: `Payment recorded for ${number}. ${org?.name ?? 'The organisation'} is licensed until ${formatDay(expires)}.`,
  };
}

/** An active licence straight away (command line: an organisation that paid by other means). */
export async function grantLicence(
  d: LicensingDeps,
  organisationId: number,
  tierId: string,
): Promise<LicenceRow> {
  const now = clock(d);
  const row = await d.db
    .insertInto('licences')
    .values({
      organisation_id: organisationId,
      tier_id: tierId,
      status: 'active',
      applied_by: null,
      note: 'granted from the command line',
      approved_by: null,
      approved_at: now.toISOString(),
      starts_at: now.toISOString(),
      expires_at: addYear(now).toISOString(),
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await d.db
    .updateTable('organisations')
    .set({ approved_at: now.toISOString() })
    .where('id', '=', organisationId)
    .where('approved_at', 'is', null)
    .execute();
  d.changed?.();
  return row;
}

const TAX_RATE = /^(?:100(?:\.0{1,3})?|\d{1,2}(?:\.\d{1,3})?)$/;

export async function setTaxRate(
  d: LicensingDeps,
  input: string,
): Promise<Result<{ rate: number }>> {
  const s = typeof input === 'string' ? input.trim().replace(/\s*%$/, '') : '';
  if (!TAX_RATE.test(s))
    return fail(
      'invalid',
      'Enter the tax rate as a percentage between 0 and 100, with at most three decimals (e.g. 15 or 8.875).',
    );
  const rate = Number(s);
  await putSetting(d.db, TAX_RATE_KEY, String(rate));
  return { ok: true, rate, message: `New invoices will charge tax at ${rate} %.` };
}

// ---- email domains ----

/** Lower-case ASCII form of a domain (IDNs in punycode), or null when it is not a domain name. */
export function normaliseDomain(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  let s = input.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '');
  if (s.includes('@')) s = s.slice(s.lastIndexOf('@') + 1);
  const ascii = domainToASCII(s);
  if (!ascii || ascii.length > 253) return null;
  if (
    !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(
      ascii,
    )
  )
    return null;
  return ascii;
}

export const TXT_PREFIX = 'broadsheet-verification=';
/** An unverified domain claim lapses after this many days. */
export const DOMAIN_CLAIM_DAYS = 7;
export const DOMAIN_CODE_MINUTES = 30;
export const DOMAIN_CODE_ATTEMPTS = 5;

/**
 * Mail providers where anyone can open an address: a code mailed there proves nothing about an
 * organisation, so these domains can be verified by DNS (which their owners will not do) or by a
 * site admin only.
 */
export const PUBLIC_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'hotmail.co.uk',
  'live.com',
  'msn.com',
  'yahoo.com',
  'yahoo.co.uk',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'zoho.com',
  'fastmail.com',
  'tutanota.com',
  'tuta.io',
  'qq.com',
  '163.com',
  'hey.com',
]);

export type DomainState = 'verified' | 'pending-verification' | 'expired';

/** Where a domain claim stands at `now` (pure). */
export function domainState(
  row: { verified_at: string | null; expires_at: string | null },
  now: Date,
): DomainState {
  if (row.verified_at) return 'verified';
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) return 'expired';
  return 'pending-verification';
}

async function verifiedElsewhere(
  d: LicensingDeps,
  organisationId: number,
  domain: string,
): Promise<boolean> {
  const r = await d.db
    .selectFrom('org_domains')
    .select('id')
    .where('domain', '=', domain)
    .where('verified_at', 'is not', null)
    .where('organisation_id', '!=', organisationId)
    .executeTakeFirst();
  return r !== undefined;
}

const otherOwner = (domain: string) =>
  `${domain} is verified by another organisation. Write to us if it is yours.`;

export async function addDomain(
  d: LicensingDeps,
  organisationId: number,
  input: string,
): Promise<Result<{ domain: string; token: string }>> {
  const domain = normaliseDomain(input);
  if (!domain)
    return fail(
      'invalid',
      'Enter a domain name such as example.org (the part of your colleagues’ addresses after the @).',
    );
  // Only a verified claim of another organisation refuses; unverified claims never block anyone.
  if (await verifiedElsewhere(d, organisationId, domain))
    return fail('taken', otherOwner(domain), 409);
  const now = clock(d);
  const token = randomBytes(18).toString('base64url');
  const expires = new Date(now.getTime() + DOMAIN_CLAIM_DAYS * DAY_MS).toISOString();
  const mine = await d.db
    .selectFrom('org_domains')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where('domain', '=', domain)
    .executeTakeFirst();
  if (mine) {
    if (domainState(mine, now) !== 'expired')
      return fail('taken', `${domain} is already listed.`, 409);
    // An expired claim starts again with a new token and a new week.
    await d.db
      .updateTable('org_domains')
      .set({
        token,
        created_at: now.toISOString(),
        expires_at: expires,
        mail_address: null,
        mail_code_hash: null,
        mail_code_expires_at: null,
        mail_attempts: 0,
      })
      .where('id', '=', mine.id)
      .execute();
  } else {
    try {
      await d.db
        .insertInto('org_domains')
        .values({
          organisation_id: organisationId,
          domain,
          token,
          verified_at: null,
          verified_by: null,
          created_at: now.toISOString(),
          expires_at: expires,
        })
        .execute();
    } catch {
      return fail('taken', `${domain} was added a moment ago.`, 409);
    }
  }
  return {
    ok: true,
    domain,
    token,
    message: `Added ${domain}. Prove it is yours within ${DOMAIN_CLAIM_DAYS} days: publish the TXT record ${TXT_PREFIX}${token} on ${domain} and press “Check DNS”, or have a code mailed to an address at ${domain}.`,
  };
}

/** Marks a claim verified, unless another organisation verified the domain first. */
async function markVerified(
  d: LicensingDeps,
  organisationId: number,
  row: { id: number; domain: string },
  by: 'dns' | 'mail' | 'admin',
): Promise<Failure | null> {
  if (await verifiedElsewhere(d, organisationId, row.domain))
    return fail('taken', otherOwner(row.domain), 409);
  try {
    await d.db
      .updateTable('org_domains')
      .set({
        verified_at: clock(d).toISOString(),
        verified_by: by,
        expires_at: null,
        mail_code_hash: null,
        mail_code_expires_at: null,
      })
      .where('id', '=', row.id)
      .execute();
  } catch {
    return fail('taken', otherOwner(row.domain), 409);
  }
  // The other organisations' unverified claims on the domain are settled now.
  await d.db
    .deleteFrom('org_domains')
    .where('domain', '=', row.domain)
    .where('verified_at', 'is', null)
    .where('organisation_id', '!=', organisationId)
    .execute();
  d.changed?.();
  return null;
}

async function openClaim(
  d: LicensingDeps,
  organisationId: number,
  domainId: number,
): Promise<Failure | NonNullable<Awaited<ReturnType<typeof claimRow>>>> {
  const row = await claimRow(d, organisationId, domainId);
  if (!row) return fail('not_found', 'There is no such domain.', 404);
  if (!row.verified_at && domainState(row, clock(d)) === 'expired') {
    return fail(
      'expired',
      `The claim on ${row.domain} expired before it was verified. Remove it and add it again to start over.`,
      410,
    );
  }
  return row;
}

function claimRow(d: LicensingDeps, organisationId: number, domainId: number) {
  return d.db
    .selectFrom('org_domains')
    .selectAll()
    .where('id', '=', domainId)
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst();
}

/** Looks for the domain's TXT record; a match verifies it. */
export async function checkDomainDns(
  d: LicensingDeps,
  organisationId: number,
  domainId: number,
): Promise<Result> {
  const row = await openClaim(d, organisationId, domainId);
  if ('ok' in row) return row;
  if (row.verified_at) return { ok: true, message: `${row.domain} is already verified.` };
  const resolve = d.resolveTxt ?? ((name: string) => dnsResolveTxt(name));
  let records: string[][];
  try {
    records = await resolve(row.domain);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOTFOUND' || code === 'ENODATA'
        ? 'it has no TXT records yet'
        : 'the DNS lookup failed';
    return fail(
      'dns',
      `${row.domain} could not be verified: ${why}. DNS changes can take a while to appear; try again later.`,
    );
  }
  const expected = TXT_PREFIX + row.token;
  if (!records.some((chunks) => chunks.join('').trim() === expected)) {
    return fail(
      'dns',
      `No TXT record ${expected} was found on ${row.domain}. DNS changes can take a while to appear; try again later.`,
    );
  }
  const refused = await markVerified(d, organisationId, row, 'dns');
  if (refused) return refused;
  return {
    ok: true,
    message: `${row.domain} is verified: colleagues with a confirmed address there are covered.`,
  };
}

function newCode(): string {
  // Eight digits, uniformly drawn.
  return String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0');
}

/** Mails a verification code to an address at the claimed domain. */
export async function mailDomainCode(
  d: LicensingDeps,
  organisationId: number,
  domainId: number,
  addressInput: string,
): Promise<Result> {
  const row = await openClaim(d, organisationId, domainId);
  if ('ok' in row) return row;
  if (row.verified_at) return { ok: true, message: `${row.domain} is already verified.` };
  if (PUBLIC_MAIL_DOMAINS.has(row.domain)) {
    return fail(
      'public_mail',
      `Anyone can open an address at ${row.domain}, so a code mailed there proves nothing. Verify it by DNS, or write to us.`,
    );
  }
  const e = emailSchema.safeParse(addressInput);
  if (!e.success)
    return fail('invalid', `Enter an address at ${row.domain}, such as it@${row.domain}.`);
  const address = e.data;
  if (emailDomain(address) !== row.domain)
    return fail(
      'invalid',
      `The address must be at ${row.domain} itself (…@${row.domain}); ${address} is not.`,
    );
  const org = await getOrganisation(d.db, organisationId);
  if (!org) return fail('not_found', 'There is no such organisation.', 404);
  const now = clock(d);
  // One code a minute per claim: the address belongs to someone who may not have asked for it.
  const lastSent = row.mail_code_expires_at
    ? Date.parse(row.mail_code_expires_at) - DOMAIN_CODE_MINUTES * 60_000
    : 0;
  if (now.getTime() - lastSent < 60_000)
    return fail(
      'too_soon',
      'A code was mailed less than a minute ago. Wait a minute before asking for another.',
      429,
    );
  const code = newCode();
  await d.db
    .updateTable('org_domains')
    .set({
      mail_address: address,
      mail_code_hash: sha256(`${row.id}:${code}`),
      mail_code_expires_at: new Date(now.getTime() + DOMAIN_CODE_MINUTES * 60_000).toISOString(),
      mail_attempts: 0,
    })
    .where('id', '=', row.id)
    .execute();
  const sent = await trySend(
    d,
    domainCodeMail(address, site(d), {
      organisation: org.name,
      domain: row.domain,
      code,
      minutes: DOMAIN_CODE_MINUTES,
    }),
  );
  if (!sent)
    return fail(
      'mail_failed',
      'The code could not be mailed just now. Try again in a few minutes.',
      503,
    );
  return {
    ok: true,
    message: `A code was mailed to ${address}. Enter it below within ${DOMAIN_CODE_MINUTES} minutes.`,
  };
}

/** Checks a mailed code; the right one verifies the domain. */
export async function enterDomainCode(
  d: LicensingDeps,
  organisationId: number,
  domainId: number,
  codeInput: string,
): Promise<Result> {
  const row = await openClaim(d, organisationId, domainId);
  if ('ok' in row) return row;
  if (row.verified_at) return { ok: true, message: `${row.domain} is already verified.` };
  const now = clock(d);
  if (!row.mail_code_hash || !row.mail_code_expires_at)
    return fail('no_code', `No code has been mailed for ${row.domain} yet.`);
  if (Date.parse(row.mail_code_expires_at) <= now.getTime())
    return fail('code_expired', 'That code has expired. Have a new one mailed.');
  if (Number(row.mail_attempts) >= DOMAIN_CODE_ATTEMPTS)
    return fail('code_attempts', 'Too many wrong codes. Have a new one mailed.', 429);
  const code = typeof codeInput === 'string' ? codeInput.replace(/[\s-]/g, '') : '';
  if (!/^\d{8}$/.test(code)) return fail('invalid', 'Enter the eight-digit code from the mail.');
  const expected = Buffer.from(row.mail_code_hash, 'hex');
  const given = Buffer.from(sha256(`${row.id}:${code}`), 'hex');
  if (!timingSafeEqual(expected, given)) {
    await d.db
      .updateTable('org_domains')
      .set({ mail_attempts: sql`mail_attempts + 1` })
      .where('id', '=', row.id)
      .execute();
    return fail('wrong_code', 'That is not the code we mailed. Check it and try again.');
  }
  const refused = await markVerified(d, organisationId, row, 'mail');
  if (refused) return refused;
  return {
    ok: true,
    message: `${row.domain} is verified by the code mailed to ${row.mail_address}: colleagues with a confirmed address there are covered.`,
  };
}

/** A site admin vouches for a domain without DNS. */
export async function verifyDomainByAdmin(
  d: LicensingDeps,
  organisationId: number,
  domainId: number,
): Promise<Result> {
  const row = await claimRow(d, organisationId, domainId);
  if (!row || row.verified_at) return fail('not_found', 'There is no such unverified domain.', 404);
  const refused = await markVerified(d, organisationId, row, 'admin');
  if (refused) return refused;
  return { ok: true, message: 'The domain is verified.' };
}

export async function removeDomain(
  d: LicensingDeps,
  organisationId: number,
  domainId: number,
): Promise<Result> {
  const r = await d.db
    .deleteFrom('org_domains')
    .where('id', '=', domainId)
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1) return fail('not_found', 'There is no such domain.', 404);
  d.changed?.();
  return { ok: true, message: 'The domain was removed.' };
}

// ---- networks ----

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (cidrContains(a, b.network) || cidrContains(b, a.network));
}

/** Another organisation's approved range overlapping `c`, if any. */
async function overlappingApproved(
  d: LicensingDeps,
  organisationId: number,
  c: Cidr,
): Promise<string | null> {
  const rows = await d.db
    .selectFrom('org_networks')
    .select('cidr')
    .where('status', '=', 'approved')
    .where('organisation_id', '!=', organisationId)
    .execute();
  for (const r of rows) {
    const p = parseCidr(r.cidr);
    if (p.ok && overlaps(p.value, c)) return p.value.cidr;
  }
  return null;
}

const overlapMessage = (mine: string, theirs: string) =>
  mine === theirs
    ? `${mine} is registered to another organisation. Write to us if the addresses are yours.`
    : `${mine} overlaps ${theirs}, which is approved for another organisation, so it cannot be added. Write to us if the addresses are yours.`;

/**
 * Adds a network range. From an organisation's admin it waits for an editor's approval
 * (`approvedBy: 'pending'`); staff and the command line add it approved (a member id, or null).
 */
export async function addNetwork(
  d: LicensingDeps,
  organisationId: number,
  input: string,
  label: string = '',
  approval: { approvedBy: number | null } | 'pending' = { approvedBy: null },
): Promise<Result<{ cidr: string }>> {
  const s = typeof input === 'string' ? input.trim() : '';
  if (!s) return fail('invalid', 'Enter a network range such as 203.0.113.0/24 or 2001:db8::/48.');
  const p = parseCidr(s);
  if (!p.ok)
    return fail(
      'invalid',
      `${s} is not a network range: ${p.error}. Write it like 203.0.113.0/24 or 2001:db8::/48.`,
    );
  const c = p.value;
  if ((c.family === 4 && c.prefix < 8) || (c.family === 6 && c.prefix < 19)) {
    return fail(
      'invalid',
      `${c.cidr} is too wide to belong to one organisation (use at least /8 for IPv4 and /19 for IPv6).`,
    );
  }
  const mine = await d.db
    .selectFrom('org_networks')
    .select('id')
    .where('organisation_id', '=', organisationId)
    .where('cidr', '=', c.cidr)
    .executeTakeFirst();
  if (mine) return fail('taken', `${c.cidr} is already listed.`, 409);
  const other = await overlappingApproved(d, organisationId, c);
  if (other) return fail('taken', overlapMessage(c.cidr, other), 409);
  const text = typeof label === 'string' ? label.trim().slice(0, 100) : '';
  const now = clock(d).toISOString();
  const approved = approval !== 'pending';
  try {
    await d.db
      .insertInto('org_networks')
      .values({
        organisation_id: organisationId,
        cidr: c.cidr,
        label: text,
        created_at: now,
        status: approved ? 'approved' : 'pending',
        decided_by: approved ? approval.approvedBy : null,
        decided_at: approved ? now : null,
      })
      .execute();
  } catch {
    return fail('taken', `${c.cidr} was registered a moment ago.`, 409);
  }
  d.changed?.();
  const note = c.cidr !== s ? ` (written canonically as ${c.cidr})` : '';
  return approved
    ? {
        ok: true,
        cidr: c.cidr,
        message: `Added ${c.cidr}${note}: every visitor from it is covered while the licence is active.`,
      }
    : {
        ok: true,
        cidr: c.cidr,
        message: `Added ${c.cidr}${note}. It counts once our editors have approved it; the page shows when they have.`,
      };
}

/** An editor or admin approves a pending range (refused if another organisation's approved range overlaps it). */
export async function approveNetwork(
  d: LicensingDeps,
  networkId: number,
  approverId: number,
): Promise<Result> {
  const row = await d.db
    .selectFrom('org_networks')
    .selectAll()
    .where('id', '=', networkId)
    .executeTakeFirst();
  if (!row || row.status !== 'pending')
    return fail('not_found', 'There is no such range waiting for approval.', 404);
  const p = parseCidr(row.cidr);
  if (!p.ok) return fail('invalid', `${row.cidr} is not a network range.`);
  const other = await overlappingApproved(d, row.organisation_id, p.value);
  if (other) return fail('taken', overlapMessage(row.cidr, other), 409);
  const now = clock(d).toISOString();
  try {
    const r = await d.db
      .updateTable('org_networks')
      .set({ status: 'approved', decided_by: approverId, decided_at: now })
      .where('id', '=', networkId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1)
      return fail('state', 'This range was decided a moment ago.', 409);
  } catch {
    return fail('taken', `${row.cidr} is approved for another organisation.`, 409);
  }
  d.changed?.();
  const org = await getOrganisation(d.db, row.organisation_id);
  return { ok: true, message: `Approved ${row.cidr} for ${org?.name ?? 'the organisation'}.` };
}

/** An editor or admin refuses a pending range: it is removed. */
export async function refuseNetwork(d: LicensingDeps, networkId: number): Promise<Result> {
  const row = await d.db
    .selectFrom('org_networks')
    .selectAll()
    .where('id', '=', networkId)
    .executeTakeFirst();
  if (!row || row.status !== 'pending')
    return fail('not_found', 'There is no such range waiting for approval.', 404);
  await d.db
    .deleteFrom('org_networks')
    .where('id', '=', networkId)
    .where('status', '=', 'pending')
    .execute();
  const org = await getOrganisation(d.db, row.organisation_id);
  return {
    ok: true,
    message: `Refused ${row.cidr} for ${org?.name ?? 'the organisation'}; it was removed.`,
  };
}

export async function removeNetwork(
  d: LicensingDeps,
  organisationId: number,
  networkId: number,
): Promise<Result> {
  const r = await d.db
    .deleteFrom('org_networks')
    .where('id', '=', networkId)
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1) return fail('not_found', 'There is no such network.', 404);
  d.changed?.();
  return { ok: true, message: 'The network was removed.' };
}

// ---- seats and invitations ----

/** Seats allowed by the organisation's tier (null: no limit set). */
export async function seatLimit(d: LicensingDeps, organisationId: number): Promise<number | null> {
  const org = await getOrganisation(d.db, organisationId);
  const tier = org ? await getTier(d.db, org.tier_id) : undefined;
  return tier?.seat_limit ?? null;
}

export function seatLimitMessage(limit: number, tierLabel: string): string {
  return `All ${limit} seats of your licence (${tierLabel}) are taken. Remove a seat, or ask us to move you to a larger tier.`;
}

async function seatCheck(
  d: LicensingDeps,
  organisationId: number,
  pendingExtra: number,
): Promise<Failure | null> {
  const org = await getOrganisation(d.db, organisationId);
  const tier = org ? await getTier(d.db, org.tier_id) : undefined;
  if (!tier || tier.seat_limit === null) return null;
  const used = await countSeats(d.db, organisationId);
  if (used + pendingExtra > tier.seat_limit)
    return fail('seat_limit', seatLimitMessage(tier.seat_limit, tier.label), 409);
  return null;
}

/** Whether the organisation was approved by staff and its licence covers at `now`. */
export async function organisationInForce(
  d: LicensingDeps,
  organisationId: number,
  now: Date,
): Promise<boolean> {
  const org = await getOrganisation(d.db, organisationId);
  if (!org || !org.approved_at) return false;
  const rows = await d.db
    .selectFrom('licences')
    .select(['organisation_id', 'status', 'expires_at'])
    .where('organisation_id', '=', organisationId)
    .execute();
  return rows.some(
    (r) =>
      r.status === 'active' && r.expires_at !== null && Date.parse(r.expires_at) > now.getTime(),
  );
}

const NOT_IN_FORCE = 'Seats can be given once the organisation’s licence is active.';

async function openInvitationCount(
  d: LicensingDeps,
  organisationId: number,
  now: Date,
): Promise<number> {
  const open = await d.db
    .selectFrom('org_invitations')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirstOrThrow();
  return Number(open.n);
}

/** Invites one address: only that address, signed in with a confirmed account, can accept. */
export async function inviteMember(
  d: LicensingDeps,
  organisationId: number,
  invitedBy: { id: number; email: string } | null,
  emailInput: string,
): Promise<Result<{ link: string }>> {
  const e = emailSchema.safeParse(emailInput);
  if (!e.success) return fail('invalid', e.error.issues[0].message.replace('a contact', 'an'));
  const email = e.data;
  const org = await getOrganisation(d.db, organisationId);
  if (!org) return fail('not_found', 'There is no such organisation.', 404);
  const now = clock(d);
  if (!(await organisationInForce(d, organisationId, now)))
    return fail('unlicensed', NOT_IN_FORCE, 409);
  const already = await d.db
    .selectFrom('organisation_members')
    .innerJoin('members', 'members.id', 'organisation_members.member_id')
    .select('members.id')
    .where('organisation_members.organisation_id', '=', organisationId)
    .where('members.email', '=', email)
    .executeTakeFirst();
  if (already) return fail('taken', `${email} already has a seat.`, 409);
  const made = await issueInvitation(d, organisationId, email, invitedBy, now);
  if (!made.ok) return made;
  const { link } = made;
  const sent = await trySend(
    d,
    seatInvitationMail(email, site(d), {
      organisation: org.name,
      link,
      invitedBy: invitedBy?.email ?? null,
    }),
  );
  return {
    ok: true,
    link,
    message: sent
      ? `Invitation sent to ${email}; only ${email} can accept it.`
      : `The invitation for ${email} is ready, but the mail could not be sent; send them this link: ${link} (only ${email} can accept it).`,
  };
}

/** An open link, made deliberately: whoever holds it and has a confirmed account takes one seat. */
export async function createOpenInvitation(
  d: LicensingDeps,
  organisationId: number,
  invitedBy: { id: number } | null,
): Promise<Result<{ link: string }>> {
  const org = await getOrganisation(d.db, organisationId);
  if (!org) return fail('not_found', 'There is no such organisation.', 404);
  const now = clock(d);
  if (!(await organisationInForce(d, organisationId, now)))
    return fail('unlicensed', NOT_IN_FORCE, 409);
  const made = await issueInvitation(d, organisationId, '', invitedBy, now);
  if (!made.ok) return made;
  const { link } = made;
  return {
    ok: true,
    link,
    message: `Open link created: anyone who has it can take one seat until ${formatDay(new Date(now.getTime() + INVITATION_DAYS * DAY_MS))}. Copy it now, it is shown only once: ${link}`,
  };
}

/**
 * Stores an invitation (bound to `email`, or open when it is empty) if the tier has a seat for it,
 * counting the invitations still open; only the token's hash is kept, the link is returned once.
 */
async function issueInvitation(
  d: LicensingDeps,
  organisationId: number,
  email: string,
  invitedBy: { id: number } | null | undefined,
  now: Date,
) {
  const full = await seatCheck(
    d,
    organisationId,
    (await openInvitationCount(d, organisationId, now)) + 1,
  );
  if (full) return full;
  const token = randomBytes(32).toString('base64url');
  await d.db
    .insertInto('org_invitations')
    .values({
      organisation_id: organisationId,
      email,
      token_hash: sha256(token),
      invited_by: invitedBy?.id ?? null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + INVITATION_DAYS * DAY_MS).toISOString(),
      accepted_at: null,
      accepted_by: null,
      open: email ? 0 : 1,
    })
    .execute();
  return { ok: true as const, link: `${site(d).baseUrl}/invitations/${token}` };
}

export async function findInvitation(d: LicensingDeps, token: string) {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  return d.db
    .selectFrom('org_invitations')
    .innerJoin('organisations', 'organisations.id', 'org_invitations.organisation_id')
    .selectAll('org_invitations')
    .select('organisations.name as organisation_name')
    .where('token_hash', '=', sha256(token))
    .executeTakeFirst();
}

export interface AcceptingMember {
  id: number;
  email: string;
  emailVerified: boolean;
}

/** Accepts an invitation for a member (given whole, or by id and read from the database). */
export async function acceptInvitation(
  d: LicensingDeps,
  token: string,
  who: AcceptingMember | number,
): Promise<Result<{ organisationId: number }>> {
  let m: AcceptingMember;
  if (typeof who === 'number') {
    const row = await d.db
      .selectFrom('members')
      .select(['id', 'email', 'email_verified_at'])
      .where('id', '=', who)
      .executeTakeFirst();
    if (!row) return fail('not_found', 'There is no such account.', 404);
    m = { id: Number(row.id), email: row.email, emailVerified: row.email_verified_at !== null };
  } else m = who;
  const inv = await findInvitation(d, token);
  if (!inv)
    return fail(
      'invalid',
      'This invitation link is not valid. Ask your organisation’s administrator for a new one.',
      404,
    );
  const now = clock(d);
  if (inv.accepted_at) return fail('used', 'This invitation has already been accepted.', 409);
  if (Date.parse(inv.expires_at) <= now.getTime())
    return fail(
      'expired',
      'This invitation has expired. Ask your organisation’s administrator for a new one.',
      410,
    );
  if (!m.emailVerified)
    return fail(
      'unconfirmed',
      'Confirm your email address first (follow the link we mailed you), then accept the invitation.',
      403,
    );
  if (Number(inv.open) !== 1 && inv.email.toLowerCase() !== m.email.toLowerCase()) {
    return fail(
      'wrong_address',
      `This invitation is for ${inv.email}. Sign in with that address to accept it.`,
      403,
    );
  }
  if (!(await organisationInForce(d, inv.organisation_id, now)))
    return fail(
      'unlicensed',
      `${inv.organisation_name}’s licence is not active, so its invitations cannot be accepted now.`,
      409,
    );
  const role = await d.db
    .selectFrom('organisation_members')
    .select('role')
    .where('organisation_id', '=', inv.organisation_id)
    .where('member_id', '=', m.id)
    .executeTakeFirst();
  if (!role) {
    const full = await seatCheck(d, inv.organisation_id, 1);
    if (full) return full;
  }
  // Taken once: the first to mark the invitation accepted takes the seat.
  const taken = await d.db
    .updateTable('org_invitations')
    .set({ accepted_at: now.toISOString(), accepted_by: m.id })
    .where('id', '=', inv.id)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1)
    return fail('used', 'This invitation has already been accepted.', 409);
  if (!role)
    await d.db
      .insertInto('organisation_members')
      .values({
        organisation_id: inv.organisation_id,
        member_id: m.id,
        role: 'member',
        created_at: now.toISOString(),
      })
      .execute();
  d.changed?.();
  return {
    ok: true,
    organisationId: inv.organisation_id,
    message: `You have a seat on ${inv.organisation_name}’s licence.`,
  };
}

export async function cancelInvitation(
  d: LicensingDeps,
  organisationId: number,
  invitationId: number,
): Promise<Result> {
  const r = await d.db
    .deleteFrom('org_invitations')
    .where('id', '=', invitationId)
    .where('organisation_id', '=', organisationId)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1)
    return fail('not_found', 'There is no such open invitation.', 404);
  return { ok: true, message: 'The invitation was withdrawn.' };
}

export async function removeSeat(
  d: LicensingDeps,
  organisationId: number,
  memberId: number,
  actingMemberId: number,
): Promise<Result> {
  if (memberId === actingMemberId) {
    const admins = await d.db
      .selectFrom('organisation_members')
      .select('member_id')
      .where('organisation_id', '=', organisationId)
      .where('role', '=', 'admin')
      .execute();
    if (admins.length <= 1 && admins[0]?.member_id === memberId)
      return fail('last_admin', 'You are the only administrator; the organisation needs one.', 409);
  }
  const r = await d.db
    .deleteFrom('organisation_members')
    .where('organisation_id', '=', organisationId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1) return fail('not_found', 'There is no such seat.', 404);
  d.changed?.();
  return { ok: true, message: 'The seat was removed.' };
}

// ---- API keys ----

export async function createApiKey(
  d: LicensingDeps,
  organisationId: number,
  createdBy: number | null,
  nameInput: string,
  rateInput: string,
): Promise<Result<{ key: string }>> {
  const name = typeof nameInput === 'string' ? nameInput.trim() : '';
  if (!name || name.length > 100)
    return fail(
      'invalid',
      'Give the key a name of up to 100 characters, such as “Press office monitoring”.',
    );
  const rateText =
    typeof rateInput === 'string' && rateInput.trim() !== ''
      ? rateInput.trim()
      : String(DEFAULT_KEY_RATE);
  const rate = /^\d{1,5}$/.test(rateText) ? Number(rateText) : NaN;
  if (!(rate >= 1 && rate <= 10_000))
    return fail(
      'invalid',
      'The rate limit must be a whole number of requests per minute between 1 and 10,000.',
    );
  const key = `bsk_${randomBytes(24).toString('base64url')}`;
  await d.db
    .insertInto('api_keys')
    .values({
      organisation_id: organisationId,
      name,
      prefix: key.slice(0, 10),
      key_hash: sha256(key),
      rate_per_minute: rate,
      created_by: createdBy,
      created_at: clock(d).toISOString(),
      revoked_at: null,
    })
    .execute();
  d.changed?.();
  return {
    ok: true,
    key,
    message: `Created the key “${name}”. Copy it now: it is shown only once.`,
  };
}

export async function revokeApiKey(
  d: LicensingDeps,
  organisationId: number,
  keyId: number,
): Promise<Result> {
  const r = await d.db
    .updateTable('api_keys')
    .set({ revoked_at: clock(d).toISOString() })
    .where('id', '=', keyId)
    .where('organisation_id', '=', organisationId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return fail('not_found', 'There is no such active key.', 404);
  d.changed?.();
  return { ok: true, message: 'The key was revoked; requests with it are refused from now on.' };
}

// ---- leads and renewals ----

export async function emailLicenceInvitation(
  d: LicensingDeps,
  organisationId: number,
  views: number,
): Promise<Result> {
  const org = await getOrganisation(d.db, organisationId);
  if (!org) return fail('not_found', 'There is no such organisation.', 404);
  const sent = await trySend(
    d,
    leadInvitationMail(org.contact_email, site(d), { organisation: org.name, views }),
  );
  return sent
    ? { ok: true, message: `The licence invitation was sent to ${org.contact_email}.` }
    : fail('mail_failed', 'The mail could not be sent just now. Try again in a few minutes.', 503);
}

export type ReminderKind = '30' | '7' | 'expired';

/** Which reminder is due for a licence at `now` (pure). */
export function reminderDue(expiresAt: Date, now: Date): ReminderKind | null {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  if (left <= 7 * DAY_MS) return '7';
  if (left <= 30 * DAY_MS) return '30';
  return null;
}

async function recipients(
  d: LicensingDeps,
  organisationId: number,
  contact: string,
): Promise<string[]> {
  const admins = await d.db
    .selectFrom('organisation_members')
    .innerJoin('members', 'members.id', 'organisation_members.member_id')
    .select('members.email')
    .where('organisation_members.organisation_id', '=', organisationId)
    .where('organisation_members.role', '=', 'admin')
    .execute();
  return [...new Set([contact, ...admins.map((a) => a.email)])];
}

/** Sends one reminder (a job: runs once per licence, expiry date and kind). */
export async function sendReminder(
  d: LicensingDeps,
  licenceId: number,
  kind: ReminderKind,
): Promise<void> {
  const lic = await getLicence(d.db, licenceId);
  if (!lic || !lic.expires_at) return;
  const org = await getOrganisation(d.db, lic.organisation_id);
  if (!org) return;
  const to = await recipients(d, org.id, org.contact_email);
  for (const addr of to) {
    const msg =
      kind === 'expired'
        ? expiredMail(addr, site(d), {
            organisation: org.name,
            organisationId: org.id,
            expired: formatDay(lic.expires_at),
          })
        : renewalMail(addr, site(d), {
            organisation: org.name,
            organisationId: org.id,
            expires: formatDay(lic.expires_at),
            days: Number(kind),
          });
    // A failure throws so the job is retried.
    await d.mailer.send(msg);
  }
}
