/**
 * Outbound HTTP for the whole site (partner feeds now, any later request to another server): only
 * public http(s) addresses are reached, so an address typed by an editor — or a redirect chosen by
 * a remote server — can never make this server talk to itself, its private network or a cloud
 * metadata service.
 *
 * - The host name is resolved once per hop and every address it resolves to is classified; the
 *   connection is then made to the address that was checked (a custom `lookup` on the socket), so a
 *   second resolution cannot swap in another address (DNS rebinding).
 * - Redirects are followed by hand, each hop checked the same way, at most `maxRedirects` of them.
 * - One deadline covers the whole exchange, redirects included; the body is capped while it streams.
 * - Operators may allow intranet sources with OUTBOUND_ALLOW (addresses, CIDR ranges, host names,
 *   `*.suffix` for a domain's hosts): an allowed host or address is reached even when it is not public.
 *
 * Failures are OutboundErrors with a `kind`; their messages are plain words that reveal nothing about
 * the network (no error codes, no answer text), so callers may show them to editors.
 */
import dns from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

// ---------------------------------------------------------------------------
// Addresses

/** An IP address as 16-bit groups: 2 for IPv4, 8 for IPv6. */
interface Ip {
  family: 4 | 6;
  groups: number[];
}

function parseV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    bytes.push(n);
  }
  return [(bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]];
}

