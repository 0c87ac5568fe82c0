/**
 * The archive search query language: parsing, reference-id recognition, canonical
 * normalisation (for saved searches and alerts) and validation of the HTTP search
 * parameters. Everything here is pure; the engines live elsewhere.
 *
 * Syntax
 *   peru terrorism            words; every clause must match (implicit AND)
 *   "shining path"            exact phrase
 *   chile OR peru             alternatives; only the upper-case keyword `OR` is an operator
 *   (shining path) OR sendero parentheses group alternatives (a group of several words
 *                             inside OR means "all of these words")
 *   -bolivia -"foo bar"       exclusion of a word, phrase, group or field filter
 *   terror*                   prefix (at least 2 letters or digits before the `*`)
 *   origin:lima tag:PTER classification:secret year:2009 ref:09LIMA1669
 *   kind:cable section:world from:2009-01-01 to:2009-12-31
 *                             field filters; values may be quoted: origin:"buenos aires"
 *   |                         a lone `|` is a separator and is ignored (normalised queries use
 *                             it between the text part and the filters)
 *
 * Field filter lists are "any of" for single-valued fields (origin, classification, year, ref,
 * kind, section): `origin:lima origin:cusco` and `origin:lima OR origin:cusco` both mean cables
 * from either station. Tags are "all of": `tag:PTER tag:PGOV` needs both tags, and tags cannot
 * be joined with OR. `from`/`to` keep the narrowest range given.
 *
 * Errors are QuerySyntaxError values with a message for people and `position`, the 0-based
 * index of the offending character (the message counts characters from 1, as people do).
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Types

export const FIELD_NAMES = [
  'origin',
  'tag',
  'classification',
  'year',
  'ref',
  'kind',
  'section',
  'from',
  'to',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

export type Classification =
  | 'UNCLASSIFIED'
  | 'UNCLASSIFIED//FOR OFFICIAL USE ONLY'
  | 'CONFIDENTIAL'
  | 'CONFIDENTIAL//NOFORN'
  | 'SECRET'
  | 'SECRET//NOFORN';

export type Kind = 'cable' | 'story';

export interface TermNode {
  type: 'term';
  /** The word as typed (case kept); never contains whitespace, quotes or parentheses. */
  text: string;
  /** `terror*`: match words starting with `text`. */
  prefix: boolean;
  negated: boolean;
}
export interface PhraseNode {
  type: 'phrase';
  /** The words between the quotes, whitespace collapsed, case kept. */
  text: string;
  negated: boolean;
}
/** Alternatives: `chile OR peru`. Never nested directly inside another OrNode. */
export interface OrNode {
  type: 'or';
  any: TextNode[];
}
/** All of the children, from a parenthesised group used as an OR alternative or excluded. */
export interface AndNode {
  type: 'and';
  all: TextNode[];
}
export interface FieldNode {
  type: 'field';
  field: FieldName;
  /** Normalised value: origin/section/kind lower case, tag upper case, ref canonical. */
  value: string;
  negated: boolean;
}
/** The nodes that take part in the text match. */
export type TextNode = TermNode | PhraseNode | OrNode | AndNode;
/** Field nodes never appear in `must`/`not`: they are resolved into `filters`. */
export type QueryNode = TextNode | FieldNode;

export interface QueryFilters {
  origin: string[];
  tag: string[];
  /** Canonical markings; `classification:secret` gives SECRET and SECRET//NOFORN. */
  classification: Classification[];
  year: number[];
  ref: string[];
  kind: Kind[];
  section: string[];
  /** YYYY-MM-DD lower bound (inclusive); always null in excludedFilters. */
  from: string | null;
  /** YYYY-MM-DD upper bound (inclusive); always null in excludedFilters. */
  to: string | null;
}

export interface ParsedQuery {
  /** Clauses that must all match (terms, phrases, OR groups); none is negated at the top. */
  must: TextNode[];
  /** Clauses that must not match: negated terms/phrases, or excluded OR/AND groups. */
  not: TextNode[];
  filters: QueryFilters;
  excludedFilters: QueryFilters;
  /** Set when the whole query is just a reference id (`09 LIMA 1669` → `09LIMA1669`). */
  referenceId: string | null;
  /** How parts of the query were read differently from how they were written (unknown fields). */
  notices?: string[];
}

export class QuerySyntaxError extends Error {
  /** 0-based index into the query of the character the message is about. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'QuerySyntaxError';
    this.position = position;
  }
}

export type ParseResult = { ok: true; query: ParsedQuery } | { ok: false; error: QuerySyntaxError };

export type IdCanonicalizer = (id: string) => string | null;

export interface ParseOptions {
  /** Applied on top of the built-in reference id clean-up (e.g. the cable parser's canonicalId). */
  canonicalizeId?: IdCanonicalizer;
}

export const MAX_QUERY_LENGTH = 500;
export const MIN_YEAR = 1966;
export const MAX_YEAR = 2100;

// ---------------------------------------------------------------------------------------------
// Classifications

