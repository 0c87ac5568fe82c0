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

export interface FeedsTables {
  partner_feeds: PartnerFeedsTable;
}
