/**
 * Licensing routes, one module per sub-area (src/licensing/routes/): public pages and applying
 * (`public.ts`), an organisation's own pages (`organisation.ts`) and API keys (`api-keys.ts`),
 * saved-search alerts (`alerts.ts`) and the staff queue and leads (`staff.ts`). An organisation's
 * pages are visible to its administrators and to site editors and admins; anyone else gets 404.
 * Forms are checked against src/licensing/schemas.ts and answer with post/redirect/get.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../platform/services.ts';
import { routeKit } from './routes/common.ts';
import { publicRoutes } from './routes/public.ts';
import { staffRoutes } from './routes/staff.ts';
import { organisationRoutes } from './routes/organisation.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { alertRoutes } from './routes/alerts.ts';

export { licensingDns } from './routes/common.ts';

export function licensingRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    const kit = routeKit(services, app);
    publicRoutes(app, kit);
    staffRoutes(app, kit);
    apiKeyRoutes(kit, organisationRoutes(app, kit));
    alertRoutes(app, kit);
  };
}
