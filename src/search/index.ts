/** Search: the query language, the database and in-process indexes, the search pages and API. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { searchRoutes } from './routes.ts';
import { searchMigrations } from './migrations.ts';
import './schema.ts';

export const search: Feature = {
  name: 'search',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(searchRoutes(servicesOf(app)));
    },
    { name: 'search', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  migrations: searchMigrations,
};
