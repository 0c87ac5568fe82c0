import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CidrMatcher } from '../../src/lib/cidr.ts';
import { SearchEngineRanges } from '../../src/licensing/crawlers.ts';
import {
  AUTOMATED_NOTICE,
  PERSONAL_NOTICE,
  REVOKED_KEY_NOTICE,
  decideAccess,
  emailDomain,
  licenceCovers,
  licensedNotice,
  workUnlicensedNotice,
  type AccessDecision,
  type AccessInput,
  type AccessMember,
  type AccessWorld,
  type Organisation,
} from '../../src/licensing/access.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const LATER = new Date('2027-01-01T00:00:00.000Z');
const EARLIER = new Date('2026-01-01T00:00:00.000Z');
const BOUNDARY = new Date('2026-09-30T23:59:59.999Z');

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const GPTBOT =
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)';
const CLAUDEBOT = 'Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)';
const MELTWATER = 'Mozilla/5.0 (compatible; meltwater-crawler/1.0)';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const CURL = 'curl/8.5.0';

const orgs: Organisation[] = [
  { id: 'acme', name: 'Acme Ltd', licence: { status: 'active', expiresAt: LATER } },
  { id: 'gov', name: 'Example Government', licence: { status: 'active', expiresAt: LATER } },
  { id: 'dept', name: 'Department Two', licence: { status: 'expired', expiresAt: EARLIER } },
  { id: 'lapsed', name: 'Lapsed Media', licence: { status: 'expired', expiresAt: EARLIER } },
  { id: 'pending', name: 'Pending Partners', licence: { status: 'pending', expiresAt: null } },
  { id: 'none', name: 'No Licence Inc', licence: { status: 'none', expiresAt: null } },
  { id: 'edge', name: 'Edge Case Co', licence: { status: 'active', expiresAt: BOUNDARY } },
  { id: 'open', name: 'Open Ended', licence: { status: 'active', expiresAt: null } },
  // Marked expired although the date is in the future: status wins.
  { id: 'cancelled', name: 'Cancelled Co', licence: { status: 'expired', expiresAt: LATER } },
];

const world: AccessWorld = {
  organisationsById: new Map(orgs.map((o) => [o.id, o])),
  domains: new Map([
    ['acme.com', { organisationId: 'acme', verified: true }],
    ['acme-claimed.com', { organisationId: 'acme', verified: false }],
    ['example.gov', { organisationId: 'gov', verified: true }],
    ['dept2.example.gov', { organisationId: 'dept', verified: true }],
    ['lapsed.org', { organisationId: 'lapsed', verified: true }],
    ['pending.org', { organisationId: 'pending', verified: true }],
    ['edge.co', { organisationId: 'edge', verified: true }],
    ['ghost.com', { organisationId: 'ghost', verified: true }],
  ]),
  networks: new CidrMatcher<string>([
    { cidr: '192.0.2.0/24', value: 'acme' },
    { cidr: '192.0.2.128/25', value: 'lapsed' },
    { cidr: '198.51.100.0/24', value: 'lapsed' },
    { cidr: '203.0.113.0/26', value: 'pending' },
    { cidr: '203.0.113.64/26', value: 'none' },
    { cidr: '203.0.113.128/26', value: 'edge' },
    { cidr: '203.0.113.192/27', value: 'open' },
    { cidr: '203.0.113.224/27', value: 'ghost' },
    { cidr: '100.64.0.0/10', value: 'gov' },
    { cidr: '2001:db8:a::/48', value: 'acme' },
    { cidr: '2001:db8:a:ff::/64', value: 'lapsed' },
    { cidr: '2001:db8:b::/48', value: 'lapsed' },
  ]),
  searchEngines: new SearchEngineRanges([{ name: 'Googlebot', ranges: ['66.249.64.0/19'] }]),
};

function member(over: Partial<AccessMember> = {}): AccessMember {
  return {
    id: 'm1',
    email: 'reader@gmail.com',
    emailVerified: true,
    declaredUse: null,
    workOrganisation: null,
    seatOrganisationId: null,
    ...over,
  };
}

function decide(over: Partial<AccessInput> = {}): AccessDecision {
  return decideAccess(
    { member: null, clientIp: '8.8.8.8', userAgent: CHROME, apiKey: null, now: NOW, ...over },
    world,
  );
}

