/**
 * Saved searches with alerts for covered readers. A search is stored as normalizeQuery() of what
 * was typed, so the same search typed twice is one saved search. The alert job asks an
 * AlertSource — a narrow interface over the archive search — for items published since the last
 * check and mails the member a list.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Db } from '../platform/db.ts';
import { normalizeQuery, parseQuery } from '../search/query.ts';
import { alertMail } from './mails.ts';
import type { LicensingDeps, Result } from './service.ts';

export interface AlertItem {
  title: string;
  /** Site-relative path. */
  url: string;
  /** ISO 8601 UTC publication time. */
  date: string;
}

/** What alerts need from search: items matching `query` published in (since, until]. */
export interface AlertSource {
  newMatches(query: string, since: string, until: string): Promise<AlertItem[]>;
}

export const MAX_SAVED_SEARCHES = 50;
const WEEK_MS = 7 * 86_400_000;

export async function savedSearchesOf(db: Kysely<Database>, memberId: number) {
  return db
    .selectFrom('saved_searches')
    .selectAll()
    .where('member_id', '=', memberId)
    .orderBy('id')
    .execute();
}

export async function saveSearch(
  d: LicensingDeps,
  memberId: number,
  qInput: string,
  freqInput: string,
): Promise<Result<{ query: string }>> {
  const q = typeof qInput === 'string' ? qInput.trim() : '';
  if (!q)
    return {
      ok: false,
      code: 'invalid',
      message: 'Enter the words to search for, e.g. “shining path” origin:lima.',
      status: 400,
    };
  if (q.length > 500)
    return {
      ok: false,
      code: 'invalid',
      message: 'Keep the search under 500 characters.',
      status: 400,
    };
  const parsed = parseQuery(q);
  if (!parsed.ok)
    return {
      ok: false,
      code: 'invalid',
      message: `That search could not be read: ${parsed.error.message}`,
      status: 400,
    };
  if (freqInput !== 'daily' && freqInput !== 'weekly')
    return { ok: false, code: 'invalid', message: 'Choose daily or weekly alerts.', status: 400 };
  const query = normalizeQuery(q);
  const now = (d.now ? d.now() : new Date()).toISOString();
  const existing = await d.db
    .selectFrom('saved_searches')
    .select('id')
    .where('member_id', '=', memberId)
    .where('query', '=', query)
    .executeTakeFirst();
  if (existing) {
    await d.db
      .updateTable('saved_searches')
      .set({ frequency: freqInput })
      .where('id', '=', existing.id)
      .execute();
    return {
      ok: true,
      query,
      message: `You already follow “${query}”; alerts now come ${freqInput}.`,
    };
  }
  const count = (await savedSearchesOf(d.db, memberId)).length;
  if (count >= MAX_SAVED_SEARCHES)
    return {
      ok: false,
      code: 'limit',
      message: `You can keep up to ${MAX_SAVED_SEARCHES} saved searches; remove one first.`,
      status: 409,
    };
  await d.db
    .insertInto('saved_searches')
    .values({
      member_id: memberId,
      query,
      frequency: freqInput,
      created_at: now,
      last_checked_at: now,
    })
    .execute();
  return {
    ok: true,
    query,
    message: `Saved “${query}”. New stories and cables that match will be mailed to you ${freqInput}.`,
  };
}

export async function deleteSavedSearch(
  db: Kysely<Database>,
  memberId: number,
  id: number,
): Promise<boolean> {
  const r = await db
    .deleteFrom('saved_searches')
    .where('id', '=', id)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Runs the alerts due at `now`; returns how many mails were sent. */
export async function runAlerts(
  d: LicensingDeps,
  db: Db,
  source: AlertSource,
  now: Date,
): Promise<number> {
  const rows = await db.kysely
    .selectFrom('saved_searches')
    .innerJoin('members', 'members.id', 'saved_searches.member_id')
    .select([
      'saved_searches.id',
      'saved_searches.query',
      'saved_searches.frequency',
      'saved_searches.last_checked_at',
      'members.email',
    ])
    .execute();
  let sent = 0;
  const until = now.toISOString();
  for (const r of rows) {
    // Weekly searches are checked when a week has passed (an hour's slack for the schedule's drift).
    if (
      r.frequency === 'weekly' &&
      now.getTime() - Date.parse(r.last_checked_at) < WEEK_MS - 3_600_000
    )
      continue;
    const items = await source.newMatches(r.query, r.last_checked_at, until);
    if (items.length) {
      const base = d.baseUrl.replace(/\/+$/, '');
      await d.mailer.send(
        alertMail(
          r.email,
          { siteName: d.siteName, baseUrl: base },
          {
            query: r.query,
            items: items.slice(0, 50).map((i) => ({ title: i.title, url: base + i.url })),
          },
        ),
      );
      sent++;
    }
    await db.kysely
      .updateTable('saved_searches')
      .set({ last_checked_at: until })
      .where('id', '=', r.id)
      .execute();
  }
  return sent;
}

/**
 * The alert source over the archive search (src/search/service.ts) when it is available; until then
 * a plain word match over story titles and teasers and cable subjects.
 */
export function searchAlertSource(db: Db): AlertSource {
  let service: Promise<{ search(p: any): Promise<any> } | null> | null = null;
  const open = () =>
    (service ??= (async () => {
      try {
        // Loaded by name so this module does not depend on the search engine being present.
        const names = ['../search/service.ts', '../search/search-index.ts'];
        const [{ SearchService }, { openSearchIndex }] = (await Promise.all(
          names.map((n) => import(n)),
        )) as [any, any];
        return new SearchService(db, await openSearchIndex(db));
      } catch {
        return null;
      }
    })());
  return {
    async newMatches(query, since, until) {
      const s = await open();
      if (s) {
        const out = await s.search({
          q: query,
          tag: [],
          sort: 'newest',
          page: 1,
          size: 100,
          from: since.slice(0, 10),
        });
        if (out.ok) {
          return (out.result.hits as Array<{ title: string; url: string; date: string }>)
            .filter((h) => h.date > since && h.date <= until)
            .map((h) => ({ title: h.title, url: h.url, date: h.date }));
        }
        return [];
      }
      return plainMatches(db.kysely, query, since, until);
    },
  };
}

/** Every word of the query's text part in the title or teaser (case-insensitive). */
export async function plainMatches(
  db: Kysely<Database>,
  query: string,
  since: string,
  until: string,
): Promise<AlertItem[]> {
  const parsed = parseQuery(query);
  const words = parsed.ok
    ? parsed.query.must.flatMap((n) =>
        n.type === 'term' || n.type === 'phrase' ? [n.text.toLowerCase()] : [],
      )
    : [];
  if (!words.length) return [];
  const stories = await db
    .selectFrom('stories')
    .innerJoin('sections', 'sections.id', 'stories.section_id')
    .select([
      'stories.id',
      'stories.slug',
      'stories.title',
      'stories.teaser',
      'stories.published_at',
      'sections.slug as section',
    ])
    .where('stories.status', '=', 'published')
    .where('stories.published_at', '>', since)
    .where('stories.published_at', '<=', until)
    .execute();
  return stories
    .filter((s) => words.every((w) => `${s.title} ${s.teaser}`.toLowerCase().includes(w)))
    .map((s) => {
      const d = new Date(s.published_at);
      const path = `/stories/${s.section}/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${s.id}-${s.slug}`;
      return { title: s.title, url: path, date: s.published_at };
    });
}
