/** Member queries (Kysely; the same SQL on SQLite and PostgreSQL). */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../platform/schema.ts';
import { precompiled } from '../platform/db.ts';
import type {
  DeclaredUse,
  MemberRole,
  MembersTable,
  MemberTokensTable,
  TokenPurpose,
} from './schema.ts';

type Q = Kysely<Database>;
export type MemberRow = Selectable<MembersTable>;
export type TokenRow = Selectable<MemberTokensTable>;

/** Addresses are stored trimmed and lower-cased, so lookups are exact. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findMemberByEmail(db: Q, email: string): Promise<MemberRow | undefined> {
  return db
    .selectFrom('members')
    .selectAll()
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst();
}

export async function findMemberById(db: Q, id: number): Promise<MemberRow | undefined> {
  return db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NewMember {
  email: string;
  passwordHash: string | null;
  role: MemberRole;
  declaredUse: DeclaredUse | null;
  workOrganisation: string | null;
  emailVerifiedAt: string | null;
  now: string;
}

export async function insertMember(db: Q, m: NewMember): Promise<number> {
  const row = await db
    .insertInto('members')
    .values({
      email: normaliseEmail(m.email),
      password_hash: m.passwordHash,
      role: m.role,
      declared_use: m.declaredUse,
      work_organisation: m.workOrganisation,
      email_verified_at: m.emailVerifiedAt,
      created_at: m.now,
      updated_at: m.now,
      last_login_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export type MemberPatch = Partial<
  Pick<
    MembersTable,
    | 'password_hash'
    | 'role'
    | 'declared_use'
    | 'work_organisation'
    | 'email_verified_at'
    | 'last_login_at'
  >
>;

export async function updateMember(
  db: Q,
  id: number,
  patch: MemberPatch,
  now: string,
): Promise<void> {
  await db
    .updateTable('members')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/**
 * Gives a member a new address, confirmed as of `now` (only after a link sent to it was followed:
 * `confirmEmailChange`). Throws on an address another account holds (the unique index).
 */
export async function changeMemberEmail(
  db: Q,
  id: number,
  email: string,
  now: string,
): Promise<void> {
  await db
    .updateTable('members')
    .set({ email: normaliseEmail(email), email_verified_at: now, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/**
 * Deletes a member's account. The database's foreign keys take their sessions, links and the rows
 * other features keep about them with it (src/platform/account-removal.ts).
 */
export async function deleteMember(db: Q, id: number): Promise<void> {
  await db.deleteFrom('members').where('id', '=', id).execute();
}

export async function listMembers(db: Q): Promise<MemberRow[]> {
  return db.selectFrom('members').selectAll().orderBy('id').execute();
}

export async function countMembers(db: Q): Promise<number> {
  const r = await db
    .selectFrom('members')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---- sessions ----

export interface SessionMemberRow {
  member_id: number;
  email: string;
  email_verified_at: string | null;
  role: MemberRole;
  declared_use: DeclaredUse | null;
  work_organisation: string | null;
  last_seen_at: string;
}

/** The member of a live session: one primary-key lookup joined to its member. */
export async function sessionMember(
  db: Q,
  sessionHash: string,
  now: string,
): Promise<SessionMemberRow | undefined> {
  return (await sessionMemberQuery(db, sessionHash, now))[0];
}

// Run on every request with a session cookie: compiled once, not built and compiled each time.
const sessionMemberQuery = precompiled(2, (db, sessionHash: string, now: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('members', 'members.id', 'sessions.member_id')
    .select([
      'sessions.member_id',
      'members.email',
      'members.email_verified_at',
      'members.role',
      'members.declared_use',
      'members.work_organisation',
      'sessions.last_seen_at',
    ])
    .where('sessions.id', '=', sessionHash)
    .where('sessions.expires_at', '>', now),
);

export async function insertSession(
  db: Q,
  s: { hash: string; memberId: number; now: string; expiresAt: string; userAgent: string },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: s.hash,
      member_id: s.memberId,
      created_at: s.now,
      expires_at: s.expiresAt,
      last_seen_at: s.now,
      user_agent: s.userAgent.slice(0, 300),
    })
    .execute();
}

export async function touchSession(db: Q, hash: string, now: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', hash).execute();
}

export async function deleteSession(db: Q, hash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', hash).execute();
}

/** A member's live sessions, the most recently used first (for the account page). */
export async function sessionsOf(
  db: Q,
  memberId: number,
  now: string,
): Promise<{ id: string; created_at: string; last_seen_at: string; user_agent: string }[]> {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'user_agent'])
    .where('member_id', '=', memberId)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .orderBy('created_at', 'desc')
    .limit(50)
    .execute();
}

/** Ends every session of a member (after a password reset), optionally keeping one. */
export async function deleteSessionsOf(
  db: Q,
  memberId: number,
  exceptHash?: string,
): Promise<void> {
  let q = db.deleteFrom('sessions').where('member_id', '=', memberId);
  if (exceptHash) q = q.where('id', '!=', exceptHash);
  await q.execute();
}

/** Removes ended sessions, and tokens a day after they expired (until then a late click is told "expired"). */
export async function deleteExpired(db: Q, now: string): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  const dayBefore = new Date(Date.parse(now) - 24 * 3600_000).toISOString();
  await db.deleteFrom('member_tokens').where('expires_at', '<=', dayBefore).execute();
}

