/** TAGS line parsing (5 FAH-3 Traffic Analysis by Geography and Subject), kinds and meanings. */
import {
  GEO_TAG_NAMES,
  MULTI_WORD_TAGS,
  ORGANIZATION_TAGS,
  PROGRAM_TAG_MEANINGS,
  SUBJECT_TAGS,
  SUBJECT_TAG_CATEGORIES,
  SUBJECT_TAG_MEANINGS,
  TAG_FIXES,
} from './tables.ts';
import { plainText } from './clean.ts';
import { findLabel } from './labels.ts';

const SUBJECT_SET: ReadonlySet<string> = new Set(SUBJECT_TAGS);
const ORG_SET: ReadonlySet<string> = new Set(ORGANIZATION_TAGS.map((t) => t.toUpperCase()));
const FIX_MAP = new Map<string, readonly string[]>(Object.entries(TAG_FIXES));
const TWO_WORD_FIXES = new Set(Object.keys(TAG_FIXES).filter((k) => k.includes(' ')));
/** Glued fixes that may end an unknown word (`RIGHTSPOLMIL` → `RIGHTS` + `POLMIL`). */
const GLUED_SUFFIXES = Object.keys(TAG_FIXES).filter((k) => !k.includes(' ') && k.length >= 5);
/** Known multi-word tags, by word count (longest tried first). */
const PHRASES: ReadonlySet<string> = new Set([
  ...MULTI_WORD_TAGS,
  ...Object.values(GEO_TAG_NAMES)
    .map((n) => n.toUpperCase())
    .filter((n) => /^[A-Z]+(?: [A-Z]+)+$/.test(n)),
]);
const MAX_PHRASE_WORDS = Math.max(...[...PHRASES].map((p) => p.split(' ').length));

export type TagKind = 'geo' | 'person' | 'program' | 'subject' | 'organization' | 'unknown';

/** Kind of a TAG: 2 letters → geo, comma → person, K??? → program, subject list, organization list. */
export function tagKind(tag: string): TagKind {
  const t = tag.trim().toUpperCase();
  if (t.length === 2) return 'geo';
  if (t.includes(',')) return 'person';
  if (/^K[A-Z]{3}$/.test(t)) return 'program';
  if (SUBJECT_SET.has(t)) return 'subject';
  if (ORG_SET.has(t)) return 'organization';
  return 'unknown';
}

/** Meaning of a TAG in plain words (`PTER` → "Terrorists and terrorism"), or null when unknown. */
export function tagMeaning(tag: string): string | null {
  const t = tag.trim().toUpperCase();
  if (SUBJECT_TAG_MEANINGS[t]) return SUBJECT_TAG_MEANINGS[t];
  if (PROGRAM_TAG_MEANINGS[t]) return PROGRAM_TAG_MEANINGS[t];
  if (GEO_TAG_NAMES[t]) return GEO_TAG_NAMES[t];
  if (SUBJECT_SET.has(t)) return SUBJECT_TAG_CATEGORIES[t[0]] ?? null;
  return null;
}

/**
 * A TAG code of 5 FAH-3 (subject, program `K…`, country or organization), for codes parted by
 * slashes.
 */
function isSlashCode(w: string): boolean {
  return (
    SUBJECT_SET.has(w) ||
    /^K[A-Z]{3}$/.test(w) ||
    GEO_TAG_NAMES[w] !== undefined ||
    ORG_SET.has(w) ||
    FIX_MAP.has(w)
  );
}

/** A token that is a TAG on its own (never part of a multi-word tag). */
function isKnownTag(w: string): boolean {
  if (SUBJECT_SET.has(w) || FIX_MAP.has(w)) return true;
  if (/^K[A-Z]{3}$/.test(w)) return true;
  if (/^[A-Z]{2}$/.test(w)) return true;
  if (ORG_SET.has(w)) return true;
  if (/[\d/]/.test(w)) return true;
  return false;
}

/** First words of the known multi-word tags. */
const PHRASE_FIRST_WORDS: ReadonlySet<string> = new Set([...PHRASES].map((p) => p.split(' ')[0]));

