/**
 * Bit sets over document ids (one bit per row id, 32 per word) and the bounded top-k of a scored
 * id list: the primitives the term index evaluates queries and ranks with.
 */
import type { RankedId } from './search-index.ts';

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits over document ids; `words` may be shorter than another set's (missing words are zero). */
export type Bits = Uint32Array;

export function bitsCount(b: Bits): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i]) n += popcount(b[i]);
  return n;
}

export function bitsToIds(b: Bits): Int32Array {
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
