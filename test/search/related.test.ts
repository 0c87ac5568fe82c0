/**
 * Related cables (src/search/related.ts, SearchService.related, the cable page): the distinctive
 * words of a cable, the cables sharing them ranked by bm25 in the search thread under a time
 * limit, nothing while the term index is not ready, and the cable page's "Related cables" and
 * "Cited by" on the engine under test.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite } from '../helpers.ts';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService } from '../../src/search/service.ts';
import { distinctiveWords } from '../../src/search/related.ts';
import { RELATED, searchRuntimeOf } from '../../src/search/routes.ts';
import { readAllCables } from '../../src/cables/readers.ts';
import { importRawItems } from '../../src/cables/importer.ts';
import { generatedArchive, termIndexReady, type Archive } from './archive.ts';

describe('distinctiveWords', () => {
  const df = new Map([
    ['peru', 40],
    ['mining', 3],
    ['copper', 2],
    ['the', 990],
    ['unique', 1],
    ['embassy', 60],
  ]);
  const freq = (words: string[]) => ({
    n: 1000,
    df: new Map(words.flatMap((w) => (df.has(w) ? [[w, df.get(w)!] as const] : []))),
  });

  it('weighs frequency in the text by rarity, skipping words too rare or too common', () => {
    const words = distinctiveWords(
      'Peru mining mining copper the the the unique 2009 embassy x',
      freq,
    );
    // "embassy" is in 6% of the cables (over 5%), "unique" in one, "2009" a number, "x" too short.
    assert.deepEqual(words, ['mining', 'copper', 'peru']);
  });
  it('keeps the best few', () => {
    assert.deepEqual(distinctiveWords('peru mining copper', freq, 2), ['copper', 'mining']);
  });
  it('is null without an index', () => {
    assert.equal(
      distinctiveWords('peru', () => null),
      null,
    );
  });
});

describe(`related cables from the term index on ${ENGINE}`, () => {
  let archive: Archive;
  let fast: SearchService;
  let cold: SearchService;

  before(async () => {
    archive = await generatedArchive(800, 11);
    fast = new SearchService(archive.site.db, await openSearchIndex(archive.site.db), {
      memoryIndex: true,
    });
    cold = new SearchService(archive.site.db, await openSearchIndex(archive.site.db));
    await termIndexReady(fast);
  });
  after(async () => {
    await fast?.index.close();
    await cold?.index.close();
    await archive?.cleanup();
  });

  test('lists other cables sharing its distinctive words, best first, within a time limit', async () => {
    const k = archive.site.db.kysely;
    const some = await k
      .selectFrom('cables')
      .select(['reference_id'])
      .orderBy('id')
      .limit(5)
      .execute();
    for (const { reference_id } of some) {
      const list = await fast.related(reference_id, 5, 10_000);
      assert.ok(list, reference_id);
      assert.ok(list.length > 0 && list.length <= 5, `${reference_id}: ${list.length}`);
      assert.ok(!list.some((r) => r.reference_id === reference_id), 'not itself');
      assert.equal(new Set(list.map((r) => r.reference_id)).size, list.length);
      for (const r of list) assert.ok(r.title !== undefined && r.created);
    }
    assert.equal(await fast.related('99NOWHERE1', 5, 10_000), null, 'an unknown cable');
  });

  test('gives nothing without a term index or past its time limit', async () => {
    const k = archive.site.db.kysely;
    const { reference_id } = await k
      .selectFrom('cables')
      .select('reference_id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    assert.equal(await cold.related(reference_id, 5, 10_000), null);
    // A clock that moves a second per reading: the limit has passed at the first check.
    let t = 0;
    assert.equal(await fast.related(reference_id, 5, 100, () => (t += 1000)), null);
  });
});

describe(`the cable page's related cables and citations on ${ENGINE}`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;

  before(async () => {
    site = await testSite({
      DEMO: '0',
      SEARCH_WORKERS: '1',
      SEARCH_RATE: '100000',
      SEARCH_BURST: '100000',
    });
    const dir = join(REPO_ROOT, 'test/fixtures/cables');
    const items = [];
    for (const f of readdirSync(dir).sort())
      items.push(...(await readAllCables(join(dir, f), { format: 'text', name: f })));
    await importRawItems(site.db.kysely, items);
    const others = await site.db.kysely
      .selectFrom('cables')
      .select('reference_id')
      .where('reference_id', '!=', '09LIMA1669')
      .orderBy('reference_id')
      .limit(2)
      .execute();
    assert.equal(others.length, 2);
    await site.db.kysely
      .insertInto('cable_references')
      .values(others.map((o, i) => ({ from_id: o.reference_id, to_id: '09LIMA1669', position: i })))
      .execute();
  });
  after(() => site.cleanup());

  test('before the term index is ready the section is left out; citations are counted', async () => {
    const res = await site.app.inject('/cables/09LIMA1669');
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /Related cables/);
    assert.match(res.body, /Cited by 2 cables in the archive/);
  });

  test('with the term index ready the page lists related cables', async () => {
    const searcher = searchRuntimeOf(site.db)!.searcher();
    // A search starts the search thread; its term index is then built.
    await site.app.inject('/api/search?q=peru');
    for (let i = 0; i < 600 && searcher.workers.warm < 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(searcher.workers.warm, 1, 'the search thread is warm');
    const direct = await searcher.related('09LIMA1669', 6, 10_000);
    assert.ok(direct && direct.length > 0, 'related cables from the search thread');
    // The page waits only briefly for the search thread (RELATED.waitMs); an answer later than that
    // is kept for the next view. With no wait at all, a later view has the section.
    const saved = RELATED.waitMs;
    RELATED.waitMs = 0;
    let res = await site.app.inject('/cables/09LIMA1669');
    RELATED.waitMs = saved;
    assert.equal(res.statusCode, 200);
    for (let i = 0; i < 600 && !/Related cables/.test(res.body); i++) {
      await new Promise((r) => setTimeout(r, 50));
      res = await site.app.inject('/cables/09LIMA1669');
    }
    const section = /<section class="cable-related">([\s\S]*?)<\/section>/.exec(res.body)?.[1];
    assert.ok(section, 'a Related cables section');
    assert.match(section, /<h2>Related cables<\/h2>/);
    for (const r of direct)
      assert.ok(section.includes(`href="/cables/${r.reference_id}"`), r.reference_id);
    assert.ok(!section.includes('href="/cables/09LIMA1669"'), 'not itself');
  });
});
