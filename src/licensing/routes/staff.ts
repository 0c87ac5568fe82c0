/**
 * Licensing for site staff: the editors' queue (applications, network ranges waiting for
 * approval, open invoices, the tax rate) and leads (unlicensed organisations using the site).
 * Every form answers with post/redirect/get; a refused form shows the page again with the reason.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { actorOf, can } from '../../platform/policy.ts';
import { redirectWith } from '../../lib/flash.ts';
import {
  approveApplication,
  approveNetwork,
  emailLicenceInvitation,
  recordPayment,
  refuseNetwork,
  rejectApplication,
  setTaxRate,
  type Failure,
} from '../service.ts';
import {
  approvedNetworks,
  leads,
  licenceQueue,
  listTiers,
  pendingNetworks,
  taxRatePercent,
} from '../store.ts';
import { AdminLicensingPage, LeadsPage } from '../views.tsx';
import { cidrContains, parseCidr } from '../../lib/cidr.ts';
import { paymentInstructions } from '../payment.ts';
import { approveForm, paymentForm, taxForm } from '../schemas.ts';
import {
  answer,
  daysBack,
  FORM_LIMIT,
  intParam,
  LIMIT,
  withForm,
  type LicensingRouteKit,
} from './common.ts';

export function staffRoutes(app: FastifyInstance, kit: LicensingRouteKit): void {
  const { db, deps, page, services } = kit;

  const queuePage = async (req: FastifyRequest, reply: FastifyReply, error?: Failure) => {
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
          notice: null,
          error: error?.message ?? null,
        }),
      error ? error.status : 200,
    );
  };
  const QUEUE = '/admin/licensing';

  app.get('/admin/licensing', LIMIT('licensing.review'), async (req, reply) =>
    queuePage(req, reply),
  );
  app.post<{ Params: { nid: string } }>(
    '/admin/licensing/networks/:nid/approve',
    FORM_LIMIT('licensing.review'),
    async (req, reply) => {
      const r = await approveNetwork(deps(), intParam(req.params.nid), req.member!.id);
      if (!r.ok) return queuePage(req, reply, r);
      return redirectWith(req, reply, `${QUEUE}#networks`, {
        kind: 'ok',
        message: 'The range was approved: visitors from it are recognised from now on.',
      });
    },
  );
  app.post<{ Params: { nid: string } }>(
    '/admin/licensing/networks/:nid/refuse',
    FORM_LIMIT('licensing.review'),
    async (req, reply) => {
      const r = await refuseNetwork(deps(), intParam(req.params.nid));
      if (!r.ok) return queuePage(req, reply, r);
      return redirectWith(req, reply, `${QUEUE}#networks`, {
        kind: 'ok',
        message: 'The range was refused and removed.',
      });
    },
  );
  app.post<{ Params: { id: string } }>(
    '/admin/licensing/:id/approve',
    FORM_LIMIT('licensing.review'),
    async (req, reply) =>
      withForm(
        approveForm,
        req.body,
        (f) => queuePage(req, reply, f),
        async ({ price }) => {
          const r = await approveApplication(deps(), intParam(req.params.id), req.member!.id, {
            priceCents: price,
          });
          return answer(req, reply, r, QUEUE, (f) => queuePage(req, reply, f));
        },
      ),
  );
  app.post<{ Params: { id: string } }>(
    '/admin/licensing/:id/reject',
    FORM_LIMIT('licensing.review'),
    async (req, reply) => {
      const r = await rejectApplication(deps(), intParam(req.params.id));
      return answer(req, reply, r, QUEUE, (f) => queuePage(req, reply, f));
    },
  );
  app.post<{ Params: { number: string } }>(
    '/admin/licensing/invoices/:number/paid',
    FORM_LIMIT('licensing.admin'),
    async (req, reply) =>
      withForm(
        paymentForm,
        req.body,
        (f) => queuePage(req, reply, f),
        async ({ reference }) => {
          const r = await recordPayment(deps(), req.params.number, req.member!.id, reference);
          return answer(req, reply, r, QUEUE, (f) => queuePage(req, reply, f));
        },
      ),
  );
  app.post('/admin/licensing/settings', FORM_LIMIT('licensing.admin'), async (req, reply) =>
    withForm(
      taxForm,
      req.body,
      (f) => queuePage(req, reply, f),
      async ({ tax_rate }) => {
        const r = await setTaxRate(deps(), tax_rate);
        return answer(req, reply, r, QUEUE, (f) => queuePage(req, reply, f));
      },
    ),
  );

  // ---- leads ----
  const leadsPage = async (req: FastifyRequest, reply: FastifyReply, error?: Failure) => {
    const now = new Date();
    const list = await leads(db, daysBack(now, 30)[0], now.toISOString());
    return page(
      req,
      reply,
      (ctx) =>
        h(LeadsPage, {
          ctx,
          leads: list.map((l) => ({ ...l, id: Number(l.id) })),
          notice: null,
          error: error?.message ?? null,
        }),
      error ? error.status : 200,
    );
  };
  app.get('/admin/licensing/leads', LIMIT('licensing.review'), async (req, reply) =>
    leadsPage(req, reply),
  );
  app.post<{ Params: { id: string } }>(
    '/admin/licensing/leads/:id/invite',
    FORM_LIMIT('licensing.review'),
    async (req, reply) => {
      const id = intParam(req.params.id);
      const now = new Date();
      const row = (await leads(db, daysBack(now, 30)[0], now.toISOString())).find(
        (l) => Number(l.id) === id,
      );
      const r = await emailLicenceInvitation(deps(), id, row?.views ?? 0);
      return answer(req, reply, r, '/admin/licensing/leads', (f) => leadsPage(req, reply, f));
    },
  );
}
