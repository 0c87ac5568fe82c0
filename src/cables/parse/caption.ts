/** The caption block of a body: E.O./declassification, SUBJECT, REF, Classified By + reasons. */
import { parseDeclDate } from './dtg.ts';
import {
  canonicalId,
  editDistance,
  nearestSameLength,
  nearestStation,
  normalizeStation,
  stationByPrefix,
  yearFromId,
} from './ids.ts';
import { decodeEntities, normalizeText, plainText, removeMarkers } from './clean.ts';
import { findLabel } from './labels.ts';
import { STATIONS } from './tables.ts';
import { tagKind } from './tags.ts';

/** How far into a body caption searches look (FORMAT.md §11). */
export const CAPTION_LIMIT = 2500;

// ---------------------------------------------------------------------------------------------
// E.O. line / declassification

const EO_RE = /\bE\.?[ \t]?O\.?[ \t]*\d{4,5}[ \t]*:?[ \t]*([^\n]*)/i;
const DECL_RE = /\bDECL(?:ASSIFY)?\b[ \t]*:?[ \t]*([^\n]*)/i;

/** Declassification date (`YYYY-MM-DD`), the marker as written (`OADR`), or null (`N/A`, none). */
export function parseDeclassify(caption: string): string | null {
  const eo = EO_RE.exec(caption);
  let text: string | null = null;
  if (eo) {
    const d = DECL_RE.exec(eo[1]);
    text = d ? d[1] : eo[1];
  } else {
    const d = /(?:^|\n)[ \t]*DECL[ \t]*:[ \t]*([^\n]*)/i.exec(caption);
    if (d) text = d[1];
  }
  if (text == null) return null;
  text = text.replace(/\b(?:TAGS?|SUBJ(?:ECT)?)\b.*$/i, '').trim();
  if (!text || /^N\/?A\b/i.test(text)) return null;
  const date = parseDeclDate(text);
  if (date) return date;
  const nara = /(\d{1,2}\/\d{1,2}\/\d{2,4})/.exec(text);
  if (/DECLASSIFIED/i.test(text) && nara) return parseDeclDate(nara[1]);
  const marker = text
    .replace(/[.,;]+$/, '')
    .slice(0, 60)
    .trim();
  return marker || null;
}

// ---------------------------------------------------------------------------------------------
// SUBJECT

