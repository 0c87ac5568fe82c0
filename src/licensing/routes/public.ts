/**
 * Licensing's public side: the licensing page, the TDMRep file, `/api/access`, applying for a
 * licence, invoices and accepting an invitation.
 */
import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { HttpError, notFound, sendPage } from '../../platform/http.ts';
import { pageContext } from '../../web/context.ts';
import { parseInput } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import { LicensingPage } from '../pages.tsx';
import { acceptInvitation, applyForLicence, findInvitation } from '../service.ts';
import { getInvoiceByNumber, getOrganisation, listTiers, type OrganisationRow } from '../store.ts';
import { ApplyPage, InvitationPage, InvoicePage, tierPrice } from '../views.tsx';
import { invoicePdf, invoiceView } from '../invoice.ts';
import { paymentInstructions } from '../payment.ts';
import { applicationSchema, applyQuery } from '../schemas.ts';
import { FORM_LIMIT, LIMIT, type LicensingRouteKit } from './common.ts';

export function publicRoutes(app: FastifyInstance, kit: LicensingRouteKit): void {
  const { services, db, deps, page, orgFor } = kit;

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
    return reply.type('application/json').send([
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
  /** The organisation being renewed (`?organisation=ID`, which the member must manage), or null. */
  const renewingOf = async (
    req: Parameters<typeof orgFor>[0],
    query: unknown,
  ): Promise<OrganisationRow | null> => {
    const q = parseInput(applyQuery, query);
    if (!q.ok) throw notFound(q.message);
    return q.value.organisation === undefined
      ? null
      : (await orgFor(req, q.value.organisation, 'org.manage')).org;
  };
  app.get('/licensing/apply', LIMIT('licence.apply'), async (req, reply) => {
    const member = req.member!;
    const tiers = await listTiers(db);
    const renewing = await renewingOf(req, req.query);
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
  });
  app.post('/licensing/apply', FORM_LIMIT('licence.apply'), async (req, reply) => {
    const renewing = await renewingOf(req, req.query);
    const p = parseInput(applicationSchema, req.body);
    const r = p.ok ? await applyForLicence(deps(), req.member!.id, p.value, renewing?.id) : p;
    if (!r.ok) {
      const tiers = await listTiers(db);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const text = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
      const values = {
        name: text('name'),
        kind: text('kind'),
        tier: text('tier'),
        contact_email: text('contact_email'),
        note: text('note'),
      };
      return page(
        req,
        reply,
        (ctx) => h(ApplyPage, { ctx, tiers, values, renewing, error: r.message }),
        r.status ?? 400,
      );
    }
    return redirectWith(req, reply, `/org/${r.organisationId}`, {
      kind: 'ok',
      message: 'Thank you. Your application is with our editors; the invoice will follow by mail.',
    });
  });

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
      return redirectWith(req, reply, '/org', {
        kind: 'ok',
        message: 'Welcome: you now have a seat on this licence.',
      });
    },
  );
}
