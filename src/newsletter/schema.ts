/**
 * Newsletter tables (the subscriber list itself is a core table, `newsletter_subscribers`, which
 * 0500_newsletter_digest extends). Issues keep the items they were sent with as JSON, so the public
 * archive shows what subscribers received. Deliveries are the per-recipient send log that makes an
 * issue exactly-once (see docs/decisions/0004-newsletter-exactly-once.md).
 */
import type { Generated } from 'kysely';

export interface NewsletterIssuesTable {
  id: Generated<number>;
  /** 1, 2, 3 … as shown at /newsletter/issues/<n>. */
  number: number;
  /** ISO week of the Monday the issue belongs to, e.g. `2026-W49`; one issue per week. */
  week_key: string;
  subject: string;
  intro: string;
  /** JSON: DigestItem[] in the order they appear. */
  items: string;
  /** The week the issue covers: [window_start, window_end). */
  window_start: string;
  window_end: string;
  status: 'draft' | 'scheduled' | 'sending' | 'sent';
  scheduled_for: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export type DeliveryStatus =
  'pending' | 'sending' | 'sent' | 'failed' | 'bounced' | 'unknown' | 'skipped';

export interface NewsletterDeliveriesTable {
  id: Generated<number>;
  issue_id: number;
  subscriber_id: number;
  status: DeliveryStatus;
  attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  next_attempt_at: string;
  /** The Message-ID the message carries, fixed before the first attempt (for tracing 'unknown'). */
  message_id: string | null;
  last_error: string | null;
  sent_at: string | null;
  updated_at: string;
}

/** Page views per item and UTC day; stories and cables (see src/platform/page-views.ts). */
export interface ViewsDailyTable {
  kind: 'story' | 'cable';
  item_id: number;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  views: number;
}

export interface NewsletterTables {
  newsletter_issues: NewsletterIssuesTable;
  newsletter_deliveries: NewsletterDeliveriesTable;
  views_daily: ViewsDailyTable;
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

export interface SubscribersTables {
  newsletter_subscribers: NewsletterSubscribersTable;
}

declare module '../platform/schema.ts' {
  interface Database extends SubscribersTables, NewsletterTables {}
}
