/**
 * GET /search (results page) and GET /api/search (JSON), one parse and one service for both.
 *
 * Every search has a budget: a per-client rate limit (readers by client address; licensed
 * organisations and API keys a larger one of their own), a bounded per-client queue served
 * round-robin in front of the search threads (fair-queue.ts), a cost limit checked before matching
 * (budget.ts) and a time limit inside the search thread (deadline.ts).
 *
 *   over the rate limit          429, Retry-After, "try again in N s"
 *   too many of its own waiting  429, Retry-After: 1
 *   over the cost budget         400, saying what to narrow
 *   stopped at the time limit    503, saying what to narrow (the same search would stop again)
 */
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import type { Services } from '../platform/services.ts';
import type { Db } from '../platform/db.ts';
import { sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { parseQuery, parseSearchParams, type SearchParams } from './query.ts';
import { pageState } from './forgiving.ts';
import type { RelatedCable } from './related.ts';
import { Lru } from '../platform/cache.ts';
import type { SearchOutcome } from './service.ts';
import { WorkerSearcher, type Searcher } from './remote.ts';
import { SearchPage, type SearchNotice } from './views.tsx';
import { DEFAULT_COST_LIMITS, queryShape, searchLane, type CostLimits } from './budget.ts';
import { FairScheduler, QueueFull } from './fair-queue.ts';
import { RateLimiter, searchClient, type RateLimits } from './rate.ts';
import { searchLatency, searchRefused, searchStage, watchSearch } from './metrics.ts';
import { addReadinessCheck, operatorTimingAsked } from '../platform/metrics.ts';
import { serverTiming, type SearchTiming } from './timing.ts';

/** The term index kept between runs, in DATA_DIR. */
export { TERMS_FILE } from './search-index.ts';
import { TERMS_FILE } from './search-index.ts';
import { EARLY_NOTICE } from './early.ts';

/** One Searcher per app (worker threads holding the facet columns and the term index). */
export function searcherFor(services: Services): () => Searcher {
  let searcher: Searcher | null = null;
  return () =>
    (searcher ??= new WorkerSearcher(services.db, {
      termsFile: join(services.config.dataDir, TERMS_FILE),
      workers: services.config.searchWorkers,
      answerCache: services.config.search.answerCache,
    }));
}

/** The budgets searches run under (from the configuration; tests change them on a running app). */
export interface SearchSettings {
  cost: CostLimits;
  /** Time limit inside the search thread (ms). */
  timeMs: number;
  rate: RateLimits;
}

/** A running app's search admission: settings, rate buckets, the fair queue, the clock. */
export interface SearchRuntime {
  settings: SearchSettings;
  limiter: RateLimiter;
  scheduler: FairScheduler<SearchOutcome>;
  /** Milliseconds, for the rate limits (tests pass their own). */
  now: () => number;
  /** What answers the searches (worker threads, started when the server listens). */
  searcher: () => Searcher;
}

const runtimes = new WeakMap<Db, SearchRuntime>();

/**
 * Related cables per cable page: how many, the search thread's time limit, the page's wait (an
 * answer later than that is still kept for the next view of the page).
 */
export const RELATED = { k: 6, timeMs: 150, waitMs: 40, cacheMs: 10 * 60_000, cached: 5000 };
const relatedCache = new WeakMap<Db, Lru<string, { at: number; list: RelatedCable[] }>>();

/**
 * The cables most like a cable, for its page: from a search thread whose term index is ready,
 * within RELATED.timeMs there, remembered for RELATED.cacheMs. The page waits RELATED.waitMs at
 * most (it is not held for a busy search thread); a later answer is remembered all the same, so
 * the next view of the page has it. Null (the page leaves the section out) while no index is
 * ready or when the answer is late.
 */
export async function relatedCables(db: Db, referenceId: string): Promise<RelatedCable[] | null> {
  const runtime = runtimes.get(db);
  if (!runtime) return null;
  let cache = relatedCache.get(db);
  if (!cache) relatedCache.set(db, (cache = new Lru(RELATED.cached)));
  const hit = cache.get(referenceId);
  const now = Date.now();
  if (hit && now - hit.at < RELATED.cacheMs) return hit.list;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), RELATED.waitMs)));
  const c = cache;
  try {
    const asked = runtime
      .searcher()
      .related(referenceId, RELATED.k, RELATED.timeMs)
      .then((list) => {
        if (list) c.set(referenceId, { at: now, list });
        return list;
      });
    asked.catch(() => {});
    return await Promise.race([asked, late]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** The search runtime of the app serving this database (tests adjust its settings and clock). */
export function searchRuntimeOf(db: Db): SearchRuntime | undefined {
  return runtimes.get(db);
}

type Admission =
  | { ok: true; outcome: SearchOutcome }
  | { ok: false; status: 429; notice: SearchNotice; message: string; retryAfter: number };

/** A finished search's stages in broadsheet_search_stage_seconds. */
function observeStages(lane: 'light' | 'heavy', t: SearchTiming): void {
  const stages = [
    ['queue', t.queueMs],
    ['post', t.postMs],
    ['columns', t.columnsMs],
    ['database', t.databaseMs],
    ['match', t.matchMs],
    ['thread', t.threadMs],
    ['gc', t.gcMs],
  ] as const;
  for (const [stage, ms] of stages)
    if (ms !== undefined && Number.isFinite(ms)) searchStage.observe({ lane, stage }, ms / 1000);
}

/** The fair queue's lane for a query (a query that does not parse is answered at once: light). */
function laneOf(q: string): 'light' | 'heavy' {
  const parsed = parseQuery(q ?? '');
  return parsed.ok ? searchLane(queryShape(parsed.query)) : 'light';
}

const API_ERRORS = { rate: 'rate_limited', busy: 'too_many_waiting' } as const;

export function searchRoutes(services: Services): FastifyPluginAsync {
  const service = searcherFor(services);
  const c = services.config.search;
  const runtime: SearchRuntime = {
    settings: {
      cost: { ...DEFAULT_COST_LIMITS },
      timeMs: c.timeLimitMs,
      rate: { reader: { ...c.reader }, licensed: { ...c.licensed } },
    },
    limiter: new RateLimiter(),
    scheduler: new FairScheduler(
      Math.max(1, services.config.searchWorkers),
      c.queuePerClient,
      1000,
    ),
    now: () => Date.now(),
    searcher: service,
  };
  runtimes.set(services.db, runtime);

  /** Rate limit, then a turn in the fair queue, then the search within its cost and time. */
  const admit = async (
    req: FastifyRequest,
    reply: FastifyReply,
    params: SearchParams,
  ): Promise<Admission> => {
    const a = req.access;
    const client = searchClient(
      a?.clientIp ?? req.ip,
      a
        ? {
            status: a.decision.status,
            organisationId: a.decision.organisation?.id ?? null,
            apiKeyId: a.apiKeyId,
          }
        : null,
    );
    const budget = client.licensed ? runtime.settings.rate.licensed : runtime.settings.rate.reader;
    const taken = runtime.limiter.take(client.key, budget, runtime.now());
    if (!taken.ok) {
      searchRefused.inc({ reason: 'rate' });
      return {
        ok: false,
        status: 429,
        notice: 'rate',
        retryAfter: taken.retryAfter,
        message: `Searches from ${client.licensed ? 'your organisation' : 'your address'} are limited to ${budget.perMinute} a minute (${budget.burst} at once). Try again in ${taken.retryAfter} s.`,
      };
    }
    const gone = new AbortController();
    const onClose = () => gone.abort(new Error('the request went away'));
    reply.raw.once('close', onClose);
    try {
      const { cost, timeMs } = runtime.settings;
      const lane = laneOf(params.q);
      const timing: SearchTiming = {};
      const queued = performance.now();
      const outcome = await runtime.scheduler.run(
        client.key,
        () => {
          timing.queueMs = performance.now() - queued;
          return service().search(params, { cost, timeMs }, lane, timing);
        },
        gone.signal,
        lane,
      );
      observeStages(lane, timing);
      // Operators (the metrics token) see where this search's time went.
      const token = services.config.metricsToken;
      if (token && operatorTimingAsked(req, token))
        reply.header(
          'server-timing',
          `${serverTiming(timing)}, route;dur=${reply.elapsedTime.toFixed(1)}`,
        );
      if (!outcome.ok && outcome.error.kind === 'cost') searchRefused.inc({ reason: 'cost' });
      if (!outcome.ok && outcome.error.kind === 'time') searchRefused.inc({ reason: 'time' });
      return { ok: true, outcome };
    } catch (e) {
      if (!(e instanceof QueueFull)) throw e;
      searchRefused.inc({ reason: 'queue' });
      return {
        ok: false,
        status: 429,
        notice: 'busy',
        retryAfter: 1,
        message:
          e.scope === 'client'
            ? 'You already have several searches waiting to be answered. Wait for them to finish, then try again.'
            : 'The search service has too many searches waiting. Try again in a moment.',
      };
    } finally {
      reply.raw.off('close', onClose);
    }
  };

  /** Records the latency of a finished search request. */
  const observe = (t0: number, outcome: 'ok' | 'refused' | 'failed', index: string) =>
    searchLatency.observe({ outcome, index }, (performance.now() - t0) / 1000);

  // Ready: searches are answered; degraded while a worker's term index is not ready (or workers
  // failed and searches run on the event loop or in the database).
  addReadinessCheck(services, 'search', async () => {
    const { warm, total } = service().workers;
    return { ok: true, degraded: warm < total, workers: { warm, total }, index: service().index };
  });
  return async (app) => {
    const unwatch = watchSearch({
      waiting: () => runtime.scheduler.waiting,
      workers: () => service().workers,
    });
    // Search threads start with the server, so the first search finds them loading already.
    app.addHook('onListen', async () => {
      const s = service();
      if (s instanceof WorkerSearcher) s.start();
    });
    app.addHook('onClose', async () => {
      unwatch();
      await service().close();
    });

    app.get('/api/search', { config: { policy: 'api.read' } }, async (req, reply) => {
      const t0 = performance.now();
      const params = parseSearchParams(req.query);
      if (!params.ok) return reply.code(400).send({ error: 'bad_request', message: params.error });
      const admitted = await admit(req, reply, params.value);
      if (!admitted.ok) {
        observe(t0, 'refused', 'none');
        return reply
          .code(admitted.status)
          .header('retry-after', String(admitted.retryAfter))
          .header('cache-control', 'no-store')
          .send({
            error: API_ERRORS[admitted.notice as 'rate' | 'busy'],
            message: admitted.message,
            retryAfter: admitted.retryAfter,
          });
      }
      const out = admitted.outcome;
      if (!out.ok) {
        observe(t0, 'refused', 'none');
        reply.header('cache-control', 'no-store');
        if (out.error.kind === 'time')
          return reply
            .code(503)
            .header('retry-after', '30')
            .send({ error: 'search_time_limit', message: out.error.message });
        if (out.error.kind === 'cost')
          return reply.code(400).send({
            error: 'search_too_costly',
            message: out.error.message,
            limit: out.error.reason,
          });
        return reply
          .code(400)
          .send({ error: 'bad_query', message: out.error.message, position: out.error.position });
      }
      const r = out.result;
      observe(t0, 'ok', r.warming ? 'database' : 'memory');
      reply.header('cache-control', r.warming ? 'no-store' : 'public, max-age=30');
      reply.header('x-search-index', service().index);
      const { warm, total } = service().workers;
      reply.header('x-search-workers', `${warm}/${total}`);
      return {
        total: r.total,
        page: r.page,
        size: r.size,
        pages: pageState(r.total, r.size, r.page).pages,
        query: r.normalized,
        order: r.order,
        hits: r.hits,
        facets: r.facets,
        tookMs: r.tookMs,
        warming: r.warming,
        ...(r.warming ? { note: WARMING_NOTE } : {}),
        ...(r.countsPending ? { countsPending: true, countsNote: EARLY_NOTICE } : {}),
        notices: r.notices,
        ...(out.location ? { location: out.location } : {}),
      };
    });

    app.get('/search', { config: { policy: 'public' } }, async (req, reply) => {
      const t0 = performance.now();
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
      /** The search page saying why this search was not answered. */
      const refused = (
        status: number,
        retryAfter: number | null,
        problem: string,
        notice: SearchNotice,
        position?: number,
      ) => {
        observe(t0, 'refused', 'none');
        if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
        return sendPage(
          req,
          reply,
          h(SearchPage, { ctx, q: params.q, params, outcome: null, problem, position, notice }),
          { status },
        );
      };
      const admitted = await admit(req, reply, params);
      if (!admitted.ok)
        return refused(admitted.status, admitted.retryAfter, admitted.message, admitted.notice);
      const outcome = admitted.outcome;
      // The query named one document (a reference id, a pasted link): go to it.
      if (outcome.ok && outcome.location) {
        observe(t0, 'ok', outcome.result.warming ? 'database' : 'memory');
        return reply.redirect(outcome.location, 302);
      }
      if (!outcome.ok) {
        const kind = outcome.error.kind ?? 'syntax';
        return refused(
          kind === 'time' ? 503 : 400,
          kind === 'time' ? 30 : null,
          outcome.error.message,
          kind,
          kind === 'syntax' ? outcome.error.position : undefined,
        );
      }
      observe(t0, 'ok', outcome.result.warming ? 'database' : 'memory');
      return sendPage(
        req,
        reply,
        h(SearchPage, { ctx, q: params.q, params, outcome: outcome.result }),
        outcome.result.warming ? { cache: 'no-store' } : {},
      );
    });
  };
}

/** Said with answers given while the term index warms up (the API's `note`). */
export const WARMING_NOTE =
  'The search index is warming up after a restart: results come from the database for now, so searches are slower and very large result sets are listed newest first.';