const CLASSIFICATION_ALIASES: Record<string, Classification[]> = {
  secret: ['SECRET', 'SECRET//NOFORN'],
  confidential: ['CONFIDENTIAL', 'CONFIDENTIAL//NOFORN'],
  unclassified: ['UNCLASSIFIED', 'UNCLASSIFIED//FOR OFFICIAL USE ONLY'],
  'secret//noforn': ['SECRET//NOFORN'],
  'confidential//noforn': ['CONFIDENTIAL//NOFORN'],
  'unclassified//fouo': ['UNCLASSIFIED//FOR OFFICIAL USE ONLY'],
  'unclassified//for official use only': ['UNCLASSIFIED//FOR OFFICIAL USE ONLY'],
  fouo: ['UNCLASSIFIED//FOR OFFICIAL USE ONLY'],
  'for official use only': ['UNCLASSIFIED//FOR OFFICIAL USE ONLY'],
  noforn: ['SECRET//NOFORN', 'CONFIDENTIAL//NOFORN'],
};

const CLASSIFICATION_HELP =
  'secret, confidential, unclassified, secret//noforn, confidential//noforn, unclassified//fouo or noforn';

/**
 * The canonical markings a classification filter value stands for, or null when the value is
 * not a classification. Case-insensitive; `/`, `-`, `_` and spaces between the level and
 * NOFORN/FOUO are accepted (`Secret/NoForn`, `secret-noforn`). Broad levels include their
 * caveated variants: `secret` → [SECRET, SECRET//NOFORN].
 */
export function canonicalClassifications(value: string): Classification[] | null {
  if (typeof value !== 'string') return null;
  let v = value.trim().toLowerCase().replace(/\s+/g, ' ');
  v = v.replace(
    /^(secret|confidential|unclassified)\s*(?:\/+|-|_|\s)\s*(noforn|fouo|for official use only)$/,
    '$1//$2',
  );
  const hit = CLASSIFICATION_ALIASES[v];
  return hit ? [...hit] : null;
}

const CLASSIFICATION_ORDER: Classification[] = [
  'SECRET',
  'SECRET//NOFORN',
  'CONFIDENTIAL',
  'CONFIDENTIAL//NOFORN',
  'UNCLASSIFIED',
  'UNCLASSIFIED//FOR OFFICIAL USE ONLY',
];

