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
import {
  addFeed,
  countPartnerItems,
  deleteFeed,
  feedItemCounts,
  getFeed,
  latestPartnerItems,
  listFeeds,
  updateFeed,
} from './store.ts';
import { feedLimits, pollFeedById, type PollOutcome } from './poll.ts';
import { parseInput, text, type RawForm } from '../lib/form.ts';
import { redirectWith, type Flash } from '../lib/flash.ts';
import { feedForm, worldQuery } from './schemas.ts';
import { chooseEncoding, notModified, SITEMAP_MAX_URLS } from './syndication.ts';
import { ttlCache } from '../platform/cache.ts';
import { slugify } from '../stories/markdown.ts';
import { DocumentStore, isDocumentPath } from './documents.ts';
import { FeedEditPage, FeedsAdminPage, WorldPage } from './pages.tsx';

const WORLD_PAGE_SIZE = 20;

/** What a poll of one feed did, in plain words, and whether it worked (the colour of the message). */
export function pollFlash(
  name: string,
  out: PollOutcome | null,
  after: 'added' | 'moved' | 'polled',
  polling: boolean,
): Flash {
  if (!out) return { kind: 'error', message: 'There is no such feed.' };
  const again = polling
    ? 'It is tried again every 15 minutes; check the address if this persists.'
    : 'Check the address, then try again with “Poll now”.';
  if (out.status === 'error')
    return after === 'polled'
      ? { kind: 'error', message: `${name}: the fetch failed (${out.error}).` }
      : {
          kind: 'partial',
          message:
            after === 'added'
              ? `${name} was added, but its first fetch failed (${out.error}). ${again}`
              : `${name} was saved, but the first fetch from its new address failed (${out.error}). ${again}`,
        };
  const got =
    out.status === 'not-modified'
      ? 'nothing new since the last fetch'
      : `${out.added} new headline${out.added === 1 ? '' : 's'}`;
  return {
    kind: 'ok',
    message:
      after === 'added'
        ? `${name} was added and fetched: ${got}.`
        : after === 'moved'
          ? `${name} was saved and fetched from its new address: ${got}.`
          : `${name} fetched: ${got}.`,
  };
}

/** `:id` of a feed's address: a positive whole number, else no feed (0). */
function feedId(raw: string): number {
  return /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : 0;
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
      const polling = services.config.feedPoll;
      const feedsPage = async (
        req: FastifyRequest,
        reply: FastifyReply,
        error?: string,
        values?: { name: string; url: string },
      ) => {
        const ctx = await pageContext(services, req, reply);
        const [feeds, counts] = await Promise.all([listFeeds(db), feedItemCounts(db)]);
        return sendPage(
          req,
          reply,
          h(FeedsAdminPage, { ctx, feeds, counts, polling, error, values }),
          { status: error ? 400 : 200, cache: 'no-store' },
        );
      };
      const editPage = async (
        req: FastifyRequest,
        reply: FastifyReply,
        id: number,
        error?: string,
        values?: { name: string; url: string },
      ) => {
        const feed = await getFeed(db, id);
        if (!feed) throw notFound('There is no such feed: it may have been removed.');
        const ctx = await pageContext(services, req, reply);
        const counts = (await feedItemCounts(db)).get(id) ?? { items: 0, demo: 0 };
        return sendPage(
          req,
          reply,
          h(FeedEditPage, { ctx, feed, counts, polling, error, values }),
          { status: error ? 400 : 200, cache: 'no-store' },
        );
      };
      const policy = { config: { policy: 'feeds.manage' } } as const;

      admin.get('/admin/feeds', policy, (req, reply) => feedsPage(req, reply));
      admin.post('/admin/feeds', policy, async (req, reply) => {
        const raw = (req.body ?? {}) as RawForm;
        const values = { name: text(raw.name).trim(), url: text(raw.url) };
        const p = parseInput(feedForm, raw);
        if (!p.ok) return feedsPage(req, reply, p.message, values);
        const { name, url } = p.value;
        const taken = (await listFeeds(db)).find((f) => f.url === url);
        if (taken)
          return feedsPage(
            req,
            reply,
            `That address is already registered, as ${taken.name}.`,
            values,
          );
        const id = await addFeed(db, name, url, nowIso());
        const out = await pollFeedById(db, id, feedLimits(services.config));
        storiesChanged(services);
        return redirectWith(req, reply, '/admin/feeds', pollFlash(name, out, 'added', polling));
      });

      admin.get<{ Params: { id: string } }>('/admin/feeds/:id/edit', policy, (req, reply) =>
        editPage(req, reply, feedId(req.params.id)),
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/edit',
        policy,
        async (req, reply) => {
          const id = feedId(req.params.id);
          const raw = (req.body ?? {}) as RawForm;
          const values = { name: text(raw.name).trim(), url: text(raw.url) };
          const p = parseInput(feedForm, raw);
          if (!p.ok) return editPage(req, reply, id, p.message, values);
          const { name, url } = p.value;
          const r = await updateFeed(db, id, { name, url });
          if (r.status === 'missing')
            throw notFound('There is no such feed: it may have been removed.');
          if (r.status === 'taken')
            return editPage(
              req,
              reply,
              id,
              `That address is already registered, as ${r.by}.`,
              values,
            );
          if (r.status === 'unchanged')
            return redirectWith(req, reply, '/admin/feeds', {
              kind: 'ok',
              message: `Nothing to save: ${name} is as it was.`,
            });
          storiesChanged(services);
          if (!r.moved)
            return redirectWith(req, reply, '/admin/feeds', {
              kind: 'ok',
              message: `Saved: the feed is now called ${name}, on its headlines too.`,
            });
          // A new address is fetched at once, as a new feed is, so the editor sees whether it works.
          const out = await pollFeedById(db, id, feedLimits(services.config));
          storiesChanged(services);
          return redirectWith(req, reply, '/admin/feeds', pollFlash(name, out, 'moved', polling));
        },
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/poll',
        policy,
        async (req, reply) => {
          const id = feedId(req.params.id);
          const feed = await getFeed(db, id);
          const out = feed ? await pollFeedById(db, id, feedLimits(services.config)) : null;
          storiesChanged(services);
          return redirectWith(
            req,
            reply,
            '/admin/feeds',
            pollFlash(feed?.name ?? '', out, 'polled', polling),
          );
        },
      );
      admin.post<{ Params: { id: string } }>(
        '/admin/feeds/:id/delete',
        policy,
        async (req, reply) => {
          const gone = await deleteFeed(db, feedId(req.params.id));
          if (!gone)
            return redirectWith(req, reply, '/admin/feeds', {
              kind: 'error',
              message: 'There is no such feed: it may have been removed already.',
            });
          storiesChanged(services);
          const n = gone.items;
          return redirectWith(req, reply, '/admin/feeds', {
            kind: 'ok',
            message: n
              ? `${gone.feed.name} was removed, with its ${n} headline${n === 1 ? '' : 's'}: ${n === 1 ? 'it no longer appears' : 'they no longer appear'} in World Headlines.`
              : `${gone.feed.name} was removed; it had no headlines on the site.`,
          });
        },
      );
    });
  };
}

export { CABLEGATE_SLUG };
