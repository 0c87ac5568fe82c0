/**
 * Licensing on every request: the access decision (client address through TRUST_PROXY, member,
 * user agent, API key) computed against the in-memory world; 402 for unlicensed automated use of
 * the API and feeds; per-key rate limits; TDMRep headers; usage counting. The licensing jobs are in
 * jobs.ts and run in the process's one worker (src/server.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../platform/services.ts';
import { decideAccess, emailDomain, licenceCovers, type AccessDecision } from './access.ts';
import { clientIp } from '../lib/client-ip.ts';
import { sha256 } from './service.ts';
import { UsageCounter } from './usage.ts';
import { worldFor, type LicensingWorld } from './world.ts';
import { searchEngineSource } from './crawlers.ts';
import type { RequestAccess } from './request-access.ts';
import { API_LICENCE_MESSAGE } from '../platform/policy.ts';

export { API_LICENCE_MESSAGE };

/** Paths whose automated use needs a key: the JSON API and the feeds. */
export function isAutomatedPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/feeds/') || path.endsWith('.xml');
}

/**
 * Whether a request is automated use that needs a key, decided on what the router matched: the
 * decoded path (req.routePath, canonical by then) and the route's own pattern.
 */
export function isAutomatedRequest(req: FastifyRequest): boolean {
  const pattern = req.routeOptions.url;
  return (
    isAutomatedPath(req.routePath) || (typeof pattern === 'string' && isAutomatedPath(pattern))
  );
}

/** Token buckets per API key: `rate` requests a minute, with bursts up to the same number. */
export class KeyBuckets {
  private buckets = new Map<number, { tokens: number; at: number }>();
  take(
    keyId: number,
    ratePerMinute: number,
    now = Date.now(),
  ): { ok: boolean; remaining: number; retryAfter: number } {
    const b = this.buckets.get(keyId) ?? { tokens: ratePerMinute, at: now };
    b.tokens = Math.min(ratePerMinute, b.tokens + ((now - b.at) / 60_000) * ratePerMinute);
    b.at = now;
    this.buckets.set(keyId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, remaining: Math.floor(b.tokens), retryAfter: 0 };
    }
    return {
      ok: false,
      remaining: 0,
      retryAfter: Math.ceil(((1 - b.tokens) * 60) / ratePerMinute),
    };
  }
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

/** Which route recognised the (uncovered or covered) organisation of a decision. */
function routeOf(
  decision: AccessDecision,
  world: LicensingWorld,
  seatOrgs: readonly string[],
  email: string | null,
  emailVerified: boolean,
  ip: string,
): RequestAccess['route'] {
  if (decision.coveredBy) return decision.coveredBy;
  const org = decision.organisation?.id;
  if (!org) return null;
  if (emailVerified && seatOrgs.includes(org)) return 'seat';
  if (email && emailVerified) {
    let d = emailDomain(email);
    while (d) {
      const e = world.domains.get(d);
      if (e?.verified && e.organisationId === org) return 'domain';
      const dot = d.indexOf('.');
      d = dot < 0 ? null : d.slice(dot + 1);
    }
  }
  if (world.coveringNetworks?.lookup(ip)?.value === org || world.networks.lookup(ip)?.value === org)
    return 'network';
  return null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Usage counter and access world of the licensing feature (its jobs run in the process's worker, src/server.ts). */
    licensing: LicensingRuntime;
  }
}

export interface LicensingRuntime {
  usage: UsageCounter;
  world: ReturnType<typeof worldFor>;
}

