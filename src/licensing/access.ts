/**
 * The licensing decision for one request. Pure: no I/O, no clock (the caller
 * passes `now`), nothing is ever blocked — the result only sets ads, tools
 * and the notice shown to the reader.
 *
 * A licence covers while its status is 'active' and now < expiresAt.
 * Coverage ends at the expiry instant; an active licence without an expiry
 * date does not cover (annual licences always have one, so it is a data
 * error, and we fail towards showing the licence notice).
 *
 * Precedence, first match wins:
 *
 * 1. API key presented.
 *    - Not revoked, organisation licensed → automated-licensed (api-key).
 *    - Revoked, unknown organisation or organisation unlicensed →
 *      automated-unlicensed. Presenting a key is automated use whatever
 *      the User-Agent says.
 * 2. AI crawler or media-monitor User-Agent, or one too long to be a real
 *    browser's → automated-unlicensed, even from a licensed network or
 *    signed in as a licensed member: licences accredit people, machines
 *    need a key. Search engines are not automated use and go on as personal
 *    readers, but only from their published address ranges
 *    (world.searchEngines): a client that names a search engine from
 *    anywhere else is an unlicensed crawler.
 * 3. Licensed coverage, routes in this order:
 *    seat → verified-email domain → network.
 *    Who the reader is (an invitation, a verified address) beats where they
 *    are (a network range), so a licensed seat wins over an unlicensed
 *    office network, and a licensed member visiting another organisation's
 *    office is reported under their own organisation.
 *    - Seat: member.seatOrganisationId names an organisation with cover, and
 *      the member's account is confirmed (emailVerified).
 *    - Domain: the member's email is verified and its domain, or a parent
 *      domain, is a verified organisation domain. The most specific verified
 *      domain decides (mirroring longest-prefix for networks): if
 *      dept.example.gov and example.gov are both registered,
 *      staff@dept.example.gov belongs to dept.example.gov's organisation.
 *      Unverified domain claims and unverified emails are ignored entirely.
 *    - Network: the longest-prefix range containing clientIp decides, but a
 *      covered organisation's range (world.coveringNetworks) is tried first,
 *      so a narrower range of an uncovered organisation cannot hide it.
 *    → licensed, adFree, "Licensed to <Org>".
 * 4. A known organisation without cover, found by the same routes in the
 *    same order (seat, domain, network) → work-unlicensed naming it. This
 *    applies even if the member declared personal use: the signal is about
 *    the organisation, and nothing is blocked.
 * 5. A member who declared work use → work-unlicensed, naming their declared
 *    organisation in the notice when they gave one (organisation stays null:
 *    it is free text, not a known organisation).
 * 6. Otherwise → personal.
 */
import { classifyAgent, isAutomatedUse } from './agents.ts';
import type { CidrMatcher } from '../lib/cidr.ts';

export type AccessStatus =
  'personal' | 'licensed' | 'work-unlicensed' | 'automated-licensed' | 'automated-unlicensed';

export type CoverageRoute = 'network' | 'domain' | 'seat' | 'api-key';

export interface AccessMember {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly declaredUse: 'personal' | 'work' | null;
  readonly workOrganisation?: string | null;
  readonly seatOrganisationId?: string | null;
}

export interface AccessInput {
  readonly member: AccessMember | null;
  /** The client address as resolved by clientIp(). */
  readonly clientIp: string;
  readonly userAgent: string;
  readonly apiKey: { readonly organisationId: string; readonly revoked: boolean } | null;
  readonly now: Date;
}

export interface Licence {
  readonly status: 'active' | 'expired' | 'pending' | 'none';
  readonly expiresAt: Date | null;
}

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly licence: Licence;
}

export interface AccessWorld {
  readonly organisationsById: ReadonlyMap<string, Organisation>;
  /** Keyed by lower-case ASCII domain (IDNs in punycode). */
  readonly domains: ReadonlyMap<
    string,
    { readonly organisationId: string; readonly verified: boolean }
  >;
  /** Network ranges → organisation id. */
  readonly networks: CidrMatcher<string>;
  /**
   * The ranges of organisations whose licence covered when the world was loaded. Looked up before
   * `networks`, so an unlicensed organisation's narrower range inside a licensed one does not hide
   * that licence.
   */
  readonly coveringNetworks?: CidrMatcher<string>;
  /** Published ranges of the search engines; without them no search-engine claim is believed. */
  readonly searchEngines?: { verifies(name: string, ip: string): boolean };
}

export interface AccessDecision {
  readonly status: AccessStatus;
  readonly organisation: { readonly id: string; readonly name: string } | null;
  readonly adFree: boolean;
  readonly notice: string;
  readonly coveredBy: CoverageRoute | null;
}

export const PERSONAL_NOTICE =
  'Free for personal reading. Using Broadsheet for work? Your organisation needs a licence.';

export function licensedNotice(orgName: string): string {
  return `Licensed to ${orgName}`;
}

export function workUnlicensedNotice(orgName: string | null): string {
  return `${orgName ?? 'Your organisation'} has no Broadsheet licence. Reading for work? Ask your organisation to get one — it takes five minutes.`;
}

export const AUTOMATED_NOTICE =
  'Automated access to Broadsheet needs an API licence. Ask us about one — it takes five minutes.';