const org = (id: string) => {
  const o = world.organisationsById.get(id)!;
  return { id: o.id, name: o.name };
};

function personal(): AccessDecision {
  return {
    status: 'personal',
    organisation: null,
    adFree: false,
    notice: PERSONAL_NOTICE,
    coveredBy: null,
  };
}
function licensed(id: string, coveredBy: AccessDecision['coveredBy']): AccessDecision {
  return {
    status: 'licensed',
    organisation: org(id),
    adFree: true,
    notice: licensedNotice(org(id).name),
    coveredBy,
  };
}
function workUnlicensed(id: string): AccessDecision {
  return {
    status: 'work-unlicensed',
    organisation: org(id),
    adFree: false,
    notice: workUnlicensedNotice(org(id).name),
    coveredBy: null,
  };
}
function automatedLicensed(id: string): AccessDecision {
  return {
    status: 'automated-licensed',
    organisation: org(id),
    adFree: true,
    notice: `Automated access licensed to ${org(id).name}`,
    coveredBy: 'api-key',
  };
}

describe('notices', () => {
  it('use the agreed wording', () => {
    assert.equal(licensedNotice('Acme Ltd'), 'Licensed to Acme Ltd');
    assert.equal(
      workUnlicensedNotice('Acme Ltd'),
      'Acme Ltd has no Broadsheet licence. Reading for work? Ask your organisation to get one — it takes five minutes.',
    );
    assert.equal(
      PERSONAL_NOTICE,
      'Free for personal reading. Using Broadsheet for work? Your organisation needs a licence.',
    );
  });
});

describe('decideAccess: personal', () => {
  const cases: Array<[string, Partial<AccessInput>]> = [
    ['anonymous browser on an unknown network', {}],
    ['member who declared personal use', { member: member({ declaredUse: 'personal' }) }],
    ['member who declared nothing', { member: member() }],
    [
      'search engine crawler from its published range',
      { userAgent: GOOGLEBOT, clientIp: '66.249.66.1' },
    ],
    ['generic script', { userAgent: CURL }],
    ['empty user agent', { userAgent: '' }],
    [
      'unverified email at a licensed domain',
      { member: member({ email: 'x@acme.com', emailVerified: false }) },
    ],
    [
      'seat in a licensed organisation held by an unconfirmed address',
      { member: member({ seatOrganisationId: 'acme', emailVerified: false }) },
    ],
    [
      'verified email at an unverified domain claim',
      { member: member({ email: 'x@acme-claimed.com' }) },
    ],
    [
      'verified domain of an organisation we do not know',
      { member: member({ email: 'x@ghost.com' }) },
    ],
    ['network of an organisation we do not know', { clientIp: '203.0.113.230' }],
    ['seat in an organisation we do not know', { member: member({ seatOrganisationId: 'ghost' }) }],
    ['unparseable client address', { clientIp: 'garbage' }],
    ['lookalike domain is not a subdomain', { member: member({ email: 'x@notacme.com' }) }],
    ['domain suffix without a dot boundary', { member: member({ email: 'x@evilexample.gov' }) }],
    ['IPv6 outside every range', { clientIp: '2001:db8:c::1' }],
    ['malformed email', { member: member({ email: 'acme.com' }) }],
  ];
  for (const [name, over] of cases) {
    it(name, () => assert.deepEqual(decide(over), personal()));
  }
});

