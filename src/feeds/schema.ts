/** Partner feeds polled into partner_items (World Headlines). */
import type { Generated } from 'kysely';

export interface PartnerFeedsTable {
  id: Generated<number>;
  /** Shown as the item's source, e.g. "UN News". */
  name: string;
  url: string;
  etag: string | null;
  last_modified: string | null;
  last_polled_at: string | null;
  last_ok_at: string | null;
  /** Why the last poll failed (null when it worked). */
  last_error: string | null;
  /** Failed polls in a row. */
  error_count: number;
  /** Items added over the feed's life. */
  item_count: number;
  created_at: string;
}

/** Sitemaps and feeds made ahead of requests (src/feeds/documents.ts), with their compressed forms. */
export interface DocumentsTable {
  /** The address it is served at, e.g. /sitemaps/cables-1.xml. */
  path: string;
  content_type: string;
  /** Hash of `body`; '' while the first version is being made. */
  etag: string;
  body: Buffer | null;
  body_gzip: Buffer | null;
  body_br: Buffer | null;
  /** When this version was made (Last-Modified). */
  built_at: string;
  /** 1 after a change (an import, a publish): served while a new version is made; 2: changed during its build. */
  stale: number;
  /** A process making a new version holds this lease (others serve what there is, or wait). */
  building_until: string | null;
}

export interface FeedsTables {
  partner_feeds: PartnerFeedsTable;
  documents: DocumentsTable;
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

export interface PartnerItemsTables {
  partner_items: PartnerItemsTable;
}

declare module '../platform/schema.ts' {
  interface Database extends PartnerItemsTables, FeedsTables {}
}
