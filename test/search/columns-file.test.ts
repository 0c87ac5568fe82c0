/**
 * The cables' facet columns kept in a file (src/search/columns-file.ts): a search thread reads
 * them from it instead of every cable row, applies the changes made since, and never uses a file
 * of another database, epoch or a damaged one. Also the flat tag arrays staying right when cables
 * are added past their end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { CableColumns, FacetColumns } from '../../src/search/columns.ts';
import { decodeCableColumns, encodeCableColumns } from '../../src/search/columns-file.ts';
import { generatedArchive, type Archive, type Site } from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

/** Every present cable's values by id, with dictionary ids turned into their names. */
function contents(c: CableColumns): Map<number, string> {
  const out = new Map<number, string>();
  for (let id = 0; id < c.size; id++) {
    if (!c.present[id]) continue;
    const tags = [...c.tagsOf(id)].map((t) => c.tagDict.values[t]).join(' ');
    out.set(
      id,
      [
        c.origins.values[c.origin[id]],
        c.stations[c.origin[id]],
        c.classes.values[c.cls[id]],
        c.minute[id],
        c.month[id],
        tags,
      ].join('|'),
    );
  }
  return out;
}

const row = (origin: string, tags: string) => ({
  origin,
  station: origin.toUpperCase(),
  classification: 'SECRET',
  created: '2008-02-03T04:05:00Z',
  tags,
});

describe('cable columns in memory', () => {
  test('tags stay with their cables when cables are added past the flat arrays', () => {
    const c = new CableColumns();
    c.set(1, row('Embassy Lima', 'PGOV PREL'));
    c.set(2, row('Embassy Quito', ''));
    c.set(3, row('Embassy Lima', 'ECON'));
    c.flatTags();
    c.set(5000, row('Embassy Kabul', 'PTER MARR'));
    c.set(2, row('Embassy Quito', 'SNAR'));
    c.remove(3);
    const flat = c.flatTags();
    assert.equal(flat.over.length >= c.size, true);
    const names = (id: number) => [...c.tagsOf(id)].map((t) => c.tagDict.values[t]);
    assert.deepEqual(names(1), ['PGOV', 'PREL']);
    assert.deepEqual(names(2), ['SNAR']);
    assert.deepEqual(names(3), []);
    assert.deepEqual(names(5000), ['PTER', 'MARR']);
    assert.equal(c.count, 3);
  });

  test('encode and decode give the same columns, changed cables included', () => {
    const c = new CableColumns();
    c.set(1, row('Embassy Lima', 'PGOV PREL'));
    c.set(7, row('Consulate Lagos', 'ECON'));
    c.flatTags();
    c.set(7, row('Consulate Lagos', 'ECON EFIN KCOR'));
    c.set(9, row('Embassy Lima', ''));
    const stamp = { instance: 5, epoch: 2, seq: 40, engine: 'sqlite' as const };
    const blob = encodeCableColumns(c, stamp);
    const back = decodeCableColumns(blob, new CableColumns());
    assert.ok(back);
    assert.deepEqual(back.stamp, stamp);
    assert.deepEqual(contents(back.columns), contents(c));
    assert.equal(back.columns.count, 3);
    assert.deepEqual(back.columns.originIds('lima'), c.originIds('lima'));
    const damaged = blob.slice(0, blob.length - 8);
    assert.equal(decodeCableColumns(damaged, new CableColumns()), null, 'a cut file is refused');
    const other = blob.slice();
    other[0] = 'X'.charCodeAt(0);
    assert.equal(decodeCableColumns(other, new CableColumns()), null, 'not a columns file');
  });
});

describe(`cable columns file on ${ENGINE}`, () => {
  let archive: Archive;
  let site: Site;
  let file: string;

  before(async () => {
    archive = await generatedArchive(300, 5);
    site = archive.site;
    file = join(archive.dir, 'search-columns.bin');
  });
  after(() => archive?.cleanup());

  const fromDatabase = async () => {
    const c = new FacetColumns(site.db);
    await c.sync();
    return c;
  };

  test('written after reading the rows, read by the next process with the changes since', async () => {
    const first = new FacetColumns(site.db, file);
    await first.sync();
    assert.equal(first.lastLoad, 'database');
    assert.ok(existsSync(file));

    const k = site.db.kysely;
    const ids = (await k.selectFrom('cables').select('id').orderBy('id').limit(2).execute()).map(
      (r) => r.id,
    );
    await k
      .updateTable('cables')
      .set({ origin: 'Embassy Quokkaland', station: 'QUOKKA', tags: ' PGOV QQQQ ' })
      .where('id', '=', ids[0])
      .execute();
    await k.deleteFrom('cables').where('id', '=', ids[1]).execute();

    const second = new FacetColumns(site.db, file);
    await second.sync();
    assert.equal(second.lastLoad, 'file');
    const truth = await fromDatabase();
    assert.deepEqual(contents(second.cables), contents(truth.cables));
    assert.equal(second.cables.count, truth.cables.count);
    assert.ok(contents(second.cables).get(ids[0])!.includes('Embassy Quokkaland'));
    assert.equal(contents(second.cables).has(ids[1]), false);
  });

  test('a file of another database or a damaged file is not used', async () => {
    const truth = await fromDatabase();
    const kept = readFileSync(file);
    await sql`update search_state set value = value + 1 where key = 'instance'`.execute(
      site.db.kysely,
    );
    const other = new FacetColumns(site.db, file);
    await other.sync();
    assert.equal(other.lastLoad, 'database', 'another database instance');
    assert.deepEqual(contents(other.cables), contents(truth.cables));

    writeFileSync(file, kept.subarray(0, 100));
    const damaged = new FacetColumns(site.db, file);
    await damaged.sync();
    assert.equal(damaged.lastLoad, 'database', 'a damaged file');
    assert.deepEqual(contents(damaged.cables), contents(truth.cables));
    // ...and it was written again: the next one reads it.
    const next = new FacetColumns(site.db, file);
    await next.sync();
    assert.equal(next.lastLoad, 'file');
  });

  test('a finished bulk import (a new epoch) is read from the rows', async () => {
    await sql`update search_state set value = value + 1 where key = 'epoch'`.execute(
      site.db.kysely,
    );
    const c = new FacetColumns(site.db, file);
    await c.sync();
    assert.equal(c.lastLoad, 'database');
  });
});