/** Appends the words of `phrase` as one tag (nothing when empty). */
function flush(out: string[], phrase: string[]): void {
  if (phrase.length) out.push(phrase.join(' '));
}

const CONNECTORS = new Set(['AND', 'OF', 'IN', 'THE', 'WITH', 'FOR', 'ON', 'TO']);

/** Splits the words of a comma-less TAGS run into tags, grouping runs of unknown words into one tag. */
function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (!w) continue;
    const u = w.toUpperCase();
    const suffix =
      u.length >= 9 && !isKnownTag(u)
        ? GLUED_SUFFIXES.find((k) => u.endsWith(k) && /^[A-Z]{4,}$/.test(u.slice(0, -k.length)))
        : undefined;
    if (suffix) words.push(w.slice(0, -suffix.length), w.slice(-suffix.length));
    else words.push(w);
  }
  const out: string[] = [];
  let phrase: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const u = w.toUpperCase();
    let known = 0;
    // only words that open a known phrase need the phrase lookups (words hold no spaces)
    if (PHRASE_FIRST_WORDS.has(u)) {
      for (let n = Math.min(MAX_PHRASE_WORDS, words.length - i); n >= 2 && !known; n--) {
        if (
          PHRASES.has(
            words
              .slice(i, i + n)
              .join(' ')
              .toUpperCase(),
          )
        )
          known = n;
      }
    }
    if (known) {
      // a known phrase opens a tag that following unknown words may extend ("MEDIA REACTION REPORT")
      flush(out, phrase);
      phrase = words.slice(i, i + known);
      i += known - 1;
      continue;
    }
    if (i + 1 < words.length) {
      const two = u + ' ' + words[i + 1].toUpperCase();
      if (TWO_WORD_FIXES.has(two)) {
        flush(out, phrase);
        phrase = [];
        out.push(two);
        i++;
        continue;
      }
    }
    const inPhrase = phrase.length > 0;
    const nextUnknown = i + 1 < words.length && !isKnownTag(words[i + 1].toUpperCase());
    if (
      inPhrase &&
      (CONNECTORS.has(u) || (u.length === 2 && nextUnknown && /^[A-Z]+$/.test(u))) &&
      nextUnknown
    ) {
      phrase.push(w);
      continue;
    }
    // "GAZA DISENGAGEMENT ISRAELI PALESTINIAN AFFAIRS": a nationality word after two or more
    // words of a phrase starts the next tag
    if (phrase.length >= 2 && /^[A-Z]{3,}(?:IAN|I)$/.test(u) && !isKnownTag(u)) {
      flush(out, phrase);
      phrase = [];
    }
    const short = u.length === 3 && /^[A-Z]+$/.test(u) && !isKnownTag(u);
    // "FOREIGN POL": a short word closes a one-word phrase
    if (short && phrase.length === 1) {
      phrase.push(w);
      flush(out, phrase);
      phrase = [];
      continue;
    }
    // "TIP IN TURKEY": a short word, a connector and an unknown word
    if (
      short &&
      !inPhrase &&
      i + 2 < words.length &&
      CONNECTORS.has(words[i + 1].toUpperCase()) &&
      !isKnownTag(words[i + 2].toUpperCase())
    ) {
      phrase.push(w);
      continue;
    }
    if (isKnownTag(u) || u.length <= 3 || !/^[A-Z][A-Z'.&-]*$/i.test(w)) {
      flush(out, phrase);
      phrase = [];
      out.push(w);
    } else {
      phrase.push(w);
    }
  }
  flush(out, phrase);
  return out;
}

const PERSON_COMMA = '\u0001';

const TAG_CLEANUP_RES: RegExp[] = [
  /\b(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)\b\s*(?:PAGE\s+\d+\s+[A-Z ]+?\s+\d+\s+(?:\d+\s+OF\s+\d+\s+)?\d{6}Z)?/g,
  /\bPAGE\s+\d+\s+[A-Z ]+?\s+\d+\s+(?:\d+\s+OF\s+\d+\s+)?\d{6}Z/g,
];

/** A page head of the printout, with the repeated banner in front of it, in any case. */
const PAGE_HEAD_RE =
  /(?:\b(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)\s+)?\bPAGE\s+\d+\s+[A-Z ]+?\s+\d+\s+(?:\d+\s+OF\s+\d+\s+)?\d{6}Z\b/i;