describe('decideAccess: licensed', () => {
  const cases: Array<[string, Partial<AccessInput>, string, AccessDecision['coveredBy']]> = [
    ['IPv4 network range', { clientIp: '192.0.2.5' }, 'acme', 'network'],
    ['IPv4 network, large range', { clientIp: '100.127.255.255' }, 'gov', 'network'],
    ['IPv6 network range', { clientIp: '2001:db8:a::5' }, 'acme', 'network'],
    [
      'IPv6 network, non-canonical text',
      { clientIp: '2001:0DB8:000A:0:0:0:0:5' },
      'acme',
      'network',
    ],
    ['IPv4-mapped IPv6 client address', { clientIp: '::ffff:192.0.2.5' }, 'acme', 'network'],
    [
      'verified email at a licensed domain',
      { member: member({ email: 'staff@acme.com' }) },
      'acme',
      'domain',
    ],
    [
      'email domain in mixed case',
      { member: member({ email: 'Staff@ACME.Com' }) },
      'acme',
      'domain',
    ],
    [
      'email domain with a trailing dot',
      { member: member({ email: 'staff@acme.com.' }) },
      'acme',
      'domain',
    ],
    [
      'subdomain of a licensed domain',
      { member: member({ email: 'staff@news.acme.com' }) },
      'acme',
      'domain',
    ],
    ['deep subdomain', { member: member({ email: 'staff@dept.example.gov' }) }, 'gov', 'domain'],
    [
      'deeper subdomain',
      { member: member({ email: 'staff@a.b.dept.example.gov' }) },
      'gov',
      'domain',
    ],
    [
      'seat in a licensed organisation',
      { member: member({ seatOrganisationId: 'acme' }) },
      'acme',
      'seat',
    ],
  ];
  for (const [name, over, id, route] of cases) {
    it(name, () => assert.deepEqual(decide(over), licensed(id, route)));
  }
});

describe('decideAccess: work-unlicensed', () => {
  const cases: Array<[string, Partial<AccessInput>, string]> = [
    ['network of an expired organisation', { clientIp: '198.51.100.9' }, 'lapsed'],
    ['network of a pending organisation', { clientIp: '203.0.113.1' }, 'pending'],
    ['network of an organisation with no licence', { clientIp: '203.0.113.65' }, 'none'],
    ['IPv6 network of an expired organisation', { clientIp: '2001:db8:b::1' }, 'lapsed'],
    [
      'longest IPv4 prefix decides (unlicensed /25 inside licensed /24)',
      { clientIp: '192.0.2.200' },
      'lapsed',
    ],
    [
      'longest IPv6 prefix decides (unlicensed /64 inside licensed /48)',
      { clientIp: '2001:db8:a:ff::1' },
      'lapsed',
    ],
    [
      'verified domain of an expired organisation',
      { member: member({ email: 'x@lapsed.org' }) },
      'lapsed',
    ],
    [
      'subdomain of an unlicensed domain',
      { member: member({ email: 'x@news.lapsed.org' }) },
      'lapsed',
    ],
    [
      'verified domain of a pending organisation',
      { member: member({ email: 'x@pending.org' }) },
      'pending',
    ],
    [
      'most specific verified domain decides (expired sub-organisation under licensed parent)',
      { member: member({ email: 'x@dept2.example.gov' }) },
      'dept',
    ],
    [
      'most specific verified domain decides, deeper',
      { member: member({ email: 'x@team.dept2.example.gov' }) },
      'dept',
    ],
    [
      'seat in an expired organisation',
      { member: member({ seatOrganisationId: 'lapsed' }) },
      'lapsed',
    ],
    [
      'declared personal use does not hide an unlicensed office network',
      { member: member({ declaredUse: 'personal' }), clientIp: '198.51.100.9' },
      'lapsed',
    ],
    [
      'unverified email at a licensed domain, from an unlicensed network',
      { member: member({ email: 'x@acme.com', emailVerified: false }), clientIp: '198.51.100.9' },
      'lapsed',
    ],
    ['active licence without an expiry date does not cover', { clientIp: '203.0.113.200' }, 'open'],
    [
      'status expired with a future date does not cover',
      { member: member({ seatOrganisationId: 'cancelled' }) },
      'cancelled',
    ],
  ];
  for (const [name, over, id] of cases) {
    it(name, () => assert.deepEqual(decide(over), workUnlicensed(id)));
  }

  it('member who declared work use, organisation unknown', () => {
    assert.deepEqual(decide({ member: member({ declaredUse: 'work' }) }), {
      status: 'work-unlicensed',
      organisation: null,
      adFree: false,
      notice:
        'Your organisation has no Broadsheet licence. Reading for work? Ask your organisation to get one — it takes five minutes.',
      coveredBy: null,
    });
  });

  it('member who declared work use names their organisation in the notice', () => {
    const d = decide({
      member: member({ declaredUse: 'work', workOrganisation: '  Globex \n Corp ' }),
    });
    assert.equal(d.status, 'work-unlicensed');
    assert.equal(d.organisation, null);
    assert.equal(d.notice, workUnlicensedNotice('Globex Corp'));
    const blank = decide({ member: member({ declaredUse: 'work', workOrganisation: '   ' }) });
    assert.equal(blank.notice, workUnlicensedNotice(null));
    const long = decide({
      member: member({ declaredUse: 'work', workOrganisation: 'x'.repeat(300) }),
    });
    assert.ok(long.notice.startsWith(`${'x'.repeat(99)}… has no Broadsheet licence.`));
  });

  it('a known organisation outranks the declared one', () => {
    const d = decide({
      member: member({ declaredUse: 'work', workOrganisation: 'Globex' }),
      clientIp: '198.51.100.9',
    });
    assert.deepEqual(d, workUnlicensed('lapsed'));
  });
});

