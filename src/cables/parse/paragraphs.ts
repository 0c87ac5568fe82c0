/** Numbered paragraphs with portion markings, and the summary. */
import type { Paragraph } from './types.ts';

const PARA_START_RE = /^[ \t]*(?:[A-Z]-)?(\d{1,3})[ \t]*[.)][ \t]*(?:\(([A-Za-z]{1,4}(?:[ \t]*\/\/?[ \t]*[A-Za-z ]{1,20}?)*)\)[ \t]*)?(?=\S)/gm;
const MARKING_OK_RE = /^(?:U|SBU|C|S|TS)(?:\s*\/\/?\s*[A-Z][A-Z ]*)*$/;

const PARA_START_LINE_RE = new RegExp(PARA_START_RE.source.slice(1), 'y');

/**
 * Matches of PARA_START_RE, found by walking the lines and trying only lines whose first character
 * can start a paragraph number (a multi-line `^` regex tries every character of the text).
 */
function paragraphStarts(text: string): RegExpExecArray[] {
  if (text.includes('\r') || text.includes('\u2028') || text.includes('\u2029')) {
    PARA_START_RE.lastIndex = 0;
    return [...text.matchAll(PARA_START_RE)] as RegExpExecArray[];
  }
  const out: RegExpExecArray[] = [];
  const n = text.length;
  let c = 0;
  for (let pos = 0; pos <= n; ) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let f = pos;
    while (f < eol && ((c = text.charCodeAt(f)) === 32 || c === 9)) f++;
    if (f < eol && ((c >= 48 && c <= 57) || (c >= 65 && c <= 90 && text.charCodeAt(f + 1) === 45))) {
      PARA_START_LINE_RE.lastIndex = pos;
      const m = PARA_START_LINE_RE.exec(text);
      if (m) out.push(m);
    }
    pos = eol + 1;
  }
  return out;
}

/** Splits body text (after the caption) into numbered paragraphs; unnumbered text becomes one paragraph. */
export function parseParagraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  const starts: { idx: number; end: number; number: number; marking: string | null }[] = [];
  let expect = 1;
  for (const m of paragraphStarts(text)) {
    const n = +m[1];
    if (starts.length ? n !== expect && !(n > expect && n <= expect + 3) : n > 99) continue;
    let marking = m[2] ? m[2].toUpperCase().replace(/\s+/g, ' ').trim() : null;
    if (marking && !MARKING_OK_RE.test(marking)) marking = null;
    starts.push({ idx: m.index, end: m.index + m[0].length, number: n, marking });
    expect = n + 1;
  }
  if (!starts.length) {
    const t = text.trim();
    if (t) {
      const mk = /^\(([A-Z/ ]{1,12})\)[ \t]*/.exec(t);
      out.push({ number: null, marking: mk && MARKING_OK_RE.test(mk[1]) ? mk[1] : null, text: mk ? t.slice(mk[0].length) : t });
    }
    return out;
  }
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i];
    const stop = i + 1 < starts.length ? starts[i + 1].idx : text.length;
    out.push({ number: s.number, marking: s.marking, text: text.slice(s.end, stop).trim() });
  }
  return out;
}

const SUMMARY_START_RE =
  /(?:^|\n)[ \t]*(?:\d{1,2}[ \t]*\.[ \t]*)?(?:\([A-Z/ ]{1,12}\)[ \t]*)?(?:BEGIN[ \t]+)?SUMM?AR?Y(?:[ \t]+(?:AND|&)[ \t]+[A-Z]+(?:[ \t]+[A-Z]+)?)?(?:[ \t]*\/[ \t]*COMMENT)?[ \t]*(?:[:.-]+|(?=\n)|[ \t]+(?=[A-Z]))/i;
const SUMMARY_END_RE = /\(?\bEND[ \t]+(?:OF[ \t]+)?SUMM?AR?Y(?:[ \t]+(?:AND|&)[ \t]+[A-Z]+(?:[ \t]+[A-Z]+)?)?\b[ \t]*\.?\)?/i;
const SUMMARY_START_SEARCH_RE = new RegExp(SUMMARY_START_RE.source, 'gi');
const SUMMARY_END_SEARCH_RE = new RegExp(SUMMARY_END_RE.source, 'gi');
const SUM_RE = /sum/gi;

/**
 * `re` (global) run from the start of the line holding the first `sum`: every match of the
 * SUMMARY patterns holds `sum` on the line it starts on, and a plain search is much cheaper.
 */
function execFromSum(re: RegExp, text: string): RegExpExecArray | null {
  SUM_RE.lastIndex = 0;
  if (!SUM_RE.exec(text)) return null;
  re.lastIndex = Math.max(0, text.lastIndexOf('\n', SUM_RE.lastIndex - 3));
  return re.exec(text);
}
const LEADING_PARA_RE = /^\s*(?:-{3,}\s*)?(?:\d{1,2}[ \t]*\.[ \t]*)?(?:\([A-Z/ ]{1,12}\)[ \t]*)?/i;

/** Text between `SUMMARY:` and `END SUMMARY` (or up to a blank line), whitespace-joined; null if none. */
export function parseSummary(text: string): string | null {
  const m = execFromSum(SUMMARY_START_SEARCH_RE, text);
  if (!m) return null;
  let rest = text.slice(m.index + m[0].length);
  const end = execFromSum(SUMMARY_END_SEARCH_RE, rest);
  let s: string;
  if (end && end.index < 8000) s = rest.slice(0, end.index);
  else {
    rest = rest.replace(LEADING_PARA_RE, '');
    const blank = /\n[ \t]*\n|\n[ \t]*-{3,}|\n[ \t]*\d{1,2}\.[ \t]/.exec(rest);
    s = blank ? rest.slice(0, blank.index) : rest.slice(0, 3000);
  }
  s = s.replace(LEADING_PARA_RE, '');
  s = s.replace(/\s+/g, ' ').trim();
  return s || null;
}
