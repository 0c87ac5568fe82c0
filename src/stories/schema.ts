/** Newsroom tables: the press-release queue and cable files uploaded from the dashboard. */
import type { Generated } from 'kysely';

export interface PressReleasesTable {
  id: Generated<number>;
  member_id: number;
  /** The submitter's address when submitted (where the "published" mail goes). */
  email: string;
  title: string;
  /** For a licensed submitter: sanitised HTML; otherwise plain text with links removed. */
  body: string;
  /** 1 when the submitter's organisation was licensed at submission (HTML kept, top of the queue). */
  licensed: number;
  organisation: string;
  contact: string;
  section_id: number | null;
  status: 'pending' | 'published' | 'rejected';
  reason: string | null;
  story_id: number | null;
  decided_by: number | null;
  created_at: string;
  updated_at: string;
}

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

export interface NewsroomTables {
  press_releases: PressReleasesTable;
  cable_uploads: CableUploadsTable;
}
