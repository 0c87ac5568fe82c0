/**
 * SqliteSearchIndex runs its FTS5 reads in a worker thread (src/search/sqlite.ts): the answers are
 * the same as running the statements on the calling thread (match sets, rankings with the title
 * tier, snippets), FTS5 errors arrive as the same rejections, a worker that dies mid-request is
 * replaced by the calling thread without losing the request, and an idle worker does not keep the
 * process alive. SQLite-only, so it builds its own SQLite database whatever the engine under test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { REPO_ROOT } from '../helpers.ts';
import { loadCables } from '../../bench/_cables.ts';
import { writeGeneratedCsv } from '../../tools/generate-cables.ts';
import { connect, type Db } from '../../src/platform/db.ts';
import { migrate } from '../../src/features.ts';
import { parseQuery, type ParsedQuery } from '../../src/search/query.ts';
import { SqliteSearchIndex, TIER_THRESHOLD } from '../../src/search/sqlite.ts';
import type { DocKind } from '../../src/search/search-index.ts';

const QUERIES = [
  'government',
  'minister economy',
  '"prime minister"',
  '"foreign minister"',
  'government OR narcotics',
  'minister -economy',
  'terror*',
  'zzzzqqq',
];

function parsed(q: string): ParsedQuery {
  const p = parseQuery(q, {});
  assert.ok(p.ok, q);
  return p.query;
}

/** Everything the index answers for a query, as plain data. */
async function answers(index: SqliteSearchIndex, kind: DocKind, q: string) {
  const query = parsed(q);
  const ids = (await index.match(kind, query)) ?? new Int32Array(0);
  const some = ids.filter((_, i) => i % 3 === 0);
  // More candidates than the tier threshold (most of them not matches) takes the title-tier path.
  const wide = Int32Array.from({ length: TIER_THRESHOLD + 1 }, (_, i) => i + 1);
  return {
    ids: Array.from(ids),
    all: await index.rank(kind, query, ids, 10, true),
    filtered: await index.rank(kind, query, some, 10, false),
    tier: await index.rank(kind, query, wide, 10, false),
    snippets: [...(await index.snippets(kind, query, Array.from(ids.slice(0, 20))))],
  };
}

