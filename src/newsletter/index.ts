/** The newsletter: subscriptions, the weekly digest and its exactly-once sending, editor pages. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { newsletterRoutes } from './routes.ts';
import { newsletterMigrations } from './migrations.ts';
import { jobHandlers, jobSchedules } from './service.ts';

export const newsletter: Feature = {
  name: 'newsletter',
  plugin: fp(
    async (app: FastifyInstance) => {
      await app.register(newsletterRoutes(servicesOf(app)));
    },
    { name: 'newsletter', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  migrations: newsletterMigrations,
  jobs: (services) => ({
    handlers: jobHandlers(services),
    schedules: jobSchedules(services.config),
  }),
  commands: async () => (await import('./cli.ts')).newsletterCommands,
};
