/** House ads: the signed click-through redirect, and ad management for editors (/admin/ads). */
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { HttpError, notFound, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { storiesChanged } from '../stories/admin-auth.ts';
import { listSections } from '../stories/store.ts';
import { safeHref } from '../stories/links.ts';
import { adServer } from './serve.ts';
import { validClick } from './tracking.ts';
import {
  countClick,
  createAd,
  deleteAd,
  getAd,
  listAds,
  sectionsField,
  type AdInput,
} from './store.ts';
import { AdFormPage, AdsAdminPage, type AdFormValues } from './pages.tsx';

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const DONE: Record<string, string> = { saved: 'Ad saved.', deleted: 'Ad removed.' };

const dateField = z
  .string()
  .trim()
  .default('')
  .refine(
    (v) => v === '' || /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/.test(v),
    'Give dates as YYYY-MM-DD.',
  );

const adSchema = z.object({
  kind: z.enum(['text', 'image'], { message: 'Choose text or image.' }),
  headline: z
    .string()
    .trim()
    .min(1, 'Give the ad a headline (for image ads it is the image’s text alternative).')
    .max(120, 'Keep the headline under 120 characters.'),
  body: z.string().trim().max(300, 'Keep the text under 300 characters.').default(''),
  image_url: z.string().trim().default(''),
  link_url: z.string().trim().min(1, 'Give the address the ad links to.'),
  weight: z.coerce
    .number({ message: 'The weight must be a number.' })
    .int('The weight must be a whole number.')
    .min(0, 'The weight must be 0 or more.')
    .max(1000, 'The weight must be at most 1000.'),
  starts_at: dateField,
  ends_at: dateField,
});

function toIso(v: string): string | null {
  if (!v) return null;
  return new Date(v.length === 10 ? `${v}T00:00:00Z` : `${v}:00Z`).toISOString();
}

export function parseAdForm(
  b: Body,
  sectionSlugs: string[],
): { ok: true; ad: AdInput } | { ok: false; message: string } {
  const r = adSchema.safeParse(b);
  if (!r.success) return { ok: false, message: r.error.issues[0].message };
  const d = r.data;
  // Read as a browser reads them (links.ts): `/\\host` or `//host` is another site, not a path here.
  const webOrPath = (raw: string) => {
    const href = safeHref(raw);
    return href !== null && (/^https?:/i.test(href) || href.startsWith('/')) ? href : null;
  };
  const link = webOrPath(d.link_url);
  if (!link)
    return {
      ok: false,
      message: 'The link must be an http:// or https:// address, or a path on this site.',
    };
  const sitePath = d.image_url ? webOrPath(d.image_url) : null;
  const image = d.image_url
    ? (safeHref(d.image_url, 'image') ?? (sitePath?.startsWith('/') ? sitePath : null))
    : null;
  if (d.kind === 'image' && !image)
    return {
      ok: false,
      message: 'An image ad needs the image’s https address (or a path on this site).',
    };
  const starts = toIso(d.starts_at);
  const ends = toIso(d.ends_at);
  if (starts && ends && ends <= starts)
    return { ok: false, message: 'The end date must be after the start date.' };
  const picked = Array.isArray(b.sections)
    ? b.sections.map(String)
    : typeof b.sections === 'string'
      ? [b.sections]
      : [];
  const unknown = picked.find((s) => !sectionSlugs.includes(s));
  if (unknown) return { ok: false, message: `There is no section ${unknown}.` };
  return {
    ok: true,
    ad: {
      kind: d.kind,
      headline: d.headline,
      body: d.body,
      image_url: image,
      link_url: link,
      weight: d.weight,
      starts_at: starts,
      ends_at: ends,
      sections: sectionsField(picked),
    },
  };
}

function formOf(b: Body): AdFormValues {
  return {
    kind: str(b.kind) === 'image' ? 'image' : 'text',
    headline: str(b.headline),
    body: str(b.body),
    image_url: str(b.image_url),
    link_url: str(b.link_url),
    weight: str(b.weight) || '1',
    starts_at: str(b.starts_at),
    ends_at: str(b.ends_at),
    sections: Array.isArray(b.sections)
      ? b.sections.map(String)
      : typeof b.sections === 'string'
        ? [b.sections]
        : [],
  };
}

export function adRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  return async (app) => {
    app.get<{ Params: { id: string }; Querystring: Body }>(
      '/ads/:id/click',
      { config: { policy: 'public', rateLimit: { max: 120, timeWindow: '1 minute' } } },
      async (req, reply) => {
        const id = Number(req.params.id);
        if (!Number.isInteger(id) || id <= 0) throw notFound('There is no such ad.');
        const secret = await adServer(services).secret();
        if (!validClick(secret, id, req.query.sig))
          throw new HttpError(403, 'bad_signature', 'That ad link is not valid.');
        const ad = await getAd(db, id);
        if (!ad) throw notFound('That ad has ended.');
        await countClick(db, id);
        reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
        return reply.redirect(ad.link_url, 302);
      },
    );

    await app.register(async (admin) => {
      admin.get<{ Querystring: Body }>(
        '/admin/ads',
        { config: { policy: 'ads.manage' } },
        async (req, reply) => {
          const ctx = await pageContext(services, req, reply);
          return sendPage(
            req,
            reply,
            h(AdsAdminPage, {
              ctx,
              ads: await listAds(db),
              notice: DONE[str(req.query.done)] ?? null,
            }),
            { cache: 'no-store' },
          );
        },
      );
      const form = async (
        req: any,
        reply: any,
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
      const save = async (req: any, reply: any, id: number | null) => {
        const b = (req.body ?? {}) as Body;
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
        return reply.redirect('/admin/ads?done=saved', 303);
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
          await deleteAd(db, Number(req.params.id) || 0);
          storiesChanged(services);
          return reply.redirect('/admin/ads?done=deleted', 303);
        },
      );
    });
  };
}
