import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  canonicalClassifications,
  emptyFilters,
  looksLikeReferenceId,
  normalizeQuery,
  parseQuery,
  parseSearchParams,
  QuerySyntaxError,
  type ParsedQuery,
  type QueryFilters,
  type SearchFilters,
  type TextNode,
} from '../../src/search/query.ts';

const t = (text: string, negated = false): TextNode => ({
  type: 'term',
  text,
  prefix: false,
  negated,
});
const pre = (text: string, negated = false): TextNode => ({
  type: 'term',
  text,
  prefix: true,
  negated,
});
const ph = (text: string, negated = false): TextNode => ({ type: 'phrase', text, negated });
const or = (...any: TextNode[]): TextNode => ({ type: 'or', any });
const and = (...all: TextNode[]): TextNode => ({ type: 'and', all });
const f = (over: Partial<QueryFilters> = {}): QueryFilters => ({ ...emptyFilters(), ...over });

function parsed(q: string): ParsedQuery {
  const r = parseQuery(q);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(q)} to parse: ${r.error.message}`);
  return r.query;
}

describe('parseQuery: valid queries', () => {
  const cases: Array<[string, Partial<ParsedQuery>]> = [
    ['', { must: [], not: [] }],
    ['   \t\n ', { must: [] }],
    ['peru', { must: [t('peru')] }],
    ['Peru  terrorism', { must: [t('Peru'), t('terrorism')] }],
    ['"Shining Path"', { must: [ph('Shining Path')] }],
    ['"  shining \t path "', { must: [ph('shining path')] }],
    ['"peru"', { must: [ph('peru')] }],
    ['origin:lima terrorism', { must: [t('terrorism')], filters: f({ origin: ['lima'] }) }],
    [
      'origin:"Buenos  Aires" tango',
      { must: [t('tango')], filters: f({ origin: ['buenos aires'] }) },
    ],
    ['ORIGIN:Lima', { must: [], filters: f({ origin: ['lima'] }) }],
    ['tag:PTER', { must: [], filters: f({ tag: ['PTER'] }) }],
    ['tag:pter tag:PGOV tag:pter', { filters: f({ tag: ['PTER', 'PGOV'] }) }],
    ['classification:secret', { filters: f({ classification: ['SECRET', 'SECRET//NOFORN'] }) }],
    ['classification:"secret//noforn"', { filters: f({ classification: ['SECRET//NOFORN'] }) }],
    ['classification:Secret/NoForn', { filters: f({ classification: ['SECRET//NOFORN'] }) }],
    ['year:2009', { filters: f({ year: [2009] }) }],
    ['year:2009 year:2010', { filters: f({ year: [2009, 2010] }) }],
    ['ref:09LIMA1669', { filters: f({ ref: ['09LIMA1669'] }) }],
    ['ref:"09 lima 001669"', { filters: f({ ref: ['09LIMA1669'] }) }],
    ['ref:odd-id', { filters: f({ ref: ['ODD-ID'] }) }],
    ['kind:cables section:World', { filters: f({ kind: ['cable'], section: ['world'] }) }],
    ['from:2009-01-01 to:2009-12-31', { filters: f({ from: '2009-01-01', to: '2009-12-31' }) }],
    [
      'from:2009-01-01 from:2009-06-01 to:2010-01-01 to:2009-12-31',
      { filters: f({ from: '2009-06-01', to: '2009-12-31' }) },
    ],
    ['chile OR peru', { must: [or(t('chile'), t('peru'))] }],
    ['chile OR peru -bolivia', { must: [or(t('chile'), t('peru'))], not: [t('bolivia', true)] }],
    ['chile OR peru OR "el salvador"', { must: [or(t('chile'), t('peru'), ph('el salvador'))] }],
    [
      'mining chile OR peru copper',
      { must: [t('mining'), or(t('chile'), t('peru')), t('copper')] },
    ],
    ['chile or peru', { must: [t('chile'), t('or'), t('peru')] }],
    ['ORANGE OReo', { must: [t('ORANGE'), t('OReo')] }],
    ['terror*', { must: [pre('terror')] }],
    ['-terror*', { not: [pre('terror', true)] }],
    ['-bolivia', { must: [], not: [t('bolivia', true)] }],
    ['-"shining path" peru', { must: [t('peru')], not: [ph('shining path', true)] }],
    ['-origin:lima peru', { must: [t('peru')], excludedFilters: f({ origin: ['lima'] }) }],
    [
      '-tag:pter -classification:secret',
      { excludedFilters: f({ tag: ['PTER'], classification: ['SECRET', 'SECRET//NOFORN'] }) },
    ],
    ['al-qaeda 10:30 u.s.', { must: [t('al-qaeda'), t('10:30'), t('u.s.')] }],
    ['peru|chile | bolivia', { must: [t('peru'), t('chile'), t('bolivia')] }],
    ['peru\u0000\u200bchile\u0007', { must: [t('peru'), t('chile')] }],
    ['(chile OR peru) copper', { must: [or(t('chile'), t('peru')), t('copper')] }],
    ['(chile peru) copper', { must: [t('chile'), t('peru'), t('copper')] }],
    ['(shining path) OR sendero', { must: [or(and(t('shining'), t('path')), t('sendero'))] }],
    ['(a OR b) OR c', { must: [or(t('a'), t('b'), t('c'))] }],
    ['(shining -path) OR x', { must: [or(and(t('shining'), t('path', true)), t('x'))] }],
    ['-(chile OR peru) copper', { must: [t('copper')], not: [or(t('chile'), t('peru'))] }],
    ['-(shining path)', { not: [and(t('shining'), t('path'))] }],
    ['-(peru)', { not: [t('peru', true)] }],
    ['(origin:lima peru)', { must: [t('peru')], filters: f({ origin: ['lima'] }) }],
    ['origin:lima OR origin:cusco', { must: [], filters: f({ origin: ['lima', 'cusco'] }) }],
    ['year:2008 OR year:2009 peru', { must: [t('peru')], filters: f({ year: [2008, 2009] }) }],
    ['"OR" x', { must: [ph('OR'), t('x')] }],
    ['foo"bar baz"', { must: [t('foo'), ph('bar baz')] }],
    [
      '"shining path" peru origin:lima tag:PTER year:2009 -bolivia',
      {
        must: [ph('shining path'), t('peru')],
        not: [t('bolivia', true)],
        filters: f({ origin: ['lima'], tag: ['PTER'], year: [2009] }),
      },
    ],
  ];
  for (const [q, expected] of cases) {
    it(JSON.stringify(q), () => {
      const got = parsed(q);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(got[key as keyof ParsedQuery], value, key);
      }
      if (!('filters' in expected)) assert.deepEqual(got.filters, emptyFilters());
      if (!('excludedFilters' in expected)) assert.deepEqual(got.excludedFilters, emptyFilters());
    });
  }

  it('returns the whole structure for a combined query', () => {
    assert.deepEqual(parsed('terror* "Shining Path" -chile'), {
      must: [pre('terror'), ph('Shining Path')],
      not: [t('chile', true)],
      filters: emptyFilters(),
      excludedFilters: emptyFilters(),
      referenceId: null,
    });
  });

  it('accepts exactly 500 characters', () => {
    assert.equal(parseQuery('a'.repeat(500)).ok, true);
  });
});

describe('parseQuery: unknown fields are words', () => {
  const FILTERS =
    'Filters are origin:, tag:, classification:, year:, ref:, kind:, section:, from:, to:.';
  const cases: Array<[string, TextNode[], TextNode[], string[]]> = [
    ['foo:bar', [ph('foo bar')], [], ['foo']],
    ['TAGS: PREL', [t('TAGS'), t('PREL')], [], ['TAGS']],
    ['peru Author:smith', [t('peru'), ph('Author smith')], [], ['Author']],
    ['peru -author:smith', [t('peru')], [ph('author smith', true)], ['author']],
    [
      'subject: "shining path" tags:',
      [t('subject'), ph('shining path'), t('tags')],
      [],
      ['subject', 'tags'],
    ],
    ['foo:bar* chile', [t('foo'), pre('bar'), t('chile')], [], ['foo']],
    ['foo:a foo:b', [ph('foo a'), ph('foo b')], [], ['foo']],
  ];
  for (const [q, must, not, names] of cases) {
    it(q, () => {
      const got = parsed(q);
      assert.deepEqual(got.must, must);
      assert.deepEqual(got.not, not);
      assert.deepEqual(
        got.notices,
        names.map((n) => `"${n}:" is not a filter, so it was searched for as words. ${FILTERS}`),
      );
    });
  }

  it('known fields keep their meaning and say nothing', () => {
    const got = parsed('origin:lima Tag:PTER');
    assert.equal(got.notices, undefined);
    assert.deepEqual(got.filters.tag, ['PTER']);
  });

  it('normalises to the words it searched for', () => {
    assert.equal(normalizeQuery('TAGS: PREL'), 'prel tags');
    assert.equal(normalizeQuery('foo:bar'), '"foo bar"');
  });
});

describe('parseQuery: reference ids', () => {
  const cases: Array<[string, string | null]> = [
    ['09LIMA1669', '09LIMA1669'],
    ['09 LIMA 1669', '09LIMA1669'],
    ['09lima1669', '09LIMA1669'],
    ['09 LIMA 001669', '09LIMA1669'],
    ['  09LIMA001669  ', '09LIMA1669'],
    ['09 BUENOS AIRES 123', '09BUENOSAIRES123'],
    ['10STATE17263', '10STATE17263'],
    ['09LIMA0', '09LIMA0'],
    ['peru', null],
    ['09LIM1669', null],
    ['2009LIMA1669', null],
    ['09LIMA', null],
    ['ref:09LIMA1669', null],
    ['09LIMA1669 terrorism', null],
  ];
  for (const [q, id] of cases) {
    it(`${JSON.stringify(q)} → ${id}`, () => {
      assert.equal(looksLikeReferenceId(q), id);
      assert.equal(parsed(q).referenceId, id);
    });
  }

  it('still parses the id as ordinary words for a fallback search', () => {
    assert.deepEqual(parsed('09 LIMA 1669').must, [t('09'), t('LIMA'), t('1669')]);
  });

  it('applies a canonicalizer on top', () => {
    const canon = (id: string) => id.replace('LIMA', 'LIMA-');
    assert.equal(looksLikeReferenceId('09 lima 1669', canon), '09LIMA-1669');
    assert.equal(
      looksLikeReferenceId('09 lima 1669', () => null),
      null,
    );
    assert.equal(
      looksLikeReferenceId('09 lima 1669', () => {
        throw new Error('x');
      }),
      '09LIMA1669',
    );
    assert.equal(
      parseQuery('09lima1669', { canonicalizeId: canon }).ok && parsed('09lima1669').referenceId,
      '09LIMA1669',
    );
    const r = parseQuery('09lima1669 ref:09LIMA2', { canonicalizeId: canon });
    assert.ok(r.ok);
    assert.deepEqual(r.query.filters.ref, ['09LIMA-2']);
  });

  it('rejects non-strings and long input', () => {
    assert.equal(looksLikeReferenceId(undefined as unknown as string), null);
    assert.equal(looksLikeReferenceId('09 ' + 'A'.repeat(200) + ' 1'), null);
  });
});

describe('parseQuery: syntax errors', () => {
  const cases: Array<[string, string, number]> = [
    ['peru "shining path', 'Unclosed quote starting at character 6: add a closing ".', 5],
    ['origin:"buenos aires', 'Unclosed quote starting at character 8: add a closing ".', 7],
    ['""', 'Empty quotes at character 1: put words between the quotes or remove them.', 0],
    ['tag:"" x', 'Empty quotes at character 5: put words between the quotes or remove them.', 4],
    ['chile OR', 'OR at character 7 needs a word after it, as in "chile OR peru".', 6],
    ['OR chile', 'OR at character 1 needs a word before it, as in "chile OR peru".', 0],
    ['chile OR OR peru', 'OR at character 7 needs a word after it, as in "chile OR peru".', 6],
    ['(chile OR) peru', 'OR at character 8 needs a word after it, as in "chile OR peru".', 7],
    ['a OR )', 'OR at character 3 needs a word after it, as in "chile OR peru".', 2],
    [
      'peru -',
      'Nothing to exclude after - at character 6: put the word, phrase or filter right after it, as in -bolivia.',
      5,
    ],
    [
      '- peru',
      'Nothing to exclude after - at character 1: put the word, phrase or filter right after it, as in -bolivia.',
      0,
    ],
    [
      '(peru -)',
      'Nothing to exclude after - at character 7: put the word, phrase or filter right after it, as in -bolivia.',
      6,
    ],
    ['peru --bolivia', 'Two - signs at character 6: use a single - to exclude.', 5],
    ['tag:', 'tag: at character 1 needs a value, as in tag:PTER.', 0],
    ['origin: lima', 'origin: at character 1 needs a value, as in origin:lima.', 0],
    ['peru year:', 'year: at character 6 needs a value, as in year:2009.', 5],
    [
      'year:abc',
      'year: at character 6 needs a four-digit year between 1966 and 2100, not "abc".',
      5,
    ],
    [
      'year:1800',
      'year: at character 6 needs a four-digit year between 1966 and 2100, not "1800".',
      5,
    ],
    [
      'year:20099',
      'year: at character 6 needs a four-digit year between 1966 and 2100, not "20099".',
      5,
    ],
    [
      '*',
      'A * on its own at character 1 matches nothing: put it after the start of a word, as in terror*.',
      0,
    ],
    [
      'peru *',
      'A * on its own at character 6 matches nothing: put it after the start of a word, as in terror*.',
      5,
    ],
    [
      '***',
      'A * on its own at character 1 matches nothing: put it after the start of a word, as in terror*.',
      0,
    ],
    ['t*', 'The prefix "t*" at character 1 is too short: use at least 2 letters before the *.', 0],
    ['-p*', 'The prefix "p*" at character 2 is too short: use at least 2 letters before the *.', 1],
    [
      'a.*',
      'The prefix "a.*" at character 1 is too short: use at least 2 letters before the *.',
      0,
    ],
    ['ter*or', 'A * at character 4 can only end a word, as in terror*.', 3],
    ['terror**', 'A * at character 7 can only end a word, as in terror*.', 6],
    [
      '"shining path"*',
      'A * at character 15 can only end a word, not a phrase: remove it or the quotes.',
      14,
    ],
    [
      'origin:lim*',
      "origin: at character 1 can't use *: give the whole value, as in origin:lima.",
      0,
    ],
    ['peru ( ', 'Unclosed parenthesis at character 6: add a closing ).', 5],
    ['peru )', 'Unmatched ) at character 6: there is no ( for it to close; remove it.', 5],
    ['()', 'Empty parentheses at character 1: put words inside or remove them.', 0],
    [
      'classification:topsecret',
      'Unknown classification "topsecret" at character 16: use secret, confidential, unclassified, secret//noforn, confidential//noforn, unclassified//fouo or noforn.',
      15,
    ],
    ['kind:memo', 'Unknown kind "memo" at character 6: use kind:cable or kind:story.', 5],
    [
      'from:2009-02-30',
      'from: at character 6 needs a date written YYYY-MM-DD, as in from:2009-06-30, not "2009-02-30".',
      5,
    ],
    [
      'to:yesterday',
      'to: at character 4 needs a date written YYYY-MM-DD, as in to:2009-06-30, not "yesterday".',
      3,
    ],
    ['-from:2009-01-01', "from: at character 1 can't be excluded with -.", 0],
    [
      'chile OR -peru',
      "An excluded alternative at character 10 can't be joined with OR: exclude it outside the OR.",
      9,
    ],
    [
      'chile OR -(a b)',
      "An excluded alternative at character 10 can't be joined with OR: exclude it outside the OR.",
      9,
    ],
    [
      'chile OR origin:lima',
      "The origin: filter at character 10 can't be joined with OR to words: put it on its own.",
      9,
    ],
    [
      'tag:PTER OR tag:PGOV',
      "tag: filters at character 1 can't be joined with OR: several tags all have to match.",
      0,
    ],
    [
      'origin:lima OR -origin:cusco',
      'Filters joined with OR at character 16 must all be the same field and not excluded, as in origin:lima OR origin:cusco.',
      15,
    ],
    [
      'origin:lima OR year:2009',
      'Filters joined with OR at character 16 must all be the same field and not excluded, as in origin:lima OR origin:cusco.',
      15,
    ],
    [
      '(origin:lima) OR chile',
      "The origin: filter at character 2 can't go inside an OR or an excluded group: put it on its own.",
      1,
    ],
    [
      '-(origin:lima peru)',
      "The origin: filter at character 3 can't go inside an OR or an excluded group: put it on its own.",
      2,
    ],
    [
      '-(-peru)',
      'The group at character 1 excludes an excluded word: remove one of the - signs.',
      0,
    ],
    [
      '(a -(b c)) OR d',
      "The excluded group at character 4 can't be nested inside another group: exclude its words one by one.",
      3,
    ],
    [
      '(-a -b) OR c',
      'The group at character 1 only excludes words: add a word it should match.',
      0,
    ],
    ['x'.repeat(501), 'The query is too long (501 characters): the limit is 500.', 500],
  ];
  for (const [q, message, position] of cases) {
    it(JSON.stringify(q.length > 40 ? q.slice(0, 20) + '…' : q), () => {
      const r = parseQuery(q);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.ok(r.error instanceof QuerySyntaxError);
      assert.equal(r.error.message, message);
      assert.equal(r.error.position, position);
      assert.ok(position >= 0 && position <= q.length);
    });
  }

  it('reports a non-string query instead of throwing', () => {
    const r = parseQuery(undefined as unknown as string);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.message, 'The query must be text.');
  });

  it('never throws and always gives a position inside the query (property)', () => {
    const alphabet = fc.constantFrom(
      'a',
      'b',
      'Z',
      '0',
      '9',
      ' ',
      '\t',
      '"',
      '(',
      ')',
      '-',
      '*',
      ':',
      '|',
      '.',
      'é',
      '\u0000',
      '\u200b',
      'OR',
      'or',
      'tag:',
      'origin:',
      'year:',
      'foo:',
      'classification:',
      'ref:',
      'from:',
      '2009',
      '09LIMA1669',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map((xs) => xs.join('')),
        (q) => {
          const r = parseQuery(q);
          if (!r.ok) {
            assert.ok(r.error instanceof QuerySyntaxError);
            assert.ok(
              r.error.position >= 0 && r.error.position <= q.length,
              `${q}: ${r.error.position}`,
            );
            assert.ok(r.error.message.length > 0);
          }
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 600, unit: 'binary' }), (q) => {
        parseQuery(q);
      }),
      { numRuns: 1000 },
    );
  });

  it('copes with deep nesting and huge input', () => {
    assert.equal(parseQuery('('.repeat(200) + 'a' + ')'.repeat(200)).ok, true);
    assert.equal(parseQuery('('.repeat(500)).ok, false);
    const r = parseQuery('"'.repeat(1_000_000));
    assert.ok(!r.ok && r.error.position === 500);
  });
});

describe('canonicalClassifications', () => {
  const cases: Array<[string, string[] | null]> = [
    ['secret', ['SECRET', 'SECRET//NOFORN']],
    ['SECRET', ['SECRET', 'SECRET//NOFORN']],
    [' Confidential ', ['CONFIDENTIAL', 'CONFIDENTIAL//NOFORN']],
    ['unclassified', ['UNCLASSIFIED', 'UNCLASSIFIED//FOR OFFICIAL USE ONLY']],
    ['secret//noforn', ['SECRET//NOFORN']],
    ['SECRET/NOFORN', ['SECRET//NOFORN']],
    ['secret-noforn', ['SECRET//NOFORN']],
    ['secret noforn', ['SECRET//NOFORN']],
    ['confidential//NOFORN', ['CONFIDENTIAL//NOFORN']],
    ['noforn', ['SECRET//NOFORN', 'CONFIDENTIAL//NOFORN']],
    ['unclassified//fouo', ['UNCLASSIFIED//FOR OFFICIAL USE ONLY']],
    ['UNCLASSIFIED//FOR OFFICIAL USE ONLY', ['UNCLASSIFIED//FOR OFFICIAL USE ONLY']],
    ['fouo', ['UNCLASSIFIED//FOR OFFICIAL USE ONLY']],
    ['top secret', null],
    ['', null],
    ['secret//fouo', null],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(canonicalClassifications(input), expected));
  }
});

describe('normalizeQuery', () => {
  const cases: Array<[string, SearchFilters, string]> = [
    ['', {}, ''],
    ['   ', {}, ''],
    ['peru', {}, 'peru'],
    ['Peru  terrorism', {}, 'peru terrorism'],
    ['"Shining  Path"', {}, '"shining path"'],
    [
      'terrorism peru "Shining Path" origin:lima tag:PTER year:2009',
      {},
      '"shining path" peru terrorism | origin:lima tag:PTER year:2009',
    ],
    ['peru OR chile -bolivia', {}, 'chile OR peru -bolivia'],
    ['-bolivia copper -"el alto"', {}, 'copper -"el alto" -bolivia'],
    ['peru peru PERU', {}, 'peru'],
    ['terror*', {}, 'terror*'],
    ['(shining path) OR sendero', {}, '(path shining) OR sendero'],
    ['-(peru OR chile)', {}, '-(chile OR peru)'],
    ['-(b a)', {}, '-(a b)'],
    ['tag:pter', {}, 'tag:PTER'],
    ['tag:pgov tag:PTER', { tag: ['pter', 'PECON'] }, 'tag:PECON tag:PGOV tag:PTER'],
    ['classification:SECRET', {}, 'classification:secret'],
    ['classification:secret', { classification: 'Secret/NoForn' }, 'classification:secret'],
    [
      'classification:noforn',
      {},
      'classification:secret//noforn classification:confidential//noforn',
    ],
    ['classification:fouo', {}, 'classification:unclassified//fouo'],
    ['', { origin: 'Buenos Aires', kind: 'cable' }, 'kind:cable origin:"buenos aires"'],
    ['peru', { origin: '', tag: [], section: ' ' }, 'peru'],
    [
      'peru',
      { year: 2009, from: '2009-01-01', to: '2009-06-30', section: 'World' },
      'peru | year:2009 section:world from:2009-01-01 to:2009-06-30',
    ],
    ['from:2009-03-01', { from: '2009-01-01' }, 'from:2009-03-01'],
    ['-origin:lima origin:cusco peru', {}, 'peru | origin:cusco -origin:lima'],
    ['origin:lima OR origin:cusco', {}, 'origin:cusco origin:lima'],
    ['09 LIMA 001669', {}, '09lima1669'],
    ['09LIMA1669', { origin: 'lima' }, '09lima1669 | origin:lima'],
    ['ref:"09 lima 1669"', {}, 'ref:09LIMA1669'],
    ['chile or peru', {}, 'chile or peru'],
    ['peru "shining', {}, 'peru "shining'],
    ['peru  "shining', { origin: 'Lima' }, 'peru "shining | origin:lima'],
    ['peru', { classification: 'bogus' }, 'peru | classification:bogus'],
    ['peru', { year: 1492 }, 'peru | year:1492'],
    ['origin:"la paz" OR', { origin: 'Lima' }, 'origin:"la paz" origin:lima'],
  ];
  for (const [q, filters, expected] of cases) {
    it(`${JSON.stringify(q)} ${JSON.stringify(filters)}`, () => {
      const n = normalizeQuery(q, filters);
      assert.equal(n, expected);
      assert.equal(normalizeQuery(n, {}), n, 'idempotent');
    });
  }

  const equivalent: Array<[[string, SearchFilters], [string, SearchFilters]]> = [
    [
      ['Peru  terrorism', {}],
      ['terrorism peru', {}],
    ],
    [
      ['tag:pter', {}],
      ['', { tag: ['PTER'] }],
    ],
    [
      ['peru origin:Lima', {}],
      ['PERU', { origin: 'lima' }],
    ],
    [
      ['chile OR peru', {}],
      ['(peru OR chile)', {}],
    ],
    [
      ['a OR (b OR c)', {}],
      ['c OR b OR a', {}],
    ],
    [
      ['classification:secret', {}],
      ['', { classification: 'SECRET' }],
    ],
    [
      ['09 LIMA 1669', {}],
      ['09lima001669', {}],
    ],
    [
      ['year:2009', {}],
      ['', { year: 2009 }],
    ],
    [
      ['"a  b"  |  c', {}],
      ['c "A B"', {}],
    ],
  ];
  for (const [[q1, f1], [q2, f2]] of equivalent) {
    it(`${JSON.stringify(q1)} ≡ ${JSON.stringify(q2)} ${JSON.stringify(f2)}`, () => {
      assert.equal(normalizeQuery(q1, f1), normalizeQuery(q2, f2));
    });
  }

  it('keeps different searches apart', () => {
    assert.notEqual(normalizeQuery('"shining path"', {}), normalizeQuery('shining path', {}));
    assert.notEqual(normalizeQuery('peru -chile', {}), normalizeQuery('peru chile', {}));
    assert.notEqual(normalizeQuery('terror*', {}), normalizeQuery('terror', {}));
    assert.notEqual(normalizeQuery('chile OR peru', {}), normalizeQuery('chile peru', {}));
  });

  it('parses back to the same search', () => {
    const q =
      'terrorism peru "Shining Path" -bolivia chile OR ecuador origin:lima tag:pter year:2009 -classification:unclassified';
    const a = parsed(q);
    const b = parsed(normalizeQuery(q, {}));
    assert.deepEqual(b.filters, { ...a.filters, tag: ['PTER'] });
    assert.deepEqual(b.excludedFilters.classification, a.excludedFilters.classification);
    assert.equal(b.must.length, a.must.length);
    assert.equal(b.not.length, a.not.length);
  });

  it('is idempotent and never throws (property)', () => {
    const alphabet = fc.constantFrom(
      'a',
      'b',
      'Peru',
      '0',
      ' ',
      '"',
      '(',
      ')',
      '-',
      '*',
      'ter*',
      '|',
      'é',
      '\u0007',
      ' OR ',
      'tag:x ',
      'origin:"la paz" ',
      'year:2009 ',
      'classification:noforn ',
      'ref:09lima1 ',
      'kind:story ',
      'from:2009-01-02 ',
      'to:2010-01-01 ',
      '09 LIMA 12',
    );
    const filters = fc.record(
      {
        origin: fc.constantFrom('Lima', 'la paz', ''),
        tag: fc.array(fc.constantFrom('pter', 'PGOV', '', 'ovip (x)')),
        classification: fc.constantFrom('secret', 'noforn', 'bogus'),
        year: fc.constantFrom(2009, 1492),
        kind: fc.constantFrom('cable' as const, 'story' as const),
        from: fc.constantFrom('2008-01-01', 'nope'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 25 }).map((xs) => xs.join('')),
        filters,
        (q, fl) => {
          const n = normalizeQuery(q, fl);
          assert.equal(
            normalizeQuery(n, {}),
            n,
            `${JSON.stringify(q)} ${JSON.stringify(fl)} → ${n}`,
          );
        },
      ),
      { numRuns: 10000 },
    );
  });
});

describe('parseSearchParams', () => {
  it('applies defaults', () => {
    assert.deepEqual(parseSearchParams({}), {
      ok: true,
      value: { q: '', tag: [], sort: 'newest', page: 1, size: 20 },
    });
    assert.deepEqual(parseSearchParams({ q: 'peru' }), {
      ok: true,
      value: { q: 'peru', tag: [], sort: 'relevance', page: 1, size: 20 },
    });
  });

  it('parses every parameter', () => {
    const r = parseSearchParams({
      q: 'shining path',
      kind: 'cable',
      origin: 'Lima',
      classification: 'SECRET',
      tag: ['pter', 'PGOV', 'PTER'],
      year: '2009',
      from: '2009-01-01',
      to: '2009-12-31',
      section: 'world',
      sort: 'oldest',
      page: '3',
      size: '50',
      utm_source: 'ignored',
    });
    assert.deepEqual(r, {
      ok: true,
      value: {
        q: 'shining path',
        kind: 'cable',
        origin: 'Lima',
        classification: 'secret',
        tag: ['PTER', 'PGOV'],
        year: 2009,
        from: '2009-01-01',
        to: '2009-12-31',
        section: 'world',
        sort: 'oldest',
        page: 3,
        size: 50,
      },
    });
  });

  it('treats empty form fields as absent and a single tag as a list', () => {
    assert.deepEqual(
      parseSearchParams({ q: '', kind: '', year: '', tag: 'pter', sort: '', page: '' }),
      {
        ok: true,
        value: { q: '', tag: ['PTER'], sort: 'newest', page: 1, size: 20 },
      },
    );
  });

  it('keeps an explicit sort even without a query', () => {
    const r = parseSearchParams({ sort: 'relevance' });
    assert.ok(r.ok && r.value.sort === 'relevance');
  });

  it('reads URLSearchParams, with repeated tags', () => {
    const r = parseSearchParams(new URLSearchParams('q=peru&tag=pter&tag=pgov&page=2'));
    assert.deepEqual(r, {
      ok: true,
      value: { q: 'peru', tag: ['PTER', 'PGOV'], sort: 'relevance', page: 2, size: 20 },
    });
  });

  const errors: Array<[unknown, string]> = [
    [{ size: '0' }, 'size must be between 1 and 100'],
    [{ size: '101' }, 'size must be between 1 and 100'],
    [{ size: 'ten' }, 'size must be a whole number'],
    [{ size: '2.5' }, 'size must be a whole number'],
    [{ page: '0' }, 'page must be between 1 and 1000'],
    [{ page: '1001' }, 'page must be between 1 and 1000'],
    [{ page: ['1', '2'] }, 'page must be a whole number'],
    [{ year: '1965' }, 'year must be between 1966 and 2100'],
    [{ year: 'abc' }, 'year must be a whole number'],
    [{ q: 'x'.repeat(501) }, 'q must be at most 500 characters'],
    [{ q: ['a', 'b'] }, 'q must be given once, as text'],
    [{ kind: 'memo' }, 'kind must be one of cable, story'],
    [{ sort: 'best' }, 'sort must be one of relevance, newest, oldest'],
    [
      { classification: 'top secret' },
      'classification must be one of secret, confidential, unclassified, secret//noforn, confidential//noforn, unclassified//fouo or noforn',
    ],
    [{ from: '2009-02-30' }, 'from must be a real date written YYYY-MM-DD, like 2009-06-30'],
    [{ to: '30/06/2009' }, 'to must be a real date written YYYY-MM-DD, like 2009-06-30'],
    [{ from: '2009-12-31', to: '2009-01-01' }, 'from must be on or before to'],
    [{ origin: ['lima', 'cusco'] }, 'origin must be given once, as text'],
    [{ tag: 'x'.repeat(101) }, 'tag must be at most 100 characters each'],
    [{ size: '0', page: '0' }, 'page must be between 1 and 1000; size must be between 1 and 100'],
    [null, 'search parameters must be an object'],
    ['q=peru', 'search parameters must be an object'],
  ];
  for (const [input, message] of errors) {
    it(`rejects ${JSON.stringify(input).slice(0, 60)}`, () => {
      assert.deepEqual(parseSearchParams(input), { ok: false, error: message });
    });
  }
});

it('normalizeQuery given the parse it would make: the same result, and the parse is not changed', () => {
  for (const [q, explicit] of [
    ['lima origin:Lima', { origin: ['Embassy Quito'], year: [2008] }],
    ['"shining path" -bolivia tag:PTER', { tag: ['PGOV'], classification: ['secret'] }],
    ['chile OR', { origin: ['x'] }],
    ['09LIMA1669', {}],
  ] as [string, Record<string, unknown>][]) {
    const parsed = parseQuery(q);
    const before = JSON.stringify(parsed);
    assert.equal(normalizeQuery(q, explicit, {}, parsed), normalizeQuery(q, explicit), q);
    assert.equal(JSON.stringify(parsed), before, `${q}: the given parse is unchanged`);
  }
});
