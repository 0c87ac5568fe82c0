/**
 * The term index kept in DATA_DIR (src/search/terms-file.ts): built in a worker thread and written
 * once, loaded by the next process instead of rebuilt, caught up from the change log, and never
 * used when it belongs to another database or is damaged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSearchIndex } from '../../src/search/search-index.ts';
import { SearchService } from '../../src/search/service.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  readSnapshotStamp,
  type SortedWords,
} from '../../src/search/terms-file.ts';
import { PRUNING } from '../../src/search/terms-postings.ts';
import { databaseStamp } from '../../src/search/stamp.ts';
import Database from 'better-sqlite3';
import {
  generatedArchive,
  searchParams,
  termIndexReady,
  type Archive,
  type Site,
} from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

const QUERIES = [
  'government',
  'minister economy',
  'terror*',
  'government OR narcotics',
  'minister -economy',
  'zebrafish',
];

describe(`term index file on ${ENGINE}`, () => {
  let archive: Archive;
  let site: Site;
  let file: string;
  const open: SearchService[] = [];

  const service = async (): Promise<SearchService> => {
    const svc = new SearchService(site.db, await openSearchIndex(site.db), {
      memoryIndex: true,
      termsFile: file,
    });
    open.push(svc);
    await termIndexReady(svc);
    return svc;
  };
  const search = async (svc: SearchService, q: string) => {
    const out = await svc.search(searchParams({ q }));
    assert.ok(out.ok, q);
    return out.result;
  };
  const answers = async (svc: SearchService) => {
    const out: unknown[] = [];
    for (const q of QUERIES) {
      const r = await search(svc, q);
      out.push([q, r.total, r.order, r.hits.map((h) => h.id), r.facets]);
    }
    return out;
  };

  const savedPruning = { ...PRUNING, tiers: [...PRUNING.tiers] };

  before(async () => {
    // Short champion lists, so terms of this small archive get them.
    Object.assign(PRUNING, { champions: 16, tiers: [4, 16] });
    archive = await generatedArchive(400, 11);
    site = archive.site;
    file = join(archive.dir, 'search-terms.bin');
  });

  after(async () => {
    Object.assign(PRUNING, savedPruning);
    for (const s of open) await s.index.close();
    await archive?.cleanup();
  });

  let first: unknown[];

  test('the first build runs in a worker thread and is kept in the file', async () => {
    const svc = await service();
    assert.equal(svc.terms!.lastBuildSource, 'worker');
    assert.ok(existsSync(file), 'the index file was written');
    first = await answers(svc);
  });

  test('encoding and decoding a snapshot gives the same index', () => {
    const blob = new Uint8Array(readFileSync(file));
    const snap = decodeSnapshot(blob);
    assert.ok(snap);
    // The build made the champion lists of its frequent terms; they are kept with the postings.
    const p = snap.postings.cable;
    const frequent = p.termNames
      .map((_, t) => t)
      .filter((t) => p.dense[t] && p.df[t] > PRUNING.champions);
    assert.ok(frequent.length > 0);
    assert.ok(
      frequent.every(
        (t) =>
          p.champs[t]?.ids.length === PRUNING.champions && p.champs[t]?.w instanceof Float32Array,
      ),
      'champion lists in the file',
    );
    // Term names and surface words are kept in name order too, for word starts.
    for (const kind of ['cable', 'story'] as const) {
      const sorted: SortedWords | undefined = snap.sorted?.[kind];
      assert.ok(sorted, `${kind}: dictionaries in name order in the file`);
      const termNames: string[] = snap.postings[kind].termNames;
      const names: string[] = [...sorted.order].map((t) => termNames[t]);
      assert.equal(new Set(sorted.order).size, snap.postings[kind].termNames.length);
      assert.deepEqual(names, [...names].sort());
      const words: string[] = sorted.words;
      assert.deepEqual(words, [...words].sort());
      assert.deepEqual(new Set(words), new Set(snap.surface[kind].keys()));
    }
    const again = encodeSnapshot(snap);
    assert.deepEqual(Buffer.from(again), Buffer.from(blob));
    assert.equal(
      decodeSnapshot(blob.subarray(0, blob.length - 10)),
      null,
      'a truncated file is refused',
    );
    assert.equal(decodeSnapshot(new Uint8Array(64)), null, 'something else is refused');
  });

  test('the stamp is read from the start of the file alone (a stale file is not read whole)', async () => {
    const snap = decodeSnapshot(new Uint8Array(readFileSync(file)));
    assert.ok(snap);
    assert.deepEqual(await readSnapshotStamp(file), snap.stamp);
    // The first kilobyte is enough: the rest of the file may be missing.
    const head = join(archive.dir, 'head.bin');
    writeFileSync(head, readFileSync(file).subarray(0, 1024));
    assert.deepEqual(await readSnapshotStamp(head), snap.stamp);
    writeFileSync(head, Buffer.from('BSTERMS not an index at all'));
    assert.equal(await readSnapshotStamp(head), null);
    assert.equal(await readSnapshotStamp(join(archive.dir, 'missing.bin')), null);
  });

  test('the next process loads the file and answers exactly as the built index did', async () => {
    const svc = await service();
    assert.equal(svc.terms!.lastBuildSource, 'file');
    assert.deepEqual(await answers(svc), first);
  });

  test('changes made after the file was written are caught up from the change log', async () => {
    const k = site.db.kysely;
    const ids = (await k.selectFrom('cables').select('id').orderBy('id').limit(2).execute()).map(
      (r) => r.id,
    );
    await k
      .updateTable('cables')
      .set({ title: 'Zebrafish Affairs', body: 'The zebrafish delegation met the government.' })
      .where('id', '=', ids[0])
      .execute();
    await k.deleteFrom('cables').where('id', '=', ids[1]).execute();
    const svc = await service();
    assert.equal(svc.terms!.lastBuildSource, 'file');
    const exact = new SearchService(site.db, await openSearchIndex(site.db));
    open.push(exact);
    const z = await search(svc, 'zebrafish');
    assert.deepEqual(
      z.hits.map((h) => h.id),
      [ids[0]],
    );
    for (const q of QUERIES) {
      const a = await search(svc, q);
      const b = await search(exact, q);
      assert.equal(a.total, b.total, q);
      assert.ok(!a.hits.some((h) => h.id === ids[1]), `${q}: the deleted cable is gone`);
    }
  });

  test('the stamp a file is checked against is read without the write lock', async () => {
    const before = await databaseStamp(site.db);
    // Another connection holds the write lock (an import, the server's own start-up writes): a
    // search thread loading its files reads the stamp all the same, and gets the same one.
    const other =
      site.db.engine === 'sqlite'
        ? new Database(join(site.db.target.dataDir, 'broadsheet.db'))
        : null;
    other?.exec('begin immediate');
    try {
      assert.deepEqual(await databaseStamp(site.db), before);
    } finally {
      other?.exec('rollback');
      other?.close();
    }
    // A database without one gets an instance id once, and keeps it.
    await sql`delete from search_state where key = 'instance'`.execute(site.db.kysely);
    const fresh = await databaseStamp(site.db);
    assert.notEqual(fresh.instance, 0);
    assert.deepEqual(await databaseStamp(site.db), fresh);
    await sql`update search_state set value = ${before.instance} where key = 'instance'`.execute(
      site.db.kysely,
    );
    assert.deepEqual(await databaseStamp(site.db), before);
  });

  test('a damaged file or one from another database is rebuilt, not used', async () => {
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, good.length >> 1));
    const a = await service();
    assert.equal(a.terms!.lastBuildSource, 'worker');
    assert.equal((await search(a, 'zebrafish')).total, 1);
    await sql`update search_state set value = value + 1 where key = 'instance'`.execute(
      site.db.kysely,
    );
    const b = await service();
    assert.equal(b.terms!.lastBuildSource, 'worker', 'another database instance');
    const c = await service();
    assert.equal(c.terms!.lastBuildSource, 'file', 'the rebuilt file is used next time');
    assert.deepEqual(await answers(c), await answers(b));
  });
});
