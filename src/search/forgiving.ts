/**
 * What the search box makes of input that is not a query: a pasted link to one of this site's
 * cables or stories (any host, port or base path), and how a long query is shown where it is
 * repeated (page title, notices). Pure functions.
 */
import { looksLikeReferenceId, type IdCanonicalizer } from './query.ts';

/** The document a pasted Broadsheet link names. */
export type PastedLink = { kind: 'cable'; referenceId: string } | { kind: 'story'; id: number };

/** Scheme and host (`https://example.org:8080`, `//host`, `host:3000`, `[::1]:3000`). */
const ORIGIN_RE =
  /^(?:[a-z][a-z0-9+.-]*:\/\/|\/\/)?(?:(?:[\p{L}\p{N}.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?)?(?=\/)/iu;
const CABLE_RE = /\/cables\/([A-Za-z0-9]{4,40})(?:\/raw)?\/?$/;
const STORY_RE = /\/stories\/(?:[^/]+\/\d{4}\/\d{2}\/)?(\d{1,12})(?:-[^/]*)?\/?$/;

/**
 * The cable or story a pasted link points at: `http://host:port/BASE/cables/09LIMA1669`,
 * `/cables/09LIMA1669`, `host/stories/news/2026/12/42-a-title`, `/stories/42`. Query strings and
 * fragments are ignored. Null when the text is anything else (words, filters, other paths).
 */
export function pastedLink(q: string, canonicalize?: IdCanonicalizer): PastedLink | null {
  const text = q.trim();
  if (!text || text.length > 2000 || /\s/.test(text)) return null;
  const origin = ORIGIN_RE.exec(text);
  if (!origin) return null;
  let path = text.slice(origin[0].length).replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  const cable = CABLE_RE.exec(path);
  if (cable) {
    const referenceId = looksLikeReferenceId(cable[1], canonicalize);
    return referenceId ? { kind: 'cable', referenceId } : null;
  }
  const story = STORY_RE.exec(path);
  if (story) return { kind: 'story', id: Number(story[1]) };
  return null;
}

/**
 * A query as repeated in a page title or a heading: spaces collapsed, cut at a word boundary to
 * at most `max` characters with an ellipsis (the search box keeps the whole query).
 */
export function shortQuery(q: string, max = 60): string {
  const text = q.replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : cut).trimEnd() + '…';
}

/**
 * The part of a long query around `position` (for pointing at a problem): at most `radius`
 * characters on each side, with an ellipsis where text was left out. `at` is the position in the
 * returned parts' joined text.
 */
export function aroundPosition(
  q: string,
  position: number,
  radius = 40,
): { before: string; at: string; after: string } {
  const from = Math.max(0, position - radius);
  const to = Math.min(q.length, position + 1 + radius);
  return {
    before: (from > 0 ? '…' : '') + q.slice(from, position),
    at: q.slice(position, position + 1),
    after: q.slice(position + 1, to) + (to < q.length ? '…' : ''),
  };
}

/** Where a page number stands: the number of pages, and whether it is past the last one. */
export function pageState(
  total: number,
  size: number,
  page: number,
): { pages: number; past: boolean } {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, size)));
  return { pages, past: page > pages };
}
