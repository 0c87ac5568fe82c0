/**
 * The newsroom (/admin, editors and admins), one module per sub-area in src/stories/admin/: the
 * dashboard and home-page leads, the story editor with preview, sections, press releases (the
 * public form and the editors' queue) and cable uploads; plus the newsroom's background jobs
 * (partner-feed polling, uploaded cable imports). Forms are checked against
 * src/stories/schemas.ts and answer with post/redirect/get and a one-time message.
 */
import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import type { Services } from '../platform/services.ts';
import { adServer } from '../ads/serve.ts';
import { storiesChanged } from './admin-auth.ts';
import { newsroomKit } from './admin/common.ts';
import { dashboardRoutes } from './admin/dashboard.ts';
import { storyRoutes } from './admin/stories.ts';
import { sectionRoutes } from './admin/sections.ts';
import { releaseQueueRoutes, releaseSubmitRoutes } from './admin/press-releases.ts';
import { MAX_UPLOAD_BYTES, uploadRoutes } from './admin/uploads.ts';

export { previewHtml } from './admin/stories.ts';
export { MAX_UPLOAD_BYTES };

export function storyAdminRoutes(services: Services): FastifyPluginAsync {
  const kit = newsroomKit(services);
  return async (root) => {
    root.addHook('onClose', async () => {
      await adServer(services).counter.stop();
    });

    // ---- press releases: any registered member submits ----
    await root.register(async (app) => releaseSubmitRoutes(app, kit));

    // ---- the newsroom ----
    await root.register(async (app) => {
      await app.register(multipart, {
        limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6 },
      });
      dashboardRoutes(app, kit);
      storyRoutes(app, kit);
      sectionRoutes(app, kit);
      releaseQueueRoutes(app, kit);
      uploadRoutes(app, kit);
    });
  };
}
