/**
 * Cable files uploaded from the dashboard: the upload is streamed to DATA_DIR/uploads (with a size
 * cap), recorded in `cable_uploads`, and imported by a `cables:upload` job with the CLI's importer
 * (`importCables`, on its own worker thread and database connection: import-runner.ts). Progress is written to the row at most every second, so the progress page (and
 * any process of a fleet) can show it; the file is removed when the import ends.
 */
import { rm } from 'node:fs/promises';
import { importOutcome } from './import-outcome.ts';
import type { Kysely, Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import { BACKGROUND_PACE, nowIso } from '../platform/db.ts';
import { enqueue, type JobHandler } from '../platform/jobs.ts';
import type { CableUploadsTable } from './schema.ts';

export type CableUpload = Selectable<CableUploadsTable>;
export const CABLE_UPLOAD_JOB = 'cables:upload';

export async function recordUpload(
  db: Db,
  u: { memberId: number | null; originalName: string; path: string; size: number },
): Promise<number> {
  const now = nowIso();
  const row = await db.kysely
    .insertInto('cable_uploads')
    .values({
      member_id: u.memberId,
      original_name: u.originalName.slice(0, 200),
      path: u.path,
      size: u.size,
      status: 'queued',
      progress: null,
      summary: null,
      error: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await enqueue(
    db,
    CABLE_UPLOAD_JOB,
    { uploadId: row.id },
    { uniqueKey: `cable-upload:${row.id}`, maxAttempts: 3 },
  );
  return row.id;
}

export async function getUpload(
  db: Kysely<Database>,
  id: number,
): Promise<CableUpload | undefined> {
  return db.selectFrom('cable_uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function recentUploads(db: Kysely<Database>, limit = 10): Promise<CableUpload[]> {
  return db.selectFrom('cable_uploads').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** The job: runs the importer on the uploaded file and records progress, summary or error. */
export function cableUploadJob(db: Db, onDone?: () => void): JobHandler {
  return async (payload: { uploadId: number }) => {
    const upload = await getUpload(db.kysely, Number(payload.uploadId));
    if (!upload || upload.status === 'done' || upload.status === 'failed') return;
    const set = (patch: Partial<Omit<CableUpload, 'id'>>) =>
      db.kysely
        .updateTable('cable_uploads')
        .set({ ...patch, updated_at: nowIso() })
        .where('id', '=', upload.id)
        .execute();
    await set({ status: 'running', error: null });
    let lastWrite = 0;
    let writing: Promise<unknown> = Promise.resolve();
    try {
      // On its own thread and connection (small transactions): pages keep their latency meanwhile.
      const { importInWorker } = await import('./import-runner.ts');
      const summary = await importInWorker(db, [upload.path], {
        workers: 1,
        // The site serves pages meanwhile: on PostgreSQL the import keeps a pace that leaves them
        // the cores (SQLite's batches follow their lock time).
        pace: BACKGROUND_PACE,
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastWrite < 1000) return;
          lastWrite = now;
          writing = writing
            .then(() => set({ progress: JSON.stringify({ ...p, file: upload.original_name }) }))
            .catch(() => {});
        },
      });
      await writing;
      const { files: _files, ...totals } = summary;
      const outcome = importOutcome(totals);
      // The summary replaces the last progress report, so the page counts the import once.
      await set({
        status: outcome.ok ? 'done' : 'failed',
        summary: JSON.stringify(totals),
        progress: null,
        error: outcome.failure,
      });
      await rm(upload.path, { force: true });
      onDone?.();
    } catch (err) {
      await writing;
      await set({ status: 'failed', error: String((err as Error)?.message ?? err).slice(0, 1000) });
      await rm(upload.path, { force: true });
    }
  };
}
