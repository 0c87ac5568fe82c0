/**
 * Running a search: parse (the same parse as normalizeQuery, so saved searches mean what the page
 * showed), text match through the engine's SearchIndex, filters and drill-down facets over the
 * in-memory columns, ordering, then the page of hits with snippets.
 */
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { canonicalId } from '../cables/parse/ids.ts';
import { tagMeaning } from '../cables/parse/tags.ts';
import { storyPath } from '../stories/store.ts';
import { highlightTerms, tagsMatchedByText } from './compile.ts';
import {
  normalizeQuery,
  parseQuery,
  type ParsedQuery,
  type QueryFilters,
  type SearchParams,
  type TextNode,
} from './query.ts';
import { catchUpSlices, FacetColumns, isoMinutes, yieldToOthers } from './columns.ts';
import { MARK_END, MARK_START, type DocKind, type SearchIndex } from './search-index.ts';
import { MemorySearchIndex } from './memory.ts';
import { answerableEarly, ownMatches, ownStoriesFromDatabase } from './early.ts';
import type { TermIndexOptions } from './terms.ts';
import { PRUNING } from './terms-postings.ts';
import { pastedLink, type PastedLink } from './forgiving.ts';
import { distinctiveWords, RELATED_TEXT, type RelatedCable } from './related.ts';
import { checkCost, queryShape, type CostLimits, type CostReason } from './budget.ts';
import {
  currentDeadline,
  checkDeadline,
  Deadline,
  SearchTimeout,
  withDeadline,
} from './deadline.ts';
import { currentTiming, outsideSearch, timed } from './timing.ts';

export const FACETS = ['kind', 'origin', 'classification', 'tag', 'year', 'section'] as const;
export type FacetName = (typeof FACETS)[number];
export interface FacetValue {
  value: string;
  count: number;
}
export interface SearchHit {
  kind: DocKind;
  id: number;
  referenceId?: string;
  title: string;
  /** ISO 8601 UTC. */
  date: string;
  origin?: string;
  classification?: string;
  section?: string;
  /** The document's page: a cable's archive page, a story's page. */
  url: string;
  /**
   * A cable with a Cablegate story: the story's page. The cable and its story are one result,
   * with the story's title and the cable's snippet, metadata and page (`url`).
   */
  storyUrl?: string;
  /** Safe HTML: the text escaped, then matched words wrapped in <mark>. */
  snippet: string;
}
export interface SearchResult {
  total: number;
  page: number;
  size: number;
  hits: SearchHit[];
  facets: Record<FacetName, FacetValue[]>;
  /** Matches per month (`2009-11`), ascending, months without matches left out. */
  months: FacetValue[];
  tookMs: number;
  /** The order used: relevance, or newest/oldest (also for relevance over very large match sets). */
  order: 'relevance' | 'newest' | 'oldest';
  /** The canonical query (normalizeQuery) this result answers. */
  normalized: string;
  /** Lower-case words to highlight (titles on the page). */
  highlight: string[];
  /**
   * The term index was still being loaded or built: the text was matched by the database (slower,
   * same matches; large match sets are ordered newest first instead of by relevance).
   */
  warming: boolean;
  /** How parts of the query were read differently from how they were written (plain sentences). */
  notices: string[];
  /**
   * Answered before the facet columns were loaded (early.ts): the facet lists other than `kind`
   * and the month chart are empty, said by EARLY_NOTICE.
   */
  countsPending?: boolean;
}
/**
 * Why a search was not answered: the query could not be read (`syntax`), it asks for more work
 * than a search may do (`cost`, with the limit it went over), or it ran past its time limit (`time`).
 */
export interface SearchProblem {
  message: string;
  /** 0-based index of the offending character (syntax), else -1. */
  position: number;
  kind?: 'syntax' | 'cost' | 'time';
  reason?: CostReason;
}
/**
 * An answered search. `location`: the query named one document (a reference id, a pasted link to
 * a cable or story of this site) and the result is that document; the search page sends the
 * reader to this path. `cableId`: that document is this cable.
 */
export type SearchOutcome =
  | { ok: true; result: SearchResult; cableId?: undefined; location?: string }
  | { ok: true; cableId: string; result: SearchResult; location?: string }
  | { ok: false; error: SearchProblem };

/** The documents a search stands for when the query names them (a reference id, a link). */
interface OnlyDocs {
  /** Cables by reference id. */
  cables: string[];
  /** Stories by row id. */
  stories: number[];
}

/** What one search may cost (the route passes them; absent: no limit). */
export interface SearchBudget {
  cost?: CostLimits;
  /** Time limit inside the search thread, in milliseconds. */
  timeMs?: number | null;
  /** The clock the time limit is measured on (tests pass their own). */
  now?: () => number;
}

/** The message of a search stopped at its time limit. */
export function timeLimitMessage(limitMs: number): string {
  const s = limitMs >= 1000 ? `${Math.round(limitMs / 100) / 10} s` : `${Math.round(limitMs)} ms`;
  return `This search took longer than the ${s} a search may take and was stopped. Narrow it: use fewer word starts (*) or alternatives (OR), longer prefixes, or a filter such as origin:, tag: or year:.`;
}

export const COMPILE = { tagMeaning } as const;
export const PARSE = { canonicalizeId: canonicalId } as const;
/** Facet counting by complement for match sets covering most cables (tests turn it off to compare). */
export const FACET_COMPLEMENT = { enabled: true };
/**
 * Answers kept per search thread for a repeated search, unless the service was given its own number
 * (SEARCH_ANSWER_CACHE); 0 keeps none anywhere. See SearchService.cached().
 */
export const RESULT_CACHE = { size: 128 };
/**
 * Answers worked out again after each part of a large catch-up is put in place (see
 * SearchService.rewarm()): the `count` searches most recently asked for in this thread, asked for
 * within `withinMs` and worked out in at most `maxMs` (also each one's time limit), for at most
 * `budgetMs` per part. `count` 0: none (each search after a part is then worked out again).
 */
export const REWARM = { count: 16, withinMs: 120_000, maxMs: 250, budgetMs: 1000 };
/** Longest facet lists returned (the rest are the long tail). */
export const FACET_LIMIT = 30;
/** Largest match set ranked by relevance (see run()). */
export const RANK_LIMIT = 20000;

/** A filter that keeps a small part of a large match set makes FTS5 ranking score the whole set. */
function relevanceFilteredCost(hits: number, matches: number): boolean {
  return hits < matches && matches > 4000;
}

const KIND = 1,
  ORIGIN = 2,
  CLASS = 4,
  TAG = 8,
  YEAR = 16,
  SECTION = 32,
  OTHER = 64;

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Escapes text that carries MARK_START/MARK_END markers, then turns the markers into <mark>. */
export function markedHtml(text: string): string {
  const clean = text.replace(/[\u0000-\u0001\u0004-\u0008\u000b\u000c\u000e-\u001f]/g, ' ');
  let open = false;
  let out = '';
  for (const part of clean.split(/([\u0002\u0003])/)) {
    if (part === MARK_START) {
      if (!open) out += '<mark>';
      open = true;
    } else if (part === MARK_END) {
      if (open) out += '</mark>';
      open = false;
    } else out += escapeHtml(part);
  }
  return open ? out + '</mark>' : out;
}

/** Characters of a hit's text read for its snippet (the match is looked for in these). */
export const SNIPPET_TEXT = 8000;

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Whether a code point is a letter or digit (ASCII without an expression). */
function isWordCodePoint(cp: number): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

/** Whether position `at` of `text` starts a word: the character before is no letter or digit. */
function atWordStart(text: string, at: number): boolean {
  if (at === 0) return true;
  const c = text.charCodeAt(at - 1);
  return !isWordCodePoint(c >= 0xdc00 && c <= 0xdfff && at >= 2 ? text.codePointAt(at - 2)! : c);
}

/**
 * Where the first of the (lower-case) words occurs at a word start in `text`, case-insensitively;
 * -1 when none does. For words of ASCII letters and digits (nearly all), a plain expression whose
 * matches are checked for a word start here (the expression with a look-behind over Unicode
 * classes cost more than the rest of a search's snippets); for others, that expression.
 */
