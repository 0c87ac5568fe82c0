/** Home page, section pages and story pages. */
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import {
  badRequest,
  fromMemberPageCache,
  fromPageCache,
  notFound,
  sendPage,
} from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { countView } from '../platform/page-views.ts';
import {
  CABLEGATE_SLUG,
  countPublished,
  getSectionBySlug,
  getStory,
  getStoryHead,
  isVisible,
  latestStories,
  listSections,
  type Story,
  storyPath,
} from './store.ts';
import { fillSlot, fillsKey, fillsShown, storyBody } from './slots.ts';
import { HomePage, SectionPage, StoryPage, type HomeData } from './views.tsx';
import { SHARED_TTL_MS, ttlCache } from '../platform/cache.ts';

export const SECTION_PAGE_SIZE = 10;

/** Every home-page cache of this process (one per app), so editors' changes show at once. */
const homeCaches = new Set<{ clear(): void }>();

/** Forgets the home page's lists (called after a change in the newsroom). */
export function clearHomePage(): void {
  for (const c of homeCaches) c.clear();
}

const pageQuery = z.object({
  page: z.coerce
    .number({ message: 'page must be a number' })
    .int('page must be a whole number')
    .min(1, 'page must be 1 or more')
    .max(100000, 'page is too large')
    .default(1),
});

