/** Members: accounts, sessions, login, password reset. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Feature } from '../platform/feature.ts';
import { SERVICES_PLUGIN, servicesOf } from '../platform/services.ts';
import { addPagePart } from '../web/context.ts';
import { memberRoutes } from './routes.ts';
import { usersAdminRoutes } from './admin-users.tsx';
import { membersMigrations } from './migrations.ts';
import { installSessionLoader, pageMember } from './session.ts';
import type { ScryptParams } from './passwords.ts';

declare module '../platform/services.ts' {
  interface ServiceOptions {
    /** Cost of new password hashes; only tests that do not test hashing lower it. */
    passwordParams?: ScryptParams;
  }
}

export const members: Feature = {
  name: 'members',
  plugin: fp(
    async (app: FastifyInstance) => {
      addPagePart(app, (req) => ({ member: pageMember(req) }));
      await app.register(memberRoutes(servicesOf(app)));
      await app.register(usersAdminRoutes(servicesOf(app)));
    },
    { name: 'members', dependencies: [SERVICES_PLUGIN, 'web'] },
  ),
  // req.member, from the session cookie.
  requestHooks: (app) => installSessionLoader(app, app.db),
  migrations: membersMigrations,
  commands: async () => (await import('./cli.ts')).memberCommands,
};
