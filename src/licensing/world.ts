/**
 * The access world: every organisation with its licence status, and what proves who belongs to
 * it — verified email domains, approved network ranges and seats — counted only for organisations
 * staff approved (claims of an organisation still waiting for approval, unverified domains and
 * ranges waiting for an editor count for nothing); API keys. Loaded into memory per process and
 * reloaded every few seconds (or at once after a change made by this process), so deciding a
 * request's access is a few map lookups and one trie walk.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Db } from '../platform/db.ts';
import { ttlCache } from '../platform/cache.ts';
import { CidrMatcher } from '../lib/cidr.ts';
import { licenceCovers, type AccessWorld, type Licence, type Organisation } from './access.ts';

export interface ApiKeyEntry {
  id: number;
  organisationId: string;
  revoked: boolean;
  ratePerMinute: number;
}

export interface LicensingWorld extends AccessWorld {
  /** member id → organisation ids where they hold a seat. */
  readonly seats: ReadonlyMap<number, readonly string[]>;
  /** SHA-256 of the key → key. */
  readonly apiKeys: ReadonlyMap<string, ApiKeyEntry>;
  readonly loadedAt: Date;
}

export const WORLD_TTL_MS = 3000;

interface LicenceRowLite {
  organisation_id: number;
  status: string;
  expires_at: string | null;
}

/** The licence that speaks for an organisation: the active one lasting longest, else pending, else expired. */
export function organisationLicence(rows: readonly LicenceRowLite[], now: Date): Licence {
  let best: Licence = { status: 'none', expiresAt: null };
  const rank = (l: Licence) =>
    licenceCovers(l, now)
      ? 4
      : l.status === 'pending'
        ? 3
        : l.status === 'expired' || l.status === 'active'
          ? 2
          : 1;
  for (const r of rows) {
    let l: Licence;
    if (r.status === 'active')
      l = { status: 'active', expiresAt: r.expires_at ? new Date(r.expires_at) : null };
    else if (r.status === 'applied' || r.status === 'invoiced')
      l = { status: 'pending', expiresAt: null };
    else if (r.status === 'expired')
      l = { status: 'expired', expiresAt: r.expires_at ? new Date(r.expires_at) : null };
    else continue;
    // An active licence past its end is reported as expired (coverage ends at expiry).
    if (l.status === 'active' && !licenceCovers(l, now))
      l = { status: 'expired', expiresAt: l.expiresAt };
    const better =
      rank(l) > rank(best) ||
      (rank(l) === rank(best) && (l.expiresAt?.getTime() ?? 0) > (best.expiresAt?.getTime() ?? 0));
    if (better) best = l;
  }
  return best;
}

export async function loadWorld(db: Kysely<Database>, now = new Date()): Promise<LicensingWorld> {
  const [orgs, licences, domains, networks, seats, keys] = await Promise.all([
    db.selectFrom('organisations').select(['id', 'name', 'approved_at']).execute(),
    db
      .selectFrom('licences')
      .select(['organisation_id', 'status', 'expires_at'])
      .where('status', 'in', ['applied', 'invoiced', 'active', 'expired'])
      .execute(),
    db
      .selectFrom('org_domains')
      .select(['organisation_id', 'domain', 'verified_at'])
      .where('verified_at', 'is not', null)
      .execute(),
    db
      .selectFrom('org_networks')
      .select(['organisation_id', 'cidr'])
      .where('status', '=', 'approved')
      .execute(),
    db.selectFrom('organisation_members').select(['organisation_id', 'member_id']).execute(),
    db
      .selectFrom('api_keys')
      .select(['id', 'organisation_id', 'key_hash', 'revoked_at', 'rate_per_minute'])
      .execute(),
  ]);
  const byOrg = new Map<number, LicenceRowLite[]>();
  for (const l of licences) {
    const list = byOrg.get(l.organisation_id) ?? [];
    list.push(l);
    byOrg.set(l.organisation_id, list);
  }
  const organisationsById = new Map<string, Organisation>();
  for (const o of orgs) {
    organisationsById.set(String(o.id), {
      id: String(o.id),
      name: o.name,
      licence: organisationLicence(byOrg.get(o.id) ?? [], now),
    });
  }
  const approved = new Set(orgs.filter((o) => o.approved_at !== null).map((o) => Number(o.id)));
  const domainMap = new Map<string, { organisationId: string; verified: boolean }>();
  for (const d of domains)
    if (approved.has(Number(d.organisation_id)))
      domainMap.set(d.domain, { organisationId: String(d.organisation_id), verified: true });
  const counted = networks.filter((n) => approved.has(Number(n.organisation_id)));
  const { matcher } = CidrMatcher.build(
    counted.map((n) => ({ cidr: n.cidr, value: String(n.organisation_id) })),
  );
  // The ranges of organisations covered now: a narrower range of an unlicensed organisation never
  // hides the licence of the organisation whose range contains it.
  const covering = CidrMatcher.build(
    counted
      .filter((n) => licenceCovers(organisationsById.get(String(n.organisation_id))!.licence, now))
      .map((n) => ({ cidr: n.cidr, value: String(n.organisation_id) })),
  ).matcher;
  const seatMap = new Map<number, string[]>();
  for (const s of seats) {
    if (!approved.has(Number(s.organisation_id))) continue;
    const list = seatMap.get(Number(s.member_id)) ?? [];
    list.push(String(s.organisation_id));
    seatMap.set(Number(s.member_id), list);
  }
  const apiKeys = new Map<string, ApiKeyEntry>();
  for (const k of keys)
    apiKeys.set(k.key_hash, {
      id: Number(k.id),
      organisationId: String(k.organisation_id),
      revoked: k.revoked_at !== null,
      ratePerMinute: k.rate_per_minute,
    });
  return {
    organisationsById,
    domains: domainMap,
    networks: matcher,
    coveringNetworks: covering,
    seats: seatMap,
    apiKeys,
    loadedAt: now,
  };
}

export interface WorldCache {
  get(): Promise<LicensingWorld>;
  /** Forget the loaded world: the next request reloads it. */
  clear(): void;
}

const caches = new WeakMap<object, WorldCache>();

/** The per-process world of one database (shared by the web app, jobs and the CLI in a process). */
export function worldFor(db: Db, ttlMs = WORLD_TTL_MS): WorldCache {
  let c = caches.get(db);
  if (!c) {
    c = ttlCache(() => loadWorld(db.kysely), ttlMs);
    caches.set(db, c);
  }
  return c;
}
