/**
 * In-process term index: for every stemmed term of every indexed cable and story, the documents
 * that contain it (a bitmap over row ids for terms in more than 1/32 of the documents, a sorted id
 * list otherwise) and the weighted term frequency in each (title hits count 10, story teasers 3,
 * body 1; capped at 255), plus each document's length in tokens. That is enough to
 *   - evaluate AND / OR / NOT / prefix queries by word-wise bit operations (microseconds, where
 *     FTS5 needs 50–180 ms to enumerate a word in every document), and
 *   - compute FTS5's bm25() exactly in JS (same idf, k1 = 1.2, b = 0.75, column weights) for any
 *     candidate set, walking each term's postings once in id order, and
 *   - find the exact top k of a large candidate set from per-term champion lists (the documents
 *     with the largest term weight) and an upper bound for everything else (see top()), scoring
 *     every candidate only when the bound does not settle it.
 * Phrases need positions, which are not kept: their match sets come from the database (cached per
 * phrase until a document changes) and their frequency for ranking is approximated by the smallest
 * frequency of their words.
 *
 * Terms are the engine's own: text is split into runs of letters, marks and digits (as FTS5's
 * unicode61 does) and each distinct surface word is stemmed by asking the engine once (an in-memory
 * FTS5 table with the same porter tokenizer on SQLite, to_tsvector('english', …) on PostgreSQL), so
 * match sets agree with the database's. Anything the index cannot answer exactly (multi-token
 * terms, prefixes the engine would stem, stop words) makes the caller use the database instead.
 *
 * Built in the background after the facet columns load (tokenising every title and body), then kept
 * current from the same change log: changed or deleted documents are masked out of the built
 * postings and their new versions kept in a small overlay; past OVERLAY_LIMIT documents the index is
 * rebuilt.
 */
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/workers.ts';
import {
  decodeSnapshot,
  readSnapshotFile,
  readSnapshotStamp,
  type Snapshot,
  type Stamp,
} from './terms-file.ts';
import type { BuildRequest } from './terms-worker.ts';
import type { ParsedQuery, TextNode } from './query.ts';
import type { DocKind, RankedId } from './search-index.ts';
import { checkDeadline, currentDeadline } from './deadline.ts';

const K1 = 1.2;
const B = 0.75;
/** Above this many changed documents the overlay is folded in by a rebuild. */
const OVERLAY_LIMIT = 5000;
const FREQ_CAP = 255;
/** Documents read and tokenised per step of a build (each step blocks the event loop briefly). */
const BUILD_BATCH = 500;
const PHRASE_CACHE = 256;
/** Top-k pruning settings (tests lower them to exercise pruning on a small corpus). */
export const PRUNING = {
  /** Longest champion list per term (documents with the largest bm25 term weight). */
  champions: 2048,
  /** Champion list prefixes tried for top-k before scoring every candidate. */
  tiers: [256, 2048],
  /** Candidate sets below this size are scored in full (cheaper than bounding). */
  from: 12000,
};
const HIST = 4096;
/** Group champion lists kept per kind (16 KB each). */
const GROUP_CHAMPIONS = 64;

export interface Champion {
  /** Documents, best weight first. */
  ids: Int32Array;
  /**
   * Their weights f / (f + k1·(1 − b + b·len/avgdl)), descending, rounded up to float32: they are
   * only compared with each other and used as upper bounds (exact scores come from the postings).
   */
  w: Float32Array;
  /** The avgdl the weights were computed with. */
  avgdl: number;
}

const f32 = new Float32Array(1);
const f32bits = new Uint32Array(f32.buffer);
/** The smallest float32 at or above x (x ≥ 0). */
function float32Up(x: number): number {
  f32[0] = x;
  if (f32[0] < x) f32bits[0]++;
  return f32[0];
}

/** Lower-case tokens as FTS5's unicode61 tokenizer sees them (diacritics are the stemmer's business). */
export function wordTokens(text: string): string[] {
  const lower = text.toLowerCase();
  // ASCII text (nearly every cable): a plain byte-class regex is several times faster.
  if (!/[^\x00-\x7f]/.test(lower)) return lower.match(/[a-z0-9]+/g) ?? [];
  return lower.normalize('NFC').match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

/** FTS5's idf: log((N − n + 0.5) / (n + 0.5)), floored at 1e-6. */
function idfOf(n: number, hits: number): number {
  const idf = Math.log((n - hits + 0.5) / (hits + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

/** The k best (score descending, then id ascending) by a bounded min-heap. */
export function topScores(ids: Int32Array, score: Float64Array, k: number): RankedId[] {
  const heap: number[] = [];
  const worse = (a: number, b: number) =>
    score[a] < score[b] || (score[a] === score[b] && ids[a] > ids[b]);
  const swap = (i: number, j: number) => {
    const t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
  };
  for (let i = 0; i < ids.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      let c = heap.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (worse(heap[c], heap[p])) {
          swap(c, p);
          c = p;
        } else break;
      }
    } else if (worse(heap[0], i)) {
      heap[0] = i;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1,
          r = l + 1;
        let m = c;
        if (l < heap.length && worse(heap[l], heap[m])) m = l;
        if (r < heap.length && worse(heap[r], heap[m])) m = r;
        if (m === c) break;
        swap(c, m);
        c = m;
      }
    }
  }
  return heap
    .sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0))
    .map((i) => ({ id: ids[i], score: score[i] }));
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits over document ids; `words` may be shorter than another set's (missing words are zero). */
export type Bits = Uint32Array;

function bitsCount(b: Bits): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i]) n += popcount(b[i]);
  return n;
}

function bitsToIds(b: Bits): Int32Array {
  const out = new Int32Array(bitsCount(b));
  let n = 0;
  for (let w = 0; w < b.length; w++) {
    let x = b[w];
    while (x) {
      const t = x & -x;
      out[n++] = (w << 5) + (31 - Math.clz32(t));
      x ^= t;
    }
  }
  return out;
}

/** Stems surface words the way the engine does: one list of terms per word (empty: not indexed). */
export interface Stemmer {
  stem(words: string[]): Promise<string[][]>;
  close(): void;
}

/** SQLite: an in-memory FTS5 table with the index's tokenizer; fts5vocab tells what each word became. */
export class Fts5Stemmer implements Stemmer {
  private readonly mem = new Database(':memory:');
  constructor(tokenize = `porter unicode61 remove_diacritics 2`) {
    this.mem.exec(
      `CREATE VIRTUAL TABLE s USING fts5(w, tokenize = '${tokenize}'); CREATE VIRTUAL TABLE v USING fts5vocab(s, instance);`,
    );
  }
  async stem(words: string[]): Promise<string[][]> {
    const out: string[][] = words.map(() => []);
    const ins = this.mem.prepare('INSERT INTO s (rowid, w) VALUES (?, ?)');
    const read = this.mem.prepare('SELECT doc, term FROM v ORDER BY doc, offset').raw();
    for (let i = 0; i < words.length; i += 5000) {
      const part = words.slice(i, i + 5000);
      this.mem.exec('DELETE FROM s');
      this.mem.transaction(() => part.forEach((w, j) => ins.run(j + 1, w)))();
      for (const [doc, term] of read.all() as [number, string][]) out[i + doc - 1].push(term);
    }
    return out;
  }
  close(): void {
    this.mem.close();
  }
}

