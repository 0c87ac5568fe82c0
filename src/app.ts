/**
 * Builds the Fastify application: security headers, compression, cookies, forms, rate limits,
 * error pages, then each feature's routes. Staged boot lives in main.ts (config → db → migrations
 * → demo content → this).
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import { h } from 'preact';
import type { Config } from './config.ts';
import type { Db } from './platform/db.ts';
import { HttpError, pageContext, sendPage } from './platform/http.ts';
import { csrfValid, fromThisSite } from './platform/csrf.ts';
import { stripControlCharsDeep } from './platform/stored-text.ts';
import { requestSerializer } from './platform/log-redact.ts';
import { flushViews } from './platform/page-views.ts';
import { ErrorPage } from './web/pages.tsx';
import { webRoutes } from './web/routes.ts';
import { storyRoutes } from './stories/routes.ts';
import { licensingRoutes } from './licensing/routes.ts';
import { newsletterRoutes } from './newsletter/routes.ts';
import { searchRoutes } from './search/routes.ts';
import { SHARED_TTL_MS, ttlCache } from './platform/cache.ts';
import { listSections, type Section } from './stories/store.ts';
import { latestPartnerItems, type PartnerItem } from './feeds/store.ts';
import { activeAds, type Ad } from './ads/store.ts';
import { archiveSummary, type ArchiveSummary } from './cables/summary.ts';
import { createMailer, type Mailer } from './platform/mail.ts';
import { installSessionLoader } from './members/session.ts';
import { installLicensing } from './licensing/wiring.ts';
import { installCanonicalPaths } from './platform/request-path.ts';
import { installPolicy } from './platform/policy.ts';
import { memberRoutes } from './members/routes.ts';
import { usersAdminRoutes } from './members/admin-users.tsx';
import type { ScryptParams } from './members/passwords.ts';
import { newsroomRoutes } from './stories/admin-routes.ts';
import { feedRoutes } from './feeds/routes.ts';
import { adRoutes } from './ads/routes.ts';
import { cableRoutes } from './cables/routes.ts';
import { installRequestMetrics, opsRoutes } from './platform/metrics.ts';

export interface AppServices {
  config: Config;
  db: Db;
  /** Per-process, seconds-long caches of what every page shows (see platform/cache.ts). */
  shared: SharedData;
  /** Outgoing mail (SMTP, or the file outbox); closed with the app. */
  mailer: Mailer;
  /** The clock of time-based limits (members' mail per address); tests move it. */
  clock?: () => Date;
  /** Cost of new password hashes; only tests that do not test hashing lower it. */
  passwordParams?: ScryptParams;
}

export interface SharedData {
  sections: { get(): Promise<Section[]>; clear(): void };
  partnerItems: { get(): Promise<PartnerItem[]>; clear(): void };
  ads: { get(): Promise<Ad[]>; clear(): void };
  /** The cable archive's counts on the home page (a count over the archive: kept longer). */
  archive: { get(): Promise<ArchiveSummary>; clear(): void };
}

export function sharedData(db: Db, ttlMs = SHARED_TTL_MS): SharedData {
  return {
    sections: ttlCache(() => listSections(db.kysely), ttlMs),
    partnerItems: ttlCache(() => latestPartnerItems(db.kysely, 4), ttlMs),
    ads: ttlCache(() => activeAds(db.kysely), ttlMs),
    archive: ttlCache(() => archiveSummary(db.kysely), ttlMs * 5),
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set to false on a state-changing route that authenticates another way (API keys, signed links). */
    csrf?: boolean;
    /**
     * Set to false on a route that answers without the database (health check, static assets): the
     * per-request hooks that would read it (session loader, licensing) skip it, so such a route
     * still answers, with what it knows, while the database is unreachable.
     */
    database?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isApi(req: FastifyRequest): boolean {
  return (
    req.routePath.startsWith('/api/') ||
    req.routePath === '/healthz' ||
    req.routePath === '/readyz' ||
    req.routePath === '/livez'
  );
}

export async function buildApp(base: {
  config: Config;
  db: Db;
  shared?: SharedData;
  mailer?: Mailer;
  clock?: () => Date;
  passwordParams?: ScryptParams;
  /** Where log lines go (stdout by default). */
  logStream?: { write(line: string): void };
}): Promise<FastifyInstance> {
  const services: AppServices = {
    ...base,
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
            ...(base.logStream ? { stream: base.logStream } : {}),
          },
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });

  installRequestMetrics(app);
  await app.register(helmet, {
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
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https')
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });
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
  installSessionLoader(app, services.db);
  installLicensing(app, services);
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
  app.addHook('preValidation', async (req) => {
    if (req.body !== null && typeof req.body === 'object') stripControlCharsDeep(req.body);
  });

  // CSRF: every state-changing request comes from this site (Sec-Fetch-Site, Origin) and carries
  // the visitor's token, unless its route opts out.
  app.addHook('preHandler', async (req, reply) => {
    if (!UNSAFE.has(req.method) || req.routeOptions.config?.csrf === false) return;
    if (!fromThisSite(req, config.baseUrl) || !csrfValid(req)) {
      throw new HttpError(
        403,
        'csrf',
        'This form has expired or did not come from this site. Reload the page and try again.',
      );
    }
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
        return reply
          .code(status)
          .send({
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

  await app.register(opsRoutes(services));
  await app.register(webRoutes(services));
  await app.register(storyRoutes(services));
  await app.register(licensingRoutes(services));
  await app.register(newsletterRoutes(services));
  await app.register(searchRoutes(services));
  await app.register(memberRoutes(services));
  await app.register(usersAdminRoutes(services));
  await app.register(newsroomRoutes(services));
  await app.register(feedRoutes(services));
  await app.register(adRoutes(services));
  await app.register(cableRoutes(services));
  return app;
}
