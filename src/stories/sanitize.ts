/**
 * The one place submitted HTML is cleaned (sanitize-html). Anything shown as HTML rather than as
 * escaped text must come out of `sanitizeRichHtml`, which returns a branded `TrustedHtml` value: the
 * views render HTML with dangerouslySetInnerHTML only for that type, so the compiler points at any
 * other way in.
 *
 * - Rich (licensed press releases): a small allowlist of text tags, links (http, https, mailto and
 *   same-origin, read as a browser reads them: links.ts; rel="noopener nofollow"), images (https
 *   only), no scripts, styles, event handlers, forms or iframes from other sites (only same-site
 *   iframe paths survive).
 * - Plain (unlicensed releases, partner feed summaries): every tag removed, links and bare URLs
 *   dropped, entities decoded: the result is text, which the views escape like any other.
 *
 * Both lose control characters (C0 but tab and line breaks, DEL, C1, unpaired surrogates), from the
 * input and from what entities decode to.
 */
import sanitizeHtml from 'sanitize-html';
import { stripControlChars } from '../platform/stored-text.ts';
import { isExternal, safeHref, type LinkKind } from './links.ts';

declare const trusted: unique symbol;
/** HTML that went through the sanitiser. Only this module makes values of this type. */
export type TrustedHtml = string & { readonly [trusted]: true };

const RICH: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'b',
    'em',
    'i',
    'u',
    'a',
    'ul',
    'ol',
    'li',
    'blockquote',
    'h2',
    'h3',
    'h4',
    'img',
    'figure',
    'figcaption',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'iframe',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'width', 'height'],
    iframe: ['src', 'width', 'height', 'title'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'], iframe: ['https'] },
  allowProtocolRelative: false,
  // Iframes only from this site (relative paths); every foreign frame is removed.
  allowedIframeHostnames: [],
  allowIframeRelativeUrls: true,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title'],
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...withSafeUrl(attribs, 'href', 'link'), rel: 'noopener nofollow' },
    }),
    img: (tagName, attribs) => ({ tagName, attribs: withSafeUrl(attribs, 'src', 'image') }),
    iframe: (tagName, attribs) => ({ tagName, attribs: withSafeUrl(attribs, 'src', 'frame') }),
  },
  // An image without an (https) address and a frame without a same-site path are removed.
  exclusiveFilter: (frame) =>
    (frame.tag === 'iframe' && !/^\/(?!\/)/.test(frame.attribs.src ?? '')) ||
    (frame.tag === 'img' && !frame.attribs.src),
};

/** The attribute rewritten to the address a browser would go to, or removed when that is not allowed. */
function withSafeUrl(
  attribs: sanitizeHtml.Attributes,
  name: string,
  kind: LinkKind,
): sanitizeHtml.Attributes {
  if (attribs[name] === undefined) return attribs;
  const out = { ...attribs };
  const url = safeHref(attribs[name], kind);
  if (url === null) delete out[name];
  else out[name] = url;
  return out;
}

// Markdown's output: the rich set plus code, rules, struck text, numbered-list starts and the
// `pN` anchors of cable paragraphs; headings are at most <h2> under the page's <h1>.
const MARKDOWN: sanitizeHtml.IOptions = {
  ...RICH,
  allowedTags: [
    ...(RICH.allowedTags as string[]),
    'pre',
    'code',
    'hr',
    's',
    'del',
    'div',
    'h5',
    'h6',
  ],
  allowedAttributes: {
    ...(RICH.allowedAttributes as Record<string, string[]>),
    a: ['href', 'title', 'rel'],
    p: ['id'],
    ol: ['start'],
    div: ['class'],
  },
  allowedClasses: { div: ['release-html'] },
  transformTags: {
    ...RICH.transformTags,
    // Links written by staff are followed (those in a submitted release's HTML block keep the
    // nofollow the rich rules gave them); links to other sites open without an opener.
    a: (tagName, attribs) => {
      const { rel, ...out } = withSafeUrl(attribs, 'href', 'link');
      if (!out.href || !isExternal(out.href)) return { tagName, attribs: out };
      return {
        tagName,
        attribs: { ...out, rel: /\bnofollow\b/.test(rel ?? '') ? 'noopener nofollow' : 'noopener' },
      };
    },
    h1: 'h2',
    p: (tagName, attribs) => ({
      tagName,
      attribs: /^p\d{1,3}$/.test(attribs.id ?? '')
        ? { id: attribs.id! }
        : ({} as sanitizeHtml.Attributes),
    }),
  },
};

/** Cleans the HTML the Markdown renderer made (markdown.ts); the same rules as rich HTML. */
export function sanitizeMarkdownHtml(html: string): TrustedHtml {
  return stripControlChars(sanitizeHtml(stripControlChars(html), MARKDOWN)).trim() as TrustedHtml;
}

/** Cleans HTML from a licensed submitter: formatting, links and images stay; everything active goes. */
export function sanitizeRichHtml(html: string): TrustedHtml {
  return stripControlChars(sanitizeHtml(stripControlChars(html), RICH)).trim() as TrustedHtml;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code =
        e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
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
  const withBreaks = stripControlChars(html).replace(
    /<\s*(br|\/p|\/div|\/li|\/h[1-6]|\/blockquote|\/tr)\b[^>]*>/gi,
    '\n',
  );
  const stripped = sanitizeHtml(withBreaks, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: RICH.nonTextTags,
  });
  return stripControlChars(decodeEntities(stripped))
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
