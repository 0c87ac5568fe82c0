/**
 * The newsletter on a member's account page: where the member's address stands, and subscribing
 * or unsubscribing it. A member whose address is confirmed is subscribed at once (the account
 * already proved the address); otherwise the usual confirmation mail goes out (double opt-in).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Mailer } from '../platform/mail.ts';
import { confirmSubscriber, subscribe, unsubscribe } from './store.ts';
import { confirmationEmail } from './email.ts';
import { linkSecret, linkToken } from './tokens.ts';

export type MemberNewsletterStatus = 'subscribed' | 'unconfirmed' | 'bounced' | 'none';

export async function memberNewsletterStatus(
  db: Kysely<Database>,
  email: string,
): Promise<MemberNewsletterStatus> {
  const row = await db
    .selectFrom('newsletter_subscribers')
    .select('status')
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  if (!row) return 'none';
  if (row.status === 'confirmed') return 'subscribed';
  if (row.status === 'unconfirmed' || row.status === 'bounced') return row.status;
  return 'none';
}

export interface MemberNewsletterDeps {
  db: Kysely<Database>;
  mailer: Mailer;
  site: { siteName: string; baseUrl: string };
}

/** 'subscribed', 'confirm-sent' (a confirmation mail is on its way), 'mail-failed' or 'invalid'. */
export async function memberSubscribe(
  d: MemberNewsletterDeps,
  member: { email: string; verified: boolean },
): Promise<'subscribed' | 'confirm-sent' | 'mail-failed' | 'invalid'> {
  const r = await subscribe(d.db, member.email, '/account');
  if (r.outcome === 'invalid') return 'invalid';
  if (r.outcome === 'already') return 'subscribed';
  if (member.verified) {
    await confirmSubscriber(d.db, r.subscriber.id);
    return 'subscribed';
  }
  const secret = await linkSecret(d.db);
  const mail = confirmationEmail(
    d.site,
    `${d.site.baseUrl}/newsletter/confirm/${linkToken(secret, 'confirm', r.subscriber.id)}`,
  );
  try {
    await d.mailer.send({ to: r.email, ...mail });
    return 'confirm-sent';
  } catch {
    return 'mail-failed';
  }
}

export async function memberUnsubscribe(db: Kysely<Database>, email: string): Promise<void> {
  const row = await db
    .selectFrom('newsletter_subscribers')
    .select('id')
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  if (row) await unsubscribe(db, row.id, null);
}
