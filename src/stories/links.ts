/**
 * The one check every link or image address in submitted text goes through (Markdown in stories,
 * cable text and press releases; sanitised HTML; ad links), reading the address as a browser does
 * (WHATWG URL): leading and trailing C0 controls and spaces dropped, tabs and line breaks removed
 * anywhere, `\` read as `/` in http(s) addresses, relative forms resolved against the page's origin.
 * What is rendered is the address that reading gave, written so that any origin resolves it the
 * same way:
 *
 * - `#fragment` stays a fragment of the page.
 * - A same-origin address (path, `../x`, `?q`) is written as an absolute path (`/…`); a path that
 *   starts with `//` after resolution is written `/.//…` so it cannot be read as another host.
 * - An absolute http, https or mailto address (no user name or password in it) is written in full
 *   (as the author wrote it when that is plain printable ASCII without `\`, else as the parser
 *   read it).
 * - Anything whose target depends on the page's own scheme or host, i.e. protocol-relative and
 *   backslash forms such as `//evil.example` or `/\evil.example`, is dropped (the link's words stay
 *   as text), as is every other scheme (javascript:, data:, vbscript:, file:, …).
 *
 * Images take absolute https addresses only; frames take same-origin paths only.
 */

export type LinkKind = 'link' | 'image' | 'frame';

// Two unrelated origins of different schemes: an address is relative only if it stays on each of
// them, and absolute only if both read it as the same URL.
const BASE_A = new URL('https://a.broadsheet.invalid/');
const BASE_B = new URL('http://b.broadsheet.invalid:8080/');

const EDGES = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
const TAB_NEWLINE = /[\t\n\r]/g;

/** The address as the URL parser sees it before resolving it (WHATWG "basic URL parser" preparation). */
export function browserTrim(raw: string): string {
  return raw.replace(EDGES, '').replace(TAB_NEWLINE, '');
}

function parse(s: string, base: URL): URL | null {
  try {
    return new URL(s, base);
  } catch {
    return null;
  }
}

const PLAIN = /^[\x21-\x5b\x5d-\x7e]+$/;
const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * The href/src to render for `raw`, or null when it must not be rendered as a link or image (see
 * the module comment for the rules).
 */
export function safeHref(raw: string, kind: LinkKind = 'link'): string | null {
  const s = browserTrim(raw);
  if (s === '') return null;
  if (s.startsWith('#')) {
    if (kind !== 'link') return null;
    const u = parse(s, BASE_A);
    return u && u.hash ? u.hash : null;
  }
  const a = parse(s, BASE_A);
  const b = parse(s, BASE_B);
  if (!a || !b) return null;
  if (a.origin === BASE_A.origin && b.origin === BASE_B.origin) {
    if (kind === 'image') return null;
    // Path, query and fragment as serialised (an empty `?` or `#` included).
    const rest = a.href.slice(a.origin.length);
    if (rest !== b.href.slice(b.origin.length)) return null;
    return rest.startsWith('//') ? '/.' + rest : rest;
  }
  if (kind === 'frame' || a.href !== b.href) return null;
  if (a.username || a.password) return null;
  if (kind === 'image' ? a.protocol !== 'https:' : !LINK_SCHEMES.has(a.protocol)) return null;
  // As written when every browser reads it as written (printable ASCII, no backslash), else as read.
  return PLAIN.test(s) ? s : a.href;
}

/** True for an absolute address to another site (rendered with rel="noopener nofollow"). */
export function isExternal(href: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(href);
}
