/**
 * Member operations, one named function each, called by the web routes and the CLI alike. Each
 * validates its input, changes nothing when the input is bad, and returns a typed result whose
 * `message` is written for the person who asked.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Failure, Result } from '../lib/result.ts';
import type { Database } from '../platform/schema.ts';
import type { Mailer, MailMessage } from '../platform/mail.ts';
import type { DeclaredUse, MemberRole, TokenPurpose } from './schema.ts';
import {
  DEFAULT_PARAMS,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  passwordProblem,
  verifyPassword,
  type ScryptParams,
} from './passwords.ts';
import {
  checkToken,
  CLI_LOGIN_RULE,
  HOUR,
  hashToken,
  looksLikeToken,
  newToken,
  SESSION_TTL_MS,
  TOKEN_RULES,
} from './tokens.ts';
import { KeyedLimiter } from '../lib/keyed-limit.ts';
import {
  changeMemberEmail,
  deleteExpired,
  deleteMember,
  deleteSession,
  deleteSessionsOf,
  expireMemberTokens,
  expireTokens,
  expireTokensOf,
  findMemberByEmail,
  findMemberById,
  findToken,
  insertMember,
  insertSession,
  insertToken,
  normaliseEmail,
  sessionStartedAt,
  updateMember,
  useToken,
  type MemberRow,
} from './store.ts';
import {
  accountDeletedMail,
  alreadyRegisteredMail,
  emailChangedMail,
  emailChangeMail,
  emailInUseMail,
  magicLinkMail,
  passwordChangedMail,
  resetMail,
  verificationMail,
} from './mailer-templates.ts';

export interface MemberDeps {
  db: Kysely<Database>;
  mailer: Mailer;
  siteName: string;
  /** Absolute base of links in mails, e.g. https://broadsheet.example */
  baseUrl: string;
  /** The clock; tests move it. */
  now?: () => Date;
  log?: { warn(obj: unknown, msg?: string): void };
  /** Cost of new password hashes; DEFAULT_PARAMS unless a test that does not test hashing lowers it. */
  passwordParams?: ScryptParams;
  /** Mail to one address is limited here (login links, confirmations, password links); none when absent (the CLI). */
  mailLimit?: KeyedLimiter;
}

/** Mails about an account that one address may receive: a few an hour, whoever asks and from wherever. */
export const MAIL_PER_ADDRESS = { max: 5, windowMs: HOUR } as const;

export function memberMailLimiter(): KeyedLimiter {
  return new KeyedLimiter(MAIL_PER_ADDRESS.max, MAIL_PER_ADDRESS.windowMs);
}

/** The form fields a member's action can be refused for. */
export type MemberField =
  'email' | 'password' | 'current_password' | 'declared_use' | 'work_organisation' | 'token';
export type { Failure, Result, Success } from '../lib/result.ts';

/** A new session: the token goes into the cookie, its hash into the database. */
export interface NewSession {
  sessionToken: string;
  memberId: number;
}

const fail = (code: string, message: string, field?: MemberField): Failure => ({
  ok: false,
  code,
  message,
  field,
});

