/**
 * Feeds in and out: the /world page of partner headlines, partner-feed management for editors,
 * RSS/Atom for the home page, each section and each cable origin, sitemaps and robots.txt.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { h } from 'preact';
import { z } from 'zod';
import type { AppServices } from '../app.ts';
import { badRequest, notFound, pageContext, sendPage } from '../platform/http.ts';
import { nowIso } from '../platform/db.ts';
import { newsroomChanged } from '../stories/admin-auth.ts';
import { CABLEGATE_SLUG, getSectionBySlug, latestStories, listSections, storyPath, type Story } from '../stories/store.ts';
import { slugify } from '../stories/markdown.ts';
import { addFeed, countPartnerItems, deleteFeed, latestPartnerItems, listFeeds } from './store.ts';
import { feedLimits, pollFeedById } from './poll.ts';
import { httpUrl } from './parse.ts';
import { atom, newsSitemap, rss, sitemapIndex, SITEMAP_MAX_URLS, sitemapPages, urlset, type FeedEntry, type FeedMeta } from './syndication.ts';
import { FeedsAdminPage, WorldPage } from './pages.tsx';

const FEED_SIZE = 30;
const WORLD_PAGE_SIZE = 20;
type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

const DONE: Record<string, string> = { added: 'Feed added and polled.', deleted: 'Feed removed.', polled: 'Feed polled.' };

export function feedRoutes(services: AppServices): FastifyPluginAsync {
  const db = services.db.kysely;
  const base = () => services.config.baseUrl;
  const site = services.config.siteName;

  function storyEntries(stories: Story[]): FeedEntry[] {
    return stories.map((s) => ({
      id: base() + storyPath(s),
      title: s.title,
      url: base() + storyPath(s),
      summary: s.teaser,
      published: s.published_at,
      updated: s.updated_at,
      author: s.author ?? s.source_name,
      category: s.section_name,
    }));
  }

  function sendFeed(reply: FastifyReply, kind: 'rss' | 'atom', meta: FeedMeta, entries: FeedEntry[]) {
    reply.header('cache-control', 'public, max-age=300').type(kind === 'rss' ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8');
    return reply.send(kind === 'rss' ? rss(meta, entries) : atom(meta, entries, site));
  }

  const feedFile = (file: string) => /^([a-z0-9-]{1,100})\.(rss|atom)$/.exec(file);
  const newest = (entries: FeedEntry[]) => entries.reduce((m, e) => (e.updated > m ? e.updated : m), '1970-01-01T00:00:00.000Z');

  return async (app) => {
    // ---- syndication out ----
    app.get<{ Params: { kind: string } }>('/feeds/home.:kind', { config: { policy: 'api.read' } }, async (req, reply) => {
      const kind = req.params.kind;
      if (kind !== 'rss' && kind !== 'atom') return reply.callNotFound();
      const entries = storyEntries(await latestStories(db, { limit: FEED_SIZE }));
      return sendFeed(reply, kind, { title: site, description: 'The latest stories.', link: base() + '/', self: `${base()}/feeds/home.${kind}`, updated: newest(entries) }, entries);
    });

    app.get<{ Params: { file: string } }>('/feeds/sections/:file', { config: { policy: 'api.read' } }, async (req, reply) => {
      const m = feedFile(req.params.file);
      if (!m) return reply.callNotFound();
      const section = await getSectionBySlug(db, m[1]);
      if (!section) throw notFound('There is no such section.');
      const kind = m[2] as 'rss' | 'atom';
      const entries = storyEntries(await latestStories(db, { limit: FEED_SIZE, sectionId: section.id }));
      const meta = { title: `${site}: ${section.name}`, description: section.description || `The latest from ${section.name}.`, link: `${base()}/sections/${section.slug}`, self: `${base()}/feeds/sections/${req.params.file}`, updated: newest(entries) };
      return sendFeed(reply, kind, meta, entries);
    });

    app.get<{ Params: { file: string } }>('/feeds/cables/origins/:file', { config: { policy: 'api.read' } }, async (req, reply) => {
      const m = feedFile(req.params.file);
      if (!m) return reply.callNotFound();
      const origins = await db.selectFrom('cables').select('origin').distinct().execute();
      const origin = origins.map((o) => o.origin).find((o) => slugify(o) === m[1]);
      if (!origin) throw notFound('There are no cables from that origin.');
      const cables = await db
        .selectFrom('cables')
        .select(['reference_id', 'title', 'subject', 'summary', 'created', 'updated_at', 'origin', 'classification'])
        .where('origin', '=', origin)
        .orderBy('created', 'desc')
        .limit(FEED_SIZE)
        .execute();
      const entries: FeedEntry[] = cables.map((c) => ({
        id: `${base()}/cables/${encodeURIComponent(c.reference_id)}`,
        url: `${base()}/cables/${encodeURIComponent(c.reference_id)}`,
        title: `${c.reference_id}: ${c.title || c.subject}`,
        summary: c.summary ?? c.subject,
        published: c.created,
        updated: c.updated_at,
        author: c.origin,
        category: c.classification,
      }));
      const meta = { title: `${site}: cables from ${origin}`, description: `Diplomatic cables sent from ${origin}.`, link: `${base()}/cables`, self: `${base()}/feeds/cables/origins/${req.params.file}`, updated: newest(entries) };
      return sendFeed(reply, m[2] as 'rss' | 'atom', meta, entries);
    });

    // ---- sitemaps and robots ----
    const staticPaths = ['/', '/world', '/about/licensing', '/terms'];
    async function counts() {
      const now = nowIso();
      const [stories, cables, sections] = await Promise.all([
        db.selectFrom('stories').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', '=', 'published').where('published_at', '<=', now).executeTakeFirstOrThrow(),
        db.selectFrom('cables').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
        listSections(db),
      ]);
      return { pages: staticPaths.length + sections.length, stories: Number(stories.n), cables: Number(cables.n) };
    }
    async function urlsOf(kind: string, page: number, size: number): Promise<{ loc: string; lastmod?: string | null }[]> {
      const offset = (page - 1) * size;
      if (kind === 'pages') {
        const sections = await listSections(db);
        return [...staticPaths, ...sections.map((s) => `/sections/${s.slug}`)].slice(offset, offset + size).map((p) => ({ loc: base() + p }));
      }
      if (kind === 'stories') {
        const rows = await db
          .selectFrom('stories')
          .innerJoin('sections', 'sections.id', 'stories.section_id')
          .select(['stories.id', 'stories.slug', 'stories.published_at', 'stories.updated_at', 'sections.slug as section_slug'])
          .where('stories.status', '=', 'published')
          .where('stories.published_at', '<=', nowIso())
          .orderBy('stories.id')
          .limit(size)
          .offset(offset)
          .execute();
        return rows.map((s) => ({ loc: base() + storyPath(s), lastmod: s.updated_at }));
      }
      const rows = await db.selectFrom('cables').select(['reference_id', 'updated_at']).orderBy('id').limit(size).offset(offset).execute();
      return rows.map((c) => ({ loc: `${base()}/cables/${encodeURIComponent(c.reference_id)}`, lastmod: c.updated_at }));
    }
    const xml = (reply: FastifyReply, body: string) => reply.header('cache-control', 'public, max-age=600').type('application/xml; charset=utf-8').send(body);

    app.get('/sitemap.xml', { config: { policy: 'api.read' } }, async (_req, reply) => {
      const c = await counts();
      if (c.pages + c.stories + c.cables <= SITEMAP_MAX_URLS) {
        const all = [...(await urlsOf('pages', 1, SITEMAP_MAX_URLS)), ...(await urlsOf('stories', 1, SITEMAP_MAX_URLS)), ...(await urlsOf('cables', 1, SITEMAP_MAX_URLS))];
        return xml(reply, urlset(all));
      }
      return xml(reply, sitemapIndex(sitemapPages(c).map((p) => `${base()}/sitemaps/${p.kind}-${p.page}.xml`)));
    });
    app.get<{ Params: { file: string } }>('/sitemaps/:file', { config: { policy: 'api.read' } }, async (req, reply) => {
      const m = /^(pages|stories|cables)-(\d{1,6})\.xml$/.exec(req.params.file);
      if (!m) return reply.callNotFound();
      const urls = await urlsOf(m[1], Number(m[2]), SITEMAP_MAX_URLS);
      if (!urls.length && m[2] !== '1') return reply.callNotFound();
      return xml(reply, urlset(urls));
    });
    app.get('/sitemap-news.xml', { config: { policy: 'api.read' } }, async (_req, reply) => {
      const since = new Date(Date.now() - 48 * 3600_000).toISOString();
      const stories = (await latestStories(db, { limit: 1000 })).filter((s) => s.published_at >= since);
      return xml(reply, newsSitemap(site, stories.map((s) => ({ url: base() + storyPath(s), title: s.title, published: s.published_at }))));
    });
    app.get('/robots.txt', { config: { policy: 'public' } }, async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600').type('text/plain; charset=utf-8');
      return `User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /ads/\n\nSitemap: ${base()}/sitemap.xml\nSitemap: ${base()}/sitemap-news.xml\n`;
    });

    // ---- World Headlines page ----
    const pageQuery = z.object({ page: z.coerce.number({ message: 'page must be a number' }).int('page must be a whole number').min(1, 'page must be 1 or more').max(10000, 'page is too large').default(1) });
    app.get<{ Querystring: Body }>('/world', { config: { policy: 'public' } }, async (req, reply) => {
      const q = pageQuery.safeParse(req.query);
      if (!q.success) throw badRequest(q.error.issues[0].message);
      const [total, items, ctx] = await Promise.all([countPartnerItems(db), latestPartnerItems(db, WORLD_PAGE_SIZE, (q.data.page - 1) * WORLD_PAGE_SIZE), pageContext(services, req, reply)]);
      const pages = Math.max(1, Math.ceil(total / WORLD_PAGE_SIZE));
      if (q.data.page > pages) throw notFound(`World Headlines has ${pages} page${pages === 1 ? '' : 's'}.`);
      return sendPage(req, reply, h(WorldPage, { ctx, items, page: q.data.page, pages }));
    });

    // ---- partner feeds (editors) ----
    await app.register(async (admin) => {
      admin.get<{ Querystring: Body }>('/admin/feeds', { config: { policy: 'feeds.manage' } }, async (req, reply) => {
        const ctx = await pageContext(services, req, reply);
        return sendPage(req, reply, h(FeedsAdminPage, { ctx, feeds: await listFeeds(db), notice: DONE[str(req.query.done)] ?? null }), { cache: 'no-store' });
      });
      admin.post<{ Body: Body }>('/admin/feeds', { config: { policy: 'feeds.manage' } }, async (req, reply) => {
        const name = str(req.body?.name).trim().slice(0, 100);
        const url = httpUrl(str(req.body?.url));
        const feeds = await listFeeds(db);
        const error = !name ? 'Give the source a name (it is shown with each headline).' : !url ? 'Give the feed’s http:// or https:// address.' : feeds.some((f) => f.url === url) ? 'That feed is already registered.' : null;
        if (error) {
          const ctx = await pageContext(services, req, reply);
          return sendPage(req, reply, h(FeedsAdminPage, { ctx, feeds, error, values: { name, url: str(req.body?.url) } }), { status: 400 });
        }
        const id = await addFeed(db, name, url!, nowIso());
        await pollFeedById(db, id, feedLimits(services.config));
        newsroomChanged(services);
        return reply.redirect('/admin/feeds?done=added', 303);
      });
      admin.post<{ Params: { id: string } }>('/admin/feeds/:id/poll', { config: { policy: 'feeds.manage' } }, async (req, reply) => {
        await pollFeedById(db, Number(req.params.id) || 0, feedLimits(services.config));
        newsroomChanged(services);
        return reply.redirect('/admin/feeds?done=polled', 303);
      });
      admin.post<{ Params: { id: string } }>('/admin/feeds/:id/delete', { config: { policy: 'feeds.manage' } }, async (req, reply) => {
        await deleteFeed(db, Number(req.params.id) || 0);
        return reply.redirect('/admin/feeds?done=deleted', 303);
      });
    });
  };
}

export { CABLEGATE_SLUG };
