/** House ads: rotation, impressions, signed clicks, the ads dashboard. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf, type SharedCache } from '../platform/services.ts';
import { ttlCache } from '../platform/cache.ts';
import { adRoutes } from './routes.ts';
import { adsMigrations } from './migrations.ts';
import { activeAds, type Ad } from './store.ts';

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
      await app.register(adRoutes(servicesOf(app)));
    },
    { name: 'ads', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  migrations: adsMigrations,
  shared: (db, ttlMs) => ({ ads: ttlCache(() => activeAds(db.kysely), ttlMs) }),
};