const emailSchema = z
  .string({ message: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'That email address is too long.')
  .pipe(z.email({ message: 'That does not look like an email address. Check it and try again.' }));

function parseEmail(input: unknown): { ok: true; email: string } | Failure {
  const r = emailSchema.safeParse(input);
  return r.success
    ? { ok: true, email: normaliseEmail(r.data) }
    : fail('invalid_email', r.error.issues[0].message, 'email');
}

const declaredSchema = z.object({
  declaredUse: z.enum(['personal', 'work'], {
    message: 'Say whether you read for personal use or for work.',
  }),
  workOrganisation: z
    .string()
    .trim()
    .max(200, 'Keep the organisation name under 200 characters.')
    .optional()
    .nullable(),
});

function parseDeclared(input: {
  declaredUse?: unknown;
  workOrganisation?: unknown;
}): { ok: true; declaredUse: DeclaredUse; workOrganisation: string | null } | Failure {
  const r = declaredSchema.safeParse({
    declaredUse: input.declaredUse,
    workOrganisation: typeof input.workOrganisation === 'string' ? input.workOrganisation : null,
  });
  if (!r.success) {
    const f = r.error.issues[0];
    return fail(
      'invalid_declared_use',
      f.message,
      f.path[0] === 'workOrganisation' ? 'work_organisation' : 'declared_use',
    );
  }
  const org =
    r.data.declaredUse === 'work' ? r.data.workOrganisation?.replace(/\s+/g, ' ') || null : null;
  return { ok: true, declaredUse: r.data.declaredUse, workOrganisation: org };
}

const clock = (d: MemberDeps) => (d.now ? d.now() : new Date());
const params = (d: MemberDeps) => d.passwordParams ?? DEFAULT_PARAMS;
/** Whether one more mail may go to `email` now (counted when it may). */
const mailAllowed = (d: MemberDeps, email: string) =>
  !d.mailLimit || d.mailLimit.take(normaliseEmail(email), clock(d).getTime());
const link = (d: MemberDeps, path: string) => d.baseUrl.replace(/\/+$/, '') + path;

async function startSession(
  d: MemberDeps,
  memberId: number,
  userAgent: string,
  replacing: string | null,
): Promise<NewSession> {
  const now = clock(d);
  // A fresh id at every login: a session id planted before login (fixation) never becomes authenticated.
  if (replacing) await deleteSession(d.db, replacing);
  // Expired sessions and tokens are swept here, a little at every login, so no job is needed for it.
  await deleteExpired(d.db, now.toISOString());
  const token = newToken();
  await insertSession(d.db, {
    hash: hashToken(token),
    memberId,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    userAgent,
  });
  await updateMember(d.db, memberId, { last_login_at: now.toISOString() }, now.toISOString());
  return { sessionToken: token, memberId };
}

async function issueToken(
  d: MemberDeps,
  purpose: TokenPurpose,
  email: string,
  memberId: number | null,
  rule = TOKEN_RULES[purpose],
  browserHash: string | null = null,
): Promise<string> {
  const now = clock(d);
  const token = newToken();
  await insertToken(d.db, {
    purpose,
    hash: hashToken(token),
    memberId,
    email,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + rule.ttlMs).toISOString(),
    maxUses: rule.maxUses,
    browserHash,
  });
  return token;
}

/** Sends a mail; a failure is logged and reported, never thrown at the reader. */
async function trySend(d: MemberDeps, msg: MailMessage): Promise<boolean> {
  try {
    await d.mailer.send(msg);
    return true;
  } catch (err) {
    d.log?.warn({ err, to: msg.to }, 'member mail could not be sent');
    return false;
  }
}

/** A token that can still be used (not used up, not expired); says why when it cannot. */
async function usableToken(
  d: MemberDeps,
  purpose: TokenPurpose,
  token: unknown,
  what: string,
): Promise<{ ok: true; row: NonNullable<Awaited<ReturnType<typeof findToken>>> } | Failure> {
  const invalid = fail(
    'invalid_token',
    `This ${what} link is not valid. Check that the whole address was copied, or ask for a new link.`,
    'token',
  );
  if (!looksLikeToken(token)) return invalid;
  const row = await findToken(d.db, purpose, hashToken(token));
  if (!row) return invalid;
  const state = checkToken(row, clock(d));
  if (state === 'expired')
    return fail('expired_token', `This ${what} link has expired. Ask for a new one.`, 'token');
  if (state === 'used-up')
    return fail(
      'used_token',
      `This ${what} link has already been used. Ask for a new one.`,
      'token',
    );
  return { ok: true, row };
}

/** Takes one use of a token; says why when it cannot. */
async function spendToken(
  d: MemberDeps,
  purpose: TokenPurpose,
  token: unknown,
  what: string,
): Promise<{ ok: true; row: NonNullable<Awaited<ReturnType<typeof findToken>>> } | Failure> {
  const usable = await usableToken(d, purpose, token, what);
  if (!usable.ok) return usable;
  if (!(await useToken(d.db, Number(usable.row.id), clock(d).toISOString())))
    return fail(
      'used_token',
      `This ${what} link has already been used. Ask for a new one.`,
      'token',
    );
  return usable;
}

/**
 * Whether `given` is the member's current password (asked again before a change to the account);
 * the refusal to show when it is not.
 */
async function currentPasswordRefusal(
  d: MemberDeps,
  member: MemberRow,
  given: unknown,
): Promise<Failure | null> {
  if (typeof given !== 'string' || given === '')
    return fail('invalid_password', 'Enter your current password.', 'current_password');
  const right =
    given.length <= MAX_PASSWORD_LENGTH &&
    (await verifyPassword(given, member.password_hash, params(d)));
  return right
    ? null
    : fail(
        'wrong_password',
        'That is not your current password. If you have forgotten it, ask for a password link.',
        'current_password',
      );
}

// ---- operations ----