function firstMatch(text: string, words: string[]): number {
  const plain = plainMatcher(words);
  if (!plain) {
    const m = matcher(words).first.exec(text);
    return m ? m.index : -1;
  }
  plain.lastIndex = 0;
  for (let m = plain.exec(text); m; m = plain.exec(text)) {
    if (atWordStart(text, m.index)) return m.index;
    plain.lastIndex = m.index + 1;
  }
  return -1;
}

/**
 * For words of ASCII letters and digits only: one case-insensitive expression of the words, without
 * Unicode classes or a look-behind (word starts are checked by the caller), cached like matcher().
 * Null for other words.
 */
const plainMatchers = new Map<string, RegExp | null>();
/** The last list asked for (a search asks for the same list once per hit). */
let lastPlain: { words: string[]; re: RegExp | null } | null = null;
function plainMatcher(words: string[]): RegExp | null {
  if (lastPlain?.words === words) return lastPlain.re;
  const re = plainMatcherOf(words);
  lastPlain = { words, re };
  return re;
}
function plainMatcherOf(words: string[]): RegExp | null {
  const key = words.join('\u0000');
  let re = plainMatchers.get(key);
  if (re === undefined) {
    const list = words.filter((w) => w.length > 0);
    re = list.every((w) => /^[a-z0-9]+$/.test(w))
      ? new RegExp(`(?:${list.sort((a, b) => b.length - a.length).join('|')})`, 'gi')
      : null;
    if (plainMatchers.size >= 256) plainMatchers.delete(plainMatchers.keys().next().value!);
    plainMatchers.set(key, re);
  }
  return re;
}

/** Regular expressions for a highlight list, reused across the hits of a search (and searches). */
const matchers = new Map<string, { first: RegExp; all: RegExp }>();
function matcher(words: string[]): { first: RegExp; all: RegExp } {
  const key = words.join('\u0000');
  let m = matchers.get(key);
  if (!m) {
    const alt = words
      .filter((w) => w.length > 0)
      .sort((a, b) => b.length - a.length)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|');
    m = {
      first: new RegExp(`(?<![\\p{L}\\p{N}])(?:${alt})`, 'iu'),
      all: new RegExp(`(?<![\\p{L}\\p{N}])(?:${alt})[\\p{L}\\p{N}]*`, 'giu'),
    };
    if (matchers.size >= 256) matchers.delete(matchers.keys().next().value!);
    matchers.set(key, m);
  }
  return m;
}

/** Whether the code point at `at` is a letter or digit; its length in code units (0: it is not). */
function wordCharAt(text: string, at: number): number {
  if (at >= text.length) return 0;
  const cp = text.codePointAt(at)!;
  return isWordCodePoint(cp) ? (cp > 0xffff ? 2 : 1) : 0;
}

/** Marks the given lower-case words (at word starts) in plain text: escape first, then mark. */
export function highlightHtml(text: string, words: string[]): string {
  if (!words.some((w) => w.length > 0)) return escapeHtml(text);
  const plain = plainMatcher(words);
  if (plain) {
    // Each match at a word start is marked through the rest of its word.
    let out = '';
    let last = 0;
    plain.lastIndex = 0;
    for (let m = plain.exec(text); m; m = plain.exec(text)) {
      const at = m.index;
      if (!atWordStart(text, at)) {
        plain.lastIndex = at + 1;
        continue;
      }
      let end = at + m[0].length;
      for (let n = wordCharAt(text, end); n > 0; n = wordCharAt(text, end)) end += n;
      out += text.slice(last, at) + MARK_START + text.slice(at, end) + MARK_END;
      last = end;
      plain.lastIndex = end;
    }
    return markedHtml(out + text.slice(last));
  }
  const re = matcher(words).all;
  re.lastIndex = 0;
  return markedHtml(text.replace(re, (m) => MARK_START + m + MARK_END));
}

/** JavaScript's \s: the characters a run of which becomes one space in an extract. */
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * The text from `from` to the start of its `words`-th inner whitespace run, with runs collapsed to
 * one space (leading and trailing whitespace dropped), and whether more text follows. Only the
 * extract is touched: bodies run to 20,000 characters.
 */
function wordsFrom(text: string, from: number, words: number): { part: string; more: boolean } {
  while (from < text.length && isSpace(text.charCodeAt(from))) from++;
  let count = 0;
  for (let i = from; i < text.length; i++) {
    if (!isSpace(text.charCodeAt(i))) continue;
    let j = i;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (j === text.length) return { part: text.slice(from, i).replace(/\s+/g, ' '), more: false };
    if (++count === words) return { part: text.slice(from, i).replace(/\s+/g, ' '), more: true };
    i = j - 1;
  }
  return { part: text.slice(from).replace(/\s+/g, ' '), more: false };
}

/**
 * An extract of about `words` words around the first place where the highlight words occur
 * (word starts, so stems match their inflections), with the words marked; the start of the text
 * when none occurs. Done here rather than by the engine: FTS5's snippet() over a few rowids of a
 * very common word costs seconds, and the result is the same on both engines. It starts `words / 3`
 * words before the match and runs `words` words.
 */
export function snippetHtml(text: string, highlight: string[], words = 40): string {
  if (!highlight.some((w) => w.length > 0)) return escapeHtml(lead(text, words));
  const found = firstMatch(text, highlight);
  if (found < 0) return highlightHtml(lead(text, words), highlight);
  // Back `words / 3` whitespace runs from the match (a run at the very start does not count).
  const back = Math.floor(words / 3);
  let start = 0;
  for (let i = found - 1, c = 0; i >= 0; i--) {
    if (!isSpace(text.charCodeAt(i))) continue;
    let j = i;
    while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
    if (j < 0) break;
    if (++c === back + 1) {
      start = i + 1;
      break;
    }
    i = j + 1;
  }
  const { part, more } = wordsFrom(text, start, words);
  return highlightHtml((start > 0 ? '… ' : '') + part + (more ? ' …' : ''), highlight);
}

/** A short plain extract from the start of a text (no query words to centre on). */
function lead(text: string | null | undefined, words = 40): string {
  const { part, more } = wordsFrom(text ?? '', 0, words);
  return more ? part + ' …' : part;
}

/** The same query with its exclusions as the thing to match (for "everything but" queries). */
function positiveOf(q: ParsedQuery): ParsedQuery {
  const not: TextNode[] = q.not.map((n) =>
    n.type === 'term' || n.type === 'phrase' ? { ...n, negated: false } : n,
  );
  return { ...q, must: not.length === 1 ? not : [{ type: 'or', any: not }], not: [] };
}

function hasPositiveText(q: ParsedQuery, textTags: string[]): boolean {
  return q.must.length > 0 || textTags.length > 0;
}

