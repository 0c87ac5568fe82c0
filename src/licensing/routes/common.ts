/**
 * What the licensing route modules share: rate limits, page rendering, the organisation lookup
 * that applies the policy, and the post/redirect/get answer for a service result.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JSX } from 'preact';
import type { Services } from '../../platform/services.ts';
import { notFound, sendPage } from '../../platform/http.ts';
import { pageContext } from '../../web/context.ts';
import { actorOf, authorize, can, type Action } from '../../platform/policy.ts';
import type { PageContext } from '../../web/context.ts';
import { parseInput } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import type { z } from 'zod';
import { licensingDeps } from '../jobs.ts';
import type { Failure, LicensingDeps, TxtResolver } from '../service.ts';
import { getOrganisation, organisationRole } from '../store.ts';

/** DNS TXT lookups for domain verification; tests replace `resolveTxt`. */
export const licensingDns: { resolveTxt?: TxtResolver } = {};

/** A route's options: its rate limit and its authorisation policy (src/platform/policy.ts). */
export const LIMIT = (policy: Action) => ({
  config: { policy, rateLimit: { max: 60, timeWindow: '1 minute' } },
});
export const FORM_LIMIT = (policy: Action) => ({
  config: { policy, rateLimit: { max: 20, timeWindow: '1 minute' } },
});

export function intParam(v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw notFound();
  return Number(v);
}

export function daysBack(now: Date, n: number): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--)
    out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** A notice or a refusal shown on a page rendered in answer to a form. */
export type Outcome = { ok: true; message: string } | Failure;

/** Everything a licensing route module needs, built once per registration. */
export interface LicensingRouteKit {
  services: Services;
  db: Services['db']['kysely'];
  deps: () => LicensingDeps;
  page: (
    req: FastifyRequest,
    reply: FastifyReply,
    build: (ctx: PageContext) => JSX.Element,
    status?: number,
  ) => Promise<FastifyReply>;
  orgFor: (
    req: FastifyRequest,
    idParam: string,
    action: 'org.view' | 'org.manage',
  ) => Promise<{
    org: NonNullable<Awaited<ReturnType<typeof getOrganisation>>>;
    canManage: boolean;
    isSiteAdmin: boolean;
  }>;
}

export function routeKit(services: Services, app: FastifyInstance): LicensingRouteKit {
  const db = services.db.kysely;
  const deps = () => licensingDeps(services, { resolveTxt: licensingDns.resolveTxt, log: app.log });
  const page: LicensingRouteKit['page'] = async (req, reply, build, status = 200) => {
    const ctx = await pageContext(services, req, reply);
    return sendPage(req, reply, build(ctx), { status, cache: 'private' });
  };
  /** The organisation if the policy lets the signed-in member do the action on it; 404 otherwise. */
  const orgFor: LicensingRouteKit['orgFor'] = async (req, idParam, action) => {
    const id = intParam(idParam);
    const actor = actorOf(req);
    const org = await getOrganisation(db, id);
    if (!org) throw notFound('There is no such organisation.');
    const subject = {
      id,
      actorRole: actor.kind === 'member' ? await organisationRole(db, id, actor.id) : null,
    };
    authorize(actor, action, subject);
    return {
      org,
      canManage: can(actor, 'org.manage', subject),
      isSiteAdmin: can(actor, 'org.verify-domain'),
    };
  };
  return { services, db, deps, page, orgFor };
}

/**
 * A form body checked against its schema; on failure `onInvalid` answers (the page with the
 * message, status 400) and nothing is changed.
 */
export async function withForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
  onInvalid: (f: Failure) => Promise<FastifyReply>,
  handle: (input: z.output<S>) => Promise<FastifyReply>,
): Promise<FastifyReply> {
  const p = parseInput(schema, body);
  if (!p.ok) return onInvalid({ ...p, status: p.status ?? 400 });
  return handle(p.value);
}

/** Post/redirect/get for a service result: 303 with the message on success, the page with it on failure. */
export function answer(
  req: FastifyRequest,
  reply: FastifyReply,
  r: Outcome & { key?: string },
  to: string,
  onFailure: (f: Failure) => Promise<FastifyReply>,
): Promise<FastifyReply> | FastifyReply {
  if (!r.ok) return onFailure(r);
  return redirectWith(req, reply, to, {
    kind: 'ok',
    message: r.message,
    ...(r.key ? { secret: r.key } : {}),
  });
}