export interface RegisterInput {
  email: string;
  password: string;
  declaredUse?: string;
  workOrganisation?: string;
  /** SHA-256 of the sign-up cookie the route gives this browser (see verifyEmail). */
  browserHash: string;
}

/**
 * Registration answers the same way, after the same work (one password hash, one token, one
 * mail), whether or not the address already has an account, so the form does not tell who has
 * one: a new address gets an unconfirmed account and a confirmation link; an address with an
 * account gets a mail saying so, with a login link. Nobody is logged in here: the account is
 * used once the address is confirmed (or by logging in with its password).
 */
export async function registerMember(
  d: MemberDeps,
  input: RegisterInput,
): Promise<Result<{ email: string }>> {
  const e = parseEmail(input.email);
  if (!e.ok) return e;
  if (typeof input.password !== 'string' || input.password === '')
    return fail('invalid_password', 'Choose a password.', 'password');
  const problem = passwordProblem(input.password, { email: e.email, siteName: d.siteName });
  if (problem) return fail('weak_password', problem, 'password');
  let declared: { declaredUse: DeclaredUse | null; workOrganisation: string | null } = {
    declaredUse: null,
    workOrganisation: null,
  };
  if (input.declaredUse !== undefined && input.declaredUse !== '') {
    const p = parseDeclared({
      declaredUse: input.declaredUse,
      workOrganisation: input.workOrganisation,
    });
    if (!p.ok) return p;
    declared = p;
  }
  const passwordHash = await hashPassword(input.password, params(d));
  const now = clock(d).toISOString();
  let memberId: number | null = null;
  if (!(await findMemberByEmail(d.db, e.email))) {
    try {
      memberId = await insertMember(d.db, {
        email: e.email,
        passwordHash,
        role: 'reader',
        declaredUse: declared.declaredUse,
        workOrganisation: declared.workOrganisation,
        emailVerifiedAt: null,
        now,
      });
    } catch (err) {
      // Two registrations for one address at once: the unique index lets one through.
      if (!(await findMemberByEmail(d.db, e.email))) throw err;
    }
  }
  const existing = memberId === null ? await findMemberByEmail(d.db, e.email) : undefined;
  const mail =
    memberId !== null
      ? verificationMail(e.email, {
          siteName: d.siteName,
          link: link(
            d,
            `/verify/${await issueToken(d, 'verify', e.email, memberId, TOKEN_RULES.verify, input.browserHash)}`,
          ),
        })
      : alreadyRegisteredMail(e.email, {
          siteName: d.siteName,
          link: link(
            d,
            `/login/magic/${await issueToken(d, 'magic', e.email, existing?.id ?? null)}`,
          ),
        });
  const sent = mailAllowed(d, e.email) ? await trySend(d, mail) : true;
  if (!sent)
    return fail(
      'mail_failed',
      'The mail could not be sent just now. Please try again in a few minutes.',
    );
  return {
    ok: true,
    email: e.email,
    message: `We have sent a mail to ${e.email}. Follow the link in it to confirm the address; the link works for two days.`,
  };
}

export interface VerifyInput {
  token: string;
  /** SHA-256 of the browser's sign-up cookie, if it has one. */
  browserHash?: string | null;
  /** The session the browser has (its member and id), if any. */
  current?: { memberId: number; sessionId: string } | null;
  userAgent?: string;
}

/**
 * Confirms an address. The link proves who reads the mail; only the browser that registered (its
 * sign-up cookie) or a session of the account shows the same person chose the password. Opened
 * anywhere else, the address is confirmed for its reader and a password set before confirmation
 * is removed, as whoever registered may have been someone else. Either way every other session
 * of the account ends. The registering browser is logged in.
 */
export async function verifyEmail(
  d: MemberDeps,
  input: VerifyInput,
): Promise<
  Result<{ email: string; memberId: number; session: NewSession | null; passwordRemoved: boolean }>
