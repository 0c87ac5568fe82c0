/**
 * Press releases: the public submission form (any registered member) and the editors' queue
 * (approve into a section, edit, refuse with a reason mailed to the submitter).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { badRequest, notFound, sendPage } from '../../platform/http.ts';
import { pageContext } from '../../web/context.ts';
import { parseInput, text, type RawForm } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import type { PageContext } from '../../web/context.ts';
import { storiesChanged } from '../admin-auth.ts';
import { listSections } from '../store.ts';
import {
  approveRelease,
  editRelease,
  getRelease,
  recentDecisions,
  rejectRelease,
  releaseQueue,
  releaseStoryBody,
  releasePreview,
  submitRelease,
} from '../press-releases.ts';
import { ReleaseEditPage, ReleaseQueuePage, SubmitReleasePage } from '../admin-views.tsx';
import {
  releaseApproveForm,
  releaseForm,
  releasePreviewForm,
  releaseRejectForm,
} from '../schemas.ts';
import { previewHtml } from './stories.ts';
import { idParam, type NewsroomKit } from './common.ts';

/** The public form: `/press-releases/new` and its post. */
export function releaseSubmitRoutes(app: FastifyInstance, kit: NewsroomKit): void {
  const { db, page, services } = kit;
  const submitLimit = {
    config: { policy: 'press-release.submit', rateLimit: { max: 10, timeWindow: '1 hour' } },
  } as const;
  const licensedOf = (ctx: PageContext) => ctx.access.status === 'licensed';
  app.get(
    '/press-releases/new',
    { config: { policy: 'press-release.submit' } },
    async (req, reply) => {
      const sections = await listSections(db);
      return page(req, reply, (ctx) =>
        h(SubmitReleasePage, { ctx, sections, licensed: licensedOf(ctx), values: {} }),
      );
    },
  );
  app.post('/press-releases', submitLimit, async (req, reply) => {
    const member = req.member!;
    const ctx = await pageContext(services, req, reply);
    const p = parseInput(releaseForm, req.body);
    const r = p.ok
      ? await submitRelease(
          db,
          { memberId: member.id, email: member.email, licensed: licensedOf(ctx) },
          p.value,
        )
      : p;
    if (!r.ok) {
      const sections = await listSections(db);
      const raw = (req.body ?? {}) as RawForm;
      const values = Object.fromEntries(
        ['title', 'body', 'organisation', 'contact', 'section_id'].map((k) => [k, text(raw[k])]),
      );
      return sendPage(
        req,
        reply,
        h(SubmitReleasePage, {
          ctx,
          sections,
          licensed: licensedOf(ctx),
          values,
          error: r.message,
        }),
        { status: 400, cache: 'no-store' },
      );
    }
    return redirectWith(req, reply, '/press-releases/new', {
      kind: 'ok',
      message:
        'Thank you. The editors will read your release; we will mail you when it is published.',
    });
  });
  // The submission form's live preview: the release as it will be published for this submitter.
  app.post(
    '/press-releases/preview',
    {
      config: { policy: 'press-release.submit', rateLimit: { max: 600, timeWindow: '1 hour' } },
    },
    async (req, reply) => {
      const p = parseInput(releasePreviewForm, req.body);
      if (!p.ok) throw badRequest(p.message);
      const ctx = await pageContext(services, req, reply);
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      return releasePreview(p.value.body, licensedOf(ctx));
    },
  );
}

/** The editors' queue. */
export function releaseQueueRoutes(app: FastifyInstance, kit: NewsroomKit): void {
  const { db, page, services, decisionDeps } = kit;
  app.get(
    '/admin/press-releases',
    { config: { policy: 'press-release.review' } },
    async (req, reply) => {
      const [queue, recent] = await Promise.all([releaseQueue(db), recentDecisions(db)]);
      return page(req, reply, (ctx) => h(ReleaseQueuePage, { ctx, queue, recent }));
    },
  );
  const releasePage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    error?: string,
    status = 200,
  ) => {
    const release = await getRelease(db, id);
    if (!release) throw notFound('There is no such press release.');
    const sections = await listSections(db);
    const preview = h('div', {
      dangerouslySetInnerHTML: { __html: previewHtml(releaseStoryBody(release)) },
    });
    return page(
      req,
      reply,
      (ctx) => h(ReleaseEditPage, { ctx, release, sections, preview, error }),
      status,
    );
  };
  app.get<{ Params: { id: string } }>(
    '/admin/press-releases/:id',
    { config: { policy: 'press-release.review' } },
    (req, reply) => releasePage(req, reply, idParam(req.params.id)),
  );
  app.post<{ Params: { id: string } }>(
    '/admin/press-releases/:id/approve',
    { config: { policy: 'press-release.review' } },
    async (req, reply) => {
      const id = idParam(req.params.id);
      const p = parseInput(releaseApproveForm, req.body);
      if (!p.ok) return releasePage(req, reply, id, p.message, 400);
      const r = await approveRelease(decisionDeps(req.log), id, req.member!.id, p.value.section_id);
      if (!r.ok) return releasePage(req, reply, id, r.message, 400);
      storiesChanged(services);
      return redirectWith(req, reply, '/admin/press-releases', {
        kind: r.mailed ? 'ok' : 'partial',
        message: r.mailed
          ? 'Published. The submitter has been mailed.'
          : 'Published, but the mail to the submitter could not be sent: tell them another way.',
      });
    },
  );
  app.post<{ Params: { id: string } }>(
    '/admin/press-releases/:id/reject',
    { config: { policy: 'press-release.review' } },
    async (req, reply) => {
      const id = idParam(req.params.id);
      const p = parseInput(releaseRejectForm, req.body);
      if (!p.ok) return releasePage(req, reply, id, p.message, 400);
      const r = await rejectRelease(decisionDeps(req.log), id, req.member!.id, p.value.reason);
      if (!r.ok) return releasePage(req, reply, id, r.message, 400);
      return redirectWith(req, reply, '/admin/press-releases', {
        kind: 'ok',
        message: 'Rejected. The submitter has been told why.',
      });
    },
  );
  app.post<{ Params: { id: string } }>(
    '/admin/press-releases/:id/edit',
    { config: { policy: 'press-release.review' } },
    async (req, reply) => {
      const id = idParam(req.params.id);
      const p = parseInput(releaseForm, req.body);
      const r = p.ok ? await editRelease(db, id, p.value) : p;
      if (!r.ok) return releasePage(req, reply, id, r.message, 400);
      return redirectWith(req, reply, `/admin/press-releases/${id}`, {
        kind: 'ok',
        message: 'The release is updated.',
      });
    },
  );
}