function parseV6(s: string): number[] | null {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // A dotted IPv4 tail stands for the last two groups.
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return null;
    text = `${text.slice(0, lastColon + 1)}${v4[0].toString(16)}:${v4[1].toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const read = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = read(halves[0]);
  const rest = halves.length === 2 ? read(halves[1]) : [];
  if (!head || !rest) return null;
  const given = head.length + rest.length;
  if (halves.length === 1) return given === 8 ? head : null;
  if (given > 7) return null;
  return [...head, ...new Array(8 - given).fill(0), ...rest];
}

/** Parses an IPv4 or IPv6 address (brackets and a zone id are accepted and ignored); null if it is none. */
export function parseIp(text: string): Ip | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.includes(':')) {
    const groups = parseV6(s);
    return groups ? { family: 6, groups } : null;
  }
  const groups = parseV4(s);
  return groups ? { family: 4, groups } : null;
}

function v4Number(g: number[]): number {
  return g[0] * 65536 + g[1];
}

function inV4(n: number, base: string, prefix: number): boolean {
  const b = parseV4(base)!;
  const size = 2 ** (32 - prefix);
  const start = v4Number(b);
  return n >= start && n < start + size;
}

/** Refused IPv4 ranges and why (RFC 6890 special-purpose registry, plus multicast and reserved). */
const V4_REFUSED: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (and broadcast)'],
];

function classifyV4(g: number[]): AddressClass {
  const n = v4Number(g);
  for (const [base, prefix, why] of V4_REFUSED)
    if (inV4(n, base, prefix)) return { public: false, why };
  return { public: true };
}

export type AddressClass = { public: true } | { public: false; why: string };

/** Does the IPv6 address start with these 16-bit groups (the last one masked to `bits` bits)? */
function startsWith(g: number[], prefix: number[], bits: number): boolean {
  let left = bits;
  for (let i = 0; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((g[i] & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function embedded(g: number[], why: string, at: number): AddressClass {
  const inner = classifyV4([g[at], g[at + 1]]);
  return inner.public ? inner : { public: false, why: `${why} of a ${inner.why} address` };
}

function classifyV6(g: number[]): AddressClass {
  const zeroes = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return { public: false, why: 'unspecified' };
  if (zeroes(7) && g[7] === 1) return { public: false, why: 'loopback' };
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible ::a.b.c.d.
  if (zeroes(5) && g[5] === 0xffff) return embedded(g, 'IPv4-mapped form', 6);
  if (zeroes(4) && g[4] === 0xffff && g[5] === 0) return embedded(g, 'IPv4-translated form', 6);
  if (zeroes(6)) return embedded(g, 'IPv4-compatible form', 6);
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052); the local-use 64:ff9b:1::/48 is never public.
  if (startsWith(g, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return embedded(g, 'NAT64 form', 6);
  if (startsWith(g, [0x64, 0xff9b, 1], 48)) return { public: false, why: 'local-use NAT64' };
  // 6to4 2002:aabb:ccdd::/48 carries the IPv4 address aa.bb.cc.dd.
  if (g[0] === 0x2002) return embedded(g, '6to4 form', 1);
  if (startsWith(g, [0xfc00], 7)) return { public: false, why: 'unique local (ULA)' };
  if (startsWith(g, [0xfe80], 10)) return { public: false, why: 'link-local' };
  if (startsWith(g, [0xfec0], 10)) return { public: false, why: 'site-local' };
  if (g[0] >>> 8 === 0xff) return { public: false, why: 'multicast' };
  // Only 2000::/3 is allocated for global unicast; within it, these blocks are special-purpose.
  if (!startsWith(g, [0x2000], 3)) return { public: false, why: 'reserved' };
  if (startsWith(g, [0x2001, 0x0db8], 32)) return { public: false, why: 'documentation' };
  if (startsWith(g, [0x3fff], 20)) return { public: false, why: 'documentation' };
  // IETF protocol assignments: Teredo (which embeds an IPv4 address), ORCHID, benchmarking, AMT …
  if (startsWith(g, [0x2001, 0], 23))
    return { public: false, why: 'IETF protocol assignments (Teredo, benchmarking …)' };
  return { public: true };
}

/** Whether an IP address may be reached from here without an operator's allowance, and if not why. */
export function classifyAddress(address: string): AddressClass {
  const ip = parseIp(address);
  if (!ip) return { public: false, why: 'not an IP address' };
  return ip.family === 4 ? classifyV4(ip.groups) : classifyV6(ip.groups);
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address).public;
}

// ---------------------------------------------------------------------------
// The operator's allow-list

interface Range {
  family: 4 | 6;
  groups: number[];
  bits: number;
}

export interface OutboundAllow {
  readonly ranges: readonly Range[];
  /** Exact host names, lower case, without a trailing dot. */
  readonly hosts: ReadonlySet<string>;
  /** `*.example.org` entries, as ".example.org". */
  readonly suffixes: readonly string[];
}

export const ALLOW_NONE: OutboundAllow = { ranges: [], hosts: new Set(), suffixes: [] };

const HOST_NAME =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Why an allow-list entry is not valid, or null when it is. */
export function allowEntryError(entry: string): string | null {
  const [addr, bits, ...more] = entry.split('/');
  if (more.length) return `"${entry}" is not an address, a CIDR range or a host name`;
  const ip = parseIp(addr);
  if (ip) {
    if (addr.includes('%') || addr.startsWith('['))
      return `"${entry}": write the address without brackets or zone`;
    if (bits === undefined) return null;
    const max = ip.family === 4 ? 32 : 128;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(bits) || Number(bits) > max)
      return `"${entry}": the prefix length must be 0–${max}`;
    return null;
  }
  if (bits === undefined && HOST_NAME.test(entry) && entry.length <= 253) return null;
  return `"${entry}" is not an address, a CIDR range or a host name`;
}

/** Builds the allow-list from OUTBOUND_ALLOW entries (comma or space separated); throws on a bad entry. */
export function parseOutboundAllow(entries: string | readonly string[]): OutboundAllow {
  const list = typeof entries === 'string' ? entries.split(/[\s,]+/).filter(Boolean) : entries;
  const ranges: Range[] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of list) {
    const error = allowEntryError(entry);
    if (error) throw new RangeError(error);
    const [addr, bits] = entry.split('/');
    const ip = parseIp(addr);
    if (ip)
      ranges.push({
        family: ip.family,
        groups: ip.groups,
        bits: bits === undefined ? (ip.family === 4 ? 32 : 128) : Number(bits),
      });
    else {
      const name = entry.toLowerCase().replace(/\.$/, '');
      if (name.startsWith('*.')) suffixes.push(name.slice(1));
      else hosts.add(name);
    }
  }
  return { ranges, hosts, suffixes };
}

function rangeHas(r: Range, ip: Ip): boolean {
  if (r.family !== ip.family) return false;
  let left = r.bits;
  for (let i = 0; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((ip.groups[i] & mask) !== (r.groups[i] & mask)) return false;
  }
  return true;
}

/** The IPv4 address an IPv4-mapped IPv6 address stands for (the form a dual-stack resolver may return). */
function unmapped(ip: Ip): Ip {
  const g = ip.groups;
  if (ip.family === 6 && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return { family: 4, groups: [g[6], g[7]] };
  return ip;
}

export function hostAllowed(allow: OutboundAllow, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allow.hosts.has(name) || allow.suffixes.some((s) => name.endsWith(s));
}

export function addressAllowed(allow: OutboundAllow, address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  const plain = unmapped(ip);
  return allow.ranges.some((r) => rangeHas(r, ip) || rangeHas(r, plain));
}

/** May a connection to `address`, reached through the name `host`, be made? */
export function mayConnect(allow: OutboundAllow, host: string, address: string): boolean {
  return isPublicAddress(address) || hostAllowed(allow, host) || addressAllowed(allow, address);
}

// ---------------------------------------------------------------------------
// Fetching

export type OutboundErrorKind =
  | 'bad-address'
  | 'not-public'
  | 'not-found'
  | 'unreachable'
  | 'tls'
  | 'no-answer'
  | 'incomplete'
  | 'too-large'
  | 'redirects'
  | 'bad-redirect'
  | 'protocol';

/** A failed outbound request; `message` is plain words, safe to show to the person who asked. */
export class OutboundError extends Error {
  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses (dns.lookup, so /etc/hosts counts as it does for everything else). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dns.lookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });

export interface OutboundOptions {
  headers?: Record<string, string>;
  /** The whole exchange, redirects included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allow?: OutboundAllow;
  /** Defaults to the system resolver. */
  resolve?: Resolver;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body of a 2xx answer (empty for other statuses, which are not read). */
  body: Buffer;
  /** The address that answered, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/** GETs a public http(s) address, following redirects by hand; see the module comment. */
export async function outboundFetch(url: string, opts: OutboundOptions): Promise<OutboundResponse> {
  const allow = opts.allow ?? ALLOW_NONE;
  const resolve = opts.resolve ?? systemResolver;
  const deadline = { at: Date.now() + opts.timeoutMs, answered: false };
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new OutboundError(
      'bad-address',
      'the address is not a valid http:// or https:// address',
    );
  }
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new OutboundError(
        'bad-address',
        hop
          ? 'it redirects to an address that is not http:// or https://'
          : 'only http:// and https:// addresses can be fetched',
      );
    }
    if (current.username || current.password)
      throw new OutboundError(
        'bad-address',
        'addresses with a user name or password are not fetched',
      );
    const res = await exchange(current, opts, allow, resolve, deadline);
    if (REDIRECTS.has(res.status)) {
      const location = res.headers.location;
      if (!location)
        throw new OutboundError(
          'bad-redirect',
          `the server answered ${res.status} without saying where to`,
        );
      if (hop + 1 > opts.maxRedirects)
        throw new OutboundError('redirects', `more than ${opts.maxRedirects} redirects`);
      try {
        current = new URL(location, current);
      } catch {
        throw new OutboundError('bad-redirect', 'it redirects to an address that is not valid');
      }
      continue;
    }
    return { ...res, url: current.href };
  }
}

/** One request/response on a connection to a checked address. */
function exchange(
  u: URL,
  opts: OutboundOptions,
  allow: OutboundAllow,
  resolve: Resolver,
  deadline: { at: number; answered: boolean },
): Promise<Omit<OutboundResponse, 'url'>> {
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  deadline.answered = false;
  return new Promise((done, fail) => {
    let settled = false;
    let refusal: OutboundError | null = null;
    const finish = (err: OutboundError | null, value?: Omit<OutboundResponse, 'url'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        fail(err);
      } else done(value!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new OutboundError(
            deadline.answered ? 'incomplete' : 'no-answer',
            deadline.answered
              ? `no complete answer within ${seconds(opts.timeoutMs)}`
              : `no answer within ${seconds(opts.timeoutMs)}`,
          ),
        ),
      Math.max(0, deadline.at - Date.now()),
    );

    let lookup: LookupFunction | undefined;
    if (isIP(host)) {
      if (!mayConnect(allow, host, host)) {
        // Refused before any socket is opened.
        settled = true;
        clearTimeout(timer);
        fail(new OutboundError('not-public', 'the address is not public'));
        return;
      }
    } else {
      // The one resolution of this hop: every address must be public (or allowed), and the socket
      // connects to one of exactly these addresses.
      lookup = ((
        hostname: string,
        options: { all?: boolean; family?: number },
        callback: (...args: unknown[]) => void,
      ) => {
        resolve(hostname).then(
          (found) => {
            const wanted = found.filter((a) => !options.family || a.family === options.family);
            if (!wanted.length)
              return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }));
            if (!wanted.every((a) => mayConnect(allow, hostname, a.address))) {
              refusal = new OutboundError('not-public', 'the address is not public');
              return callback(refusal);
            }
            if (options.all) callback(null, wanted);
            else callback(null, wanted[0].address, wanted[0].family);
          },
          (err) => callback(err),
        );
      }) as LookupFunction;
    }
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request({
      protocol: u.protocol,
      hostname: host,
      port: u.port || undefined,
      path: `${u.pathname}${u.search}`,
      method: 'GET',
      headers: { ...opts.headers, connection: 'close' },
      // A fresh connection each time: a pooled socket was checked for another host.
      agent: false,
      lookup,
      maxHeaderSize: 32 * 1024,
    });
    req.on('error', (err: Error & { code?: string }) => finish(refusal ?? describe(err)));
    req.on('response', (res: IncomingMessage) => {
      deadline.answered = true;
      const status = res.statusCode ?? 0;
      res.on('error', () => {});
      if (status < 200 || status >= 300) {
        // Only 2xx bodies are read; the connection is dropped at once.
        finish(null, { status, headers: res.headers, body: Buffer.alloc(0) });
        req.destroy();
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > opts.maxBytes) {
        finish(new OutboundError('too-large', `larger than ${kib(opts.maxBytes)}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes)
          finish(new OutboundError('too-large', `larger than ${kib(opts.maxBytes)}`));
        else chunks.push(chunk);
      });
      res.on('end', () =>
        finish(null, { status, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('close', () => {
        if (!res.complete)
          finish(new OutboundError('incomplete', 'the server broke off its answer'));
      });
    });
    req.end();
  });
}

/** A socket or TLS error in plain words, without codes or the peer's text. */
function describe(err: Error & { code?: string }): OutboundError {
  if (err instanceof OutboundError) return err;
  const code = err.code ?? '';
  if (
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EAI_FAIL' ||
    code === 'EAI_NODATA' ||
    code === 'EAI_NONAME'
  )
    return new OutboundError('not-found', 'the host name could not be found');
  if (
    /CERT|SSL|TLS|ERR_SSL|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/i.test(code) ||
    /certificate|ssl|tls/i.test(err.message)
  )
    return new OutboundError('tls', 'the secure connection could not be verified');
  if (code === 'HPE_HEADER_OVERFLOW' || code.startsWith('HPE_'))
    return new OutboundError('protocol', 'the server did not answer in HTTP');
  return new OutboundError('unreachable', 'the server could not be reached');
}
