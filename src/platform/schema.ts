/**
 * The database schema as Kysely types: one interface per table, owned by its feature.
 * Timestamps are ISO 8601 UTC text (`2009-11-25T20:48:00.000Z`) on both engines so they
 * compare and sort the same way; booleans are 0/1 integers.
 */
import type { Generated } from 'kysely';
import type { CablesTables } from '../cables/schema.ts';
import type { JobsTables } from './jobs-migrations.ts';
import type { NewsletterTables } from '../newsletter/schema.ts';
import type { MembersTables } from '../members/schema.ts';
import type { NewsroomTables } from '../stories/schema.ts';
import type { FeedsTables } from '../feeds/schema.ts';
import type { LicensingTables } from '../licensing/schema.ts';

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

export interface PartnerItemsTable {
  id: Generated<number>;
  source: string;
  title: string;
  summary: string;
  url: string;
  published_at: string;
  is_demo: number;
  // Added by 0610_feeds_partner_feeds: the feed it came from and its de-duplication key.
  feed_id: number | null;
  unique_key: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface NewsletterSubscribersTable {
  id: Generated<number>;
  email: string;
  status: 'unconfirmed' | 'confirmed' | 'unsubscribed' | 'bounced';
  source: string;
  created_at: string;
  updated_at: string;
  // Added by 0500_newsletter_digest:
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounced_at: string | null;
  /** The issue whose link the reader unsubscribed with (for per-issue figures). */
  unsubscribed_issue_id: number | null;
  last_error: string | null;
  format: Generated<'html' | 'text'>;
}

export interface AdsTable {
  id: Generated<number>;
  kind: 'text' | 'image';
  headline: string;
  body: string;
  image_url: string | null;
  link_url: string;
  weight: number;
  starts_at: string | null;
  ends_at: string | null;
  is_demo: number;
  created_at: string;
  // Added by 0620_ads_targets_counts:
  /** Space-separated section slugs the ad runs in, with spaces around (` news cablegate `); '' = everywhere. */
  sections: Generated<string>;
  impressions: Generated<number>;
  clicks: Generated<number>;
}

export interface CoreTables {
  sections: SectionsTable;
  sources: SourcesTable;
  stories: StoriesTable;
  partner_items: PartnerItemsTable;
  settings: SettingsTable;
  newsletter_subscribers: NewsletterSubscribersTable;
  ads: AdsTable;
}

/** Every table of every feature. A feature adds its tables interface to this list. */
export interface Database extends CoreTables, CablesTables, JobsTables, NewsletterTables, MembersTables, LicensingTables, NewsroomTables, FeedsTables {}
