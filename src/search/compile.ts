/**
 * Compiles a ParsedQuery into the text-match syntax of each search engine. Pure functions:
 * the engines (and their SQL) live elsewhere. Filters other than tags are not compiled here;
 * engines apply `query.filters` / `query.excludedFilters` as column conditions.
 *
 * Tag meanings: with `tagMeaning`, each included tag whose meaning is known becomes a text
 * clause "the code OR the meaning as a phrase" (`tag:PTER` → `("pter" OR "terrorists and
 * terrorism")`), ANDed with the rest of the text match. The code matches cables because their
 * TAGS line is part of the indexed body; the phrase matches stories and untagged text. Callers
 * that do this should not also require those tags as a column filter: `tagsMatchedByText` lists
 * them. Excluded tags are never widened to their meaning (that would drop every document that
 * merely mentions it); apply them as a column filter.
 */
import type { ParsedQuery, TextNode } from './query.ts';

export type TagMeaning = (code: string) => string | null;

export interface CompileOptions {
  tagMeaning?: TagMeaning;
}

/**
 * An FTS5 text match.
 *   - `match` is non-null when the query has something to match: use
 *     `WHERE fts MATCH :match` (excluded clauses are already inside it, after NOT).
 *   - When the query only excludes (`-bolivia -"shining path"`), FTS5 cannot express it (NOT
 *     needs a positive left side), so `match` is null and `exclude` holds the clauses to keep
 *     out: `WHERE rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH :exclude)`.
 * `exclude` is null whenever `match` is not.
 */
export interface Fts5Match {
  match: string | null;
  exclude: string | null;
}

/** Tokens as the FTS5 unicode61 tokenizer sees them: runs of letters, marks and digits. */
function ftsTokens(text: string): string[] {
  return (
    text
      .normalize('NFC')
      .toLowerCase()
      .match(/[\p{L}\p{M}\p{N}]+/gu) ?? []
  );
}

/** Lexemes safe for to_tsquery: diacritics folded, then runs of [a-z0-9]. */
function tsLexemes(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? []
  );
}

function positives(nodes: TextNode[]): TextNode[] {
  return nodes.filter((n) => !((n.type === 'term' || n.type === 'phrase') && n.negated));
}
function negatives(nodes: TextNode[]): TextNode[] {
  return nodes.filter((n) => (n.type === 'term' || n.type === 'phrase') && n.negated);
}

/** Text clauses for included tags with a known meaning. */
export function tagClauses(query: ParsedQuery, tagMeaning?: TagMeaning): TextNode[] {
  if (!tagMeaning) return [];
  const out: TextNode[] = [];
  for (const code of query.filters.tag) {
    const meaning = tagMeaning(code);
    if (typeof meaning !== 'string' || ftsTokens(meaning).length === 0) continue;
    out.push({
      type: 'or',
      any: [
        { type: 'term', text: code, prefix: false, negated: false },
        { type: 'phrase', text: meaning, negated: false },
      ],
    });
  }
  return out;
}

/** The included tags that the compiled text match covers (see the module comment). */
export function tagsMatchedByText(query: ParsedQuery, opts: CompileOptions = {}): string[] {
  if (!opts.tagMeaning) return [];
  const meaning = opts.tagMeaning;
  return query.filters.tag.filter((code) => {
    const m = meaning(code);
    return typeof m === 'string' && ftsTokens(m).length > 0;
  });
}

// ---------------------------------------------------------------------------------------------
// SQLite FTS5

function ftsNode(n: TextNode): string | null {
  switch (n.type) {
    case 'term': {
      const toks = ftsTokens(n.text);
      if (toks.length === 0) return null;
      return `"${toks.join(' ')}"${n.prefix ? '*' : ''}`;
    }
    case 'phrase': {
      const toks = ftsTokens(n.text);
      return toks.length ? `"${toks.join(' ')}"` : null;
    }
    case 'or': {
      const alts = n.any.map(ftsNode).filter((s): s is string => s !== null);
      if (alts.length <= 1) return alts[0] ?? null;
      return `(${alts.join(' OR ')})`;
    }
    case 'and': {
      const pos = positives(n.all)
        .map(ftsNode)
        .filter((s): s is string => s !== null);
      const neg = negatives(n.all)
        .map(ftsNode)
        .filter((s): s is string => s !== null);
      if (pos.length === 0) return null;
      if (neg.length === 0) return wrap(pos, ' AND ');
      return `(${wrap(pos, ' AND ')} NOT ${wrap(neg, ' OR ')})`;
    }
  }
}

function wrap(parts: string[], op: string): string {
  return parts.length === 1 ? parts[0] : `(${parts.join(op)})`;
}

