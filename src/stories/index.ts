/** Stories: sections, stories and their pages, and the newsroom (the editors' dashboard). */
import { storiesRemoval } from './account-removal.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf, type SharedCache } from '../platform/services.ts';
import { ttlCache } from '../platform/cache.ts';
import { addPagePart } from '../web/context.ts';
import { storyRoutes } from './routes.ts';
import { storyAdminRoutes } from './admin-routes.ts';
import { storiesMigrations } from './migrations.ts';
import { listSections, type Section } from './store.ts';
import { decorateSlots } from './slots.ts';

declare module '../platform/services.ts' {
  interface SharedCaches {
    /** Every section, in masthead order. */
    sections: SharedCache<Section[]>;
  }
}

export const stories: Feature = {
  name: 'stories',
  accountRemoval: storiesRemoval,
  plugin: fp(
    async (app: FastifyInstance) => {
      const services = servicesOf(app);
      // What other features put on the story pages (they list 'stories' in their dependencies).
      decorateSlots(app);
      // The masthead of every page lists the sections.
      addPagePart(app, async () => ({
        sections: await services.shared.sections.get().catch(() => []),
      }));
      await app.register(storyRoutes(services));
      await app.register(storyAdminRoutes(services));
    },
    { name: 'stories', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  migrations: storiesMigrations,
  shared: (db, ttlMs) => ({ sections: ttlCache(() => listSections(db.kysely), ttlMs) }),
};
