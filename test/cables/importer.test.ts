/** The cable importer on the engine under test: idempotence, versions, bad rows, copies, hooks. */
import { cableStoryMarkdown } from '../../src/cables/story.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, type TestDb, dropDatabase, migratedDatabase } from '../helpers.ts';
import { type Db } from '../../src/platform/db.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { importCables, importRawItems, type CableImportHook } from '../../src/cables/importer.ts';
import { PreparePool } from '../../src/cables/pool.ts';
import { readAllCables } from '../../src/cables/readers.ts';
import { deferCableIndex } from '../../src/search/search-index.ts';
import { sql } from 'kysely';

const dir = mkdtempSync(join(tmpdir(), 'broadsheet-import-'));
const rows = [...generateCables({ count: 40, seed: 11 })];
const fileA = join(dir, 'a.csv');
writeFileSync(fileA, rows.join(''));

/** Cables in the full-text index (FTS5 keeps one docsize row per indexed document). */
async function indexedCables(db: Db): Promise<number> {
  const table = db.engine === 'sqlite' ? 'cables_fts_docsize' : 'cables_search';
  return Number(
    (
      await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
        db.kysely,
      )
    ).rows[0].n,
  );
}

async function indexMark(db: Db): Promise<number | null> {
  const r = (
    await sql<{
      value: number | string;
    }>`select value from search_state where key = 'cables_indexed_upto'`.execute(db.kysely)
  ).rows[0];
  return r ? Number(r.value) : null;
}