/**
 * Tags from the text of a TAGS line (everything after `TAGS:`): canonical upper case, in order,
 * deduplicated, glued tags split. With `canonicalize` false the tokens are returned as written
 * (upper-cased).
 */
export function splitTags(text: string, canonicalize = true): string[] {
  // "OVIP (STEINBERG, JAMES B.)": a parenthesised name with a comma is one person tag
  let t = canonicalize
    ? text.replace(
        /\(([^(),]+,[^(),]+)\)/g,
        (_m, inner: string) => ',' + inner.replace(',', PERSON_COMMA) + ',',
      )
    : text;
  t = t.replace(/[()]/g, ' ');
  // codes written with slashes between them (`KCRM/KWMN/PHUM/BA`): a slash parts them when every
  // part is a TAG code of 5 FAH-3 (an office written with a slash, `G/TIP`, stays as written)
  if (t.includes('/'))
    t = t.replace(/\b[A-Za-z]{2,5}(?:\/[A-Za-z]{2,5})+\b/g, (m) =>
      m.split('/').every((w) => isSlashCode(w.toUpperCase())) ? m.replace(/\//g, ' ') : m,
    );
  if (canonicalize) {
    // the head of a later page of the printout (FORMAT.md §5: `PAGE 02 HARARE 06677 01 OF 03
    // 291400Z`) inside the TAGS line: the caption sits on the first page, so what follows the head
    // is text of another page, never tags
    const page = PAGE_HEAD_RE.exec(t);
    if (page) t = t.slice(0, page.index);
    for (const re of TAG_CLEANUP_RES) t = t.replace(re, ' ');
  }
  const raw: string[] = [];
  for (const piece of t.split(/[,;]/)) {
    if (piece.includes(PERSON_COMMA)) {
      raw.push(piece.replace(PERSON_COMMA, ', ').replace(/\s+/g, ' ').trim());
      continue;
    }
    const p = piece.replace(/\s+/g, ' ').replace(/^[\s:.]+|[\s:.]+$/g, '');
    if (!p) continue;
    if (!canonicalize) {
      for (const w of p.split(' ')) raw.push(w.toUpperCase());
      continue;
    }
    for (const w of splitWords(p.replace(/:/g, ' '))) raw.push(w);
  }
  if (!canonicalize) return raw.filter(Boolean);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of raw) expandTag(r, 0, out, seen);
  return out;
}

const GEO_SET: ReadonlySet<string> = new Set(Object.keys(GEO_TAG_NAMES));
const isCode4 = (w: string) =>
  SUBJECT_SET.has(w) || (/^K[A-Z]{3}$/.test(w) && !!PROGRAM_TAG_MEANINGS[w]);

/**
 * Two TAG codes written without a space, split by their shape (5 FAH-3: subject and program TAGS
 * have four letters, country TAGS two): `KDEMAF` → KDEM + AF, `PRELPGOV` → PREL + PGOV. Null when
 * the word is not two known codes.
 */
export function splitGluedCodes(w: string): string[] | null {
  if (!/^[A-Z]{6}$|^[A-Z]{8}$/.test(w) || ORG_SET.has(w) || SUBJECT_SET.has(w)) return null;
  if (w.length === 8)
    return isCode4(w.slice(0, 4)) && isCode4(w.slice(4)) ? [w.slice(0, 4), w.slice(4)] : null;
  if (isCode4(w.slice(0, 4)) && GEO_SET.has(w.slice(4))) return [w.slice(0, 4), w.slice(4)];
  if (GEO_SET.has(w.slice(0, 2)) && isCode4(w.slice(2))) return [w.slice(0, 2), w.slice(2)];
  return null;
}

/** Adds `tag` (upper case, fixes expanded) to `out` unless already seen. */
function expandTag(tag: string, depth: number, out: string[], seen: Set<string>): void {
  const u = tag.toUpperCase();
  const fix = FIX_MAP.get(u) ?? splitGluedCodes(u);
  if (fix && depth < 3) for (const f of fix) expandTag(f, depth + 1, out, seen);
  else addTag(u, out, seen);
}

