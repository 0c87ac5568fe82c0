/**
 * The term index build reads each document once on SQLite (Builder.addTokens): the postings, the
 * lengths and the tracked adjacent pairs must be exactly what doc() + add() and docPairKeys give.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Builder, KindPostings } from '../../src/search/terms-postings.ts';
import {
  PAIRS,
  PairTracker,
  docPairKeys,
  pairKey,
  tokenPairKeys,
} from '../../src/search/terms-pairs.ts';
import { wordTokens } from '../../src/search/terms-stemmers.ts';
import { seededRandom } from '../seeded.ts';

const WORDS = ['embassy', 'minister', 'talks', 'the', 'on', 'Lima', 'path', 'shining', 'x9', 'été'];

function corpus(seed: number, docs: number): { id: number; fields: string[] }[] {
  const rnd = seededRandom(seed);
  const text = (n: number) =>
    Array.from({ length: n }, () => {
      const w = WORDS[Math.floor(rnd() * WORDS.length)];
      return rnd() < 0.1 ? `${w}-${WORDS[Math.floor(rnd() * 3)]}` : w;
    }).join(rnd() < 0.5 ? ' ' : ', ');
  const out = [];
  let id = 0;
  for (let i = 0; i < docs; i++) {
    id += 1 + Math.floor(rnd() * 3); // ids with gaps, ascending
    out.push({ id, fields: [text(1 + Math.floor(rnd() * 6)), text(Math.floor(rnd() * 300))] });
  }
  return out;
}

/** Surface words → term ids: most one term, "the" none, "été" two (as a stemmer may give). */
function surfaceOf(docs: { fields: string[] }[]): Map<string, number[]> {
  const surface = new Map<string, number[]>();
  let next = 0;
  for (const d of docs)
    for (const f of d.fields)
      for (const w of wordTokens(f))
        if (!surface.has(w))
          surface.set(w, w === 'the' ? [] : w === 'été' ? [next++, next++] : [next++]);
  return surface;
}

function plain(p: KindPostings) {
  return {
    nDocs: p.nDocs,
    totalLen: p.totalLen,
    len: [...p.len],
    present: [...p.present],
    df: [...p.df],
    freq: p.freq.map((f) => [...f]),
    ids: p.ids.map((i) => (i ? [...i] : null)),
    dense: p.dense.map((d) => (d ? [...d] : null)),
  };
}

