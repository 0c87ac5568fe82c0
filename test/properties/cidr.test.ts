/**
 * Properties of the CIDR matcher against an oracle written independently of src/licensing/cidr.ts
 * (BigInt arithmetic on addresses built from numbers): a matched range contains the address, and
 * the longest containing prefix wins, for small matchers and for large ones (first-level table).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CidrMatcher } from '../../src/lib/cidr.ts';

interface Range {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

const width = (f: 4 | 6) => (f === 4 ? 32 : 128);
const mask = (f: 4 | 6, prefix: number) =>
  (((1n << BigInt(prefix)) - 1n) << BigInt(width(f) - prefix)) & ((1n << BigInt(width(f))) - 1n);
const contains = (r: Range, family: 4 | 6, addr: bigint) =>
  r.family === family && (addr & mask(family, r.prefix)) === (r.bits & mask(family, r.prefix));

function v4Text(x: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((x >> s) & 255n)).join('.');
}
function v6Text(x: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((x >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}
const text = (family: 4 | 6, x: bigint) => (family === 4 ? v4Text(x) : v6Text(x));

/** Addresses clustered under a few top bits so ranges nest and overlap often. */
const addr4 = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0x3fffffff }))
  .map(([hi, lo]) => (BigInt(hi) << 30n) | BigInt(lo));
const addr6 = fc
  .tuple(fc.constantFrom(0x2001n, 0x2a00n, 0xfd00n), fc.bigInt({ min: 0n, max: (1n << 112n) - 1n }))
  .map(([hi, lo]) => (hi << 112n) | lo);
// ::ffff:0:0/96 is the IPv4-mapped block, which the module treats as IPv4; keep IPv6 outside it.
const rangeArb: fc.Arbitrary<Range> = fc.oneof(
  fc
    .tuple(addr4, fc.integer({ min: 0, max: 32 }))
    .map(([bits, prefix]) => ({ family: 4 as const, bits, prefix })),
  fc
    .tuple(addr6, fc.integer({ min: 1, max: 128 }))
    .map(([bits, prefix]) => ({ family: 6 as const, bits, prefix })),
);
const probeArb = fc.oneof(
  addr4.map((a) => ({ family: 4 as const, a })),
  addr6.map((a) => ({ family: 6 as const, a })),
);

function check(ranges: Range[], probes: { family: 4 | 6; a: bigint }[], derived: boolean): void {
  // Probes inside the ranges as well as random ones.
  const all = [...probes];
  if (derived)
    for (const r of ranges)
      all.push({
        family: r.family,
        a:
          r.bits |
          (~mask(r.family, r.prefix) &
            ((1n << BigInt(width(r.family))) - 1n) &
            0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5an),
      });
  const { matcher, errors } = CidrMatcher.build(
    ranges.map((r, i) => ({ cidr: `${text(r.family, r.bits)}/${r.prefix}`, value: i })),
  );
  assert.deepEqual(
    errors.filter((e) => !/already|duplicate|conflict/i.test(e)),
    [],
  );
  for (const p of all) {
    const got = matcher.lookup(text(p.family, p.a));
    const containing = ranges.filter((r) => contains(r, p.family, p.a));
    if (!containing.length) {
      assert.equal(got, null, text(p.family, p.a));
      continue;
    }
    assert.ok(got, `${text(p.family, p.a)} is inside ${containing.length} range(s)`);
    const r = ranges[got.value];
    assert.ok(contains(r, p.family, p.a), `matched ${got.cidr} contains ${text(p.family, p.a)}`);
    const longest = Math.max(...containing.map((c) => c.prefix));
    assert.equal(r.prefix, longest, `longest prefix wins for ${text(p.family, p.a)}`);
  }
}

describe('CIDR matcher properties (independent BigInt oracle)', () => {
  it('small matchers: the matched range contains the address and has the longest prefix', () => {
    fc.assert(
      fc.property(
        fc.array(rangeArb, { maxLength: 40 }),
        fc.array(probeArb, { minLength: 1, maxLength: 30 }),
        (ranges, probes) => check(ranges, probes, true),
      ),
      { numRuns: 400 },
    );
  });

  it('large matchers (first-level table): the same properties hold', () => {
    fc.assert(
      fc.property(
        fc.array(rangeArb, { minLength: 300, maxLength: 600 }),
        fc.array(probeArb, { minLength: 50, maxLength: 100 }),
        (ranges, probes) => check(ranges, probes, true),
      ),
      { numRuns: 15 },
    );
  });

  it('IPv4-mapped IPv6 addresses match the IPv4 ranges', () => {
    fc.assert(
      fc.property(
        fc.array(
          rangeArb.filter((r) => r.family === 4),
          { minLength: 1, maxLength: 20 },
        ),
        addr4,
        (ranges, a) => {
          const m = CidrMatcher.build(
            ranges.map((r, i) => ({ cidr: `${v4Text(r.bits)}/${r.prefix}`, value: i })),
          ).matcher;
          const plain = m.lookup(v4Text(a));
          assert.deepEqual(m.lookup(`::ffff:${v4Text(a)}`), plain);
        },
      ),
      { numRuns: 300 },
    );
  });
});
