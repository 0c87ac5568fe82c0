import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CidrMatcher } from '../../src/lib/cidr.ts';
import { clientIp, forwardedAddress, trustProxyMatcher } from '../../src/lib/client-ip.ts';

// Our load balancers: 10.0.0.0/8 and 2001:db8:ffff::/48; a CDN edge host.
const TRUST = ['10.0.0.0/8', '2001:db8:ffff::/48', '198.51.100.7'];

describe('clientIp', () => {
  it('uses the peer when there is no trusted proxy configuration', () => {
    assert.equal(clientIp('203.0.113.5', '1.1.1.1', []), '203.0.113.5');
    assert.equal(clientIp('10.0.0.1', '1.1.1.1', []), '10.0.0.1');
  });

  it('never believes X-Forwarded-For from an untrusted peer', () => {
    assert.equal(clientIp('203.0.113.5', '1.1.1.1', TRUST), '203.0.113.5');
    assert.equal(clientIp('203.0.113.5', '10.0.0.9, 1.1.1.1', TRUST), '203.0.113.5');
    assert.equal(clientIp('2001:db8:1::5', '1.1.1.1', TRUST), '2001:db8:1::5');
  });

  it('uses the peer when a trusted peer sends no or empty X-Forwarded-For', () => {
    assert.equal(clientIp('10.0.0.1', undefined, TRUST), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '', TRUST), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '   ', TRUST), '10.0.0.1');
  });

  it('takes the rightmost untrusted address behind a trusted peer', () => {
    assert.equal(clientIp('10.0.0.1', '203.0.113.5', TRUST), '203.0.113.5');
    // A client cannot spoof by prepending: the right-hand entries are ours.
    assert.equal(clientIp('10.0.0.1', '6.6.6.6, 203.0.113.5', TRUST), '203.0.113.5');
  });

  it('skips addresses that are themselves trusted proxies', () => {
    assert.equal(clientIp('10.0.0.1', '203.0.113.5, 198.51.100.7, 10.2.3.4', TRUST), '203.0.113.5');
    assert.equal(clientIp('10.0.0.1', '6.6.6.6, 203.0.113.5, 10.9.9.9', TRUST), '203.0.113.5');
  });

  it('returns the leftmost address when every hop is trusted', () => {
    assert.equal(clientIp('10.0.0.1', '10.0.0.3, 10.0.0.2', TRUST), '10.0.0.3');
  });

  it('stops at a garbage entry and returns the last good address', () => {
    assert.equal(clientIp('10.0.0.1', '203.0.113.5, unknown', TRUST), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '203.0.113.5, unknown, 10.0.0.2', TRUST), '10.0.0.2');
    assert.equal(clientIp('10.0.0.1', 'garbage, 203.0.113.5', TRUST), '203.0.113.5');
    assert.equal(clientIp('10.0.0.1', '203.0.113.5, , 10.0.0.2', TRUST), '10.0.0.2');
    assert.equal(clientIp('10.0.0.1', '203.0.113.5,', TRUST), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4/24', TRUST), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', 'fe80::1%eth0', TRUST), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '010.0.0.1', TRUST), '10.0.0.1');
  });

  it('handles IPv6 peers, hops and clients', () => {
    assert.equal(clientIp('2001:db8:ffff::1', '2001:db8:1::42', TRUST), '2001:db8:1::42');
    assert.equal(clientIp('2001:db8:ffff::1', '2001:DB8:1:0:0:0:0:42', TRUST), '2001:db8:1::42');
    assert.equal(
      clientIp('2001:db8:ffff::1', '203.0.113.5, 2001:db8:ffff:0:0:0:0:2, 10.0.0.2', TRUST),
      '203.0.113.5',
    );
    assert.equal(clientIp('10.0.0.1', '2001:db8:1::42, 2001:db8:ffff::9', TRUST), '2001:db8:1::42');
    assert.equal(clientIp('2001:db8:1::5', '203.0.113.5', TRUST), '2001:db8:1::5');
  });

  it('treats IPv4-mapped peers and entries as IPv4', () => {
    assert.equal(clientIp('::ffff:10.0.0.1', '203.0.113.5', TRUST), '203.0.113.5');
    assert.equal(clientIp('::ffff:203.0.113.5', '1.1.1.1', TRUST), '203.0.113.5');
    assert.equal(clientIp('10.0.0.1', '::ffff:203.0.113.5', TRUST), '203.0.113.5');
    assert.equal(clientIp('10.0.0.1', '203.0.113.5, ::ffff:10.0.0.9', TRUST), '203.0.113.5');
  });

  it('strips ports and brackets that some load balancers add', () => {
    assert.equal(clientIp('10.0.0.1', '203.0.113.5:51234', TRUST), '203.0.113.5');
    assert.equal(clientIp('10.0.0.1', '[2001:db8:1::42]:443', TRUST), '2001:db8:1::42');
    assert.equal(clientIp('10.0.0.1', '[2001:db8:1::42]', TRUST), '2001:db8:1::42');
    assert.equal(clientIp('10.0.0.1', '203.0.113.5, 10.0.0.2:80', TRUST), '203.0.113.5');
  });

  it('returns an unparseable peer as given, and normalises a good one', () => {
    assert.equal(clientIp('', '1.1.1.1', TRUST), '');
    assert.equal(clientIp('2001:DB8:1::5', undefined, TRUST), '2001:db8:1::5');
  });

  it('accepts a prebuilt matcher', () => {
    const m = new CidrMatcher<unknown>([{ cidr: '10.0.0.0/8', value: 'lb' }]);
    assert.equal(clientIp('10.0.0.1', '203.0.113.5', m), '203.0.113.5');
    assert.equal(clientIp('11.0.0.1', '203.0.113.5', m), '11.0.0.1');
  });

  it('throws on a bad TRUST_PROXY entry and caches good lists', () => {
    assert.throws(
      () => clientIp('10.0.0.1', '1.1.1.1', ['10.0.0.0/33']),
      /TRUST_PROXY: .*out of range/,
    );
    const list = ['10.0.0.0/8'];
    assert.equal(trustProxyMatcher(list), trustProxyMatcher(list));
  });
});

describe('forwardedAddress', () => {
  it('parses single entries', () => {
    assert.equal(forwardedAddress(' 1.2.3.4 '), '1.2.3.4');
    assert.equal(forwardedAddress('1.2.3.4:80'), '1.2.3.4');
    assert.equal(forwardedAddress('[::1]:80'), '::1');
    assert.equal(forwardedAddress('::1'), '::1');
    assert.equal(forwardedAddress('1.2.3.4:'), null);
    assert.equal(forwardedAddress('1.2.3.4:123456'), null);
    assert.equal(forwardedAddress('[1.2.3.4]'), null);
    assert.equal(forwardedAddress('[::1'), null);
    assert.equal(forwardedAddress('[::1]x'), null);
    assert.equal(forwardedAddress('unknown'), null);
    assert.equal(forwardedAddress(''), null);
  });
});
