/**
 * Related cables: the cables sharing the most distinctive words with a cable. Its words that
 * the term index knows are weighted by frequency in the cable times rarity in the archive
 * (log N / df); words in one cable only or in more than MAX_SHARE of them say nothing about
 * likeness and are skipped. The best few are searched as an OR query and ranked by bm25, in the
 * search thread under a time limit. Without a ready term index there is no answer (the cable page
 * leaves the section out).
 */
import { wordTokens } from './terms-stemmers.ts';

/** Words searched for (the most distinctive of the cable). */
export const RELATED_WORDS = 12;
/** Words in more than this share of the cables are too common to relate two cables. */
const MAX_SHARE = 0.05;
/** Text of a cable read for its words (the rest of very long cables adds little). */
export const RELATED_TEXT = 20000;

/** A cable related to another (what the cable page lists). */
export interface RelatedCable {
  reference_id: string;
  title: string | null;
  created: string | null;
}

/**
 * The most distinctive words of a text, best first: known to the index (`df`: documents holding
 * each word, of `n`), in at least 2 documents and at most MAX_SHARE of them (at least 2 letters,
 * not only digits). Ties: the word.
 */
export function distinctiveWords(
  text: string,
  frequencies: (words: string[]) => { n: number; df: Map<string, number> } | null,
  limit = RELATED_WORDS,
): string[] | null {
  const tf = new Map<string, number>();
  for (const w of wordTokens(text))
    if (w.length >= 2 && !/^\d+$/.test(w)) tf.set(w, (tf.get(w) ?? 0) + 1);
  const known = frequencies([...tf.keys()]);
  if (!known) return null;
  const { n, df } = known;
  // A small archive: a word in up to 3 cables (not all) still says something.
  const most = Math.max(Math.floor(n * MAX_SHARE), Math.min(n - 1, 3));
  const scored: [string, number][] = [];
  for (const [w, f] of tf) {
    const d = df.get(w);
    if (d === undefined || d < 2 || d > most) continue;
    scored.push([w, Math.sqrt(f) * Math.log(n / d)]);
  }
  return scored
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([w]) => w);
}