function addTag(tag: string, out: string[], seen: Set<string>): void {
  const u =
    tag.endsWith('.') && !tag.includes(',') ? tag.slice(0, -1).toUpperCase() : tag.toUpperCase();
  if (!u || u === 'SIPDIS' || seen.has(u)) return;
  seen.add(u);
  out.push(u);
}

const TAGS_RE =
  /(?:^|[\s.:])(?:TAGS?|TAGE|TAGA|TAGAS|TGAS|TAGSS)(?:[ \t]*:[ \t]*|[ \t]+)|(?:^|\s)(?:TABS|TAS|TGS|AGS)[ \t]*:[ \t]*/gim;
const TAGS_STOP_RE = /\b(?:SUBJ(?:ECT)?\b|E\.\s?O\.|Classified\s+By)|\(U\)|\(SBU\)|\(C\)/i;
const CONT_LINE_STOP_RE =
  /^\s*(?:SUBJ|UBJECT|E\.?\s?O\.?\s|REF|CLASSIFIED|\d+\.|\(|SIPDIS|SENSITIVE|[A-Z]{2,}\s+FOR\b)/i;

/** Finds the TAGS line in a caption and returns its tags (empty when none). */
export function parseTags(
  caption: string,
  canonicalize = true,
): { tags: string[]; found: boolean; written?: string } {
  caption = plainText(caption);
  TAGS_RE.lastIndex = 0;
  const m = TAGS_RE.exec(caption);
  const hit = findLabel(caption, 'TAGS', 0, m ? m.index + m[0].length : caption.length);
  if (!m && !hit) return { tags: [], found: false };
  // the tolerant reader wins where both found the same label (it also takes `TAGS -`, `TAGS;`)
  const useHit = !!hit && (!m || hit.index <= m.index + 1);
  const start = useHit ? hit!.end : m!.index + m![0].length;
  const written = useHit && !hit!.exact ? hit!.written : undefined;
  let eol = caption.indexOf('\n', start);
  if (eol < 0) eol = caption.length;
  let text = caption.slice(start, eol);
  let pos = eol;
  let stop = TAGS_STOP_RE.exec(text);
  // a SUBJECT or REF label later on the same line ends the tags (fields run together)
  const next = findLabel(text, 'SUBJECT') ?? findLabel(text, 'REF');
  if (next && (!stop || next.index < stop.index))
    stop = Object.assign([text.slice(next.index)], {
      index: next.index,
      input: text,
      groups: undefined,
    }) as RegExpExecArray;
  // a SUBJECT label in capitals glued to the last tag (`… PHUMSUBJECT: …`, fields run together
  // with no space): it ends the tags as well
  const glued = /(?<=[A-Za-z,.])(?:SUBJECT|SUBJ)[ \t]*:/.exec(text);
  if (glued && (!stop || glued.index < stop.index))
    stop = Object.assign([text.slice(glued.index)], {
      index: glued.index,
      input: text,
      groups: undefined,
    }) as RegExpExecArray;
  if (stop) text = text.slice(0, stop.index);
  // punctuation the label reader left after the label (`TAGS - PREL`)
  text = text.replace(/^[ \t]*[:;,.-]+/, '');
  // continuation lines
  for (let n = 0; !stop && n < 4 && pos < caption.length; n++) {
    let next = caption.indexOf('\n', pos + 1);
    if (next < 0) next = caption.length;
    const line = caption.slice(pos + 1, next);
    const endsComma = /,\s*$/.test(text);
    if (!line.trim()) break;
    if (CONT_LINE_STOP_RE.test(line)) break;
    const beforeSubj = line.split(/\bSUBJ/)[0];
    if (!endsComma && (/[a-z]/.test(beforeSubj) || !/^[\sA-Z0-9,/-]+$/.test(beforeSubj))) break;
    let piece = line;
    stop = TAGS_STOP_RE.exec(piece);
    if (stop) piece = piece.slice(0, stop.index);
    text += ' ' + piece;
    pos = next;
  }
  return { tags: splitTags(text, canonicalize), found: true, ...(written ? { written } : {}) };
}
