/**
 * A term index build whose documents are read and tokenised on other threads (readThreads, as the
 * import's build does on SQLite) gives the same index, byte for byte, as the build on one thread.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { TermIndex } from '../../src/search/terms.ts';
import { Fts5Stemmer, PgStemmer } from '../../src/search/terms-stemmers.ts';
import { encodeSnapshot } from '../../src/search/terms-file.ts';
import { generatedArchive, type Archive } from './archive.ts';
import { ENGINE } from '../prerequisites.ts';

describe(`term index build with reading threads on ${ENGINE}`, () => {
  let archive: Archive;

  before(async () => {
    // more than two batches of 500 per reader, with gaps in the ids
    archive = await generatedArchive(2600, 5);
    await sql`delete from cables where id % 7 = 3`.execute(archive.site.db.kysely);
  });
  after(() => archive.cleanup());

  const build = async (readThreads: number) => {
    const db = archive.site.db;
    const stemmer = db.engine === 'postgres' ? new PgStemmer(db) : new Fts5Stemmer();
    const terms = new TermIndex(db, stemmer, async () => new Int32Array(0), {
      worker: false,
      readThreads,
    });
    try {
      const blob = encodeSnapshot(await terms.snapshot());
      // cables and stories, when other threads read (SQLite only)
      const threaded = readThreads > 0 && db.engine === 'sqlite';
      if (threaded) assert.ok(terms.buildStats.readBatches >= 4, `${terms.buildStats.readBatches}`);
      else assert.equal(terms.buildStats.readBatches, 0);
      return blob;
    } finally {
      terms.close();
    }
  };

  test('the same index as the build on one thread', async () => {
    const one = await build(0);
    const three = await build(2);
    assert.ok(one.length > 100_000, `${one.length} bytes`);
    assert.equal(three.length, one.length);
    assert.ok(Buffer.from(three).equals(Buffer.from(one)), 'same bytes');
  });
});
