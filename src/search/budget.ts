/**
 * What one search may cost. A query is refused before any matching when its text part asks for
 * more work than a search is allowed: too many words, too many OR alternatives, a very long
 * phrase, too many word starts (`terror*`), or word starts that expand to too many indexed words.
 * Each refusal says what to narrow. Everything here is pure; the expansion counts come from the
 * term index (the caller looks them up; while the index warms up they are unknown and only the
 * other limits apply).
 */
import type { ParsedQuery, TextNode } from './query.ts';
import { wordTokens } from './terms-stemmers.ts';

export interface CostLimits {
  /** Words in the text part (every word of phrases, alternatives and exclusions). */
  maxWords: number;
  /** Alternatives across the query's OR groups. */
  maxAlternatives: number;
  /** Words in one phrase. */
  maxPhraseWords: number;
  /** Word starts (`terror*`). */
  maxPrefixes: number;
  /** Indexed words one word start may expand to. */
  maxExpansion: number;
  /** Indexed words all word starts together may expand to. */
  maxExpandedTotal: number;
}

export const DEFAULT_COST_LIMITS: CostLimits = {
  maxWords: 32,
  maxAlternatives: 16,
  maxPhraseWords: 12,
  maxPrefixes: 8,
  maxExpansion: 3000,
  maxExpandedTotal: 8000,
};

export type CostReason =
  'words' | 'alternatives' | 'phrase' | 'prefixes' | 'expansion' | 'expanded';

export interface CostRefusal {
  reason: CostReason;
  /** For people: what is too costly and what to narrow. */
  message: string;
}

/** The parts of a query's text that cost work. */
export interface QueryShape {
  words: number;
  alternatives: number;
  /** Words of each phrase, with the phrase as typed. */
  phrases: { text: string; words: number }[];
  /** The word starts, lower-cased as the index sees them (`terror`), each once. */
  prefixes: string[];
}

/** Counts the costly parts of a parsed query's text (must and not clauses). */
export function queryShape(query: Pick<ParsedQuery, 'must' | 'not'>): QueryShape {
  const shape: QueryShape = { words: 0, alternatives: 0, phrases: [], prefixes: [] };
  const seen = new Set<string>();
  const visit = (n: TextNode): void => {
    switch (n.type) {
      case 'term': {
        const toks = wordTokens(n.text);
        shape.words += toks.length;
        if (n.prefix && toks.length) {
          const p = toks.join(' ');
          if (!seen.has(p)) {
            seen.add(p);
            shape.prefixes.push(p);
          }
        }
        return;
      }
      case 'phrase': {
        const words = wordTokens(n.text).length;
        shape.words += words;
        shape.phrases.push({ text: n.text, words });
        return;
      }
      case 'or':
        shape.alternatives += n.any.length;
        for (const c of n.any) visit(c);
        return;
      case 'and':
        for (const c of n.all) visit(c);
        return;
    }
  };
  for (const n of query.must) visit(n);
  for (const n of query.not) visit(n);
  return shape;
}

const fmt = (n: number) => n.toLocaleString('en-GB');

/**
 * The first limit a query's shape goes over, or null when it is within budget. `expansion(prefix)`
 * gives the number of indexed words a word start expands to, or null when that is not known.
 */
export function checkCost(
  shape: QueryShape,
  limits: CostLimits,
  expansion: (prefix: string) => number | null = () => null,
): CostRefusal | null {
  if (shape.words > limits.maxWords)
    return {
      reason: 'words',
      message: `This search has ${fmt(shape.words)} words; at most ${fmt(limits.maxWords)} are searched at once. Remove some words, or narrow it with a filter such as origin:, tag: or year:.`,
    };
  if (shape.alternatives > limits.maxAlternatives)
    return {
      reason: 'alternatives',
      message: `This search has ${fmt(shape.alternatives)} alternatives joined by OR; at most ${fmt(limits.maxAlternatives)} are allowed. Split it into several searches.`,
    };
  for (const p of shape.phrases)
    if (p.words > limits.maxPhraseWords)
      return {
        reason: 'phrase',
        message: `The phrase "${p.text.length > 60 ? p.text.slice(0, 57) + '…' : p.text}" has ${fmt(p.words)} words; a phrase may have at most ${fmt(limits.maxPhraseWords)}. Quote a shorter, distinctive part of it.`,
      };
  if (shape.prefixes.length > limits.maxPrefixes)
    return {
      reason: 'prefixes',
      message: `This search has ${fmt(shape.prefixes.length)} word starts (words ending in *); at most ${fmt(limits.maxPrefixes)} are allowed. Write some of the words out in full.`,
    };
  let total = 0;
  for (const p of shape.prefixes) {
    const n = expansion(p);
    if (n === null) continue;
    if (n > limits.maxExpansion)
      return {
        reason: 'expansion',
        message: `This search expands \`${p}*\` to ${fmt(n)} words (at most ${fmt(limits.maxExpansion)}); use a longer prefix.`,
      };
    total += n;
  }
  if (total > limits.maxExpandedTotal)
    return {
      reason: 'expanded',
      message: `The word starts in this search expand to ${fmt(total)} words together (at most ${fmt(limits.maxExpandedTotal)}); use longer prefixes or fewer of them.`,
    };
  return null;
}

/** The shortest word start a light search may have (shorter ones expand to many words). */
export const LIGHT_PREFIX = 5;

/**
 * Which lane of the fair queue a query waits in (fair-queue.ts): several word starts or a short
 * one, OR alternatives beyond a few, many words or a long phrase make it heavy (it may run up to
 * the time limit); the searches people type most (a few words, a short phrase, one word start of
 * LIGHT_PREFIX letters or more, which the term index ranks from its champion lists like a word)
 * are light and always find a search thread free when there are two or more.
 */
export function searchLane(shape: QueryShape): 'light' | 'heavy' {
  return shape.prefixes.length > 1 ||
    shape.prefixes.some((p) => p.length < LIGHT_PREFIX) ||
    shape.alternatives > 4 ||
    shape.words > 8 ||
    shape.phrases.some((p) => p.words > 6)
    ? 'heavy'
    : 'light';
}
