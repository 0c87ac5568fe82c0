/**
 * The FTS5 statements behind SqliteSearchIndex (sqlite.ts), on a read-only connection of their own.
 * One module for both places they run: the search worker thread (sqlite-worker.ts) and, when there
 * is no worker, the calling thread. Requests are plain data (FTS5 MATCH text already compiled by
 * sqlite.ts) so they can be posted to the worker; results are typed arrays where they can be large,
 * so the worker can transfer them instead of copying.
 */
import Database from 'better-sqlite3';
import type { ParsedQuery } from './query.ts';
import { MARK_END, MARK_START, type DocKind } from './search-index.ts';

const TABLE: Record<DocKind, string> = { cable: 'cables_fts', story: 'stories_fts' };
/** bm25 column weights: the title counts ten times the body (stories: teaser three times). */
const BM25: Record<DocKind, string> = {
  cable: 'bm25(cables_fts, 10.0, 1.0)',
  story: 'bm25(stories_fts, 10.0, 3.0, 1.0)',
};
/** Above this many candidates, ranking looks at the title tier first (see Fts5Reads.rank()). */
export const TIER_THRESHOLD = 4000;

/** A request for Fts5Reads: `match` is the FTS5 MATCH text of the query. */
export type ReadRequest =
  | { op: 'match'; kind: DocKind; match: string }
  | {
      op: 'rank';
      kind: DocKind;
      match: string;
      /** FTS5 text for the title tier (titleTier()), or null to rank the whole set at once. */
      tier: string | null;
      /** The candidates (ascending ids), or null when they are the whole match set. */
      candidates: Int32Array | null;
      k: number;
    }
  | { op: 'snippets'; kind: DocKind; match: string; ids: number[] };

/** Best first; `scores` are bm25 negated (higher is better). */
export interface Ranked {
  ids: Int32Array;
  scores: Float64Array;
}

export type ReadResult<R extends ReadRequest> = R extends { op: 'match' }
  ? Int32Array
  : R extends { op: 'rank' }
    ? Ranked
    : [number, string][];

export class Fts5Reads {
  private readonly handle: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.handle = new Database(file, { readonly: true, fileMustExist: true });
    this.handle.pragma('cache_size = -131072');
    this.handle.pragma('mmap_size = 1073741824');
  }

  private stmt(text: string): Database.Statement {
    let s = this.stmts.get(text);
    if (!s) {
      s = this.handle.prepare(text);
      this.stmts.set(text, s);
    }
    return s;
  }

  /** Runs a request (the one entry point for the worker and the calling thread alike). */
  run<R extends ReadRequest>(req: R): ReadResult<R> {
    const r: ReadRequest = req;
    switch (r.op) {
      case 'match':
        return this.match(r.kind, r.match) as ReadResult<R>;
      case 'rank':
        return this.rank(r.kind, r.match, r.tier, r.candidates, r.k) as ReadResult<R>;
      case 'snippets':
        return this.snippets(r.kind, r.match, r.ids) as ReadResult<R>;
    }
  }

  /** Rowids (ascending) of the documents matching the MATCH text. */
  match(kind: DocKind, match: string): Int32Array {
    const t = TABLE[kind];
    const ids = this.stmt(`SELECT rowid FROM ${t} WHERE ${t} MATCH ?`)
      .pluck()
      .all(match) as number[];
    const out = Int32Array.from(ids);
    // FTS5 yields rowids in ascending order; make sure.
    for (let i = 1; i < out.length; i++) if (out[i] < out[i - 1]) return out.sort();
    return out;
  }

  /**
   * Top k by bm25 among the candidates (null: the whole match set). Scoring costs about 2 µs a
   * match, so large sets are ranked through tiers: first the candidates with a query word in the
   * title (a title match outweighs the body ten to one), and only if those do not fill k, the whole
   * set.
   */
  rank(
    kind: DocKind,
    match: string,
    tier: string | null,
    candidates: Int32Array | null,
    k: number,
  ): Ranked {
    if (tier) {
      const first = this.rankWhere(kind, `(${match}) AND {title} : (${tier})`, candidates, k);
      if (first.length >= k) return ranked(first);
    }
    return ranked(this.rankWhere(kind, match, candidates, k));
  }

  private rankWhere(
    kind: DocKind,
    expr: string,
    candidates: Int32Array | null,
    k: number,
  ): [number, number][] {
    const t = TABLE[kind];
    if (!candidates) {
      return this.stmt(
        `SELECT rowid, ${BM25[kind]} AS s FROM ${t} WHERE ${t} MATCH ? ORDER BY s LIMIT ?`,
      )
        .raw()
        .all(expr, k) as [number, number][];
    }
    // Score every match of the expression, keep the candidates.
    const scored = this.stmt(`SELECT rowid, ${BM25[kind]} AS s FROM ${t} WHERE ${t} MATCH ?`)
      .raw()
      .all(expr) as [number, number][];
    let rows: [number, number][] = [];
    let j = 0;
    scored.sort((a, b) => a[0] - b[0]);
    for (const r of scored) {
      while (j < candidates.length && candidates[j] < r[0]) j++;
      if (j < candidates.length && candidates[j] === r[0]) rows.push(r);
    }
    rows.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    rows = rows.slice(0, k);
    return rows;
  }

  /** A short extract per id (those that match), whitespace collapsed, words between the marks. */
  snippets(kind: DocKind, match: string, ids: number[]): [number, string][] {
    const t = TABLE[kind];
    const col = kind === 'cable' ? 1 : -1;
    const rows = this.stmt(
      `SELECT rowid, snippet(${t}, ${col}, '${MARK_START}', '${MARK_END}', ' … ', 40) FROM ${t} WHERE ${t} MATCH ? AND rowid IN (SELECT value FROM json_each(?))`,
    )
      .raw()
      .all(match, JSON.stringify(ids)) as [number, string][];
    return rows.map(([id, s]) => [id, s.replace(/\s+/g, ' ').trim()]);
  }

  close(): void {
    this.stmts.clear();
    this.handle.close();
  }
}

function ranked(rows: [number, number][]): Ranked {
  const ids = new Int32Array(rows.length);
  const scores = new Float64Array(rows.length);
  rows.forEach(([id, s], i) => {
    ids[i] = id;
    scores[i] = -s;
  });
  return { ids, scores };
}

/** The buffers of a result that can be transferred instead of copied. */
export function transferables(result: Int32Array | Ranked | [number, string][]): ArrayBuffer[] {
  if (result instanceof Int32Array) return [result.buffer as ArrayBuffer];
  if (Array.isArray(result)) return [];
  return [result.ids.buffer as ArrayBuffer, result.scores.buffer as ArrayBuffer];
}

/** FTS5 text for "any positive query word": the title tier of rank(). */
export function titleTier(query: ParsedQuery): string | null {
  const words = new Set<string>();
  const visit = (n: ParsedQuery['must'][number]): void => {
    if (n.type === 'term' || n.type === 'phrase') {
      if (n.negated) return;
      for (const w of n.text.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [])
        words.add(n.type === 'term' && n.prefix ? `"${w}"*` : `"${w}"`);
    } else if (n.type === 'or') n.any.forEach(visit);
    else n.all.forEach(visit);
  };
  query.must.forEach(visit);
  return words.size ? [...words].join(' OR ') : null;
}