/**
 * FTS5 MATCH expression (porter tokenizer; columns title and body are both searched).
 * Every word and phrase is a double-quoted string, so no user text can be read as FTS5 syntax;
 * prefixes are `"shin"*`, OR groups `("chile" OR "peru")`, exclusions `... NOT "bolivia"`.
 * Returns null when the query has no text part (filters only, or only words made of
 * punctuation). See Fts5Match for the exclusion-only case.
 */
export function toFts5Match(query: ParsedQuery, opts: CompileOptions = {}): Fts5Match | null {
  const pos = [...query.must, ...tagClauses(query, opts.tagMeaning)]
    .map(ftsNode)
    .filter((s): s is string => s !== null);
  const neg = query.not
    .map((n) => ftsNode(n.type === 'term' || n.type === 'phrase' ? { ...n, negated: false } : n))
    .filter((s): s is string => s !== null);
  if (pos.length === 0 && neg.length === 0) return null;
  if (pos.length === 0) return { match: null, exclude: neg.join(' OR ') };
  if (neg.length === 0) return { match: pos.join(' AND '), exclude: null };
  return { match: `${wrap(pos, ' AND ')} NOT ${wrap(neg, ' OR ')}`, exclude: null };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL to_tsquery

function tsSequence(lexemes: string[], prefix: boolean): string | null {
  if (lexemes.length === 0) return null;
  const parts = lexemes.map((l, i) => (prefix && i === lexemes.length - 1 ? `${l}:*` : l));
  return parts.length === 1 ? parts[0] : `(${parts.join(' <-> ')})`;
}

function tsNode(n: TextNode): string | null {
  switch (n.type) {
    case 'term': {
      const s = tsSequence(tsLexemes(n.text), n.prefix);
      return s && n.negated ? `!${s}` : s;
    }
    case 'phrase': {
      const s = tsSequence(tsLexemes(n.text), false);
      return s && n.negated ? `!${s}` : s;
    }
    case 'or': {
      const alts = n.any.map(tsNode).filter((s): s is string => s !== null);
      if (alts.length <= 1) return alts[0] ?? null;
      return `(${alts.join(' | ')})`;
    }
    case 'and': {
      if (positives(n.all).every((c) => tsNode(c) === null)) return null;
      const parts = n.all.map(tsNode).filter((s): s is string => s !== null);
      return parts.length === 1 ? parts[0] : `(${parts.join(' & ')})`;
    }
  }
}

/**
 * Text for PostgreSQL `to_tsquery('english', $1)`: `shining & path`, phrases
 * `(shining <-> path)`, prefixes `shin:*`, OR `(chile | peru)`, exclusions `!bolivia`.
 * Every lexeme is reduced to [a-z0-9] runs (diacritics folded), so user input cannot make
 * to_tsquery fail. An exclusion-only query is valid tsquery (`!bolivia`). Null when there is
 * no text part.
 */
export function toTsQuery(query: ParsedQuery, opts: CompileOptions = {}): string | null {
  const parts: string[] = [];
  for (const n of [...query.must, ...tagClauses(query, opts.tagMeaning)]) {
    const s = tsNode(n);
    if (s) parts.push(s);
  }
  for (const n of query.not) {
    const s = tsNode(n.type === 'term' || n.type === 'phrase' ? { ...n, negated: false } : n);
    if (s) parts.push(`!${s}`);
  }
  return parts.length ? parts.join(' & ') : null;
}

// ---------------------------------------------------------------------------------------------
// Highlighting

/**
 * Lower-case words to highlight in snippets, in query order without repeats: the words of
 * every included term, phrase and alternative (a prefix term gives its stem, e.g. `terror`
 * for `terror*`; the highlighter should match it at word starts), plus the code and the words
 * of the meaning of each included tag that the text match covers (see `tagsMatchedByText`). Excluded words are not highlighted.
 */
export function highlightTerms(query: ParsedQuery, opts: CompileOptions = {}): string[] {
  const out = new Set<string>();
  const visit = (n: TextNode): void => {
    switch (n.type) {
      case 'term':
      case 'phrase':
        if (!n.negated) for (const t of ftsTokens(n.text)) out.add(t);
        return;
      case 'or':
        n.any.forEach(visit);
        return;
      case 'and':
        n.all.forEach(visit);
        return;
    }
  };
  query.must.forEach(visit);
  if (opts.tagMeaning) {
    for (const code of query.filters.tag) {
      const m = opts.tagMeaning(code);
      if (typeof m !== 'string' || ftsTokens(m).length === 0) continue;
      for (const t of ftsTokens(`${code} ${m}`)) out.add(t);
    }
  }
  return [...out];
}
