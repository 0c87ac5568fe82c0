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

export interface StoryAdminTables {
  press_releases: PressReleasesTable;
}

export interface SectionsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  description: string;
  position: number;
}

export interface SourcesTable {
  id: Generated<number>;
  name: string;
  url: string | null;
}

export interface StoriesTable {
  id: Generated<number>;
  section_id: number;
  slug: string;
  title: string;
  teaser: string;
  /** Body in Broadsheet's Markdown subset (see src/stories/markdown.ts). */
  body: string;
  source_id: number | null;
  author: string | null;
  status: 'draft' | 'published' | 'unpublished';
  featured: number;
  is_demo: number;
  /** Set for Cablegate stories: the cable they republish. */
  cable_reference_id: string | null;
  published_at: string;
  created_at: string;
  updated_at: string;
  /** Added by 0600: order among the home page's lead stories (lower first; null after). */
  lead_position: number | null;
}

export interface StoriesTables {
  sections: SectionsTable;
  sources: SourcesTable;
  stories: StoriesTable;
}

declare module '../platform/schema.ts' {
  interface Database extends StoriesTables, StoryAdminTables {}
}