export function storyRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  return async (app) => {
    // The home page's lists change only when stories are published; they are reloaded every two seconds.
    const homeData = ttlCache(async (): Promise<HomeData> => {
      const [leads, sections, headlines] = await Promise.all([
        latestStories(db, { limit: 4, featured: true }),
        listSections(db),
        // The latest partner items, as the feeds feature shares them.
        services.shared.partnerItems.get(),
      ]);
      const leadIds = leads.map((s) => s.id);
      const cablegateSection = sections.find((s) => s.slug === CABLEGATE_SLUG);
      const [bySection, cablegate] = await Promise.all([
        Promise.all(
          sections
            .filter((s) => s.slug !== CABLEGATE_SLUG)
            .map(async (section) => ({
              section,
              stories: await latestStories(db, {
                limit: 3,
                sectionId: section.id,
                excludeIds: leadIds,
              }),
            })),
        ),
        cablegateSection
          ? latestStories(db, { limit: 5, sectionId: cablegateSection.id })
          : Promise.resolve([]),
      ]);
      return {
        leads,
        bySection: bySection.filter((b) => b.stories.length),
        cablegate,
        cablegateSection,
        headlines,
      };
    }, SHARED_TTL_MS);
    homeCaches.add(homeData);
    app.addHook('onClose', async () => void homeCaches.delete(homeData));

    app.get('/', { config: { policy: 'public' } }, async (req, reply) => {
      if (fromPageCache(req, reply)) return reply;
      const ctx = await pageContext(services, req, reply);
      // A signed-in member's home page, kept for them as a reader's is for everyone.
      if (fromMemberPageCache(req, reply, ctx, 'home')) return reply;
      const data = await homeData.get();
      const [aside, listInserts] = await Promise.all([
        fillSlot(req, 'homeAside', ctx, {}),
        fillSlot(req, 'listInsert', ctx, { section: null }),
      ]);
      const stamp = (list: Story[]) => list.map((s) => `${s.id}@${s.updated_at}`).join(',');
      const renderKey = [
        'home',
        stamp(data.leads),
        ...data.bySection.map((b) => stamp(b.stories)),
        stamp(data.cablegate),
        // A renamed partner feed renames its headlines: the source is part of the key.
        data.headlines.map((i) => `${i.id}@${i.source}`).join(','),
        fillsKey(listInserts),
        fillsKey(aside),
      ].join('|');
      return sendPage(req, reply, () => h(HomePage, { ctx, data, listInserts, aside }), {
        ctx,
        renderKey,
        pageCache: { shown: fillsShown(listInserts, aside), version: 'home' },
      });
    });

    app.get<{ Params: { slug: string }; Querystring: Record<string, unknown> }>(
      '/sections/:slug',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const q = pageQuery.safeParse(req.query);
        if (!q.success) throw badRequest(q.error.issues[0].message);
        const section = await getSectionBySlug(db, req.params.slug);
        if (!section) throw notFound('There is no such section.');
        const page = q.data.page;
        const [total, stories, ctx] = await Promise.all([
          countPublished(db, section.id),
          latestStories(db, {
            limit: SECTION_PAGE_SIZE,
            offset: (page - 1) * SECTION_PAGE_SIZE,
            sectionId: section.id,
          }),
          pageContext(services, req, reply),
        ]);
        const listInserts = await fillSlot(req, 'listInsert', ctx, { section: section.slug });
        const pages = Math.max(1, Math.ceil(total / SECTION_PAGE_SIZE));
        if (page > pages)
          throw notFound(`${section.name} has ${pages} page${pages === 1 ? '' : 's'}.`);
        return sendPage(
          req,
          reply,
          h(SectionPage, { ctx, section, stories, page, pages, listInserts }),
        );
      },
    );

    // /stories/<section>/<yyyy>/<mm>/<id>-<slug>: the id decides; any other spelling redirects here.
    app.get<{ Params: { section: string; yyyy: string; mm: string; idslug: string } }>(
      '/stories/:section/:yyyy/:mm/:idslug',
      { config: { policy: 'public' } },
      async (req, reply) => {
        if (fromPageCache(req, reply)) return reply;
        const m = /^(\d{1,12})(?:-.*)?$/.exec(req.params.idslug);
        if (!m) throw notFound('There is no such story.');
        const id = Number(m[1]);
        // A signed-in member's kept page needs only the story's head (its address, visibility and
        // version); the whole story is read when a page is made.
        const full = req.member ? undefined : await getStory(db, id);
        const head = req.member ? await getStoryHead(db, id) : full;
        if (!head || !isVisible(head)) throw notFound('There is no such story.');
        const path = storyPath(head);
        if (req.url.split('?')[0] !== path) return reply.redirect(path, 301);
        const ctx = await pageContext(services, req, reply);
        // A signed-in member's page, kept for them while the story is unchanged (their token is
        // filled in); it still counts its view and its ad.
        if (fromMemberPageCache(req, reply, ctx, `${head.id}@${head.updated_at}`)) return reply;
        const story = full ?? (await getStory(db, id));
        // Changed since its head was read: as if it had been read first.
        if (!story || !isVisible(story)) throw notFound('There is no such story.');
        if (storyPath(story) !== path) return reply.redirect(storyPath(story), 301);
        countView(db, 'story', story.id);
        const headlines = await services.shared.partnerItems.get();
        const [top, inserts, body] = await Promise.all([
          fillSlot(req, 'storyTop', ctx, { story }),
          fillSlot(req, 'storyInsert', ctx, { story }),
          // A Cablegate story shows its cable's text, kept only in the archive.
          storyBody(req, story),
        ]);
        return sendPage(
          req,
          reply,
          () => h(StoryPage, { ctx, story: { ...story, body }, top, inserts, headlines }),
          {
            lastModified: story.updated_at,
            ctx,
            renderKey: `story:${story.id}:${story.updated_at}:${fillsKey(top)}:${fillsKey(inserts)}:${headlines.map((i) => i.id).join(',')}`,
            // Answered again from the page cache, the page still counts its view and its ad.
            pageCache: {
              shown: [() => countView(db, 'story', story.id), ...fillsShown(top, inserts)],
              version: `${story.id}@${story.updated_at}`,
            },
          },
        );
      },
    );

    app.get<{ Params: { id: string } }>(
      '/stories/:id',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const m = /^(\d{1,12})(?:-.*)?$/.exec(req.params.id);
        const story = m ? await getStory(db, Number(m[1])) : undefined;
        if (!story || !isVisible(story)) throw notFound('There is no such story.');
        return reply.redirect(storyPath(story), 301);
      },
    );
  };
}
