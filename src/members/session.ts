/**
 * Loading the signed-in member once per request. A visitor without a session cookie costs nothing
 * (no query); with one, it is a single primary-key lookup joined to the member. The member is
 * exposed as `req.member` (null when nobody is signed in or the session has ended).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../platform/db.ts';
import type { PageMember } from '../web/context.ts';
import type { DeclaredUse, MemberRole } from './schema.ts';
import { sessionMember, touchSession } from './store.ts';
import { hashToken, looksLikeToken, SESSION_TOUCH_MS, SESSION_TTL_MS } from './tokens.ts';

export const SESSION_COOKIE = 'bs_session';

/** The signed-in member as every request sees it. */
export interface SessionMember {
  id: number;
  email: string;
  /** Whether the address is confirmed. Until it is, the member holds no role and no organisation's coverage. */
  emailVerified: boolean;
  /**
   * The role this request may use: the stored role once the address is confirmed, `reader` before
   * (an unconfirmed account may have been registered by someone who does not own the address).
   */
  role: MemberRole;
  declaredUse: DeclaredUse | null;
  workOrganisation: string | null;
  /** SHA-256 of the session token (the sessions row id). */
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in member, or null. Loaded by the members session hook before any handler. */
    member: SessionMember | null;
  }
}

/** Adds `req.member` and the hook that fills it. Call once on the root app, after @fastify/cookie. */
export function installSessionLoader(
  app: FastifyInstance,
  db: Db,
  now: () => Date = () => new Date(),
): void {
  app.decorateRequest('member', null);
  app.addHook('onRequest', async (req) => {
    req.member = null;
    if (req.routeOptions.config?.database === false) return;
    const token = req.cookies[SESSION_COOKIE];
    if (token === undefined) return;
    if (!looksLikeToken(token)) return;
    const hash = hashToken(token);
    const t = now();
    const row = await sessionMember(db.kysely, hash, t.toISOString());
    if (!row) return;
    const emailVerified = row.email_verified_at !== null;
    req.member = {
      id: Number(row.member_id),
      email: row.email,
      emailVerified,
      role: emailVerified ? row.role : 'reader',
      declaredUse: row.declared_use,
      workOrganisation: row.work_organisation,
      sessionId: hash,
    };
    if (t.getTime() - Date.parse(row.last_seen_at) > SESSION_TOUCH_MS) {
      await touchSession(db.kysely, hash, t.toISOString()).catch((err) =>
        req.log.warn({ err }, 'could not record session activity'),
      );
    }
  });
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.protocol === 'https',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.protocol === 'https',
  });
}

/** What a page shows about the signed-in member (PageContext.member). */
export function pageMember(req: FastifyRequest): PageMember | null {
  const m = req.member;
  return m
    ? {
        id: m.id,
        email: m.email,
        role: m.role,
        confirmed: m.emailVerified === true,
        declaredUse: m.declaredUse,
        workOrganisation: m.workOrganisation,
      }
    : null;
}
