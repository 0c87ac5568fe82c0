import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import {
  CidrMatcher,
  cidrContains,
  isIpAddress,
  normaliseIp,
  parseCidr,
  parseIp,
} from '../../src/lib/cidr.ts';

function cidrOk(s: string) {
  const r = parseCidr(s);
  assert.ok(r.ok, `expected ${s} to parse: ${r.ok ? '' : r.error}`);
  return r;
}

function cidrErr(s: string): string {
  const r = parseCidr(s);
  assert.ok(!r.ok, `expected ${s} to be rejected`);
  return r.error;
}

describe('parseIp / normaliseIp', () => {
  it('accepts and canonicalises IPv4', () => {
    for (const s of ['0.0.0.0', '1.2.3.4', '255.255.255.255', '192.168.0.1', '10.0.0.255']) {
      assert.equal(normaliseIp(s), s);
    }
    const r = parseIp('203.0.113.9');
    assert.ok(r.ok);
    assert.equal(r.value.family, 4);
    assert.deepEqual(r.value.words, [0xcb007109]);
  });

  it('rejects malformed IPv4', () => {
    for (const s of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '1..2.3',
      '.1.2.3',
      '1.2.3.',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3.4 ',
      ' 1.2.3.4',
      '1.2.3.-4',
      '1.2.3.4/32',
      '0x1.2.3.4',
      '1.2.3.4:80',
      'localhost',
      '１.2.3.4',
    ]) {
      assert.equal(normaliseIp(s), null, s);
      assert.equal(isIpAddress(s), false, s);
    }
  });

  it('explains leading zeros and out-of-range octets', () => {
    const a = parseIp('010.0.0.1');
    assert.ok(!a.ok && /leading zeros/.test(a.error));
    const b = parseIp('1.2.3.300');
    assert.ok(!b.ok && /0–255/.test(b.error));
  });

  it('canonicalises IPv6 per RFC 5952', () => {
    const cases: Array<[string, string]> = [
      ['::', '::'],
      ['::1', '::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:db8::', '2001:db8::'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
      ['fe80::1:0:0:0', 'fe80::1:0:0:0'],
      ['fe80:0:0:1:0:0:0:0', 'fe80:0:0:1::'],
      ['::1.2.3.4', '::102:304'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    for (const [input, want] of cases) assert.equal(normaliseIp(input), want, input);
  });

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    for (const s of [
      '::ffff:1.2.3.4',
      '::FFFF:1.2.3.4',
      '::ffff:102:304',
      '0:0:0:0:0:ffff:1.2.3.4',
    ]) {
      const r = parseIp(s);
      assert.ok(r.ok, s);
      assert.equal(r.value.family, 4);
      assert.equal(r.value.address, '1.2.3.4');
    }
  });

  it('rejects malformed IPv6 and zone ids', () => {
    for (const s of [
      ':',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '1::2::3',
      ':1::2',
      '1::2:',
      '12345::',
      'g::1',
      '[::1]',
      '::1 ',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::ffff:1.2.3',
      '::ffff:1.2.3.04',
      '::1.2.3.4:5',
    ]) {
      assert.equal(normaliseIp(s), null, s);
    }
    const z = parseIp('fe80::1%eth0');
    assert.ok(!z.ok);
    assert.match(z.error, /zone ids are not allowed/);
    const z2 = parseIp('fe80::1%25eth0');
    assert.ok(!z2.ok && /zone/.test(z2.error));
  });

  it('agrees with node:net isIP on generated addresses', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
        assert.equal(isIpAddress(s), isIP(s) !== 0, s);
        const n = normaliseIp(s);
        assert.ok(n !== null);
        // Canonical output is itself valid and stable.
        assert.equal(normaliseIp(n), n);
        assert.notEqual(isIP(n), 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with node:net isIP on near-miss strings', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.%/ '.split(''));
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 45 }).map((a) => a.join('')),
        (s) => {
          // node accepts zone ids and leading-zero-free dotted quads; we reject zones.
          const expected = isIP(s) !== 0 && !s.includes('%');
          assert.equal(isIpAddress(s), expected, JSON.stringify(s));
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('parseCidr', () => {
  it('parses IPv4 and IPv6 ranges', () => {
    const a = cidrOk('10.0.0.0/8');
    assert.ok(a.ok);
    assert.deepEqual(
      {
        family: a.value.family,
        prefix: a.value.prefix,
        cidr: a.value.cidr,
        cleared: a.value.hostBitsCleared,
      },
      { family: 4, prefix: 8, cidr: '10.0.0.0/8', cleared: false },
    );
    assert.equal(a.warning, undefined);
    const b = cidrOk('2001:DB8::/32');
    assert.ok(b.ok);
    assert.equal(b.value.family, 6);
    assert.equal(b.value.cidr, '2001:db8::/32');
    assert.equal(cidrOk('0.0.0.0/0').value.cidr, '0.0.0.0/0');
    assert.equal(cidrOk('::/0').value.cidr, '::/0');
  });

  it('treats a bare address as a host range and trims whitespace', () => {
    assert.equal(cidrOk('192.0.2.7').value.cidr, '192.0.2.7/32');
    assert.equal(cidrOk('2001:db8::7').value.cidr, '2001:db8::7/128');
    assert.equal(cidrOk('  10.0.0.0/8\n').value.cidr, '10.0.0.0/8');
  });

  it('normalises host bits and reports it', () => {
    const r = cidrOk('10.1.2.3/8');
    assert.ok(r.ok);
    assert.equal(r.value.cidr, '10.0.0.0/8');
    assert.equal(r.value.hostBitsCleared, true);
    assert.equal(r.warning, '10.1.2.3/8 has host bits set; normalised to 10.0.0.0/8');
    const v6 = cidrOk('2001:db8::1/32');
    assert.equal(v6.value.cidr, '2001:db8::/32');
    assert.equal(v6.value.hostBitsCleared, true);
    assert.equal(cidrOk('192.168.1.255/31').value.cidr, '192.168.1.254/31');
    assert.equal(cidrOk('255.255.255.255/1').value.cidr, '128.0.0.0/1');
    assert.equal(
      cidrOk('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65').value.cidr,
      'ffff:ffff:ffff:ffff:8000::/65',
    );
  });

  it('rejects out-of-range prefixes with a clear message', () => {
    assert.equal(
      cidrErr('1.2.3.4/33'),
      'invalid CIDR range "1.2.3.4/33": prefix length /33 is out of range for IPv4 (0–32)',
    );
    assert.match(cidrErr('::/129'), /\/129 is out of range for IPv6 \(0–128\)/);
    for (const s of [
      '1.2.3.4/',
      '1.2.3.4/-1',
      '1.2.3.4/08',
      '1.2.3.4/a',
      '1.2.3.4/8/8',
      '1.2.3.4/ 8',
      '/8',
      '',
    ]) {
      cidrErr(s);
    }
    assert.match(cidrErr('1.2.3.4/08'), /leading zeros/);
  });

  it('rejects zone ids and bad addresses', () => {
    assert.match(cidrErr('fe80::%eth0/64'), /zone ids are not allowed/);
    assert.match(cidrErr('1.2.3.999/24'), /0–255/);
    assert.match(cidrErr('example.com/24'), /invalid CIDR range "example.com\/24"/);
  });

  it('maps IPv4-mapped ranges onto IPv4', () => {
    const r = cidrOk('::ffff:10.0.0.0/104');
    assert.equal(r.value.family, 4);
    assert.equal(r.value.cidr, '10.0.0.0/8');
    assert.equal(cidrOk('::ffff:1.2.3.4').value.cidr, '1.2.3.4/32');
    assert.equal(cidrOk('::ffff:0.0.0.0/96').value.cidr, '0.0.0.0/0');
    // Shorter than /96 reaches outside the mapped block: stays IPv6.
    const wide = cidrOk('::ffff:0:0/95');
    assert.equal(wide.value.family, 6);
    assert.equal(wide.value.cidr, '::fffe:0:0/95');
  });
});

describe('cidrContains', () => {
  it('matches inside and rejects outside', () => {
    assert.equal(cidrContains('10.0.0.0/8', '10.255.255.255'), true);
    assert.equal(cidrContains('10.0.0.0/8', '11.0.0.0'), false);
    assert.equal(cidrContains('10.0.0.0/8', '9.255.255.255'), false);
    assert.equal(cidrContains('0.0.0.0/0', '203.0.113.1'), true);
    assert.equal(cidrContains('192.0.2.1/32', '192.0.2.1'), true);
    assert.equal(cidrContains('192.0.2.1/32', '192.0.2.2'), false);
    assert.equal(cidrContains('2001:db8::/32', '2001:db8:ffff::1'), true);
    assert.equal(cidrContains('2001:db8::/32', '2001:db9::1'), false);
    assert.equal(cidrContains('2001:db8::1/128', '2001:db8::1'), true);
    assert.equal(cidrContains('::/0', '::1'), true);
  });

  it('never crosses families, except through IPv4-mapped addresses', () => {
    assert.equal(cidrContains('0.0.0.0/0', '::1'), false);
    assert.equal(cidrContains('::/0', '1.2.3.4'), false);
    assert.equal(cidrContains('10.0.0.0/8', '::ffff:10.1.2.3'), true);
    assert.equal(cidrContains('::ffff:10.0.0.0/104', '10.1.2.3'), true);
  });

  it('is false for an invalid address and throws for an invalid range', () => {
    assert.equal(cidrContains('10.0.0.0/8', 'not an ip'), false);
    assert.equal(cidrContains('10.0.0.0/8', 'fe80::1%eth0'), false);
    assert.throws(() => cidrContains('10.0.0.0/33', '10.0.0.1'), RangeError);
  });

  it('accepts a parsed range', () => {
    const r = cidrOk('172.16.0.0/12');
    assert.equal(cidrContains(r.value, '172.31.255.255'), true);
    assert.equal(cidrContains(r.value, '172.32.0.0'), false);
  });
});

describe('CidrMatcher', () => {
  it('does longest-prefix matching', () => {
    const m = new CidrMatcher<string>([
      { cidr: '10.0.0.0/8', value: 'a' },
      { cidr: '10.1.0.0/16', value: 'b' },
      { cidr: '10.1.2.0/24', value: 'c' },
      { cidr: '10.1.2.3/32', value: 'd' },
      { cidr: '2001:db8::/32', value: 'e' },
      { cidr: '2001:db8:1::/48', value: 'f' },
    ]);
    assert.equal(m.size, 6);
    assert.deepEqual(m.lookup('10.9.9.9'), { cidr: '10.0.0.0/8', value: 'a' });
    assert.deepEqual(m.lookup('10.1.9.9'), { cidr: '10.1.0.0/16', value: 'b' });
    assert.deepEqual(m.lookup('10.1.2.9'), { cidr: '10.1.2.0/24', value: 'c' });
    assert.deepEqual(m.lookup('10.1.2.3'), { cidr: '10.1.2.3/32', value: 'd' });
    assert.deepEqual(m.lookup('::ffff:10.1.2.3'), { cidr: '10.1.2.3/32', value: 'd' });
    assert.equal(m.lookup('11.0.0.0'), null);
    assert.deepEqual(m.lookup('2001:db8:2::1'), { cidr: '2001:db8::/32', value: 'e' });
    assert.deepEqual(m.lookup('2001:db8:1:ffff::1'), { cidr: '2001:db8:1::/48', value: 'f' });
    assert.equal(m.lookup('2001:db9::'), null);
    assert.equal(m.lookup('garbage'), null);
    assert.equal(m.lookup(''), null);
    assert.equal(m.has('10.0.0.1'), true);
    assert.equal(m.has('192.0.2.1'), false);
  });

  it('finds the answer regardless of insertion order', () => {
    const entries = [
      { cidr: '10.1.2.0/24', value: 'c' },
      { cidr: '10.0.0.0/8', value: 'a' },
      { cidr: '10.1.0.0/16', value: 'b' },
      { cidr: '10.128.0.0/9', value: 'g' },
    ];
    for (const order of [entries, [...entries].reverse()]) {
      const m = new CidrMatcher(order);
      assert.equal(m.lookup('10.1.2.200')?.value, 'c');
      assert.equal(m.lookup('10.1.3.1')?.value, 'b');
      assert.equal(m.lookup('10.200.0.1')?.value, 'g');
      assert.equal(m.lookup('10.2.0.1')?.value, 'a');
    }
  });

  it('handles default routes and host routes', () => {
    const m = new CidrMatcher([
      { cidr: '0.0.0.0/0', value: 'v4-any' },
      { cidr: '::/0', value: 'v6-any' },
      { cidr: '255.255.255.255/32', value: 'top' },
      { cidr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', value: 'top6' },
      { cidr: '::/128', value: 'zero6' },
    ]);
    assert.equal(m.lookup('1.2.3.4')?.value, 'v4-any');
    assert.equal(m.lookup('255.255.255.255')?.value, 'top');
    assert.equal(m.lookup('255.255.255.254')?.value, 'v4-any');
    assert.equal(m.lookup('2001:db8::1')?.value, 'v6-any');
    assert.equal(m.lookup('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.value, 'top6');
    assert.equal(m.lookup('::')?.value, 'zero6');
    assert.equal(m.lookup('::1')?.value, 'v6-any');
  });

  it('normalises host bits on insert', () => {
    const m = new CidrMatcher([{ cidr: '192.0.2.77/24', value: 1 }]);
    assert.deepEqual(m.lookup('192.0.2.1'), { cidr: '192.0.2.0/24', value: 1 });
  });

  it('reports invalid and conflicting entries', () => {
    assert.throws(() => new CidrMatcher([{ cidr: '1.2.3.4/33', value: 1 }]), /out of range/);
    assert.throws(
      () =>
        new CidrMatcher([
          { cidr: '10.0.0.0/8', value: 1 },
          { cidr: '10.1.0.0/8', value: 2 },
        ]),
      /duplicate range 10.0.0.0\/8/,
    );
    // Same range, same value: harmless.
    const same = new CidrMatcher([
      { cidr: '10.0.0.0/8', value: 1 },
      { cidr: '10.0.0.0/8', value: 1 },
    ]);
    assert.equal(same.size, 1);
    const { matcher, errors } = CidrMatcher.build([
      { cidr: '10.0.0.0/8', value: 'x' },
      { cidr: 'bogus', value: 'y' },
      { cidr: '10.0.0.0/8', value: 'z' },
      { cidr: '2001:db8::/32', value: 'w' },
    ]);
    assert.equal(matcher.size, 2);
    assert.equal(errors.length, 2);
    assert.equal(matcher.lookup('10.0.0.1')?.value, 'x');
    const add = matcher.add('172.16.0.0/12', 'q');
    assert.ok(add.ok);
    assert.equal(matcher.lookup('172.20.0.1')?.value, 'q');
    const bad = matcher.add('fe80::/10%x', 'q');
    assert.ok(!bad.ok);
  });

  it('lists its entries', () => {
    const m = new CidrMatcher([
      { cidr: '2001:db8::/32', value: 3 },
      { cidr: '10.1.0.0/16', value: 2 },
      { cidr: '10.0.0.0/8', value: 1 },
    ]);
    assert.deepEqual(
      [...m.entries()].map((e) => e.cidr),
      ['10.0.0.0/8', '10.1.0.0/16', '2001:db8::/32'],
    );
  });

  it('matches a brute-force scan on random ranges (both families)', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    const v4 = (w: number) => `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
    const v6 = (w: number[]) =>
      w.map((x) => `${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}`).join(':');
    // Few distinct top bits so ranges nest and collide often.
    const near = fc
      .tuple(fc.integer({ min: 0, max: 3 }), word)
      .map(([hi, lo]) => ((hi << 30) | (lo >>> 2)) >>> 0);
    const range = fc.oneof(
      fc.tuple(near, fc.integer({ min: 0, max: 32 })).map(([w, p]) => `${v4(w)}/${p}`),
      fc
        .tuple(near, word, word, word, fc.integer({ min: 0, max: 128 }))
        .map(([a, b, c, d, p]) => `${v6([a, b, c, d])}/${p}`),
    );
    const addr = fc.oneof(near.map(v4), fc.tuple(near, word, word, word).map(v6));
    fc.assert(
      fc.property(
        fc.array(range, { maxLength: 60 }),
        fc.array(addr, { minLength: 1, maxLength: 40 }),
        (ranges, addrs) => {
          const { matcher } = CidrMatcher.build(ranges.map((cidr, i) => ({ cidr, value: i })));
          const canonical = new Map<string, number>();
          ranges.forEach((r, i) => {
            const p = parseCidr(r);
            if (p.ok && !canonical.has(p.value.cidr)) canonical.set(p.value.cidr, i);
          });
          for (const a of addrs) {
            let best: { cidr: string; prefix: number; value: number } | null = null;
            for (const [cidr, value] of canonical) {
              const p = parseCidr(cidr);
              assert.ok(p.ok);
              if (cidrContains(p.value, a) && (best === null || p.value.prefix > best.prefix)) {
                best = { cidr, prefix: p.value.prefix, value };
              }
            }
            const got = matcher.lookup(a);
            assert.deepEqual(got, best === null ? null : { cidr: best.cidr, value: best.value }, a);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
  it('matches a brute-force scan with the first-level table (large matchers), including after later adds', () => {
    let seed = 42;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed ^ (seed >>> 16)) >>> 0;
    };
    const v4 = (w: number) => `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
    const v6 = (w: number[]) =>
      w.map((x) => `${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}`).join(':');
    // Few distinct top bytes, so short and long prefixes nest around the 16-bit table edge.
    const near = () => ((((rand() % 3) << 24) | (rand() & 0x00ffffff)) + 0x0a000000) >>> 0;
    const ranges: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      if (i % 4 === 0)
        ranges.push(
          `${v6([(0x20010000 | (rand() & 3)) >>> 0, rand(), rand(), rand()])}/${rand() % 129}`,
        );
      else ranges.push(`${v4(near())}/${rand() % 33}`);
    }
    const addrs: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      addrs.push(
        i % 4 === 0 ? v6([(0x20010000 | (rand() & 3)) >>> 0, rand(), rand(), rand()]) : v4(near()),
      );
    }
    const brute = (list: string[], a: string) => {
      let best: { cidr: string; prefix: number; value: number } | null = null;
      const seen = new Set<string>();
      list.forEach((r, value) => {
        const p = parseCidr(r);
        assert.ok(p.ok);
        if (seen.has(p.value.cidr)) return;
        seen.add(p.value.cidr);
        if (cidrContains(p.value, a) && (best === null || p.value.prefix > best.prefix)) {
          best = { cidr: p.value.cidr, prefix: p.value.prefix, value };
        }
      });
      return best === null
        ? null
        : { cidr: (best as { cidr: string }).cidr, value: (best as { value: number }).value };
    };
    const first = ranges.slice(0, 2_000);
    const { matcher } = CidrMatcher.build(first.map((cidr, value) => ({ cidr, value })));
    assert.ok(matcher.size > 256);
    for (const a of addrs.slice(0, 300)) assert.deepEqual(matcher.lookup(a), brute(first, a), a);
    // Later additions must invalidate the table.
    ranges.slice(2_000).forEach((cidr, i) => matcher.add(cidr, 2_000 + i));
    matcher.add('0.0.0.0/0', -1);
    matcher.add('::/0', -2);
    const all = [...ranges, '0.0.0.0/0', '::/0'];
    for (const a of addrs) assert.deepEqual(matcher.lookup(a), brute(all, a), a);
  });
});
