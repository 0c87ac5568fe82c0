/**
 * Cable archive tables. A cable's current text lives in `cables`; earlier texts of a cable whose
 * content changed on re-import are kept in `cable_versions`. References are stored as pairs so both
 * directions ("references" and "referenced by") are one indexed lookup.
 */
import type { Generated } from 'kysely';

export interface CablesTable {
  id: Generated<number>;
  /** Canonical id, e.g. 09LIMA1669. */
  reference_id: string;
  /** The id as the source gave it, when it differs from the canonical one. */
  wikileaks_id: string | null;
  origin: string;
  station: string;
  /** ISO 8601 UTC (`2009-11-25T20:48:00Z`). */
  created: string;
  /** Derived from `created` for browsing and facets. */
  year: number;
  /** `2009-11` */
  month: string;
  released: string | null;
  classification: string;
  precedence: string | null;
  subject: string;
  title: string;
  /** Space-separated canonical tags with a leading and trailing space: ` PREL PGOV PE `. */
  tags: string;
  summary: string | null;
  declassify: string | null;
  /** The parser's full output (JSON text) without `body`. */
  parsed: string;
  header: string;
  body: string;
  partial: number;
  /** sha256 of header + body: an import with the same hash changes nothing. */
  content_hash: string;
  version: number;
  imported_at: string;
  updated_at: string;
  /** The reader's fields besides header and body (id as given, dates, origin…) as JSON, so the
   * page and the API can run the parser again on exactly what was imported. */
  source_meta: Generated<string>;
}

export interface CableVersionsTable {
  id: Generated<number>;
  cable_id: number;
  version: number;
  content_hash: string;
  header: string;
  body: string;
  parsed: string;
  replaced_at: string;
}

export interface CableReferencesTable {
  /** The citing cable. */
  from_id: string;
  /** The cited reference id (may not be in the archive). */
  to_id: string;
  position: number;
}

export interface CableTagsTable {
  reference_id: string;
  tag: string;
}

/** One row per imported file: where the last committed batch ended, and the running counts. */
export interface CableImportsTable {
  id: Generated<number>;
  /** `<size>:<sha256 of the first MiB>`: the same file under another path or mtime resumes. */
  file_key: string;
  path: string;
  size: number | string;
  format: string;
  status: 'running' | 'done';
  /** Byte offset where the next record starts (after the last committed batch). */
  byte_offset: number | string;
  record_index: number;
  line: number;
  new_count: number;
  updated_count: number;
  unchanged_count: number;
  skipped_count: number;
  /** JSON: the first skipped records `[{position, reason}]` (at most 100). */
  skipped: string;
  seconds: number;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A cables file uploaded in the newsroom (upload-routes.ts), imported by a job (uploads.ts). */
export interface CableUploadsTable {
  id: Generated<number>;
  member_id: number | null;
  original_name: string;
  /** The temporary file under DATA_DIR/uploads (removed after the import). */
  path: string;
  size: number | string;
  status: 'queued' | 'running' | 'done' | 'failed';
  /** JSON of the importer's latest ImportProgress. */
  progress: string | null;
  /** JSON summary when done. */
  summary: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** Cables per origin and per month (facet 'origin' | 'month'), for the home page's archive box. */
export interface CableCountsTable {
  facet: string;
  key: string;
  n: number;
}

export interface CablesTables {
  cable_counts: CableCountsTable;
  cable_imports: CableImportsTable;
  cable_uploads: CableUploadsTable;
  cables: CablesTable;
  cable_versions: CableVersionsTable;
  cable_references: CableReferencesTable;
  cable_tags: CableTagsTable;
}

declare module '../platform/schema.ts' {
  interface Database extends CablesTables {}
}
