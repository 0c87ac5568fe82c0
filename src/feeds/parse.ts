/**
 * Partner feed parsing (pure): RSS 2.0 and Atom 1.0 into items with a title, a plain-text summary,
 * an http(s) link, a date and a de-duplication id (guid/id, else the link). Items whose link is not
 * http(s) are dropped; a document that is not well-formed XML, or is neither RSS nor Atom, throws
 * FeedError with a message for the dashboard.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { plainSummary, toPlainText } from '../stories/sanitize.ts';

export class FeedError extends Error {}

export interface FeedItem {
  /** guid / atom:id, else the link. */
  key: string;
  title: string;
  summary: string;
  url: string;
  publishedAt: string;
}

export interface ParsedFeed {
  kind: 'rss' | 'atom';
  title: string;
  items: FeedItem[];
  /** Items left out (no title, or a link that is not http/https). */
  dropped: number;
}

const MAX_ITEMS = 100;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities declared in a DOCTYPE are never expanded (no "billion laughs").
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link',
});

function text(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('#text' in o) return text(o['#text']);
  }
  return '';
}

/** An absolute http(s) URL, resolved against the feed's address; null for anything else. */
export function httpUrl(raw: string, base?: string): string | null {
  const s = raw.trim();
  if (!s) return null;
  try {
    const u = new URL(s, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function isoDate(raw: string, now: Date): string {
  const t = Date.parse(raw.trim());
  if (!raw.trim() || Number.isNaN(t)) return now.toISOString();
  // A date in the future would pin an item to the top of the box.
  return new Date(Math.min(t, now.getTime())).toISOString();
}

function clean(title: string): string {
  return toPlainText(title).replace(/\s+/g, ' ').trim().slice(0, 300);
}

export function parseFeed(xml: string, feedUrl?: string, now = new Date()): ParsedFeed {
  const valid = XMLValidator.validate(xml);
  // The validator's text quotes the document, so only the line number is shown.
  if (valid !== true)
    throw new FeedError(`not a feed: not well-formed XML (line ${valid.err.line})`);
  let doc: Record<string, any>;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new FeedError('not a feed: not well-formed XML');
  }
  const items: FeedItem[] = [];
  let dropped = 0;
  const push = (raw: {
    key: string;
    title: string;
    summary: string;
    link: string;
    date: string;
  }) => {
    const url = httpUrl(raw.link, feedUrl);
    const title = clean(raw.title);
    if (!url || !title) {
      dropped++;
      return;
    }
    if (items.length >= MAX_ITEMS) return;
    items.push({
      key: (raw.key.trim() || url).slice(0, 1000),
      title,
      summary: plainSummary(raw.summary, 300),
      url,
      publishedAt: isoDate(raw.date, now),
    });
  };
  if (doc.rss?.channel) {
    const ch = Array.isArray(doc.rss.channel) ? doc.rss.channel[0] : doc.rss.channel;
    for (const it of (ch.item ?? []) as any[]) {
      const link = text(it.link);
      push({
        key: text(it.guid),
        title: text(it.title),
        summary: text(it.description) || text(it.encoded),
        link,
        date: text(it.pubDate) || text(it.date),
      });
    }
    return { kind: 'rss', title: clean(text(ch.title)), items, dropped };
  }
  if (doc.feed) {
    const f = doc.feed;
    for (const e of (f.entry ?? []) as any[]) {
      const links = (e.link ?? []) as any[];
      const alt = links.find((l) => !l['@_rel'] || l['@_rel'] === 'alternate') ?? links[0];
      const href = alt ? String(alt['@_href'] ?? text(alt)) : '';
      push({
        key: text(e.id),
        title: text(e.title),
        summary: text(e.summary) || text(e.content),
        link: href,
        date: text(e.published) || text(e.updated),
      });
    }
    return { kind: 'atom', title: clean(text(f.title)), items, dropped };
  }
  throw new FeedError('not a feed: neither an RSS 2.0 nor an Atom feed');
}
