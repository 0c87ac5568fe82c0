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
import { feedLimits, pollFeedById, type PollOutcome } from './poll.ts';
import { parseInput, text, type RawForm } from '../lib/form.ts';
import { redirectWith, type Flash } from '../lib/flash.ts';
import { feedForm, worldQuery } from './schemas.ts';
import { chooseEncoding, notModified, SITEMAP_MAX_URLS } from './syndication.ts';
import { ttlCache } from '../platform/cache.ts';
import { slugify } from '../stories/markdown.ts';
import { DocumentStore, isDocumentPath } from './documents.ts';
import { FeedsAdminPage, WorldPage } from './pages.tsx';

const WORLD_PAGE_SIZE = 20;

/** What a poll of one feed did, in plain words, and whether it worked (the colour of the message). */
function pollFlash(name: string, out: PollOutcome | null, before: 'added' | 'polled'): Flash {
  if (!out) return { kind: 'error', message: 'There is no such feed.' };
  const lead = before === 'added' ? `${name} was added, but its` : `${name}:`;
  if (out.status === 'error')
    return {
      kind: before === 'added' ? 'partial' : 'error',
      message:
        before === 'added'
          ? `${lead} first fetch failed (${out.error}). It is tried again every 15 minutes; check the address if this persists.`
          : `${lead} the fetch failed (${out.error}).`,
    };
  const got =
    out.status === 'not-modified'
      ? 'nothing new since the last fetch'
      : `${out.added} new headline${out.added === 1 ? '' : 's'}`;
  return {
    kind: 'ok',
    message:
      before === 'added' ? `${name} was added and fetched: ${got}.` : `${name} fetched: ${got}.`,
  };
}

/** Sitemaps and feeds one client may fetch a minute (429 with Retry-After beyond). */
export const DOCUMENT_RATE = 60;

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
  // Each is megabytes on a large archive: a client may fetch DOCUMENT_RATE a minute (crawlers
  // and feed readers need a handful), so a few clients cannot fill the site's bandwidth and cores.
  const stored = {
    compress: false,
    config: { policy: 'api.read', rateLimit: { max: DOCUMENT_RATE, timeWindow: '1 minute' } },
  } as const;

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
    app.get('/world', { config: { policy: 'public' } }, async (req, reply) => {
      const q = parseInput(worldQuery, req.query);
      if (!q.ok) throw badRequest(q.message);
      const [total, items, ctx] = await Promise.all([
        countPartnerItems(db),
        latestPartnerItems(db, WORLD_PAGE_SIZE, (q.value.page - 1) * WORLD_PAGE_SIZE),
        pageContext(services, req, reply),
      ]);
      const pages = Math.max(1, Math.ceil(total / WORLD_PAGE_SIZE));
      if (q.value.page > pages)
        throw notFound(`World Headlines has ${pages} page${pages === 1 ? '' : 's'}.`);
      return sendPage(req, reply, h(WorldPage, { ctx, items, page: q.value.page, pages }));
    });

    // ---- partner feeds (editors) ----
    await app.register(async (admin) => {
      const feedsPage = async (
        req: FastifyRequest,
        reply: FastifyReply,
        error?: string,
        values?: { name: string; url: string },
      ) => {
        const ctx = await pageContext(services, req, reply);
        return sendPage(
          req,
          reply,
          h(FeedsAdminPage, { ctx, feeds: await listFeeds(db), error, values }),
          { status: error ? 400 : 200, cache: 'no-store' },
        );
      };
      admin.get('/admin/feeds', { config: { policy: 'feeds.manage' } }, (req, reply) =>
        feedsPage(req, reply),
      );
      admin.post('/admin/feeds', { config: { policy: 'feeds.manage' } }, async (req, reply) => {
        const raw = (req.body ?? {}) as RawForm;
        const values = { name: text(raw.name).trim(), url: text(raw.url) };
        const p = parseInput(feedForm, raw);
        if (!p.ok) return feedsPage(req, reply, p.message, values);
        const { name, url } = p.value;
        if ((await listFeeds(db)).some((f) => f.url === url))
          return feedsPage(req, reply, 'That feed is already registered.', values);
        const id = await addFeed(db, name, url, nowIso());
        const out = await pollFeedById(db, id, feedLimits(services.config));
        storiesChanged(services);
        return redirectWith(req, reply, '/admin/feeds', pollFlash(name, out, 'added'));
      });
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/poll',
        { config: { policy: 'feeds.manage' } },
        async (req, reply) => {
          const id = Number(req.params.id) || 0;
          const feed = (await listFeeds(db)).find((f) => f.id === id);
          const out = await pollFeedById(db, id, feedLimits(services.config));
          storiesChanged(services);
          return redirectWith(
            req,
            reply,
            '/admin/feeds',
            pollFlash(feed?.name ?? '', out, 'polled'),
          );
        },
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/delete',
        { config: { policy: 'feeds.manage' } },
        async (req, reply) => {
          const id = Number(req.params.id) || 0;
          const feed = (await listFeeds(db)).find((f) => f.id === id);
          if (!feed)
            return redirectWith(req, reply, '/admin/feeds', {
              kind: 'error',
              message: 'There is no such feed: it may have been removed already.',
            });
          await deleteFeed(db, id);
          return redirectWith(req, reply, '/admin/feeds', {
            kind: 'ok',
            message: `${feed.name} was removed.`,
          });
        },
      );
    });
  };
}

export { CABLEGATE_SLUG };
