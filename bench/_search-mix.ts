/**
 * The search benches' query mix: 200 queries of a fixed, seeded mix of one to three words, a
 * phrase and a prefix, every other five with two facet filters, as /api/search URLs.
 */
/** Words that occur in the generated cables, from very common to rare. */
const WORDS = [
  'government',
  'minister',
  'security',
  'council',
  'economy',
  'election',
  'pipeline',
  'attack',
  'military',
  'reform',
  'trade',
  'border',
  'narcotics',
  'police',
  'embassy',
  'party',
  'president',
  'opposition',
  'budget',
  'energy',
  'refugees',
  'corruption',
  'investment',
  'nuclear',
  'drought',
  'mining',
  'elections',
  'court',
  'terrorism',
  'visa',
];
const PHRASES = [
  '"human rights"',
  '"prime minister"',
  '"foreign minister"',
  '"security forces"',
  '"end summary"',
  '"deputy minister"',
];
const PREFIXES = ['terror*', 'econ*', 'negotiat*', 'milit*', 'elect*', 'corrupt*'];
const FACETS = [
  'origin=Embassy+Baghdad&year=2008',
  'classification=secret&tag=PGOV',
  'origin=Embassy+Lima&classification=confidential',
  'year=2009&tag=PREL',
  'origin=Embassy+Kabul&year=2007',
];

/** 200 queries: a fixed, seeded mix (seed 1 is measured; another seed warms the server up). */
export function queries(seed = 1): string[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const shape = i % 5;
    const text =
      shape === 0
        ? pick(WORDS)
        : shape === 1
          ? `${pick(WORDS)} ${pick(WORDS)}`
          : shape === 2
            ? `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`
            : shape === 3
              ? pick(PHRASES)
              : pick(PREFIXES);
    const facets = Math.floor(i / 5) % 2 === 1 ? '&' + pick(FACETS) : '';
    out.push(`/api/search?q=${encodeURIComponent(text)}${facets}`);
  }
  return out;
}
