/**
 * Per-client search rate limits (src/search/rate.ts): token buckets on an injected clock, who the
 * client is (licensed organisation, API key, or the address, IPv6 by its /64), and a bounded
 * number of buckets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addressKey, RateLimiter, searchClient } from '../../src/search/rate.ts';

test('a bucket allows its burst, then one search per 60/perMinute seconds, with Retry-After', () => {
  const r = new RateLimiter();
  const budget = { perMinute: 6, burst: 3 };
  for (let i = 0; i < 3; i++) assert.equal(r.take('ip:1.2.3.4', budget, 0).ok, true);
  const refused = r.take('ip:1.2.3.4', budget, 0);
  assert.deepEqual(refused, { ok: false, retryAfter: 10, remaining: 0 });
  assert.equal(r.take('ip:1.2.3.4', budget, 4_000).retryAfter, 6);
  assert.equal(r.take('ip:1.2.3.4', budget, 10_000).ok, true);
  assert.equal(r.take('ip:1.2.3.4', budget, 10_000).ok, false);
  assert.equal(r.take('ip:5.6.7.8', budget, 10_000).ok, true, 'another client has its own bucket');
  // A long pause refills to the burst, no more.
  for (let i = 0; i < 3; i++) assert.equal(r.take('ip:1.2.3.4', budget, 3_600_000).ok, true);
  assert.equal(r.take('ip:1.2.3.4', budget, 3_600_000).ok, false);
});

test('seeded random request times: never more than burst + rate × elapsed searches allowed', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 120 }),
      fc.integer({ min: 1, max: 20 }),
      (gaps, perMinute, burst) => {
        const r = new RateLimiter();
        let now = 0;
        let allowed = 0;
        for (const g of gaps) {
          now += g;
          const t = r.take('k', { perMinute, burst }, now);
          if (t.ok) allowed++;
          else assert.ok(t.retryAfter >= 1);
          assert.ok(allowed <= burst + (perMinute * now) / 60_000 + 1e-9);
        }
      },
    ),
    { seed: 77, numRuns: 300 },
  );
});

test('the client: API key, then a licensed organisation, then the address (IPv6 by /64)', () => {
  assert.deepEqual(
    searchClient('1.2.3.4', { status: 'automated-licensed', organisationId: '7', apiKeyId: 3 }),
    { key: 'key:3', licensed: true },
  );
  assert.deepEqual(
    searchClient('1.2.3.4', { status: 'licensed', organisationId: '7', apiKeyId: null }),
    { key: 'org:7', licensed: true },
  );
  assert.deepEqual(
    searchClient('1.2.3.4', { status: 'work-unlicensed', organisationId: '7', apiKeyId: null }),
    { key: 'ip:1.2.3.4', licensed: false },
  );
  assert.deepEqual(
    searchClient('1.2.3.4', { status: 'personal', organisationId: null, apiKeyId: null }),
    { key: 'ip:1.2.3.4', licensed: false },
  );
  assert.deepEqual(searchClient('2001:db8:1:2:3:4:5:6', null), {
    key: 'ip:2001:db8:1:2::/64',
    licensed: false,
  });
  assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002:ffff::'), '2001:db8:1:2::/64');
  assert.equal(addressKey('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.equal(addressKey('10.0.0.1'), '10.0.0.1');
});

test('the number of buckets is bounded: full ones are forgotten first', () => {
  const r = new RateLimiter(3);
  const budget = { perMinute: 60, burst: 2 };
  r.take('a', budget, 0);
  r.take('b', budget, 0);
  r.take('c', budget, 0);
  r.take('d', budget, 60_000); // a, b, c have refilled: forgotten
  assert.equal(r.size, 1);
  for (const k of ['e', 'f', 'g']) r.take(k, budget, 60_000);
  assert.ok(r.size <= 3);
});
