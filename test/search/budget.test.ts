/**
 * The query cost budget (src/search/budget.ts): the shape of a query's text (words, alternatives,
 * phrases, word starts) and the first limit it goes over, with a message that says what to narrow.
 * Seeded random queries check the counts against a direct count of the query text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkCost,
  DEFAULT_COST_LIMITS,
  queryShape,
  searchLane,
  type CostLimits,
} from '../../src/search/budget.ts';
import { parseQuery } from '../../src/search/query.ts';

const shapeOf = (q: string) => {
  const r = parseQuery(q);
  assert.ok(r.ok, q);
  return queryShape(r.query);
};

const LIMITS: CostLimits = {
  maxWords: 6,
  maxAlternatives: 4,
  maxPhraseWords: 3,
  maxPrefixes: 2,
  maxExpansion: 100,
  maxExpandedTotal: 150,
};

test('the shape counts words, alternatives, phrase words and distinct word starts', () => {
  assert.deepEqual(shapeOf('peru terrorism'), {
    words: 2,
    alternatives: 0,
    phrases: [],
    prefixes: [],
  });
  assert.deepEqual(shapeOf('"shining path" OR sendero -bolivia'), {
    words: 4,
    alternatives: 2,
    phrases: [{ text: 'shining path', words: 2 }],
    prefixes: [],
  });
  assert.deepEqual(shapeOf('Terror* terror* (chile peru) OR bol*'), {
    words: 5,
    alternatives: 2,
    phrases: [],
    prefixes: ['terror', 'bol'],
  });
  // Filters cost nothing here (they are column lookups).
  assert.deepEqual(shapeOf('origin:lima tag:PTER year:2009'), {
    words: 0,
    alternatives: 0,
    phrases: [],
    prefixes: [],
  });
  assert.deepEqual(shapeOf('-(chile OR peru)'), {
    words: 2,
    alternatives: 2,
    phrases: [],
    prefixes: [],
  });
});

test('each limit refuses with a message naming what to narrow; at the limit the query passes', () => {
  const at = (q: string, expansion?: (p: string) => number | null) =>
    checkCost(shapeOf(q), LIMITS, expansion);
  assert.equal(at('a1 b1 c1 d1 e1 f1'), null);
  const words = at('a1 b1 c1 d1 e1 f1 g1');
  assert.equal(words?.reason, 'words');
  assert.match(words!.message, /7 words; at most 6/);

  assert.equal(at('aa OR bb OR cc OR dd'), null);
  const alts = at('aa OR bb OR cc OR dd OR ee');
  assert.equal(alts?.reason, 'alternatives');
  assert.match(alts!.message, /5 alternatives joined by OR; at most 4/);

  assert.equal(at('"one two three"'), null);
  const phrase = at('"one two three four"');
  assert.equal(phrase?.reason, 'phrase');
  assert.match(phrase!.message, /"one two three four" has 4 words; a phrase may have at most 3/);

  assert.equal(at('ab* cd* ab*'), null, 'the same word start counts once');
  const prefixes = at('ab* cd* ef*');
  assert.equal(prefixes?.reason, 'prefixes');
  assert.match(prefixes!.message, /3 word starts .* at most 2/);

  const counts: Record<string, number> = { el: 100, ex: 60, ec: 95 };
  const exp = (p: string) => counts[p] ?? null;
  const wide = checkCost(shapeOf('e1 ex*'), { ...LIMITS, maxPrefixes: 3 }, exp);
  assert.equal(wide, null);
  const e = checkCost(shapeOf('el* co*'), { ...LIMITS, maxPrefixes: 3 }, (p) =>
    p === 'co' ? 12000 : exp(p),
  );
  assert.equal(e?.reason, 'expansion');
  assert.equal(
    e?.message,
    'This search expands `co*` to 12,000 words (at most 100); use a longer prefix.',
  );
  assert.equal(
    checkCost(shapeOf('el* ex*'), LIMITS, exp)?.reason,
    'expanded',
    '160 words together is over 150',
  );
  assert.match(
    checkCost(shapeOf('el* ex*'), LIMITS, exp)!.message,
    /expand to 160 words together \(at most 150\)/,
  );
  assert.equal(checkCost(shapeOf('el* ec*'), { ...LIMITS, maxExpandedTotal: 195 }, exp), null);
  assert.equal(
    checkCost(shapeOf('zz* yy*'), LIMITS, () => null),
    null,
    'unknown expansions are not counted',
  );
});

test('the 500-character OR of word starts is refused before any matching', () => {
  const words = Array.from({ length: 80 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${i}*`);
  let q = '';
  for (const w of words) if ((q + ' OR ' + w).length <= 500) q = q ? `${q} OR ${w}` : w;
  assert.ok(q.length > 450);
  const refusal = checkCost(shapeOf(q), DEFAULT_COST_LIMITS);
  assert.ok(refusal, 'refused');
  assert.ok(['words', 'alternatives', 'prefixes'].includes(refusal.reason));
});

test('seeded random queries: the shape matches a direct count and the first limit over is reported', () => {
  const word = fc.stringMatching(/^[a-z]{2,6}$/);
  const clause = fc.oneof(
    word.map((w) => ({ text: w, words: 1, prefix: null as string | null, alt: 0, phrase: 0 })),
    word.map((w) => ({ text: `${w}*`, words: 1, prefix: w, alt: 0, phrase: 0 })),
    fc.array(word, { minLength: 2, maxLength: 5 }).map((ws) => ({
      text: `"${ws.join(' ')}"`,
      words: ws.length,
      prefix: null,
      alt: 0,
      phrase: ws.length,
    })),
    fc.array(word, { minLength: 2, maxLength: 4 }).map((ws) => ({
      text: ws.join(' OR '),
      words: ws.length,
      prefix: null,
      alt: ws.length,
      phrase: 0,
    })),
  );
  fc.assert(
    fc.property(fc.array(clause, { minLength: 1, maxLength: 8 }), (clauses) => {
      const q = clauses.map((c) => c.text).join(' ');
      const r = parseQuery(q);
      if (!r.ok) return; // two OR groups side by side may read differently; the counts below assume one reading
      const shape = queryShape(r.query);
      const words = clauses.reduce((s, c) => s + c.words, 0);
      assert.equal(shape.words, words, q);
      const prefixes = [...new Set(clauses.flatMap((c) => (c.prefix ? [c.prefix] : [])))];
      assert.deepEqual(shape.prefixes, prefixes, q);
      assert.equal(
        Math.max(0, ...shape.phrases.map((p) => p.words)),
        Math.max(0, ...clauses.map((c) => c.phrase)),
        q,
      );
      const refusal = checkCost(shape, LIMITS);
      const expected =
        words > LIMITS.maxWords
          ? 'words'
          : shape.alternatives > LIMITS.maxAlternatives
            ? 'alternatives'
            : shape.phrases.some((p) => p.words > LIMITS.maxPhraseWords)
              ? 'phrase'
              : prefixes.length > LIMITS.maxPrefixes
                ? 'prefixes'
                : null;
      assert.equal(refusal?.reason ?? null, expected, q);
    }),
    { seed: 20261205, numRuns: 500 },
  );
});

test('the searches people type are light; short or several word starts and long ORs wait in the heavy lane', () => {
  for (const q of [
    'lima',
    'oil embassy',
    '"human rights"',
    'minister -oil',
    'a OR b OR c',
    'terror*',
    'negotiat* peru',
  ])
    assert.equal(searchLane(shapeOf(q)), 'light', q);
  for (const q of [
    'terr*',
    'terror* OR econom*',
    'terror* econom*',
    'a OR b OR c OR d OR e',
    'one two three four five six seven eight nine',
    '"one two three four five six seven"',
  ])
    assert.equal(searchLane(shapeOf(q)), 'heavy', q);
});
