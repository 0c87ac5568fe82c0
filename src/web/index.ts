/** The site's shell: assets, the health check, the terms page; and the registry of page parts. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { PAGE_PARTS_PLUGIN, pagePartsPlugin } from './context.ts';
import { webRoutes } from './routes.ts';

export const web: Feature = {
  name: 'web',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(pagePartsPlugin);
      await app.register(webRoutes(servicesOf(app)));
    },
    { name: 'web', dependencies: [SERVICES_PLUGIN] },
  ),
};

export { PAGE_PARTS_PLUGIN };