/** PostgreSQL: to_tsvector('english', word), the same configuration the index uses. */
export class PgStemmer implements Stemmer {
  constructor(private readonly db: Db) {}
  async stem(words: string[]): Promise<string[][]> {
    const out: string[][] = words.map(() => []);
    for (let i = 0; i < words.length; i += 5000) {
      const part = words.slice(i, i + 5000);
      const { rows } = await sql<{
        i: string | number;
        v: string;
      }>`select t.i, to_tsvector('english', t.w)::text as v from unnest(${part}::text[]) with ordinality as t(w, i)`.execute(
        this.db.kysely,
      );
      for (const r of rows) {
        const terms: string[] = [];
        for (const m of r.v.matchAll(/'((?:[^']|'')*)'(?::([\d,A-D]+))?/g)) {
          const count = m[2] ? m[2].split(',').length : 1;
          for (let c = 0; c < count; c++) terms.push(m[1].replace(/''/g, "'"));
        }
        out[i + Number(r.i) - 1] = terms;
      }
    }
    return out;
  }
  close(): void {}
}

interface Doc {
  len: number;
  /** Weighted frequency per term id. */
  freq: Map<number, number>;
  /** Tracked adjacent pairs (pairKey) in the document (overlay documents only). */
  pairs?: Set<number>;
}

/** Term ids below 2^21 can be paired; the key of "a then b" is a·2^21 + b (an exact double). */
const PAIR_SHIFT = 2 ** 21;
export function pairKey(a: number, b: number): number {
  return a * PAIR_SHIFT + b;
}

/** Which adjacent pairs the build tracks (tests lower the share to track pairs of a small corpus). */
export const PAIRS = {
  /** Pairs are chosen from a sample of this many documents spread over the archive… */
  sample: 10000,
  /** …where they occur in at least this share of them. */
  share: 1 / 32,
};

/**
 * The keys of the adjacent term pairs in a document's fields, as the engine's phrase search sees
 * adjacency. FTS5: consecutive tokens of one column (no stop words). PostgreSQL: one position
 * sequence over the concatenated fields (the first token of a field follows the last token of the
 * fields before that kept a lexeme), stop words occupy a position but pair with nothing, a
 * hyphenated compound takes a position of its own before its parts (so the word before it does
 * not pair with its first part), and a hyphen before a digit makes a signed number (no pair).
 */
export function docPairKeys(
  engine: 'sqlite' | 'postgres',
  texts: string[],
  surface: Map<string, number[]>,
  out: number[],
): void {
  const pg = engine === 'postgres';
  let lastLexeme = -1;
  for (const text of texts) {
    let lower = text.toLowerCase();
    const ascii = !/[^\x00-\x7f]/.test(lower);
    if (!ascii) lower = lower.normalize('NFC');
    const re = ascii ? /[a-z0-9]+/g : /[\p{L}\p{M}\p{N}]+/gu;
    let prev = pg ? lastLexeme : -1;
    let prevEnd = -1;
    for (let m = re.exec(lower); m; m = re.exec(lower)) {
      const word = m[0];
      const start = m.index;
      const end = start + word.length;
      const tids = surface.get(word);
      let t = tids && tids.length === 1 && tids[0] < PAIR_SHIFT ? tids[0] : -1;
      let lexeme = !!tids?.length;
      if (pg) {
        const joined = prevEnd >= 0 && start === prevEnd + 1 && lower[prevEnd] === '-';
        if (joined && /[0-9]/.test(word[0])) {
          // "-10": a lexeme that is not this word's term; it pairs with nothing.
          prev = -1;
          t = -1;
          lexeme = true;
        } else if (!joined && lower[end] === '-' && /[a-z\p{L}]/u.test(lower[end + 1] ?? ''))
          prev = -1;
      }
      if (prev >= 0 && t >= 0) out.push(prev * PAIR_SHIFT + t);
      prev = t;
      if (lexeme) lastLexeme = t;
      prevEnd = end;
    }
  }
}

/**
 * Adjacent-pair postings of a build: the pairs frequent in a sample of the documents (spread over
 * the whole id range, read before the build's pass) get a bitmap over every document; the others
 * are not tracked (their phrases go to the database).
 */
class PairTracker {
  private readonly tracked = new Map<number, Uint32Array>();
  constructor(
    private readonly words: number,
    sample: number[][],
  ) {
    const counts = new Map<number, number>();
    for (const keys of sample)
      for (const k of new Set(keys)) counts.set(k, (counts.get(k) ?? 0) + 1);
    const min = Math.max(1, Math.ceil(sample.length * PAIRS.share));
    for (const [k, c] of counts) if (c >= min) this.tracked.set(k, new Uint32Array(this.words));
  }

  add(id: number, keys: number[]): void {
    const tracked = this.tracked;
    for (let i = 0; i < keys.length; i++) {
      const bm = tracked.get(keys[i]);
      if (bm) bm[id >> 5] |= 1 << (id & 31);
    }
  }

  finish(): Map<number, Uint32Array> {
    return this.tracked;
  }
}

/** The postings of one kind of document. */
export class KindPostings {
  readonly termIds = new Map<string, number>();
  readonly termNames: string[] = [];
  /** Per term: bitmap (dense) or null. */
  dense: (Uint32Array | null)[] = [];
  /** Per dense term: popcount of the bitmap before each 8-word block. */
  cum: (Uint32Array | null)[] = [];
  /** Per sparse term: ascending ids. */
  ids: (Int32Array | null)[] = [];
  /** Per term: frequencies in id order. */
  freq: Uint8Array[] = [];
  df: number[] = [];
  /** Documents in the built postings; length in tokens per id. */
  present: Uint32Array = new Uint32Array(0);
  len: Int32Array = new Int32Array(0);
  nDocs = 0;
  totalLen = 0;
  /** Overlay: documents changed since the build (null content: deleted). */
  readonly changed = new Map<number, Doc | null>();
  dirty: Uint32Array = new Uint32Array(0);
  /** Per term: champion list (see champion()); undefined until first asked for. */
  champs: (Champion | null | undefined)[] = [];
  /** The list length (PRUNING.champions) the champion lists were made for. */
  champsSize = PRUNING.champions;
  /** Champion lists of term groups (see groupChampion()), by their term ids. */
  readonly groupChamps = new Map<string, Champion | null>();
  /** Tracked adjacent pairs (pairKey → bitmap of the documents with "a then b"). */
  pairs = new Map<number, Uint32Array>();
  overlayDocs = 0;
  overlayLen = 0;

  words(): number {
    let max = this.present.length;
    for (const id of this.changed.keys()) max = Math.max(max, (id >> 5) + 1);
    return max;
  }

  term(name: string): number {
    let t = this.termIds.get(name);
    if (t === undefined) {
      t = this.termNames.length;
      this.termNames.push(name);
      this.termIds.set(name, t);
      this.dense.push(null);
      this.cum.push(null);
      this.ids.push(new Int32Array(0));
      this.freq.push(new Uint8Array(0));
      this.df.push(0);
    }
    return t;
  }

  count(): number {
    return this.nDocs + this.overlayDocs;
  }

  avgdl(): number {
    const n = this.count();
    return n ? (this.totalLen + this.overlayLen) / n : 1;
  }