describe('term index build: one read per document', () => {
  for (const seed of [1, 2, 3]) {
    test(`addTokens gives the postings and tracked pairs of doc() + docPairKeys (seed ${seed})`, () => {
      const docs = corpus(seed, 400);
      const surface = surfaceOf(docs);
      const max = docs[docs.length - 1].id;
      const weights = [10, 1];
      const sample = docs.slice(0, 50).map((d) => {
        const keys: number[] = [];
        docPairKeys('sqlite', d.fields, surface, keys);
        return keys;
      });
      const words = (max >> 5) + 1;

      const twoReads = new Builder(max);
      const trackedA = new PairTracker(words, sample);
      const oneRead = new Builder(max);
      const trackedB = new PairTracker(words, sample);
      // the sample tracks some pairs and leaves others out, so the filter is exercised
      assert.ok(trackedA.finish().size > 0);
      const keys: number[] = [];
      for (const d of docs) {
        const tokens = d.fields.map(wordTokens);
        // names as the build makes them (one per term id, in first-sight order)
        for (const toks of tokens)
          for (const w of toks) for (const t of surface.get(w)!) twoReads.p.term(`t${t}`);
        const fields = tokens.map((t, i) => [t, weights[i]] as [string[], number]);
        twoReads.add(d.id, twoReads.doc(fields, surface));
        keys.length = 0;
        docPairKeys('sqlite', d.fields, surface, keys);
        trackedA.add(d.id, keys);

        for (const toks of tokens)
          for (const w of toks) for (const t of surface.get(w)!) oneRead.p.term(`t${t}`);
        keys.length = 0;
        oneRead.addTokens(d.id, fields, surface, trackedB.firsts, keys);
        for (const k of keys) assert.ok(trackedB.finish().has(k), 'only tracked pairs are kept');
        trackedB.add(d.id, keys);
      }
      assert.deepEqual(plain(oneRead.finish()), plain(twoReads.finish()));
      const a = trackedA.finish();
      const b = trackedB.finish();
      assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
      for (const [k, bits] of a) assert.deepEqual([...b.get(k)!], [...bits], `pair ${k}`);
    });
  }

  test('a pair across two fields or over a word of no term is no pair', () => {
    const surface = new Map<string, number[]>([
      ['shining', [0]],
      ['path', [1]],
      ['the', []],
      ['été', [2, 3]],
    ]);
    const firsts = new Uint8Array([1, 1, 1, 1]);
    const b = new Builder(10);
    for (const t of [0, 1, 2, 3]) b.p.term(`t${t}`);
    const keys: number[] = [];
    const f = (s: string) => wordTokens(s);
    b.addTokens(
      5,
      [
        [f('shining path the path'), 10],
        [f('shining été path'), 1],
      ],
      surface,
      firsts,
      keys,
    );
    assert.deepEqual(keys, [pairKey(0, 1)]);
    const p = b.finish();
    assert.equal(p.len[5], 7);
    // title weight 10, body 1
    assert.deepEqual(
      [0, 1, 2, 3].map((t) => [...p.freq[t]]),
      [[11], [21], [1], [1]],
    );
  });

  test('tokenPairKeys gives docPairKeys(sqlite) from the tokens; the sample tracks the pairs in a share of its documents', () => {
    const docs = corpus(7, 300);
    const surface = surfaceOf(docs);
    const sample: number[][] = [];
    for (const d of docs) {
      const a: number[] = [];
      const b: number[] = [];
      docPairKeys('sqlite', d.fields, surface, a);
      tokenPairKeys(d.fields.map(wordTokens), surface, b);
      assert.deepEqual(b, a);
      sample.push(a);
    }
    // the rule, counted the plain way: pairs in at least share × sample documents
    const counts = new Map<number, number>();
    for (const keys of sample)
      for (const k of new Set(keys)) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const share of [1 / 32, 1 / 4, 0.9]) {
      const saved = PAIRS.share;
      PAIRS.share = share;
      try {
        const min = Math.ceil(sample.length * share);
        const want = [...counts].filter(([, c]) => c >= min).map(([k]) => k);
        const got = [...new PairTracker(10, sample).finish().keys()];
        assert.deepEqual(got.sort(), want.sort(), `share ${share}`);
        assert.ok(share > 0.5 || want.length > 0);
      } finally {
        PAIRS.share = saved;
      }
    }
  });

  test('overlay lists made ahead (in slices) put a catch-up in place as setChangedMany alone does', async () => {
    const docs = corpus(14, 300);
    const surface = surfaceOf(docs);
    const terms = new Set<number>();
    for (const ts of surface.values()) for (const t of ts) terms.add(t);
    const build = () => {
      const b = new Builder(docs[docs.length - 1].id + 50);
      for (let t = 0; t < terms.size; t++) b.p.term(`t${t}`);
      for (const d of docs.slice(0, 200))
        b.add(
          d.id,
          b.doc(
            d.fields.map((f, i) => [wordTokens(f), i ? 1 : 10]),
            surface,
          ),
        );
      return b.finish();
    };
    // Changed: documents already there (one twice, its last version kept), new ones, a deletion.
    const maker = new Builder(10);
    const version = (d: { fields: string[] }) =>
      maker.doc(
        d.fields.map((f, i) => [wordTokens(f), i ? 1 : 10]),
        surface,
      );
    const changed: [number, ReturnType<typeof version> | null][] = [
      ...docs
        .slice(150, 300)
        .map((d) => [d.id, version(d)] as [number, ReturnType<typeof version>]),
      [docs[10].id, version(docs[250])],
      [docs[10].id, version(docs[260])],
      [docs[20].id, null],
    ];
    const alone = build();
    const ahead = build();
    alone.setChangedMany(changed);
    let pauses = 0;
    const lists = await KindPostings.overlayLists(changed, async () => {
      pauses++;
    });
    ahead.setChangedMany(changed, lists);
    assert.ok(pauses >= 150, `a pause per document (${pauses})`);
    const size = (docs[docs.length - 1].id >> 5) + 2;
    for (const t of terms) assert.deepEqual([...ahead.bits([t], size)], [...alone.bits([t], size)]);
    assert.deepEqual(
      [...ahead.bits([...terms], size)],
      [...alone.bits([...terms], size)],
      'all terms',
    );
    // Lists made for other documents are not used for these.
    const other = build();
    other.setChangedMany(
      changed,
      await KindPostings.overlayLists(changed.slice(0, 3), async () => {}),
    );
    for (const t of terms) assert.deepEqual([...other.bits([t], size)], [...alone.bits([t], size)]);
  });
});
