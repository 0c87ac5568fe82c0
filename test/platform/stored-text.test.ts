/**
 * The storage boundary for control characters (src/platform/stored-text.ts) on the engine under
 * test: what it removes, which statements it applies to, and that reads keep their parameters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import fc from 'fast-check';
import { ENGINE, testDatabase, type TestDb } from '../helpers.ts';
import { connect, type Db } from '../../src/platform/db.ts';
import {
  hasControlChars,
  isWrite,
  stripControlChars,
  stripControlCharsDeep,
} from '../../src/platform/stored-text.ts';

test('stripControlChars removes C0 (but tab and line breaks), DEL, C1 and unpaired surrogates only', () => {
  assert.equal(stripControlChars('a\u0000b\u0001c\u001bd\u007fe\u0080f\u009fg'), 'abcdefg');
  assert.equal(stripControlChars('tab\there\nline\r\n'), 'tab\there\nline\r\n');
  assert.equal(
    stripControlChars('lone \ud800 high, lone \udc00 low, pair \ud83d\ude00 kept'),
    'lone  high, lone  low, pair \ud83d\ude00 kept',
  );
  assert.equal(stripControlChars('é ü ¶ \u00a0 \u2028 \ufeff'), 'é ü ¶ \u00a0 \u2028 \ufeff');
  const same = 'plain text';
  assert.equal(stripControlChars(same), same);
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const out = stripControlChars(s);
      assert.ok(!hasControlChars(out), JSON.stringify(out));
      assert.equal(stripControlChars(out), out);
      // Only removals: every remaining character is in order in the input.
      let i = 0;
      for (const ch of out) {
        i = s.indexOf(ch, i);
        assert.ok(i >= 0);
        i += ch.length;
      }
    }),
    { seed: 20261205, numRuns: 2000 },
  );
  const body: Record<string, unknown> = Object.assign(Object.create(null), {
    a: 'x\u0000',
    b: ['y\u0007', { c: 'z\u0085' }],
    n: 3,
  });
  assert.deepEqual({ ...stripControlCharsDeep(body) }, { a: 'x', b: ['y', { c: 'z' }], n: 3 });
});

describe(`the database connection cleans what it writes (${ENGINE})`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    tdb = await testDatabase();
    db = await connect(tdb.config);
    await sql`create table notes (id integer primary key, body text)`.execute(db.kysely);
  });
  after(async () => {
    await db.close();
    await tdb.cleanup();
  });

  test('insert and update statements of every kind store no control characters', async () => {
    const k = db.kysely as unknown as import('kysely').Kysely<{
      notes: { id: number; body: string };
    }>;
    await k.insertInto('notes').values({ id: 1, body: 'one\u0000\u001b' }).execute();
    await sql`insert into notes (id, body) values (2, ${'two\u0085\ud800'})`.execute(db.kysely);
    const p = (n: number) => (db.engine === 'postgres' ? `$${n}` : '?');
    await db.kysely.executeQuery(
      CompiledQuery.raw(`insert into notes (id, body) values (3, ${p(1)})`, ['three\u0007']),
    );
    await db.kysely.executeQuery(
      CompiledQuery.raw(`  WITH x AS (SELECT 1) UPDATE notes SET body = ${p(1)} WHERE id = 3`, [
        'three again\u009b',
      ]),
    );
    await k.updateTable('notes').set({ body: 'one again\u007f' }).where('id', '=', 1).execute();
    const rows = await k.selectFrom('notes').select(['id', 'body']).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [Number(r.id), r.body]),
      [
        [1, 'one again'],
        [2, 'two'],
        [3, 'three again'],
      ],
    );
  });

  test('reads keep their parameters as given (the search highlighter passes \\u0002/\\u0003 markers)', async () => {
    const r = await sql<{ x: string }>`select ${'\u0002mark\u0003'} as x`.execute(db.kysely);
    assert.equal(r.rows[0].x, '\u0002mark\u0003');
    // A NUL in a lookup (which PostgreSQL would refuse) finds nothing, on both engines.
    await sql`insert into notes (id, body) values (9, 'needle')`.execute(db.kysely);
    const found = await sql<{
      id: number;
    }>`select id from notes where body = ${'nee\u0000dle'} or body = ${'needle\u0000'}`.execute(
      db.kysely,
    );
    assert.deepEqual(found.rows, []);
    assert.equal(isWrite(CompiledQuery.raw('select * from notes where body = ?', [])), false);
    assert.equal(isWrite(CompiledQuery.raw('select updated_at from notes for update', [])), false);
    assert.equal(
      isWrite(CompiledQuery.raw('with a as (select 1) insert into notes select 1', [])),
      true,
    );
    assert.equal(isWrite(CompiledQuery.raw('\n  INSERT INTO notes values (1)', [])), true);
  });
});
