/**
 * The newsroom (/admin, editors and admins), one module per sub-area in src/stories/admin/: the
 * dashboard and home-page leads, the story editor with preview, sections and press releases (the
 * public form and the editors' queue). Other features add their own newsroom pages (cables: the
 * uploads) and boxes on the dashboard (src/stories/slots.ts). Forms are checked against
 * src/stories/schemas.ts and answer with post/redirect/get and a one-time message.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../platform/services.ts';
import { newsroomKit } from './admin/common.ts';
import { dashboardRoutes } from './admin/dashboard.ts';
import { storyRoutes } from './admin/stories.ts';
import { sectionRoutes } from './admin/sections.ts';
import { releaseQueueRoutes, releaseSubmitRoutes } from './admin/press-releases.ts';

export { previewHtml } from './admin/stories.ts';

export function storyAdminRoutes(services: Services): FastifyPluginAsync {
  const kit = newsroomKit(services);
  return async (root) => {
    // ---- press releases: any registered member submits ----
    await root.register(async (app) => releaseSubmitRoutes(app, kit));

    // ---- the newsroom ----
    await root.register(async (app) => {
      dashboardRoutes(app, kit);
      storyRoutes(app, kit);
      sectionRoutes(app, kit);
      releaseQueueRoutes(app, kit);
    });
  };
}
