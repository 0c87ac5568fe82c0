/**
 * The database schema as Kysely types: one interface per table, owned by its feature.
 * Timestamps are ISO 8601 UTC text (`2009-11-25T20:48:00.000Z`) on both engines so they
 * compare and sort the same way; booleans are 0/1 integers.
 */
import type { Generated } from 'kysely';

/** The job queue (src/platform/jobs.ts; created by 0700_jobs_queue). */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** JSON text. */
  payload: string;
  run_at: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  unique_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface JobsTables {
  jobs: JobsTable;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/**
 * Every table of every feature. The platform declares its own (settings, jobs); each feature adds
 * its tables by declaration merging in its `schema.ts`:
 *
 *     declare module '../platform/schema.ts' {
 *       interface Database extends MyFeatureTables {}
 *     }
 */
export interface Database extends JobsTables {
  settings: SettingsTable;
}
