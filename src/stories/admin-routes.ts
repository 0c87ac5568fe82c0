/**
 * The newsroom (/admin, editors and admins), one module per sub-area in src/stories/admin/: the
 * dashboard and home-page leads, the story editor with preview, sections, press releases (the
 * public form and the editors' queue) and cable uploads; plus the newsroom's background jobs
 * (partner-feed polling, uploaded cable imports). Forms are checked against
 * src/stories/schemas.ts and answer with post/redirect/get and a one-time message.
 */
import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppServices } from '../app.ts';
import { every, type JobHandler, type Schedule } from '../platform/jobs.ts';
import { feedLimits, pollAllFeeds } from '../feeds/poll.ts';
import { adServer } from '../ads/serve.ts';
import { newsroomChanged } from './admin-auth.ts';
import { CABLE_UPLOAD_JOB, cableUploadJob } from './cable-uploads.ts';
import { newsroomKit } from './admin/common.ts';
import { dashboardRoutes } from './admin/dashboard.ts';
import { storyRoutes } from './admin/stories.ts';
import { sectionRoutes } from './admin/sections.ts';
import { releaseQueueRoutes, releaseSubmitRoutes } from './admin/press-releases.ts';
import { MAX_UPLOAD_BYTES, uploadRoutes } from './admin/uploads.ts';

export { previewHtml } from './admin/stories.ts';
export { MAX_UPLOAD_BYTES };

export const FEED_POLL_JOB = 'feeds:poll';
export const FEED_POLL_EVERY_MS = 15 * 60_000;

/** The newsroom's part of the process's job worker (merged in src/server.ts): feed polling and uploaded cable imports. */
export function jobHandlers(services: AppServices): Record<string, JobHandler> {
  return {
    [FEED_POLL_JOB]: async () => {
      const out = await pollAllFeeds(services.db.kysely, feedLimits(services.config));
      if (out.some((o) => o.added > 0)) newsroomChanged(services);
    },
    [CABLE_UPLOAD_JOB]: cableUploadJob(services.db, () => newsroomChanged(services)),
  };
}

/** Partner feeds are polled every 15 minutes (on the quarter hour). */
export function jobSchedules(): Schedule[] {
  return [every(FEED_POLL_JOB, FEED_POLL_EVERY_MS)];
}
export function newsroomRoutes(services: AppServices): FastifyPluginAsync {
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
