/**
 * A SearchIndex that answers from the in-process term index (terms.ts) when it can, and from the
 * engine's index (sqlite.ts / postgres.ts) otherwise: while the term index is building, for query
 * shapes it cannot answer exactly, and for snippets. Match sets are the engine's own (same terms);
 * relevance is FTS5's bm25 formula computed in JS over the whole match set, on both engines.
 */
import type { Db } from '../platform/db.ts';
import { tagClauses } from './compile.ts';
import { parseQuery, type ParsedQuery } from './query.ts';
import type { DocKind, RankedId, SearchIndex } from './index.ts';
import { Fts5Stemmer, PgStemmer, TermIndex, type Plan } from './terms.ts';
import { tagMeaning } from '../cables/parse/tags.ts';

export class MemorySearchIndex implements SearchIndex {
  readonly engine: 'sqlite' | 'postgres';
  readonly terms: TermIndex;
  private readonly plans = new WeakMap<ParsedQuery, Partial<Record<DocKind, Plan | null>>>();

  constructor(
    db: Db,
    readonly inner: SearchIndex,
  ) {
    this.engine = inner.engine;
    const stemmer = db.engine === 'postgres' ? new PgStemmer(db) : new Fts5Stemmer();
    this.terms = new TermIndex(db, stemmer, async (kind, phrase) => {
      const q = parseQuery('', {});
      if (!q.ok) throw q.error;
      const query: ParsedQuery = { ...q.query, must: [{ type: 'phrase', text: phrase, negated: false }] };
      return (await inner.match(kind, query)) ?? new Int32Array(0);
    });
  }

  private async plan(kind: DocKind, query: ParsedQuery): Promise<Plan | { bits: null } | null> {
    const cached = this.plans.get(query)?.[kind];
    if (cached !== undefined && (cached === null || this.terms.ready(kind))) return cached;
    const plan = await this.terms.plan(kind, query, tagClauses(query, tagMeaning));
    if (plan && plan.bits) {
      const entry = this.plans.get(query) ?? {};
      entry[kind] = plan as Plan;
      this.plans.set(query, entry);
    }
    return plan;
  }

  /** True when rank() for this query is computed in memory (cheap for any match-set size). */
  canRank(kind: DocKind, query: ParsedQuery): boolean {
    const p = this.plans.get(query)?.[kind];
    return !!p && this.terms.ready(kind);
  }

  async match(kind: DocKind, query: ParsedQuery): Promise<Int32Array | null> {
    const plan = await this.plan(kind, query);
    if (plan === null) return this.inner.match(kind, query);
    if (plan.bits === null) return null;
    return this.terms.ids(plan as Plan);
  }

  async rank(kind: DocKind, query: ParsedQuery, candidates: Int32Array, k: number, all: boolean): Promise<RankedId[]> {
    if (!candidates.length || k <= 0) return [];
    const plan = await this.plan(kind, query);
    if (!plan || !plan.bits) return this.inner.rank(kind, query, candidates, k, all);
    const s = this.terms.scores(kind, plan as Plan, candidates);
    return topScores(candidates, s, k);
  }

  snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>> {
    return this.inner.snippets(kind, query, ids);
  }

  async close(): Promise<void> {
    this.terms.close();
    await this.inner.close();
  }
}

/** The k best (score descending, then id ascending) by a bounded min-heap. */
export function topScores(ids: Int32Array, score: Float64Array, k: number): RankedId[] {
  const heap: number[] = [];
  const worse = (a: number, b: number) => score[a] < score[b] || (score[a] === score[b] && ids[a] > ids[b]);
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
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0)).map((i) => ({ id: ids[i], score: score[i] }));
}