  isDirty(id: number): boolean {
    const w = id >> 5;
    return w < this.dirty.length && (this.dirty[w] & (1 << (id & 31))) !== 0;
  }

  docLen(id: number): number {
    if (this.isDirty(id)) return this.changed.get(id)?.len ?? 0;
    return id < this.len.length ? this.len[id] : 0;
  }

  /** Bits of the documents containing any of the terms. */
  bits(tids: number[], size: number): Bits {
    const out = new Uint32Array(size);
    for (const t of tids) {
      const d = this.dense[t];
      if (d) for (let w = 0; w < d.length; w++) out[w] |= d[w];
      else {
        const ids = this.ids[t]!;
        for (let i = 0; i < ids.length; i++) out[ids[i] >> 5] |= 1 << (ids[i] & 31);
      }
    }
    if (this.changed.size) {
      for (let w = 0; w < this.dirty.length && w < size; w++) out[w] &= ~this.dirty[w];
      for (const [id, doc] of this.changed) {
        if (doc && tids.some((t) => doc.freq.has(t))) out[id >> 5] |= 1 << (id & 31);
      }
    }
    return out;
  }

  /** Bits of the documents with the tracked pair `key` (see docPairKeys). */
  pairBits(key: number, size: number): Bits {
    const out = new Uint32Array(size);
    const d = this.pairs.get(key)!;
    out.set(d.length > size ? d.subarray(0, size) : d);
    if (this.changed.size) {
      for (let w = 0; w < this.dirty.length && w < size; w++) out[w] &= ~this.dirty[w];
      for (const [id, doc] of this.changed)
        if (doc?.pairs?.has(key)) out[id >> 5] |= 1 << (id & 31);
    }
    return out;
  }

  /** Adds each candidate's frequency of term t into acc (candidates ascending). */
  addFreqs(t: number, cand: Int32Array, acc: Float64Array): void {
    const f = this.freq[t];
    const d = this.dense[t];
    if (d) {
      const cum = this.cum[t]!;
      let curW = -1,
        base = 0;
      for (let i = 0; i < cand.length; i++) {
        const id = cand[i];
        const w = id >> 5;
        if (w >= d.length) break;
        const bit = 1 << (id & 31);
        if ((d[w] & bit) === 0) continue;
        if (w !== curW) {
          if (w - curW < 8 && curW >= 0) {
            for (let x = curW; x < w; x++) base += popcount(d[x]);
          } else {
            base = cum[w >> 3];
            for (let x = w & ~7; x < w; x++) base += popcount(d[x]);
          }
          curW = w;
        }
        acc[i] += f[base + popcount(d[w] & (bit - 1))];
      }
    } else {
      const ids = this.ids[t]!;
      let j = 0;
      for (let i = 0; i < cand.length && j < ids.length; i++) {
        const id = cand[i];
        while (j < ids.length && ids[j] < id) j++;
        if (j < ids.length && ids[j] === id) acc[i] += f[j];
      }
    }
    if (this.changed.size) {
      for (let i = 0; i < cand.length; i++) {
        const id = cand[i];
        if (!this.isDirty(id)) continue;
        // A dirty document's built postings are stale: replace what was added above.
        const doc = this.changed.get(id);
        acc[i] = acc[i] - this.builtFreq(t, id) + (doc?.freq.get(t) ?? 0);
      }
    }
  }

  private builtFreq(t: number, id: number): number {
    const d = this.dense[t];
    if (d) {
      const w = id >> 5;
      if (w >= d.length || (d[w] & (1 << (id & 31))) === 0) return 0;
      let r = this.cum[t]![w >> 3];
      for (let x = w & ~7; x < w; x++) r += popcount(d[x]);
      return this.freq[t][r + popcount(d[w] & ((1 << (id & 31)) - 1))];
    }
    const ids = this.ids[t]!;
    let lo = 0,
      hi = ids.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (ids[m] === id) return this.freq[t][m];
      if (ids[m] < id) lo = m + 1;
      else hi = m - 1;
    }
    return 0;
  }

  /**
   * Champion list of a dense term (computed on first use, kept until the postings are replaced):
   * up to PRUNING.champions documents with the largest bm25 term weight f / (f + k1·(1 − b + b·len/avgdl))
   * at the avgdl of the moment, best first. Every document of the term outside the list weighs at
   * most the last weight in it. null: the term is sparse (its documents are few: all scored exactly).
   */
  champion(t: number): Champion | null {
    this.checkChampsSize();
    let c = this.champs[t];
    if (c !== undefined) return c;
    const d = this.dense[t];
    if (!d || this.df[t] <= PRUNING.champions) {
      this.champs[t] = null;
      return null;
    }
    // A bitmap's frequencies are stored in id order: the r-th set bit has freq[r].
    c = this.bestWeights(bitsToIds(d), this.freq[t]);
    this.champs[t] = c;
    return c;
  }

  /**
   * Champion list of a group of terms whose frequencies add up (a prefix and its expansions), made
   * on first use and kept (a few dozen) until the postings are replaced: the documents with the
   * largest weight F / (F + k1·(1 − b + b·len/avgdl)), F the sum of the group's frequencies in the
   * document. Every document outside it weighs at most its last weight, whichever of the terms it
   * has. null: the group's documents are few (all scored exactly).
   */
  groupChampion(tids: number[]): Champion | null {
    this.checkChampsSize();
    const key = tids.join(',');
    let c = this.groupChamps.get(key);
    if (c !== undefined) return c;
    const sum = new Int32Array(this.len.length);
    for (const t of tids) {
      // Frequencies are in id order, for a bitmap's set bits as for an id list.
      const d = this.dense[t];
      const ids = d ? bitsToIds(d) : this.ids[t]!;
      const f = this.freq[t];
      for (let i = 0; i < ids.length; i++) if (ids[i] < sum.length) sum[ids[i]] += f[i];
    }
    let n = 0;
    for (let id = 0; id < sum.length; id++) if (sum[id] > 0) n++;
    if (n <= PRUNING.champions) c = null;
    else {
      const ids = new Int32Array(n);
      const freqs = new Int32Array(n);
      for (let id = 0, r = 0; id < sum.length; id++)
        if (sum[id] > 0) {
          ids[r] = id;
          freqs[r++] = sum[id];
        }
      c = this.bestWeights(ids, freqs);
    }
    if (this.groupChamps.size >= GROUP_CHAMPIONS)
      this.groupChamps.delete(this.groupChamps.keys().next().value!);
    this.groupChamps.set(key, c);
    return c;
  }

  /** Champion lists follow PRUNING.champions (tests change it): made again when it changed. */
  private checkChampsSize(): void {
    if (this.champsSize !== PRUNING.champions) {
      this.champs = [];
      this.groupChamps.clear();
      this.champsSize = PRUNING.champions;
    }
  }

  /** The PRUNING.champions documents (of `ids`, with frequencies `f`) with the largest bm25 weight. */
  private bestWeights(ids: Int32Array, f: ArrayLike<number>): Champion {
    const n = ids.length;
    const avgdl = this.avgdl();
    const len = this.len;
    const w = new Float64Array(n);
    const hist = new Int32Array(HIST + 1);
    for (let r = 0; r < n; r++) {
      const fr = f[r];
      const wt = fr / (fr + K1 * (1 - B + (B * len[ids[r]]) / avgdl));
      w[r] = wt;
      hist[(wt * HIST) | 0]++;
    }
    // The bucket holding the CHAMPIONS-th best weight: everything in higher buckets is kept.
    let cut = HIST,
      above = 0;
    while (cut > 0 && above + hist[cut] < PRUNING.champions) above += hist[cut--];
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (((w[i] * HIST) | 0) >= cut) keep.push(i);
    keep.sort((a, b) => w[b] - w[a] || ids[a] - ids[b]);
    const k = Math.min(keep.length, PRUNING.champions);
    const c: Champion = { ids: new Int32Array(k), w: new Float32Array(k), avgdl };
    for (let i = 0; i < k; i++) {
      c.ids[i] = ids[keep[i]];
      c.w[i] = float32Up(w[keep[i]]);
    }
    return c;
  }

  /** Records a changed document (null: deleted or not indexed). */
  setChanged(id: number, doc: Doc | null): void {
    const prev = this.changed.get(id);
    if (prev) {
      this.overlayDocs--;
      this.overlayLen -= prev.len;
    }
    if (!this.isDirty(id)) {
      const w = id >> 5;
      if (w >= this.dirty.length) {
        const d = new Uint32Array(Math.max(w + 1, this.present.length));
        d.set(this.dirty);
        this.dirty = d;
      }
      this.dirty[w] |= 1 << (id & 31);
      if (w < this.present.length && this.present[w] & (1 << (id & 31))) {
        this.nDocs--;
        this.totalLen -= this.len[id];
        this.present[w] &= ~(1 << (id & 31));
      }
    }
    this.changed.set(id, doc);
    if (doc) {
      this.overlayDocs++;
      this.overlayLen += doc.len;
    }
  }
}

