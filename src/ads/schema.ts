/** The house ads table (created by core and 0620 migrations). */
import type { Generated } from 'kysely';

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

export interface AdsTables {
  ads: AdsTable;
}

declare module '../platform/schema.ts' {
  interface Database extends AdsTables {}
}
