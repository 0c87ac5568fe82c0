/**
 * A tolerant reader of caption field labels (FORMAT.md §4): `TAGS`, `SUBJECT`, `REF`. A label is
 * recognised as written, with one damaged letter (`TAGE`, `TGAS`, `SUBJET`), followed by any
 * punctuation (`TAGS;`, `TAGS,`, `SUBJECT -`) or none, at the start of a line or, when the field
 * before runs into it without a line break, in the middle of one.
 */
import { editDistance } from './ids.ts';

export type LabelName = 'TAGS' | 'SUBJECT' | 'REF';

/** The spellings the format uses for each label. */
const FORMS: Record<LabelName, readonly string[]> = {
  TAGS: ['TAGS', 'TAG'],
  SUBJECT: ['SUBJECT', 'SUBJ'],
  REF: ['REF', 'REFS', 'REFTEL', 'REFTELS', 'REFERENCE', 'REFERENCES'],
};

export interface LabelHit {
  /** Where the label word starts. */
  index: number;
  /** Where the field's text starts (after the label, its punctuation and spaces). */
  end: number;
  /** The label as written (`TAGE`, `Subject`). */
  written: string;
  /** False when the label was recognised despite a misspelling. */
  exact: boolean;
  /** True when the label sat in the middle of a line (a previous field ran into it). */
  inline: boolean;
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isLetter = (c: number) => isUpper(c) || isLower(c);
const isSpace = (c: number) => c === 32 || c === 9;

/** How close `word` (upper case) is to a form of the label: 0 exact, 1 one damaged letter, 9 not. */
const closenessCache = new Map<string, number>();

function closeness(word: string, label: LabelName): number {
  const key = label + ' ' + word;
  let c = closenessCache.get(key);
  if (c === undefined) {
    c = computeCloseness(word, label);
    if (closenessCache.size < 20000) closenessCache.set(key, c);
  }
  return c;
}

function computeCloseness(word: string, label: LabelName): number {
  let best = 9;
  for (const f of FORMS[label]) {
    if (word === f) return 0;
    // one edit is a misspelling only for words long enough to stay recognisable
    if (f.length >= 4 && Math.abs(word.length - f.length) <= 1 && editDistance(word, f, 1) <= 1)
      best = 1;
  }
  // `RFE:`: the three letters of REF in another order
  if (best > 1 && label === 'REF' && word.length === 3 && [...word].sort().join('') === 'EFR')
    best = 1;
  // `SUBJECT` has room for two damaged letters (`SUJBECT`, `SUBEJCT`)
  if (
    best > 1 &&
    label === 'SUBJECT' &&
    word.length >= 6 &&
    word.length <= 8 &&
    word[0] === 'S' &&
    editDistance(word, 'SUBJECT', 2) <= 2
  )
    best = 2;
  return best;
}

/** Whether the words after a TAGS-like label look like TAGS (a code in capitals first). */
function tagsFollow(text: string, from: number): boolean {
  return /^[A-Z]{2,6}(?![A-Za-z])/.test(text.slice(from, from + 8));
}

/**
 * Whether the words after a TAGS label written with punctuation look like a list of codes in any
 * case (`prel, pgov`, `PREL PGOV`): two words of two to four letters.
 */
function codesFollow(text: string, from: number): boolean {
  const m = /^([A-Za-z]{2,4})[ \t]*[ ,;][ \t]*[A-Za-z]{2,4}(?![A-Za-z])/.exec(
    text.slice(from, from + 16),
  );
  // (a sentence going on after the word TAGS is not a list: `TAGS, and so on`)
  return !!m && !/^(?:and|the|for|are|was|but|not|its|were|with|from|that|this)$/.test(m[1]);
}

/**
 * Whether a cable item follows (FORMAT.md §6): an optional item mark, an optional year, an
 * originator of letters and a serial (`(A) 05 SAO PAULO 405`, `A. STATE 1234`, `08 MOSCOW 816`).
 */
function cableItemFollows(text: string, from: number): boolean {
  return /^(?:(?:\([A-Za-z]\)|\[[A-Za-z]\]|[A-Z][.)])[ \t]*)?(?:(?:19|20)?\d{2}[ \t]+)?[A-Z][A-Z'.-]*(?:[ \t]+[A-Z][A-Z'.-]*){0,3}[ \t]+\d{1,7}\b/.test(
    text.slice(from, from + 60),
  );
}

