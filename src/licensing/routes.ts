/**
 * Licensing routes: the licensing page, applications, the editors' queue and invoices, organisation
 * pages (domains, networks, invitations, API keys, usage), invitations, leads, saved-search alerts,
 * `/api/access` and the TDMRep file. An organisation's pages are visible to its administrators and
 * to site editors and admins; anyone else gets 404, as if it did not exist.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h, type VNode } from 'preact';
import type { AppServices } from '../app.ts';
import { HttpError, notFound, pageContext, sendPage } from '../platform/http.ts';
import { actorOf, authorize, can, type Action } from '../platform/policy.ts';
import type { PageContext } from '../web/context.ts';
import { LicensingPage } from './pages.tsx';
import { licensingDeps } from './jobs.ts';
import {
  acceptInvitation,
  addDomain,
  addNetwork,
  applyForLicence,
  approveApplication,
  approveNetwork,
  createOpenInvitation,
  enterDomainCode,
  mailDomainCode,
  organisationInForce,
  refuseNetwork,
  cancelInvitation,
  checkDomainDns,
  createApiKey,
  emailLicenceInvitation,
  findInvitation,
  inviteMember,
  recordPayment,
  rejectApplication,
  removeDomain,
  removeNetwork,
  removeSeat,
  revokeApiKey,
  setTaxRate,
  verifyDomainByAdmin,
  type Failure,
  type TxtResolver,
} from './service.ts';
import {
  apiKeysOf,
  approvedNetworks,
  domainsOf,
  pendingNetworks,
  getInvoiceByNumber,
  getOrganisation,
  getTier,
  invitationsOf,
  invoicesOf,
  leads,
  licenceQueue,
  licencesOf,
  listTiers,
  networksOf,
  organisationRole,
  organisationsOfMember,
  seatsOf,
  taxRatePercent,
  usageByDay,
  type OrganisationRow,
} from './store.ts';
import {
  AdminLicensingPage,
  AlertsPage,
  ApplyPage,
  InvitationPage,
  InvoicePage,
  LeadsPage,
  MyOrganisationsPage,
  OrgPage,
  tierPrice,
  type OrgPageData,
  type UsagePoint,
} from './views.tsx';
import { invoicePdf, invoiceView } from './invoice.ts';
import { paymentInstructions } from './payment.ts';
import { organisationLicence, worldFor } from './world.ts';
import { licenceCovers } from './access.ts';
import { cidrContains, parseCidr } from './cidr.ts';
import { deleteSavedSearch, saveSearch, savedSearchesOf } from './alerts.ts';

/** DNS TXT lookups for domain verification; tests replace `resolveTxt`. */
export const licensingDns: { resolveTxt?: TxtResolver } = {};

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
/** A route's options: its rate limit and its authorisation policy (src/platform/policy.ts). */
const LIMIT = (policy: Action) => ({
  config: { policy, rateLimit: { max: 60, timeWindow: '1 minute' } },
});
const FORM_LIMIT = (policy: Action) => ({
  config: { policy, rateLimit: { max: 20, timeWindow: '1 minute' } },
});

function intParam(v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw notFound();
  return Number(v);
}

function daysBack(now: Date, n: number): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--)
    out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

