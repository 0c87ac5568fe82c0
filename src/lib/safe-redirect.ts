/**
 * Return addresses that come from input (`next`, `return_to`): accepted only as paths on this
 * site, judged the way browsers read a Location header (WHATWG URL parsing, which drops tabs and
 * newlines, reads `\` as `/` and resolves dot segments), so `/%09/evil.example`, `/\evil.example`
 * or `/..//evil.example` cannot leave the site. Pure.
 */

/** An origin that cannot be anyone's: paths are resolved against it to see where they lead. */
const PROBE = 'https://redirect-check.invalid';
const PROBE_ORIGIN = new URL(PROBE).origin;
export const MAX_REDIRECT_LENGTH = 2000;

/**
 * `input` as a same-origin path (`/path?query#hash`, normalised as a browser would resolve it), or
 * `fallback` when it is anything else: not a string, absolute or scheme-relative, containing
 * control characters, spaces or backslashes, too long, or resolving to another origin.
 */
export function safeRedirect(input: unknown, fallback = '/'): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_REDIRECT_LENGTH)
    return fallback;
  // Browsers strip or reinterpret these before resolving; a plain path never needs them.
  if (/[\u0000-\u0020\u007f\\]/.test(input)) return fallback;
  if (!input.startsWith('/') || input.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(input, PROBE);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  const path = url.pathname + url.search + url.hash;
  // Dot segments can leave `//host` behind (`/..//evil.example`): that is another site again.
  if (!path.startsWith('/') || path.startsWith('//')) return fallback;
  // The result must mean the same thing when a browser resolves it once more.
  let again: URL;
  try {
    again = new URL(path, PROBE);
  } catch {
    return fallback;
  }
  if (again.origin !== PROBE_ORIGIN || again.pathname + again.search + again.hash !== path)
    return fallback;
  return path;
}
