/**
 * Terms are the engine's own: text is split into runs of letters, marks and digits (as FTS5's
 * unicode61 does) and each distinct surface word is stemmed by asking the engine once.
 */
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';

/** Lower-case tokens as FTS5's unicode61 tokenizer sees them (diacritics are the stemmer's business). */
export function wordTokens(text: string): string[] {
  const lower = text.toLowerCase();
  // ASCII text (nearly every cable): a plain byte-class regex is several times faster.
  if (!/[^\x00-\x7f]/.test(lower)) return lower.match(/[a-z0-9]+/g) ?? [];
  return lower.normalize('NFC').match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

/** Stems surface words the way the engine does: one list of terms per word (empty: not indexed). */
export interface Stemmer {
  stem(words: string[]): Promise<string[][]>;
  close(): void;
}

/** SQLite: an in-memory FTS5 table with the index's tokenizer; fts5vocab tells what each word became. */
export class Fts5Stemmer implements Stemmer {
  private readonly mem = new Database(':memory:');
  constructor(tokenize = `porter unicode61 remove_diacritics 2`) {
    this.mem.exec(
      `CREATE VIRTUAL TABLE s USING fts5(w, tokenize = '${tokenize}'); CREATE VIRTUAL TABLE v USING fts5vocab(s, instance);`,
    );
  }
  async stem(words: string[]): Promise<string[][]> {
    const out: string[][] = words.map(() => []);
    const ins = this.mem.prepare('INSERT INTO s (rowid, w) VALUES (?, ?)');
    const read = this.mem.prepare('SELECT doc, term FROM v ORDER BY doc, offset').raw();
    for (let i = 0; i < words.length; i += 5000) {
      const part = words.slice(i, i + 5000);
      this.mem.exec('DELETE FROM s');
      this.mem.transaction(() => part.forEach((w, j) => ins.run(j + 1, w)))();
      for (const [doc, term] of read.all() as [number, string][]) out[i + doc - 1].push(term);
    }
    return out;
  }
  close(): void {
    this.mem.close();
  }
}

/** PostgreSQL: to_tsvector('english', word), the same configuration the index uses. */
export class PgStemmer implements Stemmer {
  constructor(private readonly db: Db) {}
  async stem(words: string[]): Promise<string[][]> {
    const out: string[][] = words.map(() => []);
    for (let i = 0; i < words.length; i += 5000) {
      const part = words.slice(i, i + 5000);
      const { rows } = await sql<{
        i: string | number;
        v: string;
      }>`select t.i, to_tsvector('english', t.w)::text as v from unnest(${part}::text[]) with ordinality as t(w, i)`.execute(
        this.db.kysely,
      );
      for (const r of rows) {
        const terms: string[] = [];
        for (const m of r.v.matchAll(/'((?:[^']|'')*)'(?::([\d,A-D]+))?/g)) {
          const count = m[2] ? m[2].split(',').length : 1;
          for (let c = 0; c < count; c++) terms.push(m[1].replace(/''/g, "'"));
        }
        out[i + Number(r.i) - 1] = terms;
      }
    }
    return out;
  }
  close(): void {}
}