> {
  const spent = await spendToken(d, 'verify', input.token, 'confirmation');
  if (!spent.ok) return spent;
  const member =
    spent.row.member_id === null
      ? undefined
      : await findMemberById(d.db, Number(spent.row.member_id));
  if (!member || member.email !== spent.row.email)
    return fail(
      'invalid_token',
      'This confirmation link belongs to an address that is no longer on an account.',
      'token',
    );
  const bound =
    spent.row.browser_hash !== null &&
    !!input.browserHash &&
    spent.row.browser_hash === input.browserHash;
  const signedIn = input.current?.memberId === member.id ? input.current.sessionId : null;
  let passwordRemoved = false;
  if (!member.email_verified_at) {
    const now = clock(d).toISOString();
    passwordRemoved = !bound && !signedIn && member.password_hash !== null;
    await updateMember(
      d.db,
      member.id,
      passwordRemoved
        ? { email_verified_at: now, password_hash: null }
        : { email_verified_at: now },
      now,
    );
    await deleteSessionsOf(d.db, member.id, signedIn ?? undefined);
  }
  const session =
    bound && !signedIn
      ? await startSession(d, member.id, input.userAgent ?? '', input.current?.sessionId ?? null)
      : null;
  const message = passwordRemoved
    ? `Thank you: ${member.email} is confirmed. The password chosen when the account was created has been removed, because this link was opened outside the browser that created it: log in with a link by mail, then ask for a password link if you want a password.`
    : `Thank you: ${member.email} is confirmed.`;
  return { ok: true, email: member.email, memberId: member.id, session, passwordRemoved, message };
}

export async function resendVerification(d: MemberDeps, memberId: number): Promise<Result> {
  const member = await findMemberById(d.db, memberId);
  if (!member) return fail('no_member', 'There is no such account.');
  if (member.email_verified_at)
    return { ok: true, message: `${member.email} is already confirmed.` };
  // Over the limit for this address: the same answer, and no mail.
  if (!mailAllowed(d, member.email))
    return { ok: true, message: `We have sent a new confirmation mail to ${member.email}.` };
  const token = await issueToken(d, 'verify', member.email, member.id);
  const sent = await trySend(
    d,
    verificationMail(member.email, { siteName: d.siteName, link: link(d, `/verify/${token}`) }),
  );
  return sent
    ? { ok: true, message: `We have sent a new confirmation mail to ${member.email}.` }
    : fail(
        'mail_failed',
        'The mail could not be sent just now. Please try again in a few minutes.',
      );
}

export interface LoginInput {
  email: string;
  password: string;
  userAgent?: string;
  currentSession?: string | null;
}

export async function login(
  d: MemberDeps,
  input: LoginInput,
): Promise<Result<NewSession & { email: string }>> {
  const e = parseEmail(input.email);
  if (!e.ok) return e;
  if (typeof input.password !== 'string' || input.password === '')
    return fail('invalid_password', 'Enter your password.', 'password');
  const wrong = fail(
    'wrong_credentials',
    'That email address and password do not match an account. Check them, or log in with a link by mail.',
    'password',
  );
  if (input.password.length > MAX_PASSWORD_LENGTH) return wrong;
  const member = await findMemberByEmail(d.db, e.email);
  const ok = await verifyPassword(input.password, member?.password_hash ?? null, params(d));
  if (!member || !ok) return wrong;
  // Stored at a lower cost than today's: replaced now that the password is known.
  if (member.password_hash && needsRehash(member.password_hash, params(d))) {
    const now = clock(d).toISOString();
    await updateMember(
      d.db,
      member.id,
      { password_hash: await hashPassword(input.password, params(d)) },
      now,
    );
  }
  const session = await startSession(
    d,
    member.id,
    input.userAgent ?? '',
    input.currentSession ?? null,
  );
  return {
    ok: true,
    ...session,
    email: member.email,
    message: `You are logged in as ${member.email}.`,
  };
}

/** Ends the session on the server: the old cookie stops working even if someone kept a copy. */
export async function logout(d: MemberDeps, sessionId: string | null): Promise<Result> {
  if (sessionId) await deleteSession(d.db, sessionId);
  return { ok: true, message: 'You are logged out.' };
}

export async function requestMagicLink(
  d: MemberDeps,
  input: { email: string },
): Promise<Result<{ email: string }>> {
  const e = parseEmail(input.email);
  if (!e.ok) return e;
  const member = await findMemberByEmail(d.db, e.email);
  // The same answer whether or not there is an account, so the form does not reveal who has one,
  // and when the address has had its share of mail for now (then nothing is sent).
  const answer = {
    ok: true as const,
    email: e.email,
    message: `We have sent a login link to ${e.email}. It works for ten minutes.`,
  };
  if (!mailAllowed(d, e.email)) return answer;
  const token = await issueToken(d, 'magic', e.email, member?.id ?? null);
  const sent = await trySend(
    d,
    magicLinkMail(e.email, {
      siteName: d.siteName,
      link: link(d, `/login/magic/${token}`),
      newAccount: !member,
    }),
  );
  if (!sent)
    return fail(
      'mail_failed',
      'The mail could not be sent just now. Please try again in a few minutes.',
    );
  return answer;
}