// ---- tokens ----

export async function insertToken(
  db: Q,
  t: {
    purpose: TokenPurpose;
    hash: string;
    memberId: number | null;
    email: string;
    now: string;
    expiresAt: string;
    maxUses: number;
    browserHash?: string | null;
  },
): Promise<void> {
  await db
    .insertInto('member_tokens')
    .values({
      purpose: t.purpose,
      token_hash: t.hash,
      member_id: t.memberId,
      email: normaliseEmail(t.email),
      created_at: t.now,
      expires_at: t.expiresAt,
      used_at: null,
      uses: 0,
      max_uses: t.maxUses,
      browser_hash: t.browserHash ?? null,
    })
    .execute();
}

export async function findToken(
  db: Q,
  purpose: TokenPurpose,
  hash: string,
): Promise<TokenRow | undefined> {
  return db
    .selectFrom('member_tokens')
    .selectAll()
    .where('token_hash', '=', hash)
    .where('purpose', '=', purpose)
    .executeTakeFirst();
}

/**
 * Counts one use of a token if it is still valid at `now`. The condition sits in the UPDATE itself,
 * so two requests racing for the last use cannot both win.
 */
export async function useToken(db: Q, id: number, now: string): Promise<boolean> {
  const r = await db
    .updateTable('member_tokens')
    .set({ uses: sql`uses + 1`, used_at: sql`coalesce(used_at, ${now})` })
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .where(sql<boolean>`uses < max_uses`)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Makes every unused token of a member useless (its address or owner changed hands). */
export async function expireTokensOf(db: Q, memberId: number, now: string): Promise<void> {
  await db
    .updateTable('member_tokens')
    .set({ expires_at: now })
    .where('member_id', '=', memberId)
    .where('expires_at', '>', now)
    .execute();
}

/** Makes a member's unused tokens of one purpose useless (a new address link replaces older ones). */
export async function expireMemberTokens(
  db: Q,
  memberId: number,
  purpose: TokenPurpose,
  now: string,
): Promise<void> {
  await db
    .updateTable('member_tokens')
    .set({ expires_at: now })
    .where('member_id', '=', memberId)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', now)
    .execute();
}

/** When a session began (its login), or undefined for no such session. */
export async function sessionStartedAt(db: Q, hash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select('created_at')
    .where('id', '=', hash)
    .executeTakeFirst();
  return row?.created_at;
}

/** Makes the other unused tokens of one purpose for a member useless (a new reset link replaces older ones). */
export async function expireTokens(
  db: Q,
  purpose: TokenPurpose,
  email: string,
  now: string,
): Promise<void> {
  await db
    .updateTable('member_tokens')
    .set({ expires_at: now })
    .where('purpose', '=', purpose)
    .where('email', '=', normaliseEmail(email))
    .where('expires_at', '>', now)
    .execute();
}
