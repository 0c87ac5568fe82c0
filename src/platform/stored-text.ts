/**
 * Control characters never reach the database. Every text a writing statement (insert, update,
 * merge) sends, be it a form field, a feed item, a cable or an organisation's name, loses C0
 * controls other than tab, line feed and carriage return, DEL, C1 controls and unpaired UTF-16
 * surrogates before the driver sees it: no page, feed, mail or export can then be handed a NUL or
 * an escape sequence from stored text, and PostgreSQL (which refuses NUL in text) stores the same
 * as SQLite.
 *
 * The boundary is the connection itself (`cleanTextDialect` wraps the dialect's driver), so it holds
 * for builder queries, `sql` templates and precompiled `CompiledQuery.raw` statements alike.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';

/** C0 except \t \n \r, DEL, C1, and a surrogate without its pair. */
const UNSAFE_TEXT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_UNSAFE = new RegExp(UNSAFE_TEXT.source);

/** The text without control characters (see above); the same string when it has none. */
export function stripControlChars(s: string): string {
  return HAS_UNSAFE.test(s) ? s.replace(UNSAFE_TEXT, '') : s;
}

/** True when `s` has a character that `stripControlChars` removes. */
export function hasControlChars(s: string): boolean {
  return HAS_UNSAFE.test(s);
}

/** Every string in a form/JSON body or query (nested objects and arrays too), cleaned in place. */
export function stripControlCharsDeep<T>(value: T): T {
  if (typeof value === 'string') return stripControlChars(value) as T;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = stripControlCharsDeep(value[i]);
    return value;
  }
  // Parsed bodies are plain records (some parsers give them a prototype-less prototype of their own).
  if (
    value !== null &&
    typeof value === 'object' &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof Date)
  ) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = stripControlCharsDeep(o[k]);
  }
  return value;
}

const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'MergeQueryNode']);
/** A raw statement that writes: `insert`/`update`/`merge`, or a `with` whose statements do. */
const WRITE_SQL =
  /^\s*(?:insert|update|merge|replace)\b|^\s*with\b[\s\S]*?\b(?:insert|update|merge)\b/i;

/**
 * Whether a query writes rows. Reads keep their parameters as given: a lookup never matches stored
 * text by a character that cannot be stored, and some reads pass control characters on purpose
 * (the search highlighter's markers).
 */
export function isWrite(q: CompiledQuery): boolean {
  return WRITE_NODES.has(q.query.kind) || WRITE_SQL.test(q.sql);
}

/**
 * A read's NUL becomes U+0001: PostgreSQL refuses NUL in text (a lookup such as /sections/n%00ews
 * would fail with an error), and as neither is ever stored the lookup still matches nothing.
 */
function readParameters(q: CompiledQuery): CompiledQuery {
  const params = q.parameters;
  let out: unknown[] | null = null;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (typeof p === 'string' && p.includes('\u0000')) {
      out ??= params.slice();
      out[i] = p.replaceAll('\u0000', '\u0001');
    }
  }
  return out ? { ...q, parameters: out } : q;
}

function cleanParameters(q: CompiledQuery): CompiledQuery {
  if (!isWrite(q)) return readParameters(q);
  const params = q.parameters;
  let out: unknown[] | null = null;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (typeof p === 'string' && HAS_UNSAFE.test(p)) {
      out ??= params.slice();
      out[i] = p.replace(UNSAFE_TEXT, '');
    }
  }
  return out ? { ...q, parameters: out } : q;
}

const CLEANED = Symbol('cleanedConnection');

function cleanConnection(c: DatabaseConnection): DatabaseConnection {
  const marked = c as DatabaseConnection & { [CLEANED]?: true };
  if (marked[CLEANED]) return c;
  const execute = c.executeQuery.bind(c);
  const stream = c.streamQuery.bind(c);
  marked.executeQuery = <R>(q: CompiledQuery): Promise<QueryResult<R>> =>
    execute<R>(cleanParameters(q));
  marked.streamQuery = <R>(q: CompiledQuery, chunkSize?: number) =>
    stream<R>(cleanParameters(q), chunkSize);
  marked[CLEANED] = true;
  return c;
}

/** The dialect with every query's text parameters cleaned on their way to the database. */
export function cleanTextDialect(dialect: Dialect): Dialect {
  return wrapConnections(dialect, (c) => cleanConnection(c));
}

/** `dialect` with each connection its driver hands out passed through `wrap` first. */
export function wrapConnections(
  dialect: Dialect,
  wrap: (c: DatabaseConnection, driver: Driver) => DatabaseConnection,
): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: (): Driver => {
      const driver = dialect.createDriver();
      return new Proxy(driver, {
        get(target, prop) {
          if (prop === 'acquireConnection')
            return async () => wrap(await target.acquireConnection(), target);
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
}
