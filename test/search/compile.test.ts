import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { parseQuery, type ParsedQuery } from '../../src/search/query.ts';
import {
  highlightTerms,
  tagsMatchedByText,
  toFts5Match,
  toTsQuery,
  type Fts5Match,
} from '../../src/search/compile.ts';

function parsed(q: string): ParsedQuery {
  const r = parseQuery(q);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(q)} to parse: ${r.error.message}`);
  return r.query;
}

const meanings: Record<string, string> = {
  PTER: 'Terrorists and Terrorism',
  PGOV: 'Internal Governmental Affairs',
  PE: 'Peru',
};
const tagMeaning = (code: string) => meanings[code] ?? null;

// [query, FTS5 result, tsquery, highlight]
const cases: Array<[string, Fts5Match | null, string | null, string[]]> = [
  ['', null, null, []],
  ['origin:lima year:2009', null, null, []],
  ['peru', { match: '"peru"', exclude: null }, 'peru', ['peru']],
  [
    'Peru Terrorism',
    { match: '"peru" AND "terrorism"', exclude: null },
    'peru & terrorism',
    ['peru', 'terrorism'],
  ],
  [
    '"Shining Path"',
    { match: '"shining path"', exclude: null },
    '(shining <-> path)',
    ['shining', 'path'],
  ],
  ['origin:lima terrorism', { match: '"terrorism"', exclude: null }, 'terrorism', ['terrorism']],
  ['terror*', { match: '"terror"*', exclude: null }, 'terror:*', ['terror']],
  ['al-qa*', { match: '"al qa"*', exclude: null }, '(al <-> qa:*)', ['al', 'qa']],
  [
    'chile OR peru',
    { match: '("chile" OR "peru")', exclude: null },
    '(chile | peru)',
    ['chile', 'peru'],
  ],
  [
    'chile OR peru -bolivia',
    { match: '("chile" OR "peru") NOT "bolivia"', exclude: null },
    '(chile | peru) & !bolivia',
    ['chile', 'peru'],
  ],
  [
    'copper chile OR peru -bolivia -"el alto"',
    { match: '("copper" AND ("chile" OR "peru")) NOT ("bolivia" OR "el alto")', exclude: null },
    'copper & (chile | peru) & !bolivia & !(el <-> alto)',
    ['copper', 'chile', 'peru'],
  ],
  ['-bolivia', { match: null, exclude: '"bolivia"' }, '!bolivia', []],
  [
    '-bolivia -"el alto" origin:lima',
    { match: null, exclude: '"bolivia" OR "el alto"' },
    '!bolivia & !(el <-> alto)',
    [],
  ],
  [
    '(shining path) OR sendero',
    { match: '(("shining" AND "path") OR "sendero")', exclude: null },
    '((shining & path) | sendero)',
    ['shining', 'path', 'sendero'],
  ],
  [
    '(shining -path) OR sendero',
    { match: '(("shining" NOT "path") OR "sendero")', exclude: null },
    '((shining & !path) | sendero)',
    ['shining', 'sendero'],
  ],
  [
    'peru -(chile OR bolivia)',
    { match: '"peru" NOT ("chile" OR "bolivia")', exclude: null },
    'peru & !(chile | bolivia)',
    ['peru'],
  ],
  [
    'peru -(shining path)',
    { match: '"peru" NOT ("shining" AND "path")', exclude: null },
    'peru & !(shining & path)',
    ['peru'],
  ],
  ['-terror*', { match: null, exclude: '"terror"*' }, '!terror:*', []],
  ['09LIMA1669', { match: '"09lima1669"', exclude: null }, '09lima1669', ['09lima1669']],
  ['José Martí', { match: '"josé" AND "martí"', exclude: null }, 'jose & marti', ['josé', 'martí']],
  [
    'AND NOT OR near NEAR(a)',
    { match: '"and" AND ("not" OR "near") AND "near" AND "a"', exclude: null },
    'and & (not | near) & near & a',
    ['and', 'not', 'near', 'a'],
  ],
  [
    "o'brien's & | ! 1:2 <-> \\ ' x",
    { match: '"o brien s" AND "1 2" AND "x"', exclude: null },
    '(o <-> brien <-> s) & (1 <-> 2) & x',
    ['o', 'brien', 's', '1', '2', 'x'],
  ],
  ['!!! ...', null, null, []],
  ['peru OR ???', { match: '"peru"', exclude: null }, 'peru', ['peru']],
  ['peru -???', { match: '"peru"', exclude: null }, 'peru', ['peru']],
  ['"Москва" 北京', { match: '"москва" AND "北京"', exclude: null }, null, ['москва', '北京']],
  ['PERU peru', { match: '"peru" AND "peru"', exclude: null }, 'peru & peru', ['peru']],
  ['tag:PTER', null, null, []],
];

describe('toFts5Match', () => {
  for (const [q, fts] of cases) {
    it(JSON.stringify(q), () => assert.deepEqual(toFts5Match(parsed(q)), fts));
  }
});

describe('toTsQuery', () => {
  for (const [q, , ts] of cases) {
    it(JSON.stringify(q), () => assert.equal(toTsQuery(parsed(q)), ts));
  }
});

describe('highlightTerms', () => {
  for (const [q, , , words] of cases) {
    it(JSON.stringify(q), () => assert.deepEqual(highlightTerms(parsed(q)), words));
  }
});

describe('tag meanings', () => {
  it('ORs a tag meaning into the text match', () => {
    const q = parsed('tag:PTER peru');
    assert.deepEqual(toFts5Match(q, { tagMeaning }), {
      match: '"peru" AND ("pter" OR "terrorists and terrorism")',
      exclude: null,
    });
    assert.equal(
      toTsQuery(q, { tagMeaning }),
      'peru & (pter | (terrorists <-> and <-> terrorism))',
    );
    assert.deepEqual(highlightTerms(q, { tagMeaning }), [
      'peru',
      'pter',
      'terrorists',
      'and',
      'terrorism',
    ]);
    assert.deepEqual(tagsMatchedByText(q, { tagMeaning }), ['PTER']);
  });

  it('gives a text match for a tag-only query', () => {
    const q = parsed('tag:pter');
    assert.deepEqual(q.filters.tag, ['PTER']);
    assert.deepEqual(toFts5Match(q, { tagMeaning }), {
      match: '("pter" OR "terrorists and terrorism")',
      exclude: null,
    });
  });

  it('leaves tags without a known meaning, and excluded tags, to the column filter', () => {
    const q = parsed('tag:XYZZ -tag:PGOV peru');
    assert.deepEqual(toFts5Match(q, { tagMeaning }), { match: '"peru"', exclude: null });
    assert.equal(toTsQuery(q, { tagMeaning }), 'peru');
    assert.deepEqual(tagsMatchedByText(q, { tagMeaning }), []);
    assert.deepEqual(tagsMatchedByText(parsed('tag:PTER'), {}), []);
  });

  it('ignores a meaning with nothing searchable in it', () => {
    const q = parsed('tag:PTER');
    assert.equal(toFts5Match(q, { tagMeaning: () => '—' }), null);
    assert.deepEqual(tagsMatchedByText(q, { tagMeaning: () => '—' }), []);
  });
});

describe('FTS5 expressions run on SQLite', () => {
  const db = new Database(':memory:');
  db.exec(
    "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
  );
  const docs = [
    [
      'Shining Path attack',
      'Terrorists of the Shining Path attacked a police post in Peru. TAGS: PTER PGOV PE',
    ],
    ['Copper prices', 'Mining in Chile and Peru; Bolivia watches the copper market from El Alto.'],
    ['Sendero in the valley', 'Sendero Luminoso remnants traffic cocaine. TAGS: SNAR PE'],
    ['Bolivian elections', 'Morales won in Bolivia. TAGS: PGOV BL'],
    ["O'Brien visits", "Ambassador O'Brien met José Martí scholars in Havana."],
    ['Terrorism report', 'The annual report on terrorists and terrorism in the region.'],
  ];
  const insert = db.prepare('INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)');
  docs.forEach(([title, body], i) => insert.run(i + 1, title, body));
  const search = db.prepare('SELECT rowid AS id FROM docs WHERE docs MATCH ? ORDER BY rowid');
  const excluding = db.prepare(
    'SELECT rowid AS id FROM docs WHERE rowid NOT IN (SELECT rowid FROM docs WHERE docs MATCH ?) ORDER BY rowid',
  );

  function run(q: string, opts = {}): number[] | null {
    const m = toFts5Match(parsed(q), opts);
    if (!m) return null;
    const rows = (m.match ? search.all(m.match) : excluding.all(m.exclude)) as Array<{
      id: number;
    }>;
    return rows.map((r) => r.id);
  }

  const expected: Array<[string, number[] | null]> = [
    ['"Shining Path"', [1]],
    ['shining peru', [1]],
    ['terror*', [1, 6]],
    ['terrorism', [6]],
    ['chile OR peru -bolivia', [1]],
    ['chile OR peru', [1, 2]],
    ['-bolivia', [1, 3, 5, 6]],
    ['-bolivia -peru', [3, 5, 6]],
    ['(shining path) OR sendero', [1, 3]],
    ['peru -(shining path)', [2]],
    ['"el alto"', [2]],
    ["o'brien", [5]],
    ['jose marti', [5]],
    ['AND OR NOT', [2, 6]],
    ['NEAR(peru)', []],
    ['bolivia*', [2, 4]],
    ['origin:lima', null],
  ];
  for (const [q, ids] of expected) {
    it(JSON.stringify(q), () => {
      assert.deepEqual(run(q), ids);
    });
  }

  it('matches a tag through its code or its meaning', () => {
    assert.deepEqual(run('tag:PTER', { tagMeaning }), [1, 6]);
    assert.deepEqual(run('tag:PE', { tagMeaning }), [1, 2, 3]);
  });

  it('never produces an expression SQLite rejects (property)', () => {
    const alphabet = fc.constantFrom(
      'a',
      'peru',
      'Chile',
      ' ',
      '"',
      '(',
      ')',
      '-',
      '*',
      'ter*',
      ':',
      '^',
      '+',
      "'",
      '.',
      'é',
      '\u0000',
      ' OR ',
      ' AND ',
      ' NOT ',
      'NEAR',
      '{title}',
      'title:',
      'body:',
      'tag:PTER ',
      '&',
      '|',
      '!',
      '<->',
      '\\',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 30 }).map((xs) => xs.join('')),
        (q) => {
          const r = parseQuery(q);
          if (!r.ok) return;
          const m = toFts5Match(r.query, { tagMeaning });
          if (!m) return;
          assert.ok((m.match === null) !== (m.exclude === null));
          if (m.match) search.all(m.match);
          else excluding.all(m.exclude);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('tsquery text is always made of safe lexemes (property)', () => {
  it('contains only [a-z0-9], operators and parentheses, balanced', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (q) => {
        const r = parseQuery(q);
        if (!r.ok) return;
        const ts = toTsQuery(r.query, { tagMeaning });
        if (ts === null) return;
        assert.match(ts, /^[a-z0-9 &|!():*<>-]+$/);
        let depth = 0;
        for (const ch of ts) {
          depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
          assert.ok(depth >= 0);
        }
        assert.equal(depth, 0);
        assert.doesNotMatch(ts, /\(\)|&\s*&|&\s*$|^\s*&|\|\s*\)/);
      }),
      { numRuns: 3000 },
    );
  });
});
