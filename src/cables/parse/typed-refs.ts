/**
 * Typed references (FORMAT.md §6): every item of a REF list, cable or not, with the letter that
 * marks it. A cable item gives its canonical id (`09LIMA1669`); another kind of document (an e-mail,
 * a telcon, a report, a manual…) gives the item as written.
 */
import { normalizeText, removeMarkers } from './clean.ts';
import { referencesInText, refBlock, prepareRefText } from './caption.ts';
import { isKnownStation, stationFromId, yearFromId } from './ids.ts';
import { STATION_ALIASES } from './tables.ts';
import type { ReferenceKind, TypedReference } from './types.ts';

/**
 * Station codes that are also other names of a station (`TAIPEI` for AITTAIPEI, `WASHDC` for
 * STATE): a reference id written with such a code is a valid id as it stands and is kept as cited.
 */
const CODE_ALIASES: readonly (readonly [string, string])[] = Object.entries(STATION_ALIASES).filter(
  ([code]) => isKnownStation(code),
);

/**
 * The id of a cited cable as the item writes it: the canonical id, but with the station code of the
 * item when that code is a station of its own that canonical ids write another way (`Taipei 3393`
 * is 05TAIPEI3393, a valid id, where the canonical id is 05AITTAIPEI3393).
 */
function asCited(id: string, text: string): string {
  const st = stationFromId(id);
  if (!st) return id;
  for (const [code, target] of CODE_ALIASES) {
    if (target !== st) continue;
    const upper = text.toUpperCase();
    if (!new RegExp(`(?<![A-Z])${code}(?![A-Z])`).test(upper)) continue;
    if (upper.replace(/[^A-Z]/g, '').includes(target)) continue;
    return id.slice(0, 2) + code + id.slice(2 + st.length);
  }
  return id;
}

/**
 * Words that name a document other than a cable (FORMAT.md §6), by kind. The first such word of an
 * item decides its kind.
 */
const KIND_WORDS: readonly [ReferenceKind, RegExp][] = [
  ['email', /\bE-?MAILS?\b/iy],
  [
    'telcon',
    /\b(?:TELE?CONS?|TELEPHONE[ \t]+(?:CALLS?|CONVERSATIONS?)|PHONE[ \t]*CALLS?|S?VTCS?|DVCS?|(?:VIDEO[ \t-]?|TELE)CONFERENCES?)\b/iy,
  ],
  [
    'report',
    /\b(?:REPORTS?|IIRS?|OSC|TDX?-\d[\d\/-]*|ASSESSMENTS?|STUD(?:Y|IES)|SITREPS?|INTSUMS?|SPOTREPS?)\b/iy,
  ],
  ['book', /\b(?:FAM|FAH|MANUALS?|HANDBOOKS?|BOOKS?)\b/iy],
  ['letter', /\bLETTERS?\b/iy],
  [
    'memo',
    /\b(?:MEMCONS?|MEMOS?|MEMORAND(?:UM|A)|NON-?PAPERS?|DEMARCHE[ \t]+POINTS|TALKING[ \t]+POINTS)\b/iy,
  ],
];
/** Any of the words of `KIND_WORDS`, for finding the first one. */
const ANY_KIND_RE =
  /\b(?:E-?MAILS?|TELE?CONS?|TELEPHONE|PHONE|S?VTCS?|DVCS?|VIDEO|TELECONFERENCES?|REPORTS?|IIRS?|OSC|TDX?-\d[\d\/-]*|ASSESSMENTS?|STUD(?:Y|IES)|SITREPS?|INTSUMS?|SPOTREPS?|FAM|FAH|MANUALS?|HANDBOOKS?|BOOKS?|LETTERS?|MEMCONS?|MEMOS?|MEMORAND(?:UM|A)|NON-?PAPERS?|DEMARCHE|TALKING)\b/gi;
/** A message known by its date-time group (FORMAT.md §3: `DDHHMMZ MON YY`), not by a serial. */
const DTG_RE =
  /\bDTG|\d{6}Z[ \t]*(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[ \t]*\d{2,4}\b/i;
/** What is left of an item that only says the list goes on before it (`AND PREVIOUS`). */
const NO_ITEM_RE = /^(?:(?:19|20)?\d{2}[ \t]+)?(?:AND[ \t]+)?(?:PREVIOUS|PRIOR|OTHERS?)\b[^A-Z]*$/i;

/** The document kind of an item, and where its first kind word is; null when it names none. */
function kindOf(text: string): { kind: ReferenceKind; at: number } | null {
  ANY_KIND_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ANY_KIND_RE.exec(text))) {
    for (const [kind, re] of KIND_WORDS) {
      re.lastIndex = m.index;
      if (re.test(text)) return { kind, at: m.index };
    }
  }
  return null;
}

