/**
 * The import builds the server's term index alongside the database's search index and writes its
 * file: a search service started afterwards loads that file (no build of its own) and answers
 * exactly as an index built from scratch by the service does. Without the option nothing is written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, testSite } from '../helpers.ts';
import { writeGeneratedCsv } from '../../tools/generate-cables.ts';
import { importCables } from '../../src/cables/importer.ts';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService } from '../../src/search/service.ts';
import { searchParams, termIndexReady } from '../search/archive.ts';

const QUERIES = ['government', 'minister economy', 'terror*', 'government OR narcotics', 'a -b'];

describe(`term index written by the import on ${ENGINE}`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;
  const dir = mkdtempSync(join(tmpdir(), 'bs-import-terms-'));
  const file = join(dir, 'search-terms.bin');
  const open: SearchService[] = [];

  const service = async (termsFile: string | null) => {
    const svc = new SearchService(site.db, await openSearchIndex(site.db), {
      memoryIndex: true,
      termsFile,
    });
    open.push(svc);
    await termIndexReady(svc);
    return svc;
  };
  const answers = async (svc: SearchService) => {
    const out: unknown[] = [];
    for (const q of QUERIES) {
      for (const kind of ['cable', 'story']) {
        const r = await svc.search(searchParams({ q, kind }));
        assert.ok(r.ok, q);
        out.push([q, kind, r.result.total, r.result.hits.map((h) => h.id), r.result.facets]);
      }
    }
    return out;
  };

  before(async () => {
    site = await testSite({ DEMO: '0' });
  });
  after(async () => {
    for (const s of open) await s.index.close();
    await site.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an import without startFilesDir writes no index file', async () => {
    const csv = join(dir, 'first.csv');
    await writeGeneratedCsv(csv, { count: 120, seed: 5 });
    const s = await importCables(site.db, [csv], { workers: 0 });
    assert.equal(s.startFiles, null);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('search-terms')),
      [],
    );
  });

  test('with startFilesDir the file is written, loaded by a service, and answers as a fresh build', async () => {
    const csv = join(dir, 'second.csv');
    await writeGeneratedCsv(csv, { count: 300, seed: 6 });
    const s = await importCables(site.db, [csv], { workers: 0, startFilesDir: dir });
    assert.ok(s.new > 0);
    assert.deepEqual(s.startFiles?.written, [file]);
    assert.ok(existsSync(file));
    assert.ok(!existsSync(`${file}.import`), 'the pending file was moved into place');
    const loaded = await service(file);
    assert.equal(loaded.terms!.lastBuildSource, 'file', 'loaded, not built');
    const fresh = await service(null);
    assert.notEqual(fresh.terms!.lastBuildSource, 'file');
    const got = await answers(loaded);
    assert.deepEqual(got, await answers(fresh));
    assert.ok(
      got.some((a) => (a as [string, string, number])[2] > 0),
      'some query finds something',
    );
  });
});