export async function consumeMagicLink(
  d: MemberDeps,
  input: { token: string; userAgent?: string; currentSession?: string | null },
): Promise<Result<NewSession & { email: string; created: boolean; passwordRemoved: boolean }>> {
  const spent = await spendToken(d, 'magic', input.token, 'login');
  if (!spent.ok) return spent;
  const now = clock(d).toISOString();
  let member: MemberRow | undefined =
    spent.row.member_id !== null
      ? await findMemberById(d.db, Number(spent.row.member_id))
      : await findMemberByEmail(d.db, spent.row.email);
  let created = false;
  let passwordRemoved = false;
  if (!member) {
    try {
      await insertMember(d.db, {
        email: spent.row.email,
        passwordHash: null,
        role: 'reader',
        declaredUse: null,
        workOrganisation: null,
        emailVerifiedAt: now,
        now,
      });
      created = true;
    } catch {
      // Another use of the same link created it a moment ago.
    }
    member = await findMemberByEmail(d.db, spent.row.email);
    if (!member)
      return fail(
        'invalid_token',
        'This login link could not be used. Ask for a new one.',
        'token',
      );
  } else if (!member.email_verified_at && member.email === spent.row.email) {
    // Receiving the link proves the address, not that its reader chose the password set before:
    // that password goes, and so does every session opened with it.
    await updateMember(d.db, member.id, { email_verified_at: now, password_hash: null }, now);
    await deleteSessionsOf(d.db, member.id);
    passwordRemoved = member.password_hash !== null;
  }
  const session = await startSession(
    d,
    member.id,
    input.userAgent ?? '',
    input.currentSession ?? null,
  );
  return {
    ok: true,
    ...session,
    email: member.email,
    created,
    passwordRemoved,
    message: created
      ? `Welcome. Your account for ${member.email} is ready.`
      : `You are logged in as ${member.email}.`,
  };
}

export async function requestPasswordReset(
  d: MemberDeps,
  input: { email: string },
): Promise<Result<{ email: string }>> {
  const e = parseEmail(input.email);
  if (!e.ok) return e;
  const member = await findMemberByEmail(d.db, e.email);
  const message = `If there is an account for ${e.email}, we have sent it a link to choose a new password. The link works for one hour.`;
  const answer = { ok: true as const, email: e.email, message };
  // One answer for every address, and the mail leaves in the background, so neither the words,
  // the status nor the time taken tell whether the address has an account.
  const token = newToken();
  if (!member || !mailAllowed(d, e.email)) return answer;
  const now = clock(d);
  await expireTokens(d.db, 'reset', e.email, now.toISOString());
  await insertToken(d.db, {
    purpose: 'reset',
    hash: hashToken(token),
    memberId: member.id,
    email: e.email,
    now: now.toISOString(),
    expiresAt: new Date(now.getTime() + TOKEN_RULES.reset.ttlMs).toISOString(),
    maxUses: TOKEN_RULES.reset.maxUses,
  });
  void trySend(
    d,
    resetMail(e.email, { siteName: d.siteName, link: link(d, `/password/reset/${token}`) }),
  );
  return answer;
}

/** Whether a reset link can still be used (for showing the form); does not use it. */
export async function checkResetToken(
  d: MemberDeps,
  token: string,
): Promise<Result<{ email: string }>> {
  const usable = await usableToken(d, 'reset', token, 'password reset');
  return usable.ok ? { ok: true, email: usable.row.email, message: '' } : usable;
}

export async function resetPassword(
  d: MemberDeps,
  input: { token: string; password: string; userAgent?: string; currentSession?: string | null },
): Promise<Result<NewSession & { email: string }>> {
  const check = await checkResetToken(d, input.token);
  if (!check.ok) return check;
  if (typeof input.password !== 'string' || input.password === '')
    return fail('invalid_password', 'Choose a new password.', 'password');
  const problem = passwordProblem(input.password, { email: check.email, siteName: d.siteName });
  if (problem) return fail('weak_password', problem, 'password');
  const passwordHash = await hashPassword(input.password, params(d));
  const spent = await spendToken(d, 'reset', input.token, 'password reset');
  if (!spent.ok) return spent;
  const member =
    spent.row.member_id === null
      ? undefined
      : await findMemberById(d.db, Number(spent.row.member_id));
  if (!member)
    return fail(
      'invalid_token',
      'This password reset link belongs to an account that no longer exists.',
      'token',
    );
  const now = clock(d).toISOString();
  await updateMember(
    d.db,
    member.id,
    { password_hash: passwordHash, email_verified_at: member.email_verified_at ?? now },
    now,
  );
  // Whoever knew the old password is logged out everywhere.
  await deleteSessionsOf(d.db, member.id);
  const session = await startSession(d, member.id, input.userAgent ?? '', null);
  return {
    ok: true,
    ...session,
    email: member.email,
    message:
      'Your new password is set and you are logged in. Other sessions of your account have been logged out.',
  };
}

