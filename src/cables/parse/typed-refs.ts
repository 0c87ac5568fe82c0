/**
 * Typed references (FORMAT.md §6): every item of a REF list, cable or not, with the letter that
 * marks it. A cable item gives its canonical id (`09LIMA1669`); another kind of document (an e-mail,
 * a telcon, a report, a manual…) gives the item as written.
 */
import { normalizeText, removeMarkers } from './clean.ts';
import { referencesInText, refLists } from './caption.ts';
import { isKnownStation, normalizeStation, stationFromId, yearFromId } from './ids.ts';
import { STATION_ALIASES } from './tables.ts';
import type { ReferenceKind, TypedReference } from './types.ts';

/**
 * Station codes that are also other names of a station (`TAIPEI` for AITTAIPEI, `WASHDC` for
 * STATE): a reference id written with such a code is a valid id as it stands and is kept as cited.
 */
const CODE_ALIASES: readonly (readonly [string, string, RegExp])[] = Object.entries(STATION_ALIASES)
  .filter(([code]) => isKnownStation(code))
  .map(([code, target]) => [code, target, new RegExp(`(?<![A-Z])${code}(?![A-Z])`)] as const);

/**
 * The id of a cited cable as the item writes it: the canonical id, but with the station code of the
 * item when that code is a station of its own that canonical ids write another way (`Taipei 3393`
 * is 05TAIPEI3393, a valid id, where the canonical id is 05AITTAIPEI3393).
 */
function asCited(id: string, text: string): string {
  const st = stationFromId(id);
  if (!st) return id;
  for (const [code, target, re] of CODE_ALIASES) {
    if (target !== st) continue;
    const upper = text.toUpperCase();
    if (!re.test(upper)) continue;
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
    /\b(?:TELE?CONS?|(?:TELE)?PHONE[ \t]+(?:CALLS?|CONVERSATIONS?)|PHONE[ \t]*CALLS?|PHONE?CONS?|S?VTCS?|DVCS?|(?:VIDEO[ \t-]?|TELE)CONFERENCES?)\b/iy,
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
  /\b(?:E-?MAILS?|TELE?CONS?|TELEPHONE|PHONE|PHONE?CONS?|S?VTCS?|DVCS?|VIDEO|TELECONFERENCES?|REPORTS?|IIRS?|OSC|TDX?-\d[\d\/-]*|ASSESSMENTS?|STUD(?:Y|IES)|SITREPS?|INTSUMS?|SPOTREPS?|FAM|FAH|MANUALS?|HANDBOOKS?|BOOKS?|LETTERS?|MEMCONS?|MEMOS?|MEMORAND(?:UM|A)|NON-?PAPERS?|DEMARCHE|TALKING)\b/gi;
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
 * break, `;`, `,` or `:`; a capital alone at a line start (`A KYIV 301`). Groups 1–4 hold the letter or
 * number.
 */
const BULLET_RE =
  /(?<=^|[\s;,:])(?:[([]([A-Za-z]|\d{1,2})[)\]]|([A-Za-z]|\d{1,2})(?:\.\)|[.):]|[ \t]+-(?=[ \t]))|REF[ \t]+([A-Z])(?:[ \t]*:)?(?=[ \t]))(?=[\s(]|[A-Z0-9])|(?<=(?:^|\n)[ \t]*)([A-Z])[ \t]+(?=[A-Z0-9])/g;

interface Item {
  bullet: string | null;
  /** The item's text as written, line breaks kept. */
  text: string;
  /** Whether the next item follows on the same line (the item does not end a line). */
  open: boolean;
}

/**
 * The part of an item that can name a document: up to the first blank line after a serial or a
 * document word (a double-spaced item, `C) RIO\n\nDE JANEIRO 1291`, goes on; the prose after a
 * list that has no end of its own does not).
 */
function headOf(text: string): string {
  const blank = /\n[ \t]*\n/g;
  for (let b = blank.exec(text); b; b = blank.exec(text)) {
    const before = text.slice(0, b.index);
    if (/[A-Za-z][^]*\d|\d{3}/.test(before) || kindOf(before)) return before;
  }
  return text;
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
    const pieces = list.slice(textFrom, to).split(';');
    for (const [i, piece] of pieces.entries()) {
      // a `;` starts an unmarked item; the text before it keeps the mark
      const open = i < pieces.length - 1 || (to < list.length && !/\n[ \t]*$/.test(piece));
      if (piece.trim()) items.push({ bullet: i === 0 ? bullet : null, text: piece.trim(), open });
    }
  };
  // what the label reader left of `REF(S):` / `REFS:`
  const lead = /^\s*(?:\([Ss]\))?[ \t]*[:;,.-]?/.exec(list);
  if (lead) textFrom = lead[0].length;
  // `REF A … REF B …`: the label took the first `REF`, its letter opens the list
  const first = /^\s*A[ \t]+(?=[A-Z0-9])/.exec(list.slice(textFrom));
  if (first && /\bREF[ \t]+B[ \t]/.test(list)) {
    bullet = 'A';
    textFrom += first[0].length;
  }
  BULLET_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BULLET_RE.exec(list))) {
    const at = m.index;
    if (at < textFrom) continue;
    const mark = (m[1] ?? m[2] ?? m[3] ?? m[4]).toUpperCase();
    const between = list.slice(textFrom, at);
    const fresh = bullet !== null && !between.trim();
    // the character before the mark and the spaces in front of it
    let p = at - 1;
    while (p >= 0 && (list.charCodeAt(p) === 32 || list.charCodeAt(p) === 9)) p--;
    const before = p < 0 ? '\n' : list[p];
    const lineStart = before === '\n' || before === ';' || before === ',';
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
      // (or after the label written again, `REF: REF A) …`, `Ref: Ref (A) …`: FORMAT.md §6)
      ok =
        (mark === 'A' || mark === '1') &&
        (lineStart ||
          (before >= '0' && before <= '9') ||
          !between.trim() ||
          /^\s*REF(?:S|TELS?)?[ \t]*:?[ \t]*$/i.test(between));
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

/** An item that is only `[year] STATION SERIAL` (most are), in any case, on one line. */
const SIMPLE_ITEM_RE =
  /^(?:((?:19|20)?\d{2})[ \t]+)?([A-Z][A-Z'.]*(?:[ \t]+[A-Z][A-Z'.]*){0,3})[ \t]+(\d{1,7})[ \t]*[.,]?$/;

