/**
 * Member tables: accounts, database-backed sessions and single-purpose tokens (email verification,
 * magic links, password resets). Session ids and tokens are stored only as SHA-256 hashes, so a copy
 * of the database cannot be used to log in.
 */
import type { Generated } from 'kysely';

export type MemberRole = 'reader' | 'editor' | 'admin';
export type DeclaredUse = 'personal' | 'work';
/** `email`: a link to a new address that makes it the account's address (account page). */
export type TokenPurpose = 'verify' | 'magic' | 'reset' | 'email';

export interface MembersTable {
  id: Generated<number>;
  /** Lower-case, trimmed; unique. */
  email: string;
  email_verified_at: string | null;
  /** `scrypt$N$r$p$salt$hash` (see passwords.ts), or null for accounts that only use magic links. */
  password_hash: string | null;
  role: MemberRole;
  /** What the member said they read for; null until they say. */
  declared_use: DeclaredUse | null;
  /** Free text for now; licensing links it to organisations. */
  work_organisation: string | null;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the session token kept in the browser's cookie. */
  id: string;
  member_id: number;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  user_agent: string;
}

export interface MemberTokensTable {
  id: Generated<number>;
  purpose: TokenPurpose;
  /** SHA-256 (hex) of the token sent by mail or printed by the CLI. */
  token_hash: string;
  /** Null for a magic link to an address that has no account yet (the link creates it). */
  member_id: number | null;
  email: string;
  created_at: string;
  expires_at: string;
  /** When the token was first used. */
  used_at: string | null;
  uses: number;
  /** How many times the token may be used before it expires (mail scanners open links first). */
  max_uses: number;
  /**
   * SHA-256 of the sign-up cookie of the browser that registered (verification tokens only): that
   * browser opening the link proves it both chose the password and reads the mail.
   */
  browser_hash: string | null;
}

export interface MembersTables {
  members: MembersTable;
  sessions: SessionsTable;
  member_tokens: MemberTokensTable;
}

declare module '../platform/schema.ts' {
  interface Database extends MembersTables {}
}
