/** House ads: rotation, impressions, signed clicks, the ads dashboard. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf, type SharedCache } from '../platform/services.ts';
import { ttlCache } from '../platform/cache.ts';
import { adRoutes } from './routes.ts';
import { adsMigrations } from './migrations.ts';
import { activeAds, type Ad } from './store.ts';
import { addSlot } from '../stories/slots.ts';
import { adServer, pickAd } from './serve.ts';
import { adFill, listAdFill } from './views.tsx';

declare module '../platform/services.ts' {
  interface SharedCaches {
    /** Ads running now. */
    ads: SharedCache<Ad[]>;
  }
}

export const ads: Feature = {
  name: 'ads',
  plugin: fp(
    async (app: FastifyInstance) => {
      const services = servicesOf(app);
      // One ad in a story list (home and section pages) and one in a story, for readers not ad-free.
      addSlot(app, 'listInsert', 10, async (ctx, { section }) =>
        listAdFill(await pickAd(services, { section, adFree: ctx.access.adFree })),
      );
      addSlot(app, 'storyInsert', 10, async (ctx, { story }) =>
        adFill(await pickAd(services, { section: story.section_slug, adFree: ctx.access.adFree })),
      );
      // Impressions counted in memory are written before the process stops.
      app.addHook('onClose', async () => {
        await adServer(services).counter.stop();
      });
      await app.register(adRoutes(services));
    },
    { name: 'ads', dependencies: [SERVICES_PLUGIN, 'web', 'stories'] },
  ),
  migrations: adsMigrations,
  shared: (db, ttlMs) => ({ ads: ttlCache(() => activeAds(db.kysely), ttlMs) }),
};
