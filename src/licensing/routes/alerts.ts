/** A member's saved searches with alerts (`/alerts`), which come with an organisation's licence. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { notFound } from '../../platform/http.ts';
import { actorOf, can } from '../../platform/policy.ts';
import { parseInput } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import { deleteSavedSearch, saveSearch, savedSearchesOf } from '../alerts.ts';
import { AlertsPage } from '../views.tsx';
import type { Failure } from '../service.ts';
import { alertForm } from '../schemas.ts';
import { answer, FORM_LIMIT, intParam, LIMIT, type LicensingRouteKit } from './common.ts';

export function alertRoutes(app: FastifyInstance, kit: LicensingRouteKit): void {
  const { db, deps, page } = kit;
  const covered = (req: FastifyRequest) =>
    can(actorOf(req), 'alerts.create', { licensed: req.access?.decision.status === 'licensed' });
  const alertsPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    error?: Failure,
    q?: string,
  ) => {
    const searches = await savedSearchesOf(db, req.member!.id);
    return page(
      req,
      reply,
      (ctx) =>
        h(AlertsPage, {
          ctx,
          searches,
          covered: covered(req),
          notice: null,
          error: error?.message ?? null,
          q,
        }),
      error ? error.status : 200,
    );
  };
  app.get('/alerts', LIMIT('alerts.manage'), async (req, reply) => alertsPage(req, reply));
  app.post('/alerts', FORM_LIMIT('alerts.create'), async (req, reply) => {
    if (!covered(req))
      return alertsPage(req, reply, {
        ok: false,
        code: 'unlicensed',
        message: 'Alerts on saved searches come with an organisation’s licence.',
        status: 403,
      });
    const p = parseInput(alertForm, req.body);
    if (!p.ok) return alertsPage(req, reply, { ...p, status: 400 });
    const r = await saveSearch(deps(), req.member!.id, p.value.q, p.value.frequency);
    return answer(req, reply, r, '/alerts', (f) => alertsPage(req, reply, f, p.value.q));
  });
  app.post<{ Params: { id: string } }>(
    '/alerts/:id/delete',
    FORM_LIMIT('alerts.manage'),
    async (req, reply) => {
      const ok = await deleteSavedSearch(db, req.member!.id, intParam(req.params.id));
      if (!ok) throw notFound('There is no such saved search.');
      return redirectWith(req, reply, '/alerts', {
        kind: 'ok',
        message: 'The saved search was removed.',
      });
    },
  );
}
