/** Cables: the parser, readers, the resumable importer, the archive pages. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { cableRoutes } from './routes.ts';
import { cablesMigrations } from './migrations.ts';

export const cables: Feature = {
  name: 'cables',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(cableRoutes(servicesOf(app)));
    },
    { name: 'cables', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  migrations: cablesMigrations,
  commands: async () => (await import('./cli.ts')).cablesCommands,
};
