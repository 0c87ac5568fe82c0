/**
 * Request logs never hold a secret from a URL. Several links carry one in their path (sign-in,
 * password reset, email verification, newsletter confirm/unsubscribe/preferences, invitations) or
 * in their query (signed ad clicks, a CSRF token on a multipart form); whoever reads the log could
 * otherwise use them. `redactUrl` replaces:
 * - the path segment after a known token prefix, and everything after it;
 * - any other path segment that looks like a random token (long, mixed letters and digits, or hex);
 * - the value of a query parameter whose name says it is secret (token, sig, key, _csrf …), any
 *   other query value that looks like a random token, and secrets inside a local address passed in
 *   the query (the `next` of a sign-in redirect).
 * What remains (route, ids, the names of the parameters) is enough to read the log.
 */
import type { FastifyRequest } from 'fastify';

export const REDACTED = '[redacted]';

/** Paths whose next segment is a secret (routes in members, newsletter and licensing). */
const TOKEN_PREFIXES = [
  '/login/magic/',
  '/password/reset/',
  '/verify/',
  '/newsletter/confirm/',
  '/newsletter/unsubscribe/',
  '/newsletter/preferences/',
  '/invitations/',
];

/** Literal routes under those prefixes that are not tokens. */
const NOT_TOKENS = new Set(['/verify/resend']);

const SECRET_PARAM =
  /token|secret|sig|signature|passw|pass$|^pw$|key|csrf|session|auth|code|otp|hash|nonce|ticket/i;

/** Long, URL-safe, and random-looking: mixed case with a digit, or a long run of hex. */
export function looksLikeToken(value: string): boolean {
  if (value.length < 20 || !/^[A-Za-z0-9_.~+/=-]+$/.test(value)) return false;
  if (/^[0-9a-f]{32,}$/i.test(value)) return true;
  return /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value);
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? null : url.slice(q + 1);
  let safePath = path;
  const lower = path.toLowerCase();
  const prefix = TOKEN_PREFIXES.find((p) => lower.startsWith(p) && lower.length > p.length);
  if (prefix && !NOT_TOKENS.has(lower.replace(/\/+$/, '')))
    safePath = path.slice(0, prefix.length) + REDACTED;
  else
    safePath = path
      .split('/')
      .map((seg) => (looksLikeToken(decoded(seg)) ? REDACTED : seg))
      .join('/');
  if (query === null) return safePath;
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return looksLikeToken(decoded(pair)) ? REDACTED : pair;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '') return pair;
      const plain = decoded(value);
      if (SECRET_PARAM.test(decoded(name))) return `${name}=${REDACTED}`;
      // A local address carried along (`/login?next=/invitations/<token>`) is redacted by the same rules.
      if (plain.startsWith('/') && !plain.startsWith('//')) {
        const inner = redactUrl(plain);
        return inner === plain ? pair : `${name}=${encodeURIComponent(inner).replace(/%2F/g, '/')}`;
      }
      return looksLikeToken(plain) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}

/** Fastify's request serializer with the URL redacted (same fields as the default one). */
export function requestSerializer(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
