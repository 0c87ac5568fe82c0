/** House ads: the signed click-through redirect, and ad management for editors (/admin/ads). */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import type { Services } from '../platform/services.ts';
import { HttpError, notFound, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { storiesChanged } from '../stories/admin-auth.ts';
import { listSections } from '../stories/store.ts';
import { adServer } from './serve.ts';
import { validClick } from './tracking.ts';
import { countClick, createAd, deleteAd, getAd, listAds } from './store.ts';
import { AdFormPage, AdsAdminPage, type AdFormValues } from './pages.tsx';
import { parseInput, type RawForm } from '../lib/form.ts';
import { redirectWith } from '../lib/flash.ts';
import { clickQuery, formOf, parseAdForm } from './schemas.ts';

export function adRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  return async (app) => {
    app.get<{ Params: { id: string } }>(
      '/ads/:id/click',
      { config: { policy: 'public', rateLimit: { max: 120, timeWindow: '1 minute' } } },
      async (req, reply) => {
        const id = Number(req.params.id);
        if (!Number.isInteger(id) || id <= 0) throw notFound('There is no such ad.');
        const secret = await adServer(services).secret();
        const q = parseInput(clickQuery, req.query);
        if (!q.ok || !validClick(secret, id, q.value.sig))
          throw new HttpError(403, 'bad_signature', 'That ad link is not valid.');
        const ad = await getAd(db, id);
        if (!ad) throw notFound('That ad has ended.');
        await countClick(db, id);
        reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
        return reply.redirect(ad.link_url, 302);
      },
    );

    await app.register(async (admin) => {
      admin.get('/admin/ads', { config: { policy: 'ads.manage' } }, async (req, reply) => {
        const ctx = await pageContext(services, req, reply);
        return sendPage(req, reply, h(AdsAdminPage, { ctx, ads: await listAds(db) }), {
          cache: 'no-store',
        });
      });
      const form = async (
        req: FastifyRequest,
        reply: FastifyReply,
        values: AdFormValues,
        id: number | null,
        error?: string,
      ) => {
        const ctx = await pageContext(services, req, reply);
        return sendPage(
          req,
          reply,
          h(AdFormPage, { ctx, values, id, sections: await listSections(db), error }),
          { status: error ? 400 : 200, cache: 'no-store' },
        );
      };
      admin.get('/admin/ads/new', { config: { policy: 'ads.manage' } }, (req, reply) =>
        form(req, reply, formOf({ weight: '1' }), null),
      );
      admin.get<{ Params: { id: string } }>(
        '/admin/ads/:id/edit',
        { config: { policy: 'ads.manage' } },
        async (req, reply) => {
          const ad = await getAd(db, Number(req.params.id) || 0);
          if (!ad) throw notFound('There is no such ad.');
          return form(
            req,
            reply,
            {
              kind: ad.kind,
              headline: ad.headline,
              body: ad.body,
              image_url: ad.image_url ?? '',
              link_url: ad.link_url,
              weight: String(ad.weight),
              starts_at: ad.starts_at?.slice(0, 10) ?? '',
              ends_at: ad.ends_at?.slice(0, 10) ?? '',
              sections: ad.sections.trim() ? ad.sections.trim().split(' ') : [],
            },
            ad.id,
          );
        },
      );
      const save = async (req: FastifyRequest, reply: FastifyReply, id: number | null) => {
        const b = (req.body ?? {}) as RawForm;
        const sections = await listSections(db);
        const r = parseAdForm(
          b,
          sections.map((s) => s.slug),
        );
        if (!r.ok) return form(req, reply, formOf(b), id, r.message);
        if (id) {
          if (!(await getAd(db, id))) throw notFound('There is no such ad.');
          await db.updateTable('ads').set(r.ad).where('id', '=', id).execute();
        } else await createAd(db, r.ad);
        storiesChanged(services);
        return redirectWith(req, reply, '/admin/ads', {
          kind: 'ok',
          message: `Ad “${r.ad.headline}” saved.`,
        });
      };
      admin.post('/admin/ads', { config: { policy: 'ads.manage' } }, (req, reply) =>
        save(req, reply, null),
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/ads/:id',
        { config: { policy: 'ads.manage' } },
        (req, reply) => save(req, reply, Number(req.params.id) || -1),
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/ads/:id/delete',
        { config: { policy: 'ads.manage' } },
        async (req, reply) => {
          const ad = await getAd(db, Number(req.params.id) || 0);
          if (!ad)
            return redirectWith(req, reply, '/admin/ads', {
              kind: 'error',
              message: 'There is no such ad: it may have been removed already.',
            });
          await deleteAd(db, ad.id);
          storiesChanged(services);
          return redirectWith(req, reply, '/admin/ads', {
            kind: 'ok',
            message: `Ad “${ad.headline}” removed.`,
          });
        },
      );
    });
  };
}