/** Growing posting lists during a build. */
class Builder {
  readonly p = new KindPostings();
  private n: number[] = [];
  private acc: Int32Array = new Int32Array(1024);
  private readonly touched: number[] = [];
  constructor(private readonly maxId: number) {
    const words = (maxId >> 5) + 1;
    this.p.present = new Uint32Array(words);
    this.p.len = new Int32Array(maxId + 1);
  }
  private denseAt(): number {
    return Math.max(64, (this.maxId + 1) >> 5);
  }
  add(id: number, doc: Doc): void {
    const p = this.p;
    p.present[id >> 5] |= 1 << (id & 31);
    p.len[id] = doc.len;
    p.nDocs++;
    p.totalLen += doc.len;
    for (const [t, f] of doc.freq) {
      while (this.n.length <= t) this.n.push(0);
      const n = this.n[t]++;
      let fr = p.freq[t];
      if (n >= fr.length) {
        const g = new Uint8Array(Math.max(16, fr.length * 2));
        g.set(fr);
        p.freq[t] = fr = g;
      }
      fr[n] = f > FREQ_CAP ? FREQ_CAP : f;
      const d = p.dense[t];
      if (d) d[id >> 5] |= 1 << (id & 31);
      else {
        let ids = p.ids[t]!;
        if (n >= ids.length) {
          if (n >= this.denseAt()) {
            const bm = new Uint32Array(p.present.length);
            for (let i = 0; i < n; i++) bm[ids[i] >> 5] |= 1 << (ids[i] & 31);
            bm[id >> 5] |= 1 << (id & 31);
            p.dense[t] = bm;
            p.ids[t] = null;
            continue;
          }
          const g = new Int32Array(Math.max(8, ids.length * 2));
          g.set(ids);
          p.ids[t] = ids = g;
        }
        ids[n] = id;
      }
    }
  }
  /** A document's terms and length from its weighted fields, terms from `stems`. */
  doc(fields: [string[], number][], surface: Map<string, number[]>): Doc {
    let len = 0;
    for (const [toks, weight] of fields) {
      for (const w of toks) {
        const tids = surface.get(w)!;
        for (const t of tids) {
          if (t >= this.acc.length) {
            const g = new Int32Array(Math.max(t + 1, this.acc.length * 2));
            g.set(this.acc);
            this.acc = g;
          }
          if (this.acc[t] === 0) this.touched.push(t);
          this.acc[t] += weight;
          len++;
        }
      }
    }
    const freq = new Map<number, number>();
    for (const t of this.touched) {
      freq.set(t, Math.min(FREQ_CAP, this.acc[t]));
      this.acc[t] = 0;
    }
    this.touched.length = 0;
    return { len, freq };
  }
  finish(): KindPostings {
    const p = this.p;
    for (let t = 0; t < p.termNames.length; t++) {
      const n = this.n[t] ?? 0;
      p.df[t] = n;
      p.freq[t] = p.freq[t].slice(0, n);
      const d = p.dense[t];
      if (d) {
        const cum = new Uint32Array((d.length >> 3) + 1);
        let c = 0;
        for (let w = 0; w < d.length; w++) {
          if ((w & 7) === 0) cum[w >> 3] = c;
          c += popcount(d[w]);
        }
        p.cum[t] = cum;
      } else p.ids[t] = p.ids[t]!.slice(0, n);
    }
    p.dirty = new Uint32Array(0);
    return p;
  }
}

const FIELDS: Record<DocKind, { table: 'cables' | 'stories'; cols: string[]; weights: number[] }> =
  {
    cable: { table: 'cables', cols: ['title', 'body'], weights: [10, 1] },
    story: { table: 'stories', cols: ['title', 'teaser', 'body'], weights: [10, 3, 1] },
  };

/** A leaf of the text match that bm25 scores: a term (or prefix: several terms) or a phrase. */
interface Leaf {
  /** Terms whose frequencies add up (term, prefix); for a phrase, each word's terms (min taken). */
  groups: number[][];
  phrase: boolean;
  bits: Bits;
}

export interface Plan {
  bits: Bits;
  leaves: Leaf[];
}

type Compiled = { bits: Bits; leaves: Leaf[] } | null;
class Unsupported extends Error {}
class TooMany extends Error {}

export interface TermIndexOptions {
  /** Where to keep the built index between runs (null: rebuild on every start). */
  file?: string | null;
  /** false: build on this thread (tests that want no worker). */
  worker?: boolean;
  /**
   * follower: never load or build an index, only install the ones offered (another thread's, in
   * shared memory: see offer()). Default leader.
   */
  role?: 'leader' | 'follower';
  /** A follower's first index, when the leader has one already (installed by the first build). */
  shared?: Uint8Array | null;
  /** Told about each index put in place whose blob is shared memory (for followers). */
  onShared?: (blob: Uint8Array) => void;
  /** Told each time the index becomes ready (after a load, build or catch-up). */
  onReady?: () => void;
}

/**
 * The term index for both kinds, with the engine's stemmer and a phrase source (the database).
 * `ready(kind)` is false while building or after a failed update: callers then use the database.
 */
