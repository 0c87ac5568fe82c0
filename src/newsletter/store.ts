/** Newsletter subscriptions. Addresses are stored lower-cased; one row per address. */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../platform/schema.ts';
import { nowIso } from '../platform/db.ts';

export const emailSchema = z
  .string({ message: 'Please enter your email address.' })
  .trim()
  .min(1, 'Please enter your email address.')
  .max(254, 'That email address is too long.')
  .toLowerCase()
  .pipe(z.email({ message: 'That does not look like an email address. Please check it and try again.' }));

export type SubscribeResult = { outcome: 'added' | 'already'; email: string } | { outcome: 'invalid'; message: string };

/** Records an address as unconfirmed; a repeat changes nothing. */
export async function subscribe(db: Kysely<Database>, rawEmail: unknown, source: string): Promise<SubscribeResult> {
  const parsed = emailSchema.safeParse(rawEmail);
  if (!parsed.success) return { outcome: 'invalid', message: parsed.error.issues[0].message };
  const email = parsed.data;
  const now = nowIso();
  const inserted = await db
    .insertInto('newsletter_subscribers')
    .values({ email, status: 'unconfirmed', source: source.slice(0, 200), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  return { outcome: inserted ? 'added' : 'already', email };
}
