/**
 * The one place submitted HTML is cleaned (sanitize-html). Anything shown as HTML rather than as
 * escaped text must come out of `sanitizeRichHtml`, which returns a branded `TrustedHtml` value: the
 * views render HTML with dangerouslySetInnerHTML only for that type, so the compiler points at any
 * other way in.
 *
 * - Rich (licensed press releases): a small allowlist of text tags, links (http, https, mailto and
 *   site-relative; rel="noopener nofollow"), images (http/https), no scripts, styles, event
 *   handlers, forms or iframes from other sites (only same-site iframe paths survive).
 * - Plain (unlicensed releases, partner feed summaries): every tag removed, links and bare URLs
 *   dropped, entities decoded: the result is text, which the views escape like any other.
 */
import sanitizeHtml from 'sanitize-html';

declare const trusted: unique symbol;
/** HTML that went through the sanitiser. Only this module makes values of this type. */
export type TrustedHtml = string & { readonly [trusted]: true };

const RICH: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 'a', 'ul', 'ol', 'li', 'blockquote', 'h2', 'h3', 'h4', 'img', 'figure', 'figcaption', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'iframe'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'width', 'height'],
    iframe: ['src', 'width', 'height', 'title'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'], iframe: ['https'] },
  allowProtocolRelative: false,
  // Iframes only from this site (relative paths); every foreign frame is removed.
  allowedIframeHostnames: [],
  allowIframeRelativeUrls: true,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title'],
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener nofollow' }),
  },
  exclusiveFilter: (frame) => frame.tag === 'iframe' && !/^\/(?!\/)/.test(frame.attribs.src ?? ''),
};

/** Cleans HTML from a licensed submitter: formatting, links and images stay; everything active goes. */
export function sanitizeRichHtml(html: string): TrustedHtml {
  return sanitizeHtml(html, RICH).trim() as TrustedHtml;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

const URLISH = /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"')\]]+/gi;

/**
 * Text only: block tags become line breaks, other tags and links vanish (a link keeps its words,
 * never its address), bare URLs and Markdown links are removed.
 */
export function toPlainText(html: string): string {
  const withBreaks = html.replace(/<\s*(br|\/p|\/div|\/li|\/h[1-6]|\/blockquote|\/tr)\b[^>]*>/gi, '\n');
  const stripped = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {}, nonTextTags: RICH.nonTextTags });
  return decodeEntities(stripped)
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(URLISH, '')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Plain text on one line, cut at a word boundary (feed summaries, teasers). */
export function plainSummary(html: string, max = 300): string {
  const text = toPlainText(html).replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const at = cut.lastIndexOf(' ');
  return (at > max * 0.6 ? cut.slice(0, at) : cut).replace(/[\s,.;:–—-]+$/, '') + '…';
}
