/**
 * SQLite implementation of SearchIndex: FTS5 external-content tables (porter tokenizer) read
 * through a separate read-only connection, so searches use prepared statements with raw integer
 * results and never queue behind the writer. Matching returns bare rowids (no ranking); ranking
 * runs only where a page needs it (see rank()).
 */
import Database from 'better-sqlite3';
import type { Db } from '../platform/db.ts';
import { toFts5Match } from './compile.ts';
import type { ParsedQuery } from './query.ts';
import { MARK_END, MARK_START, type DocKind, type RankedId, type SearchIndex } from './index.ts';
import { COMPILE } from './service.ts';

const TABLE: Record<DocKind, string> = { cable: 'cables_fts', story: 'stories_fts' };
/** bm25 column weights: the title counts ten times the body (stories: teaser three times). */
const BM25: Record<DocKind, string> = { cable: 'bm25(cables_fts, 10.0, 1.0)', story: 'bm25(stories_fts, 10.0, 3.0, 1.0)' };
/** Above this many candidates, ranking looks at the title tier first (see rank()). */
export const TIER_THRESHOLD = 4000;

export class SqliteSearchIndex implements SearchIndex {
  readonly engine = 'sqlite' as const;
  private readonly handle: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.handle = new Database(file, { readonly: true, fileMustExist: true });
    this.handle.pragma('cache_size = -131072');
    this.handle.pragma('mmap_size = 1073741824');
  }

  static open(db: Db): SqliteSearchIndex {
    if (!db.file) throw new Error('the SQLite search index needs a database file');
    return new SqliteSearchIndex(db.file);
  }

  private stmt(text: string): Database.Statement {
    let s = this.stmts.get(text);
    if (!s) {
      s = this.handle.prepare(text);
      this.stmts.set(text, s);
    }
    return s;
  }

  private matchText(query: ParsedQuery): string | null {
    return toFts5Match(query, COMPILE)?.match ?? null;
  }

  async match(kind: DocKind, query: ParsedQuery): Promise<Int32Array | null> {
    const m = this.matchText(query);
    if (!m) return null;
    const ids = this.stmt(`SELECT rowid FROM ${TABLE[kind]} WHERE ${TABLE[kind]} MATCH ?`).pluck().all(m) as number[];
    const out = Int32Array.from(ids);
    // FTS5 yields rowids in ascending order; make sure.
    for (let i = 1; i < out.length; i++) if (out[i] < out[i - 1]) return out.sort();
    return out;
  }

  /**
   * Top k by bm25 among the candidates. Scoring costs about 2 µs a match, so large sets are ranked
   * through tiers: first the candidates with a query word in the title (a title match outweighs
   * the body ten to one), and only if those do not fill k, the whole set.
   */
  async rank(kind: DocKind, query: ParsedQuery, candidates: Int32Array, k: number, all: boolean): Promise<RankedId[]> {
    const m = this.matchText(query);
    if (!m || candidates.length === 0 || k <= 0) return [];
    const t = TABLE[kind];
    let expr = m;
    if (candidates.length > TIER_THRESHOLD) {
      const words = titleTier(query);
      if (words) {
        const tier = await this.rankWhere(kind, `(${m}) AND {title} : (${words})`, candidates, k, all);
        if (tier.length >= k) return tier;
      }
    }
    return this.rankWhere(kind, expr, candidates, k, all);
    void t;
  }

  private async rankWhere(kind: DocKind, expr: string, candidates: Int32Array, k: number, all: boolean): Promise<RankedId[]> {
    const t = TABLE[kind];
    let rows: [number, number][];
    if (all) {
      rows = this.stmt(`SELECT rowid, ${BM25[kind]} AS s FROM ${t} WHERE ${t} MATCH ? ORDER BY s LIMIT ?`).raw().all(expr, k) as [number, number][];
    } else {
      // Score every match of the expression, keep the candidates.
      const scored = this.stmt(`SELECT rowid, ${BM25[kind]} AS s FROM ${t} WHERE ${t} MATCH ?`).raw().all(expr) as [number, number][];
      rows = [];
      let j = 0;
      scored.sort((a, b) => a[0] - b[0]);
      for (const r of scored) {
        while (j < candidates.length && candidates[j] < r[0]) j++;
        if (j < candidates.length && candidates[j] === r[0]) rows.push(r);
      }
      rows.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
      rows = rows.slice(0, k);
    }
    return rows.map(([id, s]) => ({ id, score: -s }));
  }

  async snippets(kind: DocKind, query: ParsedQuery, ids: number[]): Promise<Map<number, string>> {
    const m = this.matchText(query);
    const out = new Map<number, string>();
    if (!m || !ids.length) return out;
    const t = TABLE[kind];
    const col = kind === 'cable' ? 1 : -1;
    const rows = this.stmt(
      `SELECT rowid, snippet(${t}, ${col}, '${MARK_START}', '${MARK_END}', ' … ', 40) FROM ${t} WHERE ${t} MATCH ? AND rowid IN (SELECT value FROM json_each(?))`,
    )
      .raw()
      .all(m, JSON.stringify(ids)) as [number, string][];
    for (const [id, s] of rows) out.set(id, s.replace(/\s+/g, ' ').trim());
    return out;
  }

  async close(): Promise<void> {
    this.stmts.clear();
    this.handle.close();
  }
}

/** FTS5 text for "any positive query word": the title tier of rank(). */
function titleTier(query: ParsedQuery): string | null {
  const words = new Set<string>();
  const visit = (n: ParsedQuery['must'][number]): void => {
    if (n.type === 'term' || n.type === 'phrase') {
      if (n.negated) return;
      for (const w of n.text.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []) words.add(n.type === 'term' && n.prefix ? `"${w}"*` : `"${w}"`);
    } else if (n.type === 'or') n.any.forEach(visit);
    else n.all.forEach(visit);
  };
  query.must.forEach(visit);
  return words.size ? [...words].join(' OR ') : null;
}
