/**
 * Two-word phrases answered from the term index's adjacent-pair bitmaps (src/search/terms.ts
 * docPairKeys, PairTracker): the same documents as the engine's own phrase search, including the
 * places where the engines see adjacency differently (PostgreSQL: fields form one position
 * sequence, stop words hold a position, hyphenated compounds take one of their own, "-10" is a
 * number), for documents in the built postings and documents changed after the build.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, testSite } from '../helpers.ts';
import { loadCables } from '../../bench/_cables.ts';
import { writeGeneratedCsv } from '../../src/cables/generate.ts';
import { openSearchIndex } from '../../src/search/index.ts';
import { SearchService } from '../../src/search/service.ts';
import { parseQuery } from '../../src/search/query.ts';
import { PAIRS, docPairKeys, pairKey } from '../../src/search/terms.ts';
import type { MemorySearchIndex } from '../../src/search/memory.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

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
  let site: Site;
  let dir: string;
  let svc: SearchService;
  const saved = { ...PAIRS };

  before(async () => {
    site = await testSite({ DEMO: '0' });
    dir = mkdtempSync(join(tmpdir(), 'bs-phrases-'));
    const csv = join(dir, 'cables.csv');
    await writeGeneratedCsv(csv, { count: 300, seed: 3 });
    await loadCables(site.db, csv);
    const k = site.db.kysely;
    const ids = (
      await k.selectFrom('cables').select('id').orderBy('id').limit(CRAFTED.length).execute()
    ).map((r) => r.id);
    for (let i = 0; i < CRAFTED.length; i++)
      await k
        .updateTable('cables')
        .set({ title: CRAFTED[i][0], body: CRAFTED[i][1] })
        .where('id', '=', ids[i])
        .execute();
    // Every pair is tracked on this small archive.
    Object.assign(PAIRS, { sample: 1_000_000, share: 0 });
    svc = new SearchService(site.db, await openSearchIndex(site.db), { memoryIndex: true });
    const p = parseQuery('warmup', {});
    assert.ok(p.ok);
    await svc.search({ q: 'warmup', tag: [], sort: 'relevance', page: 1, size: 10 } as never);
    for (let i = 0; i < 600 && !svc.terms!.ready('cable'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(svc.terms!.ready('cable'));
  });

  after(async () => {
    Object.assign(PAIRS, saved);
    await svc?.index.close();
    await site?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
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
    const k = site.db.kysely;
    const last = (
      await k
        .selectFrom('cables')
        .select('id')
        .orderBy('id', 'desc')
        .limit(CHANGED.length)
        .execute()
    ).map((r) => r.id);
    for (let i = 0; i < CHANGED.length; i++)
      await k
        .updateTable('cables')
        .set({ title: CHANGED[i][0], body: CHANGED[i][1] })
        .where('id', '=', last[i])
        .execute();
    await k
      .updateTable('cables')
      .set({ body: 'Nothing to see.' })
      .where(
        'id',
        '=',
        (await k.selectFrom('cables').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow())
          .id,
      )
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
