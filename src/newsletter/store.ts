/**
 * Newsletter subscriptions and issues. Addresses are stored lower-cased; one row per address, so
 * a repeat sign-up never makes a duplicate. Every query runs on SQLite and PostgreSQL.
 */
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../platform/schema.ts';
import type { NewsletterSubscribersTable } from './schema.ts';
import type { NewsletterIssuesTable } from './schema.ts';
import { nowIso } from '../platform/db.ts';
import type { DigestItem } from './rank.ts';

type DB = Kysely<Database>;
export type Subscriber = Selectable<NewsletterSubscribersTable>;
export type IssueRow = Selectable<NewsletterIssuesTable>;
export interface Issue extends Omit<IssueRow, 'items'> {
  items: DigestItem[];
}

export const emailSchema = z
  .string({ message: 'Please enter your email address.' })
  .trim()
  .min(1, 'Please enter your email address.')
  .max(254, 'That email address is too long.')
  .toLowerCase()
  .pipe(
    z.email({
      message: 'That does not look like an email address. Please check it and try again.',
    }),
  );

export type SubscribeResult =
  /** added: a new address; pending: known but not confirmed yet; resubscribed: had left or bounced. All three need a confirmation mail. */
  | {
      outcome: 'added' | 'pending' | 'resubscribed' | 'already';
      email: string;
      subscriber: Subscriber;
    }
  | { outcome: 'invalid'; message: string };

