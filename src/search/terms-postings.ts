/**
 * The postings of one kind of document (per term: a bitmap or a sorted id list, and the weighted
 * frequencies in id order), their champion lists for top-k pruning, the overlay of documents
 * changed since the build, and the Builder that grows them during a build.
 */
import { bitsToIds, popcount, type Bits } from './terms-bitmaps.ts';
import { PAIR_SHIFT, pairKey } from './terms-pairs.ts';

export const K1 = 1.2;
export const B = 0.75;
export const FREQ_CAP = 255;
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
export function float32Up(x: number): number {
  f32[0] = x;
  if (f32[0] < x) f32bits[0]++;
  return f32[0];
}

/** FTS5's idf: log((N − n + 0.5) / (n + 0.5)), floored at 1e-6. */
export function idfOf(n: number, hits: number): number {
  const idf = Math.log((n - hits + 0.5) / (hits + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

/** Overlay inverted lists made ahead for a set of documents (KindPostings.overlayLists). */
export interface OverlayLists {
  /** The documents they were made for (setChangedMany uses them only with these). */
  docs: [number, Doc | null][];
  /** Per term id, the documents having it. */
  lists: Map<number, Int32Array>;
}

export interface Doc {
  len: number;
  /** The document's term ids, ascending, and the weighted frequency of each (capped). */
  terms: Int32Array;
  freqs: Uint8Array;
  /** Tracked adjacent pairs (pairKey) in the document (overlay documents only). */
  pairs?: Set<number>;
}

/** A document's frequency of term t (0: not in it). */
export function docFreq(doc: Doc, t: number): number {
  const a = doc.terms;
  let lo = 0,
    hi = a.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const v = a[m];
    if (v === t) return doc.freqs[m];
    if (v < t) lo = m + 1;
    else hi = m - 1;
  }
  return 0;
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
  /**
   * The overlay inverted: per term, lists of changed documents that had it when they were put in
   * the overlay (a document changed again may no longer have it: checked against `changed`).
   */
  private overlayTerms = new Map<number, Int32Array[]>();
  /** Entries in overlayTerms, and in the overlay's documents now (compacted when far apart). */
  private overlayEntries = 0;
  private liveEntries = 0;
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
      for (const t of tids) {
        const lists = this.overlayTerms.get(t);
        if (!lists) continue;
        for (const ids of lists)
          for (let i = 0; i < ids.length; i++) {
            const id = ids[i];
            const doc = this.changed.get(id);
            if (doc && id >> 5 < size && docFreq(doc, t) > 0) out[id >> 5] |= 1 << (id & 31);
          }
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
        acc[i] = acc[i] - this.builtFreq(t, id) + (doc ? docFreq(doc, t) : 0);
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

  /** True when the group's list was made already (groupChampion() costs nothing then). */
  hasGroupChampion(tids: number[]): boolean {
    this.checkChampsSize();
    return this.groupChamps.has(tids.join(','));
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

  /**
   * Records changed documents (null: deleted or not indexed), all at once. `lists`: their overlay
   * inverted lists made ahead by overlayLists() for these very `docs` (a large catch-up makes them
   * in slices beside the searches, so putting it in place only hands them over); without them
   * they are made here.
   */
  setChangedMany(docs: [number, Doc | null][], lists?: OverlayLists): void {
    for (const [id, doc] of docs) this.setChanged(id, doc);
    if (lists && lists.docs === docs) this.addLists(lists.lists);
    else this.addOverlayTerms(docs.filter(([id, d]) => d !== null && this.changed.get(id) === d));
    if (this.overlayEntries > 2 * this.liveEntries + 100000) {
      // Documents changed many times left stale entries: list the overlay's documents again.
      this.overlayTerms = new Map();
      this.overlayEntries = 0;
      this.addOverlayTerms([...this.changed].filter(([, d]) => d !== null));
    }
  }

  /**
   * The overlay inverted lists of `docs` (of each id its last entry, as setChangedMany keeps it),
   * made without changing these postings, calling `pause` between documents: a large catch-up
   * passes its slices' yield (CatchUpSlices.maybeYield), so the lists of an upload's 20,000 cables
   * (millions of entries) are not made in the synchronous step that puts the catch-up in place.
   */
  static async overlayLists(
    docs: [number, Doc | null][],
    pause: () => Promise<void>,
  ): Promise<OverlayLists> {
    const last = new Map<number, Doc | null>();
    for (const [id, d] of docs) last.set(id, d);
    const count = new Map<number, number>();
    for (const [id, d] of docs) {
      if (d === null || last.get(id) !== d) continue;
      await pause();
      for (const t of d.terms) count.set(t, (count.get(t) ?? 0) + 1);
    }
    const lists = new Map<number, Int32Array>();
    for (const [t, n] of count) lists.set(t, new Int32Array(n));
    const fill = new Map<number, number>();
    for (const [id, d] of docs) {
      if (d === null || last.get(id) !== d) continue;
      await pause();
      for (const t of d.terms) {
        const at = fill.get(t) ?? 0;
        lists.get(t)![at] = id;
        fill.set(t, at + 1);
      }
    }
    return { docs, lists };
  }

  /** Adds documents to the overlay's inverted lists (one list per term for the lot). */
  private addOverlayTerms(docs: [number, Doc | null][]): void {
    const count = new Map<number, number>();
    for (const [, d] of docs) for (const t of d!.terms) count.set(t, (count.get(t) ?? 0) + 1);
    const lists = new Map<number, Int32Array>();
    for (const [t, n] of count) lists.set(t, new Int32Array(n));
    const fill = new Map<number, number>();
    for (const [id, d] of docs)
      for (const t of d!.terms) {
        const at = fill.get(t) ?? 0;
        lists.get(t)![at] = id;
        fill.set(t, at + 1);
      }
    this.addLists(lists);
  }

  /** Adds one list per term (the documents having it) to the overlay's inverted lists. */
  private addLists(lists: Map<number, Int32Array>): void {
    for (const [t, ids] of lists) {
      const have = this.overlayTerms.get(t);
      if (have) have.push(ids);
      else this.overlayTerms.set(t, [ids]);
      this.overlayEntries += ids.length;
    }
  }

  /** Records a changed document (null: deleted or not indexed); setChangedMany lists its terms. */
  private setChanged(id: number, doc: Doc | null): void {
    const prev = this.changed.get(id);
    if (prev) {
      this.overlayDocs--;
      this.overlayLen -= prev.len;
      this.liveEntries -= prev.terms.length;
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
      this.liveEntries += doc.terms.length;
    }
  }
}

/** Growing posting lists during a build. */
/**
 * The term ids of a reader's word numbers (terms-tokens.ts) for Builder.addSeq: `lists[k]` for
 * word k, and `single[k]` its one term id (-1 when it has none or several), so the usual token
 * costs one typed-array read instead of a list's.
 */
export class WordTerms {
  readonly lists: number[][] = [];
  single = new Int32Array(1024);
  push(tids: number[]): void {
    const k = this.lists.length;
    this.lists.push(tids);
    if (k >= this.single.length) {
      const g = new Int32Array(this.single.length * 2);
      g.set(this.single);
      this.single = g;
    }
    this.single[k] = tids.length === 1 ? tids[0] : -1;
  }
}

export class Builder {
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
    this.start(id, doc.len);
    const { terms, freqs } = doc;
    for (let x = 0; x < terms.length; x++) this.post(id, terms[x], freqs[x]);
  }
  private start(id: number, len: number): void {
    const p = this.p;
    p.present[id >> 5] |= 1 << (id & 31);
    p.len[id] = len;
    p.nDocs++;
    p.totalLen += len;
  }
  /** Document `id` holds term `t` with weighted frequency `f` (ids come in ascending order). */
  private post(id: number, t: number, f: number): void {
    const p = this.p;
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
          return;
        }
        const g = new Int32Array(Math.max(8, ids.length * 2));
        g.set(ids);
        p.ids[t] = ids = g;
      }
      ids[n] = id;
    }
  }
  /**
   * add(id, doc(fields, surface)) and, in the same pass over the tokens, the adjacent pairs as FTS5
   * sees them (docPairKeys('sqlite', …): consecutive tokens of one field that are one term each)
   * whose first term `pairFirst` flags (PairTracker.firsts: only those can be tracked) appended to
   * `keys`. A build tokenises each document once this way, and makes no Doc for it.
   */
  addTokens(
    id: number,
    fields: [string[], number][],
    surface: Map<string, number[]>,
    pairFirst: Uint8Array,
    keys: number[],
  ): void {
    let len = 0;
    for (const [toks, weight] of fields) {
      let prev = -1;
      for (let i = 0; i < toks.length; i++) {
        const tids = surface.get(toks[i])!;
        len += this.tally(tids, weight);
        prev = this.pairWith(prev, tids, pairFirst, keys);
      }
    }
    this.postTallied(id, len);
  }
  /**
   * addTokens() for a document given as word numbers (terms-tokens.ts): `seq[at…]` holds its
   * fields' words, `counts[c…]` how many per field, and `terms[k]` the term ids of word number k.
   * Returns the position in `seq` after the document.
   */
  addSeq(
    id: number,
    seq: Int32Array,
    at: number,
    counts: Int32Array,
    c: number,
    weights: number[],
    terms: WordTerms,
    pairFirst: Uint8Array,
    keys: number[],
  ): number {
    let len = 0;
    const single = terms.single;
    for (let f = 0; f < weights.length; f++) {
      const weight = weights[f];
      const end = at + counts[c + f];
      let prev = -1;
      for (; at < end; at++) {
        const k = seq[at];
        const t = single[k];
        if (t >= 0) {
          // The usual word, one term: tally() and pairWith() without its list.
          if (t >= this.acc.length) this.growAcc(t);
          const acc = this.acc;
          if (acc[t] === 0) this.touched.push(t);
          acc[t] += weight;
          len++;
          const cur = t < PAIR_SHIFT ? t : -1;
          if (prev >= 0 && cur >= 0 && pairFirst[prev] === 1) keys.push(pairKey(prev, cur));
          prev = cur;
        } else {
          const tids = terms.lists[k];
          len += this.tally(tids, weight);
          prev = this.pairWith(prev, tids, pairFirst, keys);
        }
      }
    }
    this.postTallied(id, len);
    return at;
  }
  private growAcc(t: number): void {
    const g = new Int32Array(Math.max(t + 1, this.acc.length * 2));
    g.set(this.acc);
    this.acc = g;
  }
  /** Adds one token's term ids, each with `weight`, to the document being tallied; its length. */
  private tally(tids: ArrayLike<number>, weight: number): number {
    for (let j = 0; j < tids.length; j++) {
      const t = tids[j];
      if (t >= this.acc.length) this.growAcc(t);
      if (this.acc[t] === 0) this.touched.push(t);
      this.acc[t] += weight;
    }
    return tids.length;
  }
  /**
   * The adjacent pair (previous token, this one) as FTS5 sees it, appended to `keys` when both are
   * one term each and `pairFirst` flags the first; returns this token's term for the next (or -1).
   */
  private pairWith(
    prev: number,
    tids: ArrayLike<number>,
    pairFirst: Uint8Array,
    keys: number[],
  ): number {
    const cur = tids.length === 1 && tids[0] < PAIR_SHIFT ? tids[0] : -1;
    if (prev >= 0 && cur >= 0 && pairFirst[prev] === 1) keys.push(pairKey(prev, cur));
    return cur;
  }
  /** Posts the tallied document (in order of first sight, as doc()'s Map held them) and resets. */
  private postTallied(id: number, len: number): void {
    this.start(id, len);
    for (const t of this.touched) {
      this.post(id, t, Math.min(FREQ_CAP, this.acc[t]));
      this.acc[t] = 0;
    }
    this.touched.length = 0;
  }
  /** A document's terms and length from its weighted fields, terms from `stems`. */
  doc(fields: [string[], number][], surface: Map<string, number[]>): Doc {
    let len = 0;
    for (const [toks, weight] of fields) {
      for (const w of toks) len += this.tally(surface.get(w)!, weight);
    }
    const terms = Int32Array.from(this.touched).sort();
    const freqs = new Uint8Array(terms.length);
    for (let x = 0; x < terms.length; x++) {
      const t = terms[x];
      freqs[x] = Math.min(FREQ_CAP, this.acc[t]);
      this.acc[t] = 0;
    }
    this.touched.length = 0;
    return { len, terms, freqs };
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
