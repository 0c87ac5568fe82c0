/**
 * Cable archive routes: /cables (browse), /cables/<id> (+ /raw), /api/cables/<id>, and the
 * listings /cables/origin/<slug>, /cables/year/<yyyy>, /cables/month/<yyyy-mm>,
 * /cables/classification/<slug>, /cables/tag/<TAG>, each paginated with ?page=N.
 */
import { countView } from '../platform/page-views.ts';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { badRequest, notFound, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { Lru, ttlCache } from '../platform/cache.ts';
import { canonicalId, parseCable, type ParsedCable } from './parse/index.ts';
import { rawFromStored } from './prepare.ts';
import {
  cableVersions,
  facetSlug,
  facets,
  getCable,
  listCables,
  neighbours,
  citedByCount,
  referencedBy,
  referencesOut,
  type Cable,
  type CableFilter,
} from './store.ts';
import { BrowsePage, CablePage, ListingPage } from './views.tsx';
import { MONTH_NAMES } from '../web/format.ts';
import { storyPath } from '../stories/store.ts';
import { relatedCablesOf } from './related.ts';

export const CABLE_PAGE_SIZE = 50;

const pageQuery = z.object({
  page: z.coerce
    .number({ message: 'page must be a number' })
    .int('page must be a whole number')
    .min(1, 'page must be 1 or more')
    .max(1_000_000, 'page is too large')
    .default(1),
});

function pageOf(req: FastifyRequest): number {
  const q = pageQuery.safeParse(req.query);
  if (!q.success) throw badRequest(q.error.issues[0]?.message ?? 'bad page');
  return q.data.page;
}

export function cableRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  // Facet counts scan the archive; a few seconds of staleness is fine for browsing.
  const facetCache = ttlCache(() => facets(db), 5000);
  const parsedCache = new Lru<string, ParsedCable>(500);

  function parsedOf(cable: Cable): ParsedCable {
    const key = `${cable.reference_id}:${cable.content_hash}`;
    let p = parsedCache.get(key);
    if (!p) {
      p = parseCable(rawFromStored(cable));
      parsedCache.set(key, p);
    }
    return p;
  }

  /** The cable for an id in a URL; a non-canonical id redirects (301) to the canonical one. */
  async function resolve(
    id: string,
    reply: FastifyReply,
    suffix: string,
    prefix = '/cables/',
  ): Promise<Cable | null> {
    const canon = canonicalId(id);
    if (canon && canon !== id) {
      reply.redirect(`${prefix}${encodeURIComponent(canon)}${suffix}`, 301);
      return null;
    }
    const cable = canon ? await getCable(db, canon) : undefined;
    if (!cable) throw notFound(`The archive has no cable ${id}.`);
    return cable;
  }

  return async (app) => {
    app.get('/cables', { config: { policy: 'public' } }, async (req, reply) => {
      const [ctx, f] = await Promise.all([pageContext(services, req, reply), facetCache.get()]);
      return sendPage(req, reply, h(BrowsePage, { ctx, facets: f }));
    });

    app.get<{ Params: { id: string } }>(
      '/cables/:id',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const cable = await resolve(req.params.id, reply, '');
        if (!cable) return reply;
        // Beside its references: how many cables cite it, and the cables most like it.
        const beside = Promise.all([
          citedByCount(db, cable.reference_id),
          relatedCablesOf(req, cable.reference_id),
        ]);
        beside.catch(() => {}); // awaited below; a failure there is this request's error
        const [ctx, refsOut, refsIn, around, story, versions] = await Promise.all([
          pageContext(services, req, reply),
          referencesOut(db, cable.reference_id),
          referencedBy(db, cable.reference_id),
          neighbours(db, cable),
          db
            .selectFrom('stories')
            .innerJoin('sections', 'sections.id', 'stories.section_id')
            .select([
              'stories.id',
              'stories.slug',
              'stories.published_at',
              'stories.status',
              'sections.slug as section_slug',
            ])
            .where('stories.cable_reference_id', '=', cable.reference_id)
            .executeTakeFirst(),
          cableVersions(db, cable.id),
        ]);
        const [citedBy, related] = await beside;
        countView(db, 'cable', cable.id);
        const storyHref = story && story.status === 'published' ? storyPath(story) : null;
        return sendPage(
          req,
          reply,
          h(CablePage, {
            ctx,
            data: {
              cable,
              parsed: parsedOf(cable),
              refsOut,
              refsIn,
              citedBy,
              related: related && related.map((r) => ({ ...r, held: true })),
              prev: around.prev,
              next: around.next,
              storyHref,
              versions: versions.length,
              today: new Date().toISOString().slice(0, 10),
            },
          }),
          { lastModified: cable.updated_at },
        );
      },
    );

    app.get<{ Params: { id: string } }>(
      '/cables/:id/raw',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const cable = await resolve(req.params.id, reply, '/raw');
        if (!cable) return reply;
        const text = (cable.header ? cable.header.replace(/\s+$/, '') + '\n\n' : '') + cable.body;
        return reply
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'public, max-age=300')
          .header('content-disposition', `inline; filename="${cable.reference_id}.txt"`)
          .send(text);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/cables/:id',
      { config: { policy: 'api.read' } },
      async (req, reply) => {
        const cable = await resolve(req.params.id, reply, '', '/api/cables/');
        if (!cable) return reply;
        return reply.header('cache-control', 'public, max-age=300').send(parsedOf(cable));
      },
    );

    async function listing(
      req: FastifyRequest,
      reply: FastifyReply,
      filter: CableFilter,
      view: { heading: string; intro?: string; base: string; chart?: boolean },
    ) {
      const page = pageOf(req);
      const [ctx, list, f] = await Promise.all([
        pageContext(services, req, reply),
        listCables(db, filter, CABLE_PAGE_SIZE, (page - 1) * CABLE_PAGE_SIZE),
        view.chart ? facetCache.get() : Promise.resolve(null),
      ]);
      const pages = Math.max(1, Math.ceil(list.total / CABLE_PAGE_SIZE));
      if (list.total === 0) throw notFound(`The archive has no cables here: ${view.heading}.`);
      if (page > pages)
        throw notFound(`${view.heading} has ${pages} page${pages === 1 ? '' : 's'}.`);
      const chart =
        f && filter.kind === 'year'
          ? f.months.filter((m) => m.key.startsWith(`${filter.value}-`))
          : undefined;
      return sendPage(
        req,
        reply,
        h(ListingPage, { ctx, ...view, items: list.items, total: list.total, page, pages, chart }),
      );
    }

    app.get<{ Params: { slug: string } }>(
      '/cables/origin/:slug',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const f = await facetCache.get();
        const origin = f.origins.find((o) => facetSlug(o.key) === req.params.slug);
        if (!origin) throw notFound('The archive has no cables from that origin.');
        return listing(
          req,
          reply,
          { kind: 'origin', value: origin.key },
          { heading: `Cables from ${origin.key}`, base: `/cables/origin/${req.params.slug}` },
        );
      },
    );

    app.get<{ Params: { year: string } }>(
      '/cables/year/:year',
      { config: { policy: 'public' } },
      async (req, reply) => {
        if (!/^\d{4}$/.test(req.params.year))
          throw badRequest('The year must have four digits, like 2009.');
        const year = Number(req.params.year);
        return listing(
          req,
          reply,
          { kind: 'year', value: year },
          { heading: `Cables of ${year}`, base: `/cables/year/${year}`, chart: true },
        );
      },
    );

    app.get<{ Params: { month: string } }>(
      '/cables/month/:month',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(req.params.month);
        if (!m) throw badRequest('The month must look like 2009-11.');
        return listing(
          req,
          reply,
          { kind: 'month', value: req.params.month },
          {
            heading: `Cables of ${MONTH_NAMES[Number(m[2]) - 1]} ${m[1]}`,
            intro: `Part of ${m[1]}.`,
            base: `/cables/month/${req.params.month}`,
          },
        );
      },
    );

    app.get<{ Params: { slug: string } }>(
      '/cables/classification/:slug',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const f = await facetCache.get();
        const c = f.classifications.find((o) => facetSlug(o.key) === req.params.slug);
        if (!c) throw notFound('The archive has no cables with that classification.');
        return listing(
          req,
          reply,
          { kind: 'classification', value: c.key },
          { heading: `${c.key} cables`, base: `/cables/classification/${req.params.slug}` },
        );
      },
    );

    app.get<{ Params: { tag: string } }>(
      '/cables/tag/:tag',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const tag = req.params.tag.trim().toUpperCase();
        if (!/^[A-Z0-9][A-Z0-9 ,.'-]{0,60}$/.test(tag))
          throw badRequest('That is not a cable tag (tags look like PREL or PE).');
        if (tag !== req.params.tag)
          return reply.redirect(`/cables/tag/${encodeURIComponent(tag)}`, 301);
        const { tagMeaning } = await import('./parse/index.ts');
        const meaning = tagMeaning(tag);
        return listing(
          req,
          reply,
          { kind: 'tag', value: tag },
          {
            heading: `Cables tagged ${tag}`,
            intro: meaning ? `${tag}: ${meaning}.` : undefined,
            base: `/cables/tag/${encodeURIComponent(tag)}`,
          },
        );
      },
    );
  };
}