/**
 * An item mark (FORMAT.md §6: `A.`, `A)`, `(A)`, `[A]`, `REF A`, also `A -`, `A:` and `A.)`; numbered
 * `(1)`, `1)`, `1.`), where an item may start: at the start of the list, after a space, a line
 * break, `;` or `,`. Group 1–4 hold the letter or number.
 */
const BULLET_RE =
  /(?<=^|[\s;,])(?:[([]([A-Za-z]|\d{1,2})[)\]]|([A-Za-z]|\d{1,2})(?:\.\)|[.):]|[ \t]+-(?=[ \t]))|REF[ \t]+([A-Z])(?=[ \t]))(?=[\s(]|[A-Z0-9])/g;

interface Item {
  bullet: string | null;
  text: string;
}

const nextMark = (b: string) =>
  /^\d+$/.test(b) ? String(+b + 1) : String.fromCharCode(b.charCodeAt(0) + 1);

/**
 * Splits a REF list into its items. Marks follow each other (`A`, `B`, `C`…, or `1`, `2`…; the same
 * mark again is taken too, as cables repeat one by mistake: `B) … B) …`); a list starts at `A` or
 * `1`, so a letter that is not the next one (`E-mails J. Speaks-K. Allen`) is part of the item. A
 * mark written twice (`A. A)`, `A. (A)`, `A. REF A`) is one mark. `;` ends an item too.
 */
export function splitItems(list: string): Item[] {
  const items: Item[] = [];
  let bullet: string | null = null;
  let from = 0;
  let textFrom = 0;
  const flush = (to: number) => {
    for (const [i, piece] of list.slice(textFrom, to).split(';').entries()) {
      // an item ends at a blank line once it has a number or names a document (a double-spaced
      // item, `C) RIO\n\nDE JANEIRO 1291`, goes on; the prose after the list does not)
      const blank = /\n[ \t]*\n/g;
      let cut = piece.length;
      for (let b = blank.exec(piece); b; b = blank.exec(piece)) {
        const before = piece.slice(0, b.index);
        if (/\d/.test(before) || kindOf(before)) {
          cut = b.index;
          break;
        }
      }
      const text = piece.slice(0, cut).replace(/\s+/g, ' ').trim();
      // a `;` starts an unmarked item; the text before it keeps the mark
      if (text) items.push({ bullet: i === 0 ? bullet : null, text });
    }
  };
  // `REF A … REF B …`: the label took the first `REF`, its letter opens the list
  const first = /^\s*A[ \t]+(?=[A-Z0-9])/.exec(list);
  if (first && /\bREF[ \t]+B[ \t]/.test(list)) {
    bullet = 'A';
    textFrom = first[0].length;
  }
  BULLET_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BULLET_RE.exec(list))) {
    const mark = (m[1] ?? m[2] ?? m[3]).toUpperCase();
    const at = m.index;
    const between = list.slice(textFrom, at);
    const fresh = !between.trim() && textFrom > 0;
    const lineStart =
      /(?:^|\n)[ \t]*$/.test(list.slice(0, at)) || /[;,][ \t]*$/.test(list.slice(0, at));
    // a second mark right after a mark (`A. A)`, `A. REF A`, `C. (B)`, the web pages' letters over
    // the cable's own): one mark, the first
    if (fresh) {
      textFrom = at + m[0].length;
      continue;
    }
    let ok: boolean;
    if (bullet === null) {
      // the first mark: `A` or `1`, where an item starts (the list start, a line start, after `;`
      // or `,`, or after the serial of an unmarked item before it)
      ok =
        (mark === 'A' || mark === '1') &&
        (lineStart || /\d[ \t]*$/.test(list.slice(0, at)) || !list.slice(0, at).trim());
    } else if (/^\d+$/.test(bullet) !== /^\d+$/.test(mark)) ok = false;
    else ok = mark === bullet || mark === nextMark(bullet);
    if (!ok) continue;
    flush(at);
    bullet = mark;
    from = at;
    textFrom = at + m[0].length;
  }
  void from;
  flush(list.length);
  return items;
}

/** The item as written: spaces joined, closing punctuation dropped. */
function asWritten(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/^[\s,;:.-]+|[\s,;:]+$/g, '')
    .replace(/(?<![ .][A-Z]|^[A-Z])\.$/, '')
    .trim();
}