describe('SQLite search reads in a worker thread', () => {
  let dir: string;
  let db: Db;
  let inWorker: SqliteSearchIndex;
  let inThread: SqliteSearchIndex;
  const warnings: string[] = [];
  const onWarning = (w: Error) => {
    if (w.message.startsWith('search worker failed')) warnings.push(w.message);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bs-fts-worker-'));
    db = await connect({ databaseUrl: null, dataDir: dir });
    await migrate(db);
    const csv = join(dir, 'cables.csv');
    await writeGeneratedCsv(csv, { count: 600, seed: 11 });
    await loadCables(db, csv);
    inWorker = SqliteSearchIndex.open(db);
    inThread = SqliteSearchIndex.open(db, { worker: false });
    assert.equal(await inWorker.ready(), true, 'the worker started');
    assert.equal(await inThread.ready(), false);
    process.on('warning', onWarning);
  });

  after(async () => {
    process.off('warning', onWarning);
    await inWorker?.close();
    await inThread?.close();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('match, rank and snippets through the worker equal the calling thread', async () => {
    let matched = 0;
    for (const q of QUERIES) {
      for (const kind of ['cable', 'story'] as const) {
        const a = await answers(inWorker, kind, q);
        const b = await answers(inThread, kind, q);
        assert.deepEqual(a, b, `${kind} ${q}`);
        matched += a.ids.length;
      }
    }
    assert.ok(matched > 0, 'the queries match something');
    assert.equal(inWorker.mode, 'worker');
    assert.ok(inWorker.thread, 'a worker thread was started');
    assert.equal(inThread.mode, 'thread');
    assert.equal(inThread.thread, null);
  });

  test('a query with no text part needs no statement', async () => {
    assert.equal(await inWorker.match('cable', parsed('year:2008')), null);
    assert.deepEqual(
      await inWorker.rank('cable', parsed('year:2008'), Int32Array.of(1, 2), 10, false),
      [],
    );
  });

  test('FTS5 errors reject with the message, class and code of the calling thread', async () => {
    // A database whose cables_fts lacks the title column: the title tier of rank() fails in FTS5.
    const file = join(dir, 'broken.db');
    const h = new Database(file);
    h.exec(
      `CREATE VIRTUAL TABLE cables_fts USING fts5(body); INSERT INTO cables_fts VALUES ('the minister spoke');`,
    );
    h.close();
    const broken = [new SqliteSearchIndex(file), new SqliteSearchIndex(file, { worker: false })];
    try {
      assert.equal(await broken[0].ready(), true);
      const wide = Int32Array.from({ length: TIER_THRESHOLD + 1 }, (_, i) => i + 1);
      const errors = [];
      for (const index of broken) {
        const err = await index.rank('cable', parsed('minister'), wide, 10, false).then(
          () => assert.fail('rank should reject'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof Database.SqliteError);
        errors.push({ message: err.message, code: err.code });
        // And a missing table, through match().
        const missing = await index.match('story', parsed('minister')).then(
          () => assert.fail('match should reject'),
          (e: unknown) => e,
        );
        assert.ok(missing instanceof Database.SqliteError);
        errors.push({ message: missing.message, code: missing.code });
      }
      assert.deepEqual(errors.slice(0, 2), errors.slice(2));
      assert.deepEqual(errors.slice(0, 2), [
        { message: 'no such column: title', code: 'SQLITE_ERROR' },
        { message: 'no such table: stories_fts', code: 'SQLITE_ERROR' },
      ]);
      assert.equal(broken[0].mode, 'worker', 'an error in a statement does not stop the worker');
    } finally {
      for (const index of broken) await index.close();
    }
  });

  test('a worker that dies mid-request: the request and later ones are answered on this thread, one warning', async () => {
    const index = SqliteSearchIndex.open(db);
    try {
      assert.equal(await index.ready(), true);
      const query = parsed('"foreign minister" OR government');
      const expected = Array.from((await inThread.match('cable', query))!);
      assert.deepEqual(Array.from((await index.match('cable', query))!), expected);
      const worker = index.thread;
      assert.ok(worker);
      const inFlight = index.match('cable', query);
      const snippets = index.snippets('cable', query, expected.slice(0, 5));
      await worker.terminate();
      assert.deepEqual(Array.from((await inFlight)!), expected);
      assert.deepEqual(
        [...(await snippets)],
        [...(await inThread.snippets('cable', query, expected.slice(0, 5)))],
      );
      assert.equal(index.mode, 'thread');
      assert.deepEqual(
        await index.rank('cable', query, Int32Array.from(expected), 10, true),
        await inThread.rank('cable', query, Int32Array.from(expected), 10, true),
      );
      await new Promise((r) => setImmediate(r));
      assert.equal(warnings.length, 1, warnings.join('\n'));
    } finally {
      await index.close();
    }
  });

  test('close() waits for requests in flight; afterwards reads reject', async () => {
    const index = SqliteSearchIndex.open(db);
    assert.equal(await index.ready(), true);
    const query = parsed('government');
    const pending = index.match('cable', query);
    await index.close();
    assert.deepEqual(
      Array.from((await pending)!),
      Array.from((await inThread.match('cable', query))!),
    );
    assert.equal(index.thread, null);
    await assert.rejects(index.match('cable', query), /not open/);
  });

  test('an idle worker does not keep the process alive', () => {
    // A separate process opens an index, reads once and never closes it: it must still exit.
    const url = pathToFileURL(join(REPO_ROOT, 'src/search/sqlite.ts')).href;
    const code = `
      import { SqliteSearchIndex } from ${JSON.stringify(url)};
      import { parseQuery } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src/search/query.ts')).href)};
      const index = new SqliteSearchIndex(process.argv[1]);
      const q = parseQuery('government', {});
      await index.match('cable', q.query); // starts the worker; this read runs here meanwhile
      await index.ready();
      const ids = await index.match('cable', q.query);
      console.log(index.mode, ids.length);
    `;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code, db.file!],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(r.error, undefined, 'the process exited by itself');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^worker [1-9]\d*\n$/);
  });
});
