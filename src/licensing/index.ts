/** Licensing: organisations, licences, accreditation, the access decision, invoices, API keys, alerts. */
import { licensingRemoval } from './account-removal.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { addPagePart } from '../web/context.ts';
import { licensingRoutes } from './routes.ts';
import { licensingMigrations } from './migrations.ts';
import { installLicensing } from './wiring.ts';
import { requestAccess } from './request-access.ts';
import { jobHandlers, jobSchedules } from './jobs.ts';
import { addSlot } from '../stories/slots.ts';
import { paywallStripFill } from './strip.tsx';

export const licensing: Feature = {
  name: 'licensing',
  accountRemoval: licensingRemoval,
  plugin: fp(
    async (app: FastifyInstance) => {
      addPagePart(app, (req) => ({ access: requestAccess(req) }));
      // Above every story: who pays for what (from the access view, part of the page context).
      addSlot(app, 'storyTop', 10, (ctx) => paywallStripFill(ctx));
      await app.register(licensingRoutes(servicesOf(app)));
    },
    { name: 'licensing', dependencies: [SERVICES_PLUGIN, 'web', 'members', 'stories'] },
  ),
  // req.access (after the members' session hook): the access decision, 402s, usage counts.
  requestHooks: (app) => {
    installLicensing(app, servicesOf(app));
  },
  migrations: licensingMigrations,
  jobs: (services) => ({
    handlers: jobHandlers(services),
    schedules: jobSchedules(services.config),
  }),
  commands: async () => (await import('./cli.ts')).orgsCommands,
};