export class TermIndex {
  private postings: Record<DocKind, KindPostings | null> = { cable: null, story: null };
  /** Surface word → term ids, per kind. */
  private surface: Record<DocKind, Map<string, number[]>> = { cable: new Map(), story: new Map() };
  /** Surface word → stems (engine's), shared by both kinds. */
  private readonly stems = new Map<string, string[]>();
  private building: Promise<void> | null = null;
  /** True from the start of a build until its postings are in place: changes wait in `pending`. */
  private collecting = false;
  private generation = 0;
  private stale = true;
  private pending: Record<DocKind, Set<number>> = { cable: new Set(), story: new Set() };
  private readonly phraseCache = new Map<string, Int32Array>();
  private readonly prefixCache = new Map<string, number[]>();
  private closed = false;
  /** Milliseconds the last full build (or load) took, and where the index came from. */
  lastBuildMs = 0;
  lastBuildSource: 'file' | 'worker' | 'thread' | 'shared' | null = null;
  private worker: import('node:worker_threads').Worker | null = null;
  /** A follower's latest offered index (see offer()), and the snapshot in place. */
  private offered: Uint8Array | null = null;
  private installed: Snapshot | null = null;
  /** Top-k rankings answered from champion lists / by scoring every candidate. */
  readonly rankStats = { pruned: 0, full: 0, groupLists: 0 };
  /** Two-word phrases answered from tracked pairs / sent to the database. */
  readonly phraseStats = { pairs: 0, database: 0 };

  constructor(
    private readonly db: Db,
    private readonly stemmer: Stemmer,
    /** Ids (ascending) matching a one-phrase query, from the database. */
    private readonly phraseIds: (kind: DocKind, phrase: string) => Promise<Int32Array>,
    private readonly options: TermIndexOptions = {},
  ) {
    this.offered = options.shared ?? null;
  }

  /**
   * A follower is handed the index another thread put in place (a blob in shared memory): it is
   * installed when it belongs to this database's present epoch, as a kept file would be; until
   * then (or when it does not) searches go to the database.
   */
  offer(blob: Uint8Array): Promise<void> {
    this.offered = blob;
    return this.rebuild();
  }

  ready(kind: DocKind): boolean {
    return !this.stale && this.postings[kind] !== null && !this.closed;
  }

  close(): void {
    this.closed = true;
    void this.worker?.terminate();
    this.stemmer.close();
  }

  /**
   * Starts a full build in the background (or returns the running one). The snapshot kept in the
   * index file is used instead when it was taken from this database at the current epoch and
   * catching up from the change log is cheap; otherwise a worker thread builds (on this thread
   * only when no worker can start) and keeps the result in the file.
   */
  rebuild(): Promise<void> {
    this.stale = true;
    this.generation++;
    const gen = this.generation;
    const run = async () => {
      this.collecting = true;
      const t0 = performance.now();
      if (this.options.role === 'follower') {
        // Only an offered index is installed (the leader loads or builds one and offers it). The
        // one in place already is kept, caught up again, when it is still current.
        const again = this.installed?.blob === this.offered ? this.installed : null;
        const snap = again ?? (this.offered ? decodeSnapshot(this.offered) : null);
        if (!snap || !(await this.current(snap))) return;
        if (gen !== this.generation || this.closed) return;
        if (again) this.collecting = false;
        else this.install(snap);
        this.lastBuildSource = 'shared';
        await this.catchUp(snap, gen);
        this.lastBuildMs = performance.now() - t0;
        return;
      }
      let snap = await this.kept();
      this.lastBuildSource = 'file';
      if (!snap && !this.closed && gen === this.generation) {
        snap = await this.buildInWorker();
        this.lastBuildSource = 'worker';
      }
      if (!snap && !this.closed && gen === this.generation) {
        snap = await this.snapshot(gen);
        this.lastBuildSource = 'thread';
      }
      if (!snap || gen !== this.generation || this.closed) return;
      this.install(snap);
      this.lastBuildMs = performance.now() - t0;
      if ((await this.catchUp(snap, gen)) && snap.blob?.buffer instanceof SharedArrayBuffer)
        this.options.onShared?.(snap.blob);
    };
    const p = run().catch(() => {
      if (gen === this.generation) this.collecting = false;
      // The database went away (shutdown) or a read failed: stay on the database path.
    });
    const done: Promise<void> = p.finally(() => {
      if (this.building === done) this.building = null;
    });
    this.building = done;
    return done;
  }

  /**
   * After install(): applies the changes made since the snapshot was taken, and those that arrived
   * while building, from their current content. True when the index is ready.
   */
  private async catchUp(snap: Snapshot, gen: number): Promise<boolean> {
    const since = await this.changesSince(snap.stamp.seq, Infinity);
    for (const kind of ['cable', 'story'] as const) {
      const ids = new Set([...this.pending[kind], ...since[kind]]);
      this.pending[kind].clear();
      if (ids.size)
        await this.applyChanges(
          kind,
          [...ids].sort((a, b) => a - b),
        );
    }
    if (gen !== this.generation) return false;
    this.stale = false;
    this.options.onReady?.();
    return true;
  }

  /** Puts a built or loaded snapshot in place. */
  private install(snap: Snapshot): void {
    // The presence bitmaps change with every changed document: each thread has its own, even when
    // the rest of the index is memory shared with other threads.
    for (const p of Object.values(snap.postings))
      if (p.present.buffer instanceof SharedArrayBuffer) p.present = p.present.slice();
    this.installed = snap;
    this.postings = { ...snap.postings };
    this.surface = { ...snap.surface };
    for (const kind of ['cable', 'story'] as const) {
      const names = snap.postings[kind].termNames;
      for (const [w, tids] of snap.surface[kind])
        if (!this.stems.has(w))
          this.stems.set(
            w,
            tids.map((t) => names[t]),
          );
    }
    this.collecting = false;
    this.phraseCache.clear();
    this.prefixCache.clear();
  }

  /** Where this database is in its history (and its instance id, made on first use). */
  private async stamp(): Promise<Stamp> {
    const k = this.db.kysely;
    const fresh = 1 + Math.floor(Math.random() * 2 ** 31 - 2);
    await sql`insert into search_state (key, value) values ('instance', ${fresh}) on conflict (key) do nothing`.execute(
      k,
    );
    const { rows } = await sql<{
      instance: number | string | null;
      epoch: number | string | null;
      seq: number | string | null;
    }>`select
      (select value from search_state where key = 'instance') as instance,
      (select value from search_state where key = 'epoch') as epoch,
      (select max(seq) from search_changes) as seq`.execute(k);
    return {
      instance: Number(rows[0]?.instance ?? 0),
      epoch: Number(rows[0]?.epoch ?? 0),
      seq: Number(rows[0]?.seq ?? 0),
      engine: this.db.engine,
    };
  }

  /** Documents changed after change-log position `seq`, or null when there are more than `limit`. */
  private async changesSince(seq: number, limit: number): Promise<Record<DocKind, number[]>> {
    const lim = Number.isFinite(limit) ? sql`limit ${limit + 1}` : sql``;
    const { rows } = await sql<{
      kind: string;
      doc_id: number | string;
    }>`select kind, doc_id from search_changes where seq > ${seq} order by seq ${lim}`.execute(
      this.db.kysely,
    );
    if (rows.length > limit) throw new TooMany();
    const out: Record<DocKind, number[]> = { cable: [], story: [] };
    for (const r of rows)
      if (r.kind === 'cable' || r.kind === 'story') out[r.kind].push(Number(r.doc_id));
    return out;
  }

  /** The snapshot in the index file, when it belongs to this database and is recent enough. */
  private async kept(): Promise<Snapshot | null> {
    if (!this.options.file) return null;
    // A file of another epoch or database is not read whole (nor decoded) only to be thrown away.
    const stamp = await readSnapshotStamp(this.options.file);
    if (!stamp || !(await this.current({ stamp }))) return null;
    const snap = await readSnapshotFile(this.options.file);
    return snap && (await this.current(snap)) ? snap : null;
  }

