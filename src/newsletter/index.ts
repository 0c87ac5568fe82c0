/** The newsletter: subscriptions, the weekly digest and its exactly-once sending, editor pages. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { newsletterRoutes } from './routes.ts';
import { newsletterMigrations } from './migrations.ts';
import { jobHandlers, jobSchedules } from './service.ts';
import { addSlot } from '../stories/slots.ts';
import { storyPath } from '../stories/store.ts';
import { newsletterBoxFill } from './views.tsx';

export const newsletter: Feature = {
  name: 'newsletter',
  plugin: fp(
    async (app: FastifyInstance) => {
      // The sign-up box in every story, after the ad.
      addSlot(app, 'storyInsert', 20, (ctx, { story }) => newsletterBoxFill(ctx, storyPath(story)));
      await app.register(newsletterRoutes(servicesOf(app)));
    },
    { name: 'newsletter', dependencies: [SERVICES_PLUGIN, 'web', 'stories'] },
  ),
  migrations: newsletterMigrations,
  jobs: (services) => ({
    handlers: jobHandlers(services),
    schedules: jobSchedules(services.config),
  }),
  commands: async () => (await import('./cli.ts')).newsletterCommands,
};