/**
 * The cable of an item written `[year] STATION SERIAL` with a station as written or another name of
 * it (what `referencesInText` reads from such an item, without its passes over damaged text), or
 * null when the item is anything else.
 */
function simpleCable(text: string, year: number | null, ownId: string | null): string[] | null {
  const m = SIMPLE_ITEM_RE.exec(text.toUpperCase());
  if (!m) return null;
  const st = normalizeStation(m[2].replace(/[ \t]+/g, ''), false);
  if (!st) return null;
  const y = m[1] ? m[1].slice(-2) : year != null ? String(year % 100).padStart(2, '0') : null;
  const serial = m[3].replace(/^0+/, '');
  if (!y || !serial) return [];
  const id = y + st + serial;
  return id === ownId ? [] : [id];
}

/** What the items of a list gave so far: typed references, and canonical ids of the cables. */
interface Found {
  typed: TypedReference[];
  ids: string[];
  seen: Set<string>;
  seenIds: Set<string>;
  notes?: string[];
}

const newFound = (notes?: string[]): Found => ({
  typed: [],
  ids: [],
  seen: new Set(),
  seenIds: new Set(),
  notes,
});

/**
 * The typed references of one item: its cables, or the document it names, or both when a comma,
 * `AND` or a line break separates a cable from a document (`STATE 1234 AND SMITH EMAIL 5/5/09`).
 */
