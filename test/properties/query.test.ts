/**
 * Properties of the search query language beyond test/search/query.test.ts (which covers a
 * syntax alphabet): any Unicode text, including lone surrogates and control characters, never
 * makes parseQuery or normalizeQuery throw; normalising is idempotent; a query that parses still
 * parses after normalising, with stable filters and no
 * more clauses than it had.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeQuery, parseQuery, MAX_QUERY_LENGTH } from '../../src/search/query.ts';

const WORDS = [
  'peru',
  'Shining',
  'path',
  'OR',
  'AND',
  'NOT',
  '-',
  '"',
  '(',
  ')',
  '*',
  '|',
  ':',
  'tag:',
  'origin:',
  'year:',
  'classification:',
  'ref:',
  'kind:',
  'section:',
  'from:',
  'to:',
  '2009',
  '09LIMA1669',
  ' ',
  '  ',
  'ñ',
  '日本',
  '\u202e',
  '\ud800',
  '\u0000',
];
const mixed = fc
  .array(
    fc.oneof(
      fc.constantFrom(...WORDS),
      fc.string({ maxLength: 6, unit: 'grapheme' }),
      fc.string({ maxLength: 4, unit: 'binary' }),
    ),
    { maxLength: 30 },
  )
  .map((xs) => xs.join(''));
const anyText = fc.oneof(
  mixed,
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.string({ minLength: MAX_QUERY_LENGTH - 5, maxLength: MAX_QUERY_LENGTH + 5 }),
);

describe('query language properties', () => {
  it('parseQuery and normalizeQuery never throw on any text', () => {
    fc.assert(
      fc.property(anyText, (q) => {
        const r = parseQuery(q);
        assert.equal(typeof r.ok, 'boolean');
        assert.equal(typeof normalizeQuery(q), 'string');
      }),
      { numRuns: 3000 },
    );
  });

  it('normalizeQuery is idempotent on any text', () => {
    fc.assert(
      fc.property(mixed, (q) => {
        const n = normalizeQuery(q);
        assert.equal(normalizeQuery(n), n, JSON.stringify(q));
      }),
      { numRuns: 3000 },
    );
  });

  it('a query that parses still parses after normalising, with the same filters', () => {
    fc.assert(
      fc.property(mixed, (q) => {
        const a = parseQuery(q);
        if (!a.ok) return;
        const n = normalizeQuery(q);
        const b = parseQuery(n);
        assert.ok(
          b.ok,
          `${JSON.stringify(q)} → ${JSON.stringify(n)}: ${b.ok ? '' : b.error.message}`,
        );
        const c = parseQuery(normalizeQuery(n));
        assert.ok(c.ok);
        assert.deepEqual(
          c.query.filters,
          b.query.filters,
          `${JSON.stringify(q)}: the filters of a normalised query are stable`,
        );
        assert.equal(
          b.query.must.length + b.query.not.length <= a.query.must.length + a.query.not.length,
          true,
          `${JSON.stringify(q)} → ${n}: normalising only removes duplicates`,
        );
      }),
      { numRuns: 3000 },
    );
  });
});
