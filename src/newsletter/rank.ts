/**
 * Digest ranking: which stories and cables go into an issue, in which order. Pure: it sees only
 * the candidates it is given (with their views over the week) and the limits.
 *
 * Order: by score — views in the week, doubled for editors' picks, plus one for a pick (so among
 * unread items picks lead, and a much-read story still beats a barely-read pick) — then the newer,
 * then the lower id (so the result is deterministic). At most `perSection` stories come from one section while others have
 * candidates left, so an issue spans the site. A quiet week (fewer candidates than places) is
 * topped up from `fallback` (the latest stories), never repeating an item.
 */
export interface Candidate {
  kind: 'story' | 'cable';
  id: number;
  title: string;
  /** Section name (stories) or "Cable archive" (cables). */
  section: string;
  teaser: string;
  /** Site-relative link. */
  path: string;
  publishedAt: string;
  views: number;
  pick: boolean;
}

export type DigestItem = Omit<Candidate, 'publishedAt'> & { publishedAt: string };

export interface RankOptions {
  maxStories: number;
  maxCables: number;
  perSection: number;
}

export const DEFAULT_RANK: RankOptions = { maxStories: 6, maxCables: 5, perSection: 2 };

export function score(c: Pick<Candidate, 'views' | 'pick'>): number {
  return c.pick ? 2 * c.views + 1 : c.views;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  const d = score(b) - score(a);
  if (d !== 0) return d;
  if (a.publishedAt !== b.publishedAt) return a.publishedAt < b.publishedAt ? 1 : -1;
  return a.id - b.id;
}

function pickTop(sorted: Candidate[], max: number, perSection: number): Candidate[] {
  const out: Candidate[] = [];
  const perSec = new Map<string, number>();
  const skipped: Candidate[] = [];
  for (const c of sorted) {
    if (out.length >= max) break;
    const n = perSec.get(c.section) ?? 0;
    if (n >= perSection) {
      skipped.push(c);
      continue;
    }
    perSec.set(c.section, n + 1);
    out.push(c);
  }
  // When the cap left places empty, the best of the capped sections fill them.
  for (const c of skipped) {
    if (out.length >= max) break;
    out.push(c);
  }
  return out.sort(compareCandidates);
}

function dedupe(list: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = `${c.kind}:${c.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function rankDigest(
  input: { stories: Candidate[]; cables: Candidate[]; fallback?: Candidate[] },
  opts: RankOptions = DEFAULT_RANK,
): { stories: Candidate[]; cables: Candidate[] } {
  const stories = pickTop(
    dedupe(input.stories).sort(compareCandidates),
    opts.maxStories,
    opts.perSection,
  );
  if (stories.length < opts.maxStories && input.fallback?.length) {
    const have = new Set(stories.map((s) => s.id));
    const extra = dedupe(input.fallback)
      .filter((c) => !have.has(c.id))
      .sort((a, b) =>
        a.publishedAt !== b.publishedAt ? (a.publishedAt < b.publishedAt ? 1 : -1) : a.id - b.id,
      )
      .slice(0, opts.maxStories - stories.length);
    stories.push(...extra);
  }
  const cables = dedupe(input.cables)
    .filter((c) => c.views > 0 || c.pick)
    .sort(compareCandidates)
    .slice(0, opts.maxCables);
  return { stories, cables };
}
