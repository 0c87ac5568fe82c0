/**
 * IP addresses, CIDR ranges and longest-prefix matching.
 *
 * Addresses are held as 32-bit words: one word for IPv4, four for IPv6.
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, also written `::ffff:102:304`)
 * are IPv4 everywhere in this module: they parse, normalise and match as the
 * embedded IPv4 address, and a mapped CIDR with a prefix of at least /96
 * becomes the equivalent IPv4 range (`::ffff:10.0.0.0/104` is `10.0.0.0/8`).
 *
 * Rules:
 * - IPv4 must be four decimal octets 0–255 without leading zeros
 *   (`010.0.0.1` is rejected: some parsers read it as octal).
 * - IPv6 follows RFC 4291 text form, with at most one `::` and an optional
 *   dotted IPv4 tail. Zone ids (`fe80::1%eth0`) and brackets are rejected.
 * - A CIDR without `/n` is a single host (/32 or /128).
 * - A CIDR whose address has host bits set (`10.1.2.3/8`) is normalised to
 *   its network (`10.0.0.0/8`); the result says so in `warning`.
 * - Canonical text is dotted-quad for IPv4 and RFC 5952 for IPv6
 *   (lower case, shortest form, the longest zero run compressed).
 */

export type IpFamily = 4 | 6;

export interface ParsedIp {
  readonly family: IpFamily;
  /** Canonical text form. */
  readonly address: string;
  /** Unsigned 32-bit words, most significant first: 1 for IPv4, 4 for IPv6. */
  readonly words: readonly number[];
}

export interface Cidr {
  readonly family: IpFamily;
  /** Prefix length in the family's own bit space (0–32 or 0–128). */
  readonly prefix: number;
  /** Canonical network address (host bits cleared). */
  readonly network: string;
  /** Canonical `network/prefix`. */
  readonly cidr: string;
  /** True when the input had host bits set and was normalised. */
  readonly hostBitsCleared: boolean;
  /** Network address as unsigned 32-bit words (1 for IPv4, 4 for IPv6). */
  readonly words: readonly number[];
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly warning?: string }
  | { readonly ok: false; readonly error: string };

// ---------------------------------------------------------------------------
// Low-level parsing into a caller-supplied buffer (no allocation on success).

/** Why the last `parseInto` call failed; only meaningful after a failure. */
let lastError = '';

const NOT_AN_IP = 0;

/**
 * Parses `s` into `out` and returns its family (4 or 6) or 0 when invalid.
 * IPv4 fills out[0]; IPv6 fills out[0..3]. IPv4-mapped IPv6 returns 4 with
 * the IPv4 address in out[0] and leaves the full IPv6 words in out[0..3] of
 * `raw6` when supplied.
 */
function parseInto(s: string, out: number[], raw6?: number[]): 0 | 4 | 6 {
  const n = s.length;
  if (n === 0) {
    lastError = 'empty address';
    return NOT_AN_IP;
  }
  if (s.indexOf(':') < 0) {
    const v = parseV4(s, 0, n);
    if (v < 0) return NOT_AN_IP;
    out[0] = v;
    return 4;
  }
  if (!parseV6(s, out)) return NOT_AN_IP;
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    if (raw6 !== undefined) {
      raw6[0] = 0;
      raw6[1] = 0;
      raw6[2] = 0xffff;
      raw6[3] = out[3];
    }
    out[0] = out[3];
    return 4;
  }
  return 6;
}

/** Parses dotted-quad IPv4 in s[start, end); returns the uint32 or -1. */
function parseV4(s: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (leadingZero) {
        lastError = `IPv4 octets must not have leading zeros: "${s}"`;
        return -1;
      }
      if (digits === 0 && c === 48) leadingZero = true;
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) {
        lastError = `IPv4 octet out of range (0–255): "${s}"`;
        return -1;
      }
    } else if (c === 46) {
      if (digits === 0 || dots === 3) {
        lastError = `not an IPv4 address: "${s}"`;
        return -1;
      }
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      leadingZero = false;
      dots++;
    } else {
      lastError =
        c === 37
          ? `zone ids are not allowed: "${s}"`
          : c === 47
            ? `expected an address, got a CIDR range: "${s}"`
            : `not an IP address: "${s}"`;
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) {
    lastError = `not an IPv4 address: "${s}"`;
    return -1;
  }
  return value * 256 + octet;
}

