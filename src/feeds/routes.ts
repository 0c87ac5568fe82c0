/**
 * Feeds in and out: the /world page of partner headlines, partner-feed management for editors,
 * RSS/Atom for the home page, each section and each cable origin, sitemaps and robots.txt.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { HttpError, badRequest, notFound, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { nowIso } from '../platform/db.ts';
import { storiesChanged } from '../stories/admin-auth.ts';
import { CABLEGATE_SLUG } from '../stories/store.ts';
import { addFeed, countPartnerItems, deleteFeed, latestPartnerItems, listFeeds } from './store.ts';
import { feedLimits, pollFeedById } from './poll.ts';
import { httpUrl } from './parse.ts';
import { chooseEncoding, notModified, SITEMAP_MAX_URLS } from './syndication.ts';
import { ttlCache } from '../platform/cache.ts';
import { slugify } from '../stories/markdown.ts';
import { DocumentStore, isDocumentPath } from './documents.ts';
import { FeedsAdminPage, WorldPage } from './pages.tsx';

const WORLD_PAGE_SIZE = 20;
type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

const DONE: Record<string, string> = {
  added: 'Feed added and polled.',
  deleted: 'Feed removed.',
  polled: 'Feed polled.',
};

export function feedRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  const base = () => services.config.baseUrl;
  const site = services.config.siteName;

  const documents = new DocumentStore(services.db, { baseUrl: base(), siteName: site });

  /** Sends a stored document: the encoding the client takes, 304 when it has this version. */
  async function sendDocument(req: FastifyRequest, reply: FastifyReply, path: string) {
    const unknown = await knownDocument(path);
    if (unknown) throw notFound(unknown);
    const doc = await documents.get(path);
    if ('missing' in doc) throw notFound(doc.missing);
    if ('busy' in doc)
      throw new HttpError(
        503,
        'unavailable',
        'This document is being made; try again in a few seconds.',
      );
    const enc = chooseEncoding(String(req.headers['accept-encoding'] ?? ''), {
      br: !!doc.br,
      gzip: !!doc.gzip,
    });
    const lastModified = new Date(doc.builtAt).toUTCString();
    reply
      .header(
        'cache-control',
        path.startsWith('/feeds/') ? 'public, max-age=300' : 'public, max-age=600',
      )
      .header('etag', `"${doc.etag}${enc ? `-${enc}` : ''}"`)
      .header('last-modified', lastModified)
      .header('vary', 'accept-encoding')
      .type(doc.contentType);
    if (
      notModified(
        req.headers['if-none-match'],
        req.headers['if-modified-since'],
        doc.etag,
        lastModified,
      )
    )
      return reply.code(304).send();
    if (enc) reply.header('content-encoding', enc);
    return reply.send(enc === 'br' ? doc.br : enc === 'gzip' ? doc.gzip : doc.body);
  }
  // Stored documents carry their own compressed forms: the compression plugin leaves them alone.
  const stored = { compress: false, config: { policy: 'api.read' } } as const;

  // Addresses that cannot name a document are answered here, from cached lists, so that a stream of
  // made-up addresses costs neither builds nor writes to the documents table.
  const originSlugs = ttlCache(
    async () =>
      new Set(
        (await db.selectFrom('cables').select('origin').distinct().execute()).map((o) =>
          slugify(o.origin),
        ),
      ),
    60_000,
  );
  const sitemapCounts = ttlCache(async () => {
    const [stories, cables] = await Promise.all([
      db
        .selectFrom('stories')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'published')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('cables')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    // One page of pages; stories counted with scheduled ones (an upper bound: the build decides).
    return { pages: 0, stories: Number(stories.n), cables: Number(cables.n) } as Record<
      string,
      number
    >;
  }, 60_000);
  async function knownDocument(path: string): Promise<string | null> {
    let m = /^\/feeds\/sections\/([a-z0-9-]+)\./.exec(path);
    if (m)
      return (await services.shared.sections.get()).some((s) => s.slug === m![1])
        ? null
        : 'There is no such section.';
    m = /^\/feeds\/cables\/origins\/([a-z0-9-]+)\./.exec(path);
    if (m)
      return (await originSlugs.get()).has(m[1]) ? null : 'There are no cables from that origin.';
    m = /^\/sitemaps\/(pages|stories|cables)-(\d+)\.xml$/.exec(path);
    if (m)
      return Number(m[2]) <=
        Math.max(1, Math.ceil((await sitemapCounts.get())[m[1]] / SITEMAP_MAX_URLS))
        ? null
        : 'There is no such sitemap page.';
    return null;
  }

  return async (app) => {
    app.addHook('onClose', async () => documents.close());

    // ---- syndication out and sitemaps: made ahead and stored (src/feeds/documents.ts) ----
    // Access: public (crawlers; the licensing hook may answer 402 first).
    app.get<{ Params: { kind: string } }>('/feeds/home.:kind', stored, async (req, reply) => {
      const kind = req.params.kind;
      if (kind !== 'rss' && kind !== 'atom') return reply.callNotFound();
      return sendDocument(req, reply, `/feeds/home.${kind}`);
    });
    app.get<{ Params: { file: string } }>('/feeds/sections/:file', stored, async (req, reply) => {
      const path = `/feeds/sections/${req.params.file}`;
      if (!isDocumentPath(path)) return reply.callNotFound();
      return sendDocument(req, reply, path);
    });
    app.get<{ Params: { file: string } }>(
      '/feeds/cables/origins/:file',
      stored,
      async (req, reply) => {
        const path = `/feeds/cables/origins/${req.params.file}`;
        if (!isDocumentPath(path)) return reply.callNotFound();
        return sendDocument(req, reply, path);
      },
    );
    app.get('/sitemap.xml', stored, async (req, reply) => sendDocument(req, reply, '/sitemap.xml'));
    app.get<{ Params: { file: string } }>('/sitemaps/:file', stored, async (req, reply) => {
      const path = `/sitemaps/${req.params.file}`;
      if (!isDocumentPath(path)) return reply.callNotFound();
      return sendDocument(req, reply, path);
    });
    app.get('/sitemap-news.xml', stored, async (req, reply) =>
      sendDocument(req, reply, '/sitemap-news.xml'),
    );
    app.get('/robots.txt', { config: { policy: 'public' } }, async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600').type('text/plain; charset=utf-8');
      return `User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /ads/\n\nSitemap: ${base()}/sitemap.xml\nSitemap: ${base()}/sitemap-news.xml\n`;
    });

    // ---- World Headlines page ----
    const pageQuery = z.object({
      page: z.coerce
        .number({ message: 'page must be a number' })
        .int('page must be a whole number')
        .min(1, 'page must be 1 or more')
        .max(10000, 'page is too large')
        .default(1),
    });
    app.get<{ Querystring: Body }>(
      '/world',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const q = pageQuery.safeParse(req.query);
        if (!q.success) throw badRequest(q.error.issues[0].message);
        const [total, items, ctx] = await Promise.all([
          countPartnerItems(db),
          latestPartnerItems(db, WORLD_PAGE_SIZE, (q.data.page - 1) * WORLD_PAGE_SIZE),
          pageContext(services, req, reply),
        ]);
        const pages = Math.max(1, Math.ceil(total / WORLD_PAGE_SIZE));
        if (q.data.page > pages)
          throw notFound(`World Headlines has ${pages} page${pages === 1 ? '' : 's'}.`);
        return sendPage(req, reply, h(WorldPage, { ctx, items, page: q.data.page, pages }));
      },
    );

    // ---- partner feeds (editors) ----
    await app.register(async (admin) => {
      admin.get<{ Querystring: Body }>(
        '/admin/feeds',
        { config: { policy: 'feeds.manage' } },
        async (req, reply) => {
          const ctx = await pageContext(services, req, reply);
          return sendPage(
            req,
            reply,
            h(FeedsAdminPage, {
              ctx,
              feeds: await listFeeds(db),
              notice: DONE[str(req.query.done)] ?? null,
            }),
            { cache: 'no-store' },
          );
        },
      );
      admin.post<{ Body: Body }>(
        '/admin/feeds',
        { config: { policy: 'feeds.manage' } },
        async (req, reply) => {
          const name = str(req.body?.name).trim().slice(0, 100);
          const url = httpUrl(str(req.body?.url));
          const feeds = await listFeeds(db);
          const error = !name
            ? 'Give the source a name (it is shown with each headline).'
            : !url
              ? 'Give the feed’s http:// or https:// address.'
              : feeds.some((f) => f.url === url)
                ? 'That feed is already registered.'
                : null;
          if (error) {
            const ctx = await pageContext(services, req, reply);
            return sendPage(
              req,
              reply,
              h(FeedsAdminPage, { ctx, feeds, error, values: { name, url: str(req.body?.url) } }),
              { status: 400 },
            );
          }
          const id = await addFeed(db, name, url!, nowIso());
          await pollFeedById(db, id, feedLimits(services.config));
          storiesChanged(services);
          return reply.redirect('/admin/feeds?done=added', 303);
        },
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/poll',
        { config: { policy: 'feeds.manage' } },
        async (req, reply) => {
          await pollFeedById(db, Number(req.params.id) || 0, feedLimits(services.config));
          storiesChanged(services);
          return reply.redirect('/admin/feeds?done=polled', 303);
        },
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/delete',
        { config: { policy: 'feeds.manage' } },
        async (req, reply) => {
          await deleteFeed(db, Number(req.params.id) || 0);
          return reply.redirect('/admin/feeds?done=deleted', 303);
        },
      );
    });
  };
}

export { CABLEGATE_SLUG };