async function count(
  db: Db,
  table: 'cables' | 'stories' | 'cable_versions' | 'cable_tags' | 'cable_references',
): Promise<number> {
  const r = await db.kysely
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe(`cable importer on ${ENGINE}`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    ({ tdb, db } = await migratedDatabase());
  });
  after(async () => {
    await dropDatabase(db, tdb);
    rmSync(dir, { recursive: true, force: true });
  });

  test('importing a file twice: the second run finds every cable unchanged', async () => {
    const first = await importCables(db, [fileA], { batchSize: 7, workers: 0 });
    assert.deepEqual([first.new, first.updated, first.unchanged, first.skipped], [40, 0, 0, 0]);
    assert.equal(await count(db, 'cables'), 40);
    assert.equal(await count(db, 'stories'), 40);
    assert.ok((await count(db, 'cable_tags')) > 40);
    assert.equal(first.indexed, 40, 'indexed after the load');
    assert.equal(await indexedCables(db), 40);
    assert.equal(await indexMark(db), null, 'the import mark is gone once the index is built');
    const second = await importCables(db, [fileA], { batchSize: 7, workers: 1 });
    assert.deepEqual([second.new, second.updated, second.unchanged, second.skipped], [0, 0, 40, 0]);
    assert.equal(await count(db, 'cables'), 40);
    assert.equal(await count(db, 'cable_versions'), 0);
    const story = await db.kysely
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .select([
        'stories.id',
        'stories.updated_at',
        'stories.title',
        'stories.body',
        'stories.published_at',
        'sections.slug',
        'stories.cable_reference_id',
      ])
      .executeTakeFirstOrThrow();
    assert.equal(story.slug, 'cablegate');
    assert.match(story.title, /^Cablegate: /);
    assert.equal(story.body, '', 'the text is kept once, in the cable');
    const text = (await cableStoryMarkdown(db.kysely, {
      ...story,
      cable_reference_id: story.cable_reference_id!,
    }))!;
    assert.ok(text.startsWith('```\n'), 'header block in a fence');
    assert.ok(text.includes(`](/cables/${story.cable_reference_id})`), 'links to the cable page');
    const cable = await db.kysely
      .selectFrom('cables')
      .select(['created'])
      .where('reference_id', '=', story.cable_reference_id!)
      .executeTakeFirstOrThrow();
    assert.equal(story.published_at, new Date(cable.created).toISOString());
  });

  test('a cable whose text changed is updated and its earlier text kept; the old text later counts as unchanged', async () => {
    const changed = [...rows];
    const i = 5;
    changed[i] = changed[i].replace(/(\n2\. )/, '\n2. (U) A sentence added by a later copy.$1');
    if (changed[i] === rows[i]) changed[i] = changed[i].replace(/"\n$/, ' Addendum."\n');
    assert.notEqual(changed[i], rows[i]);
    const fileB = join(dir, 'b.csv');
    writeFileSync(fileB, changed.join(''));
    const s = await importCables(db, [fileB], { workers: 0 });
    assert.deepEqual([s.new, s.updated, s.unchanged], [0, 1, 39]);
    const refId = /^"\d+","[^"]*","([^"]+)"/.exec(rows[i])![1];
    const row = await db.kysely
      .selectFrom('cables')
      .select(['id', 'version', 'body'])
      .where('reference_id', '=', refId)
      .executeTakeFirstOrThrow();
    assert.equal(row.version, 2);
    const versions = await db.kysely
      .selectFrom('cable_versions')
      .selectAll()
      .where('cable_id', '=', row.id)
      .execute();
    assert.equal(versions.length, 1);
    assert.equal(versions[0].version, 1);
    assert.notEqual(versions[0].body, row.body);
    // The story follows the new text.
    const story = await db.kysely
      .selectFrom('stories')
      .select(['id', 'updated_at'])
      .where('cable_reference_id', '=', refId)
      .executeTakeFirstOrThrow();
    const text = (await cableStoryMarkdown(db.kysely, { ...story, cable_reference_id: refId }))!;
    assert.ok(text.includes('later copy') || text.includes('Addendum'));
    // Both texts are known now: neither file changes anything any more.
    for (const f of [fileA, fileB]) {
      const again = await importCables(db, [f], { workers: 0 });
      assert.deepEqual([again.new, again.updated, again.unchanged], [0, 0, 40], f);
    }
    assert.equal(await count(db, 'cable_versions'), 1);
  });

  test('a malformed row is reported with its position and skipped; the rest is stored', async () => {
    const extra = [...generateCables({ count: 6, seed: 12 })];
    const bad = '"999","not a date","","","","","",""\n';
    const broken = '"1000","12/1/2009 10:00","09BROKEN1","Embassy Nowhere","SECRET","","x"\n';
    const file = join(dir, 'bad.csv');
    writeFileSync(file, extra[0] + extra[1] + bad + extra[2] + broken + extra.slice(3).join(''));
    const s = await importCables(db, [file], { workers: 0 });
    assert.equal(s.new, 6);
    assert.ok(s.skipped >= 2, `skipped ${s.skipped}`);
    const [f] = s.files;
    assert.equal(f.skippedRecords.length, s.skipped);
    const first = f.skippedRecords[0];
    assert.equal(first.position.index, 2, 'the third record');
    assert.equal(first.position.byteOffset, Buffer.byteLength(extra[0] + extra[1]));
    assert.ok(first.position.line > 2);
    assert.ok(first.reason.length > 5);
    assert.ok(Object.keys(s.skippedReasons).length >= 1);
  });

  test('two copies of one cable under different ids are one cable; each text is kept once', async () => {
    const seed = readFileSync(
      join(REPO_ROOT, 'test', 'fixtures', 'cables', '09LIMA1669.txt'),
      'latin1',
    );
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    const [head, ...bodyParts] = seed.split('\nC O N F I D E N T I A L');
    const body = 'C O N F I D E N T I A L' + bodyParts.join('\nC O N F I D E N T I A L');
    const row = (n: number, id: string, text: string) =>
      `"${n}","11/25/2009 20:48","${id}","Embassy Lima","CONFIDENTIAL//NOFORN","","${esc(head)}","${esc(text)}"\n`;
    const file = join(dir, 'copies.csv');
    writeFileSync(
      file,
      row(1, '09LIMA1669', body) +
        row(2, '9LIMA1669', body + '\nCOPY B') +
        row(3, '09LIMA01669', body),
    );
    const s = await importCables(db, [file], { workers: 0 });
    assert.deepEqual([s.new, s.updated, s.unchanged], [1, 1, 1]);
    const cable = await db.kysely
      .selectFrom('cables')
      .selectAll()
      .where('reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    assert.equal(cable.version, 2);
    assert.equal(await count(db, 'stories'), 47);
    const again = await importCables(db, [file], { workers: 0 });
    assert.deepEqual([again.new, again.updated, again.unchanged], [0, 0, 3]);
  });

  test('hooks run inside each batch with the ids written, and once at the end', async () => {
    const batches: string[][] = [];
    let done = 0;
    const hook: CableImportHook = {
      name: 'test-hook',
      async afterBatch(trx, b) {
        batches.push([...b.inserted, ...b.updated]);
        const n = await trx
          .selectFrom('cables')
          .select('id')
          .where('reference_id', 'in', b.inserted.length ? b.inserted : ['-'])
          .execute();
        assert.equal(n.length, b.inserted.length, 'the batch is visible inside its transaction');
      },
      async afterImport(_db, summary) {
        done = summary.new;
      },
    };
    const rows2 = [...generateCables({ count: 9, seed: 99 })];
    const file = join(dir, 'hooks.csv');
    writeFileSync(file, rows2.join(''));
    const s = await importCables(db, [file], { workers: 0, batchSize: 4, hooks: [hook] });
    assert.equal(done, s.new);
    assert.equal(batches.flat().length, s.new + s.updated);
    assert.ok(batches.length >= 3);
  });

  test('the parse pool prepares on worker threads', async () => {
    const items = await readAllCables(fileA, { format: 'csv' });
    const pool = new PreparePool(2);
    try {
      const out = (
        await Promise.all([pool.run(items.slice(0, 20)), pool.run(items.slice(20))])
      ).flat();
      assert.equal(out.length, items.length);
      assert.ok(out.every((p) => p.ok));
      assert.equal(pool.degraded, false, 'no worker failed and nothing fell back to this thread');
      assert.equal(pool.size, 2);
    } finally {
      await pool.close();
    }
  });

  test('cables an interrupted import loaded are indexed by the next run; a file loaded to its end resumes there', async () => {
    const before = await count(db, 'cables');
    assert.equal(await indexedCables(db), before);
    // What a run killed after its last batch (while indexing) leaves: rows above the mark, not
    // indexed, and its file still running with the offset at the end.
    await deferCableIndex(db);
    const rows3 = [...generateCables({ count: 5, seed: 321 })];
    const file3 = join(dir, 'interrupted.csv');
    writeFileSync(file3, rows3.join(''));
    const loaded = await importRawItems(db.kysely, await readAllCables(file3, { format: 'csv' }));
    assert.equal(loaded.inserted.length, 5);
    assert.equal(await indexedCables(db), before, 'the triggers skip rows above the mark');
    await db.kysely
      .updateTable('cable_imports')
      .set({ status: 'running' })
      .where('path', '=', fileA)
      .execute();
    const prior = await db.kysely
      .selectFrom('cable_imports')
      .selectAll()
      .where('path', '=', fileA)
      .executeTakeFirstOrThrow();
    const s = await importCables(db, [fileA], { workers: 0 });
    assert.equal(
      s.files[0].resumedFrom,
      readFileSync(fileA).length,
      'resumed at the end of the file',
    );
    assert.deepEqual(
      [s.new, s.updated, s.unchanged],
      [prior.new_count, prior.updated_count, prior.unchanged_count],
      'the counts of the interrupted run',
    );
    assert.equal(s.indexed, 5);
    assert.equal(await indexedCables(db), before + 5);
    assert.equal(await indexMark(db), null);
    const row = await db.kysely
      .selectFrom('cable_imports')
      .select(['status', 'finished_at'])
      .where('path', '=', fileA)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'done');
    assert.ok(row.finished_at);
  });

  test('an interrupted import resumes at the recorded byte offset; a changed file under the same name starts again', async () => {
    const rows = [...generateCables({ count: 10, seed: 777 })];
    const file = join(dir, 'resume.csv');
    writeFileSync(file, rows.join(''));
    const first = await importCables(db, [file], { workers: 0 });
    assert.equal(first.new + first.updated + first.unchanged, 10);
    // What a run killed after its first 6 records leaves: the offset where record 7 starts, and
    // the counts so far.
    const offset = Buffer.byteLength(rows.slice(0, 6).join(''));
    await db.kysely
      .updateTable('cable_imports')
      .set({
        status: 'running',
        byte_offset: offset,
        record_index: 6,
        new_count: 6,
        updated_count: 0,
        unchanged_count: 0,
        finished_at: null,
      })
      .where('path', '=', file)
      .execute();
    const again = await importCables(db, [file], { workers: 0 });
    assert.equal(again.files[0].resumedFrom, offset, 'resumed where record 7 starts');
    assert.deepEqual(
      [again.new, again.updated, again.unchanged],
      [6, 0, 4],
      'the 6 counted before the stop, and only the 4 records after the offset read again',
    );

    // The same name with other content is not the file the offset belongs to: read from the start.
    const changed = [...generateCables({ count: 12, seed: 778 })];
    writeFileSync(file, changed.join(''));
    await db.kysely
      .updateTable('cable_imports')
      .set({ status: 'running', byte_offset: offset })
      .where('path', '=', file)
      .execute();
    const fresh = await importCables(db, [file], { workers: 0 });
    assert.equal(fresh.files[0].resumedFrom, null);
    assert.equal(
      fresh.new + fresh.updated + fresh.unchanged,
      12,
      'every record of the new file is read',
    );
  });

  test('a failed import still indexes what it committed', async () => {
    const before = await count(db, 'cables');
    const rows4 = [...generateCables({ count: 12, seed: 4242 })];
    const file = join(dir, 'fails.csv');
    writeFileSync(file, rows4.join(''));
    let batches = 0;
    const hook: CableImportHook = {
      name: 'fail-second-batch',
      async afterBatch() {
        if (++batches === 2) throw new Error('disk on fire');
      },
    };
    await assert.rejects(
      importCables(db, [file], { workers: 0, batchSize: 5, hooks: [hook] }),
      /disk on fire/,
    );
    const after1 = await count(db, 'cables');
    assert.equal(after1, before + 5, 'the first batch committed, the second rolled back');
    assert.equal(await indexedCables(db), after1);
    assert.equal(await indexMark(db), null);
    const s = await importCables(db, [file], { workers: 0, batchSize: 5 });
    assert.equal(s.files[0].resumedFrom !== null, true);
    assert.equal(await count(db, 'cables'), before + 12);
    assert.equal(await indexedCables(db), before + 12);
  });
});
