/**
 * PostgreSQL implementation of SearchIndex: weighted tsvectors in `cables_search` /
 * `stories_search` under GIN (matching). Ranking here is ts_rank_cd over the candidates; the web
 * app ranks in its term index instead (memory.ts) and comes here only while that is not ready or
 * for queries it cannot answer. Snippets come from ts_headline.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { toTsQuery } from './compile.ts';
import type { ParsedQuery } from './query.ts';
import {
  MARK_END,
  MARK_START,
  type DocKind,
  type RankedId,
  type SearchIndex,
} from './search-index.ts';
import { COMPILE } from './service.ts';

/** Candidate sets up to this size are ranked directly by id (primary-key lookups). */
const DIRECT_RANK_LIMIT = 3000;

export class PostgresSearchIndex implements SearchIndex {
  readonly engine = 'postgres' as const;
  constructor(private readonly db: Db) {}

  private table(kind: DocKind) {
    return sql.raw(kind === 'cable' ? 'cables_search' : 'stories_search');
  }

  async match(kind: DocKind, query: ParsedQuery): Promise<Int32Array | null> {
    const tsq = toTsQuery(query, COMPILE);
    if (!tsq) return null;
    const { rows } = await sql<{
      id: number;
    }>`select id from ${this.table(kind)} where tsv @@ to_tsquery('english', ${tsq}) order by id`.execute(
      this.db.kysely,
    );
    const out = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rows[i].id;
    return out;
  }

  async rank(
    kind: DocKind,
    query: ParsedQuery,
    candidates: Int32Array,
    k: number,
    all: boolean,
  ): Promise<RankedId[]> {
    const tsq = toTsQuery(query, COMPILE);
    if (!tsq || !candidates.length || k <= 0) return [];
    const t = this.table(kind);
    const k_ = sql.lit(k);
    const ids = candidates.length <= DIRECT_RANK_LIMIT || !all ? Array.from(candidates) : null;
    const { rows } = await sql<{ id: number; score: number }>`select id, ts_rank_cd(tsv, q) as score
      from ${t}, to_tsquery('english', ${tsq}) q
      where tsv @@ q ${ids ? sql`and id = any(${ids}::int[])` : sql``}
      order by score desc, id limit ${k_}`.execute(this.db.kysely);
    return rows.slice(0, k).map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  async snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>> {
    const tsq = toTsQuery(query, COMPILE);
    const out = new Map<number, string>();
    if (!tsq || !ids.length) return out;
    const opts = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "`;
    const text =
      kind === 'cable' ? sql`left(body, 20000)` : sql`teaser || ' ' || left(body, 20000)`;
    const table = sql.raw(kind === 'cable' ? 'cables' : 'stories');
    const { rows } = await sql<{
      id: number;
      s: string;
    }>`select id, ts_headline('english', ${text}, to_tsquery('english', ${tsq}), ${opts}) as s
      from ${table} where id = any(${ids}::int[])`.execute(this.db.kysely);
    for (const r of rows) out.set(r.id, r.s.replace(/\s+/g, ' ').trim());
    return out;
  }

  async close(): Promise<void> {}
}
