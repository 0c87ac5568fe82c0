/**
 * PostgreSQL implementation of SearchIndex: weighted tsvectors in `cables_search` /
 * `stories_search` under GIN (matching) and, when the `rum` extension is installed, a RUM index
 * whose ordered scan returns the best matches without ranking every one (`tsv <=> query`).
 * Without RUM, ranking is ts_rank_cd over the candidates. Snippets come from ts_headline.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { toTsQuery } from './compile.ts';
import type { ParsedQuery } from './query.ts';
import { MARK_END, MARK_START, type DocKind, type RankedId, type SearchIndex } from './index.ts';
import { COMPILE } from './service.ts';

/** Candidate sets up to this size are ranked directly by id (primary-key lookups). */
const DIRECT_RANK_LIMIT = 3000;

export class PostgresSearchIndex implements SearchIndex {
  readonly engine = 'postgres' as const;
  private rum: Promise<Record<DocKind, boolean>> | null = null;
  /** `OPERATOR("schema".<=>)`: the extension lives in one schema, the tables maybe in another. */
  private distance = sql.raw('<=>');

  constructor(private readonly db: Db) {}

  private hasRum(): Promise<Record<DocKind, boolean>> {
    this.rum ??= sql<{ indexname: string }>`select indexname from pg_indexes where schemaname = current_schema() and indexname in ('cables_search_rum', 'stories_search_rum')`
      .execute(this.db.kysely)
      .then(async (r) => {
        const ext = await sql<{ nspname: string }>`select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'rum'`.execute(this.db.kysely);
        if (ext.rows[0]) this.distance = sql.raw(`OPERATOR("${ext.rows[0].nspname}".<=>)`);
        return r;
      })
      .then((r) => ({ cable: r.rows.some((x) => x.indexname === 'cables_search_rum'), story: r.rows.some((x) => x.indexname === 'stories_search_rum') }))
      .catch(() => ({ cable: false, story: false }));
    return this.rum;
  }

  private table(kind: DocKind) {
    return sql.raw(kind === 'cable' ? 'cables_search' : 'stories_search');
  }

  async match(kind: DocKind, query: ParsedQuery): Promise<Int32Array | null> {
    const tsq = toTsQuery(query, COMPILE);
    if (!tsq) return null;
    const { rows } = await sql<{ id: number }>`select id from ${this.table(kind)} where tsv @@ to_tsquery('english', ${tsq}) order by id`.execute(this.db.kysely);
    const out = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rows[i].id;
    return out;
  }

  async rank(kind: DocKind, query: ParsedQuery, candidates: Int32Array, k: number, all: boolean): Promise<RankedId[]> {
    const tsq = toTsQuery(query, COMPILE);
    if (!tsq || !candidates.length || k <= 0) return [];
    const t = this.table(kind);
    const k_ = sql.lit(k);
    let rows: { id: number; score: number | string }[];
    if (candidates.length <= DIRECT_RANK_LIMIT || !(await this.hasRum())[kind]) {
      const ids = candidates.length <= DIRECT_RANK_LIMIT || !all ? Array.from(candidates) : null;
      rows = (
        await sql<{ id: number; score: number }>`select id, ts_rank_cd(tsv, q) as score
          from ${t}, to_tsquery('english', ${tsq}) q
          where tsv @@ q ${ids ? sql`and id = any(${ids}::int[])` : sql``}
          order by score desc, id limit ${k_}`.execute(this.db.kysely)
      ).rows;
    } else {
      // RUM ordered scan: best first; filtered candidates are checked as rows arrive.
      const want = all ? k : Math.min(k * 20, candidates.length);
      const got = (
        await sql<{ id: number; d: number }>`select id, tsv ${this.distance} to_tsquery('english', ${tsq}) as d from ${t}
          where tsv @@ to_tsquery('english', ${tsq}) order by tsv ${this.distance} to_tsquery('english', ${tsq}) limit ${sql.lit(all ? k : want)}`.execute(this.db.kysely)
      ).rows;
      const set = all ? null : new Set(candidates);
      rows = got.filter((r) => !set || set.has(r.id)).map((r) => ({ id: r.id, score: 1 / Math.max(Number(r.d), 1e-9) }));
      if (!all && rows.length < k) {
        rows = (
          await sql<{ id: number; score: number }>`select id, ts_rank_cd(tsv, q) as score from ${t}, to_tsquery('english', ${tsq}) q
            where tsv @@ q and id = any(${Array.from(candidates)}::int[]) order by score desc, id limit ${k_}`.execute(this.db.kysely)
        ).rows;
      }
    }
    return rows.slice(0, k).map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  async snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>> {
    const tsq = toTsQuery(query, COMPILE);
    const out = new Map<number, string>();
    if (!tsq || !ids.length) return out;
    const opts = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "`;
    const text = kind === 'cable' ? sql`left(body, 20000)` : sql`teaser || ' ' || left(body, 20000)`;
    const table = sql.raw(kind === 'cable' ? 'cables' : 'stories');
    const { rows } = await sql<{ id: number; s: string }>`select id, ts_headline('english', ${text}, to_tsquery('english', ${tsq}), ${opts}) as s
      from ${table} where id = any(${ids}::int[])`.execute(this.db.kysely);
    for (const r of rows) out.set(r.id, r.s.replace(/\s+/g, ' ').trim());
    return out;
  }

  async close(): Promise<void> {}
}
