/**
 * Adjacent term pairs: which pairs a build tracks and where they occur, so that most two-word
 * phrases are answered from bitmaps instead of the database.
 */
/** Term ids below 2^21 can be paired; the key of "a then b" is a·2^21 + b (an exact double). */
export const PAIR_SHIFT = 2 ** 21;
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
 * docPairKeys('sqlite', texts, …) for texts already cut into tokens (wordTokens of each field): FTS5
 * sees consecutive tokens of one field, each one term, as adjacent.
 */
export function tokenPairKeys(
  tokens: string[][],
  surface: Map<string, number[]>,
  out: number[],
): void {
  for (const toks of tokens) {
    let prev = -1;
    for (let i = 0; i < toks.length; i++) {
      const tids = surface.get(toks[i]);
      const t = tids && tids.length === 1 && tids[0] < PAIR_SHIFT ? tids[0] : -1;
      if (prev >= 0 && t >= 0) out.push(prev * PAIR_SHIFT + t);
      prev = t;
    }
  }
}

/**
 * Adjacent-pair postings of a build: the pairs frequent in a sample of the documents (spread over
 * the whole id range, read before the build's pass) get a bitmap over every document; the others
 * are not tracked (their phrases go to the database).
 */
export class PairTracker {
  private readonly tracked = new Map<number, Uint32Array>();
  /** 1 at the term ids that are the first of a tracked pair (Builder.addTokens skips the others). */
  readonly firsts: Uint8Array;
  constructor(
    private readonly words: number,
    sample: number[][],
  ) {
    // Per pair: the last sample document it was counted for and how many documents hold it, in one
    // number (document · doc + count, count < doc), so a pair repeated in a document counts once
    // without a set per document.
    const counts = new Map<number, number>();
    const doc = Math.max(2 ** 15, sample.length + 1);
    sample.forEach((keys, d) => {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const v = counts.get(k);
        if (v === undefined) counts.set(k, d * doc + 1);
        else if (Math.floor(v / doc) !== d) counts.set(k, d * doc + (v % doc) + 1);
      }
    });
    const min = Math.max(1, Math.ceil(sample.length * PAIRS.share));
    let top = -1;
    for (const [k, v] of counts)
      if (v % doc >= min) {
        this.tracked.set(k, new Uint32Array(this.words));
        top = Math.max(top, Math.floor(k / PAIR_SHIFT));
      }
    this.firsts = new Uint8Array(top + 1);
    for (const k of this.tracked.keys()) this.firsts[Math.floor(k / PAIR_SHIFT)] = 1;
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