const SUBJECT_RE = /(?:^|\n|[ \t]|(?<=[A-Za-z0-9)]))(?:S?UBJECT|SUBJ)[ \t]*:[ \t]*/;
const SUBJECT_LINE_RE = /(?:^|\n)[ \t]*(?:S?UBJECT|SUBJ)\b[ \t]*[:.]?[ \t]*/i;
const SUBJECT_END_RE =
  /\n[ \t]*\n|\n[ \t]*(?:(?:REF|REFS|REFTEL|REFTELS|PROGRAM REF|Classified|CLASSIFIED|SUMMARY|Summary|BEGIN SUMMARY|SENSITIVE BUT|Sensitive but|This is an action request|E\.O\.|TAGS|NOFORN|SIPDIS|PAGE)\b|REF\(S\)|E\.?[ \t]?O\.?[ \t]*1\d{4}\b|DECL(?:ASSIFY)?[ \t]*:|\d{1,2}[.)]|\(?[A-Z]\)[ \t]|\([A-Z/ ]{1,12}\)[ \t]|C O N|S E C R E T|-{3,}|[A-Z][A-Z .'-]*[ \t]+\d{4,8}[ \t]+\d{3}(?:\.\d)?[ \t]+OF)|[ \t]REF(?:S|TEL|TELS|\(S\))?[ \t]*:|[ \t]\d{1,2}\.[ \t]*(?:\([A-Z/ ]{1,12}\)[ \t]*)?(?:Summary|SUMMARY)|Classified By|CLASSIFIED BY|[ \t]Sensitive but|[ \t]SENSITIVE BUT|[ \t]SIPDIS|[ \t]This is an action request|[ \t]\((?:U|SBU|C|S|TS)(?:\/\/?[A-Z]+)*\)[ \t]*SUMMARY\b|[ \t]1\.[ \t]*\((?:U|SBU|C|S|TS)(?:\/\/?[A-Z]+)*\)[ \t]/i;
/**
 * A portion mark before the subject (FORMAT.md §5): the level (`U`, `SBU`, `C`, `S`, `TS`), caveats
 * after `/` or `//` (`NF`, `FOUO`, `REL NATO`) or a space (`C NF`), and a dash or colon after it.
 */
const PORTION_PREFIX_RE =
  /^\(\s*(?:U|SBU|C|S|TS)(?:\s*\/\/?\s*(?:REL(?:[\s,]+[A-Z]+){1,4}|[A-Z]+)|\s+(?:NF|NOFORN|FOUO)){0,4}\s*\)[ \t]*(?:[-:][ \t]*)?/i;

/** Subject text from a caption ('' when none); `stripPortion` removes a leading `(C)`-style marking. */
export function parseSubject(caption: string, stripPortion = true): string {
  return readSubject(plainText(caption), stripPortion).subject;
}

/** The subject and, when its label was misspelt, the label as written. */
export function readSubject(
  caption: string,
  stripPortion = true,
): { subject: string; written?: string } {
  let m = SUBJECT_LINE_RE.exec(caption);
  if (!m) m = SUBJECT_RE.exec(caption);
  const hit = findLabel(caption, 'SUBJECT', 0, m ? m.index + m[0].length : caption.length);
  if (!m && !hit) return { subject: '' };
  let start: number;
  let written: string | undefined;
  if (hit && (!m || hit.index <= m.index + (m[0].length - m[0].trimStart().length))) {
    start = hit.end;
    if (!hit.exact) written = hit.written;
  } else start = m!.index + m![0].length;
  const subject = subjectFrom(caption.slice(start), stripPortion);
  return written && subject ? { subject, written } : { subject };
}

/**
 * A REF label in capitals in the subject, the subject running straight into it without a colon
 * (`SUBJECT: TALKS REF A. LIMA 1`, `… TALKS. REF (A) LIMA 1`, `… TALKS REF LIMA 1`,
 * `… TALKSREF: LIMA 1`, `… RuritaniaREF A. LIMA 1`): it needs a lettered item or a station and a
 * serial right after it. Written `Ref` it needs a marked item (`… Fleet Ref A) London 2351`). The
 * label is a word of its own (`REFUGEE CAMP 12` is none), and glued to the word before it only
 * as REF, REFS or REFTEL (`PREFERENCES 2009` is none).
 */
const REF_IN_SUBJECT_RE =
  /(?:(?:[ \t](?:REFTELS?|REFS?|REFERENCES?)|(?<=[A-Za-z])(?:REFTELS?|REFS?))(?![A-Za-z])(?:[ \t]*[.:;,-]+)?[ \t]*(?=\(?[A-Z][.)][ \t]*[A-Z0-9]|\([A-Z]\)|(?:[A-Z]\s+)?(?:(?:19|20)?\d{2}\s+)?[A-Z][A-Za-z]{2,}(?:[ \t]+[A-Z][A-Za-z]+){0,2}\s+\d)|(?<=[ \t])(?:Reftels?|Refs?)[ \t]*(?=\(?[A-Z][.)][ \t]*[A-Z0-9]|\([A-Z]\)))/;

const GLUED_REF_RE = /[A-Za-z]REF(?:S|TELS?)?[ \t]*[:;][ \t]*(?:\(?[A-Z][.)]|\d|[A-Z]{4,})/;

/**
 * The E.O. line or the TAGS line glued to the end of a subject (a caption reflowed onto fewer lines,
 * FORMAT.md §1.3, §4: the fields in another order): `… TALKS E.O. 12958: DECL: …`, `… TALKS TAGS:
 * PREL PGOV`. A TAGS word counts only before two TAG codes, one of them a subject or program TAG
 * (`PRICE TAGS RISE` stays in the subject).
 */
const GLUED_EO_RE = /[ \t]E\.?[ \t]?O\.?[ \t]*1\d{4}\b/;
const GLUED_TAGS_RE =
  /[ \t](?:TAGS?|Tags)[ \t]*[:;,.-]?[ \t]*([A-Za-z]{2,4})[ \t]*[,;]?[ \t]+([A-Za-z]{2,4})(?![A-Za-z])/g;

function gluedCaptionField(head: string): number {
  const eo = GLUED_EO_RE.exec(head);
  let at = eo ? eo.index + 1 : -1;
  if (head.includes('TAG') || head.includes('Tag')) {
    GLUED_TAGS_RE.lastIndex = 0;
    for (let m; (m = GLUED_TAGS_RE.exec(head));) {
      if (at >= 0 && m.index > at) break;
      const kinds = [tagKind(m[1]), tagKind(m[2])];
      const codes = kinds.every((k) => k === 'subject' || k === 'program' || k === 'geo');
      if (codes && kinds.some((k) => k !== 'geo')) {
        at = m.index + 1;
        break;
      }
    }
  }
  return at;
}

/**
 * Index where a field that a subject runs into starts (REF, Classified By, the E.O. or TAGS line,
 * even mid-line), or -1.
 */
function nextFieldIn(rest: string, limit: number): number {
  const head = rest.slice(0, Math.min(limit + 12, 600));
  let ref: { index: number } | null = findLabel(head, 'REF');
  // glued to the last word with no space at all: "…TALKSREF: A. STATE 123"
  const glued = GLUED_REF_RE.exec(head);
  if (glued && (!ref || glued.index + 1 < ref.index)) ref = { index: glued.index + 1 };
  // a REF label with no colon, followed by a lettered item or a station and serial
  const bare = head.includes('REF') || head.includes('Ref') ? REF_IN_SUBJECT_RE.exec(head) : null;
  if (bare && (!ref || bare.index < ref.index)) ref = { index: bare.index };
  const cb = classifiedByAt(head);
  const at = [ref ? ref.index : -1, cb ? cb.index : -1, gluedCaptionField(head)].filter(
    (x) => x >= 0,
  );
  return at.length ? Math.min(...at) : -1;
}

/** Words a subject cannot end with: the line after a blank line continues it. */
const DANGLING_END_RE =
  /(?:^|[ \t])(?:THE|OF|AND|TO|FOR|IN|ON|A|AN|WITH|BY|AT|FROM|OR|-|--|&)[ \t]*$/;
/** A line that starts a field or a paragraph, never a subject's continuation. */
const SUBJECT_START_STOP_RE =
  /^[ \t]*(?:\d{1,2}[.)]|\(|[A-Z][A-Za-z]*[ \t]*(?:\(S\))?:|REF|Classified|CLASSIFIED|SUMMARY|Summary|SIPDIS|NOFORN|SENSITIVE)/;

function subjectFrom(rest: string, stripPortion: boolean): string {
  // subject on a following line after a blank (SUBJECT:\n\nText)
  if (/^[ \t]*\n/.test(rest)) {
    const lead = /^(?:[ \t]*\n)+/.exec(rest);
    if (lead) rest = rest.slice(lead[0].length);
    if (/^[ \t]*(?:\d+\.|\(|REF|Classified|CLASSIFIED)/.test(rest)) return '';
  }
  const end = SUBJECT_END_RE.exec(rest);
  let stop = end ? end.index : -1;
  const next = nextFieldIn(rest, stop >= 0 ? stop : 600);
  const glued = next >= 0 && (stop < 0 || next < stop);
  if (glued) stop = next;
  let s = stop >= 0 ? rest.slice(0, stop) : rest.slice(0, 400);
  // a double-spaced caption: a subject cut by a blank line after a word that cannot end it
  // ("… TO PROTECT THE\n\nENVIRONMENT") goes on with the next line when that is no field or paragraph
  for (
    let n = 0;
    n < 3 &&
    !glued &&
    end &&
    stop === end.index &&
    /^\n[ \t]*\n/.test(end[0]) &&
    DANGLING_END_RE.test(s);
    n++
  ) {
    const lead = /^(?:[ \t]*\n)+/.exec(rest.slice(stop));
    const more = rest.slice(stop + (lead ? lead[0].length : 0));
    if (
      !more.trim() ||
      SUBJECT_START_STOP_RE.test(more) ||
      SUBJECT_END_RE.exec('\n' + more)?.index === 0
    )
      break;
    const end2 = SUBJECT_END_RE.exec(more);
    const piece = end2 ? more.slice(0, end2.index) : more.split('\n')[0];
    s += '\n' + piece;
    if (!end2 || !/^\n[ \t]*\n/.test(end2[0])) break;
    rest = more;
    stop = end2.index;
  }
  // "SUBJECT: X; REF: …": the punctuation between the run-together fields is not the subject's
  // (also before a field found in the middle of the line: `… TALKS -- CLASSIFIED BY …`)
  const midLine = glued || (!!end && stop === end.index && !/^\n/.test(end[0]));
  if (midLine) s = s.replace(/[ \t]*[-:;,]+[ \t]*$/, '');
  else s = s.replace(/[ \t]*[;,][ \t]*$/, '');
  s = s
    .split('\n')
    .map((l) => l.replace(/\\\s*$/, '').trim())
    .filter(Boolean)
    .join(' ');
  s = s.replace(/\b(US|U\.S\.)-[ ]/g, '$1-').replace(/([A-Za-z])- (?=[A-Z])/g, '$1-');
  s = s.replace(/\s+/g, ' ').trim();
  s = decodeEntities(s);
  if (stripPortion) s = s.replace(PORTION_PREFIX_RE, '');
  return s.trim();
}

// ---------------------------------------------------------------------------------------------
// REF block

const REF_START_RE =
  /(?:^|\n)[ \t]*(?:PROGRAM[ \t]+)?(?:REF[ \t]*:[ \t]*)?(?:REFTELS?|REFS?|REF\(S\)|REFERENCES?)\b[ \t]*:?/i;
/**
 * Where a REF list ends: a Classified By line, a numbered paragraph (not a numbered item that is
 * only a station and a serial: `2. LIMA 55`; also `1.(C)`, `1 (C)`), a summary (also as a heading
 * `I. SUMMARY`), a paragraph opened by its portion mark when it is not numbered (`(SBU) …`, `(C) The
 * …`: a one-letter mark followed by a sentence, not by an item such as `(C) LIMA 55`), another field
 * of the caption (`E.O.`, `TAGS:`, `SUBJECT:`), a heading rule (`-----`) or a heading above one, the
 * handling line `SENSITIVE BUT UNCLASSIFIED` (anywhere), `This is an action request`, or two blank
 * lines not followed by the next item (lettered with a number within three lines, or with a second
 * mark, `B. (B) …`, or a line that opens with a station and a serial, as in a double-spaced list).
 */
const REF_END_RE =
  /\n[ \t]*¶?(?:Classified|CLASSIFIED|\(?U\)?[ \t]+CLASSIFIED|\d{1,2}\.[ \t](?![ \t]*(?:(?:19|20)?\d{2}[ \t]+)?[A-Z][A-Za-z .'-]*?[ \t]+\d{1,7}[ \t]*(?:\([A-Z ]+\))?[ \t]*(?:\n|$))|\d{1,2}\.?[ \t]*\((?:U|SBU|C|S|TS|u|sbu|c|s|ts)\b[^)\n]{0,14}\)|(?:BEGIN[ \t]+)?SUMMARY|Summary|(?:[IVX]{1,4}|[A-Z])\.[ \t]+(?:SUMMARY|Summary)\b|\([A-Z/ ]{1,12}\)[ \t]*(?:SUMMARY|Summary)|\((?:SBU|sbu|[Uu]\/\/?(?:FOUO|fouo)|[CScs]\/\/?(?:NF|nf|NOFORN|noforn|[Rr][Ee][Ll]\b[^)\n]{0,20})|SBU\/\/?NF|sbu\/\/?nf)\)|\((?:U|C|S|u|c|s)\)[ \t]+(?!(?:(?:19|20)?\d{2}[ \t]+)?[A-Z][A-Za-z'.-]*(?:[ \t]+[A-Z][A-Za-z'.-]*){0,3}[ \t]+\d)(?:[A-Z][a-z]+[ \t,]+[a-z]|(?:THE|THIS|BEGIN|ON|IN|the|this|begin|on|in)\b)|E\.?[ \t]?O\.?[ \t]*1\d{4}|(?:TAGS|Tags|SUBJECT|Subject|SUBJ)[ \t]*[:;]|[-=_]{4,}[ \t]*(?:\n|$)|[^\n\d]{1,80}\n[ \t]*[-=]{4,}[ \t]*(?:\n|$)|(?:This|THIS)[ \t]+(?:is|IS)[ \t]+(?:an|AN)[ \t]+(?:action|ACTION)\b)|(?:SENSITIVE|Sensitive|sensitive)[ \t]+(?:BUT|but|But)[ \t]+(?:UNCLASSIFIED|unclassified|Unclassified)|[Cc][ \t]*[Oo][ \t]*[Rr][ \t]*[Rr][ \t]*[Ee][ \t]*[Cc][ \t]*[Tt][ \t]*[Ee][ \t]*[Dd]\s+[Cc][ \t]*[Oo][ \t]*[Pp][ \t]*[Yy]|Classified By|CLASSIFIED BY|\n[ \t]*\n[ \t]*\n(?![ \t\n]*¶?(?:(?:(?:\([A-Za-z]\)|\[[A-Za-z]\]|[A-Za-z](?:\.\)?|\)))[ \t]*){2,}[A-Za-z0-9]|(?:(?:\([A-Za-z]\)|\[[A-Za-z]\]|[A-Za-z](?:\.\)?|\)))[ \t]*)+[A-Za-z0-9][^\n]*(?:\n[^\n]*){0,2}?\d|(?:(?:19|20)?\d{2}[ \t]+)?(?:[A-Z][A-Z'.-]*(?:[ \t]+[A-Z][A-Z'.-]*){0,2}|[A-Z][a-z'.-]*(?:[ \t]+[A-Z][a-z'.-]*){0,2}|[a-z][a-z'.-]*(?:[ \t]+[a-z][a-z'.-]*){0,2})[ \t]+\d{1,7}(?=[ \t]*(?:$|\n|[;,(]|[A-Za-z][.)]|\[[A-Za-z]\]|AND\b|and\b))))/;

const REF_START_AT_RE = new RegExp(REF_START_RE.source, 'iy');
const REF_INLINE_BEFORE_RE = /[ \t](?:REFTELS?|REFS?|REF\(S\))[ \t]*$/i;

/**
 * The first REF label written in the middle of a line with a colon (`… TALKS REFS: …`): a match
 * ends at a colon, so only the text before each colon is
 * tried (the case-insensitive pattern starting at every space is slow over a whole caption).
 */
function refInline(caption: string): { index: number; 0: string } | null {
  for (let c = caption.indexOf(':'); c >= 0; c = caption.indexOf(':', c + 1)) {
    const from = Math.max(0, c - 40);
    const m = REF_INLINE_BEFORE_RE.exec(caption.slice(from, c));
    if (m) return { index: from + m.index, 0: m[0] + ':' };
  }
  return null;
}

/**
 * `REF_START_RE.exec(caption)`: a match can only start at 0 or at a `\n`, and its first letter
 * (after spaces and tabs) is a P or an R, so only such lines are tried (the case-insensitive
 * regex with a leading alternation is slow over a whole caption).
 */
function refStart(caption: string): RegExpExecArray | null {
  const n = caption.length;
  for (let p = 0; p >= 0 && p < n; p = caption.indexOf('\n', p + 1)) {
    let f = caption.charCodeAt(p) === 10 ? p + 1 : p;
    let c = 0;
    while (f < n && ((c = caption.charCodeAt(f)) === 32 || c === 9)) f++;
    if (f >= n || (c !== 80 && c !== 112 && c !== 82 && c !== 114)) continue;
    REF_START_AT_RE.lastIndex = p;
    const m = REF_START_AT_RE.exec(caption);
    if (m) return m;
  }
  return null;
}

/**
 * Lines of the original printout that may interrupt a REF list: page heads (also with the routing
 * indicator and serial of the transmission and the banner: `PAGE 02 RUEHFRA2440 S E C R E T`), repeated
 * banners, caveats.
 */
const PRINTOUT_LINE_RE =
  /^[ \t]*(?:PAGE[ \t]+\d{1,3}(?:[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,8}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?(?:[ \t]+\d{6}Z)?)?|PAGE[ \t]+\d{1,3}[ \t]+R[A-Z]{3,6}\d{1,6}(?:[ \t]+(?:C[ \t]?O[ \t]?N[ \t]?F[ \t]?I[ \t]?D[ \t]?E[ \t]?N[ \t]?T[ \t]?I[ \t]?A[ \t]?L|S[ \t]?E[ \t]?C[ \t]?R[ \t]?E[ \t]?T|UNCLAS(?:SIFIED)?)(?:[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,8})?)?|(?:UNCLAS(?:SIFIED)?|C[ \t]?O[ \t]?N[ \t]?F[ \t]?I[ \t]?D[ \t]?E[ \t]?N[ \t]?T[ \t]?I[ \t]?A[ \t]?L|S[ \t]?E[ \t]?C[ \t]?R[ \t]?E[ \t]?T|LIMITED[ \t]+OFFICIAL[ \t]+USE)(?:[ \t]+(?:E[ \t]?F[ \t]?T[ \t]?O|SECTION[ \t]+\d{1,3}[ \t]+OF[ \t]+\d{1,3}|NOFORN|SIPDIS|[A-Z][A-Z .'-]*?[ \t]+\d{3,8}))*|SIPDIS|NOFORN|EXDIS|LIMDIS|NODIS|\d{6}Z|[A-Z][A-Z .'-]{1,30}?[ \t]+\d{4,8}[ \t]+\d{1,3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{1,3})[ \t]*$/i;

/** A page number of the printout (`2`, `- 2 -`), a printout line when blank lines stand around it. */
const PAGE_NUMBER_RE = /^[ \t]*(?:-[ \t]*)?\d{1,3}(?:[ \t]*-)?[ \t]*$/;

const PAGE_HEAD_RE =
  /^[ \t]*PAGE[ \t]+\d{1,3}[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,8}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?[ \t]+\d{6}Z[ \t]+/i;

/**
 * Removes printout lines (page heads, repeated banners) from a REF list, with the blank lines
 * around them, so that a page break inside the list neither ends it nor adds its station and serial.
 */
export function dropPrintoutLines(text: string): { text: string; dropped: number; at: number } {
  const lines = text.split('\n');
  const keep: boolean[] = lines.map(() => true);
  let dropped = 0;
  let firstLine = -1;
  for (let i = 0; i < lines.length; i++) {
    // a page head with the list going on after it on the same line: keep the rest
    const head = PAGE_HEAD_RE.exec(lines[i]);
    if (head && lines[i].slice(head[0].length).trim()) {
      lines[i] = lines[i].slice(head[0].length);
      dropped++;
      if (firstLine < 0) firstLine = i;
      continue;
    }
    // a page number on a line of its own between blank lines (`2`, `- 2 -`)
    const pageNumber =
      PAGE_NUMBER_RE.test(lines[i]) &&
      i > 0 &&
      !lines[i - 1].trim() &&
      i + 1 < lines.length &&
      !lines[i + 1].trim();
    if ((!pageNumber && !PRINTOUT_LINE_RE.test(lines[i])) || !lines[i].trim()) continue;
    keep[i] = false;
    dropped++;
    if (firstLine < 0) firstLine = i;
    for (let j = i - 1; j >= 0 && !lines[j].trim(); j--) keep[j] = false;
    for (let j = i + 1; j < lines.length && !lines[j].trim(); j++) keep[j] = false;
  }
  if (!dropped) return { text, dropped, at: text.length };
  // `at`: where the first printout line was, in the returned text
  const kept = lines.filter((_, i) => keep[i]);
  const before = lines.slice(0, firstLine).filter((_, i) => keep[i]);
  return { text: kept.join('\n'), dropped, at: before.length ? before.join('\n').length : 0 };
}

function refInSubject(caption: string): { index: number; 0: string } | null {
  const subj = SUBJECT_LINE_RE.exec(caption);
  if (!subj) return null;
  const from = subj.index + subj[0].length;
  const blank = /\n[ \t]*\n/.exec(caption.slice(from));
  const text = caption.slice(from, blank ? from + blank.index : caption.length);
  const m = REF_IN_SUBJECT_RE.exec(text);
  if (!m) return null;
  return { index: from + m.index, 0: m[0] };
}

/** The field labels of a caption that start it again (a cable whose caption is repeated). */
const CAPTION_FIELD_RE =
  /^\n[ \t]*¶?(?:E\.?[ \t]?O\.?[ \t]*1\d{4}|(?:TAGS|Tags|SUBJECT|Subject|SUBJ)[ \t]*[:;])/;

/**
 * The text of the REF list; `rest` is where the caption goes on when the list ended at another
 * field of the caption (the caption written again, with its own REF list), else null.
 */
export function refBlock(
  caption: string,
  notes?: string[],
): { text: string; rest: string | null } | null {
  let m: { index: number; 0: string } | null = refStart(caption);
  if (!m) m = refInline(caption);
  if (!m) m = refInSubject(caption);
  // a REF label written with other punctuation or a damaged letter (`REF;`, `REFS,`, `RFE:`)
  const hit = findLabel(caption, 'REF', 0, m ? m.index + m[0].length : caption.length);
  const start =
    hit && (!m || hit.index < m.index + (m[0].length - m[0].trimStart().length))
      ? hit.end
      : m
        ? m.index + m[0].length
        : -1;
  if (start < 0) return null;
  if (notes && hit && start === hit.end && !hit.exact)
    notes.push(`the REF label is written "${hit.written}"; read as REF`);
  let rest = caption.slice(start, start + 3000);
  if (
    /\n[ \t]*(?:PAGE|UNCLAS|C[ \t]?O[ \t]?N|S[ \t]?E[ \t]?C|CONFIDENTIAL|SECRET|SIPDIS|NOFORN|\d{6}Z|[a-z][a-z .'-]{1,30}?[ \t]+\d{4,8}[ \t]+\d|(?:-[ \t]*)?\d{1,3}(?:[ \t]*-)?[ \t]*\n)/i.test(
      rest,
    )
  ) {
    const d = dropPrintoutLines(rest);
    const end = REF_END_RE.exec(d.text);
    const kept = end ? d.text.slice(0, end.index) : d.text;
    // a note only when the printout lines sat inside the list (it reads on past them)
    if (notes && d.dropped && kept.slice(d.at).trim())
      notes.push('page-break lines of the printout inside the REF list were skipped');
    rest = d.text;
  }
  // a REF heading underlined by a rule (`REFERENCES\n----------`): the list starts after the rule
  const rule = /^[ \t]*\n[ \t]*[-=_]{4,}[ \t]*(?=\n)/.exec(rest);
  if (rule) rest = rest.slice(rule[0].length);
  const end = REF_END_RE.exec(rest);
  if (!end) return { text: rest.slice(0, 1500), rest: null };
  const again = CAPTION_FIELD_RE.test(end[0]) ? caption.slice(start) : null;
  return { text: rest.slice(0, end.index), rest: again };
}

const COMPACT_ID_RE = /\b(?:19|20)?(\d{2})[ \t]?-?([A-Z]{4,17})-?(0*\d{1,7})\b/g;
const PAREN_YEAR_RE = /(\d)[ \t]*(?:\n[ \t]*)?\([ \t]*((?:19|20)\d{2}|\d{2})[ \t]*\)/g;
/** The DTG of the cited cable after its serial (`STATE 1234 (DTG 311200Z DEC 09)`, `DATED 150910Z DEC 09`): its year is the item's. */
const DTG_YEAR_RE =
  /(\d)([ \t]*(?:,[ \t]*)?(?:\([ \t]*)?(?:(?:DTG|OF|DTD|DATED)[ \t]*)?)\d{6}Z?[ \t]*(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[ \t]*((?:19|20)?\d{2})\b[ \t]*\)?/g;
/**
 * The date of the cited cable written after its serial (FORMAT.md §6: an item names its cable, and
 * the cable's date carries its year): after `OF`, `DTD` or `DATED` (a comma may stand before them),
 * in parentheses (these also on the next line), or written apart after a serial of three digits or
 * more — `M/D/YY`, `M/D/YYYY`, `YYYY-MM-DD`, `12 MAR 08`, `MARCH 12, 2008`. A date after a bare comma
 * may open the next item (`STATE 1234, 10/15/07 E-MAIL`) and is not read. Read with `dateYearAfter`.
 */
const DATE_AFTER_RE =
  /(?<![\d\/])(\d+)([ \t]*(?:,[ \t]*)?(?:\n[ \t]*)?(?:\([ \t]*|(?:OF|DTD|DATED|DATE)\b[ \t:]*(?:\([ \t]*)?)|[ \t]+)(?:\d{1,2}[\/.-]\d{1,2}[\/.-]((?:19|20)\d{2}|\d{2})|((?:19|20)\d{2})[\/.-]\d{1,2}[\/.-]\d{1,2}|\d{1,2}(?:ST|ND|RD|TH)?[ \t-]*(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?[ \t,-]*((?:19|20)\d{2}|\d{2})|(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?[ \t]+\d{1,2}(?:ST|ND|RD|TH)?[ \t]*(?:,[ \t]*)?((?:19|20)\d{2}|\d{2}))(?![\d\/])[ \t]*\)?/g;
// "STATE 07-1234", "ABU DHABI 07-1234", "PORT A 10-76": a two-digit year prefix on the serial (station of
// one to three words, the words after the first of one letter or more)
const YEAR_SERIAL_RE =
  /\b([A-Z]{2,17}(?:[ \t]+[A-Z]{1,17}){0,2})(?:[ \t]+|[ \t]*[-\/][ \t]*)(\d{2})[-\/](\d{1,7})\b(?![\/.-]?\d)/g;
// "STATE 07 1234", "STATE 2007 4567": a year, then the serial, written apart after the station
const YEAR_APART_RE =
  /\b([A-Z]{2,17}(?:[ \t]+[A-Z]{2,17}){0,2})[ \t]+(\d{2}|(?:19|20)\d{2})[ \t]+(\d{3,7})\b(?![\/.:-]?\d)/g;
const SLASH_YEAR_RE = /(?<!\d|\d[\/-])(\d{2,7})[\/-]((?:19|20)\d{2}|\d{2})\b(?![\/.-]?\d)/g;
// the serial may follow on the next line (an item split over lines: `05KUWAIT\n245`)
const GLUED_YEAR_RE = /\b(?:19|20)?(\d{2})([A-Z]{4,17})(?:[ \t]+|[ \t]*\n[ \t]*)(?=\d)/g;
/**
 * A number written with the letter O for a zero (`O00840`, `2O05`, `9O9`, `(O3)`), or a year so
 * written glued to the station (`O4MOSCOW`): a word of digits and O's with at least one digit.
 */
const O_FOR_ZERO_RE = /\b(?=[O\d]*\d)[O\d]+\b|\b(?=O?\d)[O\d]{2}(?=[A-Z]{4,17}[ \t\n]+\d)/g;
const GLUED_SERIAL_RE = /\b([A-Z]{4,17})(0*\d{2,7})\b/g;
const SECTION_ID_RE = /\b\d{2}[A-Z01]{4,8}\d{1,2}(?:[O0Q]?F|O)\d{1,2}[A-Z]{4,17}\d{1,7}\b/g;
/**
 * An id written whole but damaged the ways of FORMAT.md §2 (`06MADRID002583ZFR2585` padded with
 * junk, `85NOFORNMOGADISHU1643`, `09LMA123`): read as `canonicalId` reads it.
 */
const STATION_SET: ReadonlySet<string> = new Set(STATIONS);
const DAMAGED_ID_RE = /\b\d{2}[A-Z][A-Z0-9]{2,40}\d\b/g;
const YEAR_TOKEN_RE = /^YR'(\d{2}|\d{4})$/;
const PAGE_INLINE_RE =
  /\bPAGE\s+\d{1,3}\s+[A-Z][A-Z .'-]*?\s+\d{3,8}(?:\s+\d{2}\s+OF\s+\d{2})?\s+\d{6}Z\b/g;
const INLINE_MARKER_RE =
  /(?:(?<=^|[\s\d;,)])(?:[A-Z][A-Z'.-]*\s+){1,3})?\b0\d{7}\s+\d{1,3}(?:\.\d{1,2})?\s+OF\s+\d{1,3}\b/g;
const SLASH_DATE_RE = /(?<![\d\/])\d{1,4}(?:\/\d{1,4}){1,2}(?![\d\/])/g;
/**
 * The cable's own banner (FORMAT.md §4.1) inside a REF list, at a line start or in the middle of a
 * line: the classification (spaced, unspaced, in any case once the text is upper-cased, `SS E C R E
 * T`), a caveat (`//NOFORN`), `SECTION N OF M`, then the station and serial of the citing cable — a
 * caption repeated after the list and reflowed onto one line (`… S E C R E T LIMA 000123 SIPDIS
 * E.O. …`), or a page head that carries the banner (`PAGE 02 RUEHFRA2440 C O N F I D E N T I A L
 * PARIS 002440`). Its station and serial name the cable itself, never a reference. Station words
 * have two letters or more, so an item letter after a banner word (`SECRET A. LIMA 12`) is not
 * taken into it.
 */
const BANNER_INLINE_RE =
  /\b(?:C ?O ?N ?F ?I ?D ?E ?N ?T ?I ?A ?L|S?S ?E ?C ?R ?E ?T|UNCLAS(?:SIFIED)?(?:[ \t]*E ?F ?T ?O)?|LIMITED[ \t]+OFFICIAL[ \t]+USE)(?:[ \t]*\/\/?[ \t]*(?:NOFORN|NF)\b)?(?:[ \t]+SECTION[ \t]+\d{1,3}[ \t]+OF[ \t]+\d{1,3})?[ \t]+((?:[A-Z]{2}[A-Z'.-]*[ \t]+){1,3}?)(\d{3,8})\b/g;
/**
 * Whether a classification word, station and serial found by `BANNER_INLINE_RE` have the shape of a
 * banner rather than of an item that names its cable's classification (`UNCLASSIFIED STATE 1234`):
 * the classification spaced out, a section, a serial padded with zeros (banners pad it to six
 * digits), or a caveat, caption field or line end right after it.
 */
function bannerShaped(m: string, serial: string, at: number, all: string): boolean {
  if (/^[A-Z] [A-Z] /.test(m) || / SECTION /.test(m) || serial.startsWith('0')) return true;
  return /^[ \t]*(?:$|\n|SIPDIS|NOFORN|EXDIS|LIMDIS|NODIS|E\.?[ \t]?O\.?[ \t]*1\d{4})/.test(
    all.slice(at + m.length, at + m.length + 20),
  );
}
/** A word naming a document that is not a cable, and the rest of its item (up to `;`, `,`, a line end, `AND` or the next lettered item, `B.`, `(B)`, `B)`, `B-`). */
const OTHER_DOCUMENT_RE =
  /\b(E-?MAILS?|TELCONS?|MEMCONS?|MEMOS?|MEMORANDUM|LETTERS?|REPORTS?|IIRS?|OSC|DTG|NON-?PAPERS?)\b[^\n;]*?(?=[ \t,]+AND\b|[ \t]+(?:\(?[A-Z](?:\.\)?|\)|:)|\[[A-Z]\]|REF\b|[A-Z]-(?=[ \t])|[B-HJ-Z](?=[ \t]+(?:-[ \t]*)?[A-Z0-9]))[ \t]*(?:-[ \t]*)?[A-Z0-9('’]|[,;]|\n|$)/g;
/**
 * A portion mark (FORMAT.md §5: `(C)`, `(SBU)`, `(S/NF)`, `(C//REL NATO)`) written between the
 * station and the serial of an item (`LIMA (C)00123`): the item's marking, not part of its id.
 */
const MARK_INSIDE_RE =
  /\b([A-Z][A-Z'.-]*(?:[ \t]+[A-Z][A-Z'.-]*){0,2})[ \t]*\((?:U|SBU|C|S|TS)(?:[ \t]*\/\/?[ \t]*[A-Z][A-Z ]*)*\)[ \t]*(?=\d{1,7}\b)/g;
/**
 * A word naming the kind of message between the station and the serial (`QUITO CABLES 0123`,
 * `STATE TEL 1234`, `LIMA REFTEL NO. 55`): the serial is the station's.
 */
const MESSAGE_WORD_RE =
  /\b([A-Z][A-Z'.-]*(?:[ \t]+[A-Z][A-Z'.-]*){0,2})[ \t]+(?:CABLES?|TELS?|TELEGRAMS?|REFTELS?|MSGS?|MESSAGES?)(?:[ \t]+(?:NOS?\.?|#))?[ \t:]*(?:\n[ \t]*)?(?=\d{1,7}\b)/g;
/**
 * A number sign written as a word between the station and the serial (`STATE NO. 1234`, `LIMA NR
 * 55`, `QUITO NO.123`): the serial is the station's, as after `#`.
 */
const NUMBER_WORD_RE =
  /\b([A-Z][A-Z'.-]*(?:[ \t]+[A-Z][A-Z'.-]*){0,2})[ \t]+(?:NOS?\.|NRS?\.?|NOS?(?=[ \t]))[ \t:]*(?=\d{1,7}\b)/g;
const NUMBER_WORD_IN_TEXT_RE = /\bN[OR]S?\.?[ \t:]*\d/;
/**
 * The date of the cited cable written before its station (`A. 3/5/08 STATE 1234`): its year is the
 * item's, as after the serial. Read with `dateYearBefore`.
 */
const DATE_BEFORE_RE =
  /(?<![\d\/])\d{1,2}\/\d{1,2}\/((?:19|20)\d{2}|\d{2})[ \t]+(?=([A-Z][A-Z'.-]*(?:[ \t]+[A-Z][A-Z'.-]*){0,2})[ \t]+\d)/g;
/** Distribution captions an item may carry after its serial (`STATE 1234 (NOTAL) AND 5678`). */
const ITEM_CAVEATS = new Set(['NOTAL', 'EXDIS', 'NODIS', 'LIMDIS', 'SIPDIS', 'NOFORN', 'STADIS']);
const MARK_IN_TEXT_RE = /\((?:U|SBU|C|S|TS)[)\/ ]/;
const MESSAGE_IN_TEXT_RE = /CABLE|TEL|MSG|MESSAGE/;
/** `words` with the station its last one to three words name, or null when they name none. */
function endsInStation(words: string): boolean {
  const w = words.split(/[ \t]+/);
  for (let k = Math.min(3, w.length); k >= 1; k--)
    if (normalizeStation(w.slice(w.length - k).join(''), false)) return true;
  return false;
}
/**
 * A year written after the serial at the end of the item, apart (`LIMA 00123 99, …`, `LIMA 55
 * 2007`): read as the item's year only when it is at most twenty years before the citing cable's (a
 * cited cable is not newer than the cable citing it). Its two digits, or null.
 */
function yearAfter(written: string, year: number | null): string | null {
  if (year == null || !/^(?:\d{2}|(?:19|20)\d{2})$/.test(written)) return null;
  let full = Number(written);
  if (written.length === 2) {
    full += 2000;
    if (full > year) full -= 100;
  }
  return year - full >= 0 && year - full <= 20 ? written.slice(-2) : null;
}
/** A plain search for what `DATE_AFTER_RE` needs: a date with slashes, dashes or a month name. */
const DATE_IN_TEXT_RE = /\d[\/.-]\d|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC/;
/**
 * A match of `DATE_AFTER_RE` as the serial and a year marker: the year of the date when it is not
 * after the citing cable's year nor more than twenty years before it (a cited cable is not newer
 * than the cable citing it), and when the date is written apart, only after a serial of three
 * digits or more (`LIMA 12 MAY 08` is a day, not a serial and a date).
 */
function dateYearAfter(m: string, g: unknown[], year: number | null): string {
  const serial = g[0] as string;
  const sep = g[1] as string;
  const written = (g[2] ?? g[3] ?? g[4] ?? g[5]) as string;
  if (!/[(,A-Z]/.test(sep) && serial.length < 3) return m;
  // a date written apart or after a comma that opens another document (`STATE 1234, 10/15/07
  // E-MAIL FROM …`) is that document's, not the item's; after `OF`, `DTD` or `DATED` it is the item's
  const all = g[g.length - 1] as string;
  const at = g[g.length - 2] as number;
  if (!/[A-Z]/.test(sep) && DOCUMENT_AFTER_RE.test(all.slice(at + m.length, at + m.length + 40)))
    return m;
  let full = Number(written);
  if (written.length === 2) {
    full += 2000;
    if (year != null && full > year) full -= 100;
  }
  if (year != null && (full > year || year - full > 20)) return m;
  return `${serial} YR'${written} `;
}
/** A word naming another kind of document (as `OTHER_DOCUMENT_RE` reads them) right after a date. */
const DOCUMENT_AFTER_RE =
  /^[ \t,]*(?:E-?MAILS?|TELCONS?|MEMCONS?|MEMOS?|MEMORANDUM|LETTERS?|REPORTS?|IIRS?|OSC|DTG|NON-?PAPERS?|MSG|FAX|MEETING|CONVERSATION)\b/;
const MONTH_TOKEN_RE = /^(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*$/;
const TOKEN_RE = /[A-Z0-9'.&-]+|,/g;
const SKIP_AFTER_RE = /^(?:AND|&)$/;
/**
 * Ordinary words of a cable that stand before a number (`PARAS 3-4`, `CABLES 12`): never read as a
 * damaged or abbreviated station, however close they are to one (`PARAS` is one letter from PARIS).
 */
const CABLE_WORDS = new Set(
  (
    'PARA PARAS PARAGRAPH PARAGRAPHS CABLE CABLES TABLE TABLES ITEM ITEMS PAGE PAGES LINE LINES NOTE NOTES ' +
    'ANNEX ARTICLE ARTICLES SECTION SECTIONS CHAPTER TITLE VOLUME PART PARTS PHASE STAGE STAGES ROUND ' +
    'GROUP UNIT ROOM FORM FILE CASE YEAR YEARS MONTH MONTHS WEEK WEEKS DAYS TOTAL STATES STATUS SENATE ' +
    'SECRET GENERAL PARTY PARTIES RESOLUTION DECREE ORDER BILL CODE RULE RULES POINT POINTS NUMBER ' +
    'THE AND FOR NOT DAY TEL MSG JAN FEB MAR APR MAY JUN JUL AUG SEP SEPT OCT NOV DEC'
  ).split(' '),
);

/**
 * `WORDS YY SERIAL` → `WORDS' YY STATION SERIAL` when the last one to three words name a station
 * (the words before them stay in place); unchanged otherwise.
 */
function yearInFront(
  m: string,
  words: string,
  yy: string,
  serial: string,
  at: number,
  all: string,
): string {
  // "LIMA 55 2007 STATE 1234": the four digits are the next item's year, not this item's serial
  if (/^(?:19|20)\d{2}$/.test(serial)) {
    const next = /^[ \t,;]*([A-Z]{2,17}(?:[ \t]+[A-Z]{2,17}){0,2})/.exec(all.slice(at + m.length));
    if (
      next &&
      next[1]
        .split(/[ \t]+/)
        .some((_, i, w) => normalizeStation(w.slice(0, i + 1).join(' '), false))
    )
      return m;
  }
  const w = words.split(/[ \t]+/);
  for (let k = w.length; k >= 1; k--) {
    const st = w.slice(w.length - k).join(' ');
    if (!normalizeStation(st, false)) continue;
    const before = w.slice(0, w.length - k).join(' ');
    return `${before ? before + ' ' : ''}${yy.slice(-2)} ${st} ${serial}`;
  }
  return m;
}

/**
 * A caption as written in the other distributions (CRLF, entities such as `&#x000A;`, csv
 * `\`-newlines, no-break spaces) made plain, so that the list ends are found on lines as the cable
 * has them.
 */
export function prepareRefText(caption: string): string {
  return plainText(caption);
}

/**
 * Cable references in a REF block (canonical ids, order kept, deduplicated). A reference without
 * a year takes `year`; `ownId` is dropped.
 */
export function parseReferences(
  caption: string,
  year: number | null,
  ownId: string | null,
  notes?: string[],
): string[] {
  return referencesOfLists(refLists(caption, notes), year, ownId, notes);
}

/**
 * The REF list of a caption, and that of the caption written again after it (cut short, then
 * whole), as text; null when the caption has no REF list.
 */
export function refLists(caption: string, notes?: string[]): string[] | null {
  const block = refBlock(prepareRefText(caption), notes);
  if (!block) return null;
  const again = block.rest ? refBlock(block.rest) : null;
  return again ? [block.text, again.text] : [block.text];
}

/** Cable references of the lists of `refLists` (canonical ids, order kept, deduplicated). */
export function referencesOfLists(
  lists: string[] | null,
  year: number | null,
  ownId: string | null,
  notes?: string[],
): string[] {
  if (!lists) return [];
  // an item without a year takes the citing cable's year, known from its own id when not given
  const y = year ?? (ownId ? yearFromId(ownId) : null);
  const refs = referencesInText(lists[0], y, ownId, notes);
  // a caption written twice (cut short, then whole): the REF list of the second one too
  for (const more of lists.slice(1))
    for (const r of referencesInText(more, y, ownId)) if (!refs.includes(r)) refs.push(r);
  return refs;
}

/** Whether `a` is `b` with two neighbouring letters swapped. */
function swapped(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return (
    i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)
  );
}

const shortCache = new Map<string, string | null>();
/**
 * The one station of four or five letters that `w` (three or four letters) is one dropped letter
 * short of (`LMA` → LIMA, `KBUL` → KABUL), or null when none is, or another station is as close
 * by a changed, added or swapped letter.
 */
function oneLetterShort(w: string): string | null {
  const hit = shortCache.get(w);
  if (hit !== undefined) return hit;
  let best: string | null = null;
  let count = 0;
  let other = false;
  for (const st of STATIONS) {
    if (Math.abs(st.length - w.length) > 1) continue;
    if (editDistance(w, st, 1) <= 1) {
      if (st.length === w.length + 1) {
        best = st;
        count++;
      } else other = true;
    } else if (st.length === w.length && swapped(w, st)) other = true;
  }
  // no guess when a station is as close another way (`BENN`: BENIN, but also BERN and BONN)
  const res = count === 1 && !other ? best : null;
  if (shortCache.size < 10000) shortCache.set(w, res);
  return res;
}

/** References found in arbitrary REF text. */
export function referencesInText(
  text: string,
  year: number | null,
  ownId: string | null,
  notes?: string[],
): string[] {
  const guessed = (written: string, station: string) => {
    if (notes) notes.push(`reference station "${written}" read as ${station}`);
  };
  let t = removeMarkers(normalizeText(text)).toUpperCase();
  // the citing cable's own banner, where a repeated caption or a page head brings it into the list
  if (/C[ \t]?O[ \t]?N|S[ \t]?E[ \t]?C|UNCLAS|LIMITED/.test(t))
    t = t.replace(BANNER_INLINE_RE, (m, words: string, serial: string, at: number, all: string) =>
      normalizeStation(words.replace(/[ \t]+$/, ''), false) && bannerShaped(m, serial, at, all)
        ? ' '
        : m,
    );
  if (t.includes('O')) t = t.replace(O_FOR_ZERO_RE, (m) => m.replace(/O/g, '0'));
  // a portion mark or a word naming the message between the station and the serial
  // (each pattern only where a plain search finds its mark or word)
  if (MARK_IN_TEXT_RE.test(t))
    t = t.replace(MARK_INSIDE_RE, (m, w: string) => (endsInStation(w) ? `${w} ` : m));
  if (MESSAGE_IN_TEXT_RE.test(t))
    t = t.replace(MESSAGE_WORD_RE, (m, w: string) => (endsInStation(w) ? `${w} ` : m));
  if (NUMBER_WORD_IN_TEXT_RE.test(t))
    t = t.replace(NUMBER_WORD_RE, (m, w: string) => (endsInStation(w) ? `${w} ` : m));
  // a year in parentheses after the serial ("STATE 1234 (2007)"), or the year of a DTG written after
  // it, becomes a marker token after it
  t = t.replace(DTG_YEAR_RE, "$1 YR'$3 ");
  // the date of the cited cable after its serial (`STATE 1234 OF 03/04/08`, `DTD 12 MAR 08`)
  if (DATE_IN_TEXT_RE.test(t)) t = t.replace(DATE_AFTER_RE, (m, ...g) => dateYearAfter(m, g, year));
  t = t.replace(PAREN_YEAR_RE, "$1 YR'$2 ");
  // the date of the cited cable before its station (a date after a serial is
  // read above as that item's): the year goes in front of the station
  if (t.includes('/'))
    t = t.replace(DATE_BEFORE_RE, (m, y: string, words: string) => {
      const w = words.split(/[ \t]+/);
      let named = false;
      for (let k = 1; k <= w.length && !named; k++)
        named = !!normalizeStation(w.slice(0, k).join(''), false);
      return named && yearAfter(y, year) ? `${y.slice(-2)} ` : m;
    });
  // a year between the station and the serial ("STATE 07-1234", "NEW DELHI 07 1234") goes in front
  t = t
    .replace(YEAR_SERIAL_RE, (m, w: string, yy: string, serial: string, at: number, all: string) =>
      // `QUITO 77/2005`: the year is after the slash, the serial before it
      // (a serial of one digit, `QUITO 10-5`, only after a year the citing cable may cite, and with a
      // hyphen: `3-4` and `12/5` are parts or dates)
      (m.includes('/') && /^(?:19|20)\d{2}$/.test(serial)) ||
      (serial.length === 1 && (m.includes('/') || !yearAfter(yy, year)))
        ? m
        : yearInFront(m, w, yy, serial, at, all),
    )
    .replace(YEAR_APART_RE, yearInFront);
  // (two digits on both sides of the slash are a date, `12/08`, not a serial and a year)
  t = t.replace(SLASH_YEAR_RE, (m, n: string, y: string) =>
    n.length < 3 && y.length < 4 ? m : `${n} YR'${y} `,
  );
  // "07STATE 1234": the year glued to the station
  t = t.replace(GLUED_YEAR_RE, '$1 $2 ');
  t = t.replace(DAMAGED_ID_RE, (m) => {
    // a clean id is read below; a short station (`09LMA123`) or junk among the digits is repaired here
    // (and so is one whose letters are no station as written: a prefix, `09AMEMBASSYLIMA12`,
    // `06EFTOLIMA12`, or a damaged station, `09COPENHAEN13`)
    if (
      !/^\d{2}[A-Z]{3}\d{1,7}$/.test(m) &&
      !/[A-Z]\d+[A-Z]/.test(m) &&
      !(/^\d{2}[A-Z]{4,}\d{1,7}$/.test(m) && !STATION_SET.has(m.replace(/\d/g, '')))
    )
      return m;
    const id = canonicalId(m);
    const parts = id ? /^(\d{2})([A-Z]+)(\d+)$/.exec(id) : null;
    if (!parts || !normalizeStation(parts[2], false)) return m;
    if (notes) notes.push(`reference id given as "${m}"; read as ${id}`);
    return `${parts[1]} ${parts[2]} ${parts[3]}`;
  });
  // an id written whole with a section prefix ("09SECTION01OF02LIMA1234", "09SECT1ON01OF02LIMA1234")
  t = t.replace(SECTION_ID_RE, (m) => {
    const id = canonicalId(m);
    const parts = id ? /^(\d{2})([A-Z]+)(\d+)$/.exec(id) : null;
    if (!parts) return m;
    if (notes) notes.push(`reference id given as "${m}"; read as ${id}`);
    return `${parts[1]} ${parts[2]} ${parts[3]}`;
  });
  // a section marker inside a list on one line (`SAO PAULO 00000161 001.3 OF 005`): its station and
  // padded serial are the citing cable's, not a reference
  t = t.replace(INLINE_MARKER_RE, ' ');
  // a page head of the printout inside a list written on one line (a reflowed text)
  if (t.includes('PAGE')) t = t.replace(PAGE_INLINE_RE, ' ');
  // what is left of numbers around a slash is a date (`12/5`, `5/11/07`), never a serial
  t = t.replace(SLASH_DATE_RE, ' ');
  // an item that names another kind of document (FORMAT.md §6: e-mails, telcons, memcons, letters,
  // reports, DTG-only messages) cites no cable after that word, up to the next item
  t = t.replace(OTHER_DOCUMENT_RE, '$1 ');
  t = t.replace(/[()[\]\/:]/g, ' ').replace(/;/g, ' , ');
  t = t.replace(COMPACT_ID_RE, '$1 $2 $3');
  // "BELGRADE743": station and serial glued, no year
  t = t.replace(GLUED_SERIAL_RE, (m, st: string, serial: string) =>
    normalizeStation(st, false) ? `${st} ${serial}` : m,
  );
  const tokens = t.match(TOKEN_RE) ?? [];
  // an item letter glued to what follows ("A.08", "B.STATE") is a separate token
  const clean = tokens.flatMap((x) =>
    x === ','
      ? [x]
      : x
          .replace(/^[.'-]+|[.'-]+$/g, '')
          .replace(/^([A-Z])\.(?=[A-Z]{3}|\d)/, '$1 ')
          .split(/[- ]/)
          .filter(Boolean),
  );
  const out: string[] = [];
  const seen = new Set<string>();
  const yy = year != null ? String(year % 100).padStart(2, '0') : null;
  let lastStation: string | null = null;
  let lastYear: string | null = null;
  let lastEnd = -10;
  const push = (y: string | null, st: string, serial: string) => {
    const n = serial.replace(/^0+/, '');
    if (!n || !y) return;
    const id = y + st + n;
    if (id === ownId || seen.has(id)) return;
    seen.add(id);
    out.push(id);
  };
  for (let i = 0; i < clean.length; i++) {
    const tok = clean[i];
    // a serial has up to seven digits after zeros of padding (`BEIJING 00000123`, as in a section marker)
    if (!/^0*\d{1,7}$/.test(tok)) continue;
    // station words before the number
    let station: string | null = null;
    let k = 0;
    for (let n = Math.min(4, i); n >= 1; n--) {
      const words = clean.slice(i - n, i);
      if (!words.every((w) => /^[A-Z][A-Z'.]*$|^[A-Z]*0[A-Z0]*$/.test(w))) continue;
      const joined = words.join('');
      const st = normalizeStation(joined, false);
      if (st) {
        station = st;
        k = n;
        break;
      }
    }
    // a comma between the station and the serial (`QUITO, 345`), as a colon may stand there
    // (`STATE: 73097`); four digits that read as a year after a comma are not a serial
    if (!station && i >= 2 && clean[i - 1] === ',' && !/^(?:19|20)\d{2}$/.test(tok)) {
      for (let n = Math.min(3, i - 1); n >= 1; n--) {
        const words = clean.slice(i - 1 - n, i - 1);
        if (!words.every((w) => /^[A-Z][A-Z'.]*$/.test(w))) continue;
        const st = normalizeStation(words.join(''), false);
        if (st) {
          station = st;
          k = n + 1;
          break;
        }
      }
    }
    // a post named city first, office after (`DUBAI RPO` for RPODUBAI, `BRUSSELS USEU`)
    if (
      !station &&
      i >= 2 &&
      /^[A-Z]{2,6}$/.test(clean[i - 1]) &&
      /^[A-Z]{4,}$/.test(clean[i - 2])
    ) {
      const st = normalizeStation(clean[i - 1] + clean[i - 2], false);
      if (st) {
        station = st;
        k = 2;
        guessed(`${clean[i - 2]} ${clean[i - 1]}`, st);
      }
    }
    const plain = i >= 1 && !CABLE_WORDS.has(clean[i - 1]);
    if (!station && plain && /^[A-Z][A-Z0]{4,}$/.test(clean[i - 1])) {
      // the nearest station before a station found at the end of the word (`USEBRUSSELS` is
      // USEUBRUSSELS with a letter dropped, not BRUSSELS with junk in front)
      const st = nearestStation(clean[i - 1]) ?? normalizeStation(clean[i - 1], true);
      if (st) {
        station = st;
        k = 1;
        if (st !== clean[i - 1]) guessed(clean[i - 1], st);
      }
    }
    // one damaged letter in a four-letter station ("LIAM") when only one station is that close
    if (!station && plain && /^[A-Z]{4}$/.test(clean[i - 1]) && tok.length >= 2) {
      const st = nearestSameLength(clean[i - 1]);
      if (st) {
        station = st;
        k = 1;
        if (st !== clean[i - 1]) guessed(clean[i - 1], st);
      }
    }
    // a short station with a letter dropped ("LMA", "KBUL") when only one station is that close
    if (!station && plain && /^[A-Z]{3,4}$/.test(clean[i - 1]) && tok.length >= 2) {
      const st = oneLetterShort(clean[i - 1]);
      if (st) {
        station = st;
        k = 1;
        guessed(clean[i - 1], st);
      }
    }
    // a damaged station of two or three words ("BUENOS AIRS")
    for (let n = 2; !station && n <= Math.min(3, i); n++) {
      const words = clean.slice(i - n, i);
      if (!words.every((w) => /^[A-Z]{2,}$/.test(w) && !CABLE_WORDS.has(w))) continue;
      const joined = words.join('');
      if (joined.length < 8) continue;
      const st = nearestStation(joined);
      if (st) {
        station = st;
        k = n;
        guessed(words.join(' '), st);
      }
    }
    // a unique abbreviation of a station's name ("CASA" for CASABLANCA)
    if (!station && plain && /^[A-Z]{4,16}$/.test(clean[i - 1]) && tok.length >= 2) {
      const st = stationByPrefix(clean[i - 1]);
      if (st) {
        station = st;
        k = 1;
        if (st !== clean[i - 1]) guessed(clean[i - 1], st);
      }
    }
    if (station) {
      let y: string | null = yy;
      const prev = clean[i - k - 1];
      if (prev && i - k - 1 !== lastEnd && /^(?:\d{2}|\d{4}|0\d{2}|O\d)$/.test(prev)) {
        const p = prev.replace(/^O/, '0');
        y = p.slice(-2);
      }
      const after = YEAR_TOKEN_RE.exec(clean[i + 1] ?? '');
      let end = i;
      if (after) y = after[1].slice(-2);
      else if (tok.length >= 3 && (i + 2 >= clean.length || /^(?:,|AND)$/.test(clean[i + 2]))) {
        // a two-digit year after the serial, ending the item (`LIMA 00123 99, …`)
        const ya = yearAfter(clean[i + 1] ?? '', year);
        if (ya) {
          y = ya;
          end = i + 1;
        }
      }
      // a day before a month (`LIMA 12 MAY`) is part of a date, not a serial
      if (!(tok.length <= 2 && MONTH_TOKEN_RE.test(clean[i + 1] ?? ''))) push(y, station, tok);
      lastStation = station;
      lastYear = y;
      lastEnd = end;
      continue;
    }
    // continuation: "BRASILIA 2799 AND 2764", "STATE 188314, 259032"
    // (a year in parentheses after the serial before, `STATE 1234 (2009) AND 5678`, is passed over)
    if (lastStation && i - lastEnd <= 4 && tok.length >= 2) {
      const between = clean
        .slice(lastEnd + 1, i)
        .filter((w) => !YEAR_TOKEN_RE.test(w) && !ITEM_CAVEATS.has(w));
      const nextIsStation =
        i + 1 < clean.length &&
        /^[A-Z]{3,}$/.test(clean[i + 1]) &&
        normalizeStation(clean[i + 1], false);
      // (a day before a month, `AND 16 MAR 05 STATE 1234`, is a date, not a serial)
      const day = tok.length <= 2 && MONTH_TOKEN_RE.test(clean[i + 1] ?? '');
      if (between.length === 1 && SKIP_AFTER_RE.test(between[0]) && !nextIsStation && !day) {
        const after = YEAR_TOKEN_RE.exec(clean[i + 1] ?? '');
        push(after ? after[1].slice(-2) : lastYear, lastStation, tok);
        lastEnd = i;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Classified By

/** The label as written, followed by any punctuation (`:`, `;`, `,`, `.`, `-`) or none; written twice too. */
const CLASSIFIED_BY_RE =
  /\bClassified(?:[ \t]*\n)?[ \t]*By\b[ \t]*[:;,.-]?[ \t]*(?:(?:\(U\)[ \t]*)?Classified[ \t]+By\b[ \t]*[:;,.-]?[ \t]*)?/gi;
/** A word that may be a damaged `CLASSIFIED` before `BY` (`Clasified By`, `CLASSIFED BY;`). */
const CLASSIFIED_BY_LOOSE_RE =
  /(?<![A-Za-z])([Cc][A-Za-z01]{6,11})[ \t]+([Bb8][A-Za-z])(?![A-Za-z])[ \t]*[:;,.-]?[ \t]*/g;

export interface LooseHit {
  index: number;
  end: number;
  written: string;
  exact: boolean;
}

/**
 * Every `Classified By` label in `text`, as written or (with `loose`) with up to two damaged
 * letters, in order.
 */
export function classifiedByLabels(text: string, loose = true): LooseHit[] {
  const out: LooseHit[] = [];
  CLASSIFIED_BY_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CLASSIFIED_BY_RE.exec(text)))
    out.push({ index: m.index, end: m.index + m[0].length, written: m[0].trim(), exact: true });
  // the loose pattern needs `BY` (or `8Y`) in any case: most texts have none, and then it is not
  // run; a damaged `BY` is looked for only where `CLASSIFIED` is written as it is
  if (!loose || (text.search(/[Bb8][Yy]/) < 0 && text.search(/Classified [Bb]|CLASSIFIED B/) < 0))
    return out;
  CLASSIFIED_BY_LOOSE_RE.lastIndex = 0;
  while ((m = CLASSIFIED_BY_LOOSE_RE.exec(text))) {
    // digits for letters (`C1ASSIFIED 8Y`) are read as the letters
    const w = m[1].toUpperCase().replace(/1/g, 'L').replace(/0/g, 'O');
    const exactBy = m[2].toUpperCase() === 'BY';
    // (the label as written is found by CLASSIFIED_BY_RE)
    if (exactBy && w === m[1].toUpperCase() && w === 'CLASSIFIED') continue;
    // a damaged `BY` only after `CLASSIFIED`, before a colon (`Classified Bu:`, `CLASSIFIED 8Y:`)
    if (!exactBy && (w !== 'CLASSIFIED' || !m[0].includes(':'))) continue;
    if (editDistance(w, 'CLASSIFIED', 2) > 2) continue;
    // the label is written in capitals or capitalised, like the format's
    if (m[1] !== w && m[1][0] !== 'C') continue;
    const at = m.index;
    if (out.some((h) => at >= h.index && at < h.end)) continue;
    out.push({ index: at, end: at + m[0].length, written: `${m[1]} ${m[2]}`, exact: false });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The first `Classified By` label in `text`, or null. */
export function classifiedByAt(text: string): LooseHit | null {
  return classifiedByLabels(text)[0] ?? null;
}
const NAME_END_RE =
  /(?:\b(?:f[o0]r|fr[o0]|f[o0]re|per|under|based\s+(?:[o0]n|upon)|IAW|in\s+accordance)\s+(?:f[o0]r\s+)?(?:the\s+)?(?:r\s*e?\s*a?\s*s?|1\.|E\.?\s?O(?![A-Za-z])|s\s*e\s*c\s*t\s*i\s*o\s*n|sec\.|12958|12065|12356|13526|b\b|d\b)|\bf\s+[o0]r\s+r|\bf[o0]\s+r\s+r|\b(?:fr[o0]|f[o0]re|fro)\s+r(?:e|a)|\b(?:E\.?\s?O\.?\s?\d|reas[o0]ns?\b|reas[o0]n:|res[o0]ns?\b|sections?\s+1\.)|\(\s*1\.\s?[2456]\b|\b1\.\s?[2456]\b|;|\s-\s|\n\s*\n|\(\s*acting\s*\))/i;

const FOR_WORD_RE = /^(?:f[o0]r|fr[o0]|f[o0]re|per|under)\s+(?:f[o0]r\s+)?(?:the\s+)?r/i;

/**
 * Where the name ends in `rest` (the text after the label), or null. `for` + a word in `r` ends it
 * when that word may be a damaged `reasons` (`r easons`, `Resons`, `REA\nSONS`), not when it is a
 * longer word of another shape (`Counselor for Regional Affairs Ann Roe`).
 */
function nameEnd(rest: string): RegExpExecArray | null {
  let from = 0;
  for (;;) {
    const m = NAME_END_RE.exec(rest.slice(from));
    if (!m) return null;
    m.index += from;
    if (FOR_WORD_RE.test(m[0])) {
      const r = m.index + m[0].length - 1;
      const word = /^[A-Za-z]+/.exec(rest.slice(r))![0].toUpperCase();
      if (
        word.length >= 6 &&
        editDistance(word, 'REASONS', 2) > 2 &&
        editDistance(word, 'REASON', 2) > 2
      ) {
        from = r + word.length;
        continue;
      }
    }
    return m;
  }
}

const TITLE_WORDS = new Set(
  (
    'A A/ AMB AMB. AMBASSADOR AMBASSADORS AMBASADOR AMBASSADR AMBASSADRO AMBASSADOT AMBSSADOR AMBASSAOR AMBASSDOR ' +
    "CDA CHARGE CHARGE' CHARG D'AFFAIRES AFFAIRES A.I. AI DCM DEPUTY CHIEF CIEF OF MISSION ACTING POLITICAL POLITICAL/ECONOMIC CIEF AMBASSADIOR " +
    'ECONOMIC ECON POL POLOFF ECONOFF POL/ECON POL/ECONOFF POL/MIL POLMIL POL-MIL COUNSELOR COUNSELLOR COUNSEOR COUNS. COUNS ' +
    'OFFICER SECTION MINISTER MIN MIN. E/MIN A/EMIN EMIN POLMIN CONOFF CONSUL GENERAL PRINCIPAL ARSO RSO DIRECTOR ' +
    'ASSISTANT SECRETARY SECRETARY UNDER SPECIAL ENVOY REPRESENTATIVE PERMANENT CHIEF, HEAD AND THE BY CLASSIFIED ' +
    'INTERIM E/P P/E PE EP A/DCM ADCM ACTING/DCM DAS AF PAO CG CONGEN LEGATT ATTACHE DEFENSE POLITICAL-ECONOMIC ' +
    'POLITICO-MILITARY ECONOMICS FOREIGN AFFAIRS U.S. US USUN AMBASSADOR, COORDINATOR SENIOR ADVISOR ADVISER ' +
    'ACTING-DCM ECOPOL ECONCOUNS POLCOUNS MGMT MANAGEMENT PUBLIC OFFICER, ECON/POL POL/EC POL/C ' +
    'HEAD PRT GOVERNANCE ISN SCA/DAS VCI NEA EUR WHA EAP SCA AF/ ECONOMIC/POLITICAL REGIONAL AFFAIRS OFFICE ' +
    'DIR DIR. ECMIN POLCHIEF ECONCHIEF MINCOUNS POLMINCOUNS ECONMINCOUNS COUNSEL COUNCILOR COUNCELOR OFF OFF. ' +
    'PO DELEGATE DELEGATION CHAIRMAN SECURITY'
  )
    .split(/\s+/)
    .filter(Boolean),
);

const PARTICLES = new Set([
  'van',
  'von',
  'de',
  'der',
  'del',
  'della',
  'da',
  'di',
  'du',
  'la',
  'le',
  'st.',
  'bin',
]);
const SUFFIX_RE = /^(?:Jr\.?|JR\.?|Sr\.?|SR\.?|II|III|IV)$/;
const NAME_TOKEN_RE =
  /^(?:0\.|[A-Z][A-Za-z0'’-]*\.?|[A-Z]\.[A-Z][a-z]+|[A-Z]\.(?:[A-Z]\.)*|Mc[A-Z][a-z]+|O'[A-Z][A-Za-z]+)$/;

/**
 * Words of rank and office, for recognising titles written with a damaged letter or two
 * (`Ambassdor`, `Politcal`, `Counselour`): a word this close to one of them is a title.
 */
const TITLE_STEMS = [
  'AMBASSADOR',
  'COUNSELOR',
  'COUNSELLOR',
  'OFFICER',
  'MINISTER',
  'DIRECTOR',
  'DEPUTY',
  'SECRETARY',
  'POLITICAL',
  'ECONOMIC',
  'ASSISTANT',
  'AFFAIRES',
  'CONSUL',
  'GENERAL',
  'PRINCIPAL',
  'COORDINATOR',
  'REPRESENTATIVE',
  'SPECIAL',
  'ACTING',
  'MISSION',
  'SECTION',
  'CHIEF',
  'CHARGE',
  'ATTACHE',
  'ADVISOR',
  'MANAGEMENT',
  'REGIONAL',
  'COMMERCIAL',
  'DEFENSE',
  'INTERIM',
  'ECONOFF',
  'POLOFF',
  'SENIOR',
  'PERMANENT',
  'COUNCILOR',
  'COUNSEL',
];
const fuzzyTitleCache = new Map<string, boolean>();

/** A title word with one damaged letter (two in long words); names stay names (exact stems only match exactly). */
function isDamagedTitle(u: string): boolean {
  if (u.length < 4 || !/^[A-Z]+$/.test(u)) return false;
  let hit = fuzzyTitleCache.get(u);
  if (hit !== undefined) return hit;
  hit = TITLE_STEMS.some(
    (t) => t[0] === u[0] && editDistance(u, t, t.length >= 9 ? 2 : 1) <= (t.length >= 9 ? 2 : 1),
  );
  // a title abbreviated by dropping letters (`COUNSL`, `CONCILOR`, `DIRCTR`): the word's letters
  // appear in order in the title, with its first two, and cover most of it
  if (!hit && u.length >= 5)
    hit = TITLE_STEMS.some(
      (t) => t[0] === u[0] && t[1] === u[1] && u.length * 3 >= t.length * 2 && subsequence(u, t),
    );
  if (fuzzyTitleCache.size < 5000) fuzzyTitleCache.set(u, hit);
  return hit;
}

/** Whether the letters of `a` appear in `b` in the same order. */
function subsequence(a: string, b: string): boolean {
  let j = 0;
  for (let i = 0; i < b.length && j < a.length; i++) if (b[i] === a[j]) j++;
  return j === a.length;
}

/**
 * An officer written the State way, an office's abbreviations run together before `OFF`
 * (`POLOFF`, `POLMILOFF`, `PolEconOff`, `MGMT-OFF`, `ESTHOFF`): never a name.
 */
const OFF_OFFICER_RE =
  /^(?:(?:POL|ECON|ECO|MIL|CON|CONS|MGMT|PA|PD|PUB|LAB|ENV|ESTH|EST|SCI|LEG|RSO|GSO|IMO|HR|ADMIN|NARC|INL|PAS|AG|COM|DEF|POLEC|REF)[-/]?){1,3}OFF$/;

function isTitleWord(w: string): boolean {
  // (a letter the source wrote with an accent, `Chargé`, is read without it, and a typographic
  // apostrophe as the plain one, `d’Affaires`)
  const u = w.toUpperCase().replace(/0/g, 'O').replace(/[ÉÈÊ]/g, 'E').replace(/’/g, "'");
  if (/^[A-Z]\.$/.test(u)) return false;
  const bare = u.replace(/[.,]$/, '');
  if (TITLE_WORDS.has(u) || TITLE_WORDS.has(bare) || OFF_OFFICER_RE.test(bare)) return true;
  // an office written with a slash is never a name (`POL/ECON`, `PA/PD`)
  if (/^[A-Z.]+\/[A-Z./]+$/.test(bare)) return true;
  if (isDamagedTitle(bare)) return true;
  // an abbreviation with a full stop whose letters are those of a word of office, in order
  // (`CONS.`, `POLCNS.`, `ASST.`): names are not abbreviated so
  if (
    /^[A-Z]{3,}\.$/.test(u) &&
    TITLE_STEMS.some((t) => t[0] === bare[0] && t[1] === bare[1] && subsequence(bare, t))
  )
    return true;
  // "Minister-Counsellor": a hyphenated word made of titles
  return (
    u.includes('-') &&
    u.split('-').some((p) => p.length > 2 && (TITLE_WORDS.has(p) || isDamagedTitle(p)))
  );
}

/**
 * A word in capitals that may be a word of office rather than a given name: shorter than three
 * letters, without a vowel, or the start of a word of rank or office (`COUN`, `DEP`, `MIN`).
 */
function officeShaped(w: string): boolean {
  if (w.length < 3 || !/[AEIOUY]/.test(w)) return true;
  if (TITLE_STEMS.some((t) => t.startsWith(w))) return true;
  for (const t of TITLE_WORDS) if (t.startsWith(w)) return true;
  return false;
}

const SENTENCE_END_RE = /(?<!(?:^|[\s.])[A-Z0])(?<!\b(?:Jr|JR|Sr|SR|St|ST))\.(?=\s|$)/g;

/** Person name inside one comma-free piece: the trailing run of name-like tokens after any titles. */
function nameInPiece(piece: string): string | null {
  const words = piece.replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  if (!words.length) return null;
  let end = words.length;
  while (end > 0 && /^[.,]+$/.test(words[end - 1])) end--;
  const ws = words
    .slice(0, end)
    .map((w, i, a) =>
      i === a.length - 1
        ? w.replace(/[.,]+$/, (m) => (SUFFIX_RE.test(w) || /^[A-Z]\.$/.test(w) ? m : ''))
        : w,
    );
  // take from the end while tokens look like a name and are not titles
  const name: string[] = [];
  let afterTitle = false; // the run follows a title word ("Officer Jessica Davis Ba")
  for (let i = ws.length - 1; i >= 0; i--) {
    const w = ws[i];
    if (SUFFIX_RE.test(w) && name.length === 0) {
      name.unshift(w);
      continue;
    }
    if (PARTICLES.has(w) && name.length > 0) {
      name.unshift(w);
      continue;
    }
    // "Patricia A McNerney": a bare capital between a given name and the surname is an initial
    const bareInitial =
      /^[A-Z]$/.test(w) &&
      name.length > 0 &&
      i > 0 &&
      /^[A-Z][a-z]+$/.test(ws[i - 1]) &&
      !isTitleWord(ws[i - 1]);
    if (!bareInitial && (isTitleWord(w) || !NAME_TOKEN_RE.test(w))) {
      afterTitle = isTitleWord(w) && !/^(?:and|the|by|a|classified)$/i.test(w);
      break;
    }
    // a name written in mixed case that opens with initials (`J. Roe`, `A.B. Roe`) has no word in
    // capitals before them: that is an office abbreviated (`IPO J. Roe`, `COUN J. Roe`), or the end
    // of a word of office cut over a line (`AFFAIR\nS J. Roe`; a capital without its full stop
    // before initials with theirs is no initial)
    if (
      !bareInitial &&
      name.length > 1 &&
      /^(?:[A-Z]\.)+$/.test(name[0]) &&
      /^[A-Z]+(?:['’-][A-Z]+)*$/.test(w) &&
      /[a-z]/.test(name[name.length - 1])
    ) {
      afterTitle = w.length > 1;
      break;
    }
    name.unshift(w);
  }
  while (name.length && PARTICLES.has(name[0])) name.shift();
  const core = name.filter((w) => !SUFFIX_RE.test(w));
  if (!core.length) return null;
  // surname, initials and at most one given name ("J. Dean Yap", "LEE 0. COLDREN", "Stephen M. Young")
  const surnameIdx = name.length - 1 - [...name].reverse().findIndex((w) => !SUFFIX_RE.test(w));
  let from = surnameIdx;
  let given = 0;
  const isInitial = (w: string, i: number) =>
    /^(?:[A-Z0]\.)+$|^[A-Z]\.[A-Z]\.?$/.test(w) ||
    (/^[A-Z]$/.test(w) && i > 0 && /^[A-Z][a-z]+$/.test(name[i - 1]));
  // two given names ("Mary Grace McGeehan") only when the whole run is three words after a title
  // a particle before the surname in capitals or capitalised too (`JOHN VAN DER BERG`, `Ana Maria
  // De la Cruz`): part of the surname, not a given name
  const isParticle = (w: string, i: number) => i < surnameIdx && PARTICLES.has(w.toLowerCase());
  const nameWords = name
    .slice(0, surnameIdx + 1)
    .filter((w, i) => !isInitial(w, i) && !isParticle(w, i)).length;
  // in capitals, only a run of three words in capitals whose first could not be a word of office cut
  // short (`COUN`, `MC`, `PDAS` before a name are offices: `ACTING DCM JOHN PAUL SAMPLE`)
  const maxGiven =
    afterTitle &&
    nameWords === 3 &&
    (/^[A-Z][a-z]+$/.test(name[0]) ||
      (name.slice(0, 3).every((w) => /^[A-Z]{2,}$/.test(w)) && !officeShaped(name[0])))
      ? 2
      : 1;
  for (let i = surnameIdx - 1; i >= 0; i--) {
    const w = name[i];
    if (isInitial(w, i) || isParticle(w, i)) from = i;
    else if (given < maxGiven) {
      given++;
      from = i;
    } else break;
  }
  const joined = name.slice(Math.max(0, from));
  return joined.join(' ');
}

/** `THOMAS W. SIMONS, JR.` → `Thomas W. Simons, Jr.` (only names written all in capitals change). */
export function normalizeName(name: string): string {
  const n = name.replace(/(?<=[A-Z])0(?=[A-Z.\s]|$)|(?<=^|\s)0(?=[.A-Z])/g, 'O');
  if (/[a-z]/.test(n)) return n;
  return n
    .toLowerCase()
    .split(/(\s+|-)/)
    .map((w) => {
      if (/^(?:ii|iii|iv)$/.test(w)) return w.toUpperCase();
      if (/^mc[a-z]/.test(w)) return 'Mc' + w[2].toUpperCase() + w.slice(3);
      // a one-letter prefix with an apostrophe (`O'BRIEN`, `D'AMATO`, `L'HEUREUX`)
      if (/^[dlo]['’][a-z]/.test(w))
        return w[0].toUpperCase() + w[1] + w[2].toUpperCase() + w.slice(3);
      return w ? w[0].toUpperCase() + w.slice(1) : w;
    })
    .join('');
}

export interface ClassifiedBy {
  names: string[];
  reasons: string[];
}

const REASON_RE =
  /\b1\.\s?[2456][ \t]*\(?([a-h]\b\)?(?:(?:[ \t]*(?:\)|,|and|&|\/|or|\+)[ \t]*)+\(?[a-h]\b\)?)*)/i;

/** Names and reasons from the `Classified By` line. */
export function parseClassifiedBy(caption: string, normalize = true): ClassifiedBy {
  return readClassifiedBy(plainText(caption), normalize);
}

/** Words a name line may break inside (`Hoyt Y\nee`): a lower-case run after a line break joins the word before it unless it is one of these. */
const LOWER_WORDS = new Set([
  'for',
  'and',
  'of',
  'per',
  'the',
  'under',
  'in',
  'on',
  'by',
  'at',
  'a',
  'an',
  'to',
  'as',
  'is',
  'was',
  'from',
  'with',
  'based',
  'due',
  'see',
  'sec',
  'reason',
  'reasons',
  'acting',
  // `for` damaged (`fro`, `fore`, as NAME_END_RE reads them)
  'fro',
  'fore',
  'de',
  'da',
  'di',
  'du',
  'del',
  'van',
  'von',
  'der',
  'la',
  'le',
  'bin',
  'y',
]);

/**
 * Whether the word at `at` follows a capitalised word that is no word of office (`Thomas Vajd`,
 * `Robert Pol`): a given name, so the word is a surname, whatever word of office it looks like.
 */
function afterGivenName(all: string, at: number): boolean {
  const before = /(?:^|[\s/])([A-Z][a-z]+)[ \t]+$/.exec(all.slice(Math.max(0, at - 40), at));
  return !!before && !isTitleWord(before[1]) && !LOWER_WORDS.has(before[1].toLowerCase());
}

/** What follows the last word of a name: punctuation, `for`, `reasons`, a line end. */
const NAME_ENDS_AFTER_RE = /^[ \t]*(?:[,;:(.]|(?:for|fro|reasons?)\b|\n|$)/i;

/** Words of `LOWER_WORDS` that end a name themselves (`Roe\nfor reasons`), never the rest of a word. */
const NAME_ENDERS = new Set([
  'for',
  'fro',
  'fore',
  'and',
  'per',
  'reason',
  'reasons',
  'based',
  'due',
  'under',
  'see',
  'sec',
]);

/** Joins a word that a line break cut in two inside a name (`Hoyt Y\nee` → `Hoyt Yee`). */
function joinBrokenWords(text: string): string {
  if (text.indexOf('\n') >= 0) {
    // a hyphenated name broken at its hyphen (`Kim-\nScott`, `Kim\n-Scott`), a word broken with a
    // hyphen before a lower-case run (`Kneed-\nler`), `Mc` before the rest of its name (`Mc\nCullough`)
    text = text
      .replace(/(?<=[A-Za-z])(?:-[ \t]*\n[ \t]*|[ \t]*\n[ \t]*-)(?=[A-Z][a-z])/g, '-')
      .replace(
        /(?<=[A-Za-z])-[ \t]*\n[ \t]*(?=[a-z]+\b|c[A-Z][a-z])(?!(?:for|fro|and|per|reasons?)\b)/g,
        '',
      )
      .replace(/(?<![A-Za-z])(Mc|O'|D')[ \t]*\n[ \t]*(?=[A-Z][a-z])/g, '$1');
    // in capitals: a word cut before its last one or two letters (`ANN R\nOE`, `SMI\nTH`)
    text = text.replace(
      /(?<![A-Za-z.'’])([A-Z]+)\n[ \t]*([A-Z]{1,2})(?![A-Za-z.'’])/g,
      (m, left: string, right: string) =>
        /^(?:II|IV|JR|SR)$/.test(right) || isTitleWord(left) ? m : left + right,
    );
  }
  // a capitalised word, then (across a line break, or a space after a lone capital) a lower-case run
  // (a run with a digit in it, `Roe\nf0r reasons`, is a damaged word, not the end of a name; the
  // run may end a sentence, `Ann Sc\nott. Reason …`; `McCu\nllough` is one word too)
  // (a run that is a small word or a particle joins too when the name ends right after it: `Cor\nbin
  // for reasons`, `Weinste\nin.`; `M\ncCullough` is one word)
  return text.replace(
    /(?<![A-Za-z.'’])((?:Mc|Mac)?[A-Z][a-z]*)(?:[ \t]*\n[ \t]*|(?<=\b[A-Z])[ \t]+)([a-z]+(?=\.(?:\s|$))|c[A-Z][a-z]+(?![A-Za-z0-9.'’])|[a-z]+(?![A-Za-z0-9.'’]))/g,
    (m, left: string, right: string, at: number, all: string) => {
      const endsAfter = NAME_ENDS_AFTER_RE.test(all.slice(at + m.length, at + m.length + 12));
      return (LOWER_WORDS.has(right) && (NAME_ENDERS.has(right) || !endsAfter)) ||
        left.length > 12 ||
        (left.length > 2 && isTitleWord(left) && !afterGivenName(all, at)) ||
        (isTitleWord(right) && !(endsAfter && right.length <= 2))
        ? m
        : left + right;
    },
  );
}

/**
 * The widths at which the published text cuts a long `Classified By` line, wherever the cut falls
 * (FORMAT.md §4: `reasons 1.4 (b) a\nnd (d)`): 69 to 72 characters from the start of the line.
 * Text wrapped at word boundaries leaves its long lines shorter or ends them with punctuation.
 */
const CUT_MIN = 69;
const CUT_MAX = 72;
/** Words that end a name and may begin the next line whole after a cut (`Hoyt Yee\nfor Reasons`). */
const WHOLE_AFTER_CUT_RE = /^(?:for|fro|fore|per|and|reasons?|under|based)(?![A-Za-z])/i;

/**
 * Joins the lines of `text` that were cut at a fixed width inside a word: a line of 69–72
 * characters (the first counted from `column`, where its line started) that ends with a letter,
 * followed by one that starts with a letter (`LAURENT CHARBON\nNET` → `LAURENT CHARBONNET`).
 */
function joinCutLines(text: string, column: number): string {
  let nl = text.indexOf('\n');
  if (nl < 0) return text;
  let out = '';
  let start = 0;
  let col = column;
  while (nl >= 0) {
    const width = col + nl - start;
    const cut =
      width >= CUT_MIN &&
      width <= CUT_MAX &&
      isAsciiLetter(text.charCodeAt(nl - 1)) &&
      isAsciiLetter(text.charCodeAt(nl + 1)) &&
      !WHOLE_AFTER_CUT_RE.test(text.slice(nl + 1, nl + 9));
    out += text.slice(start, nl) + (cut ? '' : '\n');
    start = nl + 1;
    col = 0;
    nl = text.indexOf('\n', start);
  }
  return out + text.slice(start);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The first dash on the line that is not a hyphen inside a word (`DCM -JOHN`, `CDA--JOHN`). */
const OFFICE_DASH_RE = /[ \t]+-{1,2}[ \t]*(?=\S)|(?<=\S)-{2}[ \t]*(?=\S)|(?<=\S)-[ \t]+(?=\S)/;

/** Only words of office before a ` - ` (`DCM - JOHN DOE`): the name follows the dash. */
function onlyTitles(text: string): boolean {
  const ws = text.replace(/[,.:]/g, ' ').trim().split(/\s+/).filter(Boolean);
  return (
    ws.length > 0 &&
    ws.every(
      (w) =>
        isTitleWord(w) ||
        /^(?:and|of|the|for|a\.i\.)$/i.test(w) ||
        (/^[A-Z]{2,5}$/.test(w) && ws.length <= 2),
    )
  );
}

/** Names and reasons, and the label as written when it was misspelt. */
export function readClassifiedBy(
  caption: string,
  normalize = true,
): ClassifiedBy & { written?: string } {
  let first: LooseHit | null = null;
  const names: string[] = [];
  let written: string | undefined;
  // labels as written first; damaged ones only when those give no name
  const exact = classifiedByLabels(caption, false);
  let labels = exact;
  for (let pass = 0; pass < 2 && !names.length; pass++) {
    if (pass === 1) {
      labels = classifiedByLabels(caption).filter((h) => !h.exact);
      if (!labels.length) break;
    }
    for (const m of labels) {
      if (!first) first = m;
      const lineStart = caption.lastIndexOf('\n', m.index - 1) + 1;
      let rest = joinBrokenWords(
        joinCutLines(caption.slice(m.end, m.end + 400), m.end - lineStart),
      );
      // "DCM -JOHN DOE", "CDA--JOHN DOE", "POLOFF -- JOHN DOE": a dash of any form (a space on one
      // side at least, or doubled) after words of office only is written as ` - `
      const dash = OFFICE_DASH_RE.exec(rest);
      if (dash && onlyTitles(rest.slice(0, dash.index)))
        rest = rest.slice(0, dash.index) + ' - ' + rest.slice(dash.index + dash[0].length);
      let endM = nameEnd(rest);
      // "DCM - JOHN DOE": a dash after words of office only
      if (endM && /^\s-\s$/.test(endM[0]) && onlyTitles(rest.slice(0, endM.index))) {
        // words of office that are all titles stay in front: the name follows a title, as without
        // the dash (`POL/ECON - MARY ANN SMITH` has room for two given names)
        const head = rest.slice(0, endM.index);
        const titles = head.trim().split(/\s+/).every(isTitleWord) ? head + ' ' : '';
        rest = titles + rest.slice(endM.index + endM[0].length);
        endM = nameEnd(rest);
      }
      let seg = endM ? rest.slice(0, endM.index) : rest.split('\n')[0];
      seg = seg
        .replace(/\([^)]*\)/g, ' ')
        .replace(/:/g, ',')
        .replace(/([A-Za-z])\/(?=[A-Z][a-z]|[A-Z]\.)/g, '$1 ') // "DCM/Ted Osius", "DCM/J. Roe"
        // "A/DCM-JOHN DOE": an office glued to the name by a hyphen
        .replace(
          /(?<![A-Za-z'])([A-Z][A-Za-z/]{1,11}\.?)-(?=[A-Z][A-Za-z]+\b|[A-Z]\.[ \t]*[A-Z])/g,
          (x, office: string) => (isTitleWord(office) ? office + ' ' : x),
        )
        // an initial whose period the source system turned into a comma (FORMAT.md §10), between a
        // given name and a surname: `Luis G, Moreno` is `Luis G. Moreno`
        .replace(
          /(?<=\b[A-Z][a-z]+[ \t]+[A-Z]),(?=[ \t]+([A-Z][a-z'’-]+)\b)/g,
          (x, next: string) => (isTitleWord(next) || SUFFIX_RE.test(next) ? x : '.'),
        )
        .replace(/\s+/g, ' ')
        // "WITHERS II FR REASONS", "ROE FPR REASONS": `for` cut or with a damaged middle letter
        .replace(/(?:\s+(?:fr|fo|f|f[a-z0]r|per|under|by))+\s*$/i, '')
        .trim();
      // try the text up to each sentence end in turn ("COUNS. JOHN MCNAMARA", "Gnehm. Resons")
      if (/^LINE\b/i.test(seg)) continue;
      let found: string[] = [];
      SENTENCE_END_RE.lastIndex = 0;
      const ends: number[] = [];
      let e: RegExpExecArray | null;
      while ((e = SENTENCE_END_RE.exec(seg))) ends.push(e.index);
      ends.push(seg.length);
      for (const end of ends) {
        // the full stop of an abbreviated office (`CONS. JOHN ROE`) ends no sentence
        const wb = end < seg.length ? /[A-Za-z]+$/.exec(seg.slice(0, end)) : null;
        if (wb && wb[0].length >= 3 && isTitleWord(wb[0] + '.')) continue;
        found = namesInSegment(seg.slice(0, end).replace(/[-\s]+$/, ''));
        if (found.length) break;
      }
      if (found.length) {
        for (const n of found) names.push(normalize ? normalizeName(n) : n);
        first = m;
        if (!m.exact) written = m.written;
        break;
      }
    }
  }
  if (!names.length) first = exact[0] ?? first;
  const reasons: string[] = [];
  if (first) {
    const rm = REASON_RE.exec(caption.slice(first.index, first.index + 600).replace(/\n/g, ' '));
    if (rm) {
      const sec = /1\.\s?([2456])/.exec(rm[0])![1];
      for (const l of rm[1].toLowerCase().match(/[a-h]\b/g) ?? []) {
        const r = `1.${sec}(${l})`;
        if (!reasons.includes(r)) reasons.push(r);
      }
    }
  }
  return written ? { names, reasons, written } : { names, reasons };
}

function nameFromPerson(person: string): string | null {
  const pieces = person.split(/,/).map((p) => p.trim());
  for (let i = 0; i < pieces.length; i++) {
    const n = nameInPiece(pieces[i]);
    if (n && !/\d/.test(n.replace(/0/g, ''))) {
      const next = (pieces[i + 1] ?? '').replace(/\.$/, '');
      if (SUFFIX_RE.test(next))
        return n + ', ' + next + (/^(?:Jr|JR|Sr|SR)$/.test(next) ? '.' : '');
      return n;
    }
  }
  return null;
}

function namesInSegment(seg: string): string[] {
  const people = seg.split(/\s+(?:AND|and|&)\s+/);
  if (people.length > 1) {
    const each = people.map(nameFromPerson);
    // "Economical and Political Chief Ike Reed", "Representative for Afghanistan and Pakistan …":
    // a lone word that opens its piece or follows a lower-case word is not a person
    const lone = (piece: string, n: string) => {
      if (n.includes(' ')) return false;
      const ws = piece
        .replace(/[.,]+\s*$/, '')
        .trim()
        .split(/\s+/);
      return ws.length === 1 || (ws[ws.length - 1] === n && /^[a-z]+$/.test(ws[ws.length - 2]));
    };
    if (each.every((x, i) => x && !lone(people[i], x))) return each as string[];
  }
  const one = nameFromPerson(seg);
  return one ? [one] : [];
}
