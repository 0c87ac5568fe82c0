/**
 * Random tokens for sessions, magic links, email verification and password resets. The browser or
 * the mail gets the token; the database keeps only its SHA-256, so the token is looked up by hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TokenPurpose } from './schema.ts';
import { safeRedirect } from '../lib/safe-redirect.ts';

/** 32 random bytes, URL-safe (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True for something shaped like a token from newToken(); anything else is not looked up at all. */
export function looksLikeToken(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_-]{43}$/.test(s);
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** How long each kind of token lives and how often it may be used. */
export const TOKEN_RULES: Record<TokenPurpose, { ttlMs: number; maxUses: number }> = {
  // Verification is idempotent: a scanner opening the link first does no harm.
  verify: { ttlMs: 2 * DAY, maxUses: 20 },
  // Mail scanners open links before the reader does, so a magic link works several times in ten minutes.
  magic: { ttlMs: 10 * MINUTE, maxUses: 5 },
  // Opening the reset page does not use the token; setting the password does, once.
  reset: { ttlMs: HOUR, maxUses: 1 },
  // Opening the link shows a question; only the account's own session answering it uses the token.
  email: { ttlMs: DAY, maxUses: 1 },
};

/** A one-time login link printed by `broadsheet users add` lives a day and works once. */
export const CLI_LOGIN_RULE = { ttlMs: DAY, maxUses: 1 };

export const SESSION_TTL_MS = 30 * DAY;
/** last_seen_at is written at most this often per session, so reading pages stays read-only. */
export const SESSION_TOUCH_MS = 10 * MINUTE;

export interface TokenState {
  expires_at: string;
  uses: number;
  max_uses: number;
}

export type TokenCheck = 'ok' | 'expired' | 'used-up';

/** Pure: may this token be used at `now`? A link used up says so, also once it has expired too. */
export function checkToken(t: TokenState, now: Date): TokenCheck {
  if (t.uses >= t.max_uses) return 'used-up';
  if (!(now.getTime() < Date.parse(t.expires_at))) return 'expired';
  return 'ok';
}

/** A local path to return to after logging in; anything else (other sites, `//host`, `/\t/host`) becomes /account. */
export function safeNext(next: unknown, fallback = '/account'): string {
  return safeRedirect(next, fallback);
}
