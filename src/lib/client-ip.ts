/**
 * Which address is the reader's?
 *
 * The TCP peer is the only address we know for certain. X-Forwarded-For is
 * believed only when the peer is one of our own proxies (TRUST_PROXY):
 *
 * 1. Peer not trusted → the peer, whatever X-Forwarded-For says.
 * 2. Peer trusted → walk X-Forwarded-For from the right (nearest hop first),
 *    skipping addresses that are themselves trusted proxies; the first
 *    untrusted address is the client.
 * 3. An entry that is not an IP address (`unknown`, an empty slot, junk)
 *    stops the walk: the answer is the last good address seen, i.e. the
 *    trusted hop that handed us the junk (or the peer).
 * 4. Every entry trusted → the leftmost one.
 *
 * Entries may carry a port (`1.2.3.4:5678`, `[2001:db8::1]:443`) or IPv6
 * brackets, as some load balancers write them; these are stripped. Results
 * are canonical (`::ffff:1.2.3.4` becomes `1.2.3.4`). A peer that is not a
 * valid address is returned unchanged.
 */
import { CidrMatcher, normaliseIp } from './cidr.ts';

export type TrustProxy = CidrMatcher<unknown> | readonly string[];

const matcherCache = new WeakMap<readonly string[], CidrMatcher<unknown>>();

/** Builds (and caches per array) a matcher for a TRUST_PROXY list. Throws on a bad entry. */
export function trustProxyMatcher(trust: TrustProxy): CidrMatcher<unknown> {
  if (trust instanceof CidrMatcher) return trust;
  let m = matcherCache.get(trust);
  if (m === undefined) {
    m = new CidrMatcher<unknown>();
    for (const s of trust) {
      const r = m.add(s, true);
      if (!r.ok) throw new RangeError(`TRUST_PROXY: ${r.error}`);
    }
    matcherCache.set(trust, m);
  }
  return m;
}

/** Canonical address from one X-Forwarded-For entry, or null when it is not one. */
export function forwardedAddress(entry: string): string | null {
  const s = entry.trim();
  if (s === '') return null;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    const rest = s.slice(close + 1);
    if (rest !== '' && !/^:[0-9]{1,5}$/.test(rest)) return null;
    const inner = s.slice(1, close);
    return inner.includes(':') ? normaliseIp(inner) : null;
  }
  const direct = normaliseIp(s);
  if (direct !== null) return direct;
  // IPv4 with a port: exactly one colon.
  const m = /^([0-9.]+):[0-9]{1,5}$/.exec(s);
  return m ? normaliseIp(m[1]) : null;
}

export function clientIp(
  peer: string,
  xForwardedFor: string | undefined,
  trustProxy: TrustProxy,
): string {
  const trusted = trustProxyMatcher(trustProxy);
  const peerIp = normaliseIp(peer);
  if (peerIp === null) return peer;
  if (!trusted.has(peerIp)) return peerIp;
  if (xForwardedFor === undefined || xForwardedFor.trim() === '') return peerIp;
  const hops = xForwardedFor.split(',');
  let lastGood = peerIp;
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = forwardedAddress(hops[i]);
    if (ip === null) return lastGood;
    if (!trusted.has(ip)) return ip;
    lastGood = ip;
  }
  return lastGood;
}