function typeItem(item: Item, year: number | null, ownId: string | null, found: Found): void {
  const { text, bullet } = item;
  const push = (kind: ReferenceKind, value: string) => {
    if (!value) return;
    const key = kind === 'cable' ? value : `${kind}\u0000${value}`;
    if (found.seen.has(key)) return;
    found.seen.add(key);
    found.typed.push({ kind, value, bullet });
  };
  // a cable: its canonical id for the reference graph, its id as cited for the typed list
  const pushCables = (ids: string[], from: string) => {
    for (const id of ids) {
      if (!found.seenIds.has(id)) {
        found.seenIds.add(id);
        found.ids.push(id);
      }
      push('cable', asCited(id, from));
    }
  };
  const cablesIn = (t: string) => referencesInText(t, year, ownId);
  // (an item followed by another on its line does not end a line: `A. UNCLASSIFIED STATE 1 B. …`
  // is an item naming its cable's classification, not the citing cable's banner)
  // most items are only `[year] STATION SERIAL`: no document word, nothing else to read
  const simple = simpleCable(text, year, ownId);
  if (simple) return pushCables(simple, text);
  const cables = referencesInText(item.open ? text + ' ;' : text, year, ownId, found.notes);
  const head = headOf(text);
  const kind = kindOf(head);
  if (!cables.length) {
    if (kind) return push(kind.kind, asWritten(head));
    // a bare serial names a cable of the citing post (`A) 6307` in a cable of Ankara)
    // (four digits that read as a year, `B. 2006`, are the year of the item before, not a serial)
    const bare = /^\(?0*(\d{1,7})\)?[.,]?$/.exec(text.trim());
    if (bare && ownId && !/^(?:19[6-9]|20[0-2])\d$/.test(bare[1])) {
      const y = year ?? yearFromId(ownId);
      const st = stationFromId(ownId);
      if (y && st && bare[1] !== '0') {
        const id = String(y % 100).padStart(2, '0') + st + bare[1];
        if (id !== ownId) pushCables([id], text);
      }
      return;
    }
    if (DTG_RE.test(head)) return push('cable', asWritten(head));
    // the citing cable itself: dropped, not another kind of item
    if (ownId && referencesInText(text, year, null).length) return;
    if (bullet !== null && /[A-Za-z]{3}/.test(head) && !NO_ITEM_RE.test(head.trim()))
      push('other', asWritten(head));
    return;
  }
  if (!kind) return pushCables(cables, text);
  // a cable and a document in one item, each in its own piece: cables before, the document, cables
  // after; a document word in parentheses or after a colon is the cable's subject (`LIMA 123 (EMAIL)`)
  const starts: number[] = [0];
  const ends: number[] = [];
  PIECE_END_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PIECE_END_RE.exec(text))) {
    if (m.index + m[0].length <= kind.at) starts.push(m.index + m[0].length);
    else if (m.index > kind.at && m.index < head.length) ends.push(m.index);
  }
  ends.push(head.length);
  for (const s of starts) {
    const before = s > 0 ? cablesIn(text.slice(0, s)) : [];
    for (let j = ends.length - 1; j >= 0; j--) {
      const e = ends[j];
      const doc = text.slice(s, e);
      if (cablesIn(doc).length) continue;
      const after = e < text.length ? cablesIn(text.slice(e)) : [];
      if (!sameList([...before, ...after], cables)) continue;
      pushCables(before, text.slice(0, s));
      push(kind.kind, asWritten(doc));
      pushCables(after, text.slice(e));
      return;
    }
  }
  pushCables(cables, text);
}

/** Reads the items of one REF list into `found`. */
function readList(text: string, year: number | null, ownId: string | null, found: Found): void {
  const list = removeMarkers(normalizeText(text));
  const y = year ?? (ownId ? yearFromId(ownId) : null);
  for (const item of splitItems(list)) typeItem(item, y, ownId, found);
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
  const found = newFound();
  readList(text, year, ownId, found);
  return found.typed;
}

/**
 * The lists of `refLists` read item by item: the canonical ids of the cables they cite, in order,
 * and every item with its kind and mark (`typed`). Guesses go to `notes`.
 */
export function typedReferencesOfLists(
  lists: string[] | null,
  year: number | null,
  ownId: string | null,
  notes?: string[],
): { references: string[]; typed: TypedReference[] } {
  if (!lists) return { references: [], typed: [] };
  const found = newFound(notes);
  for (const [i, list] of lists.entries()) {
    if (i > 0) found.notes = undefined;
    readList(list, year, ownId, found);
  }
  return { references: found.ids, typed: found.typed };
}

/**
 * The REF list of a caption (and of the caption written again after it), read item by item: the
 * canonical ids of the cables it cites, in order, and every item with its kind and mark (`typed`).
 */
export function readReferences(
  caption: string,
  year: number | null,
  ownId: string | null,
  notes?: string[],
): { references: string[]; typed: TypedReference[] } {
  return typedReferencesOfLists(refLists(caption, notes), year, ownId, notes);
}

/** Typed references of a caption's REF list (and of the caption written again after it). */
export function parseTypedReferences(
  caption: string,
  year: number | null,
  ownId: string | null,
): TypedReference[] {
  return readReferences(caption, year, ownId).typed;
}