/**
 * Changes a signed-in member's password. The current password must be given, so a session left
 * open on a shared machine is not enough to lock the owner out of the account. Every other session
 * of the account ends, outstanding password links stop working, and the address is told by mail.
 * An account without a password (links by mail only) chooses one through a password link.
 */
export async function changePassword(
  d: MemberDeps,
  memberId: number,
  input: { current: unknown; password: unknown; sessionHash: string | null },
): Promise<Result> {
  const member = await findMemberById(d.db, memberId);
  if (!member) return fail('no_account', 'This account no longer exists.', 'current_password');
  if (!member.password_hash)
    return fail(
      'no_password',
      'Your account has no password yet. Ask for a password link to choose one.',
      'current_password',
    );
  const refused = await currentPasswordRefusal(d, member, input.current);
  if (refused) return refused;
  if (typeof input.password !== 'string' || input.password === '')
    return fail('invalid_password', 'Choose a new password.', 'password');
  const problem = passwordProblem(input.password, { email: member.email, siteName: d.siteName });
  if (problem) return fail('weak_password', problem, 'password');
  const passwordHash = await hashPassword(input.password, params(d));
  const now = clock(d).toISOString();
  await updateMember(d.db, member.id, { password_hash: passwordHash }, now);
  // Whoever knew the old password is logged out everywhere else, and its reset links are void.
  await deleteSessionsOf(d.db, member.id, input.sessionHash ?? undefined);
  await expireTokens(d.db, 'reset', member.email, now);
  void trySend(
    d,
    passwordChangedMail(member.email, {
      siteName: d.siteName,
      link: link(d, '/password/forgot'),
    }),
  );
  return {
    ok: true,
    message: 'Your password is changed. Every other session of your account has been logged out.',
  };
}

/** How recent the login of an account without a password must be for its address to change. */
export const FRESH_LOGIN_MS = 15 * 60_000;

/**
 * Whether the member making a change to the account is the account's owner, asked again: the
 * current password, or for an account without one a login by mail link in the last 15 minutes
 * (`FRESH_LOGIN_MS`). The refusal to show when not; `field` is where a stale login is shown.
 */
async function reauthRefusal(
  d: MemberDeps,
  member: MemberRow,
  current: unknown,
  sessionHash: string | null,
  field: MemberField,
): Promise<Failure | null> {
  if (member.password_hash) return currentPasswordRefusal(d, member, current);
  const started = sessionHash ? await sessionStartedAt(d.db, sessionHash) : undefined;
  if (started && clock(d).getTime() - Date.parse(started) <= FRESH_LOGIN_MS) return null;
  return fail(
    'stale_login',
    'Your account has no password, so log in again with a link by mail first, then make the change within 15 minutes.',
    field,
  );
}

/**
 * Asks for a member's address to change. The member proves it is them (the current password, or
 * for an account without one a login by mail link in the last 15 minutes), and the new address is
 * proven by a link sent to it (`confirmEmailChange`); until then nothing changes, so no claim on
 * the new address (an organisation's domain, an invitation) counts. The answer is the same whether
 * or not the new address has an account; if it has, its owner gets a mail saying so instead.
 */
export async function requestEmailChange(
  d: MemberDeps,
  memberId: number,
  input: { email: unknown; current: unknown; sessionHash: string | null },
): Promise<Result<{ email: string }>> {
  const member = await findMemberById(d.db, memberId);
  if (!member) return fail('no_account', 'This account no longer exists.', 'email');
  if (!member.email_verified_at)
    return fail(
      'unconfirmed',
      `Confirm ${member.email} first (follow the link we sent to it, or ask for it again above); then you can change it.`,
      'email',
    );
  const e = parseEmail(input.email);
  if (!e.ok) return e;
  if (e.email === member.email)
    return fail('same_email', `${e.email} is already your address.`, 'email');
  const refused = await reauthRefusal(d, member, input.current, input.sessionHash, 'email');
  if (refused) return refused;
  const answer = {
    ok: true as const,
    email: e.email,
    message: `We have sent a link to ${e.email}. Open it in a browser logged in to this account to make it your address; until then your address stays ${member.email}.`,
  };
  if (!mailAllowed(d, e.email)) return answer;
  if (await findMemberByEmail(d.db, e.email)) {
    void trySend(d, emailInUseMail(e.email, { siteName: d.siteName, link: link(d, '/login') }));
    return answer;
  }
  const now = clock(d).toISOString();
  await expireMemberTokens(d.db, member.id, 'email', now);
  const token = await issueToken(d, 'email', e.email, member.id);
  void trySend(
    d,
    emailChangeMail(e.email, {
      siteName: d.siteName,
      link: link(d, `/account/email/${token}`),
      current: member.email,
    }),
  );
  return answer;
}