/** Adds the licensing hooks to the root app. Call once, after the members session loader. */
export function installLicensing(app: FastifyInstance, services: Services): LicensingRuntime {
  const { config } = services;
  const world = worldFor(services.db);
  const usage = new UsageCounter(services.db.kysely, undefined, (err) =>
    app.log.warn({ err }, 'usage counts could not be written'),
  );
  const buckets = new KeyBuckets();
  const searchEngines = searchEngineSource(config.dataDir, 60_000, (err) =>
    app.log.warn({ err }, 'search-engine ranges could not be read'),
  );
  const tdmPolicy = `${config.baseUrl}/about/licensing`;
  const runtime: LicensingRuntime = { usage, world };

  app.decorateRequest('access', null);
  app.decorate('licensing', runtime);

  app.addHook('onRequest', async (req, reply) => {
    req.access = null;
    // Health check and assets need no access decision, and must answer while the database is down.
    if (req.routeOptions.config?.database === false) return;
    const w = await world.get();
    const now = new Date();
    const ip = clientIp(
      req.socket.remoteAddress ?? req.ip,
      req.headers['x-forwarded-for'] as string | undefined,
      config.trustProxy,
    );
    const key = bearer(req);
    const keyEntry = key ? (w.apiKeys.get(sha256(key)) ?? null) : null;
    const m = req.member;
    // An unconfirmed address holds no seat, as it holds no domain: it may not be the member's.
    const seatOrgs = m?.emailVerified ? (w.seats.get(m.id) ?? []) : [];
    // Of several seats, the one whose organisation is covered speaks for the member.
    const seat =
      seatOrgs.find((id) => {
        const o = w.organisationsById.get(id);
        return o !== undefined && licenceCovers(o.licence, now);
      }) ??
      seatOrgs[0] ??
      null;
    const decision = decideAccess(
      {
        member: m
          ? {
              id: String(m.id),
              email: m.email,
              emailVerified: m.emailVerified,
              declaredUse: m.declaredUse,
              workOrganisation: m.workOrganisation,
              seatOrganisationId: seat,
            }
          : null,
        clientIp: ip,
        userAgent: req.headers['user-agent'] ?? '',
        // An unknown key counts as a revoked one: it is automated use without a licence.
        apiKey: key
          ? keyEntry
            ? { organisationId: keyEntry.organisationId, revoked: keyEntry.revoked }
            : { organisationId: '', revoked: true }
          : null,
        now,
      },
      { ...w, searchEngines: searchEngines() },
    );
    // A reader an organisation is recognised for sees it named: their pages are their own.
    req.personalised = decision.status !== 'personal';
    req.access = {
      decision,
      clientIp: ip,
      route: routeOf(decision, w, seatOrgs, m?.email ?? null, m?.emailVerified ?? false, ip),
      apiKeyId: keyEntry && decision.status === 'automated-licensed' ? keyEntry.id : null,
    };
    if (decision.status === 'automated-unlicensed' && isAutomatedRequest(req)) {
      return reply
        .code(402)
        .header('cache-control', 'no-store')
        .send({
          error: 'licence_required',
          message: key
            ? `${decision.notice} ${API_LICENCE_MESSAGE}`
            : `${API_LICENCE_MESSAGE} ${decision.notice}`,
          licensing: tdmPolicy,
          apply: `${config.baseUrl}/licensing/apply`,
        });
    }
    if (keyEntry && req.access.apiKeyId !== null) {
      const t = buckets.take(keyEntry.id, keyEntry.ratePerMinute);
      reply
        .header('x-ratelimit-limit', String(keyEntry.ratePerMinute))
        .header('x-ratelimit-remaining', String(t.remaining));
      if (!t.ok) {
        return reply
          .code(429)
          .header('retry-after', String(t.retryAfter))
          .send({
            error: 'rate_limited',
            message: `This API key allows ${keyEntry.ratePerMinute} requests a minute. Try again in ${t.retryAfter} s.`,
          });
      }
    }
  });

  // Plain callbacks, not async functions: every request passes them.
  app.addHook('onSend', (req, reply, _payload, done) => {
    reply.header('tdm-reservation', '1').header('tdm-policy', tdmPolicy);
    // A page that names an organisation depends on who and where the reader is: never a shared cache.
    const status = req.access?.decision.status;
    if (status && status !== 'personal') {
      const cc = reply.getHeader('cache-control');
      if (typeof cc === 'string' && cc.startsWith('public'))
        reply.header('cache-control', 'private, no-cache');
    }
    done();
  });

  app.addHook('onResponse', (req, reply, done) => {
    countView(req, reply, usage);
    done();
  });

  app.addHook('onClose', async () => {
    await usage.close();
  });

  return runtime;
}

/** Counts a page view (HTML pages and keyed API calls) for the organisation the request was matched to. */
function countView(req: FastifyRequest, reply: FastifyReply, usage: UsageCounter): void {
  const a = req.access;
  if (!a || !a.decision.organisation || req.method !== 'GET' || reply.statusCode >= 400) return;
  const type = String(reply.getHeader('content-type') ?? '');
  const page =
    type.startsWith('text/html') ||
    (reply.statusCode === 304 && !req.routePath.startsWith('/assets/'));
  if (!page && a.apiKeyId === null) return;
  const status = a.decision.status;
  usage.count(
    Number(a.decision.organisation.id),
    status === 'licensed' || status === 'automated-licensed',
    a.route ?? 'network',
  );
}
