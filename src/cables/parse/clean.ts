/** Text normalisation shared by all extractors: entities, line ends, ¶ marks, section/page markers. */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
};
const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g;

/** Decodes HTML character references (`&#8217;`, `&#x000A;`, `&amp;`). Unknown names stay as written. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(
    ENTITY_RE,
    (m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      let cp: number | undefined;
      if (dec) cp = parseInt(dec, 10);
      else if (hex) cp = parseInt(hex, 16);
      else if (name) return NAMED_ENTITIES[name.toLowerCase()] ?? m;
      if (cp === undefined || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return m;
      return String.fromCodePoint(cp);
    },
  );
}

const CR_RE = /\r\n?/g;
const PILCROW_RE = /\u00b6[ \t]?/g;
const NUL_RE = /\u0000+/g;
const ESCAPED_NL_RE = /\\[ \t]*\n/g;

/** Line ends to `\n`, entities decoded, `¶` display marks and NUL bytes removed, csv `\`-newlines joined. */
export function normalizeText(s: string): string {
  let t = s;
  if (t.indexOf('\r') >= 0) t = t.replace(CR_RE, '\n');
  t = decodeEntities(t);
  if (t.indexOf('\u00b6') >= 0) t = t.replace(PILCROW_RE, '');
  if (t.indexOf('\u0000') >= 0) t = t.replace(NUL_RE, '');
  if (t.indexOf('\\') >= 0) t = t.replace(ESCAPED_NL_RE, '\n');
  return t;
}

/**
 * Text as written in the other distributions (CRLF, entities such as `&#x000A;`, csv
 * `\`-newlines, no-break spaces: FORMAT.md §1, §10) made plain, so that fields and their ends are
 * found on lines as the cable has them; text that has none of these is returned as it is.
 */
export function plainText(text: string): string {
  if (
    (text.includes('\r') ||
      text.includes('\u00a0') ||
      text.includes('&') ||
      text.includes('\\\n')) &&
    /[\r\u00a0]|&#?\w+;|\\\n/.test(text)
  )
    return normalizeText(text).replace(/\u00a0/g, ' ');
  return text;
}

/** `BERLIN 00001167  002 OF 004`, `BLA 0000001 003.2 OF 39` — a section/page marker line. */
export const SECTION_MARKER_RE =
  /^[ \t]*[A-Z][A-Z .'-]{1,30}?[ \t]+\d{4,8}[ \t]+\d{1,3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{1,3}[ \t]*$/gm;
/** Pre-2004 page line: `PAGE 02 HARARE 06677 01 OF 03 291400Z` (may be followed by text). */
export const PAGE_LINE_RE =
  /^[ \t]*PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,7}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?[ \t]+\d{6}Z[ \t]*/gm;

// The same patterns for one line (sticky at the line start, `$` = end of the line). Multi-line `^`
// regexes make V8 try every character of a body; walking the lines with indexOf and testing only
// lines whose first/last character can start/end a match is several times faster.
const SECTION_MARKER_LINE_RE =
  /[ \t]*[A-Z][A-Z .'-]{1,30}?[ \t]+\d{4,8}[ \t]+\d{1,3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{1,3}[ \t]*$/y;
const PAGE_LINE_START_RE =
  /[ \t]*PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,7}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?[ \t]+\d{6}Z[ \t]*/y;
/** Line separators other than `\n` that `^`/`$` would honour; texts with them take the regex path. */
const otherLineEnds = (s: string) =>
  s.includes('\r') || s.includes('\u2028') || s.includes('\u2029');

const isSpace = (c: number) => c === 32 || c === 9;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;

/** Index of the first character of `line` that is not a space or tab. */
function firstNonSpace(line: string): number {
  let i = 0;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  return i;
}

/** Index just past the last character of `line` that is not a space or tab. */
function lastNonSpaceEnd(line: string): number {
  let j = line.length;
  while (j > 0 && isSpace(line.charCodeAt(j - 1))) j--;
  return j;
}

/** One line with a section marker emptied and a page line prefix removed. */
function unmarkLine(line: string): string {
  const f = firstNonSpace(line);
  if (f === line.length) return line;
  const e = lastNonSpaceEnd(line);
  if (isDigit(line.charCodeAt(e - 1)) && isUpper(line.charCodeAt(f)) && line.includes('OF')) {
    SECTION_MARKER_LINE_RE.lastIndex = 0;
    if (SECTION_MARKER_LINE_RE.test(line)) return '';
  }
  if (line.startsWith('PAGE', f)) {
    PAGE_LINE_START_RE.lastIndex = 0;
    const m = PAGE_LINE_START_RE.exec(line);
    if (m) return line.slice(m[0].length);
  }
  return line;
}

