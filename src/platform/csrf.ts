/**
 * CSRF protection by double submit: a random per-browser token in an HttpOnly, SameSite=Lax cookie,
 * repeated in a hidden `_csrf` field (or `x-csrf-token` header). A state-changing request whose two
 * copies are missing or differ is refused with 403 before its handler runs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const CSRF_COOKIE = 'bs_csrf';
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

/** The visitor's token, created (and set as a cookie) on first use. */
export function csrfToken(req: FastifyRequest, reply: FastifyReply): string {
  const existing = req.cookies[CSRF_COOKIE];
  if (existing && TOKEN.test(existing)) return existing;
  const cached = (reply as unknown as { csrfIssued?: string }).csrfIssued;
  if (cached) return cached;
  const token = randomBytes(24).toString('base64url');
  (reply as unknown as { csrfIssued?: string }).csrfIssued = token;
  reply.setCookie(CSRF_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.protocol === 'https',
    maxAge: 60 * 60 * 24 * 365,
  });
  return token;
}

export function csrfValid(req: FastifyRequest): boolean {
  const cookie = req.cookies[CSRF_COOKIE];
  const body = req.body as Record<string, unknown> | undefined;
  const sent = (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? req.headers['x-csrf-token'];
  if (typeof cookie !== 'string' || typeof sent !== 'string' || !TOKEN.test(cookie)) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