/** Records an address as unconfirmed; a repeat changes nothing but says where the address stands. */
export async function subscribe(
  db: DB,
  rawEmail: unknown,
  source: string,
): Promise<SubscribeResult> {
  const parsed = emailSchema.safeParse(rawEmail);
  if (!parsed.success) return { outcome: 'invalid', message: parsed.error.issues[0].message };
  const email = parsed.data;
  const now = nowIso();
  const inserted = await db
    .insertInto('newsletter_subscribers')
    .values({
      email,
      status: 'unconfirmed',
      source: source.slice(0, 200),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { outcome: 'added', email, subscriber: inserted };
  const existing = await db
    .selectFrom('newsletter_subscribers')
    .selectAll()
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  if (existing.status === 'confirmed') return { outcome: 'already', email, subscriber: existing };
  if (existing.status === 'unconfirmed') return { outcome: 'pending', email, subscriber: existing };
  const updated = await db
    .updateTable('newsletter_subscribers')
    .set({ status: 'unconfirmed', updated_at: now })
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { outcome: 'resubscribed', email, subscriber: updated };
}

export async function getSubscriber(db: DB, id: number): Promise<Subscriber | undefined> {
  return db
    .selectFrom('newsletter_subscribers')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Confirms an unconfirmed address; a confirmed one stays as it is. Left or bounced: not changed. */
export async function confirmSubscriber(db: DB, id: number): Promise<Subscriber | undefined> {
  const now = nowIso();
  await db
    .updateTable('newsletter_subscribers')
    .set({ status: 'confirmed', confirmed_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'unconfirmed')
    .execute();
  return getSubscriber(db, id);
}

export async function unsubscribe(
  db: DB,
  id: number,
  issueId: number | null,
): Promise<Subscriber | undefined> {
  const now = nowIso();
  await db
    .updateTable('newsletter_subscribers')
    .set({
      status: 'unsubscribed',
      unsubscribed_at: now,
      unsubscribed_issue_id: issueId,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', 'in', ['confirmed', 'unconfirmed'])
    .execute();
  return getSubscriber(db, id);
}

export async function setPreferences(
  db: DB,
  id: number,
  prefs: { format: 'html' | 'text'; subscribed: boolean },
): Promise<Subscriber | undefined> {
  const now = nowIso();
  const s = await getSubscriber(db, id);
  if (!s) return undefined;
  const patch: Record<string, unknown> = { format: prefs.format, updated_at: now };
  if (!prefs.subscribed && (s.status === 'confirmed' || s.status === 'unconfirmed'))
    Object.assign(patch, { status: 'unsubscribed', unsubscribed_at: now });
  // Staying (or coming back) from the preferences page: the signed link proves the address.
  if (prefs.subscribed && s.status === 'unsubscribed')
    Object.assign(patch, {
      status: 'confirmed',
      confirmed_at: now,
      unsubscribed_at: null,
      unsubscribed_issue_id: null,
    });
  await db.updateTable('newsletter_subscribers').set(patch).where('id', '=', id).execute();
  return getSubscriber(db, id);
}

export async function markBounced(db: DB, id: number, error: string): Promise<void> {
  const now = nowIso();
  await db
    .updateTable('newsletter_subscribers')
    .set({ status: 'bounced', bounced_at: now, last_error: error.slice(0, 500), updated_at: now })
    .where('id', '=', id)
    .execute();
}

export interface SubscriberCounts {
  total: number;
  confirmed: number;
  unconfirmed: number;
  unsubscribed: number;
  bounced: number;
}

export async function subscriberCounts(db: DB): Promise<SubscriberCounts> {
  const rows = await db
    .selectFrom('newsletter_subscribers')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('status')
    .execute();
  const c: SubscriberCounts = {
    total: 0,
    confirmed: 0,
    unconfirmed: 0,
    unsubscribed: 0,
    bounced: 0,
  };
  for (const r of rows) {
    c[r.status] = Number(r.n);
    c.total += Number(r.n);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Issues

export function toIssue(row: IssueRow): Issue {
  let items: DigestItem[] = [];
  try {
    items = JSON.parse(row.items) as DigestItem[];
  } catch {
    items = [];
  }
  return { ...row, items };
}

export async function getIssue(db: DB, id: number): Promise<Issue | undefined> {
  const row = await db
    .selectFrom('newsletter_issues')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toIssue(row);
}

export async function getIssueByNumber(db: DB, n: number): Promise<Issue | undefined> {
  const row = await db
    .selectFrom('newsletter_issues')
    .selectAll()
    .where('number', '=', n)
    .executeTakeFirst();
  return row && toIssue(row);
}

export async function getIssueByWeek(db: DB, weekKey: string): Promise<Issue | undefined> {
  const row = await db
    .selectFrom('newsletter_issues')
    .selectAll()
    .where('week_key', '=', weekKey)
    .executeTakeFirst();
  return row && toIssue(row);
}

export async function listIssues(
  db: DB,
  opts: { sentOnly?: boolean; limit?: number } = {},
): Promise<Issue[]> {
  let q = db.selectFrom('newsletter_issues').selectAll();
  if (opts.sentOnly) q = q.where('status', '=', 'sent');
  const rows = await q
    .orderBy('number', 'desc')
    .limit(opts.limit ?? 100)
    .execute();
  return rows.map(toIssue);
}

export async function updateIssue(
  db: DB,
  id: number,
  patch: Partial<Pick<IssueRow, 'intro' | 'subject' | 'status' | 'scheduled_for' | 'sent_at'>> & {
    items?: DigestItem[];
  },
): Promise<void> {
  const { items, ...rest } = patch;
  await db
    .updateTable('newsletter_issues')
    .set({ ...rest, ...(items ? { items: JSON.stringify(items) } : {}), updated_at: nowIso() })
    .where('id', '=', id)
    .execute();
}

export interface IssueStats {
  recipients: number;
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  unknown: number;
  skipped: number;
  unsubscribed: number;
}

export async function issueStats(db: DB, issueIds: number[]): Promise<Map<number, IssueStats>> {
  const out = new Map<number, IssueStats>();
  if (!issueIds.length) return out;
  for (const id of issueIds)
    out.set(id, {
      recipients: 0,
      pending: 0,
      sending: 0,
      sent: 0,
      failed: 0,
      bounced: 0,
      unknown: 0,
      skipped: 0,
      unsubscribed: 0,
    });
  const rows = await db
    .selectFrom('newsletter_deliveries')
    .select(['issue_id', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('issue_id', 'in', issueIds)
    .groupBy(['issue_id', 'status'])
    .execute();
  for (const r of rows) {
    const s = out.get(Number(r.issue_id))!;
    s[r.status] = Number(r.n);
    s.recipients += Number(r.n);
  }
  const unsub = await db
    .selectFrom('newsletter_subscribers')
    .select(['unsubscribed_issue_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('unsubscribed_issue_id', 'in', issueIds)
    .groupBy('unsubscribed_issue_id')
    .execute();
  for (const r of unsub) out.get(Number(r.unsubscribed_issue_id))!.unsubscribed = Number(r.n);
  return out;
}