describe('decideAccess: automated', () => {
  it('API key of a licensed organisation', () => {
    assert.deepEqual(
      decide({ apiKey: { organisationId: 'acme', revoked: false }, userAgent: CURL }),
      automatedLicensed('acme'),
    );
  });

  it('API key wins over an AI crawler user agent', () => {
    assert.deepEqual(
      decide({ apiKey: { organisationId: 'acme', revoked: false }, userAgent: GPTBOT }),
      automatedLicensed('acme'),
    );
  });

  it('API key wins over a signed-in member and network', () => {
    assert.deepEqual(
      decide({
        apiKey: { organisationId: 'gov', revoked: false },
        member: member({ email: 'x@acme.com' }),
        clientIp: '192.0.2.5',
      }),
      automatedLicensed('gov'),
    );
  });

  it('a search engine’s name from outside its published ranges is an unlicensed crawler', () => {
    for (const clientIp of ['8.8.8.8', '192.0.2.5', '66.249.96.1', 'garbage']) {
      const d = decide({
        userAgent: GOOGLEBOT,
        clientIp,
        member: member({ email: 'x@acme.com', seatOrganisationId: 'acme' }),
      });
      assert.deepEqual(
        [d.status, d.adFree, d.coveredBy, d.notice],
        ['automated-unlicensed', false, null, AUTOMATED_NOTICE],
        clientIp,
      );
    }
    // A world that knows no ranges believes no search engine.
    const d = decideAccess(
      { member: null, clientIp: '66.249.66.1', userAgent: GOOGLEBOT, apiKey: null, now: NOW },
      { ...world, searchEngines: undefined },
    );
    assert.equal(d.status, 'automated-unlicensed');
  });

  it('a crawler name hidden behind padding is still found, and padding alone is automated', () => {
    assert.equal(
      decide({ userAgent: `${CHROME} ${'x'.repeat(1100)} GPTBot/1.0` }).status,
      'automated-unlicensed',
    );
    assert.equal(
      decide({ userAgent: `${CHROME} ${'x'.repeat(1100)}` }).status,
      'automated-unlicensed',
    );
    assert.equal(decide({ userAgent: CHROME }).status, 'personal');
  });

  it('a seat needs a confirmed account', () => {
    assert.deepEqual(
      decide({ member: member({ seatOrganisationId: 'acme', emailVerified: false }) }),
      personal(),
    );
  });

  it('revoked key', () => {
    assert.deepEqual(
      decide({ apiKey: { organisationId: 'acme', revoked: true }, userAgent: CURL }),
      {
        status: 'automated-unlicensed',
        organisation: org('acme'),
        adFree: false,
        notice: REVOKED_KEY_NOTICE,
        coveredBy: null,
      },
    );
  });

  it('revoked key is not rescued by a licensed network, member or browser user agent', () => {
    const d = decide({
      apiKey: { organisationId: 'acme', revoked: true },
      member: member({ email: 'x@acme.com', seatOrganisationId: 'acme' }),
      clientIp: '192.0.2.5',
      userAgent: CHROME,
    });
    assert.equal(d.status, 'automated-unlicensed');
    assert.equal(d.adFree, false);
    assert.equal(d.coveredBy, null);
  });

  it('key of an organisation without an active licence', () => {
    assert.deepEqual(decide({ apiKey: { organisationId: 'lapsed', revoked: false } }), {
      status: 'automated-unlicensed',
      organisation: org('lapsed'),
      adFree: false,
      notice:
        'Lapsed Media has no active Broadsheet licence. Automated access needs a licensed API key.',
      coveredBy: null,
    });
  });

  it('key of an unknown organisation', () => {
    assert.deepEqual(decide({ apiKey: { organisationId: 'ghost', revoked: false } }), {
      status: 'automated-unlicensed',
      organisation: null,
      adFree: false,
      notice: AUTOMATED_NOTICE,
      coveredBy: null,
    });
  });

  const unkeyed: Array<[string, Partial<AccessInput>]> = [
    ['AI crawler', { userAgent: GPTBOT }],
    ['media monitor', { userAgent: MELTWATER }],
    ['AI crawler from a licensed network', { userAgent: GPTBOT, clientIp: '192.0.2.5' }],
    [
      'AI crawler from a licensed IPv6 network',
      { userAgent: CLAUDEBOT, clientIp: '2001:db8:a::1' },
    ],
    [
      'media monitor signed in as a licensed member',
      { userAgent: MELTWATER, member: member({ email: 'x@acme.com', seatOrganisationId: 'acme' }) },
    ],
  ];
  for (const [name, over] of unkeyed) {
    it(`${name} without a key`, () =>
      assert.deepEqual(decide(over), {
        status: 'automated-unlicensed',
        organisation: null,
        adFree: false,
        notice: AUTOMATED_NOTICE,
        coveredBy: null,
      }));
  }
});