const groups: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Parses IPv6 text into four uint32 words; returns false when invalid. */
function parseV6(s: string, out: number[]): boolean {
  const n = s.length;
  let i = 0;
  let count = 0;
  let gap = -1; // group index where "::" sits
  if (s.charCodeAt(0) === 58) {
    if (n < 2 || s.charCodeAt(1) !== 58) {
      lastError = `IPv6 address cannot start with a single colon: "${s}"`;
      return false;
    }
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const groupStart = i;
    let v = 0;
    let digits = 0;
    while (i < n) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      digits++;
      i++;
    }
    if (i < n && s.charCodeAt(i) === 46) {
      // Dotted IPv4 tail: takes the last two groups.
      if (count > 6) {
        lastError = `too many groups in IPv6 address: "${s}"`;
        return false;
      }
      const v4 = parseV4(s, groupStart, n);
      if (v4 < 0) {
        lastError = `invalid IPv4 tail in IPv6 address: "${s}"`;
        return false;
      }
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = n;
      break;
    }
    if (digits === 0 || digits > 4) {
      const c = s.charCodeAt(i);
      lastError =
        c === 37
          ? `zone ids are not allowed: "${s}"`
          : digits > 4
            ? `IPv6 group longer than four hex digits: "${s}"`
            : c === 47
              ? `expected an address, got a CIDR range: "${s}"`
              : `not an IPv6 address: "${s}"`;
      return false;
    }
    if (count === 8) {
      lastError = `too many groups in IPv6 address: "${s}"`;
      return false;
    }
    groups[count++] = v;
    if (i === n) break;
    const c = s.charCodeAt(i);
    if (c !== 58) {
      lastError =
        c === 37
          ? `zone ids are not allowed: "${s}"`
          : c === 47
            ? `expected an address, got a CIDR range: "${s}"`
            : `not an IPv6 address: "${s}"`;
      return false;
    }
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) {
        lastError = `IPv6 address may contain "::" only once: "${s}"`;
        return false;
      }
      gap = count;
      i++;
    } else if (i === n) {
      lastError = `IPv6 address cannot end with a single colon: "${s}"`;
      return false;
    }
  }
  if (gap < 0) {
    if (count !== 8) {
      lastError = `IPv6 address needs eight groups or "::": "${s}"`;
      return false;
    }
  } else {
    if (count > 7) {
      lastError = `"::" must stand for at least one group: "${s}"`;
      return false;
    }
    const fill = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + fill] = groups[k];
    for (let k = gap; k < gap + fill; k++) groups[k] = 0;
  }
  out[0] = groups[0] * 65536 + groups[1];
  out[1] = groups[2] * 65536 + groups[3];
  out[2] = groups[4] * 65536 + groups[5];
  out[3] = groups[6] * 65536 + groups[7];
  return true;
}

// ---------------------------------------------------------------------------
// Formatting.

function formatV4(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

function formatV6(w: readonly number[]): string {
  const g: number[] = [];
  for (let k = 0; k < 4; k++) g.push(w[k] >>> 16, w[k] & 0xffff);
  let bestStart = -1;
  let bestLen = 1; // RFC 5952: a single zero group is not compressed
  for (let k = 0; k < 8;) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (a: number, b: number) =>
    g
      .slice(a, b)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function format(family: IpFamily, w: readonly number[]): string {
  return family === 4 ? formatV4(w[0]) : formatV6(w);
}

// ---------------------------------------------------------------------------
// Public parsing API.

export function parseIp(s: string): ParseResult<ParsedIp> {
  const w = [0, 0, 0, 0];
  const family = parseInto(s, w);
  if (family === NOT_AN_IP) return { ok: false, error: lastError };
  const words = family === 4 ? [w[0]] : w;
  return { ok: true, value: { family, address: format(family, words), words } };
}

/** Canonical text of an IP address, or null when it is not one. */
export function normaliseIp(ip: string): string | null {
  const r = parseIp(ip);
  return r.ok ? r.value.address : null;
}

/** True when `s` is a valid IPv4 or IPv6 address (mapped IPv6 included). */
export function isIpAddress(s: string): boolean {
  return parseInto(s, scratch) !== NOT_AN_IP;
}

/** Mask for the top `bits` bits of a word (0–32), as an unsigned number. */
function wordMask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function applyMask(words: number[], prefix: number): boolean {
  let changed = false;
  for (let k = 0; k < words.length; k++) {
    const m = wordMask(prefix - 32 * k);
    const v = (words[k] & m) >>> 0;
    if (v !== words[k]) changed = true;
    words[k] = v;
  }
  return changed;
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a host range).
 * Surrounding whitespace is ignored. Host bits are cleared and reported.
 */
export function parseCidr(input: string): ParseResult<Cidr> {
  const s = input.trim();
  if (s === '') return { ok: false, error: 'empty CIDR range' };
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const w = [0, 0, 0, 0];
  const raw6 = [0, 0, 0, 0];
  const parsedFamily = parseInto(addrText, w, raw6);
  if (parsedFamily === NOT_AN_IP)
    return { ok: false, error: `invalid CIDR range "${s}": ${lastError}` };
  const textFamily: IpFamily = addrText.indexOf(':') >= 0 ? 6 : 4;
  const maxBits = textFamily === 4 ? 32 : 128;
  let prefix = maxBits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) {
      return {
        ok: false,
        error: `invalid CIDR range "${s}": prefix length must be a whole number without leading zeros`,
      };
    }
    prefix = Number(p);
    if (prefix > maxBits) {
      return {
        ok: false,
        error: `invalid CIDR range "${s}": prefix length /${prefix} is out of range for IPv${textFamily} (0–${maxBits})`,
      };
    }
  }
  let family: IpFamily;
  let words: number[];
  if (parsedFamily === 4 && textFamily === 6) {
    // IPv4-mapped: an IPv4 range when the prefix covers the ::ffff:0:0/96 part.
    if (prefix >= 96) {
      family = 4;
      prefix -= 96;
      words = [w[0]];
    } else {
      family = 6;
      words = raw6;
    }
  } else if (parsedFamily === 4) {
    family = 4;
    words = [w[0]];
  } else {
    family = 6;
    words = w;
  }
  const hostBitsCleared = applyMask(words, prefix);
  const network = format(family, words);
  const cidr = `${network}/${prefix}`;
  const value: Cidr = { family, prefix, network, cidr, hostBitsCleared, words };
  return hostBitsCleared
    ? { ok: true, value, warning: `${s} has host bits set; normalised to ${cidr}` }
    : { ok: true, value };
}

