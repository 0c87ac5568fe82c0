/**
 * The access decision stored on each request by the licensing hook (see wiring.ts), and the view
 * of it pages render (licensing's part of every page's context).
 */
import type { FastifyRequest } from 'fastify';
import { PERSONAL_ACCESS, type AccessView } from '../web/context.ts';
import { decideAccess, type AccessDecision, type AccessWorld } from './access.ts';
import { CidrMatcher } from '../lib/cidr.ts';

export interface RequestAccess {
  decision: AccessDecision;
  clientIp: string;
  /** How the organisation (covered or not) was recognised. */
  route: 'seat' | 'domain' | 'network' | 'api-key' | null;
  apiKeyId: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The licensing decision for this request; null before the licensing hook ran. */
    access: RequestAccess | null;
  }
}

/** PageContext.access: the full decision, or the members-only view when licensing did not run. */
export function requestAccess(req: FastifyRequest): AccessView {
  const a = req.access;
  if (!a) return memberAccess(req);
  const d = a.decision;
  return { status: d.status, organisation: d.organisation, adFree: d.adFree, notice: d.notice };
}

const NO_ORGANISATIONS: AccessWorld = {
  organisationsById: new Map(),
  domains: new Map(),
  networks: new CidrMatcher<string>(),
};

/**
 * The paywall strip for a request, as far as members know it: anonymous readers and members who
 * read for personal use see the personal notice; a member who declared work use sees the firmer
 * work notice. Organisations and licences are not consulted here (the licensing feature does that).
 */
export function memberAccess(req: FastifyRequest): AccessView {
  const m = req.member;
  if (!m) return PERSONAL_ACCESS;
  const d = decideAccess(
    {
      member: {
        id: String(m.id),
        email: m.email,
        emailVerified: m.emailVerified,
        declaredUse: m.declaredUse,
        workOrganisation: m.workOrganisation,
      },
      clientIp: req.ip,
      userAgent: req.headers['user-agent'] ?? '',
      apiKey: null,
      now: new Date(),
    },
    NO_ORGANISATIONS,
  );
  if (d.status === 'personal') return PERSONAL_ACCESS;
  return { status: d.status, organisation: d.organisation, adFree: d.adFree, notice: d.notice };
}
