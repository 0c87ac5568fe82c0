/** Cables: the parser, readers, the resumable importer, the archive pages, the newsroom's uploads. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf, type SharedCache } from '../platform/services.ts';
import { ttlCache } from '../platform/cache.ts';
import { archiveSummary, type ArchiveSummary } from './summary.ts';
import { cableRoutes } from './routes.ts';
import { cablesMigrations } from './migrations.ts';
import { addSlot, addStoryBody } from '../stories/slots.ts';
import { archiveBoxFill } from './archive-box.tsx';
import { cableStoryMarkdown } from './story.ts';
import { recentUploads } from './uploads.ts';
import { recentUploadsFill } from './upload-views.tsx';
import { uploadRoutes } from './upload-routes.ts';
import { jobHandlers } from './jobs.ts';
import { decorateRelated } from './related.ts';

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
      const services = servicesOf(app);
      // The cable page's related cables, from whichever feature can tell (search).
      decorateRelated(app);
      // The archive's counts at the top of the home page's side column.
      addSlot(app, 'homeAside', 10, async () =>
        archiveBoxFill(await services.shared.archive.get()),
      );
      // A Cablegate story shows its cable's text, kept only in the archive.
      addStoryBody(app, async (story) =>
        story.cable_reference_id
          ? ((await cableStoryMarkdown(services.db.kysely, {
              ...story,
              cable_reference_id: story.cable_reference_id,
            })) ?? '')
          : undefined,
      );
      // The latest uploads at the end of the newsroom's dashboard.
      addSlot(app, 'newsroom', 10, async () =>
        recentUploadsFill(await recentUploads(services.db.kysely, 5)),
      );
      await app.register(cableRoutes(services));
      await app.register(uploadRoutes(services));
    },
    { name: 'cables', dependencies: [SERVICES_PLUGIN, 'web', 'stories'] },
  ),
  migrations: cablesMigrations,
  shared: (db, ttlMs) => ({ archive: ttlCache(() => archiveSummary(db.kysely), ttlMs * 5) }),
  jobs: (services) => ({ handlers: jobHandlers(services), schedules: [] }),
  commands: async () => (await import('./cli.ts')).cablesCommands,
};
