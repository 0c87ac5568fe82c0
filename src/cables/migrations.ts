/** Cable archive migrations (range 0100–0199; and 0630, the newsroom's cable uploads). */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../platform/db.ts';
import { withId } from '../platform/migration-helpers.ts';

type Builder = Kysely<any>;

export function cablesMigrations(engine: Engine): Record<string, Migration> {
  const id = withId(engine);
  return {
    '0100_cables_archive': {
      async up(db: Builder) {
        await id(db.schema.createTable('cables'))
          .addColumn('reference_id', 'text', (c) => c.notNull().unique())
          .addColumn('wikileaks_id', 'text')
          .addColumn('origin', 'text', (c) => c.notNull())
          .addColumn('station', 'text', (c) => c.notNull())
          .addColumn('created', 'text', (c) => c.notNull())
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('month', 'text', (c) => c.notNull())
          .addColumn('released', 'text')
          .addColumn('classification', 'text', (c) => c.notNull())
          .addColumn('precedence', 'text')
          .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('tags', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('summary', 'text')
          .addColumn('declassify', 'text')
          .addColumn('parsed', 'text', (c) => c.notNull())
          .addColumn('header', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('partial', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('imported_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('cables_origin_created')
          .on('cables')
          .columns(['origin', 'created'])
          .execute();
        await db.schema.createIndex('cables_created').on('cables').column('created').execute();
        await db.schema.createIndex('cables_month').on('cables').column('month').execute();
        await db.schema
          .createIndex('cables_classification')
          .on('cables')
          .columns(['classification', 'created'])
          .execute();
        await id(db.schema.createTable('cable_versions'))
          .addColumn('cable_id', 'integer', (c) =>
            c.notNull().references('cables.id').onDelete('cascade'),
          )
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('header', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('parsed', 'text', (c) => c.notNull())
          .addColumn('replaced_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('cable_versions_cable')
          .on('cable_versions')
          .columns(['cable_id', 'version'])
          .unique()
          .execute();
        await db.schema
          .createTable('cable_references')
          .addColumn('from_id', 'text', (c) => c.notNull())
          .addColumn('to_id', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('cable_references_pk', ['from_id', 'to_id'])
          .execute();
        await db.schema
          .createIndex('cable_references_to')
          .on('cable_references')
          .column('to_id')
          .execute();
        await db.schema
          .createTable('cable_tags')
          .addColumn('reference_id', 'text', (c) => c.notNull())
          .addColumn('tag', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('cable_tags_pk', ['reference_id', 'tag'])
          .execute();
        await db.schema
          .createIndex('cable_tags_tag')
          .on('cable_tags')
          .columns(['tag', 'reference_id'])
          .execute();
      },
      async down(db: Builder) {
        for (const t of ['cable_tags', 'cable_references', 'cable_versions', 'cables'])
          await db.schema.dropTable(t).ifExists().execute();
      },
    },
    '0101_cable_imports': {
      // Resumable imports: one row per input file (identified by size + a hash of its first MB) with
      // the byte offset of the last committed batch; the RawCable fields besides header and body.
      async up(db: Builder) {
        const big = engine === 'postgres' ? 'bigint' : 'integer';
        await id(db.schema.createTable('cable_imports'))
          .addColumn('file_key', 'text', (c) => c.notNull().unique())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('size', big, (c) => c.notNull())
          .addColumn('format', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('byte_offset', big, (c) => c.notNull().defaultTo(0))
          .addColumn('record_index', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('line', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('new_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('unchanged_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('skipped_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('skipped', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('seconds', 'real', (c) => c.notNull().defaultTo(0))
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema
          .alterTable('cables')
          .addColumn('source_meta', 'text', (c) => c.notNull().defaultTo('{}'))
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropTable('cable_imports').ifExists().execute();
        await db.schema.alterTable('cables').dropColumn('source_meta').execute();
      },
    },
    '0102_cable_stories_share_text': {
      // A Cablegate story's text is rendered from its cable (src/cables/story.ts), so the cable's
      // text is stored and indexed once instead of twice.
      async up(db: Builder) {
        await db
          .updateTable('stories')
          .set({ body: '' })
          .where('cable_reference_id', 'is not', null)
          .execute();
      },
      async down() {
        // The text is rebuilt from the cable on demand; nothing to restore.
      },
    },
    // Released in the newsroom's range (0600–0699) before the uploads moved to cables; a
    // migration's name never changes.
    '0630_newsroom_cable_uploads': {
      async up(db: Builder) {
        await id(db.schema.createTable('cable_uploads'))
          .addColumn('member_id', 'integer')
          .addColumn('original_name', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued'))
          .addColumn('progress', 'text')
          .addColumn('summary', 'text')
          .addColumn('error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
      async down(db: Builder) {
        await db.schema.dropTable('cable_uploads').ifExists().execute();
      },
    },
    '0103_cable_counts': {
      // The home page's archive box reads its counts here instead of grouping every cable.
      async up(db: Builder) {
        await db.schema
          .createTable('cable_counts')
          .addColumn('facet', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('n', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('cable_counts_pk', ['facet', 'key'])
          .execute();
        for (const facet of ['origin', 'month'])
          await sql
            .raw(
              `insert into cable_counts (facet, key, n) select '${facet}', ${facet}, count(*) from cables group by ${facet}`,
            )
            .execute(db);
        for (const statement of countTriggers(engine)) await sql.raw(statement).execute(db);
      },
      async down(db: Builder) {
        if (engine === 'postgres') {
          await sql.raw(`drop trigger if exists cable_counts_sync on cables`).execute(db);
          await sql.raw(`drop function if exists cable_counts_sync()`).execute(db);
        } else {
          await sql.raw(`drop trigger if exists cable_counts_au`).execute(db);
          await sql.raw(`drop trigger if exists cable_counts_ad`).execute(db);
        }
        await db.schema.dropTable('cable_counts').ifExists().execute();
      },
    },
  };
}

/**
 * Edits and deletes of single cables keep `cable_counts` right (an edit that changes a cable's
 * origin or month moves it, a delete removes it). New cables are counted by the store
 * (`storeCables`), once per batch, not row by row.
 */
function countTriggers(engine: Engine): string[] {
  const bump = (facet: string, key: string, by: number) =>
    `insert into cable_counts (facet, key, n) values ('${facet}', ${key}, ${by})
      on conflict (facet, key) do update set n = cable_counts.n + excluded.n;`;
  if (engine === 'sqlite')
    return [
      `create trigger cable_counts_au after update of origin, month on cables
        when old.origin is not new.origin or old.month is not new.month begin
        ${bump('origin', 'old.origin', -1)} ${bump('month', 'old.month', -1)}
        ${bump('origin', 'new.origin', 1)} ${bump('month', 'new.month', 1)}
      end`,
      `create trigger cable_counts_ad after delete on cables begin
        ${bump('origin', 'old.origin', -1)} ${bump('month', 'old.month', -1)}
      end`,
    ];
  return [
    `create function cable_counts_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.origin is not distinct from new.origin
        and old.month is not distinct from new.month then
        return null;
      end if;
      ${bump('origin', 'old.origin', -1)} ${bump('month', 'old.month', -1)}
      if tg_op = 'UPDATE' then
        ${bump('origin', 'new.origin', 1)} ${bump('month', 'new.month', 1)}
      end if;
      return null;
    end $$`,
    `create trigger cable_counts_sync after update of origin, month or delete on cables
      for each row execute function cable_counts_sync()`,
  ];
}
