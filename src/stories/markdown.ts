/**
 * Broadsheet's Markdown subset for story bodies, parsed into blocks (pure, no HTML produced here;
 * views render blocks with JSX, so every piece of text is escaped).
 *
 *   ## Heading                 -> heading
 *   ```                        -> preformatted block (cable headers, tables) until the closing ```
 *   - item / * item            -> bullet list
 *   > quote                    -> quotation
 *   ```html                    -> trusted HTML block: the fenced HTML is run through the sanitiser
 *                                 (sanitize.ts) when parsed; used for licensed press releases
 *   anything else              -> paragraph (lines joined with a space)
 * Inline: **bold**, *italic*, [text](https://link) (http, https, mailto and same-origin links, read
 * as a browser reads them: links.ts; any other link keeps its words only).
 */
import { Lru } from '../platform/cache.ts';
import { sanitizeRichHtml, toPlainText, type TrustedHtml } from './sanitize.ts';
import { safeHref } from './links.ts';

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong'; text: string }
  | { type: 'em'; text: string }
  | { type: 'link'; text: string; href: string };

export type Block =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; content: Inline[]; number: number | null; id: string | null }
  | { type: 'pre'; text: string }
  | { type: 'list'; items: Inline[][] }
  | { type: 'quote'; content: Inline[] }
  | { type: 'html'; html: TrustedHtml };

const INLINE = /\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ type: 'text', text: text.slice(last, at) });
    if (m[1] !== undefined) out.push({ type: 'strong', text: m[1] });
    else if (m[2] !== undefined) out.push({ type: 'em', text: m[2] });
    else {
      const href = safeHref(m[4]);
      out.push(href === null ? { type: 'text', text: m[3] } : { type: 'link', text: m[3], href });
    }
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

/** True when `href` may be rendered as a link (safeHref in links.ts gives the address to render). */
export function isSafeHref(href: string): boolean {
  return safeHref(href) !== null;
}

/** Numbered cable paragraphs (`3. (C) text`) get an anchor id `p3`. */
const NUMBERED = /^(\d{1,3})\.\s/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      i++; // closing fence (or end of text)
      if (line.trim() === '```html')
        blocks.push({ type: 'html', html: sanitizeRichHtml(body.join('\n')) });
      else blocks.push({ type: 'pre', text: body.join('\n') });
      continue;
    }
    const heading = /^#{1,4}\s+(.+)$/.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', text: heading[1].trim() });
      i++;
      continue;
    }
    if (/^[-*]\s+/.test(line)) {
      const items: Inline[][] = [];
      while (i < lines.length && /^[-*]\s+/.test(lines[i])) {
        let item = lines[i].replace(/^[-*]\s+/, '');
        i++;
        while (i < lines.length && /^\s{2,}\S/.test(lines[i])) item += ' ' + lines[i++].trim();
        items.push(parseInline(item));
      }
      blocks.push({ type: 'list', items });
      continue;
    }
    if (line.startsWith('>')) {
      const body: string[] = [];
      while (i < lines.length && lines[i].startsWith('>'))
        body.push(lines[i++].replace(/^>\s?/, ''));
      blocks.push({ type: 'quote', content: parseInline(body.join(' ')) });
      continue;
    }
    const body: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() !== '' &&
      !lines[i].startsWith('```') &&
      !/^#{1,4}\s/.test(lines[i])
    ) {
      body.push(lines[i++].trim());
    }
    const text = body.join(' ');
    const num = NUMBERED.exec(text);
    const number = num ? Number(num[1]) : null;
    blocks.push({
      type: 'paragraph',
      content: parseInline(text),
      number,
      id: number ? `p${number}` : null,
    });
  }
  return blocks;
}

const parsed = new Lru<string, Block[]>(1000);

/** parseMarkdown, remembered by a key that changes whenever the source does (id + updated time). */
export function parseMarkdownCached(key: string, source: string): Block[] {
  let blocks = parsed.get(key);
  if (!blocks) {
    blocks = parseMarkdown(source);
    parsed.set(key, blocks);
  }
  return blocks;
}

/** Plain text of a body (for teasers, feeds and search). */
export function markdownToText(source: string): string {
  return parseMarkdown(source)
    .map((b) => {
      switch (b.type) {
        case 'heading':
        case 'pre':
          return b.text;
        case 'paragraph':
        case 'quote':
          return b.content.map((c) => c.text).join('');
        case 'list':
          return b.items.map((it) => '- ' + it.map((c) => c.text).join('')).join('\n');
        case 'html':
          return toPlainText(b.html);
      }
    })
    .join('\n\n');
}

/** URL slug from a title: lower case ASCII words joined by hyphens, at most 80 characters. */
export function slugify(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length <= 80) return s || 'story';
  return s.slice(0, 80).replace(/-[^-]*$/, '') || s.slice(0, 80);
}
