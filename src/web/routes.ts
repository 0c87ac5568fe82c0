/** Site-wide routes: assets, health check, terms. */
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import type { Services } from '../platform/services.ts';
import { ping } from '../platform/db.ts';
import { sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { assetUrl, getAsset } from './assets.ts';
import { TermsPage } from './pages.tsx';

export function webRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { name: string }; Querystring: { v?: string } }>(
      '/assets/:name',
      { config: { database: false, policy: 'public' } },
      async (req, reply) => {
        const asset = getAsset(req.params.name);
        if (!asset) return reply.callNotFound();
        const etag = `"${asset.hash}"`;
        reply
          .type(asset.type)
          .header('etag', etag)
          .header(
            'cache-control',
            req.query.v === asset.hash
              ? 'public, max-age=31536000, immutable'
              : 'public, max-age=300',
          );
        if (req.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.send(asset.body);
      },
    );

    app.get(
      '/favicon.ico',
      { config: { database: false, policy: 'public' } },
      async (_req, reply) => reply.redirect(assetUrl('favicon.svg'), 301),
    );

    // Answers 503 itself when the database is down: no per-request hook touches the database first.
    app.get('/healthz', { config: { database: false, policy: 'public' } }, async (_req, reply) => {
      const ok = await ping(services.db);
      reply.header('cache-control', 'no-store');
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', db: services.db.engine });
    });

    app.get('/terms', { config: { policy: 'public' } }, async (req, reply) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, h(TermsPage, { ctx }));
    });
  };
}
