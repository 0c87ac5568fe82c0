/**
 * Feeds and sitemaps out (pure builders): RSS 2.0, Atom 1.0, sitemaps (≤ 50,000 URLs each, with
 * an index when there are more) and the Google News sitemap. Every value is XML-escaped.
 */
export interface FeedEntry {
  id: string;
  title: string;
  url: string;
  summary: string;
  published: string;
  updated: string;
  author?: string | null;
  category?: string | null;
}

export interface FeedMeta {
  title: string;
  description: string;
  /** The page the feed mirrors (absolute). */
  link: string;
  /** The feed's own address (absolute). */
  self: string;
  updated: string;
}

export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const x = xmlEscape;

export function rss(meta: FeedMeta, entries: FeedEntry[]): string {
  const items = entries
    .map(
      (e) => `    <item>
      <title>${x(e.title)}</title>
      <link>${x(e.url)}</link>
      <guid isPermaLink="true">${x(e.url)}</guid>
      <description>${x(e.summary)}</description>
      <pubDate>${new Date(e.published).toUTCString()}</pubDate>${e.category ? `\n      <category>${x(e.category)}</category>` : ''}${e.author ? `\n      <dc:creator>${x(e.author)}</dc:creator>` : ''}
    </item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${x(meta.title)}</title>
    <link>${x(meta.link)}</link>
    <description>${x(meta.description)}</description>
    <language>en</language>
    <lastBuildDate>${new Date(meta.updated).toUTCString()}</lastBuildDate>
    <atom:link href="${x(meta.self)}" rel="self" type="application/rss+xml"/>
${items}
  </channel>
</rss>
`;
}

export function atom(meta: FeedMeta, entries: FeedEntry[], siteName: string): string {
  const items = entries
    .map(
      (e) => `  <entry>
    <title>${x(e.title)}</title>
    <link rel="alternate" type="text/html" href="${x(e.url)}"/>
    <id>${x(e.id)}</id>
    <published>${new Date(e.published).toISOString()}</published>
    <updated>${new Date(e.updated).toISOString()}</updated>
    <author><name>${x(e.author || siteName)}</name></author>
    <summary>${x(e.summary)}</summary>${e.category ? `\n    <category term="${x(e.category)}"/>` : ''}
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>${x(meta.title)}</title>
  <subtitle>${x(meta.description)}</subtitle>
  <link rel="alternate" type="text/html" href="${x(meta.link)}"/>
  <link rel="self" type="application/atom+xml" href="${x(meta.self)}"/>
  <id>${x(meta.self)}</id>
  <updated>${new Date(meta.updated).toISOString()}</updated>
  <author><name>${x(siteName)}</name></author>
${items}
</feed>
`;
}

export const SITEMAP_MAX_URLS = 50_000;

export function urlset(urls: { loc: string; lastmod?: string | null }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${urls.map((u) => `  <url><loc>${x(u.loc)}</loc>${u.lastmod ? `<lastmod>${x(u.lastmod)}</lastmod>` : ''}</url>`).join('\n')}
</urlset>
`;
}

export function sitemapIndex(locs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${locs.map((l) => `  <sitemap><loc>${x(l)}</loc></sitemap>`).join('\n')}
</sitemapindex>
`;
}

export function newsSitemap(
  siteName: string,
  entries: { url: string; title: string; published: string }[],
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
${entries
  .map(
    (e) => `  <url>
    <loc>${x(e.url)}</loc>
    <news:news>
      <news:publication><news:name>${x(siteName)}</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>${new Date(e.published).toISOString()}</news:publication_date>
      <news:title>${x(e.title)}</news:title>
    </news:news>
  </url>`,
  )
  .join('\n')}
</urlset>
`;
}

/** Which sitemap files cover `counts` URLs per kind at `pageSize` URLs per file. */
export function sitemapPages(
  counts: Record<string, number>,
  pageSize = SITEMAP_MAX_URLS,
): { kind: string; page: number }[] {
  const out: { kind: string; page: number }[] = [];
  for (const [kind, n] of Object.entries(counts))
    for (let p = 1; p <= Math.max(1, Math.ceil(n / pageSize)); p++) out.push({ kind, page: p });
  return out;
}

/**
 * The stored form to send for an Accept-Encoding header: br, then gzip, by the client's q-values
 * (a coding with q=0 is refused; `*` stands for the codings not named); null for the plain bytes.
 */
export function chooseEncoding(
  acceptEncoding: string,
  have: { br: boolean; gzip: boolean },
): 'br' | 'gzip' | null {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const qp = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)).find(Boolean);
    const v = qp ? Number(qp[1]) : 1;
    q.set(name.trim(), Number.isFinite(v) ? v : 0);
  }
  const weight = (c: string) => q.get(c) ?? q.get('*') ?? 0;
  const options = (['br', 'gzip'] as const).filter((c) => have[c] && weight(c) > 0);
  if (!options.length) return null;
  return options.reduce((best, c) => (weight(c) > weight(best) ? c : best));
}

/**
 * True when a conditional request already has this version: If-None-Match naming the ETag (in any
 * of its encodings, weak or strong) or `*`; without it, If-Modified-Since not before Last-Modified.
 */
export function notModified(
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  etag: string,
  lastModified: string,
): boolean {
  if (ifNoneMatch) {
    return ifNoneMatch.split(',').some((t) => {
      const tag = t.trim().replace(/^W\//, '');
      return tag === '*' || tag.replace(/-(br|gzip)"$/, '"') === `"${etag}"`;
    });
  }
  if (ifModifiedSince) {
    const since = Date.parse(ifModifiedSince);
    return Number.isFinite(since) && since >= Date.parse(lastModified);
  }
  return false;
}