export function licensingRoutes(services: AppServices): FastifyPluginAsync {
  return async (app) => {
    const db = services.db.kysely;
    const deps = () =>
      licensingDeps(services, { resolveTxt: licensingDns.resolveTxt, log: app.log });
    const page = async (
      req: FastifyRequest,
      reply: FastifyReply,
      build: (ctx: PageContext) => VNode<any>,
      status = 200,
    ) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, build(ctx), { status, cache: 'private' });
    };

    /** The organisation if the policy lets the signed-in member do the action on it; 404 otherwise. */
    async function orgFor(req: FastifyRequest, idParam: string, action: 'org.view' | 'org.manage') {
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
    }

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

    async function orgPage(
      req: FastifyRequest,
      reply: FastifyReply,
      idParam: string,
      result?: { ok: true; message: string } | Failure,
      newKey?: string,
    ) {
      const { org, canManage, isSiteAdmin } = await orgFor(req, idParam, 'org.view');
      const fresh = (await getOrganisation(db, org.id)) ?? org;
      const data = await orgData(req, fresh, canManage, isSiteAdmin);
      const status = result && !result.ok ? result.status : 200;
      return page(
        req,
        reply,
        (ctx) =>
          h(OrgPage, {
            ctx,
            data,
            notice: result?.ok ? result.message : null,
            error: result && !result.ok ? result.message : null,
            newKey,
          }),
        status,
      );
    }

    // ---- public ----
    app.get('/about/licensing', { config: { policy: 'public' } }, async (req, reply) => {
      const [ctx, tiers] = await Promise.all([pageContext(services, req, reply), listTiers(db)]);
      return sendPage(
        req,
        reply,
        h(LicensingPage, {
          ctx,
          tiers: tiers.map((t) => ({ label: t.label, price: tierPrice(t) })),
        }),
      );
    });

    app.get('/.well-known/tdmrep.json', { config: { policy: 'public' } }, async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return reply
        .type('application/json')
        .send([
          {
            location: '/*',
            'tdm-reservation': 1,
            'tdm-policy': `${services.config.baseUrl}/about/licensing`,
          },
        ]);
    });

    app.get('/api/access', { config: { policy: 'api.read' } }, async (req, reply) => {
      const a = req.access;
      reply.header('cache-control', 'no-store');
      if (!a)
        return reply.send({
          status: 'personal',
          organisation: null,
          adFree: false,
          notice: '',
          coveredBy: null,
          clientIp: req.ip,
        });
      const d = a.decision;
      return reply.send({
        status: d.status,
        organisation: d.organisation,
        adFree: d.adFree,
        notice: d.notice,
        coveredBy: d.coveredBy,
        clientIp: a.clientIp,
      });
    });

    // ---- applying ----
    app.get<{ Querystring: Body }>(
      '/licensing/apply',
      LIMIT('licence.apply'),
      async (req, reply) => {
        const member = req.member!;
        const tiers = await listTiers(db);
        let renewing: OrganisationRow | null = null;
        if (req.query.organisation !== undefined)
          renewing = (await orgFor(req, str(req.query.organisation), 'org.manage')).org;
        const values = renewing
          ? {
              name: renewing.name,
              kind: renewing.kind,
              tier: renewing.tier_id,
              contact_email: renewing.contact_email,
              note: '',
            }
          : {
              name: member.workOrganisation ?? '',
              kind: 'company',
              tier: 'small',
              contact_email: member.email,
              note: '',
            };
        return page(req, reply, (ctx) => h(ApplyPage, { ctx, tiers, values, renewing }));
      },
    );
    app.post<{ Querystring: Body; Body: Body }>(
      '/licensing/apply',
      FORM_LIMIT('licence.apply'),
      async (req, reply) => {
        const b = req.body ?? {};
        let renewing: OrganisationRow | null = null;
        if (req.query.organisation !== undefined)
          renewing = (await orgFor(req, str(req.query.organisation), 'org.manage')).org;
        const r = await applyForLicence(deps(), req.member!.id, b, renewing?.id);
        if (!r.ok) {
          const tiers = await listTiers(db);
          const values = {
            name: str(b.name),
            kind: str(b.kind),
            tier: str(b.tier),
            contact_email: str(b.contact_email),
            note: str(b.note),
          };
          return page(
            req,
            reply,
            (ctx) => h(ApplyPage, { ctx, tiers, values, renewing, error: r.message }),
            r.status,
          );
        }
        return reply.redirect(`/org/${r.organisationId}?done=applied`, 303);
      },
    );

    // ---- the editors' queue ----
    const queuePage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      result?: { ok: true; message: string } | Failure,
    ) => {
      const [queue, tiers, taxRate, pending, approvedRanges] = await Promise.all([
        licenceQueue(db),
        listTiers(db),
        taxRatePercent(db),
        pendingNetworks(db),
        approvedNetworks(db),
      ]);
      // Next to each pending range: the approved ranges of other organisations it overlaps.
      const networks = pending.map((n) => {
        const mine = parseCidr(n.cidr);
        const overlaps = !mine.ok
          ? []
          : approvedRanges
              .filter((a) => Number(a.organisation_id) !== n.organisation_id)
              .filter((a) => {
                const p = parseCidr(a.cidr);
                return (
                  p.ok &&
                  p.value.family === mine.value.family &&
                  (cidrContains(p.value, mine.value.network) ||
                    cidrContains(mine.value, p.value.network))
                );
              })
              .map((a) => `${a.cidr} (${a.organisation_name})`);
        return { ...n, overlaps };
      });
      const status = result && !result.ok ? result.status : 200;
      return page(
        req,
        reply,
        (ctx) =>
          h(AdminLicensingPage, {
            paymentConfigured: paymentInstructions(services.config.payment, '').configured,
            ctx,
            queue: queue.map((q) => ({
              ...q,
              id: Number(q.id),
              organisation_id: Number(q.organisation_id),
            })),
            tiers,
            taxRate,
            networks,
            isAdmin: can(actorOf(req), 'licensing.admin'),
            notice: result?.ok ? result.message : null,
            error: result && !result.ok ? result.message : null,
          }),
        status,
      );
    };
    const QUEUE_DONE: Record<string, string> = {
      'network-approved': 'The range was approved: visitors from it are recognised from now on.',
      'network-refused': 'The range was refused and removed.',
    };
    app.get<{ Querystring: Body }>(
      '/admin/licensing',
      LIMIT('licensing.review'),
      async (req, reply) => {
        const done = QUEUE_DONE[str(req.query.done)];
        return queuePage(req, reply, done ? { ok: true, message: done } : undefined);
      },
    );
    // Network ranges waiting for approval: post/redirect/get on success, the page with the reason otherwise.
    app.post<{ Params: { nid: string } }>(
      '/admin/licensing/networks/:nid/approve',
      FORM_LIMIT('licensing.review'),
      async (req, reply) => {
        const r = await approveNetwork(deps(), intParam(req.params.nid), req.member!.id);
        if (!r.ok) return queuePage(req, reply, r);
        return reply.redirect('/admin/licensing?done=network-approved#networks', 303);
      },
    );
    app.post<{ Params: { nid: string } }>(
      '/admin/licensing/networks/:nid/refuse',
      FORM_LIMIT('licensing.review'),
      async (req, reply) => {
        const r = await refuseNetwork(deps(), intParam(req.params.nid));
        if (!r.ok) return queuePage(req, reply, r);
        return reply.redirect('/admin/licensing?done=network-refused#networks', 303);
      },
    );
    app.post<{ Params: { id: string }; Body: Body }>(
      '/admin/licensing/:id/approve',
      FORM_LIMIT('licensing.review'),
      async (req, reply) => {
        const priceText = str(req.body?.price)
          .trim()
          .replace(/[$,\s]/g, '');
        let priceCents: number | null = null;
        if (priceText) {
          if (!/^\d{1,9}(\.\d{1,2})?$/.test(priceText))
            return queuePage(req, reply, {
              ok: false,
              code: 'invalid',
              message: 'Enter the agreed price in dollars, e.g. 12500 or 12500.00.',
              status: 400,
            });
          priceCents = Math.round(Number(priceText) * 100);
        }
        return queuePage(
          req,
          reply,
          await approveApplication(deps(), intParam(req.params.id), req.member!.id, { priceCents }),
        );
      },
    );
    app.post<{ Params: { id: string } }>(
      '/admin/licensing/:id/reject',
      FORM_LIMIT('licensing.review'),
      async (req, reply) => {
        return queuePage(req, reply, await rejectApplication(deps(), intParam(req.params.id)));
      },
    );
    app.post<{ Params: { number: string }; Body: Body }>(
      '/admin/licensing/invoices/:number/paid',
      FORM_LIMIT('licensing.admin'),
      async (req, reply) => {
        return queuePage(
          req,
          reply,
          await recordPayment(deps(), req.params.number, req.member!.id, str(req.body?.reference)),
        );
      },
    );
    app.post<{ Body: Body }>(
      '/admin/licensing/settings',
      FORM_LIMIT('licensing.admin'),
      async (req, reply) => {
        return queuePage(req, reply, await setTaxRate(deps(), req.body?.tax_rate));
      },
    );

    // ---- leads ----
    const leadsPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      result?: { ok: true; message: string } | Failure,
    ) => {
      const now = new Date();
      const list = await leads(db, daysBack(now, 30)[0], now.toISOString());
      const status = result && !result.ok ? result.status : 200;
      return page(
        req,
        reply,
        (ctx) =>
          h(LeadsPage, {
            ctx,
            leads: list.map((l) => ({ ...l, id: Number(l.id) })),
            notice: result?.ok ? result.message : null,
            error: result && !result.ok ? result.message : null,
          }),
        status,
      );
    };
    app.get('/admin/licensing/leads', LIMIT('licensing.review'), async (req, reply) => {
      return leadsPage(req, reply);
    });
    app.post<{ Params: { id: string } }>(
      '/admin/licensing/leads/:id/invite',
      FORM_LIMIT('licensing.review'),
      async (req, reply) => {
        const id = intParam(req.params.id);
        const now = new Date();
        const row = (await leads(db, daysBack(now, 30)[0], now.toISOString())).find(
          (l) => Number(l.id) === id,
        );
        return leadsPage(req, reply, await emailLicenceInvitation(deps(), id, row?.views ?? 0));
      },
    );

    // ---- invoices ----
    app.get<{ Params: { number: string } }>(
      '/licensing/invoices/:number',
      LIMIT('org.view'),
      async (req, reply) => {
        const pdf = req.params.number.endsWith('.pdf');
        const number = pdf ? req.params.number.slice(0, -4) : req.params.number;
        if (!/^BS-\d{4}-\d{4,}$/.test(number)) throw notFound('There is no such invoice.');
        const inv = await getInvoiceByNumber(db, number);
        if (!inv) throw notFound('There is no such invoice.');
        await orgFor(req, String(inv.organisation_id), 'org.view').catch(() => {
          throw notFound('There is no such invoice.');
        });
        const org = (await getOrganisation(db, inv.organisation_id))!;
        const v = invoiceView(inv, org);
        const pay = paymentInstructions(services.config.payment, v.number);
        if (pdf) {
          const body = await invoicePdf(v, services.config.siteName, services.config.baseUrl, pay);
          return reply
            .type('application/pdf')
            .header('cache-control', 'private, no-cache')
            .header('content-disposition', `inline; filename="${number}.pdf"`)
            .send(body);
        }
        return page(req, reply, (ctx) =>
          h(InvoicePage, { ctx, v, siteName: services.config.siteName, pay }),
        );
      },
    );

    // ---- organisation pages ----
    app.get('/org', LIMIT('org.list'), async (req, reply) => {
      const orgs = await organisationsOfMember(db, req.member!.id);
      return page(req, reply, (ctx) => h(MyOrganisationsPage, { ctx, orgs }));
    });
    const DONE: Record<string, string> = {
      applied: 'Thank you. Your application is with our editors; the invoice will follow by mail.',
      joined: 'Welcome: you now have a seat on this licence.',
    };
    app.get<{ Params: { id: string }; Querystring: Body }>(
      '/org/:id',
      LIMIT('org.view'),
      async (req, reply) => {
        const done = DONE[str(req.query.done)];
        return orgPage(req, reply, req.params.id, done ? { ok: true, message: done } : undefined);
      },
    );

    type OrgAction = (
      orgId: number,
      b: Body,
      req: FastifyRequest<{ Params: Record<string, string>; Body: Body }>,
    ) => Promise<{ ok: true; message: string; key?: string } | Failure>;
    const orgPost = (path: string, action: OrgAction, policy: Action = 'org.manage') =>
      app.post<{ Params: Record<string, string>; Body: Body }>(
        path,
        FORM_LIMIT(policy),
        async (req, reply) => {
          const { org } = await orgFor(req, req.params.id, 'org.manage');
          const r = await action(org.id, req.body ?? {}, req);
          return orgPage(req, reply, req.params.id, r, r.ok ? r.key : undefined);
        },
      );
    orgPost('/org/:id/domains', (id, b) => addDomain(deps(), id, b.domain));
    orgPost('/org/:id/domains/:did/check', (id, _b, req) =>
      checkDomainDns(deps(), id, intParam(req.params.did)),
    );
    orgPost('/org/:id/domains/:did/remove', (id, _b, req) =>
      removeDomain(deps(), id, intParam(req.params.did)),
    );
    orgPost(
      '/org/:id/domains/:did/verify',
      (id, _b, req) => verifyDomainByAdmin(deps(), id, intParam(req.params.did)),
      'org.verify-domain',
    );
    // From the organisation's admin a range waits for an editor; a site admin's counts at once.
    orgPost('/org/:id/networks', (id, b, req) =>
      addNetwork(
        deps(),
        id,
        b.cidr,
        b.label,
        can(actorOf(req), 'licensing.admin') ? { approvedBy: req.member!.id } : 'pending',
      ),
    );
    orgPost('/org/:id/networks/:nid/remove', (id, _b, req) =>
      removeNetwork(deps(), id, intParam(req.params.nid)),
    );
    orgPost('/org/:id/domains/:did/mail', (id, b, req) =>
      mailDomainCode(deps(), id, intParam(req.params.did), b.address),
    );
    orgPost('/org/:id/domains/:did/code', (id, b, req) =>
      enterDomainCode(deps(), id, intParam(req.params.did), b.code),
    );
    orgPost('/org/:id/invitations', (id, b, req) =>
      inviteMember(deps(), id, { id: req.member!.id, email: req.member!.email }, b.email),
    );
    orgPost('/org/:id/invitations/open', (id, _b, req) =>
      createOpenInvitation(deps(), id, { id: req.member!.id }),
    );
    orgPost('/org/:id/invitations/:iid/cancel', (id, _b, req) =>
      cancelInvitation(deps(), id, intParam(req.params.iid)),
    );
    orgPost('/org/:id/seats/:mid/remove', (id, _b, req) =>
      removeSeat(deps(), id, intParam(req.params.mid), req.member!.id),
    );
    orgPost('/org/:id/keys', async (id, b, req) => {
      const w = await worldFor(services.db).get();
      const o = w.organisationsById.get(String(id));
      const licensed = o !== undefined && licenceCovers(o.licence, new Date());
      if (!licensed)
        return {
          ok: false,
          code: 'unlicensed',
          message: 'API keys can be created once the licence is active.',
          status: 409,
        };
      return createApiKey(deps(), id, req.member!.id, b.name, b.rate);
    });
    orgPost('/org/:id/keys/:kid/revoke', (id, _b, req) =>
      revokeApiKey(deps(), id, intParam(req.params.kid)),
    );

    // ---- invitations ----
    app.get<{ Params: { token: string } }>(
      '/invitations/:token',
      LIMIT('public'),
      async (req, reply) => {
        const inv = await findInvitation(deps(), req.params.token);
        if (!inv)
          throw notFound(
            'This invitation link is not valid. Ask your organisation’s administrator for a new one.',
          );
        return page(req, reply, (ctx) =>
          h(InvitationPage, {
            ctx,
            organisation: inv.organisation_name,
            email: inv.email,
            token: req.params.token,
          }),
        );
      },
    );
    app.post<{ Params: { token: string } }>(
      '/invitations/:token',
      FORM_LIMIT('invitation.accept'),
      async (req, reply) => {
        const r = await acceptInvitation(deps(), req.params.token, req.member!);
        if (!r.ok) {
          const inv = await findInvitation(deps(), req.params.token);
          if (!inv) throw new HttpError(r.status, r.code, r.message);
          return page(
            req,
            reply,
            (ctx) =>
              h(InvitationPage, {
                ctx,
                organisation: inv.organisation_name,
                email: inv.email,
                token: req.params.token,
                error: r.message,
              }),
            r.status,
          );
        }
        return reply.redirect(`/org?done=joined`, 303);
      },
    );

    // ---- saved searches ----
    const covered = (req: FastifyRequest) =>
      can(actorOf(req), 'alerts.create', { licensed: req.access?.decision.status === 'licensed' });
    const alertsPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      result?: { ok: true; message: string } | Failure,
      q?: string,
    ) => {
      const searches = await savedSearchesOf(db, req.member!.id);
      const status = result && !result.ok ? result.status : 200;
      return page(
        req,
        reply,
        (ctx) =>
          h(AlertsPage, {
            ctx,
            searches,
            covered: covered(req),
            notice: result?.ok ? result.message : null,
            error: result && !result.ok ? result.message : null,
            q,
          }),
        status,
      );
    };
    app.get('/alerts', LIMIT('alerts.manage'), async (req, reply) => {
      return alertsPage(req, reply);
    });
    app.post<{ Body: Body }>('/alerts', FORM_LIMIT('alerts.create'), async (req, reply) => {
      if (!covered(req))
        return alertsPage(req, reply, {
          ok: false,
          code: 'unlicensed',
          message: 'Alerts on saved searches come with an organisation’s licence.',
          status: 403,
        });
      const r = await saveSearch(deps(), req.member!.id, req.body?.q, req.body?.frequency);
      return alertsPage(req, reply, r, r.ok ? '' : str(req.body?.q));
    });
    app.post<{ Params: { id: string } }>(
      '/alerts/:id/delete',
      FORM_LIMIT('alerts.manage'),
      async (req, reply) => {
        const ok = await deleteSavedSearch(db, req.member!.id, intParam(req.params.id));
        if (!ok) throw notFound('There is no such saved search.');
        return alertsPage(req, reply, { ok: true, message: 'The saved search was removed.' });
      },
    );
  };
}
