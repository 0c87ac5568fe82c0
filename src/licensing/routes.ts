/** Licensing pages. */
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import type { AppServices } from '../app.ts';
import { pageContext, sendPage } from '../platform/http.ts';
import { LicensingPage } from './pages.tsx';

export function licensingRoutes(services: AppServices): FastifyPluginAsync {
  return async (app) => {
    app.get('/about/licensing', async (req, reply) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, h(LicensingPage, { ctx }));
    });
  };
}
