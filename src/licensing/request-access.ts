/**
 * The access decision stored on each request by the licensing hook (see wiring.ts), and the view
 * of it pages render. Kept free of other imports so src/platform/http.ts can use it.
 */
import type { FastifyRequest } from 'fastify';
import type { AccessView } from '../web/context.ts';
import type { AccessDecision } from './access.ts';
import { memberAccess } from '../members/session.ts';

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
