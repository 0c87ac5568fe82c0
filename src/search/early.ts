/**
 * Answers before the facet columns are loaded. A search thread reads every cable row once after a
 * start when there is no current columns file (2–3 s on the full archive, a fresh import or an
 * upgrade), and every search waited for that read. Until it is done, a plain text search (no
 * filters, relevance order) is answered from the database alone: the engine's match sets (FTS5 or
 * tsvector), which give the exact total, the kind counts and the same top hits the database path
 * gives once the columns are in (SearchService.relevancePage, the same ranking calls on the same
 * sets). The other facet counts and the month chart need the columns: such an answer leaves them
 * out and says so (`countsPending`; EARLY_NOTICE on the page and as the API's `countsNote`). Any
 * other search waits for the columns as before.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { isoMinutes } from './columns.ts';
import type { ParsedQuery, SearchParams } from './query.ts';

/** The notice of an answer given before the columns were loaded. */
export const EARLY_NOTICE =
  'Counts by origin, classification, tag, year and section, and the chart by month, are not ready yet: they come within seconds of a restart, once the archive has been read.';

/**
 * Whether a search can be answered before the columns are loaded: positive text, no filter
 * (filters and the facets need the columns), no text word that is also a tag (those count as a
 * filter too), relevance order (the date orders need every hit's date).
 */
export function answerableEarly(
  query: ParsedQuery,
  params: Pick<SearchParams, 'sort'>,
  textTags: string[],
): boolean {
  if (params.sort !== 'relevance' || textTags.length || !query.must.length) return false;
  for (const f of [query.filters, query.excludedFilters])
    for (const v of Object.values(f)) if (Array.isArray(v) ? v.length : v) return false;
  return true;
}

/** The stories that are documents of their own, ascending, and whether each is visible now. */
export interface OwnStories {
  ids: Int32Array;
  visible: Uint8Array;
}

/**
 * The stories that are documents of their own (no cable of the archive is theirs: see
 * SearchService.withoutCableStories), and which of them are visible at minute `nowMin` (published,
 * publication time come: StoryColumns.visible). One pass over the stories (about 0.1 s at 251,287
 * Cablegate stories, none of them on their own).
 */
export async function ownStoriesFromDatabase(db: Db, nowMin: number): Promise<OwnStories> {
  const { rows } = await sql<{ id: number; status: string; published_at: string }>`
    select s.id, s.status, s.published_at from stories s
    where s.cable_reference_id is null
      or not exists (select 1 from cables c where c.reference_id = s.cable_reference_id)
    order by s.id`.execute(db.kysely);
  const ids = new Int32Array(rows.length);
  const visible = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    ids[i] = Number(r.id);
    visible[i] = r.status === 'published' && isoMinutes(r.published_at) <= nowMin ? 1 : 0;
  });
  return { ids, visible };
}

/** The matched stories (ascending ids) that are their own (`own`), and those visible (`hits`). */
export function ownMatches(
  stories: OwnStories,
  matched: Int32Array,
): { own: Int32Array; hits: Int32Array } {
  const own = new Int32Array(Math.min(matched.length, stories.ids.length));
  const hits = new Int32Array(own.length);
  let o = 0;
  let h = 0;
  let j = 0;
  for (let i = 0; i < stories.ids.length && j < matched.length; i++) {
    const id = stories.ids[i];
    while (j < matched.length && matched[j] < id) j++;
    if (j >= matched.length || matched[j] !== id) continue;
    own[o++] = id;
    if (stories.visible[i]) hits[h++] = id;
  }
  return { own: own.subarray(0, o), hits: hits.subarray(0, h) };
}
