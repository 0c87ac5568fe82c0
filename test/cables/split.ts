// The tuning/validation split of the expected parser results (see conformance.test.ts).

/**
 * The part of the expected results a case belongs to, by a stable hash of its name (FNV-1a, 32
 * bits): about 70 % `tuning`, 30 % `validation`. Rules are changed by looking at tuning failures
 * only; the validation part tells whether a change generalises or only fits the examples.
 */
export function partOf(name: string): 'tuning' | 'validation' {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100 < 30 ? 'validation' : 'tuning';
}