/**
 * The first occurrence of `label` in `text` starting in [`from`, `to`) (the caption), or null. `inline` hits
 * (mid-line) need a colon or semicolon after the label, or for TAGS words that look like TAGS.
 */
export function findLabel(
  text: string,
  label: LabelName,
  from = 0,
  to = text.length,
): LabelHit | null {
  // candidate words (3–11 letters starting with the label's letter) are found by the regex engine
  const re = CANDIDATE_RES[label];
  re.lastIndex = from;
  const last = Math.min(text.length, to);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m.index < last) {
    const hit = tryAt(text, label, m.index, m.index + m[0].length, text.length);
    if (hit) return hit;
  }
  return null;
}

/** Words that may be a label: not inside another word or after an apostrophe. */
const CANDIDATE_RES: Record<LabelName, RegExp> = {
  TAGS: /(?<![A-Za-z'’])(?:[Tt][A-Za-z]{2,10}|AGS)(?![A-Za-z])/g,
  SUBJECT: /(?<![A-Za-z'’])[Ss][A-Za-z]{2,10}(?![A-Za-z])/g,
  REF: /(?<![A-Za-z'’])[Rr][A-Za-z]{2,10}(?![A-Za-z])/g,
};

function tryAt(text: string, label: LabelName, i: number, j: number, n: number): LabelHit | null {
  const word = text.slice(i, j);
  const upper = word.toUpperCase();
  const c0 = upper.charCodeAt(0);
  // every form starts with its label's letter; a damaged first letter is allowed only for TAGS (`AGS:`)
  if (label === 'TAGS' ? c0 !== 84 && upper !== 'AGS' : c0 !== label.charCodeAt(0)) return null;
  const close = upper === 'AGS' ? 1 : closeness(upper, label);
  if (close > 2) return null;
  // written in capitals or capitalised (`Subject`), never in lower case unless a colon follows
  const caps = word === upper;
  const capitalised =
    !caps && isUpper(word.charCodeAt(0)) && word.slice(1) === word.slice(1).toLowerCase();
  // line start: only spaces (or a portion mark / number) between the line break and the label
  let k = i - 1;
  while (k >= 0 && isSpace(text.charCodeAt(k))) k--;
  const lineStart = k < 0 || text.charCodeAt(k) === 10;
  // punctuation after the label: `(S)`, `:`, `;`, `,`, `.`, `-`
  let e = j;
  if (text.startsWith('(S)', e) || text.startsWith('(s)', e)) e += 3;
  while (e < n && isSpace(text.charCodeAt(e))) e++;
  let punct = '';
  while (e < n && ':;,.-'.includes(text[e]) && punct.length < 3) punct += text[e++];
  // a "-" that opens a hyphenated word is not punctuation (`REF-BASED`)
  if (punct === '-' && e < n && isLetter(text.charCodeAt(e)) && e === j + 1) return null;
  while (e < n && isSpace(text.charCodeAt(e))) e++;
  const colon = punct.includes(':') || punct.includes(';');
  if (!caps && !capitalised && !colon) return null;
  if (close > 0 && !caps && !capitalised) return null;
  if (lineStart) {
    if (close > 0 && !colon && !(label === 'TAGS' && tagsFollow(text, e))) return null;
    // a label word with nothing after it on its line is a label only for SUBJECT (text on the next line)
    if (!punct && close === 0 && label === 'TAGS' && !tagsFollow(text, e)) return null;
    if (!punct && label === 'REF' && (!caps || upper.startsWith('REFERENCE'))) return null;
  } else {
    // mid-line: the field before ran into this one (`… Tags: prel, tu Subject: …`)
    if (!caps && !capitalised) return null;
    if (label === 'TAGS') {
      // (`TAGS, prel, pgov` or `TAGS - prel` after the E.O. line: the label in capitals, with
      // punctuation, before a list of codes)
      if (!(
        colon ||
        (close === 0 && caps && (tagsFollow(text, e) || (punct !== '' && codesFollow(text, e))))
      ))
        return null;
    } else if (label === 'REF' && !colon) {
      // (`… AND FTAA REF. (A) 05 SAO PAULO 405`: the label in capitals with other punctuation,
      // before a cable item)
      if (!(close === 0 && caps && punct !== '' && cableItemFollows(text, e))) return null;
    } else if (!colon || (!caps && !(capitalised && close === 0))) return null;
    if (close > 0 && !caps) return null;
  }
  return {
    index: i,
    end: e,
    written: word + (punct ? punct.trim() : ''),
    exact: close === 0,
    inline: !lineStart,
  };
}
