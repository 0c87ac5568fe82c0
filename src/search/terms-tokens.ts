/**
 * The reading half of a term index build, which can run on other threads (terms-tokens-worker.ts):
 * the documents of an id range, tokenised as wordTokens does, each distinct surface word numbered
 * once per reader (in order of first sight) and each document given as the sequence of its words'
 * numbers. The building half (terms.ts) then stems only the words new to it and grows the postings
 * from numbers (Builder.addSeq), without handling one string per token.
 */
import type Database from 'better-sqlite3';
import { wordTokens } from './terms-stemmers.ts';

/** One batch of documents in ascending id order. */
export interface TokenBatch {
  /** The range read: id > from and id <= to. */
  from: number;
  to: number;
  ids: Int32Array;
  /** Tokens per document and field (ids.length × fields). */
  counts: Int32Array;
  /** Every document's word numbers, field after field. */
  seq: Int32Array;
  /** The words this reader met first in this batch: numbers n, n+1, … after the earlier ones. */
  words: string[];
}

/** Numbers surface words and cuts documents into sequences; keeps its numbering across batches. */
export class TokenReader {
  private readonly numbers = new Map<string, number>();
  private scratch = new Int32Array(1 << 16);

  read(
    from: number,
    to: number,
    rows: { id: number; fields: string[] }[],
    fields: number,
  ): TokenBatch {
    const ids = new Int32Array(rows.length);
    const counts = new Int32Array(rows.length * fields);
    const words: string[] = [];
    let n = 0;
    for (let r = 0; r < rows.length; r++) {
      ids[r] = rows[r].id;
      for (let f = 0; f < fields; f++) {
        const toks = wordTokens(rows[r].fields[f] ?? '');
        counts[r * fields + f] = toks.length;
        if (n + toks.length > this.scratch.length) {
          const g = new Int32Array(Math.max(n + toks.length, this.scratch.length * 2));
          g.set(this.scratch.subarray(0, n));
          this.scratch = g;
        }
        for (const w of toks) {
          let k = this.numbers.get(w);
          if (k === undefined) {
            k = this.numbers.size;
            this.numbers.set(w, k);
            words.push(w);
          }
          this.scratch[n++] = k;
        }
      }
    }
    return { from, to, ids, counts, seq: this.scratch.slice(0, n), words };
  }
}

/** The columns a build reads per kind (terms.ts FIELDS), and the tables. */
export interface TokenSource {
  table: 'cables' | 'stories';
  cols: string[];
  /** Also the cables still waiting for the post-import indexer. */
  includeDeferred: boolean;
}

/** The statement reading one id range, as TermIndex.readRows does. */
export function rangeStatement(db: Database.Database, src: TokenSource): Database.Statement {
  const cols = src.cols.map((c, i) => `coalesce(${c}, '') as f${i}`).join(', ');
  const mark =
    src.table === 'cables' && !src.includeDeferred
      ? `and id <= coalesce((select value from search_state where key = 'cables_indexed_upto'), 9223372036854775807)`
      : '';
  return db.prepare(
    `select id, ${cols} from ${src.table} where id > ? and id <= ? ${mark} order by id`,
  );
}
