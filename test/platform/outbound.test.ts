import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { loadConfig } from '../../src/config.ts';
import { feedLimits } from '../../src/feeds/poll.ts';
import {
  classifyAddress,
  isPublicAddress,
  mayConnect,
  OutboundError,
  outboundFetch,
  parseIp,
  parseOutboundAllow,
  type Resolver,
} from '../../src/platform/outbound.ts';
import { requires } from '../prerequisites.ts';

const SEED = 20261205;

describe('address classifier', () => {
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['10.0.0.1', /private/],
    ['10.255.255.255', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /CGNAT/],
    ['100.127.255.255', /CGNAT/],
    ['169.254.169.254', /link-local/],
    ['192.0.0.170', /IETF/],
    ['192.0.2.10', /documentation/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['192.88.99.1', /6to4 relay/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /reserved/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['[::1]', /loopback/],
    ['fc00::1', /unique local/],
    ['fd12:3456:789a::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['ff0e::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:2::1', /benchmarking/],
    ['100::1', /reserved/],
    ['64:ff9b:1::a00:1', /local-use NAT64/],
    ['4000::1', /reserved/],
    // Every way of writing an IPv4 address inside IPv6.
    ['::ffff:127.0.0.1', /IPv4-mapped form of a loopback/],
    ['::FFFF:127.0.0.1', /IPv4-mapped form of a loopback/],
    ['::ffff:7f00:1', /IPv4-mapped form of a loopback/],
    ['0:0:0:0:0:ffff:127.0.0.1', /IPv4-mapped form of a loopback/],
    ['0000:0000:0000:0000:0000:ffff:7f00:0001', /IPv4-mapped form of a loopback/],
    ['[::ffff:127.0.0.1]', /IPv4-mapped form of a loopback/],
    ['::ffff:10.0.0.1', /IPv4-mapped form of a private/],
    ['::ffff:a00:1', /IPv4-mapped form of a private/],
    ['::ffff:169.254.169.254', /IPv4-mapped form of a link-local/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped form of a link-local/],
    ['::ffff:0.0.0.0', /IPv4-mapped form of a unspecified/],
    ['::ffff:100.64.0.1', /IPv4-mapped form of a shared/],
    ['::ffff:0:127.0.0.1', /IPv4-translated form of a loopback/],
    ['::ffff:0:7f00:1', /IPv4-translated form of a loopback/],
    ['::127.0.0.1', /IPv4-compatible form of a loopback/],
    ['::7f00:1', /IPv4-compatible form of a loopback/],
    ['::10.1.2.3', /IPv4-compatible form of a private/],
    ['::0.0.0.2', /IPv4-compatible form of a unspecified/],
    ['64:ff9b::127.0.0.1', /NAT64 form of a loopback/],
    ['64:ff9b::7f00:1', /NAT64 form of a loopback/],
    ['64:ff9b::192.168.0.1', /NAT64 form of a private/],
    ['64:ff9b::a9fe:a9fe', /NAT64 form of a link-local/],
    ['2002:7f00:1::', /6to4 form of a loopback/],
    ['2002:7f00:0001:0:0:0:0:1', /6to4 form of a loopback/],
    ['2002:a00:1::1', /6to4 form of a private/],
    ['2002:c0a8:101::', /6to4 form of a private/],
    ['2002:a9fe:a9fe::', /6to4 form of a link-local/],
    // Not addresses at all.
    ['localhost', /not an IP address/],
    ['1.2.3', /not an IP address/],
    ['01.2.3.4', /not an IP address/],
    ['1.2.3.256', /not an IP address/],
    ['1::2::3', /not an IP address/],
    ['1:2:3:4:5:6:7:8:9', /not an IP address/],
    ['', /not an IP address/],
  ];
  for (const [address, why] of refused) {
    test(`${address || '(empty)'} is refused (${why.source})`, () => {
      const c = classifyAddress(address);
      assert.equal(c.public, false);
      assert.match((c as { why: string }).why, why);
    });
  }

  const accepted = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ];
  for (const address of accepted) {
    test(`${address} is public`, () => {
      assert.deepEqual(classifyAddress(address), { public: true });
    });
  }

  const v4 = fc.tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
  );
  const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
  /** Every IPv6 spelling that embeds the IPv4 address. */
  const embeddings = ([a, b, c, d]: number[]) => {
    const dotted = `${a}.${b}.${c}.${d}`;
    return [
      `::ffff:${dotted}`,
      `::ffff:${hex(a, b)}:${hex(c, d)}`,
      `0:0:0:0:0:ffff:${dotted}`,
      `::ffff:0:${dotted}`,
      `64:ff9b::${dotted}`,
      `64:ff9b::${hex(a, b)}:${hex(c, d)}`,
      `2002:${hex(a, b)}:${hex(c, d)}::1`,
    ];
  };

  test('property: an IPv4 address and each IPv6 form embedding it are classified alike', () => {
    fc.assert(
      fc.property(v4, (parts) => {
        const plain = isPublicAddress(parts.join('.'));
        for (const form of embeddings(parts)) assert.equal(isPublicAddress(form), plain, form);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test('property: every address inside a refused IPv4 range is refused, in every form', () => {
    const ranges: [number[], number][] = [
      [[0, 0, 0, 0], 8],
      [[10, 0, 0, 0], 8],
      [[100, 64, 0, 0], 10],
      [[127, 0, 0, 0], 8],
      [[169, 254, 0, 0], 16],
      [[172, 16, 0, 0], 12],
      [[192, 168, 0, 0], 16],
      [[198, 18, 0, 0], 15],
      [[224, 0, 0, 0], 4],
      [[240, 0, 0, 0], 4],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...ranges),
        fc.integer({ min: 0, max: 0xffffffff }),
        ([base, prefix], noise) => {
          const start = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0;
          const n = (start + (noise % 2 ** (32 - prefix))) >>> 0;
          const parts = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
          assert.equal(isPublicAddress(parts.join('.')), false, parts.join('.'));
          for (const form of [...embeddings(parts), `::${parts.join('.')}`])
            assert.equal(isPublicAddress(form), false, form);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test('property: ULA, link-local and multicast IPv6 addresses are refused however they are written', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(
        fc.constantFrom([0xfc00, 7], [0xfe80, 10], [0xff00, 8]),
        fc.array(group, { minLength: 8, maxLength: 8 }),
        ([base, bits], groups) => {
          const keep = 16 - bits;
          groups[0] = (base & ~((1 << keep) - 1)) | (groups[0] & ((1 << keep) - 1));
          const full = groups.map((g) => g.toString(16)).join(':');
          const canonical = new URL(`http://[${full}]/`).hostname.slice(1, -1);
          assert.deepEqual(parseIp(canonical)?.groups, groups, `${full} / ${canonical}`);
          assert.equal(isPublicAddress(full), false, full);
          assert.equal(isPublicAddress(canonical), false, canonical);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test('property: any IPv6 text form parses to the groups it was written from', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 7 }),
        (groups, zeroFrom) => {
          for (let i = zeroFrom; i < Math.min(8, zeroFrom + 3); i++) groups[i] = 0;
          const canonical = new URL(
            `http://[${groups.map((g) => g.toString(16)).join(':')}]/`,
          ).hostname.slice(1, -1);
          assert.deepEqual(parseIp(canonical)?.groups, groups, canonical);
          assert.deepEqual(parseIp(canonical.toUpperCase())?.groups, groups, canonical);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  test('the allow-list admits exactly its ranges and hosts', () => {
    const allow = parseOutboundAllow(
      '10.0.0.0/8, feeds.intranet.example *.corp.example,127.0.0.1,fd00::/8',
    );
    assert.equal(mayConnect(allow, 'x.example', '10.20.30.40'), true);
    assert.equal(
      mayConnect(allow, 'x.example', '::ffff:10.20.30.40'),
      true,
      'a mapped form of an allowed address',
    );
    assert.equal(mayConnect(allow, 'x.example', '11.0.0.1'), true, 'public anyway');
    assert.equal(mayConnect(allow, 'x.example', '192.168.0.1'), false);
    assert.equal(mayConnect(allow, 'x.example', '127.0.0.2'), false);
    assert.equal(mayConnect(allow, 'x.example', '127.0.0.1'), true);
    assert.equal(mayConnect(allow, 'x.example', 'fd00::5'), true);
    assert.equal(mayConnect(allow, 'x.example', 'fe80::1'), false);
    assert.equal(mayConnect(allow, 'FEEDS.intranet.example.', '192.168.0.1'), true);
    assert.equal(mayConnect(allow, 'news.corp.example', '172.16.0.1'), true);
    assert.equal(mayConnect(allow, 'corp.example.evil', '172.16.0.1'), false);
    assert.equal(mayConnect(allow, 'intranet.example', '172.16.0.1'), false);
    assert.equal(mayConnect(parseOutboundAllow(''), 'x', '10.0.0.1'), false);
    for (const bad of ['10.0.0.0/33', 'http://x', '::1/129', 'a..b', '[::1]', '1.2.3.4/8/8'])
      assert.throws(() => parseOutboundAllow(bad), RangeError, bad);
  });
});

test('OUTBOUND_ALLOW: empty by default; addresses, ranges and host names; a bad entry stops start-up', () => {
  assert.deepEqual(loadConfig({}).outboundAllow, []);
  const c = loadConfig({
    OUTBOUND_ALLOW: '10.0.0.0/8, feeds.intranet.example *.corp.example,fd00::/8',
  });
  assert.deepEqual(c.outboundAllow, [
    '10.0.0.0/8',
    'feeds.intranet.example',
    '*.corp.example',
    'fd00::/8',
  ]);
  const allow = feedLimits(c).allow!;
  assert.equal(mayConnect(allow, 'x', '10.9.9.9'), true);
  assert.equal(mayConnect(allow, 'a.corp.example', '192.168.0.1'), true);
  assert.equal(mayConnect(feedLimits(loadConfig({})).allow!, 'x', '10.9.9.9'), false);
  assert.throws(
    () => loadConfig({ OUTBOUND_ALLOW: '10.0.0.0/8,http://intranet/' }),
    /^Error: Invalid configuration: OUTBOUND_ALLOW must list IP addresses, CIDR ranges or host names.*"http:\/\/intranet\/"/,
  );
  assert.throws(
    () => loadConfig({ OUTBOUND_ALLOW: '10.0.0.0/40' }),
    /OUTBOUND_ALLOW.*prefix length must be 0–32/,
  );
});

// ---------------------------------------------------------------------------

interface Local {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function local(
  handler: (req: IncomingMessage, res: ServerResponse, port: number) => void,
): Promise<Local> {
  const hits: string[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '/');
    handler(req, res, port);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A resolver for test names; counts its calls. Anything else is not found. */
function names(map: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = (async (host: string) => {
    calls.push(host);
    const found = map[host];
    if (!found)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }) as Resolver & { calls: string[] };
  fn.calls = calls;
  return fn;
}

const LIMITS = { timeoutMs: 1000, maxBytes: 16 * 1024, maxRedirects: 3 };

async function refusal(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OutboundError, String(err));
    return err;
  }
  assert.fail('the request was made');
}

describe('outbound fetch', () => {
  let srv: Local;
  before(async () => {
    srv = await local((req, res, port) => {
      const url = req.url ?? '/';
      if (url === '/ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
      else if (url === '/to-loopback')
        res.writeHead(302, { location: `http://127.0.0.1:${port}/ok` }).end();
      else if (url === '/to-v6-loopback')
        res.writeHead(301, { location: `http://[::1]:${port}/ok` }).end();
      else if (url === '/to-mapped')
        res.writeHead(307, { location: `http://[::ffff:127.0.0.1]:${port}/ok` }).end();
      else if (url === '/to-decimal')
        res.writeHead(308, { location: `http://2130706433:${port}/ok` }).end();
      else if (url === '/to-metadata')
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (url === '/to-private-name')
        res.writeHead(302, { location: `http://db.internal.test:${port}/ok` }).end();
      else if (url === '/to-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else if (url === '/to-ok') res.writeHead(303, { location: '/ok' }).end();
      else if (url.startsWith('/loop'))
        res.writeHead(302, { location: `/loop${Number(url.slice(5) || 0) + 1}` }).end();
      else if (url === '/hang') void 0;
      else if (url === '/trickle') {
        res.writeHead(200);
        res.write('partial');
      } else if (url === '/big') {
        res.writeHead(200);
        res.on('error', () => {});
        for (let i = 0; i < 8; i++) res.write(Buffer.alloc(4096, 'x'));
        res.end();
      } else if (url === '/big-declared')
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end();
      else if (url === '/secret')
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end('internal admin console: password=hunter2');
      else res.writeHead(404).end();
    });
  });
  after(() => srv.close());

  const at = (host: string, path: string) => `http://${host}:${srv.port}${path}`;
  const allowName = parseOutboundAllow('feeds.intranet.test');
  const resolve = names({
    'feeds.intranet.test': ['127.0.0.1'],
    'db.internal.test': ['10.0.0.5'],
    'public.test': ['93.184.215.14'],
    'split.test': ['93.184.215.14', '127.0.0.1'],
    localhost: ['127.0.0.1', '::1'],
  });

  test('loopback, private and link-local addresses are refused before any connection', async () => {
    const before = srv.hits.length;
    for (const host of [
      '127.0.0.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '0x7f.1',
      '2130706433',
      '127.1',
      '0.0.0.0',
      '10.0.0.1',
      '169.254.169.254',
      '[fd00::1]',
      '[64:ff9b::7f00:1]',
      '[2002:7f00:1::]',
    ]) {
      const err = await refusal(outboundFetch(at(host, '/ok'), { ...LIMITS, resolve }));
      assert.equal(err.kind, 'not-public', host);
      assert.equal(err.message, 'the address is not public');
    }
    assert.equal(srv.hits.length, before, 'the local server saw no request');
  });

  test('a name resolving to a private address, or to a private one among public ones, is refused', async () => {
    const before = srv.hits.length;
    for (const host of ['db.internal.test', 'split.test', 'localhost']) {
      const err = await refusal(outboundFetch(at(host, '/ok'), { ...LIMITS, resolve }));
      assert.equal(err.kind, 'not-public', host);
    }
    assert.equal(srv.hits.length, before);
  });

  test('an allowed intranet name is fetched, connecting to the address checked (one resolution per hop)', async () => {
    // A second resolution would give a different answer (DNS rebinding): it must never be asked for.
    let n = 0;
    const flip: Resolver = async () =>
      n++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '192.0.2.1', family: 4 }];
    const res = await outboundFetch(at('feeds.intranet.test', '/ok'), {
      ...LIMITS,
      allow: allowName,
      resolve: flip,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello');
    assert.equal(n, 1);
    const calls = resolve.calls.length;
    const moved = await outboundFetch(at('feeds.intranet.test', '/to-ok'), {
      ...LIMITS,
      allow: allowName,
      resolve,
    });
    assert.equal(moved.body.toString(), 'hello');
    assert.equal(moved.url, at('feeds.intranet.test', '/ok'));
    assert.deepEqual(resolve.calls.slice(calls), ['feeds.intranet.test', 'feeds.intranet.test']);
  });

  test('a redirect to loopback, a private name, the metadata service or a file is refused on that hop', async () => {
    for (const path of [
      '/to-loopback',
      '/to-v6-loopback',
      '/to-mapped',
      '/to-decimal',
      '/to-metadata',
      '/to-private-name',
    ]) {
      const before = srv.hits.length;
      const err = await refusal(
        outboundFetch(at('feeds.intranet.test', path), { ...LIMITS, allow: allowName, resolve }),
      );
      assert.equal(err.kind, 'not-public', path);
      assert.deepEqual(srv.hits.slice(before), [path], 'only the first hop reached the server');
    }
    const err = await refusal(
      outboundFetch(at('feeds.intranet.test', '/to-file'), {
        ...LIMITS,
        allow: allowName,
        resolve,
      }),
    );
    assert.equal(err.kind, 'bad-address');
  });

  test('the allow-list by address reaches the local server; limits still apply', async () => {
    const allow = parseOutboundAllow('127.0.0.1');
    assert.equal(
      (await outboundFetch(at('127.0.0.1', '/ok'), { ...LIMITS, allow })).body.toString(),
      'hello',
    );
    assert.equal(
      (await outboundFetch(at('127.0.0.1', '/to-loopback'), { ...LIMITS, allow })).status,
      200,
    );
    assert.equal(
      (await outboundFetch(at('127.0.0.1', '/secret'), { ...LIMITS, allow })).status,
      500,
    );
    assert.equal(
      (await outboundFetch(at('127.0.0.1', '/nothing'), { ...LIMITS, allow })).status,
      404,
    );
    const loop = await refusal(outboundFetch(at('127.0.0.1', '/loop'), { ...LIMITS, allow }));
    assert.equal(loop.message, 'more than 3 redirects');
    for (const path of ['/big', '/big-declared']) {
      const big = await refusal(outboundFetch(at('127.0.0.1', path), { ...LIMITS, allow }));
      assert.equal(big.message, 'larger than 16 KiB', path);
    }
    const hang = await refusal(
      outboundFetch(at('127.0.0.1', '/hang'), { ...LIMITS, timeoutMs: 300, allow }),
    );
    assert.equal(hang.message, 'no answer within 0.3 s');
    const trickle = await refusal(
      outboundFetch(at('127.0.0.1', '/trickle'), { ...LIMITS, timeoutMs: 300, allow }),
    );
    assert.equal(trickle.message, 'no complete answer within 0.3 s');
  });

  test('failures say nothing about the network: no error codes, ports or answers', async () => {
    const allow = parseOutboundAllow('127.0.0.0/8');
    const closed = await local(() => {});
    const port = closed.port;
    await closed.close();
    const refusedPort = await refusal(
      outboundFetch(`http://127.0.0.1:${port}/`, { ...LIMITS, allow }),
    );
    assert.equal(refusedPort.message, 'the server could not be reached');
    const missing = await refusal(outboundFetch('http://nowhere.test/', { ...LIMITS, resolve }));
    assert.equal(missing.message, 'the host name could not be found');
    for (const err of [refusedPort, missing])
      assert.doesNotMatch(err.message, /E[A-Z]{4,}|\d{4,}|127\.0/);
    assert.equal(
      (await refusal(outboundFetch('ftp://public.test/x', { ...LIMITS, resolve }))).kind,
      'bad-address',
    );
    assert.equal(
      (await refusal(outboundFetch('not a url', { ...LIMITS, resolve }))).kind,
      'bad-address',
    );
  });
});

/** A self-signed certificate for localhost, made with openssl (null when openssl is missing). */
function selfSigned(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'bs-cert-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) return null;
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();
test(
  'https: a certificate that does not verify is refused in plain words',
  { skip: requires(tls, 'openssl is not installed') },
  async () => {
    const server = createHttpsServer(tls!, (_req, res) => res.end('secret'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const err = await refusal(
          outboundFetch(`https://${host}:${port}/`, {
            ...LIMITS,
            allow: parseOutboundAllow('127.0.0.1,localhost'),
          }),
        );
        assert.equal(err.kind, 'tls', host);
        assert.equal(err.message, 'the secure connection could not be verified');
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  },
);