describe('decideAccess: expiry boundaries', () => {
  const justBefore = new Date(BOUNDARY.getTime() - 1);
  const exactly = new Date(BOUNDARY.getTime());
  const justAfter = new Date(BOUNDARY.getTime() + 1);
  const routes: Array<[AccessDecision['coveredBy'], Partial<AccessInput>]> = [
    ['network', { clientIp: '203.0.113.129' }],
    ['domain', { member: member({ email: 'x@edge.co' }) }],
    ['seat', { member: member({ seatOrganisationId: 'edge' }) }],
  ];
  for (const [route, over] of routes) {
    it(`${route}: covered 1 ms before expiry, not at or after it`, () => {
      assert.deepEqual(decide({ ...over, now: justBefore }), licensed('edge', route));
      assert.deepEqual(decide({ ...over, now: exactly }), workUnlicensed('edge'));
      assert.deepEqual(decide({ ...over, now: justAfter }), workUnlicensed('edge'));
    });
  }

  it('api-key: covered 1 ms before expiry, not at or after it', () => {
    const apiKey = { organisationId: 'edge', revoked: false };
    assert.deepEqual(decide({ apiKey, now: justBefore }), automatedLicensed('edge'));
    assert.equal(decide({ apiKey, now: exactly }).status, 'automated-unlicensed');
    assert.equal(decide({ apiKey, now: justAfter }).status, 'automated-unlicensed');
  });

  it('licenceCovers follows the same rule and rejects invalid dates', () => {
    const lic = { status: 'active' as const, expiresAt: BOUNDARY };
    assert.equal(licenceCovers(lic, justBefore), true);
    assert.equal(licenceCovers(lic, exactly), false);
    assert.equal(licenceCovers(lic, new Date(Number.NaN)), false);
    assert.equal(licenceCovers({ status: 'active', expiresAt: new Date(Number.NaN) }, NOW), false);
    assert.equal(licenceCovers({ status: 'active', expiresAt: null }, NOW), false);
    for (const status of ['expired', 'pending', 'none'] as const) {
      assert.equal(licenceCovers({ status, expiresAt: LATER }, NOW), false);
    }
  });
});