/** Shortest list of filter words that stands for exactly this set of markings. */
function classificationWords(values: Classification[]): string[] {
  const set = new Set(values);
  const out: string[] = [];
  for (const level of ['secret', 'confidential', 'unclassified'] as const) {
    const [plain, caveat] = CLASSIFICATION_ALIASES[level];
    if (set.has(plain)) out.push(level);
    else if (set.has(caveat))
      out.push(level === 'unclassified' ? 'unclassified//fouo' : `${level}//noforn`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference ids

const REFERENCE_ID_RE = /^(\d{2})\s*([A-Za-z]{4,17}(?:\s[A-Za-z]+)*)\s*0*(\d{1,7})$/;

/**
 * `09LIMA1669`, `09 LIMA 1669`, `09lima1669`, `09 LIMA 001669` → `09LIMA1669`;
 * `09 BUENOS AIRES 123` → `09BUENOSAIRES123`. Null when the text is not a reference id.
 * `canonicalize`, when given, is applied to that result (null from it means "not an id").
 */
export function looksLikeReferenceId(q: string, canonicalize?: IdCanonicalizer): string | null {
  if (typeof q !== 'string' || q.length > 100) return null;
  const m = REFERENCE_ID_RE.exec(collapse(q));
  if (!m) return null;
  const id = `${m[1]}${m[2].replace(/\s+/g, '')}${m[3]}`.toUpperCase();
  if (!canonicalize) return id;
  try {
    const c = canonicalize(id);
    return typeof c === 'string' && c !== '' ? c : null;
  } catch {
    return id;
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Whitespace, control and format characters all separate words. */
const SPACE_RE = /[\s\p{Cc}\p{Cf}]/u;
const SPACES_RE = /[\s\p{Cc}\p{Cf}]+/gu;

function collapse(s: string): string {
  return s.replace(SPACES_RE, ' ').trim();
}

function isSeparator(ch: string): boolean {
  return ch === '|' || SPACE_RE.test(ch);
}

/** Characters that end a bare word. */
function endsWord(ch: string | undefined): boolean {
  return ch === undefined || ch === '"' || ch === '(' || ch === ')' || isSeparator(ch);
}

function at(pos: number): string {
  return `character ${pos + 1}`;
}

function quoteForMessage(s: string): string {
  const short = s.length > 40 ? `${s.slice(0, 40)}…` : s;
  return `"${short}"`;
}

type Atom =
  | { kind: 'node'; node: TermNode | PhraseNode; pos: number }
  | { kind: 'field'; node: FieldNode; values: unknown[]; pos: number }
  | { kind: 'group'; clauses: Clause[]; negated: boolean; pos: number };

type Clause = { kind: 'atom'; atom: Atom } | { kind: 'or'; alternatives: Atom[]; pos: number };

class Parser {
  private i = 0;
  /** Things said about how the query was read (see ParsedQuery.notices). */
  readonly notices: string[] = [];
  constructor(
    private readonly s: string,
    private readonly opts: ParseOptions,
  ) {}

  fail(message: string, position: number): never {
    throw new QuerySyntaxError(message, position);
  }

  private skipSpace(): void {
    while (this.i < this.s.length && isSeparator(this.s[this.i])) this.i++;
  }

  private atOr(): boolean {
    return (
      this.s.startsWith('OR', this.i) &&
      (this.s[this.i + 2] === undefined ||
        this.s[this.i + 2] === '(' ||
        this.s[this.i + 2] === ')' ||
        this.s[this.i + 2] === '"' ||
        isSeparator(this.s[this.i + 2]))
    );
  }

  /** A sequence of clauses, up to the end of input (depth 0) or a closing parenthesis. */
  sequence(depth: number, openPos: number): Clause[] {
    const clauses: Clause[] = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.s.length) {
        if (depth > 0) {
          this.fail(`Unclosed parenthesis at ${at(openPos)}: add a closing ).`, openPos);
        }
        return clauses;
      }
      if (this.s[this.i] === ')') {
        if (depth === 0) {
          this.fail(
            `Unmatched ) at ${at(this.i)}: there is no ( for it to close; remove it.`,
            this.i,
          );
        }
        return clauses;
      }
      clauses.push(this.clause());
    }
  }

  private clause(): Clause {
    if (this.atOr()) {
      this.fail(`OR at ${at(this.i)} needs a word before it, as in "chile OR peru".`, this.i);
    }
    const first = this.unary();
    const alternatives: Atom[] = [first];
    for (;;) {
      const save = this.i;
      this.skipSpace();
      if (!this.atOr()) {
        this.i = save;
        break;
      }
      const orPos = this.i;
      this.i += 2;
      this.skipSpace();
      if (this.i >= this.s.length || this.s[this.i] === ')' || this.atOr()) {
        this.fail(`OR at ${at(orPos)} needs a word after it, as in "chile OR peru".`, orPos);
      }
      alternatives.push(this.unary());
    }
    if (alternatives.length === 1) return { kind: 'atom', atom: first };
    return { kind: 'or', alternatives, pos: first.pos };
  }

  private unary(): Atom {
    const start = this.i;
    if (this.s[this.i] !== '-') return this.atom(false, start);
    this.i++;
    const next = this.s[this.i];
    if (next === undefined || next === ')' || isSeparator(next)) {
      this.fail(
        `Nothing to exclude after - at ${at(start)}: put the word, phrase or filter right after it, as in -bolivia.`,
        start,
      );
    }
    if (next === '-') {
      this.fail(`Two - signs at ${at(start)}: use a single - to exclude.`, start);
    }
    return this.atom(true, start);
  }

  private atom(negated: boolean, start: number): Atom {
    const ch = this.s[this.i];
    if (ch === '"') {
      const text = this.quoted();
      if (this.s[this.i] === '*') {
        this.fail(
          `A * at ${at(this.i)} can only end a word, not a phrase: remove it or the quotes.`,
          this.i,
        );
      }
      return { kind: 'node', node: { type: 'phrase', text, negated }, pos: start };
    }
    if (ch === '(') {
      const open = this.i;
      this.i++;
      const clauses = this.sequence(1, open);
      this.i++; // the closing parenthesis
      if (clauses.length === 0) {
        this.fail(`Empty parentheses at ${at(open)}: put words inside or remove them.`, open);
      }
      return { kind: 'group', clauses, negated, pos: start };
    }
    const wordStart = this.i;
    const fieldMatch = /^([A-Za-z_]+):/.exec(this.s.slice(this.i, this.i + 40));
    if (fieldMatch) return this.field(fieldMatch[1], negated, start);
    while (!endsWord(this.s[this.i])) this.i++;
    const word = this.s.slice(wordStart, this.i);
    return { kind: 'node', node: this.term(word, wordStart, negated), pos: start };
  }

  /** Reads "...", starting at the opening quote; returns the collapsed inner text. */
  private quoted(): string {
    const open = this.i;
    const close = this.s.indexOf('"', open + 1);
    if (close < 0) {
      this.fail(`Unclosed quote starting at ${at(open)}: add a closing ".`, open);
    }
    this.i = close + 1;
    const text = collapse(this.s.slice(open + 1, close));
    if (text === '') {
      this.fail(`Empty quotes at ${at(open)}: put words between the quotes or remove them.`, open);
    }
    return text;
  }

  private term(word: string, pos: number, negated: boolean): TermNode {
    const star = word.indexOf('*');
    if (star < 0) return { type: 'term', text: word, prefix: false, negated };
    if (/^\*+$/.test(word)) {
      this.fail(
        `A * on its own at ${at(pos)} matches nothing: put it after the start of a word, as in terror*.`,
        pos,
      );
    }
    if (star !== word.length - 1) {
      this.fail(`A * at ${at(pos + star)} can only end a word, as in terror*.`, pos + star);
    }
    const stem = word.slice(0, -1);
    if ((stem.match(/[\p{L}\p{N}]/gu) ?? []).length < 2) {
      this.fail(
        `The prefix ${quoteForMessage(word)} at ${at(pos)} is too short: use at least 2 letters before the *.`,
        pos,
      );
    }
    return { type: 'term', text: stem, prefix: true, negated };
  }

  private field(rawName: string, negated: boolean, start: number): Atom {
    const namePos = this.i;
    const name = rawName.toLowerCase();
    this.i += rawName.length + 1;
    if (!(FIELD_NAMES as readonly string[]).includes(name))
      return this.unknownField(rawName, negated, start);
    const field = name as FieldName;
    const valuePos = this.i;
    let raw: string;
    if (this.s[this.i] === '"') {
      raw = this.quoted();
    } else {
      while (!endsWord(this.s[this.i])) this.i++;
      raw = this.s.slice(valuePos, this.i);
    }
    if (raw === '') {
      this.fail(`${name}: at ${at(namePos)} needs a value, as in ${fieldExample(field)}.`, namePos);
    }
    if (raw.includes('*')) {
      this.fail(
        `${name}: at ${at(namePos)} can't use *: give the whole value, as in ${fieldExample(field)}.`,
        namePos,
      );
    }
    if (negated && (field === 'from' || field === 'to')) {
      this.fail(`${name}: at ${at(start)} can't be excluded with -.`, start);
    }
    const { value, values } = this.fieldValue(field, raw, valuePos);
    return { kind: 'field', node: { type: 'field', field, value, negated }, values, pos: start };
  }

  /**
   * `name:` that is no field (`TAGS: PREL` pasted from a cable, `foo:bar`) is read as words: the
   * name and a value written right after the colon as a phrase (`"foo bar"`), else the name as a
   * word and whatever follows as the rest of the query. A notice says so.
   */
  private unknownField(rawName: string, negated: boolean, start: number): Atom {
    const notice =
      `${quoteForMessage(rawName + ':')} is not a filter, so it was searched for as words. ` +
      `Filters are ${FIELD_NAMES.map((f) => f + ':').join(', ')}.`;
    if (!this.notices.includes(notice)) this.notices.push(notice);
    const valueStart = this.i;
    while (!endsWord(this.s[this.i])) this.i++;
    const value = this.s.slice(valueStart, this.i);
    if (value && !value.includes('*'))
      return {
        kind: 'node',
        node: { type: 'phrase', text: collapse(`${rawName} ${value}`), negated },
        pos: start,
      };
    this.i = valueStart;
    return { kind: 'node', node: this.term(rawName, start, negated), pos: start };
  }

  private fieldValue(
    field: FieldName,
    raw: string,
    pos: number,
  ): { value: string; values: unknown[] } {
    const v = collapse(raw);
    switch (field) {
      case 'origin':
      case 'section':
        return { value: v.toLowerCase(), values: [v.toLowerCase()] };
      case 'tag':
        return { value: v.toUpperCase(), values: [v.toUpperCase()] };
      case 'kind': {
        const k = normalizeKind(v);
        if (!k) {
          this.fail(
            `Unknown kind ${quoteForMessage(v)} at ${at(pos)}: use kind:cable or kind:story.`,
            pos,
          );
        }
        return { value: k, values: [k] };
      }
      case 'classification': {
        const list = canonicalClassifications(v);
        if (!list) {
          this.fail(
            `Unknown classification ${quoteForMessage(v)} at ${at(pos)}: use ${CLASSIFICATION_HELP}.`,
            pos,
          );
        }
        return { value: v.toLowerCase(), values: list };
      }
      case 'year': {
        const y = /^\d{4}$/.test(v) ? Number(v) : NaN;
        if (!(y >= MIN_YEAR && y <= MAX_YEAR)) {
          this.fail(
            `year: at ${at(pos)} needs a four-digit year between ${MIN_YEAR} and ${MAX_YEAR}, not ${quoteForMessage(v)}.`,
            pos,
          );
        }
        return { value: String(y), values: [y] };
      }
      case 'ref': {
        const id = canonicalRef(v, this.opts.canonicalizeId);
        return { value: id, values: [id] };
      }
      case 'from':
      case 'to': {
        if (!isValidDate(v)) {
          this.fail(
            `${field}: at ${at(pos)} needs a date written YYYY-MM-DD, as in ${field}:2009-06-30, not ${quoteForMessage(v)}.`,
            pos,
          );
        }
        return { value: v, values: [v] };
      }
    }
  }
}

function fieldExample(field: FieldName): string {
  const examples: Record<FieldName, string> = {
    origin: 'origin:lima',
    tag: 'tag:PTER',
    classification: 'classification:secret',
    year: 'year:2009',
    ref: 'ref:09LIMA1669',
    kind: 'kind:cable',
    section: 'section:world',
    from: 'from:2009-01-01',
    to: 'to:2009-12-31',
  };
  return examples[field];
}

function normalizeKind(v: string): Kind | null {
  const k = v.toLowerCase();
  if (k === 'cable' || k === 'cables') return 'cable';
  if (k === 'story' || k === 'stories') return 'story';
  return null;
}

function canonicalRef(v: string, canonicalize?: IdCanonicalizer): string {
  return looksLikeReferenceId(v, canonicalize) ?? v.replace(/\s+/g, '').toUpperCase();
}

/** A real calendar date written YYYY-MM-DD. */
export function isValidDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

export function emptyFilters(): QueryFilters {
  return {
    origin: [],
    tag: [],
    classification: [],
    year: [],
    ref: [],
    kind: [],
    section: [],
    from: null,
    to: null,
  };
}

function addFilter(filters: QueryFilters, field: FieldName, values: unknown[]): void {
  switch (field) {
    case 'from':
      for (const v of values as string[])
        if (filters.from === null || v > filters.from) filters.from = v;
      return;
    case 'to':
      for (const v of values as string[]) if (filters.to === null || v < filters.to) filters.to = v;
      return;
    case 'year':
      for (const v of values as number[]) if (!filters.year.includes(v)) filters.year.push(v);
      return;
    default: {
      const list = filters[field] as string[];
      for (const v of values as string[]) if (!list.includes(v)) list.push(v);
    }
  }
}

const FIELD_IN_GROUP_MESSAGE = (name: string, pos: number) =>
  `The ${name}: filter at ${at(pos)} can't go inside an OR or an excluded group: put it on its own.`;

/** Turns a parenthesised group's clauses into one text node (for OR alternatives and -( )). */
function groupToNode(clauses: Clause[], groupPos: number): TextNode {
  const children: TextNode[] = [];
  const push = (n: TextNode) => {
    if (n.type === 'and') children.push(...n.all);
    else children.push(n);
  };
  for (const c of clauses) {
    if (c.kind === 'or') {
      push(orNode(c.alternatives));
      continue;
    }
    const a = c.atom;
    if (a.kind === 'field')
      throw new QuerySyntaxError(FIELD_IN_GROUP_MESSAGE(a.node.field, a.pos), a.pos);
    if (a.kind === 'node') {
      push(a.node);
      continue;
    }
    if (a.negated) {
      throw new QuerySyntaxError(
        `The excluded group at ${at(a.pos)} can't be nested inside another group: exclude its words one by one.`,
        a.pos,
      );
    }
    push(groupToNode(a.clauses, a.pos));
  }
  if (children.length === 1) return children[0];
  if (!children.some((n) => !isNegated(n))) {
    throw new QuerySyntaxError(
      `The group at ${at(groupPos)} only excludes words: add a word it should match.`,
      groupPos,
    );
  }
  return { type: 'and', all: children };
}

function isNegated(n: TextNode): boolean {
  return (n.type === 'term' || n.type === 'phrase') && n.negated;
}

function orNode(alternatives: Atom[]): OrNode {
  const any: TextNode[] = [];
  for (const a of alternatives) {
    if (a.kind === 'field')
      throw new QuerySyntaxError(FIELD_IN_GROUP_MESSAGE(a.node.field, a.pos), a.pos);
    const n = a.kind === 'node' ? a.node : a.negated ? null : groupToNode(a.clauses, a.pos);
    if (n === null || isNegated(n)) {
      throw new QuerySyntaxError(
        `An excluded alternative at ${at(a.pos)} can't be joined with OR: exclude it outside the OR.`,
        a.pos,
      );
    }
    if (n.type === 'or') any.push(...n.any);
    else any.push(n);
  }
  return { type: 'or', any };
}

/** Field-only OR (`origin:lima OR origin:cusco`): allowed when every alternative is the same single-valued field. */
function orOfFields(alternatives: Atom[]): { field: FieldName; values: unknown[] } | null {
  if (!alternatives.some((a) => a.kind === 'field')) return null;
  const first = alternatives.find((a) => a.kind === 'field') as Extract<Atom, { kind: 'field' }>;
  const name = first.node.field;
  const word = alternatives.find((a) => a.kind !== 'field');
  if (word) {
    throw new QuerySyntaxError(
      `The ${name}: filter at ${at(first.pos)} can't be joined with OR to words: put it on its own.`,
      first.pos,
    );
  }
  for (const a of alternatives) {
    if (a.kind !== 'field' || a.node.field !== name || a.node.negated) {
      const bad = a.kind === 'field' ? a : first;
      throw new QuerySyntaxError(
        `Filters joined with OR at ${at(bad.pos)} must all be the same field and not excluded, as in origin:lima OR origin:cusco.`,
        bad.pos,
      );
    }
  }
  if (name === 'tag' || name === 'from' || name === 'to') {
    throw new QuerySyntaxError(
      `${name}: filters at ${at(first.pos)} can't be joined with OR` +
        (name === 'tag' ? ': several tags all have to match.' : '.'),
      first.pos,
    );
  }
  return {
    field: name,
    values: alternatives.flatMap((a) => (a as Extract<Atom, { kind: 'field' }>).values),
  };
}

function build(clauses: Clause[], out: ParsedQuery): void {
  for (const c of clauses) {
    if (c.kind === 'or') {
      const fields = orOfFields(c.alternatives);
      if (fields) addFilter(out.filters, fields.field, fields.values);
      else out.must.push(orNode(c.alternatives));
      continue;
    }
    const a = c.atom;
    if (a.kind === 'node') {
      (a.node.negated ? out.not : out.must).push(a.node);
    } else if (a.kind === 'field') {
      addFilter(a.node.negated ? out.excludedFilters : out.filters, a.node.field, a.values);
    } else if (!a.negated) {
      build(a.clauses, out);
    } else {
      const n = groupToNode(a.clauses, a.pos);
      if (isNegated(n)) {
        throw new QuerySyntaxError(
          `The group at ${at(a.pos)} excludes an excluded word: remove one of the - signs.`,
          a.pos,
        );
      }
      if (n.type === 'term' || n.type === 'phrase') out.not.push({ ...n, negated: true });
      else out.not.push(n);
    }
  }
}

/**
 * Parses a search box query. Never throws: any string (or even a non-string) gives either a
 * parsed query or a QuerySyntaxError describing the first problem found.
 */
export function parseQuery(q: string, opts: ParseOptions = {}): ParseResult {
  try {
    if (typeof q !== 'string') {
      return { ok: false, error: new QuerySyntaxError('The query must be text.', 0) };
    }
    if (q.length > MAX_QUERY_LENGTH) {
      return {
        ok: false,
        error: new QuerySyntaxError(
          `The query is too long (${q.length} characters): the limit is ${MAX_QUERY_LENGTH}.`,
          MAX_QUERY_LENGTH,
        ),
      };
    }
    const parser = new Parser(q, opts);
    const clauses = parser.sequence(0, 0);
    const query: ParsedQuery = {
      must: [],
      not: [],
      filters: emptyFilters(),
      excludedFilters: emptyFilters(),
      referenceId: looksLikeReferenceId(q, opts.canonicalizeId),
      ...(parser.notices.length ? { notices: parser.notices } : {}),
    };
    build(clauses, query);
    return { ok: true, query };
  } catch (e) {
    if (e instanceof QuerySyntaxError) return { ok: false, error: e };
    return { ok: false, error: new QuerySyntaxError('This query could not be read.', 0) };
  }
}

// ---------------------------------------------------------------------------------------------
// Normalisation

/** Explicit filters from the URL (the query string's own filters are merged with these). */
export interface SearchFilters {
  kind?: Kind;
  origin?: string;
  classification?: string;
  tag?: string[];
  year?: number;
  from?: string;
  to?: string;
  section?: string;
}

/** Order of fields in a normalised query. */
const FILTER_ORDER: FieldName[] = [
  'kind',
  'origin',
  'classification',
  'tag',
  'year',
  'ref',
  'section',
  'from',
  'to',
];

function renderValue(v: string): string {
  const clean = collapse(v.replace(/"/g, ' '));
  return /^[\p{L}\p{N}_.\/-]+$/u.test(clean) ? clean : `"${clean}"`;
}

function renderNode(n: TextNode): string {
  switch (n.type) {
    case 'term':
      return (n.negated ? '-' : '') + n.text.toLowerCase() + (n.prefix ? '*' : '');
    case 'phrase':
      return `${n.negated ? '-' : ''}"${collapse(n.text).toLowerCase()}"`;
    case 'or': {
      const alts = sortedUnique(n.any.map(renderNode));
      return alts.length === 1 ? alts[0] : alts.join(' OR ');
    }
    case 'and': {
      const pos = sortedUnique(n.all.filter((c) => !isNegated(c)).map(renderNode));
      const neg = sortedUnique(n.all.filter(isNegated).map(renderNode));
      const parts = [...pos, ...neg];
      return parts.length === 1 ? parts[0] : `(${parts.join(' ')})`;
    }
  }
}

function renderNegated(n: TextNode): string {
  if (n.type === 'term' || n.type === 'phrase') return renderNode({ ...n, negated: true });
  const inner = renderNode(n);
  return inner.startsWith('(') && n.type === 'and' ? `-${inner}` : `-(${inner})`;
}

function sortedUnique(xs: string[]): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function renderFilters(f: QueryFilters, prefix: string): Partial<Record<FieldName, string[]>> {
  const out: Partial<Record<FieldName, string[]>> = {};
  out.kind = sortedUnique(f.kind).map((v) => `${prefix}kind:${v}`);
  out.origin = sortedUnique(f.origin).map((v) => `${prefix}origin:${renderValue(v)}`);
  out.classification = classificationWords(f.classification).map(
    (v) => `${prefix}classification:${renderValue(v)}`,
  );
  out.tag = sortedUnique(f.tag).map((v) => `${prefix}tag:${renderValue(v)}`);
  out.year = [...new Set(f.year)].sort((a, b) => a - b).map((v) => `${prefix}year:${v}`);
  out.ref = sortedUnique(f.ref).map((v) => `${prefix}ref:${renderValue(v)}`);
  out.section = sortedUnique(f.section).map((v) => `${prefix}section:${renderValue(v)}`);
  out.from = f.from ? [`${prefix}from:${f.from}`] : [];
  out.to = f.to ? [`${prefix}to:${f.to}`] : [];
  return out;
}

/** Adds explicit URL filters; returns raw `field:value` words for values that are not valid. */
function mergeExplicit(filters: QueryFilters, explicit: SearchFilters): string[] {
  const invalid: string[] = [];
  const str = (v: unknown): string | null =>
    typeof v === 'string' && collapse(v) !== '' ? collapse(v) : null;
  const kind = str(explicit.kind);
  if (kind) {
    const k = normalizeKind(kind);
    if (k) addFilter(filters, 'kind', [k]);
    else invalid.push(`kind:${renderValue(kind.toLowerCase())}`);
  }
  const origin = str(explicit.origin);
  if (origin) addFilter(filters, 'origin', [origin.toLowerCase()]);
  const section = str(explicit.section);
  if (section) addFilter(filters, 'section', [section.toLowerCase()]);
  const cls = str(explicit.classification);
  if (cls) {
    const list = canonicalClassifications(cls);
    if (list) addFilter(filters, 'classification', list);
    else invalid.push(`classification:${renderValue(cls.toLowerCase())}`);
  }
  for (const t of Array.isArray(explicit.tag) ? explicit.tag : []) {
    const tag = str(t);
    if (tag) addFilter(filters, 'tag', [tag.toUpperCase()]);
  }
  if (explicit.year !== undefined && explicit.year !== null) {
    const y = explicit.year;
    if (Number.isInteger(y) && y >= MIN_YEAR && y <= MAX_YEAR) addFilter(filters, 'year', [y]);
    else invalid.push(`year:${renderValue(String(y))}`);
  }
  for (const f of ['from', 'to'] as const) {
    const d = str(explicit[f]);
    if (!d) continue;
    if (isValidDate(d)) addFilter(filters, f, [d]);
    else invalid.push(`${f}:${renderValue(d)}`);
  }
  return invalid;
}

/**
 * A canonical string for a search, so saved searches and alerts can be compared and stored.
 *
 * Format: `<text> | <filters>`, either side omitted when empty (and the ` | ` with it):
 *   - text: the AND clauses, each rendered canonically (words lower-cased, phrases quoted and
 *     lower-cased, OR alternatives sorted and joined with ` OR `, groups in parentheses),
 *     deduplicated and sorted; then the excluded clauses (`-word`, `-"a phrase"`,
 *     `-(a OR b)`), sorted. A query that is only a reference id becomes that id, lower-cased.
 *   - filters: `field:value` words in the order kind, origin, classification, tag, year, ref,
 *     section, from, to; values sorted and deduplicated, each excluded value right after the
 *     included ones as `-field:value`. Origins and sections are lower case, tags upper case,
 *     classifications the shortest words for the same markings (`secret`, `secret//noforn`),
 *     values with spaces or punctuation quoted. Filters from the query and from `filters`
 *     (the explicit URL filters) are merged; empty ones are dropped. Sort and page are not part
 *     of a search's meaning and are never included.
 *   e.g. `"shining path" peru terrorism | origin:lima tag:PTER year:2009`
 *
 * The result parses back to the same search, and normalising it again gives the same string.
 * A query that does not parse is kept as typed (whitespace collapsed), followed by the
 * explicit filters, so it still round-trips (should the two together parse, that reading is
 * normalised instead).
 */
export function normalizeQuery(
  q: string,
  filters: SearchFilters = {},
  opts: ParseOptions = {},
  /** parseQuery(q, opts), when the caller has it already (it is not changed). */
  given?: ParseResult,
): string {
  const text = typeof q === 'string' ? q : '';
  const parsed = given ?? parseQuery(text, opts);
  const merged = parsed.ok
    ? {
        ...parsed.query.filters,
        origin: [...parsed.query.filters.origin],
        tag: [...parsed.query.filters.tag],
        classification: [...parsed.query.filters.classification],
        year: [...parsed.query.filters.year],
        ref: [...parsed.query.filters.ref],
        kind: [...parsed.query.filters.kind],
        section: [...parsed.query.filters.section],
      }
    : emptyFilters();
  const invalid = mergeExplicit(merged, filters ?? {});
  const pos = renderFilters(merged, '');
  const neg = parsed.ok ? renderFilters(parsed.query.excludedFilters, '-') : {};
  const filterWords: string[] = [];
  for (const f of FILTER_ORDER) filterWords.push(...(pos[f] ?? []), ...(neg[f] ?? []));
  filterWords.push(...sortedUnique(invalid));

  let textPart: string;
  if (!parsed.ok) {
    textPart = collapse(text);
  } else if (parsed.query.referenceId) {
    textPart = parsed.query.referenceId.toLowerCase();
  } else {
    const must = sortedUnique(parsed.query.must.map(renderNode));
    const not = sortedUnique(parsed.query.not.map(renderNegated));
    textPart = [...must, ...not].join(' ');
  }
  const filterPart = filterWords.join(' ');
  const out = [textPart, filterPart].filter((s) => s !== '').join(' | ');
  // Appending filters to a broken query can, rarely, make it parse (`chile OR` + `| origin:x`);
  // normalise that combined reading so the result stays a fixed point.
  if (!parsed.ok && filterPart !== '' && parseQuery(out, opts).ok)
    return normalizeQuery(out, {}, opts);
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTTP search parameters

export type SortOrder = 'relevance' | 'newest' | 'oldest';

export interface SearchParams extends SearchFilters {
  q: string;
  tag: string[];
  sort: SortOrder;
  page: number;
  size: number;
}

/** Empty form fields count as absent; a repeated parameter stays an array (and is rejected). */
function scalar(v: unknown): unknown {
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  return typeof v === 'string' ? v.trim() : v;
}

function textParam(name: string, max: number) {
  return z.preprocess(
    scalar,
    z
      .string({ error: `${name} must be given once, as text` })
      .max(max, `${name} must be at most ${max} characters`)
      .optional(),
  );
}

function intParam(name: string, min: number, max: number) {
  return z.preprocess(
    (v) => {
      const s = scalar(v);
      return typeof s === 'string' && /^[+-]?\d+$/.test(s) ? Number(s) : s;
    },
    z
      .number({ error: `${name} must be a whole number` })
      .int(`${name} must be a whole number`)
      .min(min, `${name} must be between ${min} and ${max}`)
      .max(max, `${name} must be between ${min} and ${max}`)
      .optional(),
  );
}

function enumParam<T extends string>(name: string, values: readonly [T, ...T[]]) {
  return z.preprocess(
    (v) => {
      const s = scalar(v);
      return typeof s === 'string' ? s.toLowerCase() : s;
    },
    z.enum(values, { error: `${name} must be one of ${values.join(', ')}` }).optional(),
  );
}

function dateParam(name: string) {
  return z.preprocess(
    scalar,
    z
      .string({ error: `${name} must be given once, as a date like 2009-06-30` })
      .refine(isValidDate, `${name} must be a real date written YYYY-MM-DD, like 2009-06-30`)
      .optional(),
  );
}

/** Schema for the search page / API query string. Unknown parameters are ignored. */
export const searchParamsSchema = z
  .object(
    {
      q: z.preprocess(
        (v) => (Array.isArray(v) && v.length === 1 ? v[0] : (v ?? '')),
        z
          .string({ error: 'q must be given once, as text' })
          .max(MAX_QUERY_LENGTH, `q must be at most ${MAX_QUERY_LENGTH} characters`),
      ),
      kind: enumParam('kind', ['cable', 'story']),
      origin: textParam('origin', 100),
      classification: textParam('classification', 60).refine(
        (v) => v === undefined || canonicalClassifications(v) !== null,
        `classification must be one of ${CLASSIFICATION_HELP}`,
      ),
      tag: z.preprocess(
        (v) => {
          if (v === undefined || v === null) return [];
          const list = Array.isArray(v) ? v : [v];
          return list.map((t) => (typeof t === 'string' ? t.trim() : t)).filter((t) => t !== '');
        },
        z
          .array(
            z
              .string({ error: 'tag must be text' })
              .max(100, 'tag must be at most 100 characters each'),
          )
          .max(50, 'tag can be given at most 50 times'),
      ),
      year: intParam('year', MIN_YEAR, MAX_YEAR),
      from: dateParam('from'),
      to: dateParam('to'),
      section: textParam('section', 100),
      sort: enumParam('sort', ['relevance', 'newest', 'oldest']),
      page: intParam('page', 1, 1000),
      size: intParam('size', 1, 100),
    },
    { error: 'search parameters must be an object' },
  )
  .refine((v) => !(v.from && v.to && v.from > v.to), {
    message: 'from must be on or before to',
    path: ['from'],
  })
  .transform((v): SearchParams => {
    const out: SearchParams = {
      q: v.q,
      tag: [...new Set(v.tag.map((t) => t.toUpperCase()))],
      sort: v.sort ?? (v.q.trim() === '' ? 'newest' : 'relevance'),
      page: v.page ?? 1,
      size: v.size ?? 20,
    };
    if (v.kind) out.kind = v.kind;
    if (v.origin) out.origin = v.origin;
    if (v.classification) out.classification = v.classification.toLowerCase();
    if (v.year !== undefined) out.year = v.year;
    if (v.from) out.from = v.from;
    if (v.to) out.to = v.to;
    if (v.section) out.section = v.section;
    return out;
  });

/**
 * Validates the search query string (a parsed object such as Fastify's `request.query`, or a
 * URLSearchParams). Errors name the parameter: "size must be between 1 and 100"; several
 * problems are joined with "; ".
 */
export function parseSearchParams(
  input: unknown,
): { ok: true; value: SearchParams } | { ok: false; error: string } {
  let obj = input;
  if (input instanceof URLSearchParams) {
    const o: Record<string, string | string[]> = {};
    for (const key of new Set(input.keys())) {
      const all = input.getAll(key);
      o[key] = all.length === 1 ? all[0] : all;
    }
    obj = o;
  }
  const r = searchParamsSchema.safeParse(obj);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: [...new Set(r.error.issues.map((i) => i.message))].join('; ') };
}
