/**
 * The one path every per-request decision reads. The router (find-my-way) percent-decodes the path
 * before matching it, so a decision made on the raw URL can be fooled: `/%61pi/search` is routed
 * to `/api/search`. Rather than re-implement the router's decoding, a request whose path is not
 * written in its plain, canonical form is refused before any other hook runs; what is left is a
 * path whose decoded form routes exactly like its raw form, and `req.routePath` is that decoded
 * path for the licensing, API-key, rate-limit and CSRF decisions.
 *
 * Refused (400):
 * - a percent-encoded unreserved character (letters, digits, `-`, `.`, `_`, `~`): RFC 3986 says
 *   these are never to be encoded, and decoding them changes which route is matched;
 * - an encoded `/`, `\` or `%` (`%2F`, `%5C`, `%25`: a second level of encoding or a hidden
 *   segment), a malformed escape, and control characters (raw or encoded);
 * - empty segments (`//`), dot segments (`/./`, `/../`) and backslashes.
 * Other escapes (spaces, non-ASCII letters in a slug) are fine.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http.ts';

export const NON_CANONICAL_MESSAGE =
  'This address is not written in its plain form (encoded letters, “//”, “/./” or “/../”). Use the address without them.';

/** The path part of a request target, before `?` (and a `#`, which no client should send). */
export function rawPath(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

/** The decoded path if `path` is canonical, else null. */
export function canonicalPath(path: string): string | null {
  if (!path.startsWith('/')) return null;
  // Raw control characters, backslashes, and anything outside printable ASCII sent unencoded.
  if (/[\u0000-\u0020\u007f-\uffff\\]/.test(path)) return null;
  const escapes = path.match(/%(?:[0-9A-Fa-f]{2})?/g) ?? [];
  for (const e of escapes) {
    if (e.length !== 3) return null;
    const code = parseInt(e.slice(1), 16);
    const ch = String.fromCharCode(code);
    if (/[A-Za-z0-9\-._~]/.test(ch)) return null;
    if (ch === '/' || ch === '\\' || ch === '%' || code < 0x20 || code === 0x7f) return null;
  }
  for (const seg of path.slice(1).split('/')) {
    if (seg === '.' || seg === '..') return null;
  }
  if (path.includes('//')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  return decoded;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The decoded, canonical path the router matched (no query string). */
    routePath: string;
  }
}

/** Installs the check as the first onRequest hook of the root app. */
export function installCanonicalPaths(app: FastifyInstance): void {
  app.decorateRequest('routePath', '');
  // A plain callback (every request passes it): a throw is the request's error.
  app.addHook('onRequest', (req: FastifyRequest, _reply, done) => {
    const p = canonicalPath(rawPath(req.url));
    if (p === null) {
      req.routePath = rawPath(req.url);
      throw new HttpError(400, 'non_canonical_path', NON_CANONICAL_MESSAGE);
    }
    req.routePath = p;
    done();
  });
}
