/** Search: the query language, the database and in-process indexes, the search pages and API. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { moduleEntry } from '../platform/workers.ts';
import { relatedCables, searchRoutes } from './routes.ts';
import { setRelatedSource } from '../cables/related.ts';
import { searchMigrations } from './migrations.ts';
import './schema.ts';

export const search: Feature = {
  name: 'search',
  plugin: fp(
    async (app: FastifyInstance) => {
      const services = servicesOf(app);
      // The cable page's related cables: those sharing its most distinctive words.
      setRelatedSource(app, (referenceId) => relatedCables(services.db, referenceId));
      await app.register(searchRoutes(services));
    },
    { name: 'search', dependencies: [SERVICES_PLUGIN, 'web', 'cables'] },
  ),
  migrations: searchMigrations,
  // The index waits during a cable import and catches up at its end.
  bulkLoad: moduleEntry(import.meta.url, './bulk-load-hooks.ts').href,
};
