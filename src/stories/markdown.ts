/**
 * Markdown for everything people write on Broadsheet (stories, press releases, the newsletter's
 * introduction): CommonMark through markdown-it, with GFM tables, rendered to HTML that then goes
 * through the sanitiser (sanitize.ts), so what comes out is `TrustedHtml`. Raw HTML in the source
 * keeps only what the sanitiser allows (formatting, safe links); scripts, styles, handlers go.
 *
 * Broadsheet's extras (markdown-it plugins in this module):
 *   - Numbered cable paragraphs get an anchor id `pN`: a paragraph written `3\. text` (the
 *     backslash keeps CommonMark from reading a list), or a line `3. (C) text` that starts with a
 *     classification marking, which is never a list item.
 *   - A fenced block with the info string `html` is a trusted HTML block: its HTML goes through the
 *     sanitiser (licensed press releases are published this way).
 * Links and images pass the one address check (links.ts): javascript:, data:, protocol-relative
 * and similar addresses leave the link's words as text. `#` headings render as `<h2>` (the page
 * title is the only `<h1>`).
 */
import markdownIt, {
  type MarkdownIt,
  type StateBlock,
  type StateCore,
  type Token,
} from 'markdown-it';
import { Lru } from '../platform/cache.ts';
import {
  sanitizeMarkdownHtml,
  sanitizeRichHtml,
  toPlainText,
  type TrustedHtml,
} from './sanitize.ts';
import { safeHref } from './links.ts';

export interface MarkdownOptions {
  /** Links and images (default true). Without them a link keeps its words only. */
  links?: boolean;
}

/** A line that starts a numbered cable paragraph with its marking: `3. (C) `, `12. (S/NF) `. */
const MARKED = /^(\d{1,3})\. \((?:U|C|S|TS|SBU|FOUO|LOU|CUI)(?:[/ ][A-Z]{1,6})*\)(?:\s|$)/;
/** Source of a paragraph written with an escaped number: `3\. text`. */
const ESCAPED = /^(\d{1,3})\\\. /;

/** Block rule: a marked cable paragraph, up to the next blank line, as one paragraph. */
function cableParagraph(
  state: StateBlock,
  startLine: number,
  endLine: number,
  silent: boolean,
): boolean {
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const m = MARKED.exec(state.src.slice(start, state.eMarks[startLine]));
  if (!m) return false;
  if (silent) return true;
  let next = startLine + 1;
  while (next < endLine && !state.isEmpty(next)) next++;
  const open = state.push('paragraph_open', 'p', 1);
  open.map = [startLine, next];
  open.attrSet('id', `p${Number(m[1])}`);
  const inline = state.push('inline', '', 0);
  inline.content = state.getLines(startLine, next, state.blkIndent, false).trim();
  inline.map = [startLine, next];
  inline.children = [];
  state.push('paragraph_close', 'p', -1);
  state.line = next;
  return true;
}

/** Core rule: a paragraph written `3\. text` gets the anchor `p3`. */
function escapedNumbers(state: StateCore): void {
  const t = state.tokens;
  for (let i = 0; i + 1 < t.length; i++) {
    if (t[i].type !== 'paragraph_open' || t[i].attrGet('id') || t[i].level !== 0) continue;
    const m = ESCAPED.exec(t[i + 1].content);
    if (m) t[i].attrSet('id', `p${Number(m[1])}`);
  }
}

/**
 * Core rule: every link and image address rewritten to what links.ts renders; a link it refuses
 * keeps its words only, an image its description.
 */
function checkedAddresses(state: StateCore): void {
  for (const block of state.tokens) {
    if (!block.children) continue;
    const out: Token[] = [];
    const dropped: boolean[] = [];
    for (const tok of block.children) {
      if (tok.type === 'link_open') {
        const href = safeHref(String(tok.attrGet('href') ?? ''));
        dropped.push(href === null);
        if (href === null) continue;
        tok.attrSet('href', href);
      } else if (tok.type === 'link_close') {
        if (dropped.pop()) continue;
      } else if (tok.type === 'image') {
        const src = safeHref(String(tok.attrGet('src') ?? ''), 'image');
        if (src === null) {
          const text = new state.Token('text', '', 0);
          text.content = tok.content;
          out.push(text);
          continue;
        }
        tok.attrSet('src', src);
      }
      out.push(tok);
    }
    block.children = out;
  }
}

function makeParser(opts: Required<MarkdownOptions>): MarkdownIt {
  const md = markdownIt('default', { html: true, linkify: false, typographer: false });
  // The destination as the author wrote it (markdown-it would percent-encode it first); the one
  // address check decides in checkedAddresses.
  md.normalizeLink = (url) => url;
  md.validateLink = () => true;
  if (!opts.links) md.disable(['link', 'image', 'autolink', 'reference', 'linkify']);
  md.block.ruler.before('list', 'cable_paragraph', cableParagraph);
  md.core.ruler.push('cable_numbers', escapedNumbers);
  md.core.ruler.push('checked_addresses', checkedAddresses);
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) =>
    tokens[idx].info.trim() === 'html'
      ? `<div class="release-html">${sanitizeRichHtml(tokens[idx].content)}</div>\n`
      : fence(tokens, idx, options, env, self);
  return md;
}

