/**
 * Signed links in newsletter mail: confirm, unsubscribe and preferences. Each is
 * `<subscriber id>[.<issue id>].<signature>`, the signature an HMAC-SHA256 (truncated to 128 bits)
 * with a secret that is generated on first start and kept in the settings table, so every process
 * on one database signs alike and nothing has to be stored per link.
 */
import { storedSecret } from '../platform/settings.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';

export const SECRET_KEY = 'newsletter_link_secret';

/** Reads the link secret, creating it once (safe when several processes start together). */
export function linkSecret(db: Kysely<Database>): Promise<string> {
  return storedSecret(db, SECRET_KEY);
}

export type LinkPurpose = 'confirm' | 'unsubscribe' | 'preferences';

function sign(secret: string, purpose: LinkPurpose, parts: (string | number)[]): string {
  return createHmac('sha256', secret)
    .update(`${purpose}:${parts.join(':')}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

export function linkToken(
  secret: string,
  purpose: LinkPurpose,
  subscriberId: number,
  issueId?: number,
): string {
  const parts = issueId === undefined ? [subscriberId] : [subscriberId, issueId];
  return `${parts.join('.')}.${sign(secret, purpose, parts)}`;
}

/** The subscriber (and issue) a token names, or null when it is malformed or not ours. */
export function verifyLink(
  secret: string,
  purpose: LinkPurpose,
  token: string,
): { subscriberId: number; issueId: number | null } | null {
  const m = /^(\d{1,12})(?:\.(\d{1,12}))?\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  const parts = m[2] === undefined ? [Number(m[1])] : [Number(m[1]), Number(m[2])];
  const expected = Buffer.from(sign(secret, purpose, parts));
  const got = Buffer.from(m[3]);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return null;
  return { subscriberId: parts[0], issueId: parts.length > 1 ? parts[1] : null };
}