describe('decideAccess: precedence between signals', () => {
  it('licensed coverage wins over declared work use', () => {
    assert.deepEqual(
      decide({
        member: member({ declaredUse: 'work', workOrganisation: 'Globex' }),
        clientIp: '192.0.2.5',
      }),
      licensed('acme', 'network'),
    );
    assert.deepEqual(
      decide({ member: member({ declaredUse: 'work', email: 'x@acme.com' }) }),
      licensed('acme', 'domain'),
    );
  });

  it("expired organisation's network + seat in a licensed organisation → licensed via seat", () => {
    assert.deepEqual(
      decide({ member: member({ seatOrganisationId: 'acme' }), clientIp: '198.51.100.9' }),
      licensed('acme', 'seat'),
    );
  });

  it('expired domain + licensed network → licensed via network', () => {
    assert.deepEqual(
      decide({ member: member({ email: 'x@lapsed.org' }), clientIp: '192.0.2.5' }),
      licensed('acme', 'network'),
    );
  });

  it('expired seat + licensed domain → licensed via domain', () => {
    assert.deepEqual(
      decide({ member: member({ email: 'x@acme.com', seatOrganisationId: 'lapsed' }) }),
      licensed('acme', 'domain'),
    );
  });

  it('seat wins over domain when both cover', () => {
    assert.deepEqual(
      decide({ member: member({ email: 'x@acme.com', seatOrganisationId: 'gov' }) }),
      licensed('gov', 'seat'),
    );
  });

  it('domain wins over network when both cover (visiting another licensed office)', () => {
    assert.deepEqual(
      decide({ member: member({ email: 'x@acme.com' }), clientIp: '100.64.0.1' }),
      licensed('acme', 'domain'),
    );
  });

  it('seat wins over network when both cover', () => {
    assert.deepEqual(
      decide({ member: member({ seatOrganisationId: 'gov' }), clientIp: '2001:db8:a::1' }),
      licensed('gov', 'seat'),
    );
  });

  it('several unlicensed signals name the strongest: seat, then domain, then network', () => {
    assert.deepEqual(
      decide({
        member: member({ seatOrganisationId: 'pending', email: 'x@lapsed.org' }),
        clientIp: '203.0.113.65',
      }),
      workUnlicensed('pending'),
    );
    assert.deepEqual(
      decide({ member: member({ email: 'x@lapsed.org' }), clientIp: '203.0.113.65' }),
      workUnlicensed('lapsed'),
    );
  });

  it('API key beats AI user agent; AI user agent beats licensed coverage', () => {
    assert.equal(
      decide({ apiKey: { organisationId: 'acme', revoked: false }, userAgent: GPTBOT }).status,
      'automated-licensed',
    );
    assert.equal(
      decide({
        userAgent: GPTBOT,
        member: member({ seatOrganisationId: 'acme' }),
        clientIp: '192.0.2.5',
      }).status,
      'automated-unlicensed',
    );
  });
});

describe('decideAccess: every status and route is reachable', () => {
  it('covers the whole output space', () => {
    const seen = new Set<string>();
    const inputs: Array<Partial<AccessInput>> = [
      {},
      { clientIp: '192.0.2.5' },
      { member: member({ email: 'x@acme.com' }) },
      { member: member({ seatOrganisationId: 'acme' }) },
      { clientIp: '198.51.100.9' },
      { apiKey: { organisationId: 'acme', revoked: false } },
      { userAgent: GPTBOT },
    ];
    for (const over of inputs) {
      const d = decide(over);
      seen.add(d.status);
      if (d.coveredBy) seen.add(d.coveredBy);
    }
    assert.deepEqual([...seen].sort(), [
      'api-key',
      'automated-licensed',
      'automated-unlicensed',
      'domain',
      'licensed',
      'network',
      'personal',
      'seat',
      'work-unlicensed',
    ]);
  });

  it('ads are off exactly when a licence covers', () => {
    for (const over of [
      {},
      { clientIp: '192.0.2.5' },
      { clientIp: '198.51.100.9' },
      { userAgent: GPTBOT },
    ]) {
      const d = decide(over);
      assert.equal(d.adFree, d.status === 'licensed' || d.status === 'automated-licensed');
      assert.equal(d.coveredBy !== null, d.adFree);
    }
  });

  it('does not modify its inputs', () => {
    const input: AccessInput = {
      member: member({ email: 'x@acme.com' }),
      clientIp: '192.0.2.5',
      userAgent: CHROME,
      apiKey: null,
      now: NOW,
    };
    const frozen = structuredClone(input);
    const a = decideAccess(input, world);
    const b = decideAccess(input, world);
    assert.deepEqual(a, b);
    assert.deepEqual(input, frozen);
  });
});

describe('emailDomain', () => {
  it('extracts and normalises the domain', () => {
    assert.equal(emailDomain('a@Example.COM'), 'example.com');
    assert.equal(emailDomain('"odd@local"@example.com'), 'example.com');
    assert.equal(emailDomain('a@example.com.'), 'example.com');
    for (const bad of ['', 'a', '@example.com', 'a@', 'a@.example.com', 'a@example..com']) {
      assert.equal(emailDomain(bad), null, bad);
    }
  });
});
