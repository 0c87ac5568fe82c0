/**
 * CSRF protection, decided before a state-changing request's handler runs (src/app.ts):
 *
 * - Where the browser says where the request came from, it must be this site: `Sec-Fetch-Site`
 *   other than `same-origin` or `none` (a typed address, a bookmark) is refused, and so is an
 *   `Origin` that is not one of the site's own origins (BASE_URL's, or the one the request was
 *   addressed to). Every current browser sends both on a form post.
 * - A signed-in member's request also carries their token, by double submit: a random per-browser
 *   token in an HttpOnly, SameSite=Lax cookie, repeated in a hidden `_csrf` field (or
 *   `x-csrf-token` header). Their pages are private, so the token is never in a shared cache.
 * - A request without a session (login, registration, the newsletter, search, magic links,
 *   access requests: the forms of pages a shared cache keeps, which carry no token) needs the
 *   browser's word that it comes from this site (`sameOriginAttested`), or a double-submit token
 *   (clients that keep one). A request saying neither is refused with a message saying why.
 *
 * Over https the cookie is `__Host-bs_csrf` (Secure, Path=/, no Domain): no other host, not even a
 * sibling subdomain or a plain-http page on the same name, can set or overwrite it. Over plain http
 * (development, tests) it is `bs_csrf`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const CSRF_COOKIE = 'bs_csrf';
/** The cookie's name over https. */
export const CSRF_COOKIE_SECURE = '__Host-bs_csrf';
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

/** The CSRF cookie's name for this request's scheme. */
export function csrfCookieName(req: FastifyRequest): string {
  return req.protocol === 'https' ? CSRF_COOKIE_SECURE : CSRF_COOKIE;
}

/** The CSRF cookie the browser sent (under this scheme's name). */
export function csrfCookie(req: FastifyRequest): string | undefined {
  return req.cookies[csrfCookieName(req)];
}

/** The visitor's token, created (and set as a cookie) on first use. */
export function csrfToken(req: FastifyRequest, reply: FastifyReply): string {
  const existing = csrfCookie(req);
  if (existing && TOKEN.test(existing)) return existing;
  const cached = (reply as unknown as { csrfIssued?: string }).csrfIssued;
  if (cached) return cached;
  const token = randomBytes(24).toString('base64url');
  (reply as unknown as { csrfIssued?: string }).csrfIssued = token;
  const https = req.protocol === 'https';
  // No Domain attribute: the cookie belongs to this host only (required for the __Host- prefix).
  reply.setCookie(csrfCookieName(req), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: https,
    maxAge: 60 * 60 * 24 * 365,
  });
  return token;
}

export function csrfValid(req: FastifyRequest): boolean {
  const cookie = csrfCookie(req);
  const body = req.body as Record<string, unknown> | undefined;
  const sent =
    (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? req.headers['x-csrf-token'];
  if (typeof cookie !== 'string' || typeof sent !== 'string' || !TOKEN.test(cookie)) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

function originOf(url: string): string | null {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

/**
 * False when the browser says the request comes from elsewhere: `Sec-Fetch-Site` present and not
 * `same-origin`/`none`, or `Origin` present and not the site's (BASE_URL's origin, or the scheme and
 * host the request was addressed to). Requests without either header (older browsers, scripts)
 * pass on to the token check.
 */
export function fromThisSite(req: FastifyRequest, baseUrl: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const sent = originOf(origin);
  // `Origin: null` is what a browser sends when it withholds the origin (a page under
  // `Referrer-Policy: no-referrer`, a redirected post); believed only with `Sec-Fetch-Site:
  // same-origin`, which no page can forge.
  if (sent === null) return site === 'same-origin' && origin.trim() === 'null';
  return ownOrigin(req, sent, baseUrl);
}

function ownOrigin(req: FastifyRequest, sent: string, baseUrl: string): boolean {
  return sent === originOf(baseUrl) || sent === originOf(`${req.protocol}://${req.host}`);
}

/**
 * True when the browser positively says the request comes from this site: `Sec-Fetch-Site:
 * same-origin` (or `none`: typed by the user, which no other page can cause), or, from a browser
 * that does not send `Sec-Fetch-Site` (Safari before 16.4), an `Origin` that is the site's own. A
 * request saying neither (a very old browser, a script) has no such word. Cross-site requests are
 * refused before this by `fromThisSite`.
 */
export function sameOriginAttested(req: FastifyRequest, baseUrl: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return fromThisSite(req, baseUrl);
  if (site !== undefined) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const sent = originOf(origin);
  return sent !== null && ownOrigin(req, sent, baseUrl);
}

/** What a refused form is told. */
export const CSRF_REFUSED =
  'This form did not come from this site, or has expired. Reload the page and try again.';
export const CSRF_UNATTESTED =
  'Your browser did not say which site this form came from, so it was not accepted. Reload the page and try again; if this keeps happening, a browser extension or proxy may be removing the Origin header.';
