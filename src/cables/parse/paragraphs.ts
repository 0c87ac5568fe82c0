/** Numbered paragraphs with portion markings, and the summary. */
import type { Paragraph } from './types.ts';

const PARA_START_RE =
  /^[ \t]*(?:[A-Z]-)?(\d{1,3})[ \t]*[.)][ \t]*(?:\(([A-Za-z]{1,4}(?:[ \t]*\/\/?[ \t]*[A-Za-z ]{1,20}?)*)\)[ \t]*)?(?=\S)/gm;
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
  for (let pos = 0; pos <= n;) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let f = pos;
    while (f < eol && ((c = text.charCodeAt(f)) === 32 || c === 9)) f++;
    if (
      f < eol &&
      ((c >= 48 && c <= 57) || (c >= 65 && c <= 90 && text.charCodeAt(f + 1) === 45))
    ) {
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
      out.push({
        number: null,
        marking: mk && MARKING_OK_RE.test(mk[1]) ? mk[1] : null,
        text: mk ? t.slice(mk[0].length) : t,
      });
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

const DASHES = '-=\u2010\u2011\u2012\u2013\u2014';
const SUMMARY_START_RE = new RegExp(
  String.raw`(?:^|\n)[ \t]*(?:\d{1,2}[ \t]*\.[ \t]*)?(?:\([A-Z/ ]{1,12}\)[ \t]*)?(?:BEGIN[ \t]+)?SUMM?AR?Y` +
    String.raw`(?:[ \t]+(?:AND|&)[ \t]+(?:TABLE[ \t]+OF[ \t]+CONTENTS|[A-Z]+(?:[ \t]+[A-Z]+)?))?(?:[ \t]*\/[ \t]*COMMENT)?` +
    String.raw`[ \t]*(?:[:.-]+|(?=\n)|(?=[${DASHES}]{3,})|[ \t]+(?=[A-Z]))`,
  'i',
);
/** END SUMMARY; END and SUMMARY may sit on two lines (`End\nSummary.`). */
const SUMMARY_END_RE =
  /\(?\bEND[ \t]*\n?[ \t]*(?:OF[ \t]+)?SUMM?AR?Y(?:[ \t]+(?:AND|&)[ \t]+[A-Z]+(?:[ \t]+[A-Z]+)?)?(?:[ \t]*\/[ \t]*COMMENT)?\b[ \t]*\.?\)?/i;
const SUMMARY_START_SEARCH_RE = new RegExp(SUMMARY_START_RE.source, 'gi');
const SUMMARY_END_SEARCH_RE = new RegExp(SUMMARY_END_RE.source, 'gi');
const SUM_RE = /sum/gi;

/**
 * `re` (global) run from the start of the line before the one holding the first `sum`: every match
 * of the SUMMARY patterns holds `sum` on the line it starts on or the next, and a plain search is
 * much cheaper than the full patterns over a whole body.
 */
function execFromSum(re: RegExp, text: string, from = 0): RegExpExecArray | null {
  return execFromSumAt(re, text, from, sumIndex(text, from));
}

/** Index of the first `sum` (any case) at or after `from`, or -1. */
function sumIndex(text: string, from: number): number {
  SUM_RE.lastIndex = from;
  return SUM_RE.exec(text) ? SUM_RE.lastIndex - 3 : -1;
}

/** `execFromSum` with the `sum` search already done (`at` = its result). */
function execFromSumAt(re: RegExp, text: string, from: number, at: number): RegExpExecArray | null {
  if (at < 0) return null;
  const line = text.lastIndexOf('\n', at);
  re.lastIndex = Math.max(from, line > 0 ? text.lastIndexOf('\n', line - 1) : 0);
  return re.exec(text);
}
const LEADING_PARA_RE = new RegExp(
  String.raw`^\s*(?:[${DASHES}]{3,}\s*)?(?:\d{1,2}[ \t]*\.[ \t]*)?(?:\([A-Z/ ]{1,12}\)[ \t]*)?`,
  'i',
);
const LINE_PARA_RE = /^[ \t]*\d{1,2}[ \t]*\.[ \t]*(?:\([A-Z/ ]{1,12}\)[ \t]*)?/i;
const RULE_LINE_RE = new RegExp(String.raw`^[${DASHES}]{3,}$`);
/** Where a summary without an end marker stops: blank line, heading rule, next paragraph. */
const SUMMARY_STOP_RE = new RegExp(
  String.raw`\n[ \t]*\n|\n?[ \t]*[${DASHES}]{3,}|\n[ \t]*\d{1,2}\.[ \t]`,
);
const PARA_ONE_RE = /(?:^|\n)[ \t]*1[ \t]*\.[ \t]*(?!\d)/;

/**
 * The summary for display: the text between `SUMMARY:` and `END SUMMARY` (or, without an end
 * marker, up to a blank line, a heading rule or the next paragraph; without a start marker but
 * with an end marker, paragraph 1 up to the end marker). The original line breaks are kept;
 * paragraph numbers, portion markings, blank lines and heading rules inside it are dropped and
 * each line is trimmed. Null if there is none.
 */
export function parseSummary(text: string): string | null {
  // both searches start from the same first `sum`
  const firstSum = sumIndex(text, 0);
  const m = execFromSumAt(SUMMARY_START_SEARCH_RE, text, 0, firstSum);
  let s: string;
  const firstEnd = execFromSumAt(SUMMARY_END_SEARCH_RE, text, 0, firstSum);
  if (firstEnd && (!m || m.index >= firstEnd.index)) {
    // no start marker before the end marker: paragraph 1 up to it
    const head = text.slice(0, firstEnd.index);
    const p1 = PARA_ONE_RE.exec(head);
    if (!p1) return null;
    s = head.slice(p1.index + p1[0].length);
  } else {
    if (!m) return null;
    let rest = text.slice(m.index + m[0].length);
    const end = execFromSum(SUMMARY_END_SEARCH_RE, rest);
    if (end && end.index < 8000) s = rest.slice(0, end.index);
    else {
      rest = rest.replace(LEADING_PARA_RE, '');
      const stop = SUMMARY_STOP_RE.exec(rest);
      s = stop ? rest.slice(0, stop.index) : rest.slice(0, 3000);
    }
  }
  s = s.replace(LEADING_PARA_RE, '');
  const lines: string[] = [];
  for (const raw of s.split('\n')) {
    let line = raw.replace(LINE_PARA_RE, '');
    // collapsing runs of spaces and tabs changes nothing when there is no tab and no double space
    if (line.includes('\t') || line.includes('  ')) line = line.replace(/[ \t]+/g, ' ');
    line = line.trim();
    if (line && !RULE_LINE_RE.test(line)) lines.push(line);
  }
  return lines.length ? lines.join('\n') : null;
}