/**
 * True when `ip` lies inside `cidr`. An invalid address or a family mismatch
 * gives false; an invalid range throws a RangeError (it is a configuration
 * error, not untrusted input).
 */
export function cidrContains(cidr: string | Cidr, ip: string): boolean {
  let range: Cidr;
  if (typeof cidr === 'string') {
    const r = parseCidr(cidr);
    if (!r.ok) throw new RangeError(r.error);
    range = r.value;
  } else {
    range = cidr;
  }
  const w = [0, 0, 0, 0];
  const family = parseInto(ip, w);
  if (family !== range.family) return false;
  for (let k = 0; k < range.words.length; k++) {
    const m = wordMask(range.prefix - 32 * k);
    if (((w[k] ^ range.words[k]) & m) !== 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Longest-prefix matching: one path-compressed binary trie per family.
//
// Nodes live in one Int32Array, eight slots each, so a lookup touches one
// 32-byte record per level and no heap objects until the final match:
//   [k0, k1, k2, k3, prefix length, zero child, one child, entry index]
// Node 0 is the IPv4 root and node 1 the IPv6 root (both /0). Roots are never
// children, so child index 0 means "none". Entry index -1 means "none".
//
// Large matchers also keep a first-level table indexed by the top 16 bits of
// the address (per family): the node to resume the walk from and the best
// entry found above it. That replaces the first ~16 levels of the walk, where
// a big random table is densest, with one array read. It is (re)built lazily
// on the first lookup after a change.

export interface CidrMatch<T> {
  /** Canonical CIDR of the matched range. */
  readonly cidr: string;
  readonly value: T;
}

export interface CidrEntry<T> {
  readonly cidr: string;
  readonly value: T;
}

const STRIDE = 8;
const LEN = 4;
const ZERO = 5;
const ONE = 6;
const ENTRY = 7;

/** Matchers with fewer ranges than this walk from the root (no 1 MB table). */
const TABLE_THRESHOLD = 256;
const TABLE_BITS = 16;
const TABLE_SIZE = 1 << TABLE_BITS;

/** MASKS[b] keeps the top b bits of a word (signed int32 form, for & tests). */
const MASKS = new Int32Array(33);
for (let b = 0; b <= 32; b++) MASKS[b] = wordMask(b) | 0;

function bitAt(w: readonly number[], i: number): number {
  return (w[i >>> 5] >>> (31 - (i & 31))) & 1;
}

/** Shared scratch buffer for lookups (single-threaded, never escapes). */
const scratch: number[] = [0, 0, 0, 0];

export class CidrMatcher<T> {
  private nodes = new Int32Array(STRIDE * 1024);
  private nodeCount = 2;
  private readonly matches: CidrMatch<T>[] = [];
  /** [resume node, best entry] per 16-bit prefix: IPv4 then IPv6. */
  private table: Int32Array | null = null;
  private tableStale = true;

  /**
   * Builds a matcher; throws a RangeError on the first invalid or conflicting
   * entry. Use `CidrMatcher.build` to collect problems instead.
   */
  constructor(entries: Iterable<CidrEntry<T>> = []) {
    this.nodes[ENTRY] = -1;
    this.nodes[STRIDE + ENTRY] = -1;
    for (const e of entries) {
      const r = this.add(e.cidr, e.value);
      if (!r.ok) throw new RangeError(r.error);
    }
  }

  /** Builds a matcher from whatever entries are valid and lists the rest. */
  static build<T>(entries: Iterable<CidrEntry<T>>): { matcher: CidrMatcher<T>; errors: string[] } {
    const matcher = new CidrMatcher<T>();
    const errors: string[] = [];
    for (const e of entries) {
      const r = matcher.add(e.cidr, e.value);
      if (!r.ok) errors.push(r.error);
    }
    return { matcher, errors };
  }

  /** Number of distinct ranges held. */
  get size(): number {
    return this.matches.length;
  }

  private newNode(w: readonly number[], len: number, entry: number): number {
    if ((this.nodeCount + 1) * STRIDE > this.nodes.length) {
      const grown = new Int32Array(this.nodes.length * 2);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    const id = this.nodeCount++;
    const m = w.slice();
    applyMask(m, len);
    const o = id * STRIDE;
    const nodes = this.nodes;
    for (let k = 0; k < 4; k++) nodes[o + k] = (m[k] ?? 0) | 0;
    nodes[o + LEN] = len;
    nodes[o + ZERO] = 0;
    nodes[o + ONE] = 0;
    nodes[o + ENTRY] = entry;
    return id;
  }

  private commonPrefix(node: number, w: readonly number[], max: number): number {
    const o = node * STRIDE;
    for (let k = 0; k < w.length; k++) {
      const x = (this.nodes[o + k] ^ w[k]) | 0;
      if (x !== 0) return Math.min(max, 32 * k + Math.clz32(x));
    }
    return max;
  }

  /**
   * Adds a range. Adding the same range again with the same value is a no-op;
   * with a different value it fails and the first value is kept.
   */
  add(cidr: string, value: T): ParseResult<Cidr> {
    const r = parseCidr(cidr);
    if (!r.ok) return r;
    const c = r.value;
    const key = c.words;
    const len = c.prefix;
    this.tableStale = true;
    const newEntry = (): number => {
      this.matches.push(Object.freeze({ cidr: c.cidr, value }));
      return this.matches.length - 1;
    };
    let node = c.family === 4 ? 0 : 1;
    for (;;) {
      const o = node * STRIDE;
      const nodeLen = this.nodes[o + LEN];
      if (nodeLen === len) {
        const existing = this.nodes[o + ENTRY];
        if (existing < 0) {
          this.nodes[o + ENTRY] = newEntry();
        } else if (!Object.is(this.matches[existing].value, value)) {
          return { ok: false, error: `duplicate range ${c.cidr} with a different value` };
        }
        return r;
      }
      const slot = bitAt(key, nodeLen) === 0 ? ZERO : ONE;
      const child = this.nodes[o + slot];
      if (child === 0) {
        const leaf = this.newNode(key, len, newEntry());
        this.nodes[o + slot] = leaf;
        return r;
      }
      const childLen = this.nodes[child * STRIDE + LEN];
      const cp = this.commonPrefix(child, key, Math.min(childLen, len));
      if (cp === childLen) {
        node = child;
        continue;
      }
      // Split: a new node holding the shared prefix goes between node and child.
      const mid = this.newNode(key, cp, cp === len ? newEntry() : -1);
      const co = child * STRIDE;
      const childWords = [
        this.nodes[co],
        this.nodes[co + 1],
        this.nodes[co + 2],
        this.nodes[co + 3],
      ];
      this.nodes[mid * STRIDE + (bitAt(childWords, cp) === 0 ? ZERO : ONE)] = child;
      if (cp !== len) {
        const leaf = this.newNode(key, len, newEntry());
        this.nodes[mid * STRIDE + (bitAt(key, cp) === 0 ? ZERO : ONE)] = leaf;
      }
      this.nodes[o + slot] = mid;
      return r;
    }
  }

  private buildTable(): void {
    this.tableStale = false;
    if (this.matches.length < TABLE_THRESHOLD) {
      this.table = null;
      return;
    }
    const table = this.table ?? new Int32Array(4 * TABLE_SIZE);
    const nodes = this.nodes;
    for (let family = 0; family < 2; family++) {
      const base = family * 2 * TABLE_SIZE;
      for (let hi = 0; hi < TABLE_SIZE; hi++) {
        const a = hi << (32 - TABLE_BITS);
        let best = -1;
        let resume = 0;
        let o = family * STRIDE;
        for (;;) {
          const len = nodes[o + LEN];
          if (len >= TABLE_BITS) {
            resume = o / STRIDE;
            break;
          }
          if (((nodes[o] ^ a) & MASKS[len]) !== 0) break;
          const e = nodes[o + ENTRY];
          if (e >= 0) best = e;
          const next = nodes[o + ZERO + ((a >>> (31 - len)) & 1)];
          if (next === 0) break;
          o = next * STRIDE;
        }
        table[base + 2 * hi] = resume;
        table[base + 2 * hi + 1] = best;
      }
    }
    this.table = table;
  }

  /** Longest-prefix match for an address; null when none or not an address. */
  lookup(ip: string): CidrMatch<T> | null {
    if (this.tableStale) this.buildTable();
    const family = parseInto(ip, scratch);
    let e: number;
    if (family === 4) e = this.lookup4(scratch[0] | 0);
    else if (family === 6)
      e = this.lookup6(scratch[0] | 0, scratch[1] | 0, scratch[2] | 0, scratch[3] | 0);
    else return null;
    return e < 0 ? null : this.matches[e];
  }

  /** True when the address lies in any range. */
  has(ip: string): boolean {
    return this.lookup(ip) !== null;
  }

  private lookup4(a: number): number {
    const nodes = this.nodes;
    let best = -1;
    let o = 0;
    const table = this.table;
    if (table !== null) {
      const t = 2 * (a >>> (32 - TABLE_BITS));
      best = table[t + 1];
      const resume = table[t];
      if (resume === 0) return best;
      o = resume * STRIDE;
    }
    for (;;) {
      const len = nodes[o + LEN];
      if (((nodes[o] ^ a) & MASKS[len]) !== 0) break;
      const e = nodes[o + ENTRY];
      if (e >= 0) best = e;
      if (len === 32) break;
      const next = nodes[o + ZERO + ((a >>> (31 - len)) & 1)];
      if (next === 0) break;
      o = next * STRIDE;
    }
    return best;
  }

  private lookup6(a0: number, a1: number, a2: number, a3: number): number {
    const nodes = this.nodes;
    let best = -1;
    let o = STRIDE;
    const table = this.table;
    if (table !== null) {
      const t = 2 * TABLE_SIZE + 2 * (a0 >>> (32 - TABLE_BITS));
      best = table[t + 1];
      const resume = table[t];
      if (resume === 0) return best;
      o = resume * STRIDE;
    }
    for (;;) {
      const len = nodes[o + LEN];
      let bit: number;
      if (len < 32) {
        if (((nodes[o] ^ a0) & MASKS[len]) !== 0) break;
        bit = (a0 >>> (31 - len)) & 1;
      } else if (len < 64) {
        if (nodes[o] !== a0 || ((nodes[o + 1] ^ a1) & MASKS[len - 32]) !== 0) break;
        bit = (a1 >>> (63 - len)) & 1;
      } else if (len < 96) {
        if (
          nodes[o] !== a0 ||
          nodes[o + 1] !== a1 ||
          ((nodes[o + 2] ^ a2) & MASKS[len - 64]) !== 0
        ) {
          break;
        }
        bit = (a2 >>> (95 - len)) & 1;
      } else {
        if (
          nodes[o] !== a0 ||
          nodes[o + 1] !== a1 ||
          nodes[o + 2] !== a2 ||
          ((nodes[o + 3] ^ a3) & MASKS[len - 96]) !== 0
        ) {
          break;
        }
        bit = len === 128 ? 0 : (a3 >>> (127 - len)) & 1;
      }
      const e = nodes[o + ENTRY];
      if (e >= 0) best = e;
      if (len === 128) break;
      const next = nodes[o + ZERO + bit];
      if (next === 0) break;
      o = next * STRIDE;
    }
    return best;
  }

  /** All ranges, IPv4 first, each family in address then prefix order. */
  *entries(): IterableIterator<CidrMatch<T>> {
    for (const root of [0, 1]) {
      const stack: number[] = [root];
      while (stack.length > 0) {
        const o = stack.pop()! * STRIDE;
        const e = this.nodes[o + ENTRY];
        if (e >= 0) yield this.matches[e];
        if (this.nodes[o + ONE] !== 0) stack.push(this.nodes[o + ONE]);
        if (this.nodes[o + ZERO] !== 0) stack.push(this.nodes[o + ZERO]);
      }
    }
  }
}