/**
 * Whether an address link can change this member's address, and to what; does not use it. The
 * link must be opened by the account that asked for it: whoever reads the new address's mail
 * cannot change someone else's account with it, and whoever holds the account cannot without it.
 */
export async function checkEmailChange(
  d: MemberDeps,
  token: unknown,
  memberId: number,
): Promise<Result<{ email: string; current: string }>> {
  const usable = await usableToken(d, 'email', token, 'address');
  if (!usable.ok) return usable;
  const row = usable.row;
  const member = await findMemberById(d.db, memberId);
  if (!member || row.member_id === null || Number(row.member_id) !== member.id)
    return fail(
      'other_account',
      'This link was sent for another account. Log out, log in to the account that asked for the new address, and open the link again.',
      'token',
    );
  const holder = await findMemberByEmail(d.db, row.email);
  if (holder && holder.id !== member.id)
    return fail(
      'email_taken',
      `${row.email} has become the address of another account, so it cannot be yours.`,
      'token',
    );
  return { ok: true, email: row.email, current: member.email, message: '' };
}

/**
 * Makes the address of an address link the member's address: confirmed (the link proved it), every
 * other session of the account ended, every outstanding link of the old address void, and the old
 * address told.
 */
export async function confirmEmailChange(
  d: MemberDeps,
  token: unknown,
  memberId: number,
  sessionHash: string | null,
): Promise<Result<{ email: string; previous: string }>> {
  const check = await checkEmailChange(d, token, memberId);
  if (!check.ok) return check;
  const spent = await spendToken(d, 'email', token, 'address');
  if (!spent.ok) return spent;
  const now = clock(d).toISOString();
  try {
    await changeMemberEmail(d.db, memberId, check.email, now);
  } catch {
    // another account took the address between the check and the change (its unique index)
    return fail(
      'email_taken',
      `${check.email} has become the address of another account, so it cannot be yours.`,
      'token',
    );
  }
  await deleteSessionsOf(d.db, memberId, sessionHash ?? undefined);
  await expireTokensOf(d.db, memberId, now);
  void trySend(
    d,
    emailChangedMail(check.current, {
      siteName: d.siteName,
      link: link(d, '/login'),
      newEmail: check.email,
    }),
  );
  return {
    ok: true,
    email: check.email,
    previous: check.current,
    message: `Your address is now ${check.email}. Every other session of your account has been logged out.`,
  };
}

/**
 * Deletes a member's account, asked again who it is (the current password, or a recent login by
 * mail). Staff accounts are not deleted here (an administrator makes them reader accounts first),
 * nor while another feature refuses (`removal`, e.g. the only administrator of an organisation).
 * The address is told by mail.
 */
export async function deleteAccount(
  d: MemberDeps,
  memberId: number,
  input: { current: unknown; sessionHash: string | null },
  removal: { refusals: string[] },
): Promise<Result<{ email: string }>> {
  const member = await findMemberById(d.db, memberId);
  if (!member) return fail('no_account', 'This account no longer exists.', 'current_password');
  const staff = staffRefusal(member);
  if (staff) return fail('staff', staff);
  if (removal.refusals.length) return fail('refused', removal.refusals[0]);
  const refused = await reauthRefusal(
    d,
    member,
    input.current,
    input.sessionHash,
    'current_password',
  );
  if (refused) return refused;
  await deleteMember(d.db, member.id);
  void trySend(d, accountDeletedMail(member.email, { siteName: d.siteName, link: link(d, '/') }));
  return {
    ok: true,
    email: member.email,
    message: `Your account ${member.email} is deleted. Reading stays free for personal use without one.`,
  };
}

/** Why a staff account is not deleted from its own page (null for a reader's). */
export function staffRefusal(member: Pick<MemberRow, 'role'>): string | null {
  return member.role === 'reader'
    ? null
    : 'This is a staff account. An administrator makes it a reader account first (`broadsheet users add EMAIL --role reader`); then you can delete it here.';
}