  /** True when a snapshot was taken from this database at its present epoch, not long ago. */
  private async current(snap: Pick<Snapshot, 'stamp'>): Promise<boolean> {
    const now = await this.stamp();
    if (
      snap.stamp.instance !== now.instance ||
      snap.stamp.epoch !== now.epoch ||
      snap.stamp.engine !== now.engine ||
      snap.stamp.seq > now.seq
    )
      return false;
    try {
      await this.changesSince(snap.stamp.seq, OVERLAY_LIMIT);
    } catch (e) {
      if (e instanceof TooMany) return false;
      throw e;
    }
    return true;
  }

  /** Builds in a worker thread; null when no worker could run it. */
  private buildInWorker(): Promise<Snapshot | null> {
    if (this.options.worker === false) return Promise.resolve(null);
    return new Promise((resolve) => {
      let worker: import('node:worker_threads').Worker;
      try {
        worker = startWorker(import.meta.url, './terms-worker.ts');
      } catch {
        resolve(null);
        return;
      }
      this.worker = worker;
      let settled = false;
      const finish = (snap: Snapshot | null) => {
        if (settled) return;
        settled = true;
        if (this.worker === worker) this.worker = null;
        void worker.terminate();
        resolve(snap);
      };
      worker.on('message', (msg: { blob?: Uint8Array; error?: string }) =>
        finish(msg.blob ? decodeSnapshot(msg.blob) : null),
      );
      worker.on('error', () => finish(null));
      worker.on('exit', () => finish(null));
      worker.postMessage({
        db: this.db.target,
        file: this.options.file ?? null,
        pairs: { ...PAIRS },
        pruning: { ...PRUNING, tiers: [...PRUNING.tiers] },
      } satisfies BuildRequest);
    });
  }

  /** Builds both kinds here, reading the stamp first (see Stamp). */
  async snapshot(gen = this.generation): Promise<Snapshot> {
    const stamp = await this.stamp();
    const cable = await this.buildKind('cable', gen);
    const cableSurface = this.surface.cable;
    const story = await this.buildKind('story', gen);
    // Champion lists of every frequent term now, so no search pays for one on first use.
    for (const p of [cable, story])
      for (let t = 0; t < p.termNames.length; t++)
        if (p.dense[t] && p.df[t] > PRUNING.champions) p.champion(t);
    return {
      stamp,
      postings: { cable, story },
      surface: { cable: cableSurface, story: this.surface.story },
    };
  }

  /** Documents changed (from the change log): re-read them into the overlay. */
  async changed(kind: DocKind, ids: number[]): Promise<void> {
    if (!ids.length) return;
    this.phraseCache.clear();
    if (this.collecting || !this.postings[kind]) {
      for (const id of ids) this.pending[kind].add(id);
      return;
    }
    try {
      await this.applyChanges(kind, ids);
    } catch {
      this.stale = true;
      void this.rebuild();
      return;
    }
    if (this.postings[kind]!.changed.size > OVERLAY_LIMIT) void this.rebuild();
  }