export const REVOKED_KEY_NOTICE =
  'This API key has been revoked. Automated access to Broadsheet needs an API licence.';

/** True when the licence covers use at `now` (active and now < expiresAt). */
export function licenceCovers(licence: Licence, now: Date): boolean {
  if (licence.status !== 'active' || licence.expiresAt === null) return false;
  const t = now.getTime();
  const end = licence.expiresAt.getTime();
  return Number.isFinite(t) && Number.isFinite(end) && t < end;
}

/** Domain part of an email address, lower-cased, without a trailing dot. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return null;
  let d = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === '' || d.startsWith('.') || d.includes('..')) return null;
  return d;
}

/** Organisation of the most specific verified domain covering `domain`. */
function organisationForDomain(world: AccessWorld, domain: string): Organisation | null {
  let d = domain;
  for (;;) {
    const entry = world.domains.get(d);
    if (entry !== undefined && entry.verified) {
      const org = world.organisationsById.get(entry.organisationId);
      if (org !== undefined) return org;
    }
    const dot = d.indexOf('.');
    if (dot < 0) return null;
    d = d.slice(dot + 1);
  }
}

/** Free-text organisation name, tidied for display in a notice. */
function declaredName(s: string | null | undefined): string | null {
  if (s == null) return null;
  const t = s.replace(/\s+/g, ' ').trim();
  if (t === '') return null;
  return t.length > 100 ? `${t.slice(0, 99)}…` : t;
}

function ref(org: Organisation): { id: string; name: string } {
  return { id: org.id, name: org.name };
}

export function decideAccess(input: AccessInput, world: AccessWorld): AccessDecision {
  const { member, now } = input;

  // 1. API keys.
  if (input.apiKey !== null) {
    const org = world.organisationsById.get(input.apiKey.organisationId) ?? null;
    if (!input.apiKey.revoked && org !== null && licenceCovers(org.licence, now)) {
      return {
        status: 'automated-licensed',
        organisation: ref(org),
        adFree: true,
        notice: `Automated access licensed to ${org.name}`,
        coveredBy: 'api-key',
      };
    }
    return {
      status: 'automated-unlicensed',
      organisation: org === null ? null : ref(org),
      adFree: false,
      notice: input.apiKey.revoked
        ? REVOKED_KEY_NOTICE
        : org === null
          ? AUTOMATED_NOTICE
          : `${org.name} has no active Broadsheet licence. Automated access needs a licensed API key.`,
      coveredBy: null,
    };
  }

  // 2. AI crawlers and media monitors, and search engines outside their ranges.
  const agent = classifyAgent(input.userAgent);
  const fakeSearchEngine =
    agent.kind === 'search-engine' &&
    !(world.searchEngines?.verifies(agent.name ?? '', input.clientIp) ?? false);
  if (isAutomatedUse(agent) || fakeSearchEngine) {
    return {
      status: 'automated-unlicensed',
      organisation: null,
      adFree: false,
      notice: AUTOMATED_NOTICE,
      coveredBy: null,
    };
  }

  // 3 and 4. Organisation signals, strongest first.
  const candidates: Array<{ org: Organisation; route: 'seat' | 'domain' | 'network' }> = [];
  // Only a confirmed account holds a seat or a domain's coverage.
  if (member !== null && member.emailVerified && member.seatOrganisationId != null) {
    const org = world.organisationsById.get(member.seatOrganisationId);
    if (org !== undefined) candidates.push({ org, route: 'seat' });
  }
  if (member !== null && member.emailVerified) {
    const domain = emailDomain(member.email);
    const org = domain === null ? null : organisationForDomain(world, domain);
    if (org !== null) candidates.push({ org, route: 'domain' });
  }
  const cover = world.coveringNetworks?.lookup(input.clientIp) ?? null;
  if (cover !== null) {
    const org = world.organisationsById.get(cover.value);
    if (org !== undefined && licenceCovers(org.licence, now))
      candidates.push({ org, route: 'network' });
  }
  const net = world.networks.lookup(input.clientIp);
  if (net !== null) {
    const org = world.organisationsById.get(net.value);
    if (org !== undefined) candidates.push({ org, route: 'network' });
  }

  for (const c of candidates) {
    if (licenceCovers(c.org.licence, now)) {
      return {
        status: 'licensed',
        organisation: ref(c.org),
        adFree: true,
        notice: licensedNotice(c.org.name),
        coveredBy: c.route,
      };
    }
  }
  if (candidates.length > 0) {
    const org = candidates[0].org;
    return {
      status: 'work-unlicensed',
      organisation: ref(org),
      adFree: false,
      notice: workUnlicensedNotice(org.name),
      coveredBy: null,
    };
  }

  // 5. Declared work use.
  if (member !== null && member.declaredUse === 'work') {
    return {
      status: 'work-unlicensed',
      organisation: null,
      adFree: false,
      notice: workUnlicensedNotice(declaredName(member.workOrganisation)),
      coveredBy: null,
    };
  }

  // 6. Personal reading.
  return {
    status: 'personal',
    organisation: null,
    adFree: false,
    notice: PERSONAL_NOTICE,
    coveredBy: null,
  };
}
