/**
 * A SearchIndex that answers from the in-process term index (terms.ts) when it can, and from the
 * engine's index (sqlite.ts / postgres.ts) otherwise: while the term index is building, for query
 * shapes it cannot answer exactly, and for snippets. Match sets are the engine's own (same terms);
 * relevance is FTS5's bm25 formula computed in JS, exactly, on both engines (top-k pruned with
 * champion lists, terms.ts).
 */
import type { Db } from '../platform/db.ts';
import { tagClauses } from './compile.ts';
import { parseQuery, type ParsedQuery } from './query.ts';
import type { DocKind, RankedId, SearchIndex } from './search-index.ts';
import { TermIndex, type Plan, type TermIndexOptions } from './terms.ts';
import { Fts5Stemmer, PgStemmer } from './terms-stemmers.ts';
import { tagMeaning } from '../cables/parse/tags.ts';
import { timed } from './timing.ts';

export class MemorySearchIndex implements SearchIndex {
  readonly engine: 'sqlite' | 'postgres';
  readonly terms: TermIndex;
  private readonly plans = new WeakMap<ParsedQuery, Partial<Record<DocKind, Plan | null>>>();

  constructor(
    db: Db,
    readonly inner: SearchIndex,
    options: TermIndexOptions = {},
  ) {
    this.engine = inner.engine;
    const stemmer = db.engine === 'postgres' ? new PgStemmer(db) : new Fts5Stemmer();
    this.terms = new TermIndex(
      db,
      stemmer,
      async (kind, phrase) => {
        const q = parseQuery('', {});
        if (!q.ok) throw q.error;
        const query: ParsedQuery = {
          ...q.query,
          must: [{ type: 'phrase', text: phrase, negated: false }],
        };
        return (await timed('matchMs', () => inner.match(kind, query))) ?? new Int32Array(0);
      },
      options,
    );
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
    if (plan === null) return timed('matchMs', () => this.inner.match(kind, query));
    if (plan.bits === null) return null;
    return this.terms.ids(plan as Plan);
  }

  async rank(
    kind: DocKind,
    query: ParsedQuery,
    candidates: Int32Array,
    k: number,
    all: boolean,
  ): Promise<RankedId[]> {
    if (!candidates.length || k <= 0) return [];
    const plan = await this.plan(kind, query);
    if (!plan || !plan.bits)
      return timed('matchMs', () => this.inner.rank(kind, query, candidates, k, all));
    return this.terms.top(kind, plan as Plan, candidates, k, all);
  }

  snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>> {
    return this.inner.snippets(kind, query, ids);
  }

  async close(): Promise<void> {
    this.terms.close();
    await this.inner.close();
  }
}
