/**
 * An organisation's own pages (`/org`, `/org/:id`): licence, domains, networks, invitations,
 * seats and usage. Visible to its administrators and to site editors and admins; anyone else gets
 * 404, as if it did not exist. Every form answers with post/redirect/get to the organisation page;
 * a refused form shows the page again with the reason and changes nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import type { z } from 'zod';
import { sendPage } from '../../platform/http.ts';
import { pageContext } from '../../web/context.ts';
import { actorOf, can, type Action } from '../../platform/policy.ts';
import { parseInput } from '../../lib/form.ts';
import {
  addDomain,
  addNetwork,
  cancelInvitation,
  checkDomainDns,
  createOpenInvitation,
  enterDomainCode,
  inviteMember,
  mailDomainCode,
  organisationInForce,
  removeDomain,
  removeNetwork,
  removeSeat,
  verifyDomainByAdmin,
  type Failure,
} from '../service.ts';
import {
  apiKeysOf,
  domainsOf,
  getOrganisation,
  getTier,
  invitationsOf,
  invoicesOf,
  licencesOf,
  networksOf,
  organisationsOfMember,
  seatsOf,
  usageByDay,
  type OrganisationRow,
} from '../store.ts';
import { MyOrganisationsPage, OrgPage, type OrgPageData, type UsagePoint } from '../views.tsx';
import { organisationLicence } from '../world.ts';
import { domainCodeForm, domainForm, domainMailForm, inviteForm, networkForm } from '../schemas.ts';
import {
  answer,
  daysBack,
  FORM_LIMIT,
  intParam,
  LIMIT,
  type LicensingRouteKit,
  type Outcome,
} from './common.ts';

type OrgParams = { Params: Record<string, string> };

/** An action on one organisation, given its id, the checked form and the request. */
export type OrgAction<T> = (
  orgId: number,
  input: T,
  req: FastifyRequest<OrgParams>,
) => Promise<Outcome & { key?: string }>;

/** Registers organisation forms; the API-key module uses the same. */
export interface OrgForms {
  orgPage(
    req: FastifyRequest,
    reply: FastifyReply,
    idParam: string,
    error?: Failure,
  ): Promise<FastifyReply>;
  orgPost<S extends z.ZodType>(
    path: string,
    schema: S,
    action: OrgAction<z.output<S>>,
    policy?: Action,
    anchor?: string,
  ): void;
}