  private async applyChanges(kind: DocKind, ids: number[]): Promise<void> {
    const p = this.postings[kind]!;
    const f = FIELDS[kind];
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = await this.readRows(kind, part, null);
      await this.learn(kind, p, rows);
      const b = new Builder(0);
      const seen = new Set<number>();
      const keys: number[] = [];
      for (const r of rows) {
        seen.add(r.id);
        const doc = this.docOf(kind, b, r, f.weights);
        keys.length = 0;
        docPairKeys(this.db.engine, r.fields, this.surface[kind], keys);
        doc.pairs = new Set(keys.filter((k) => p.pairs.has(k)));
        p.setChanged(r.id, doc);
      }
      for (const id of part) if (!seen.has(id)) p.setChanged(id, null);
    }
    this.prefixCache.clear();
  }

  private docOf(kind: DocKind, b: Builder, r: Row, weights: number[]): Doc {
    return b.doc(
      r.tokens!.map((t, i) => [t, weights[i]] as [string[], number]),
      this.surface[kind],
    );
  }

  private async readRows(
    kind: DocKind,
    ids: number[] | null,
    range: [number, number] | null,
  ): Promise<Row[]> {
    const f = FIELDS[kind];
    const cols = sql.join(
      f.cols.map((c, i) => sql`coalesce(${sql.ref(c)}, '') as ${sql.raw(`f${i}`)}`),
    );
    const table = sql.table(f.table);
    // Cables waiting for the post-import indexer are not in the database's index either.
    const mark =
      kind === 'cable'
        ? sql`and id <= coalesce((select value from search_state where key = 'cables_indexed_upto'), 9223372036854775807)`
        : sql``;
    const where = ids
      ? sql`id in (${sql.join(ids)})`
      : sql`id > ${range![0]} and id <= ${range![1]}`;
    const { rows } = await sql<
      Record<string, unknown>
    >`select id, ${cols} from ${table} where ${where} ${mark} order by id`.execute(this.db.kysely);
    return rows.map((r) => ({
      id: Number(r.id),
      fields: f.cols.map((_, i) => String(r[`f${i}`] ?? '')),
    }));
  }

  /** Makes sure every surface word in the rows has term ids for the kind. */
  private async learn(kind: DocKind, p: KindPostings, rows: Row[]): Promise<void> {
    const surf = this.surface[kind];
    const unknown = new Set<string>();
    const missing = new Set<string>();
    for (const r of rows) {
      r.tokens = r.fields.map(wordTokens);
      for (const toks of r.tokens)
        for (const w of toks)
          if (!surf.has(w)) {
            missing.add(w);
            if (!this.stems.has(w)) unknown.add(w);
          }
    }
    if (unknown.size) {
      const list = [...unknown];
      const stems = await this.stemmer.stem(list);
      list.forEach((w, i) => this.stems.set(w, stems[i]));
    }
    for (const w of missing)
      surf.set(
        w,
        this.stems.get(w)!.map((s) => p.term(s)),
      );
  }

  private async buildKind(kind: DocKind, gen: number): Promise<KindPostings> {
    const f = FIELDS[kind];
    const max = Number(
      (
        await sql<{
          m: number | string | null;
        }>`select max(id) as m from ${sql.table(f.table)}`.execute(this.db.kysely)
      ).rows[0]?.m ?? 0,
    );
    const b = new Builder(max);
    this.surface[kind] = new Map();
    const pairs = new PairTracker((max >> 5) + 1, await this.pairSample(kind, b, max, gen));
    const keys: number[] = [];
    for (let from = 0; from < max; from += BUILD_BATCH) {
      if (gen !== this.generation || this.closed) throw new Error('superseded');
      const rows = await this.readRows(kind, null, [from, from + BUILD_BATCH]);
      await this.learn(kind, b.p, rows);
      for (const r of rows) {
        b.add(r.id, this.docOf(kind, b, r, f.weights));
        keys.length = 0;
        docPairKeys(this.db.engine, r.fields, this.surface[kind], keys);
        pairs.add(r.id, keys);
      }
      await new Promise((r) => setImmediate(r));
    }
    const built = b.finish();
    built.pairs = pairs.finish();
    return built;
  }

  /**
   * The adjacent-pair keys of about PAIRS.sample documents read in BUILD_BATCH id ranges spread
   * evenly over [0, max] (all documents when there are fewer), to choose the pairs to track.
   */
  private async pairSample(
    kind: DocKind,
    b: Builder,
    max: number,
    gen: number,
  ): Promise<number[][]> {
    const out: number[][] = [];
    const ranges = Math.max(1, Math.ceil(PAIRS.sample / BUILD_BATCH));
    const step = Math.max(BUILD_BATCH, Math.floor(max / ranges));
    for (let from = 0; from < max && out.length < PAIRS.sample; from += step) {
      if (gen !== this.generation || this.closed) throw new Error('superseded');
      const rows = await this.readRows(kind, null, [from, from + BUILD_BATCH]);
      await this.learn(kind, b.p, rows);
      for (const r of rows) {
        const keys: number[] = [];
        docPairKeys(this.db.engine, r.fields, this.surface[kind], keys);
        out.push(keys);
      }
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /** Term ids of one query word, or throws Unsupported when the index cannot answer it exactly. */
  private async wordTerms(kind: DocKind, word: string, prefix: boolean): Promise<number[]> {
    const p = this.postings[kind]!;
    let stems = this.stems.get(word);
    if (!stems) {
      stems = (await this.stemmer.stem([word]))[0];
      this.stems.set(word, stems);
    }
    if (stems.length !== 1) throw new Unsupported();
    if (!prefix) {
      const t = p.termIds.get(stems[0]);
      return t === undefined ? [] : [t];
    }
    if (stems[0] !== word) throw new Unsupported();
    return this.prefixTerms(kind, word);
  }

  /** Term ids of the indexed words starting with `word` (cached per index). */
  private prefixTerms(kind: DocKind, word: string): number[] {
    const p = this.postings[kind]!;
    const key = `${kind}\u0000${word}`;
    let tids = this.prefixCache.get(key);
    if (!tids) {
      const deadline = currentDeadline();
      const names = p.termNames;
      const found: number[] = [];
      for (let t = 0; t < names.length; t++) {
        if ((t & 0xffff) === 0) deadline?.check();
        if (names[t].startsWith(word)) found.push(t);
      }
      tids = found;
      this.prefixCache.set(key, tids);
    }
    return tids;
  }

  /**
   * How many indexed words of a kind a word start (one lower-case token) expands to; null while the
   * index is not ready. Cheap after the first time (the expansion is cached for the search).
   */
  prefixCount(kind: DocKind, word: string): number | null {
    if (!this.ready(kind)) return null;
    return this.prefixTerms(kind, word).length;
  }

  /**
   * A two-word phrase whose word pair is tracked: its documents, exactly; otherwise null. `groups`
   * are the words' terms as node() looked them up (a word left out or not one term: no pair).
   */
  private pairPhrase(kind: DocKind, words: number, groups: number[][], size: number): Bits | null {
    if (words !== 2 || groups.length !== 2 || groups.some((g) => g.length !== 1)) return null;
    const p = this.postings[kind]!;
    const key = pairKey(groups[0][0], groups[1][0]);
    if (!p.pairs.has(key)) {
      this.phraseStats.database++;
      return null;
    }
    this.phraseStats.pairs++;
    return p.pairBits(key, size);
  }

  private async phrase(kind: DocKind, text: string, size: number): Promise<Bits> {
    const key = `${kind}\u0000${text}`;
    let ids = this.phraseCache.get(key);
    if (!ids) {
      ids = await this.phraseIds(kind, text);
      if (this.phraseCache.size >= PHRASE_CACHE)
        this.phraseCache.delete(this.phraseCache.keys().next().value!);
      this.phraseCache.set(key, ids);
    }
    const out = new Uint32Array(size);
    for (let i = 0; i < ids.length; i++)
      if (ids[i] >> 5 < size) out[ids[i] >> 5] |= 1 << (ids[i] & 31);
    return out;
  }

  private async node(kind: DocKind, n: TextNode, size: number, leaves: Leaf[]): Promise<Compiled> {
    checkDeadline();
    const p = this.postings[kind]!;
    switch (n.type) {
      case 'term':
      case 'phrase': {
        const toks = wordTokens(n.text);
        if (toks.length === 0) return null;
        if (toks.length === 1) {
          const tids = await this.wordTerms(kind, toks[0], n.type === 'term' && n.prefix);
          const bits = p.bits(tids, size);
          if (!n.negated) leaves.push({ groups: [tids], phrase: false, bits });
          return { bits, leaves };
        }
        if (n.type === 'term' && n.prefix) throw new Unsupported();
        const groups: number[][] = [];
        for (const w of toks) {
          try {
            groups.push(await this.wordTerms(kind, w, false));
          } catch {
            // Stop words and the like: left out of the frequency estimate only.
          }
        }
        const bits =
          this.pairPhrase(kind, toks.length, groups, size) ??
          (await this.phrase(kind, toks.join(' '), size));
        if (!n.negated) leaves.push({ groups, phrase: true, bits });
        return { bits, leaves };
      }
      case 'or': {
        let acc: Bits | null = null;
        for (const c of n.any) {
          const r = await this.node(kind, c, size, leaves);
          if (!r) continue;
          if (!acc) acc = r.bits.slice();
          else for (let w = 0; w < size; w++) acc[w] |= r.bits[w];
        }
        return acc ? { bits: acc, leaves } : null;
      }
      case 'and': {
        const pos = n.all.filter((c) => !((c.type === 'term' || c.type === 'phrase') && c.negated));
        const neg = n.all.filter((c) => (c.type === 'term' || c.type === 'phrase') && c.negated);
        let acc: Bits | null = null;
        for (const c of pos) {
          const r = await this.node(kind, c, size, leaves);
          if (!r) continue;
          if (!acc) acc = r.bits.slice();
          else for (let w = 0; w < size; w++) acc[w] &= r.bits[w];
        }
        if (!acc) return null;
        for (const c of neg) {
          const r = await this.node(kind, { ...c, negated: false } as TextNode, size, []);
          if (r) for (let w = 0; w < size; w++) acc[w] &= ~r.bits[w];
        }
        return { bits: acc, leaves };
      }
    }
  }

  /**
   * The match set and bm25 leaves of a query's text part (`extra`: the tag clauses the compiler
   * adds), or null when the index cannot answer it exactly (the caller asks the database).
   * `{ bits: null }` means the query has no positive text part.
   */
  async plan(
    kind: DocKind,
    query: ParsedQuery,
    extra: TextNode[],
  ): Promise<Plan | { bits: null } | null> {
    if (!this.ready(kind)) return null;
    const p = this.postings[kind]!;
    const size = p.words();
    const leaves: Leaf[] = [];
    try {
      let acc: Bits | null = null;
      for (const n of [...query.must, ...extra]) {
        const r = await this.node(kind, n, size, leaves);
        if (!r) continue;
        if (!acc) acc = r.bits.slice();
        else for (let w = 0; w < size; w++) acc[w] &= r.bits[w];
      }
      if (!acc) return { bits: null };
      for (const n of query.not) {
        const r = await this.node(
          kind,
          n.type === 'term' || n.type === 'phrase' ? { ...n, negated: false } : n,
          size,
          [],
        );
        if (r) for (let w = 0; w < size; w++) acc[w] &= ~r.bits[w];
      }
      if (!this.ready(kind) || this.postings[kind] !== p) return null;
      return { bits: acc, leaves };
    } catch (e) {
      if (e instanceof Unsupported) return null;
      throw e;
    }
  }

  ids(plan: Plan): Int32Array {
    return bitsToIds(plan.bits);
  }

  /** bm25 (as FTS5 computes it, higher is better) of each candidate (ascending ids). */
  scores(kind: DocKind, plan: Plan, cand: Int32Array): Float64Array {
    const p = this.postings[kind]!;
    const n = p.count();
    const avgdl = p.avgdl();
    const score = new Float64Array(cand.length);
    const norm = new Float64Array(cand.length);
    for (let i = 0; i < cand.length; i++) norm[i] = K1 * (1 - B + (B * p.docLen(cand[i])) / avgdl);
    const acc = new Float64Array(cand.length);
    const tmp = new Float64Array(cand.length);
    const deadline = currentDeadline();
    for (const leaf of plan.leaves) {
      deadline?.check();
      const hits = bitsCount(leaf.bits);
      const idf = idfOf(n, hits);
      acc.fill(0);
      leaf.groups.forEach((g, gi) => {
        const target = leaf.phrase ? tmp : acc;
        if (leaf.phrase) tmp.fill(0);
        for (const t of g) p.addFreqs(t, cand, target);
        if (leaf.phrase)
          for (let i = 0; i < cand.length; i++)
            acc[i] = gi === 0 ? tmp[i] : Math.min(acc[i], tmp[i]);
      });
      if (leaf.phrase) {
        // A phrase occurs at least once where it matched; at most as often as its rarest word.
        const w = leaf.bits;
        for (let i = 0; i < cand.length; i++) {
          const id = cand[i];
          const inside = id >> 5 < w.length && (w[id >> 5] & (1 << (id & 31))) !== 0;
          acc[i] = inside ? Math.max(1, leaf.groups.length ? acc[i] : 1) : 0;
        }
      }
      for (let i = 0; i < cand.length; i++) {
        const f = acc[i];
        if (f > 0) score[i] += (idf * (f * (K1 + 1))) / (f + norm[i]);
      }
    }
    return score;
  }

  /**
   * The k best candidates (ascending ids) by bm25, score descending then id ascending: exactly
   * what scoring every candidate gives. Large candidate sets are pruned first (MaxScore over champion
   * lists): the candidates in the leaves' champion lists (plus changed documents) are scored; every
   * other candidate's score is at most the sum over leaves of idf·(k1+1)·(the weight bound of the
   * leaf's terms outside their lists), so when the k-th best scored candidate beats that bound the
   * rest need not be looked at. Otherwise a longer prefix of the lists is tried, then every candidate.
   */
  top(kind: DocKind, plan: Plan, cand: Int32Array, k: number): RankedId[] {
    if (cand.length >= PRUNING.from && k <= 200 && plan.leaves.length) {
      const r = this.pruned(kind, plan, cand, k);
      if (r) {
        this.rankStats.pruned++;
        return r;
      }
    }
    this.rankStats.full++;
    return topScores(cand, this.scores(kind, plan, cand), k);
  }

  private pruned(kind: DocKind, plan: Plan, cand: Int32Array, k: number): RankedId[] | null {
    const p = this.postings[kind]!;
    const n = p.count();
    const avgdl = p.avgdl();
    const size = Math.max(p.words(), (cand[cand.length - 1] >> 5) + 1);
    const cb = new Uint32Array(size);
    for (let i = 0; i < cand.length; i++) cb[cand[i] >> 5] |= 1 << (cand[i] & 31);
    const idfs = plan.leaves.map((leaf) => idfOf(n, bitsCount(leaf.bits)));
    // A document's phrase frequency is at least 1: its weight is at most 1 / (1 + k1·(1 − b)).
    const one = 1 / (1 + K1 * (1 - B));
    for (const m of PRUNING.tiers) {
      checkDeadline();
      const sb = new Uint32Array(size);
      /** Marks the candidates in the first m entries of a list; returns the weight bound for the rest. */
      const listed = (c: Champion): number => {
        const last = Math.min(m, c.ids.length - 1);
        const b = c.w[last];
        for (let i = 0; i < last && c.w[i] > b; i++) {
          const id = c.ids[i];
          if (cb[id >> 5] & (1 << (id & 31))) sb[id >> 5] |= 1 << (id & 31);
        }
        return b * Math.max(1, avgdl / c.avgdl);
      };
      /** Marks a group's exactly scored candidates; returns the weight bound for the others. */
      const group = (g: number[]): number => {
        // Several terms (a prefix): the group's own list bounds their summed frequency.
        const gc = g.length > 1 ? p.groupChampion(g) : null;
        if (gc) {
          this.rankStats.groupLists++;
          return Math.min(1, listed(gc));
        }
        let bound = 0;
        for (const t of g) {
          const c = p.champion(t);
          if (!c) {
            const d = p.dense[t];
            if (d) for (let w = 0; w < d.length && w < size; w++) sb[w] |= d[w] & cb[w];
            else {
              const ids = p.ids[t]!;
              for (let i = 0; i < ids.length; i++) {
                const id = ids[i];
                if (cb[id >> 5] & (1 << (id & 31))) sb[id >> 5] |= 1 << (id & 31);
              }
            }
            continue;
          }
          bound += listed(c);
        }
        // bm25's term weight is subadditive in the frequency, and below 1.
        return Math.min(1, bound);
      };
      let ub = 0;
      plan.leaves.forEach((leaf, li) => {
        let b: number;
        if (!leaf.phrase)
          b = Math.min(
            1,
            leaf.groups.reduce((s, g) => s + group(g), 0),
          );
        else {
          let least = 1;
          for (const g of leaf.groups) least = Math.min(least, group(g));
          // Every word of a matched phrase occurs in the document, so its (estimated) frequency is
          // at most each word's: outside every word's list, at most the smallest bound.
          b = leaf.groups.length ? least : one;
        }
        ub += idfs[li] * (K1 + 1) * b;
      });
      // Changed documents: their built postings are stale, so they are always scored.
      if (p.changed.size)
        for (let w = 0; w < p.dirty.length && w < size; w++) sb[w] |= p.dirty[w] & cb[w];
      const s = bitsToIds(sb);
      if (s.length < k) continue;
      const best = topScores(s, this.scores(kind, plan, s), k);
      if (best[k - 1].score > ub * (1 + 1e-9) + 1e-12) return best;
    }
    return null;
  }

  /** Memory held by the postings (bytes, approximate). */
  memoryBytes(): number {
    let n = 0;
    for (const kind of ['cable', 'story'] as const) {
      const p = this.postings[kind];
      if (!p) continue;
      n += p.present.byteLength + p.len.byteLength;
      for (let t = 0; t < p.termNames.length; t++)
        n +=
          (p.dense[t]?.byteLength ?? 0) +
          (p.cum[t]?.byteLength ?? 0) +
          (p.ids[t]?.byteLength ?? 0) +
          p.freq[t].byteLength +
          48;
    }
    return n;
  }

  termCount(kind: DocKind): number {
    return this.postings[kind]?.termNames.length ?? 0;
  }
}

interface Row {
  id: number;
  fields: string[];
  /** Tokens per field (filled by learn()). */
  tokens?: string[][];
}