const parsers = { links: makeParser({ links: true }), plain: makeParser({ links: false }) };
const parserFor = (o: MarkdownOptions = {}) => (o.links === false ? parsers.plain : parsers.links);

/** Markdown rendered to sanitised HTML. */
export function renderMarkdown(source: string, opts: MarkdownOptions = {}): TrustedHtml {
  return sanitizeMarkdownHtml(parserFor(opts).render(source));
}

/**
 * The same HTML cut into its top-level blocks (paragraphs, headings, lists, tables…), each
 * sanitised on its own, so a page can put something between them (the story's ad slot).
 */
export function renderMarkdownBlocks(
  source: string,
  opts: MarkdownOptions = {},
): Array<{ html: TrustedHtml; paragraph: boolean }> {
  const md = parserFor(opts);
  const tokens = md.parse(source, {});
  const out: Array<{ html: TrustedHtml; paragraph: boolean }> = [];
  let from = 0;
  let depth = 0;
  tokens.forEach((tok, i) => {
    depth += tok.nesting;
    if (depth !== 0) return;
    const html = md.renderer.render(tokens.slice(from, i + 1), md.options, {});
    out.push({
      html: sanitizeMarkdownHtml(html),
      paragraph: tokens[from].type === 'paragraph_open',
    });
    from = i + 1;
  });
  return out;
}

const rendered = new Lru<string, Array<{ html: TrustedHtml; paragraph: boolean }>>(1000);

/** renderMarkdownBlocks, remembered by a key that changes whenever the source does (id + updated time). */
export function renderMarkdownBlocksCached(
  key: string,
  source: string,
): Array<{ html: TrustedHtml; paragraph: boolean }> {
  let blocks = rendered.get(key);
  if (!blocks) {
    blocks = renderMarkdownBlocks(source);
    rendered.set(key, blocks);
  }
  return blocks;
}

function inlineText(children: Token[]): string {
  let s = '';
  for (const c of children) {
    if (c.type === 'text' || c.type === 'code_inline') s += c.content;
    else if (c.type === 'softbreak') s += ' ';
    else if (c.type === 'hardbreak') s += '\n';
    else if (c.type === 'image') s += c.content;
  }
  return s;
}

/**
 * Plain text of a body (teasers, feeds, search, the text part of mails): the words, a blank line
 * between blocks, `- ` before list items (`1. ` in numbered lists), table cells separated by ` | `,
 * and link addresses after their words when `links` is set (site paths made absolute with `baseUrl`).
 */
export function markdownToText(
  source: string,
  opts: { links?: boolean; baseUrl?: string } = {},
): string {
  const tokens = parserFor().parse(source, {});
  const blocks: string[] = [];
  // Lines of the list or table being read (joined by single line breaks).
  let group: string[] | null = null;
  let line = '';
  const lists: Array<{ ordered: boolean; n: number }> = [];
  let cells: string[] | null = null;
  const flush = () => {
    if (line.trim()) (group ?? blocks).push(line.trimEnd());
    line = '';
  };
  for (const tok of tokens) {
    switch (tok.type) {
      case 'bullet_list_open':
      case 'ordered_list_open':
        flush();
        if (!lists.length) group = [];
        lists.push({
          ordered: tok.type === 'ordered_list_open',
          n: Number(tok.attrGet('start') ?? 1),
        });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        flush();
        lists.pop();
        if (!lists.length && group) {
          blocks.push(group.join('\n'));
          group = null;
        }
        break;
      case 'list_item_open': {
        flush();
        const l = lists[lists.length - 1];
        line = '  '.repeat(lists.length - 1) + (l.ordered ? `${l.n++}. ` : '- ');
        break;
      }
      case 'table_open':
        group = [];
        break;
      case 'table_close':
        blocks.push((group ?? []).join('\n'));
        group = null;
        break;
      case 'tr_open':
        cells = [];
        break;
      case 'tr_close':
        group?.push((cells ?? []).join(' | '));
        cells = null;
        break;
      case 'inline': {
        let text = '';
        if (!opts.links) text = inlineText(tok.children ?? []);
        else {
          // Words followed by the address: "the report (https://…)".
          let href: string | null = null;
          for (const c of tok.children ?? []) {
            if (c.type === 'link_open') href = String(c.attrGet('href') ?? '') || null;
            else if (c.type === 'link_close') {
              if (href)
                text += ` (${href.startsWith('/') && opts.baseUrl ? opts.baseUrl + href : href})`;
              href = null;
            } else text += inlineText([c]);
          }
        }
        if (cells) cells.push(text.trim());
        else line += (line && !/\s$/.test(line) ? ' ' : '') + text;
        break;
      }
      case 'fence':
      case 'code_block':
        flush();
        blocks.push(
          tok.info.trim() === 'html' ? toPlainText(tok.content) : tok.content.replace(/\n$/, ''),
        );
        break;
      case 'paragraph_close':
      case 'heading_close':
        if (!lists.length) flush();
        break;
      case 'hr':
        flush();
        blocks.push('----');
        break;
    }
  }
  flush();
  return blocks.join('\n\n');
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
