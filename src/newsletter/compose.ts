/**
 * Composing an issue: the week it covers, its candidates (from the database and the view counter),
 * the pure ranking, and the issue row (one per week, numbered in order).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import { nowIso } from '../platform/db.ts';
import { nextRun, offsetMs, type ScheduleSpec } from '../platform/jobs.ts';
import { viewsBetween } from '../platform/page-views.ts';
import { latestStories, storyPath, type Story } from '../stories/store.ts';
import {
  DEFAULT_RANK,
  rankDigest,
  type Candidate,
  type DigestItem,
  type RankOptions,
} from './rank.ts';
import { getIssueByWeek, toIssue, type Issue } from './store.ts';
import { NEWSLETTER_NAME } from './views.tsx';

type DB = Kysely<Database>;

/** Every Monday at 07:00 in NEWSLETTER_TZ. */
export const ISSUE_SCHEDULE: ScheduleSpec = { weekday: 1, hour: 7, minute: 0 };
const WEEK_MS = 7 * 86_400_000;

/** The send time of the next issue after `now`. */
export function nextIssueSlot(now: Date, timeZone: string): Date {
  return nextRun(now, ISSUE_SCHEDULE, timeZone);
}

/** ISO week (`2026-W49`) of the local date of `at` in the zone. */
export function weekKey(at: Date, timeZone: string): string {
  const local = new Date(at.getTime() + offsetMs(at.getTime(), timeZone));
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()));
  const dayNum = (d.getUTCDay() + 6) % 7; // Monday = 0
  d.setUTCDate(d.getUTCDate() - dayNum + 3); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function issueDateLabel(slot: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(slot);
}

function storyCandidate(s: Story, views: number): Candidate {
  return {
    kind: 'story',
    id: s.id,
    title: s.title,
    section: s.section_name,
    teaser: s.teaser,
    path: storyPath(s),
    publishedAt: s.published_at,
    views,
    pick: s.featured === 1,
  };
}

/** The week's candidates, ranked. */
export async function digestItems(
  db: DB,
  windowStart: Date,
  windowEnd: Date,
  opts: RankOptions = DEFAULT_RANK,
): Promise<DigestItem[]> {
  const startIso = windowStart.toISOString();
  const endIso = windowEnd.toISOString();
  // Whole UTC days that overlap the window.
  const fromDay = startIso.slice(0, 10);
  const toDay = new Date(windowEnd.getTime() + 86_400_000).toISOString().slice(0, 10);
  const [storyViews, cableViews] = await Promise.all([
    viewsBetween(db, 'story', fromDay, toDay),
    viewsBetween(db, 'cable', fromDay, toDay, 50),
  ]);

  const base = db
    .selectFrom('stories')
    .innerJoin('sections', 'sections.id', 'stories.section_id')
    .leftJoin('sources', 'sources.id', 'stories.source_id')
    .selectAll('stories')
    .select([
      'sections.slug as section_slug',
      'sections.name as section_name',
      'sources.name as source_name',
      'sources.url as source_url',
    ])
    .where('stories.status', '=', 'published')
    .where('stories.published_at', '<', endIso);
  const viewedIds = [...storyViews.keys()];
  const weekStories = (await base
    .where((eb) =>
      eb.or([
        eb('stories.published_at', '>=', startIso),
        ...(viewedIds.length ? [eb('stories.id', 'in', viewedIds)] : []),
      ]),
    )
    .orderBy('stories.published_at', 'desc')
    .limit(500)
    .execute()) as Story[];
  const fallback = await latestStories(db, { limit: opts.maxStories, now: endIso });

  const cableIds = [...cableViews.keys()];
  const cables = cableIds.length
    ? await db
        .selectFrom('cables')
        .select(['id', 'reference_id', 'title', 'subject', 'summary', 'origin', 'created'])
        .where('id', 'in', cableIds)
        .execute()
    : [];

  const ranked = rankDigest(
    {
      stories: weekStories.map((s) => storyCandidate(s, storyViews.get(s.id) ?? 0)),
      fallback: fallback.map((s) => storyCandidate(s, storyViews.get(s.id) ?? 0)),
      cables: cables.map((c) => ({
        kind: 'cable' as const,
        id: c.id,
        title: c.title || c.subject || c.reference_id,
        section: 'Cable archive',
        teaser: (c.summary || c.subject || `A cable from ${c.origin}.`).slice(0, 300),
        path: `/cables/${c.reference_id}`,
        publishedAt: c.created,
        views: cableViews.get(c.id) ?? 0,
        pick: false,
      })),
    },
    opts,
  );
  return [...ranked.stories, ...ranked.cables];
}

export function defaultIntro(siteName: string, items: DigestItem[]): string {
  const stories = items.filter((i) => i.kind === 'story').length;
  const cables = items.filter((i) => i.kind === 'cable').length;
  const parts = [`${stories} ${stories === 1 ? 'story' : 'stories'}`];
  if (cables)
    parts.push(`the ${cables} most-read ${cables === 1 ? 'cable' : 'cables'} in the archive`);
  return `Good morning. Here is the best of ${siteName} from the past week: ${parts.join(' and ')}.`;
}

/**
 * The issue for the week of `slot` (a Monday 07:00), composed now if it does not exist yet. An
 * existing issue is returned as it is: editors' changes are never overwritten.
 */
export async function issueForSlot(
  db: DB,
  slot: Date,
  opts: { timeZone: string; siteName: string; now?: Date; rank?: RankOptions },
): Promise<Issue> {
  const key = weekKey(slot, opts.timeZone);
  const existing = await getIssueByWeek(db, key);
  if (existing) return existing;
  const now = opts.now ?? new Date();
  const windowEnd = new Date(Math.min(slot.getTime(), now.getTime()));
  const windowStart = new Date(slot.getTime() - WEEK_MS);
  const items = await digestItems(db, windowStart, windowEnd, opts.rank);
  for (let attempt = 0; attempt < 5; attempt++) {
    const max = await db
      .selectFrom('newsletter_issues')
      .select((eb) => eb.fn.max('number').as('n'))
      .executeTakeFirst();
    const number = Number(max?.n ?? 0) + 1;
    const ts = nowIso();
    try {
      const row = await db
        .insertInto('newsletter_issues')
        .values({
          number,
          week_key: key,
          subject: `${NEWSLETTER_NAME}, ${issueDateLabel(slot, opts.timeZone)}`,
          intro: defaultIntro(opts.siteName, items),
          items: JSON.stringify(items),
          window_start: windowStart.toISOString(),
          window_end: windowEnd.toISOString(),
          status: 'draft',
          scheduled_for: slot.toISOString(),
          created_at: ts,
          updated_at: ts,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toIssue(row);
    } catch (err) {
      // Another process composed this week (or took the number) first.
      const raced = await getIssueByWeek(db, key);
      if (raced) return raced;
      if (attempt === 4) throw err;
    }
  }
  throw new Error('unreachable');
}