const sameList = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Where an item may be cut in two: a comma, `AND`, a line break. */
const PIECE_END_RE = /,|[ \t]+AND[ \t]+|\n/gi;

/**
 * The typed references of one item: its cables, or the document it names, or both when a comma,
 * `AND` or a line break separates a cable from a document (`STATE 1234 AND SMITH EMAIL 5/5/09`).
 */
function typeItem(
  item: Item,
  year: number | null,
  ownId: string | null,
  seen: Set<string>,
  out: TypedReference[],
): void {
  const { text, bullet } = item;
  const push = (kind: ReferenceKind, value: string) => {
    if (!value) return;
    const key = kind === 'cable' ? value : `${kind}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind, value, bullet });
  };
  const cablesIn = (t: string) => referencesInText(t, year, ownId).map((id) => asCited(id, t));
  const cables = cablesIn(text);
  const kind = kindOf(text);
  if (!cables.length) {
    if (kind) return push(kind.kind, asWritten(text));
    // a bare serial names a cable of the citing post (`A) 6307` in a cable of Ankara)
    // (four digits that read as a year, `B. 2006`, are the year of the item before, not a serial)
    const bare = /^\(?0*(\d{1,7})\)?[.,]?$/.exec(text);
    if (bare && ownId && !/^(?:19[6-9]|20[0-2])\d$/.test(bare[1])) {
      const y = year ?? yearFromId(ownId);
      const st = stationFromId(ownId);
      if (y && st && bare[1] !== '0') {
        const id = String(y % 100).padStart(2, '0') + st + bare[1];
        if (id !== ownId) push('cable', id);
      }
      return;
    }
    if (DTG_RE.test(text)) return push('cable', asWritten(text));
    // the citing cable itself: dropped, not another kind of item
    if (ownId && referencesInText(text, year, null).length) return;
    if (bullet !== null && /[A-Za-z]{3}/.test(text) && !NO_ITEM_RE.test(text.trim()))
      push('other', asWritten(text));
    return;
  }
  if (!kind) {
    for (const c of cables) push('cable', c);
    return;
  }
  // a cable and a document in one item, each in its own piece: cables before, the document, cables
  // after; a document word in parentheses or after a colon is the cable's subject (`LIMA 123 (EMAIL)`)
  const starts: number[] = [0];
  const ends: number[] = [];
  PIECE_END_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PIECE_END_RE.exec(text))) {
    if (m.index + m[0].length <= kind.at) starts.push(m.index + m[0].length);
    else if (m.index > kind.at) ends.push(m.index);
  }
  ends.push(text.length);
  for (const s of starts) {
    const before = s > 0 ? cablesIn(text.slice(0, s)) : [];
    for (let j = ends.length - 1; j >= 0; j--) {
      const e = ends[j];
      const doc = text.slice(s, e);
      if (cablesIn(doc).length) continue;
      const after = e < text.length ? cablesIn(text.slice(e)) : [];
      if (!sameList([...before, ...after], cables)) continue;
      for (const c of before) push('cable', c);
      push(kind.kind, asWritten(doc));
      for (const c of after) push('cable', c);
      return;
    }
  }
  for (const c of cables) push('cable', c);
}

/**
 * Typed references of a REF list (FORMAT.md §6), in the order of the list. A cable without a year
 * takes `year` (else the citing cable's); the citing cable itself (`ownId`) is dropped, as are
 * repeats.
 */
export function typedReferencesInText(
  text: string,
  year: number | null,
  ownId: string | null,
): TypedReference[] {
  const list = removeMarkers(normalizeText(text));
  const out: TypedReference[] = [];
  const seen = new Set<string>();
  const y = year ?? (ownId ? yearFromId(ownId) : null);
  for (const item of splitItems(list)) typeItem(item, y, ownId, seen, out);
  return out;
}

/** Typed references of a caption's REF list (and of the caption written again after it). */
export function parseTypedReferences(
  caption: string,
  year: number | null,
  ownId: string | null,
): TypedReference[] {
  const text = prepareRefText(caption);
  const block = refBlock(text);
  if (!block) return [];
  const out = typedReferencesInText(block.text, year, ownId);
  const again = block.rest ? refBlock(block.rest) : null;
  if (again) {
    const seen = new Set(
      out.map((r) => (r.kind === 'cable' ? r.value : `${r.kind}\u0000${r.value}`)),
    );
    for (const r of typedReferencesInText(again.text, year, ownId)) {
      const key = r.kind === 'cable' ? r.value : `${r.kind}\u0000${r.value}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(r);
      }
    }
  }
  return out;
}