// Sticky forms run on the whole text at a line start: `$` (multi-line) is the end of that line, as no
// character class of the patterns matches `\n` (texts with other line ends take the regex path).
const SECTION_MARKER_AT_RE = new RegExp(SECTION_MARKER_LINE_RE.source, 'my');
const PAGE_LINE_AT_RE = new RegExp(PAGE_LINE_START_RE.source, 'y');

/** Removes section markers and page lines (keeps the text following a page line on its line). */
export function removeMarkers(s: string): string {
  if (otherLineEnds(s)) return s.replace(SECTION_MARKER_RE, '').replace(PAGE_LINE_RE, '');
  // same as `unmarkLine` on every line, without slicing the unchanged lines out of the text
  let out = '';
  let copied = 0; // s[0, copied) is in `out`
  let pos = 0;
  let nextOf = -2; // index of the next 'OF' at or after `pos` (-1: none)
  const n = s.length;
  while (pos <= n) {
    let eol = s.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let f = pos;
    while (f < eol && isSpace(s.charCodeAt(f))) f++;
    if (f < eol) {
      let e = eol;
      while (e > pos && isSpace(s.charCodeAt(e - 1))) e--;
      let u: string | null = null;
      if (isDigit(s.charCodeAt(e - 1)) && isUpper(s.charCodeAt(f))) {
        if (nextOf !== -1 && nextOf < pos) nextOf = s.indexOf('OF', pos);
        if (nextOf >= 0 && nextOf + 2 <= eol) {
          SECTION_MARKER_AT_RE.lastIndex = pos;
          if (SECTION_MARKER_AT_RE.test(s)) u = '';
        }
      }
      if (u === null && s.startsWith('PAGE', f)) {
        PAGE_LINE_AT_RE.lastIndex = pos;
        const m = PAGE_LINE_AT_RE.exec(s);
        if (m) u = s.slice(pos + m[0].length, eol);
      }
      if (u !== null && u.length !== eol - pos) {
        out += s.slice(copied, pos) + u;
        copied = eol;
      }
    }
    pos = eol + 1;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

const CLEAN_PARA_RE = /^[ \t]*(?:\d{1,3}|[A-Z])\.[ \t]*(?:\([A-Za-z /]{1,20}\)[ \t]*)?/gm;
const HEADING_DELIM_RE = /^[ \t]*[-=]{3,}[ \t]*$/gm;
const SIPDIS_LINE_RE = /\n+[ \t]*SIPDIS[ \t]*(?=\n|$)/g;
const SUMMARY_START_RE =
  /^(?:Summary(?:[ \t]+(?:and|&)[ \t]+[A-Za-z]+(?:[ \t]+[A-Za-z]+)?)?[ \t]*[.:-][ \t]*)/gim;
const SUMMARY_END_RE = /End[ \t]+(?:of[ \t]+)?Summary(?:[ \t]+(?:and|&)[ \t]+[A-Za-z]+)?\.?/gi;
const XXX_RE = /(?<![xX])xxx(?![xX])/g;

// line forms of the patterns above
const CLEAN_PARA_LINE_RE = /[ \t]*(?:\d{1,3}|[A-Z])\.[ \t]*(?:\([A-Za-z /]{1,20}\)[ \t]*)?/y;
const HEADING_DELIM_LINE_RE = /^[ \t]*[-=]{3,}[ \t]*$/;
const SUMMARY_START_LINE_RE =
  /(?:Summary(?:[ \t]+(?:and|&)[ \t]+[A-Za-z]+(?:[ \t]+[A-Za-z]+)?)?[ \t]*[.:-][ \t]*)/iy;

/**
 * Positions of `summ` in any letter case: only lines holding one are searched for END SUMMARY
 * (the full END SUMMARY regex, case-insensitive, is slow over a whole body).
 */
function summPositions(t: string): number[] {
  const out: number[] = [];
  SUMM_RE.lastIndex = 0;
  while (SUMM_RE.exec(t)) out.push(SUMM_RE.lastIndex - 4);
  return out;
}
const SUMM_RE = /summ/gi;

/** The line-by-line form of the cleaning regexes (same result; see `cleanMarkedRegex`). */
function cleanLines(t: string): string {
  // pass 1: paragraph numbers, heading rules, SIPDIS lines → kept line ranges [start, end)
  const starts: number[] = [];
  const ends: number[] = [];
  const n = t.length;
  let pos = 0;
  let c = 0;
  while (pos <= n) {
    let eol = t.indexOf('\n', pos);
    if (eol < 0) eol = n;
    const lineStart = pos;
    pos = eol + 1;
    let s = lineStart; // kept text starts here
    let f = s; // first character that is not a space or tab
    while (f < eol && ((c = t.charCodeAt(f)) === 32 || c === 9)) f++;
    if (f < eol) {
      // "1. (C) ", "A. " — only when a '.' follows a capital or 1–3 digits
      const c0 = t.charCodeAt(f);
      c = c0;
      let k = f;
      if (c0 >= 65 && c0 <= 90) k = f + 1;
      else while (k < eol && k - f < 3 && (c = t.charCodeAt(k)) >= 48 && c <= 57) k++;
      if (k > f && t.charCodeAt(k) === 46) {
        CLEAN_PARA_LINE_RE.lastIndex = lineStart;
        const m = CLEAN_PARA_LINE_RE.exec(t);
        if (m) {
          s = lineStart + m[0].length;
          f = s;
          while (f < eol && ((c = t.charCodeAt(f)) === 32 || c === 9)) f++;
        }
      }
    }
    if (f < eol) {
      c = t.charCodeAt(f);
      if (c === 45 || c === 61) {
        if (HEADING_DELIM_LINE_RE.test(t.slice(s, eol))) s = eol;
      } else if (c === 83 && lineStart > 0 && t.startsWith('SIPDIS', f)) {
        let e = f + 6;
        while (e < eol && ((c = t.charCodeAt(e)) === 32 || c === 9)) e++;
        if (e === eol) {
          // the SIPDIS line goes with the empty lines before it
          while (starts.length && starts[starts.length - 1] === ends[ends.length - 1]) {
            starts.pop();
            ends.pop();
          }
          continue;
        }
      }
    }
    starts.push(s);
    ends.push(eol);
  }
  // leading empty lines
  let first = 0;
  while (first < starts.length - 1 && starts[first] === ends[first]) first++;
  // pass 2: SUMMARY markers; runs of untouched consecutive lines are copied as one piece
  const cand = summPositions(t);
  let ci = 0;
  const pieces: string[] = [];
  let cs = -1;
  let ce = -1;
  for (let i = first; i < starts.length; i++) {
    let s = starts[i];
    const e = ends[i];
    const c1 = s < e ? t.charCodeAt(s) : 0;
    if (c1 === 83 || c1 === 115) {
      SUMMARY_START_LINE_RE.lastIndex = s;
      const m = SUMMARY_START_LINE_RE.exec(t);
      if (m) s += m[0].length;
    }
    while (ci < cand.length && cand[ci] < s) ci++;
    let changed: string | null = null;
    if (ci < cand.length && cand[ci] < e && e - s >= 11) {
      const line = t.slice(s, e);
      const r = line.replace(SUMMARY_END_RE, '');
      if (r !== line) changed = r;
    }
    if (changed === null && cs >= 0 && s === ce + 1) {
      ce = e;
      continue;
    }
    if (cs >= 0) pieces.push(t.slice(cs, ce));
    if (changed === null) {
      cs = s;
      ce = e;
    } else {
      pieces.push(changed);
      cs = -1;
    }
  }
  if (cs >= 0) pieces.push(t.slice(cs, ce));
  let r = pieces.join('\n');
  if (r.includes('xxx')) r = r.replace(XXX_RE, '');
  if (r.includes('\n\n\n')) r = r.replace(/\n{3,}/g, '\n\n');
  return r;
}

/** The cleaning steps as whole-text regexes (used for texts with unusual line separators). */
function cleanMarkedRegex(text: string): string {
  let t = text.replace(CLEAN_PARA_RE, '');
  t = t.replace(HEADING_DELIM_RE, '');
  t = t.replace(SIPDIS_LINE_RE, '').replace(/^\n+/, '');
  t = t.replace(SUMMARY_START_RE, '');
  t = t.replace(SUMMARY_END_RE, '');
  t = t.replace(XXX_RE, '');
  t = t.replace(/\n{3,}/g, '\n\n');
  return t;
}

/** `cleanContent` for a text that is already normalised and has its markers removed. */
export function cleanMarked(text: string): string {
  return otherLineEnds(text) ? cleanMarkedRegex(text) : cleanLines(text);
}

/**
 * Reading text for search and display: paragraph numbers and portion markings, section markers,
 * heading rules, SIPDIS lines and SUMMARY / END SUMMARY markers removed.
 */
export function cleanContent(text: string): string {
  return cleanMarked(removeMarkers(normalizeText(text)));
}