/** Ends every session of a member but the one making the request ("log out everywhere else"). */
export async function endOtherSessions(
  d: MemberDeps,
  memberId: number,
  sessionHash: string,
): Promise<Result> {
  await deleteSessionsOf(d.db, memberId, sessionHash);
  return { ok: true, message: 'You are logged out everywhere else.' };
}

export async function updateDeclaredUse(
  d: MemberDeps,
  memberId: number,
  input: { declaredUse: string; workOrganisation?: string },
): Promise<Result<{ declaredUse: DeclaredUse; workOrganisation: string | null }>> {
  const p = parseDeclared(input);
  if (!p.ok) return p;
  const now = clock(d).toISOString();
  await updateMember(
    d.db,
    memberId,
    { declared_use: p.declaredUse, work_organisation: p.workOrganisation },
    now,
  );
  return {
    ok: true,
    declaredUse: p.declaredUse,
    workOrganisation: p.workOrganisation,
    message:
      p.declaredUse === 'work'
        ? `Saved: you read for work${p.workOrganisation ? ` at ${p.workOrganisation}` : ''}.`
        : 'Saved: you read for personal use.',
  };
}

export const ROLES: readonly MemberRole[] = ['reader', 'editor', 'admin'];

/**
 * Creates an account from the command line (or gives an existing one a new role). Without a
 * password it returns a one-time login link that works for a day; using it confirms the address.
 *
 * An existing account whose address was never confirmed may have been registered by anyone, so it
 * is reset before it gets anything: its password (unless the operator sets one here), its sessions
 * and its outstanding links go, and it is used again only through the new login link (or the
 * operator's password). Any change of role ends the account's sessions, so no session opened
 * before the change carries it.
 */
export async function createUser(
  d: MemberDeps,
  input: { email: unknown; role: unknown; password?: string | null },
): Promise<
  Result<{ memberId: number; created: boolean; loginLink: string | null; reset: boolean }>
> {
  const e = parseEmail(input.email);
  if (!e.ok) return e;
  if (typeof input.role !== 'string' || !ROLES.includes(input.role as MemberRole))
    return fail('invalid_role', `The role must be one of ${ROLES.join(', ')}.`);
  const role = input.role as MemberRole;
  let passwordHash: string | null = null;
  if (input.password != null) {
    const problem = passwordProblem(input.password, { email: e.email, siteName: d.siteName });
    if (problem) return fail('weak_password', problem, 'password');
    passwordHash = await hashPassword(input.password, params(d));
  }
  const now = clock(d).toISOString();
  const existing = await findMemberByEmail(d.db, e.email);
  let memberId: number;
  const reset = !!existing && !existing.email_verified_at;
  if (existing) {
    memberId = existing.id;
    if (reset) {
      // The operator vouches for an address given a password here, as for a new account.
      await updateMember(
        d.db,
        memberId,
        {
          role,
          password_hash: passwordHash,
          email_verified_at: passwordHash ? now : null,
          declared_use: null,
          work_organisation: null,
        },
        now,
      );
      await expireTokensOf(d.db, memberId, now);
    } else {
      await updateMember(
        d.db,
        memberId,
        passwordHash ? { role, password_hash: passwordHash } : { role },
        now,
      );
    }
    if (reset || passwordHash || existing.role !== role) await deleteSessionsOf(d.db, memberId);
  } else {
    // The operator vouches for an address set with a password; a login link proves it when used.
    memberId = await insertMember(d.db, {
      email: e.email,
      passwordHash,
      role,
      declaredUse: null,
      workOrganisation: null,
      emailVerifiedAt: passwordHash ? now : null,
      now,
    });
  }
  let loginLink: string | null = null;
  if (!passwordHash)
    loginLink = link(
      d,
      `/login/magic/${await issueToken(d, 'magic', e.email, memberId, CLI_LOGIN_RULE)}`,
    );
  let what = existing
    ? `${e.email} now has the role ${role}.`
    : `Created ${e.email} with the role ${role}.`;
  if (reset) {
    what += ` Its address had never been confirmed, so it was reset: its earlier password, sessions and links no longer work${passwordHash ? '; it now has the password given' : ', and the role takes effect when the link below is used'}.`;
  }
  return {
    ok: true,
    memberId,
    created: !existing,
    loginLink,
    reset,
    message: loginLink
      ? `${what} One-time login link (works once, for 24 hours):\n${loginLink}`
      : what,
  };
}
