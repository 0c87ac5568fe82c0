/** Cables: the parser, readers, the resumable importer, the archive pages. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf, type SharedCache } from '../platform/services.ts';
import { ttlCache } from '../platform/cache.ts';
import { archiveSummary, type ArchiveSummary } from './summary.ts';
import { cableRoutes } from './routes.ts';
import { cablesMigrations } from './migrations.ts';

declare module '../platform/services.ts' {
  interface SharedCaches {
    /** The cable archive's counts on the home page (a count over the archive: kept longer). */
    archive: SharedCache<ArchiveSummary>;
  }
}

export const cables: Feature = {
  name: 'cables',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(cableRoutes(servicesOf(app)));
    },
    { name: 'cables', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  migrations: cablesMigrations,
  shared: (db, ttlMs) => ({ archive: ttlCache(() => archiveSummary(db.kysely), ttlMs * 5) }),
  commands: async () => (await import('./cli.ts')).cablesCommands,
};
