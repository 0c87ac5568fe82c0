/** GET /search (results page) and GET /api/search (JSON), one parse and one service for both. */
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import type { AppServices } from '../app.ts';
import { pageContext, sendPage } from '../platform/http.ts';
import { parseSearchParams, type SearchParams } from './query.ts';
import type { SearchOutcome } from './service.ts';
import { WorkerSearcher, type Searcher } from './remote.ts';
import { SearchPage } from './views.tsx';
import { addReadinessCheck } from '../platform/metrics.ts';

/** The term index kept between runs, in DATA_DIR. */
export const TERMS_FILE = 'search-terms.bin';

/** One Searcher per app (worker threads holding the facet columns and the term index). */
export function searcherFor(services: AppServices): () => Searcher {
  let searcher: Searcher | null = null;
  return () =>
    (searcher ??= new WorkerSearcher(services.db, {
      termsFile: join(services.config.dataDir, TERMS_FILE),
      workers: services.config.searchWorkers,
    }));
}

export function searchRoutes(services: AppServices): FastifyPluginAsync {
  const service = searcherFor(services);
  // Ready: searches are answered; degraded while a worker's term index is not ready (or workers
  // failed and searches run on the event loop or in the database).
  addReadinessCheck(services, 'search', async () => {
    const { warm, total } = service().workers;
    return { ok: true, degraded: warm < total, workers: { warm, total }, index: service().index };
  });
  return async (app) => {
    app.addHook('onClose', async () => {
      await service().close();
    });

    app.get('/api/search', async (req, reply) => {
      const params = parseSearchParams(req.query);
      if (!params.ok) return reply.code(400).send({ error: 'bad_request', message: params.error });
      const out = await service().search(params.value);
      if (!out.ok)
        return reply
          .code(400)
          .send({ error: 'bad_query', message: out.error.message, position: out.error.position });
      const r = out.result;
      reply.header('cache-control', 'public, max-age=30');
      reply.header('x-search-index', service().index);
      const { warm, total } = service().workers;
      reply.header('x-search-workers', `${warm}/${total}`);
      return {
        total: r.total,
        page: r.page,
        size: r.size,
        query: r.normalized,
        order: r.order,
        hits: r.hits,
        facets: r.facets,
        tookMs: r.tookMs,
      };
    });

    app.get('/search', async (req, reply) => {
      const ctx = await pageContext(services, req, reply);
      const parsed = parseSearchParams(req.query);
      const raw = req.query as Record<string, unknown>;
      const typed = typeof raw.q === 'string' ? raw.q : '';
      if (!parsed.ok) {
        return sendPage(
          req,
          reply,
          h(SearchPage, { ctx, q: typed, params: null, outcome: null, problem: parsed.error }),
          { status: 400 },
        );
      }
      const params: SearchParams = parsed.value;
      const outcome: SearchOutcome = await service().search(params);
      if (outcome.ok && outcome.cableId)
        return reply.redirect(`/cables/${encodeURIComponent(outcome.cableId)}`, 302);
      if (!outcome.ok) {
        return sendPage(
          req,
          reply,
          h(SearchPage, {
            ctx,
            q: params.q,
            params,
            outcome: null,
            problem: outcome.error.message,
            position: outcome.error.position,
          }),
          { status: 400 },
        );
      }
      return sendPage(
        req,
        reply,
        h(SearchPage, { ctx, q: params.q, params, outcome: outcome.result }),
      );
    });
  };
}
