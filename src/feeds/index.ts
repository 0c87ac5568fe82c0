/** Partner feeds in (polling), RSS/Atom and sitemaps out. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf, type SharedCache } from '../platform/services.ts';
import { ttlCache } from '../platform/cache.ts';
import { feedRoutes } from './routes.ts';
import { feedsMigrations } from './migrations.ts';
import { latestPartnerItems, type PartnerItem } from './store.ts';
import { markDocumentsStale } from './documents.ts';
import { jobHandlers, jobSchedules } from './jobs.ts';

declare module '../platform/services.ts' {
  interface SharedCaches {
    /** The latest partner headlines the home page shows. */
    partnerItems: SharedCache<PartnerItem[]>;
  }
}

export const feeds: Feature = {
  name: 'feeds',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(feedRoutes(servicesOf(app)));
    },
    { name: 'feeds', dependencies: [SERVICES_PLUGIN, 'web', 'stories'] },
  ),
  migrations: feedsMigrations,
  shared: (db, ttlMs) => ({
    partnerItems: ttlCache(() => latestPartnerItems(db.kysely, 4), ttlMs),
  }),
  // The stored sitemaps and feeds are remade after any content change.
  contentChanged: (db) => markDocumentsStale(db.kysely).catch(() => {}),
  jobs: (services) => ({
    handlers: jobHandlers(services),
    schedules: jobSchedules(services.config),
  }),
};
