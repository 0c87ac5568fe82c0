/**
 * Search index migrations (range 0200–0299).
 *
 * SQLite: FTS5 external-content tables over `cables` (title, body) and `stories` (title, teaser,
 * body) with the porter tokenizer, kept current by triggers on the content tables.
 * PostgreSQL: `cables_search` / `stories_search` hold one weighted tsvector per row (title A,
 * teaser B, body D) under a GIN index, kept current by triggers.
 *
 * On both engines the triggers also append to `search_changes`, which every process reads before a
 * search to keep its in-memory facet columns current (see columns.ts), and they skip cables whose id
 * is above `search_state.cables_indexed_upto` while that key exists: the bulk importer sets it
 * before loading and `indexCablesAfterImport` (index.ts) indexes the rest and removes it.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';

type Builder = Kysely<any>;

const TOKENIZE = `tokenize = 'porter unicode61 remove_diacritics 2'`;
/** Condition true when a cable row is covered by the index (not waiting for indexCablesAfterImport). */
const sqliteIndexed = (ref: string) =>
  `${ref}.id <= coalesce((SELECT value FROM search_state WHERE key = 'cables_indexed_upto'), 9223372036854775807)`;

async function sqliteUp(db: Builder): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  await run(`CREATE TABLE search_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  await run(`INSERT INTO search_state (key, value) VALUES ('epoch', 1)`);
  await run(
    `CREATE TABLE search_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, doc_id INTEGER NOT NULL)`,
  );
  await run(
    `CREATE VIRTUAL TABLE cables_fts USING fts5(title, body, content = 'cables', content_rowid = 'id', ${TOKENIZE})`,
  );
  await run(
    `CREATE VIRTUAL TABLE stories_fts USING fts5(title, teaser, body, content = 'stories', content_rowid = 'id', ${TOKENIZE})`,
  );
  await run(`CREATE TRIGGER cables_search_ai AFTER INSERT ON cables WHEN ${sqliteIndexed('new')} BEGIN
    INSERT INTO cables_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
    INSERT INTO search_changes (kind, doc_id) VALUES ('cable', new.id);
  END`);
  await run(`CREATE TRIGGER cables_search_ad AFTER DELETE ON cables WHEN ${sqliteIndexed('old')} BEGIN
    INSERT INTO cables_fts (cables_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_changes (kind, doc_id) VALUES ('cable', old.id);
  END`);
  await run(`CREATE TRIGGER cables_search_au AFTER UPDATE ON cables WHEN ${sqliteIndexed('old')} BEGIN
    INSERT INTO cables_fts (cables_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO cables_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
    INSERT INTO search_changes (kind, doc_id) VALUES ('cable', new.id);
  END`);
  await run(`CREATE TRIGGER stories_search_ai AFTER INSERT ON stories BEGIN
    INSERT INTO stories_fts (rowid, title, teaser, body) VALUES (new.id, new.title, new.teaser, new.body);
    INSERT INTO search_changes (kind, doc_id) VALUES ('story', new.id);
  END`);
  await run(`CREATE TRIGGER stories_search_ad AFTER DELETE ON stories BEGIN
    INSERT INTO stories_fts (stories_fts, rowid, title, teaser, body) VALUES ('delete', old.id, old.title, old.teaser, old.body);
    INSERT INTO search_changes (kind, doc_id) VALUES ('story', old.id);
  END`);
  await run(`CREATE TRIGGER stories_search_au AFTER UPDATE ON stories BEGIN
    INSERT INTO stories_fts (stories_fts, rowid, title, teaser, body) VALUES ('delete', old.id, old.title, old.teaser, old.body);
    INSERT INTO stories_fts (rowid, title, teaser, body) VALUES (new.id, new.title, new.teaser, new.body);
    INSERT INTO search_changes (kind, doc_id) VALUES ('story', new.id);
  END`);
  // Rows written before this migration.
  await run(`INSERT INTO cables_fts (cables_fts) VALUES ('rebuild')`);
  await run(`INSERT INTO stories_fts (stories_fts) VALUES ('rebuild')`);
}

async function sqliteDown(db: Builder): Promise<void> {
  for (const t of [
    'cables_search_ai',
    'cables_search_ad',
    'cables_search_au',
    'stories_search_ai',
    'stories_search_ad',
    'stories_search_au',
  ]) {
    await sql.raw(`DROP TRIGGER IF EXISTS ${t}`).execute(db);
  }
  for (const t of ['cables_fts', 'stories_fts', 'search_changes', 'search_state'])
    await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
}

/** The weighted document vectors; the same expressions are used by the bulk indexer. */
export const PG_CABLE_TSV = (r: string) =>
  `setweight(to_tsvector('english', coalesce(${r}.title, '')), 'A') || setweight(to_tsvector('english', coalesce(${r}.body, '')), 'D')`;
export const PG_STORY_TSV = (r: string) =>
  `setweight(to_tsvector('english', coalesce(${r}.title, '')), 'A') || setweight(to_tsvector('english', coalesce(${r}.teaser, '')), 'B') || setweight(to_tsvector('english', coalesce(${r}.body, '')), 'D')`;

async function pgUp(db: Builder): Promise<void> {
  const run = (text: string) => sql.raw(text).execute(db);
  await run(`CREATE TABLE search_state (key TEXT PRIMARY KEY, value BIGINT NOT NULL)`);
  await run(`INSERT INTO search_state (key, value) VALUES ('epoch', 1)`);
  await run(
    `CREATE TABLE search_changes (seq BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, doc_id INTEGER NOT NULL)`,
  );
  await run(`CREATE TABLE cables_search (id INTEGER PRIMARY KEY, tsv TSVECTOR NOT NULL)`);
  await run(`CREATE TABLE stories_search (id INTEGER PRIMARY KEY, tsv TSVECTOR NOT NULL)`);
  await run(`CREATE INDEX cables_search_tsv ON cables_search USING gin (tsv)`);
  await run(`CREATE INDEX stories_search_tsv ON stories_search USING gin (tsv)`);
  await run(`CREATE FUNCTION search_cables_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE upto BIGINT;
    BEGIN
      SELECT value INTO upto FROM search_state WHERE key = 'cables_indexed_upto';
      IF TG_OP = 'DELETE' THEN
        IF upto IS NULL OR OLD.id <= upto THEN
          DELETE FROM cables_search WHERE id = OLD.id;
          INSERT INTO search_changes (kind, doc_id) VALUES ('cable', OLD.id);
        END IF;
        RETURN OLD;
      END IF;
      IF upto IS NULL OR NEW.id <= upto THEN
        INSERT INTO cables_search (id, tsv) VALUES (NEW.id, ${PG_CABLE_TSV('NEW')})
          ON CONFLICT (id) DO UPDATE SET tsv = EXCLUDED.tsv;
        INSERT INTO search_changes (kind, doc_id) VALUES ('cable', NEW.id);
      END IF;
      RETURN NEW;
    END $$`);
  await run(`CREATE FUNCTION search_stories_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM stories_search WHERE id = OLD.id;
        INSERT INTO search_changes (kind, doc_id) VALUES ('story', OLD.id);
        RETURN OLD;
      END IF;
      INSERT INTO stories_search (id, tsv) VALUES (NEW.id, ${PG_STORY_TSV('NEW')})
        ON CONFLICT (id) DO UPDATE SET tsv = EXCLUDED.tsv;
      INSERT INTO search_changes (kind, doc_id) VALUES ('story', NEW.id);
      RETURN NEW;
    END $$`);
  await run(
    `CREATE TRIGGER cables_search_sync AFTER INSERT OR UPDATE OR DELETE ON cables FOR EACH ROW EXECUTE FUNCTION search_cables_sync()`,
  );
  await run(
    `CREATE TRIGGER stories_search_sync AFTER INSERT OR UPDATE OR DELETE ON stories FOR EACH ROW EXECUTE FUNCTION search_stories_sync()`,
  );
  await run(`INSERT INTO cables_search (id, tsv) SELECT c.id, ${PG_CABLE_TSV('c')} FROM cables c`);
  await run(
    `INSERT INTO stories_search (id, tsv) SELECT s.id, ${PG_STORY_TSV('s')} FROM stories s`,
  );
}

async function pgDown(db: Builder): Promise<void> {
  await sql.raw(`DROP TRIGGER IF EXISTS cables_search_sync ON cables`).execute(db);
  await sql.raw(`DROP TRIGGER IF EXISTS stories_search_sync ON stories`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS search_cables_sync()`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS search_stories_sync()`).execute(db);
  for (const t of ['cables_search', 'stories_search', 'search_changes', 'search_state'])
    await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
}

/**
 * 0201 once replaced the GIN indexes with RUM indexes where the `rum` extension was installed (for
 * ranked index scans). Ranking moved to the in-process term index (docs/decisions/0003), and RUM
 * made bulk indexing many times slower (each insert rewrites positional posting trees; a
 * 20,000-cable batch took minutes where GIN takes 26 s), so 0201 now does nothing and 0202 puts GIN
 * back on databases that have RUM.
 */
async function pgGinBack(db: Builder): Promise<void> {
  const { rows } = await sql<{ indexname: string }>`select indexname from pg_indexes
    where schemaname = current_schema() and indexname in ('cables_search_rum', 'stories_search_rum')`.execute(
    db,
  );
  for (const { indexname } of rows) {
    const table = indexname.replace(/_rum$/, '');
    await sql
      .raw(`CREATE INDEX IF NOT EXISTS ${table}_tsv ON ${table} USING gin (tsv)`)
      .execute(db);
    await sql.raw(`DROP INDEX ${indexname}`).execute(db);
  }
}

/**
 * 0210: a logged change says whether a bulk writer's batch made it (an import marks its own, see
 * markBulkChanges in search-index.ts): a search waits for a few changes of an editor, never for
 * an upload's (docs/decisions/0006).
 */
const changesBulk: Migration = {
  async up(db: Builder) {
    await sql
      .raw(`ALTER TABLE search_changes ADD COLUMN bulk SMALLINT NOT NULL DEFAULT 0`)
      .execute(db);
  },
  async down(db: Builder) {
    await sql.raw(`ALTER TABLE search_changes DROP COLUMN bulk`).execute(db);
  },
};

export function searchMigrations(engine: Engine): Record<string, Migration> {
  if (engine === 'postgres') {
    return {
      '0200_search_index': { up: pgUp, down: pgDown },
      '0201_search_rum': { async up() {}, async down() {} },
      '0202_search_gin': { up: pgGinBack, async down() {} },
      '0210_search_changes_bulk': changesBulk,
    };
  }
  return {
    '0200_search_index': { up: sqliteUp, down: sqliteDown },
    '0210_search_changes_bulk': changesBulk,
  };
}
