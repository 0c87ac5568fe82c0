/**
 * The press articles a cable appears in (FORMAT.md §1: the "Appears in these articles" row of the
 * WikiLeaks page, `media_urls` in its JSON copies). The source writes many of them with the scheme
 * twice (`http://http://www.spiegel.de/`), which no browser can open; each is read as a web address
 * or left out, and the parser says which.
 */

/** A scheme written again in front of the address (`http://http://…`, `http://https://…`). */
const DOUBLED_SCHEME_RE = /^(?:https?:\/\/)+(?=https?:\/\/)/i;

export interface MediaUrls {
  /** Absolute http(s) addresses, each once, in the order given. */
  urls: string[];
  /** What was repaired or left out, for the parser's warnings. */
  notes: string[];
}

/**
 * One address as a browser would open it: http or https, a host with a dot, no user name or
 * password; `null` for anything else. A path of `/` alone is dropped, so `http://www.spiegel.de/`
 * and `http://www.spiegel.de` are one article list entry.
 */
function webAddress(text: string): string | null {
  // control characters and spaces inside an address are damage, not part of it
  if (/[\u0000-\u0020\u007f]/.test(text)) return null;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null;
  if (!/^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(u.hostname)) return null;
  const path = u.pathname === '/' ? '' : u.pathname;
  return `${u.protocol}//${u.host}${path}${u.search}${u.hash}`;
}

/** Reads the media addresses a source gives with a cable (non-strings ignored). */
export function readMediaUrls(given: readonly unknown[] | undefined): MediaUrls {
  const urls: string[] = [];
  const notes: string[] = [];
  for (const item of given ?? []) {
    if (typeof item !== 'string') continue;
    const written = item.trim();
    if (!written) continue;
    const repaired = written.replace(DOUBLED_SCHEME_RE, '');
    const url = webAddress(repaired);
    if (!url) {
      notes.push(`media address "${written.slice(0, 120)}" is not a web address; left out`);
      continue;
    }
    if (repaired !== written) notes.push(`media address "${written}" read as ${url}`);
    if (!urls.includes(url)) urls.push(url);
  }
  return { urls, notes };
}