export function organisationRoutes(app: FastifyInstance, kit: LicensingRouteKit): OrgForms {
  const { db, deps, services, orgFor } = kit;

  async function orgData(
    req: FastifyRequest,
    org: OrganisationRow,
    canManage: boolean,
    isSiteAdmin: boolean,
  ): Promise<OrgPageData> {
    const now = new Date();
    const days = daysBack(now, 90);
    const [tier, licences, invoices, seats, domains, networks, invitations, keys, usage] =
      await Promise.all([
        getTier(db, org.tier_id),
        licencesOf(db, org.id),
        invoicesOf(db, org.id),
        seatsOf(db, org.id),
        domainsOf(db, org.id),
        networksOf(db, org.id),
        invitationsOf(db, org.id),
        apiKeysOf(db, org.id),
        usageByDay(db, org.id, days[0]),
      ]);
    const lic = organisationLicence(licences, now);
    const points = new Map<string, UsagePoint>();
    for (const u of usage) {
      const p = points.get(u.day) ?? { day: u.day, covered: 0, uncovered: 0 };
      if (u.covered) p.covered += u.count;
      else p.uncovered += u.count;
      points.set(u.day, p);
    }
    return {
      org,
      tier,
      licences,
      invoices,
      current: { status: lic.status, expiresAt: lic.expiresAt?.toISOString() ?? null },
      seats: seats.map((s) => ({ ...s, member_id: Number(s.member_id) })),
      domains,
      networks,
      invitations,
      keys,
      usage: [...points.values()],
      days,
      canManage,
      isSiteAdmin,
      memberId: req.member!.id,
      approved: org.approved_at !== null,
      inForce: await organisationInForce(deps(), org.id, now),
      now: now.toISOString(),
    };
  }

  /** The organisation page; with `error` (a refused form) at that error's status. */
  async function orgPage(
    req: FastifyRequest,
    reply: FastifyReply,
    idParam: string,
    error?: Failure,
  ): Promise<FastifyReply> {
    const { org, canManage, isSiteAdmin } = await orgFor(req, idParam, 'org.view');
    const fresh = (await getOrganisation(db, org.id)) ?? org;
    const data = await orgData(req, fresh, canManage, isSiteAdmin);
    const ctx = await pageContext(services, req, reply);
    // A new API key arrives with the message after the redirect: shown in its own box, once.
    const newKey = ctx.flash?.secret;
    if (ctx.flash?.secret) ctx.flash = { ...ctx.flash, secret: undefined };
    return sendPage(
      req,
      reply,
      h(OrgPage, { ctx, data, notice: null, error: error?.message ?? null, newKey }),
      { status: error ? error.status : 200, cache: 'private' },
    );
  }

  const orgPost: OrgForms['orgPost'] = (path, schema, action, policy = 'org.manage', anchor = '') =>
    app.post<OrgParams>(path, FORM_LIMIT(policy), async (req, reply) => {
      const { org } = await orgFor(req, req.params.id, 'org.manage');
      const refused = (f: Failure) => orgPage(req, reply, req.params.id, f);
      const p = parseInput(schema, req.body);
      if (!p.ok) return refused({ ...p, status: p.status ?? 400 });
      const r = await action(org.id, p.value, req);
      return answer(req, reply, r, `/org/${org.id}${anchor}`, refused);
    });

  app.get('/org', LIMIT('org.list'), async (req, reply) => {
    const orgs = await organisationsOfMember(db, req.member!.id);
    return kit.page(req, reply, (ctx) => h(MyOrganisationsPage, { ctx, orgs }));
  });
  app.get<{ Params: { id: string } }>('/org/:id', LIMIT('org.view'), async (req, reply) =>
    orgPage(req, reply, req.params.id),
  );

  const none = domainForm.pick({});
  orgPost('/org/:id/domains', domainForm, (id, b) => addDomain(deps(), id, b.domain));
  orgPost('/org/:id/domains/:did/check', none, (id, _b, req) =>
    checkDomainDns(deps(), id, intParam(req.params.did)),
  );
  orgPost('/org/:id/domains/:did/remove', none, (id, _b, req) =>
    removeDomain(deps(), id, intParam(req.params.did)),
  );
  orgPost(
    '/org/:id/domains/:did/verify',
    none,
    (id, _b, req) => verifyDomainByAdmin(deps(), id, intParam(req.params.did)),
    'org.verify-domain',
  );
  // From the organisation's admin a range waits for an editor; a site admin's counts at once.
  orgPost('/org/:id/networks', networkForm, (id, b, req) =>
    addNetwork(
      deps(),
      id,
      b.cidr,
      b.label,
      can(actorOf(req), 'licensing.admin') ? { approvedBy: req.member!.id } : 'pending',
    ),
  );
  orgPost('/org/:id/networks/:nid/remove', none, (id, _b, req) =>
    removeNetwork(deps(), id, intParam(req.params.nid)),
  );
  orgPost('/org/:id/domains/:did/mail', domainMailForm, (id, b, req) =>
    mailDomainCode(deps(), id, intParam(req.params.did), b.address),
  );
  orgPost('/org/:id/domains/:did/code', domainCodeForm, (id, b, req) =>
    enterDomainCode(deps(), id, intParam(req.params.did), b.code),
  );
  orgPost('/org/:id/invitations', inviteForm, (id, b, req) =>
    inviteMember(deps(), id, { id: req.member!.id, email: req.member!.email }, b.email),
  );
  orgPost('/org/:id/invitations/open', none, (id, _b, req) =>
    createOpenInvitation(deps(), id, { id: req.member!.id }),
  );
  orgPost('/org/:id/invitations/:iid/cancel', none, (id, _b, req) =>
    cancelInvitation(deps(), id, intParam(req.params.iid)),
  );
  orgPost('/org/:id/seats/:mid/remove', none, (id, _b, req) =>
    removeSeat(deps(), id, intParam(req.params.mid), req.member!.id),
  );

  return { orgPage, orgPost };
}
