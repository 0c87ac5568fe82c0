/**
 * The platform's own manifest: its tables (settings and the first content tables, the job queue),
 * `/livez` `/readyz` `/metrics`, and the backup commands. It is listed first in src/features.ts.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from './feature.ts';
import { SERVICES_PLUGIN, servicesOf } from './services.ts';
import { coreMigrations } from './core-migrations.ts';
import { jobsMigrations } from './jobs-migrations.ts';
import { opsRoutes } from './metrics.ts';

export const ops: Feature = {
  name: 'ops',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(opsRoutes(servicesOf(app), app.migrations));
    },
    { name: 'ops', dependencies: [SERVICES_PLUGIN] },
  ),
  migrations: (engine) => ({ ...coreMigrations(engine), ...jobsMigrations(engine) }),
  commands: async () => (await import('./backup.ts')).backupCommands,
};
