/**
 * Two-word phrases answered from the term index's adjacent-pair bitmaps (src/search/terms.ts
 * docPairKeys, PairTracker): the same documents as the engine's own phrase search, including the
 * places where the engines see adjacency differently (PostgreSQL: fields form one position
 * sequence, stop words hold a position, hyphenated compounds take one of their own, "-10" is a
 * number), for documents in the built postings and documents changed after the build.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService } from '../../src/search/service.ts';
import { parseQuery } from '../../src/search/query.ts';
import { PAIRS, docPairKeys, pairKey } from '../../src/search/terms-pairs.ts';
import type { MemorySearchIndex } from '../../src/search/memory.ts';
import { generatedArchive, termIndexReady, type Archive, type Site } from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

/** Title and body pairs written to probe adjacency (ours, not corpus text). */
const CRAFTED: [string, string][] = [
  ['Talks on the', 'Minister said the new foreign-minister would visit.'],
  ['Budget 2009-10 talks', 'The anti-terrorism-law act passed; foreign minister Quill spoke.'],
  ['Quill visit', 'Minister of state and the minister for trade met. New foreign policy.'],
];
const CHANGED: [string, string][] = [
  [
    'Minister Quill',
    'Foreign minister Quill said the anti-terrorism talks on the border went well.',
  ],
];
const PHRASES = [
  'new foreign',
  'foreign minister',
  'minister said',
  'talks minister',
  'the minister',
  '2009 10',
  '10 talks',
  'anti terrorism',
  'terrorism law',
  'law act',
  'minister quill',
  'quill visit',
  'visit minister',
  'prime minister',
  'human rights',
];

describe(`two-word phrases from adjacent pairs on ${ENGINE}`, () => {
  let archive: Archive;
  let site: Site;
  let svc: SearchService;
  const saved = { ...PAIRS };

  /** Gives the cables with these ids (in order) the crafted titles and bodies. */
  const rewrite = async (ids: number[], texts: [string, string][]) => {
    for (let i = 0; i < texts.length; i++)
      await site.db.kysely
        .updateTable('cables')
        .set({ title: texts[i][0], body: texts[i][1] })
        .where('id', '=', ids[i])
        .execute();
  };
  const cableIds = async (order: 'asc' | 'desc', n: number) =>
    (
      await site.db.kysely.selectFrom('cables').select('id').orderBy('id', order).limit(n).execute()
    ).map((r) => r.id);

  before(async () => {
    archive = await generatedArchive(300, 3);
    site = archive.site;
    await rewrite(await cableIds('asc', CRAFTED.length), CRAFTED);
    // Every pair is tracked on this small archive.
    Object.assign(PAIRS, { sample: 1_000_000, share: 0 });
    svc = new SearchService(site.db, await openSearchIndex(site.db), { memoryIndex: true });
    await termIndexReady(svc);
  });

  after(async () => {
    Object.assign(PAIRS, saved);
    await svc?.index.close();
    await archive?.cleanup();
  });

  const compare = async () => {
    const mem = svc.index as MemorySearchIndex;
    const before = { ...svc.terms!.phraseStats };
    for (const phrase of PHRASES) {
      const parsed = parseQuery(`"${phrase}"`, {});
      assert.ok(parsed.ok);
      await svc.columns.sync();
      const a = await mem.match('cable', parsed.query);
      const b = await mem.inner.match('cable', parsed.query);
      assert.deepEqual(a && Array.from(a), b && Array.from(b), `"${phrase}"`);
    }
    return svc.terms!.phraseStats.pairs - before.pairs;
  };

  test('match sets equal the engine phrase search for built documents', async () => {
    const fromPairs = await compare();
    assert.ok(fromPairs >= 10, `${fromPairs} phrases answered from pairs`);
  });

  test('and for documents changed after the build', async () => {
    await rewrite(await cableIds('desc', CHANGED.length), CHANGED);
    const [first] = await cableIds('asc', 1);
    await site.db.kysely
      .updateTable('cables')
      .set({ body: 'Nothing to see.' })
      .where('id', '=', first)
      .execute();
    assert.ok((await compare()) >= 10);
  });

  test('docPairKeys: adjacency as each engine sees it', () => {
    const surface = new Map<string, number[]>([
      ['talks', [1]],
      ['on', [2]],
      ['the', [3]],
      ['minister', [4]],
      ['new', [5]],
      ['foreign', [6]],
      ['2009', [7]],
      ['10', [8]],
    ]);
    const pgSurface = new Map(surface);
    pgSurface.set('on', []);
    pgSurface.set('the', []);
    const keys = (engine: 'sqlite' | 'postgres', texts: string[]) => {
      const out: number[] = [];
      docPairKeys(engine, texts, engine === 'sqlite' ? surface : pgSurface, out);
      return out;
    };
    // FTS5: columns are separate; every token is a term.
    assert.deepEqual(keys('sqlite', ['talks on the', 'minister']), [pairKey(1, 2), pairKey(2, 3)]);
    // PostgreSQL: the body's first word follows the title's last lexeme.
    assert.deepEqual(keys('postgres', ['talks on the', 'minister']), [pairKey(1, 4)]);
    // A hyphenated compound takes a position before its parts: "new" does not pair with "foreign".
    assert.deepEqual(keys('sqlite', ['new foreign-minister']), [pairKey(5, 6), pairKey(6, 4)]);
    assert.deepEqual(keys('postgres', ['new foreign-minister']), [pairKey(6, 4)]);
    // "-10" is a signed number on PostgreSQL: neither "2009 10" nor "10 talks".
    assert.deepEqual(keys('postgres', ['2009-10 talks']), []);
    assert.deepEqual(keys('sqlite', ['2009-10 talks']), [pairKey(7, 8), pairKey(8, 1)]);
  });
});
