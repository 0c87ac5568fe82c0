/**
 * The search tables as Kysely types. They are created with raw SQL (migrations.ts) and mostly read
 * through it, but typed here like every other table so a query may use the builder.
 */
import type { Generated } from 'kysely';

/** Marks and counters: `epoch`, and `cables_indexed_upto` while a bulk import defers indexing. */
export interface SearchStateTable {
  key: string;
  value: number;
}

/** Every insert, update and delete of an indexed row, appended by triggers; processes read past their last seq. */
export interface SearchChangesTable {
  seq: Generated<number>;
  kind: 'cable' | 'story';
  doc_id: number;
  /** 1: logged by a bulk writer's batch (an import), which searches do not wait for; 0: any other. */
  bulk: Generated<number>;
}

/** PostgreSQL: one tsvector per cable or story (SQLite keeps FTS5 tables `cables_fts`, `stories_fts`). */
export interface TsvTable {
  id: number;
  tsv: string;
}

export interface SearchTables {
  search_state: SearchStateTable;
  search_changes: SearchChangesTable;
  cables_search: TsvTable;
  stories_search: TsvTable;
}

declare module '../platform/schema.ts' {
  interface Database extends SearchTables {}
}
