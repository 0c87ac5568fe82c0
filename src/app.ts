/**
 * Builds the Fastify application: security headers, compression, cookies, forms, rate limits,
 * error pages, then each feature of src/features.ts (its request hooks, then its plugin). Staged
 * boot lives in server.ts (config → db → migrations → demo content → this).
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import { h } from 'preact';
import type { Config } from './config.ts';
import type { Db } from './platform/db.ts';
import { HttpError, sendPage } from './platform/http.ts';
import {
  CSRF_REFUSED,
  CSRF_UNATTESTED,
  csrfValid,
  fromThisSite,
  sameOriginAttested,
} from './platform/csrf.ts';
import { stripControlCharsDeep } from './platform/stored-text.ts';
import { requestSerializer } from './platform/log-redact.ts';
import { flushViews } from './platform/page-views.ts';
import { createMailer, type Mailer } from './platform/mail.ts';
import { installCanonicalPaths } from './platform/request-path.ts';
import { installPolicy } from './platform/policy.ts';
import { installRequestMetrics } from './platform/metrics.ts';
import { RefusalHold, installRefusalHold } from './platform/refusals.ts';
import {
  servicesPlugin,
  type MigrationCatalogue,
  type ServiceOptions,
  type Services,
  type SharedCaches,
} from './platform/services.ts';
import { ErrorPage } from './web/pages.tsx';
import { pageContext } from './web/context.ts';
import {
  accountRemovalFor,
  contentChangedFor,
  features,
  migrationsFor,
  sharedData,
} from './features.ts';
import type { AccountRemovalView } from './platform/account-removal.ts';

export { sharedData };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isApi(req: FastifyRequest): boolean {
  return (
    req.routePath.startsWith('/api/') ||
    req.routePath === '/healthz' ||
    req.routePath === '/readyz' ||
    req.routePath === '/livez'
  );
}

/**
 * The headers @fastify/helmet sets with these options, read once from a throwaway app (the same
 * plugin and options as before, so the same headers), to be set on every response without
 * building them again.
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, options);
  probe.get('/', async (_req, reply) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.raw.getHeaders()))
      if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return out;
  });
  try {
    return (await probe.inject('/')).json() as Record<string, string>;
  } finally {
    await probe.close();
  }
}

export async function buildApp(
  base: ServiceOptions & {
    config: Config;
    db: Db;
    shared?: SharedCaches;
    mailer?: Mailer;
    /** Where log lines go (stdout by default). */
    logStream?: { write(line: string): void };
  },
): Promise<FastifyInstance> {
  const { logStream, ...rest } = base;
  const services: Services & {
    migrations: MigrationCatalogue;
    contentChanged: () => void;
    accountRemoval: (memberId: number) => Promise<AccountRemovalView>;
  } = {
    migrations: migrationsFor,
    contentChanged: contentChangedFor(base.db),
    accountRemoval: accountRemovalFor(base.db),
    ...rest,
    shared: base.shared ?? sharedData(base.db),
    mailer: base.mailer ?? createMailer(base.config),
  };
  const { config } = services;
  const app = Fastify({
    // Request URLs are logged with their secrets (sign-in links, signed links, tokens) redacted.
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            serializers: { req: requestSerializer },
            ...(logStream ? { stream: logStream } : {}),
          },
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });

  installRequestMetrics(app);
  // The shared services as decorators (app.db, app.config, app.mailer, app.shared, …).
  await app.register(servicesPlugin, services);
  // Security headers: the same for every response, so worked out once at start (helmet would
  // build them again on every request) and set from that list.
  const securityHeaders = await helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Image ads and licensed press releases may show images hosted elsewhere (https only).
        imgSrc: ["'self'", 'data:', 'https:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    hsts: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  // The per-request hooks below that only check something are plain callbacks, not async
  // functions: every request passes them, and a promise each is measurable on a page's cost.
  app.addHook('onSend', (req, reply, _payload, done) => {
    if (req.protocol === 'https')
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    done();
  });
  // A refused client (429) waits for its answer, so one that asks again at once cannot spend the
  // event loop everyone else is served from (src/platform/refusals.ts).
  installRefusalHold(app, new RefusalHold(config.refusalDelayMs));
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip', 'deflate'],
    brotliOptions: { params: { 1: 4 } } as never,
  });
  await app.register(cookie);
  // Before every hook that decides anything (session, licensing, CSRF, rate limits): they read the
  // path the router matched (req.routePath); a path not written canonically is refused here.
  installCanonicalPaths(app);
  // Set by the request hooks below when a reader's pages depend on who or where they are.
  app.decorateRequest('personalised', false);
  // Who is asking: each feature's request hooks, in list order (members' session, then licensing's
  // access decision).
  for (const f of features) f.requestHooks?.(app);
  // Who may do what: every route names its policy, checked here before its handler (after the
  // session and licensing hooks, which say who is asking).
  installPolicy(app);
  if (!base.mailer) app.addHook('onClose', async () => services.mailer.close());
  // Buffered page-view counts are written before the database closes.
  app.addHook('onClose', async () => flushViews(services.db.kysely));
  await app.register(formbody);
  await app.register(rateLimit, { global: false });

  // Submitted text loses its control characters before any route validates it (the database
  // connection strips them again from whatever is written: platform/stored-text.ts).
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body !== null && typeof req.body === 'object') stripControlCharsDeep(req.body);
    done();
  });

  // CSRF (src/platform/csrf.ts), unless the route opts out: every state-changing request comes
  // from this site (Sec-Fetch-Site, Origin); a signed-in member's also carries their token; one
  // without a session, whose page carried no token, needs the browser's word that it is ours.
  // (A throw in a callback hook is the request's error, as a rejection of an async one is.)
  app.addHook('preHandler', (req, _reply, done) => {
    if (!UNSAFE.has(req.method) || req.routeOptions.config?.csrf === false) return done();
    if (!fromThisSite(req, config.baseUrl)) throw new HttpError(403, 'csrf', CSRF_REFUSED);
    if (csrfValid(req)) return done();
    if (req.member) throw new HttpError(403, 'csrf', CSRF_REFUSED);
    if (!sameOriginAttested(req, config.baseUrl)) throw new HttpError(403, 'csrf', CSRF_UNATTESTED);
    done();
  });

  app.setNotFoundHandler(async (req, reply) => {
    if (isApi(req))
      return reply.code(404).send({ error: 'not_found', message: 'No such resource.' });
    const ctx = await pageContext(services, req, reply);
    return sendPage(req, reply, h(ErrorPage, { ctx, status: 404 }), { status: 404 });
  });

  app.setErrorHandler(
    async (
      err: Error & { statusCode?: number; validation?: unknown; code?: string },
      req,
      reply,
    ) => {
      let status = err instanceof HttpError ? err.statusCode : (err.statusCode ?? 500);
      if (err.validation) status = 400;
      // Database unreachable, restarting or overloaded (PostgreSQL class 08 and 57P0x codes, a
      // statement timeout 57014, a busy SQLite file): the request may succeed later, so 503.
      const dbDown =
        /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|SQLITE_BUSY|^08\d{3}$|^57P0[123]$|^57014$/.test(
          String(err.message),
        ) ||
        /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|SQLITE_BUSY|08\d{3}|57P0[123]|57014)$/.test(
          String(err.code),
        );
      if (status >= 500 && dbDown) status = 503;
      if (status >= 500) req.log.error({ err }, 'request failed');
      const code =
        err instanceof HttpError
          ? err.code
          : status === 429
            ? 'rate_limited'
            : status === 400
              ? 'bad_request'
              : status === 503
                ? 'unavailable'
                : 'internal';
      // Messages of 4xx errors are written for people; 5xx details never leave the server.
      const message = status < 500 ? err.message : undefined;
      if (status === 429) reply.header('retry-after', '60');
      if (status === 503) reply.header('retry-after', '5');
      if (isApi(req))
        return reply.code(status).send({
          error: code,
          message:
            message ??
            (status === 503
              ? 'Temporarily unavailable; try again in a few seconds.'
              : 'Internal error'),
        });
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, h(ErrorPage, { ctx, status, message }), { status });
    },
  );

  for (const f of features) if (f.plugin) await app.register(f.plugin);
  return app;
}