/** A bounded selection of the k best of n items (min-heap), best first. */
function topK(
  n: number,
  k: number,
  better: (a: number, b: number) => boolean,
  item: (i: number) => number,
): number[] {
  if (k <= 0) return [];
  const heap: number[] = [];
  const worseFirst = (a: number, b: number) => better(b, a);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (worseFirst(heap[i], heap[p])) {
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      } else break;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < heap.length && worseFirst(heap[l], heap[m])) m = l;
      if (r < heap.length && worseFirst(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    const v = item(i);
    if (heap.length < k) {
      heap.push(v);
      up(heap.length - 1);
    } else if (better(v, heap[0])) {
      heap[0] = v;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}

/** Months (year * 12 + month - 1) a tally keeps in its array: the year filter's table covers them. */
const TABLE_MONTHS = 12 * 2200;

/** Tallies cleared after use and kept for the next search (each holds 105 KB of counts). */
const FREE_TALLIES: Tally[] = [];

/**
 * Counts per small non-negative integer (months, years) in a typed array; others in a Map. A
 * search takes its tallies with Tally.take() and hands them back with release() once read, so the
 * counts are not allocated (and zeroed, and collected) again for every search.
 */
class Tally {
  private readonly counts = new Int32Array(TABLE_MONTHS);
  private readonly other = new Map<number, number>();
  /** The values counted since the last clear lie from `lo` to `hi`. */
  private lo = Infinity;
  private hi = -1;
  static take(): Tally {
    return FREE_TALLIES.pop() ?? new Tally();
  }
  /** Clears the counts and keeps the tally for another search; it must not be used after this. */
  release(): void {
    if (this.lo <= this.hi) this.counts.fill(0, this.lo, this.hi + 1);
    this.other.clear();
    this.lo = Infinity;
    this.hi = -1;
    if (FREE_TALLIES.length < 32) FREE_TALLIES.push(this);
  }
  add(v: number, by = 1): void {
    if (v >= 0 && v < this.counts.length) {
      this.counts[v] += by;
      if (v < this.lo) this.lo = v;
      if (v > this.hi) this.hi = v;
    } else this.other.set(v, (this.other.get(v) ?? 0) + by);
  }
  /** [value, count] for every value counted (counts not zero). */
  entries(): [number, number][] {
    const out: [number, number][] = [...this.other].filter(([, c]) => c !== 0);
    for (let v = this.lo; v <= this.hi; v++) if (this.counts[v]) out.push([v, this.counts[v]]);
    return out;
  }
  /** Counts of months (year * 12 + month - 1) added to a tally of their years. */
  addYearsTo(years: Tally): void {
    for (const [m, c] of this.entries()) years.add(Math.floor(m / 12), c);
  }
}

function monthLabel(m: number): string {
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

function sortFacet(counts: Map<string, number>, limit = FACET_LIMIT): FacetValue[] {
  return [...counts]
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}

/** The cable columns a counting loop reads, with every cable's tags in one flat array. */
interface CableScan {
  present: Uint8Array;
  origin: Uint16Array;
  cls: Uint8Array;
  month: Int32Array;
  minute: Int32Array;
  size: number;
  /** Tag ids of `id`: tagData[tagStart[id] .. tagStart[id + 1]), or allTags[id] when tagOver[id]. */
  tagStart: Int32Array;
  tagData: Uint16Array;
  tagOver: Uint8Array;
  allTags: Uint16Array[];
}

/**
 * Facet counts of cables (per dictionary id); months of the hits, and (filters set) months of the
 * cables the year facet counts, folded into years after the loop.
 */
interface CableCounts {
  origin: Int32Array;
  cls: Int32Array;
  tag: Int32Array;
  months: Tally;
  yearMonths: Tally;
}

/** The filters on cables: flag tables per dictionary id, or null when not set. */
interface CableFilter {
  /** Bits every cable fails (kind or section filters that leave cables out). */
  mask: number;
  originIn: Uint8Array | null;
  originOut: Uint8Array | null;
  clsIn: Uint8Array | null;
  clsOut: Uint8Array | null;
  tagNeed: number[];
  tagOut: number[];
  yearIn: Set<number> | null;
  yearOut: Set<number> | null;
  fromMin: number;
  toMin: number;
  refIn: Set<number> | null;
  refOut: Set<number> | null;
}

function isFiltering(f: CableFilter): boolean {
  return (
    f.mask !== 0 ||
    !!(f.originIn || f.originOut || f.clsIn || f.clsOut || f.yearIn || f.yearOut) ||
    f.tagNeed.length > 0 ||
    f.tagOut.length > 0 ||
    f.fromMin !== -Infinity ||
    f.toMin !== Infinity ||
    f.refIn !== null ||
    f.refOut !== null
  );
}

/** Adds `by` (1 or -1) to every facet count of cable `id`: origin, classification, tags, month. */
function countCable(c: CableScan, k: CableCounts, id: number, by: number): void {
  k.origin[c.origin[id]] += by;
  k.cls[c.cls[id]] += by;
  const tc = k.tag;
  if (c.tagOver[id]) {
    const tags = c.allTags[id];
    for (let x = 0; x < tags.length; x++) tc[tags[x]] += by;
  } else {
    const data = c.tagData;
    for (let x = c.tagStart[id], end = c.tagStart[id + 1]; x < end; x++) tc[data[x]] += by;
  }
  k.months.add(c.month[id], by);
}

/** Nothing filters: every matching cable is a hit and counts in every facet. Returns the hits. */
function countEvery(ids: Int32Array, c: CableScan, k: CableCounts, out: Int32Array): number {
  const { present, size } = c;
  const deadline = currentDeadline();
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    if ((i & 0x3fff) === 0) deadline?.check();
    const id = ids[i];
    if (id >= size || !present[id]) continue;
    out[n++] = id;
    countCable(c, k, id, 1);
  }
  return n;
}

/**
 * Nothing filters and most cables match: the counts hold the whole archive's; every cable that
 * does not match is taken off them (months too). Returns the hits (the matching cables present).
 */
function countOthersOut(ids: Int32Array, c: CableScan, k: CableCounts, out: Int32Array): number {
  const { present, size } = c;
  const deadline = currentDeadline();
  let n = 0;
  let from = 0;
  for (let i = 0; i <= ids.length; i++) {
    if ((i & 0x3fff) === 0) deadline?.check();
    // The cables between the previous match and this one do not match.
    const to = i < ids.length ? Math.min(ids[i], size) : size;
    for (let id = from; id < to; id++) if (present[id]) countCable(c, k, id, -1);
    if (i === ids.length) break;
    const id = ids[i];
    if (id < size && present[id]) out[n++] = id;
    from = Math.max(from, id + 1);
  }
  return n;
}

const MONTHS_NONE = new Uint8Array(0);

/**
 * Per month of TABLE_MONTHS, 1 when its year fails the year filters: one array read per cable
 * instead of a division and set lookups.
 */
function monthsFailing(yearIn: Set<number> | null, yearOut: Set<number> | null): Uint8Array {
  const t = new Uint8Array(TABLE_MONTHS);
  if (yearIn) {
    t.fill(1);
    for (const y of yearIn) if (y >= 0 && y * 12 < TABLE_MONTHS) t.fill(0, y * 12, y * 12 + 12);
  }
  if (yearOut)
    for (const y of yearOut) if (y >= 0 && y * 12 < TABLE_MONTHS) t.fill(1, y * 12, y * 12 + 12);
  return t;
}

/**
 * Filters set: a cable is a hit when it passes them all, and counts in a facet when it passes
 * every filter but that facet's own (drill-down). Returns the hits and the kind facet's count.
 */
function countFiltered(
  ids: Int32Array,
  c: CableScan,
  f: CableFilter,
  k: CableCounts,
  out: Int32Array,
): { n: number; kindCount: number } {
  const {
    present,
    origin,
    cls,
    month: monthOf,
    minute,
    size,
    tagStart,
    tagData,
    tagOver,
    allTags,
  } = c;
  const { origin: oc, cls: cc, tag: tc, months, yearMonths } = k;
  const { originIn, originOut, clsIn, clsOut, tagNeed, tagOut, yearIn, yearOut } = f;
  const { fromMin, toMin, refIn, refOut } = f;
  const tagFilter = tagNeed.length > 0 || tagOut.length > 0;
  const byYear = yearIn !== null || yearOut !== null;
  const yearFails = byYear ? monthsFailing(yearIn, yearOut) : MONTHS_NONE;
  const byTime = fromMin !== -Infinity || toMin !== Infinity || refIn !== null || refOut !== null;
  const deadline = currentDeadline();
  let n = 0;
  let kindCount = 0;
  for (let i = 0; i < ids.length; i++) {
    if ((i & 0x3fff) === 0) deadline?.check();
    const id = ids[i];
    if (id >= size || !present[id]) continue;
    let mask = f.mask;
    const o = origin[id];
    if ((originIn && !originIn[o]) || (originOut && originOut[o])) mask |= ORIGIN;
    const cl = cls[id];
    if ((clsIn && !clsIn[cl]) || (clsOut && clsOut[cl])) mask |= CLASS;
    let tags: Uint16Array = tagData;
    let t0 = tagStart[id],
      t1 = tagStart[id + 1];
    if (tagOver[id]) {
      tags = allTags[id];
      t0 = 0;
      t1 = tags.length;
    }
    if (tagFilter) {
      for (const t of tagNeed) {
        let found = false;
        for (let j = t0; j < t1; j++) if (tags[j] === t) found = true;
        if (t < 0 || !found) mask |= TAG;
      }
      for (const t of tagOut) for (let j = t0; j < t1; j++) if (tags[j] === t) mask |= TAG;
    }
    const month = monthOf[id];
    if (byYear) {
      if (month >= 0 && month < yearFails.length) {
        if (yearFails[month]) mask |= YEAR;
      } else {
        const y = Math.floor(month / 12);
        if ((yearIn && !yearIn.has(y)) || (yearOut && yearOut.has(y))) mask |= YEAR;
      }
    }
    if (byTime) {
      const m = minute[id];
      if (m < fromMin || m > toMin || (refIn && !refIn.has(id)) || (refOut && refOut.has(id)))
        mask |= OTHER;
    }
    if (mask === 0) {
      out[n++] = id;
      months.add(month);
    }
    if ((mask & ~KIND) === 0) kindCount++;
    if ((mask & ~ORIGIN) === 0) oc[o]++;
    if ((mask & ~CLASS) === 0) cc[cl]++;
    if ((mask & ~TAG) === 0) for (let j = t0; j < t1; j++) tc[tags[j]]++;
    if ((mask & ~YEAR) === 0) yearMonths.add(month);
  }
  return { n, kindCount };
}

/** A document on the page being built. */
interface PageItem {
  kind: DocKind;
  id: number;
}

/** The first item of the page and the number of best items it needs (offset + size, at most total). */
function pageBounds(params: SearchParams, total: number): { offset: number; k: number } {
  const offset = (params.page - 1) * params.size;
  return { offset, k: Math.min(offset + params.size, total) };
}

/** The ids of `all` (ascending) that are not in `ids` (ascending). */
function idsNotIn(all: Int32Array, ids: Int32Array): Int32Array {
  const out = new Int32Array(all.length);
  let n = 0,
    j = 0;
  for (let i = 0; i < all.length; i++) {
    while (j < ids.length && ids[j] < all[i]) j++;
    if (j < ids.length && ids[j] === all[i]) continue;
    out[n++] = all[i];
  }
  return out.subarray(0, n);
}

/** The filters of one search, resolved against the columns (see SearchService.filtersOf). */
interface RunFilters {
  originIn: Uint8Array | null;
  originOut: Uint8Array | null;
  clsIn: Uint8Array | null;
  clsOut: Uint8Array | null;
  /** Tag ids every cable must have (-1: a tag no cable has), tags matched as text left out. */
  tagNeed: number[];
  tagOut: number[];
  yearIn: Set<number> | null;
  yearOut: Set<number> | null;
  fromMin: number;
  toMin: number;
  kindIn: (k: DocKind) => boolean;
  secIn: Uint8Array | null;
  secOut: Uint8Array | null;
  /** Reference ids asked for (ref: filter, or the one cable a reference id search stands for). */
  refs: string[];
  refCableIds: Set<number> | null;
  refOut: Set<string> | null;
  refOutIds: Set<number> | null;
}

/** Hit and drill-down facet counts of one search. */
interface RunCounts {
  origin: Int32Array;
  cls: Int32Array;
  tag: Int32Array;
  year: Tally;
  section: Int32Array;
  months: Tally;
  kind: Record<DocKind, number>;
}

/** A search asked for lately: what works it out again, when it was last asked for, and its cost. */
interface RecentSearch {
  params: SearchParams;
  normalized: string;
  /** performance.now() when last asked for (a rewarm does not count). */
  usedAt: number;
  /** How long its answer took to work out (ms), last time a search did. */
  costMs: number;
}

export interface SearchServiceOptions {
  /**
   * Keep an in-process term index (terms.ts) for matching and ranking, built in the background
   * after the first search and kept current from the change log. Off: every match and ranking
   * goes to the database.
   */
  memoryIndex?: boolean;
  /** Where the term index is kept between runs (DATA_DIR/search-terms.bin in the app). */
  termsFile?: string | null;
  /** The term index's role among search threads and what it tells (see TermIndexOptions). */
  terms?: Pick<TermIndexOptions, 'role' | 'shared' | 'onShared' | 'onReady' | 'worker'>;
  /** Answers kept for repeated searches (default RESULT_CACHE.size; 0: none). */
  answerCache?: number;
}

/** The facet columns' file (columns-file.ts) beside the term index's. */
export function columnsFileBeside(termsFile: string): string {
  return join(dirname(termsFile), 'search-columns.bin');
}

export class SearchService {
  readonly columns: FacetColumns;
  readonly index: SearchIndex;
  private readonly answerCache: number | undefined;
  constructor(
    private readonly db: Db,
    index: SearchIndex,
    opts: SearchServiceOptions = {},
  ) {
    this.answerCache = opts.answerCache;
    this.columns = new FacetColumns(db, opts.termsFile ? columnsFileBeside(opts.termsFile) : null);
    if (opts.memoryIndex) {
      const mem = new MemorySearchIndex(db, index, { ...opts.terms, file: opts.termsFile ?? null });
      this.index = mem;
      this.columns.listeners.push({
        reloaded: () => void mem.terms.rebuild(),
        prepare: (kind, ids, background) => mem.terms.prepareChanges(kind, ids, background),
      });
    } else this.index = index;
    this.columns.afterSwap.push(() => this.rewarm());
  }

  /** Answers of recent searches (see cached()), valid while `stamp` holds; oldest first. */
  private answers = new Map<string, SearchResult>();
  private answersStamp: unknown[] = [];
  /**
   * The searches asked for lately (most recently used last), with what it takes to work them out
   * again and how long that took: kept across changes of the stamp, for rewarm().
   */
  private recent = new Map<string, RecentSearch>();
  /**
   * Searches answered from the kept answers, answers kept (worked out for a search), and answers
   * worked out again after a part of a catch-up (rewarm()).
   */
  readonly answerStats = { answered: 0, kept: 0, rewarmed: 0 };

  /**
   * The answer kept for this search, or a function that keeps the answer once computed. An answer
   * depends on the search, the facet columns and the term index (changed together, at a sync: the
   * columns' versions say when), the minute (stories become visible to the minute), and the tuning
   * settings (tests compare answers with them changed). Answers read while the index is still
   * warming are not kept. A hit costs a map lookup instead of matching, counting, ranking and
   * reading the page's rows again; the cost is memory, a few tens of KB per answer.
   */
  private cached(
    key: string,
    warming: boolean,
    redo: Omit<RecentSearch, 'usedAt' | 'costMs'> | null = null,
    rewarm = false,
  ): { hit: SearchResult } | { keep: (r: SearchResult) => void } | null {
    const size = this.answerSize();
    if (size <= 0 || warming) return null;
    const { cables, stories } = this.columns;
    const stamp = [
      cables,
      cables.version,
      stories,
      stories.version,
      this.terms,
      Math.floor(Date.now() / 60000),
      FACET_COMPLEMENT.enabled,
      PRUNING.from,
      PRUNING.champions,
      PRUNING.tiers.join(),
      size,
    ];
    if (stamp.some((v, i) => v !== this.answersStamp[i])) {
      this.answers.clear();
      this.answersStamp = stamp;
    }
    const current = this.answersStamp;
    const hit = this.answers.get(key);
    if (hit) {
      if (rewarm) return { hit };
      // Most recently used last.
      this.answers.delete(key);
      this.answers.set(key, hit);
      this.answerStats.answered++;
      const seen = this.recent.get(key);
      if (seen) this.used(key, { ...seen, usedAt: performance.now() });
      return { hit };
    }
    const began = performance.now();
    return {
      keep: (r) => {
        if (redo && !rewarm)
          this.used(key, { ...redo, usedAt: began, costMs: performance.now() - began });
        // Not when the archive changed meanwhile (another search emptied the answers).
        if (this.answersStamp !== current) return;
        if (this.answers.size >= size) this.answers.delete(this.answers.keys().next().value!);
        this.answers.set(key, r);
        if (rewarm) this.answerStats.rewarmed++;
        else this.answerStats.kept++;
      },
    };
  }

  /** How many answers are kept (0: none). */
  private answerSize(): number {
    return RESULT_CACHE.size <= 0 ? 0 : (this.answerCache ?? RESULT_CACHE.size);
  }

  /** Notes a search as the most recently asked for (as many are noted as answers are kept). */
  private used(key: string, r: RecentSearch): void {
    this.recent.delete(key);
    this.recent.set(key, r);
    while (this.recent.size > this.answerSize())
      this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * After a part of a large catch-up is put in place, the kept answers no longer hold (a ranking
   * depends on the archive's size and lengths, which every part changes): the searches most
   * recently asked for (REWARM) are worked out again here, in the catch-up, one at a time and
   * after the thread's searches in hand, so the next search for one of them is answered from the
   * kept answers instead of worked out cold in front of its reader. Each answer is the one a
   * search would work out now, kept under the columns' new version; an answer that becomes stale
   * meanwhile (the next part, the minute) is dropped as any other.
   */
  private async rewarm(): Promise<void> {
    if (REWARM.count <= 0 || this.answerSize() <= 0) return;
    if (this.terms && !(this.terms.ready('cable') && this.terms.ready('story'))) return;
    const start = performance.now();
    const picks = [...this.recent]
      .filter(([, r]) => start - r.usedAt <= REWARM.withinMs && r.costMs <= REWARM.maxMs)
      .slice(-REWARM.count)
      .reverse();
    for (const [, r] of picks) {
      if (performance.now() - start >= REWARM.budgetMs) break;
      // The thread's own searches first.
      await yieldToOthers();
      // Parsed again, as a search does: the term index keeps its match plans per parsed query.
      const parsed = parseQuery(r.normalized, PARSE);
      if (!parsed.ok) continue;
      try {
        // Its own time limit and timing, not those of the search that started the catch-up.
        await outsideSearch(() =>
          withDeadline(new Deadline(REWARM.maxMs), () =>
            this.run(parsed.query, r.params, r.normalized, performance.now(), undefined, true),
          ),
        );
      } catch {
        // Past its time limit, or the database failed: the next search for it works it out.
      }
    }
  }

  /** The in-process term index, when there is one. */
  get terms() {
    return this.index instanceof MemorySearchIndex ? this.index.terms : null;
  }

  /** Looks a reference id up; returns the canonical id when the archive holds that cable. */
  async cableExists(referenceId: string): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('cables')
      .select('id')
      .where('reference_id', '=', referenceId)
      .executeTakeFirst();
    return !!row;
  }

  /**
   * The `k` cables most like this one (see related.ts), best first; null when the term index is
   * not ready, the cable is unknown, or the time limit (`timeMs`) ran out.
   */
  async related(
    referenceId: string,
    k: number,
    timeMs: number,
    now?: () => number,
  ): Promise<RelatedCable[] | null> {
    try {
      return await withDeadline(new Deadline(timeMs, now), () =>
        this.relatedWithin(referenceId, k),
      );
    } catch (e) {
      if (e instanceof SearchTimeout) return null;
      throw e;
    }
  }

  private async relatedWithin(referenceId: string, k: number): Promise<RelatedCable[] | null> {
    const terms = this.terms;
    if (!terms) return null;
    await this.columns.forSearch();
    if (!terms.ready('cable')) return null;
    const cable = await this.db.kysely
      .selectFrom('cables')
      .select(['id', 'title', sql<string>`substr(body, 1, ${RELATED_TEXT})`.as('text')])
      .where('reference_id', '=', referenceId)
      .executeTakeFirst();
    if (!cable) return null;
    const words = distinctiveWords(`${cable.title ?? ''} ${cable.text}`, (w) =>
      terms.wordFrequencies('cable', w),
    );
    if (!words?.length) return words && [];
    checkDeadline();
    const parsed = parseQuery(words.join(' OR '), PARSE);
    if (!parsed.ok) return null;
    const ids = await this.index.match('cable', parsed.query);
    if (!ids) return null;
    const others = ids.filter((id) => id !== cable.id && this.columns.cables.present[id] === 1);
    if (!others.length) return [];
    checkDeadline();
    const ranked = await this.index.rank('cable', parsed.query, others, k, false);
    if (!ranked.length) return [];
    const rows = await this.db.kysely
      .selectFrom('cables')
      .select(['id', 'reference_id', 'title', 'created'])
      .where(
        'id',
        'in',
        ranked.map((r) => r.id),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ranked.flatMap((r) => {
      const row = byId.get(r.id);
      return row
        ? [{ reference_id: row.reference_id, title: row.title, created: row.created }]
        : [];
    });
  }

  /** Indexed words a word start expands to (the most of either kind), when the term index knows. */
  private expansion(prefix: string): number | null {
    const terms = this.terms;
    if (!terms) return null;
    let most: number | null = null;
    for (const kind of ['cable', 'story'] as const) {
      const n = terms.prefixCount(kind, prefix);
      if (n !== null) most = Math.max(most ?? 0, n);
    }
    return most;
  }

  async search(params: SearchParams, budget: SearchBudget = {}): Promise<SearchOutcome> {
    const deadline =
      budget.timeMs !== undefined && budget.timeMs !== null
        ? new Deadline(budget.timeMs, budget.now)
        : null;
    // A long catch-up in this thread lets the search go first (see CatchUpSlices).
    catchUpSlices.begin();
    try {
      return await withDeadline(deadline, () => this.searchWithin(params, budget));
    } catch (e) {
      if (e instanceof SearchTimeout)
        return {
          ok: false,
          error: { message: timeLimitMessage(e.limitMs), position: -1, kind: 'time' },
        };
      throw e;
    } finally {
      catchUpSlices.end();
    }
  }

  private async searchWithin(params: SearchParams, budget: SearchBudget): Promise<SearchOutcome> {
    const t0 = performance.now();
    const first = parseQuery(params.q, PARSE);
    if (!first.ok)
      return {
        ok: false,
        error: { message: first.error.message, position: first.error.position, kind: 'syntax' },
      };
    const explicit = {
      kind: params.kind,
      origin: params.origin,
      classification: params.classification,
      tag: params.tag,
      year: params.year,
      from: params.from,
      to: params.to,
      section: params.section,
    };
    const hasExplicit = Object.values(explicit).some((v) =>
      Array.isArray(v) ? v.length > 0 : v !== undefined,
    );
    const normalized = normalizeQuery(params.q, explicit, PARSE, first);
    const refId = first.query.referenceId;
    if (refId && !hasExplicit && (await this.cableExists(refId))) {
      const result = await this.run(parseRef(refId), params, normalized, t0, onlyCable(refId));
      return { ok: true, cableId: refId, result, location: `/cables/${refId}` };
    }
    const link = hasExplicit ? null : pastedLink(params.q, PARSE.canonicalizeId);
    if (link) {
      const linked = await this.linked(link, params, t0);
      if (linked) return linked;
    }
    const parsed = parseQuery(normalized, PARSE);
    if (!parsed.ok)
      return { ok: false, error: { message: parsed.error.message, position: 0, kind: 'syntax' } };
    if (budget.cost) {
      const refused = checkCost(queryShape(parsed.query), budget.cost, (p) => this.expansion(p));
      if (refused)
        return {
          ok: false,
          error: { message: refused.message, position: -1, kind: 'cost', reason: refused.reason },
        };
    }
    const result = await this.run(parsed.query, params, normalized, t0);
    return { ok: true, result: { ...result, notices: first.query.notices ?? [] } };
  }

  /**
   * A pasted link to a cable or story of this site: the result is that document alone (a
   * Cablegate story is its cable, with the story's title), and `location` its path here. Null when
   * the archive holds no such (visible) document: the text is then searched as words.
   */
  private async linked(
    link: PastedLink,
    params: SearchParams,
    t0: number,
  ): Promise<SearchOutcome | null> {
    if (link.kind === 'cable') {
      const id = link.referenceId;
      if (!(await this.cableExists(id))) return null;
      const result = await this.run(parseRef(id), params, id, t0, onlyCable(id));
      return { ok: true, cableId: id, result, location: `/cables/${id}` };
    }
    const story = await this.db.kysely
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .select([
        'stories.id as id',
        'stories.slug as slug',
        'stories.published_at as published_at',
        'stories.cable_reference_id as cable_reference_id',
        'sections.slug as section_slug',
      ])
      .where('stories.id', '=', link.id)
      .where('stories.status', '=', 'published')
      .where('stories.published_at', '<=', new Date().toISOString())
      .executeTakeFirst();
    if (!story) return null;
    const location = storyPath(story);
    const ref = story.cable_reference_id;
    if (ref && (await this.cableExists(ref))) {
      const result = await this.run(parseRef(ref), params, ref, t0, onlyCable(ref));
      return { ok: true, cableId: ref, result, location };
    }
    const q = parseQuery('', PARSE);
    if (!q.ok) throw q.error;
    const only = { cables: [], stories: [story.id] };
    const result = await this.run(q.query, params, params.q.trim(), t0, only);
    return { ok: true, result, location };
  }

  /**
   * One search over the columns: resolve the filters, match the text per kind, count hits and
   * drill-down facets (cables, then stories), order and cut the page, then read its hits.
   */
  private async run(
    query: ParsedQuery,
    params: SearchParams,
    normalized: string,
    t0: number,
    only?: OnlyDocs,
    rewarm = false,
  ): Promise<SearchResult> {
    // Before the columns' first load is done (seconds on the full archive), a plain text search
    // is answered from the database alone instead of waiting for it (early.ts).
    if (!this.columns.loaded && !only) {
      const early = await this.beforeColumns(query, params, normalized, t0);
      if (early) return early;
    }
    const deadline = currentDeadline();
    const waitFrom = deadline?.now();
    // Loaded once, then caught up: a large catch-up goes on beside this search (see forSearch).
    const timing = currentTiming();
    if (timing) timing.catchingUp = this.columns.catchingUp;
    await timed('columnsMs', () => this.columns.forSearch());
    // Waiting for the columns (loaded once for every search) does not count against this search.
    if (deadline && waitFrom !== undefined) deadline.exclude(waitFrom);
    checkDeadline();
    // Read before matching: a term index that becomes ready meanwhile did not answer this search.
    const warming = !!this.terms && !(this.terms.ready('cable') && this.terms.ready('story'));
    const cache = this.cached(
      JSON.stringify([normalized, params.page, params.size, params.sort, only ?? null]),
      warming,
      only ? null : { params, normalized },
      rewarm,
    );
    if (cache && 'hit' in cache)
      return { ...cache.hit, tookMs: Math.round((performance.now() - t0) * 10) / 10 };
    const textTags = new Set(tagsMatchedByText(query, COMPILE));
    const textQuery = hasPositiveText(query, [...textTags])
      ? query
      : query.not.length
        ? positiveOf(query)
        : null;
    const negate = textQuery !== null && textQuery !== query;
    const highlight = only ? [] : highlightTerms(query, COMPILE);
    const filters = await this.filtersOf(query, textTags, only);

    const matched = await this.matchText(textQuery, negate, filters, only);
    checkDeadline();
    const counts = this.newCounts();
    const hits: Record<DocKind, Int32Array> = {
      cable: this.countCables(matched.cable, filters, counts),
      story: this.countStories(matched.story, filters, counts),
    };
    const matchSizes: Record<DocKind, number> = {
      cable: matched.cable.length,
      story: matched.story.length,
    };

    checkDeadline();
    const relevance =
      params.sort === 'relevance' &&
      textQuery !== null &&
      !negate &&
      !only &&
      this.rankable(textQuery, hits, matchSizes);
    const order: SearchResult['order'] = relevance
      ? 'relevance'
      : params.sort === 'oldest'
        ? 'oldest'
        : 'newest';
    const page = relevance
      ? await this.relevancePage(query, hits, matchSizes, params)
      : this.datePage(hits, params, order === 'oldest');
    const { facets, months } = this.facetsOf(counts);
    counts.year.release();
    counts.months.release();

    checkDeadline();
    const hitsOut = await this.hydrate(
      page,
      textQuery && !negate && !only ? query : null,
      highlight,
    );
    const result: SearchResult = {
      total: hits.cable.length + hits.story.length,
      page: params.page,
      size: params.size,
      hits: hitsOut,
      facets,
      months,
      tookMs: Math.round((performance.now() - t0) * 10) / 10,
      order,
      normalized,
      highlight,
      warming,
      notices: [],
    };
    if (cache) cache.keep(result);
    return result;
  }

  /**
   * A search answered before the columns are loaded, from the engine's match sets and rows alone
   * (see early.ts), while the term index warms up; null when it has to wait for the columns (a
   * filter, a date order, or on PostgreSQL a match set above RANK_LIMIT, which ts_rank_cd would
   * score whole: FTS5 ranks a large set through the title tier with ORDER BY ... LIMIT).
   */
  private async beforeColumns(
    query: ParsedQuery,
    params: SearchParams,
    normalized: string,
    t0: number,
  ): Promise<SearchResult | null> {
    if (!this.terms || this.terms.ready('cable')) return null;
    if (!answerableEarly(query, params, tagsMatchedByText(query, COMPILE))) return null;
    // The load goes on (it yields between its parts); the next searches wait for it as usual.
    this.columns.sync().catch(() => {});
    // This search does not wait for the columns at all.
    const timing = currentTiming();
    if (timing) timing.columnsMs ??= 0;
    const nowMin = Math.floor(Date.now() / 60000);
    const [cable, stories] = await timed('databaseMs', () =>
      Promise.all([this.index.match('cable', query), ownStoriesFromDatabase(this.db, nowMin)]),
    );
    if (!cable || (cable.length > RANK_LIMIT && this.index.engine !== 'sqlite')) return null;
    const matched = stories.ids.length ? await this.index.match('story', query) : null;
    const story = matched ? ownMatches(stories, matched) : null;
    checkDeadline();
    const hits: Record<DocKind, Int32Array> = { cable, story: story?.hits ?? new Int32Array(0) };
    const matchSizes: Record<DocKind, number> = {
      cable: cable.length,
      story: story?.own.length ?? 0,
    };
    const page = await this.relevancePage(query, hits, matchSizes, params);
    checkDeadline();
    const highlight = highlightTerms(query, COMPILE);
    const hitsOut = await this.hydrate(page, query, highlight);
    const kind = sortFacet(
      new Map([
        ['cable', hits.cable.length],
        ['story', hits.story.length],
      ]),
    );
    return {
      total: hits.cable.length + hits.story.length,
      page: params.page,
      size: params.size,
      hits: hitsOut,
      facets: { kind, origin: [], classification: [], tag: [], year: [], section: [] },
      months: [],
      tookMs: Math.round((performance.now() - t0) * 10) / 10,
      order: 'relevance',
      normalized,
      highlight,
      warming: true,
      notices: [],
      countsPending: true,
    };
  }

  /** The query's filters as flag tables over the columns' dictionaries (null: filter not set). */
  private async filtersOf(
    query: ParsedQuery,
    textTags: Set<string>,
    only: OnlyDocs | undefined,
  ): Promise<RunFilters> {
    const { cables, stories } = this.columns;
    const f: QueryFilters = query.filters;
    const x: QueryFilters = query.excludedFilters;
    const flags = (size: number, values: string[], idsOf: (v: string) => number[]) => {
      if (!values.length) return null;
      const a = new Uint8Array(Math.max(size, 1));
      for (const v of values) for (const i of idsOf(v)) if (i < a.length) a[i] = 1;
      return a;
    };
    const one = (id: number | undefined) => (id === undefined ? [] : [id]);
    const originIds = (o: string) => cables.originIds(o);
    const clsIds = (c: string) => one(cables.classes.get(c));
    const sectionIds = (sec: string) => one(stories.sections.get(sec));
    // Row ids of the cables with these reference ids (null: no such filter).
    const cableIdsOf = async (list: string[]) =>
      list.length
        ? new Set(
            (
              await this.db.kysely
                .selectFrom('cables')
                .select('id')
                .where('reference_id', 'in', list)
                .execute()
            ).map((r) => r.id),
          )
        : null;
    const refs = only ? only.cables : f.ref;
    return {
      originIn: flags(cables.origins.values.length, f.origin, originIds),
      originOut: flags(cables.origins.values.length, x.origin, originIds),
      clsIn: flags(cables.classes.values.length, f.classification, clsIds),
      clsOut: flags(cables.classes.values.length, x.classification, clsIds),
      tagNeed: f.tag.filter((t) => !textTags.has(t)).map((t) => cables.tagDict.get(t) ?? -1),
      tagOut: x.tag.map((t) => cables.tagDict.get(t) ?? -1).filter((i) => i >= 0),
      yearIn: f.year.length ? new Set(f.year) : null,
      yearOut: x.year.length ? new Set(x.year) : null,
      fromMin: f.from ? isoMinutes(f.from) : -Infinity,
      toMin: f.to ? isoMinutes(f.to) + 24 * 60 - 1 : Infinity,
      kindIn: (k: DocKind) => (f.kind.length === 0 || f.kind.includes(k)) && !x.kind.includes(k),
      secIn: flags(stories.sections.values.length, f.section, sectionIds),
      secOut: flags(stories.sections.values.length, x.section, sectionIds),
      refs,
      refCableIds: await cableIdsOf(refs),
      refOut: x.ref.length ? new Set(x.ref) : null,
      refOutIds: await cableIdsOf(x.ref),
    };
  }

  /**
   * Text match per kind (both kinds are matched so the kind facet can count the other one). A
   * Cablegate story whose cable is in the archive is left out: the cable and its story are one
   * document, found, counted and ranked as the cable (the story's title and text are made from
   * the cable's), and shown with the story's title (see hydrate()).
   */
  private async matchText(
    textQuery: ParsedQuery | null,
    negate: boolean,
    filters: RunFilters,
    only: OnlyDocs | undefined,
  ): Promise<Record<DocKind, Int32Array>> {
    const [cable, story] = await Promise.all(
      (['cable', 'story'] as const).map(async (kind) => {
        if (only)
          return kind === 'cable'
            ? Int32Array.from(filters.refCableIds ?? []).sort()
            : Int32Array.from(only.stories).sort();
        // Every story is its cable's (an archive imported with its Cablegate stories): all of
        // them would be left out below, so none is matched.
        if (kind === 'story' && !this.anyOwnStory()) return new Int32Array(0);
        if (!textQuery) return this.columns.allIds(kind);
        const ids = await this.index.match(kind, textQuery);
        if (!ids) return this.columns.allIds(kind);
        if (!negate) return ids;
        return idsNotIn(this.columns.allIds(kind), ids);
      }),
    );
    return { cable, story: this.withoutCableStories(story) };
  }

  private ownStories: { of: [object, number, object, number]; any: boolean } | null = null;

  /** Whether any story is a document of its own (see withoutCableStories), kept until the columns change. */
  private anyOwnStory(): boolean {
    const { cables, stories } = this.columns;
    const o = this.ownStories?.of;
    if (
      o &&
      o[0] === stories &&
      o[1] === stories.version &&
      o[2] === cables &&
      o[3] === cables.version
    )
      return this.ownStories!.any;
    let any = false;
    for (let id = 0; id < stories.size && !any; id++) {
      if (!stories.present[id]) continue;
      const c = stories.cable[id];
      any = !(c > 0 && c < cables.size && cables.present[c]);
    }
    this.ownStories = { of: [stories, stories.version, cables, cables.version], any };
    return any;
  }

  /** The stories of `ids` that are documents of their own (not a Cablegate story of a stored cable). */
  private withoutCableStories(ids: Int32Array): Int32Array {
    const { cable: cableOf, size } = this.columns.stories;
    const present = this.columns.cables.present;
    const cableSize = this.columns.cables.size;
    const out = new Int32Array(ids.length);
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const c = id < size ? cableOf[id] : 0;
      if (c > 0 && c < cableSize && present[c]) continue;
      out[n++] = id;
    }
    return n === ids.length ? ids : out.subarray(0, n);
  }

  private newCounts(): RunCounts {
    const { cables, stories } = this.columns;
    return {
      origin: new Int32Array(cables.origins.values.length + 1),
      cls: new Int32Array(cables.classes.values.length + 1),
      tag: new Int32Array(cables.tagDict.values.length + 1),
      year: Tally.take(),
      section: new Int32Array(stories.sections.values.length + 1),
      months: Tally.take(),
      kind: { cable: 0, story: 0 },
    };
  }

  /**
   * The matching cables that pass the filters (returned), and their facet counts. Each counting
   * loop is a function of its own, so each is compiled for its own work (inside one long function
   * a rarely taken loop ran unoptimised: 30 ms instead of 5).
   */
  private countCables(ids: Int32Array, rf: RunFilters, counts: RunCounts): Int32Array {
    const cables = this.columns.cables;
    const out = new Int32Array(ids.length);
    const { start: tagStart, data: tagData, over: tagOver } = cables.flatTags();
    const scan: CableScan = {
      present: cables.present,
      origin: cables.origin,
      cls: cables.cls,
      month: cables.month,
      minute: cables.minute,
      size: cables.size,
      tagStart,
      tagData,
      tagOver,
      allTags: cables.tags,
    };
    const k: CableCounts = {
      origin: counts.origin,
      cls: counts.cls,
      tag: counts.tag,
      months: counts.months,
      yearMonths: Tally.take(),
    };
    const filter: CableFilter = {
      mask: (rf.kindIn('cable') ? 0 : KIND) | (rf.secIn ? SECTION : 0),
      originIn: rf.originIn,
      originOut: rf.originOut,
      clsIn: rf.clsIn,
      clsOut: rf.clsOut,
      tagNeed: rf.tagNeed,
      tagOut: rf.tagOut,
      yearIn: rf.yearIn,
      yearOut: rf.yearOut,
      fromMin: rf.fromMin,
      toMin: rf.toMin,
      refIn: rf.refCableIds,
      refOut: rf.refOutIds,
    };
    let n: number;
    let kindCount: number;
    if (!isFiltering(filter)) {
      if (FACET_COMPLEMENT.enabled && ids.length * 2 > cables.count) {
        // Most cables match: every count is the whole archive's (kept by the columns across
        // every change) minus the cables that do not match.
        const all = cables.totals();
        k.origin.set(all.origin.subarray(0, k.origin.length));
        k.cls.set(all.cls.subarray(0, k.cls.length));
        k.tag.set(all.tag.subarray(0, k.tag.length));
        for (const [m, c] of all.months) k.months.add(m, c);
        n = countOthersOut(ids, scan, k, out);
      } else n = countEvery(ids, scan, k, out);
      kindCount = n;
      // Nothing filters: the year facet counts the hits (only cables are counted so far).
      k.months.addYearsTo(counts.year);
    } else {
      ({ n, kindCount } = countFiltered(ids, scan, filter, k, out));
      k.yearMonths.addYearsTo(counts.year);
    }
    k.yearMonths.release();
    counts.kind.cable += kindCount;
    return out.subarray(0, n);
  }

  /**
   * The matching stories that pass the filters (returned), and their facet counts. Visible
   * stories only; cable-only filters leave stories out, except tags matched as text.
   */
  private countStories(ids: Int32Array, rf: RunFilters, counts: RunCounts): Int32Array {
    const stories = this.columns.stories;
    const out = new Int32Array(ids.length);
    let n = 0;
    const nowMin = Math.floor(Date.now() / 60000);
    let fixed = rf.kindIn('story') ? 0 : KIND;
    if (rf.originIn) fixed |= ORIGIN;
    if (rf.clsIn) fixed |= CLASS;
    if (rf.tagNeed.length) fixed |= TAG;
    const { secIn, secOut, yearIn, yearOut, fromMin, toMin, refOut } = rf;
    const refStories = rf.refs.length ? new Set(rf.refs) : null;
    const deadline = currentDeadline();
    for (let i = 0; i < ids.length; i++) {
      if ((i & 0x3fff) === 0) deadline?.check();
      const id = ids[i];
      if (id >= stories.size || !stories.visible(id, nowMin)) continue;
      let mask = fixed;
      const s = stories.section[id];
      if ((secIn && !secIn[s]) || (secOut && secOut[s])) mask |= SECTION;
      const month = stories.month[id];
      const y = Math.floor(month / 12);
      if ((yearIn && !yearIn.has(y)) || (yearOut && yearOut.has(y))) mask |= YEAR;
      const m = stories.minute[id];
      const ref = stories.cableRef.get(id);
      if (
        m < fromMin ||
        m > toMin ||
        (refStories && !(ref && refStories.has(ref))) ||
        (refOut && ref && refOut.has(ref))
      )
        mask |= OTHER;
      if (mask === 0) {
        out[n++] = id;
        counts.months.add(month);
      }
      if ((mask & ~KIND) === 0) counts.kind.story++;
      if ((mask & ~SECTION) === 0) counts.section[s]++;
      if ((mask & ~YEAR) === 0) counts.year.add(y);
    }
    return out.subarray(0, n);
  }

  /**
   * Whether the hits can be ordered by relevance. Ranking costs about 2 µs per match in FTS5 (and
   * needs whole-set statistics), so match sets above RANK_LIMIT are ordered newest first instead
   * unless the term index ranks them; `order` in the result says which was used.
   */
  private rankable(
    textQuery: ParsedQuery,
    hits: Record<DocKind, Int32Array>,
    matchSizes: Record<DocKind, number>,
  ): boolean {
    const inMemory =
      this.index instanceof MemorySearchIndex &&
      this.index.canRank('cable', textQuery) &&
      (matchSizes.story === 0 || this.index.canRank('story', textQuery));
    return (
      inMemory ||
      (matchSizes.cable <= RANK_LIMIT &&
        !relevanceFilteredCost(hits.cable.length, matchSizes.cable))
    );
  }

  /** The requested page of hits by relevance: the top k of each kind, merged by score. */
  private async relevancePage(
    query: ParsedQuery,
    hits: Record<DocKind, Int32Array>,
    matchSizes: Record<DocKind, number>,
    params: SearchParams,
  ): Promise<PageItem[]> {
    const { offset, k } = pageBounds(params, hits.cable.length + hits.story.length);
    if (k <= offset) return [];
    const ranked = await Promise.all(
      (['cable', 'story'] as const).map(async (kind) =>
        hits[kind].length
          ? (
              await this.index.rank(
                kind,
                query,
                hits[kind],
                k,
                hits[kind].length === matchSizes[kind],
              )
            ).map((r) => ({ kind, ...r }))
          : [],
      ),
    );
    return ranked
      .flat()
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(offset, k);
  }

  /** The requested page of hits by date (newest or oldest first, then by id). */
  private datePage(
    hits: Record<DocKind, Int32Array>,
    params: SearchParams,
    oldest: boolean,
  ): PageItem[] {
    const { cables, stories } = this.columns;
    const total = hits.cable.length + hits.story.length;
    const { offset, k } = pageBounds(params, total);
    if (k <= offset) return [];
    const newest = !oldest;
    const nc = hits.cable.length;
    // Items are encoded as numbers: cables i, stories nc + i.
    const minuteOf = (v: number) =>
      v < nc ? cables.minute[hits.cable[v]] : stories.minute[hits.story[v - nc]];
    const better = (a: number, b: number) => {
      const ma = minuteOf(a),
        mb = minuteOf(b);
      if (ma !== mb) return newest ? ma > mb : ma < mb;
      return newest ? a > b : a < b;
    };
    return topK(total, k, better, (i) => i)
      .slice(offset)
      .map((v) =>
        v < nc
          ? { kind: 'cable' as const, id: hits.cable[v] }
          : { kind: 'story' as const, id: hits.story[v - nc] },
      );
  }

  /** The facet lists and the per-month chart from the counts. */
  private facetsOf(counts: RunCounts): Pick<SearchResult, 'facets' | 'months'> {
    const { cables, stories } = this.columns;
    const facets: Record<FacetName, FacetValue[]> = {
      kind: sortFacet(
        new Map([
          ['cable', counts.kind.cable],
          ['story', counts.kind.story],
        ]),
      ),
      origin: sortFacet(new Map(cables.origins.values.map((v, i) => [v, counts.origin[i]]))),
      classification: sortFacet(new Map(cables.classes.values.map((v, i) => [v, counts.cls[i]]))),
      tag: sortFacet(new Map(cables.tagDict.values.map((v, i) => [v, counts.tag[i]]))),
      year: sortFacet(new Map(counts.year.entries().map(([y, c]) => [String(y), c])), 100),
      section: sortFacet(new Map(stories.sections.values.map((v, i) => [v, counts.section[i]]))),
    };
    const months = counts.months
      .entries()
      .sort((a, b) => a[0] - b[0])
      .map(([m, count]) => ({ value: monthLabel(m), count }));
    return { facets, months };
  }

  private async hydrate(
    page: { kind: DocKind; id: number }[],
    query: ParsedQuery | null,
    highlight: string[],
  ): Promise<SearchHit[]> {
    const cableIds = page.filter((p) => p.kind === 'cable').map((p) => p.id);
    const storyIds = page.filter((p) => p.kind === 'story').map((p) => p.id);
    const k = this.db.kysely;
    const [cableRows, storyRows, cableStories, cableSnips, storySnips] = await timed(
      'databaseMs',
      () =>
        Promise.all([
          cableIds.length
            ? k
                .selectFrom('cables')
                .select([
                  'id',
                  'reference_id',
                  'title',
                  'subject',
                  'created',
                  'origin',
                  'classification',
                  'summary',
                  sql<string>`substr(body, 1, ${SNIPPET_TEXT})`.as('lead'),
                ])
                .where('id', 'in', cableIds)
                .execute()
            : [],
          storyIds.length
            ? k
                .selectFrom('stories')
                .innerJoin('sections', 'sections.id', 'stories.section_id')
                .select([
                  'stories.id as id',
                  'stories.slug as slug',
                  'stories.title as title',
                  'stories.teaser as teaser',
                  'stories.body as body',
                  'stories.published_at as published_at',
                  'sections.slug as section_slug',
                ])
                .where('stories.id', 'in', storyIds)
                .execute()
            : [],
          this.cableStories(cableIds),
          new Map<number, string>(),
          new Map<number, string>(),
        ]),
    );
    const cablesById = new Map(cableRows.map((r) => [r.id, r]));
    const storiesById = new Map(storyRows.map((r) => [r.id, r]));
    const out: SearchHit[] = [];
    for (const p of page) {
      if (p.kind === 'cable') {
        const r = cablesById.get(p.id);
        if (!r) continue;
        const snip = cableSnips.get(p.id);
        const story = cableStories.get(r.reference_id);
        out.push({
          kind: 'cable',
          id: r.id,
          referenceId: r.reference_id,
          title: story?.title || r.title || r.subject || r.reference_id,
          date: r.created,
          origin: r.origin,
          classification: r.classification,
          url: `/cables/${r.reference_id}`,
          ...(story ? { storyUrl: storyPath(story) } : {}),
          snippet: snip
            ? markedHtml(snip)
            : query
              ? snippetHtml(String((r as { lead?: string }).lead ?? ''), highlight)
              : highlightHtml(
                  lead(r.summary || String((r as { lead?: string }).lead ?? '')),
                  highlight,
                ),
        });
      } else {
        const r = storiesById.get(p.id);
        if (!r) continue;
        const snip = storySnips.get(p.id);
        out.push({
          kind: 'story',
          id: r.id,
          title: r.title,
          date: r.published_at,
          section: r.section_slug,
          url: storyPath(r),
          snippet: snip
            ? markedHtml(snip)
            : query
              ? snippetHtml(`${r.teaser} ${r.body}`.slice(0, SNIPPET_TEXT), highlight)
              : highlightHtml(lead(r.teaser), highlight),
        });
      }
    }
    return out;
  }

  /**
   * The stories that name one of these cables as theirs in the columns (published or not): every
   * Cablegate story of them is among these. The columns know each story's cable (they leave such
   * stories out of the results), so the query for them looks them up by id; joined from the cables'
   * side, it scanned every published story (seconds on an archive whose cables all have one).
   */
  private storiesNaming(cableIds: number[]): number[] {
    const { start, ids } = this.columns.stories.byCable();
    const out: number[] = [];
    for (const c of cableIds)
      if (c >= 0 && c < start.length - 1)
        for (let x = start[c]; x < start[c + 1]; x++) out.push(ids[x]);
    return out;
  }

  /** The visible Cablegate stories of these cables (title and page), by reference id. */
  private async cableStories(
    cableIds: number[],
  ): Promise<
    Map<
      string,
      { id: number; title: string; slug: string; section_slug: string; published_at: string }
    >
  > {
    const candidates = cableIds.length ? this.storiesNaming(cableIds) : [];
    if (!candidates.length) return new Map();
    // Visible now: tested on the rows, not as a condition SQLite would read the stories'
    // (status, published_at) index for instead of looking the few ids up.
    const now = new Date().toISOString();
    const visibleNow = sql<boolean | number>`(${sql.ref('stories.status')} = ${'published'}
      and ${sql.ref('stories.published_at')} <= ${now})`;
    const rows = await this.db.kysely
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .innerJoin('cables', 'cables.reference_id', 'stories.cable_reference_id')
      .select([
        'stories.cable_reference_id as ref',
        'stories.id as id',
        'stories.published_at as published_at',
        'stories.title as title',
        'stories.slug as slug',
        'sections.slug as section_slug',
        visibleNow.as('visible'),
      ])
      .where('stories.id', 'in', candidates)
      .where('cables.id', 'in', cableIds)
      .execute();
    const visible = rows.filter((r) => !!r.visible);
    return new Map(visible.map(({ visible: _, ...r }) => [r.ref!, r]));
  }
}

/** The one cable a search stands for. */
function onlyCable(referenceId: string): OnlyDocs {
  return { cables: [referenceId], stories: [] };
}

/** A query standing for exactly one cable, found by its reference id. */
function parseRef(refId: string): ParsedQuery {
  const q = parseQuery('', PARSE);
  if (!q.ok) throw q.error;
  q.query.filters.ref.push(refId);
  q.query.referenceId = refId;
  return q.query;
}
