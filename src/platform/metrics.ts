/**
 * What operators watch: Prometheus metrics, liveness and readiness.
 *
 * - `/metrics` (Prometheus text format) serves prom-client's default registry: the process metrics,
 *   the request latency histogram (route pattern, method, status class), and gauges read from the
 *   database at scrape time (job backlog per kind, running cable imports, newsletter deliveries
 *   by outcome). Other features register their own metrics in the same registry. It is served only
 *   when configured: with METRICS_TOKEN on the site's port to requests carrying
 *   `Authorization: Bearer <token>`, and/or on METRICS_PORT, a separate listener bound to
 *   127.0.0.1 that serves nothing else. Without either, `/metrics` answers 404.
 * - `/livez`: the process answers (no database, no other work).
 * - `/readyz`: the database answers, every migration is applied, and each registered check (search)
 *   is usable, possibly degraded; JSON with each check; 503 when one fails.
 *
 * The database-derived gauges count the whole database (every process of a fleet sees the same
 * values): aggregate them across instances with max(), not sum().
 */
import { createServer, type Server } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import client from 'prom-client';
import type { MigrationCatalogue, Services } from './services.ts';
import type { Config } from '../config.ts';
import { peekSlowest, ping, sqliteLockStats, takeSlowest, type Db } from './db.ts';

export const registry = client.register;

const DELIVERY_OUTCOMES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'bounced',
  'unknown',
  'skipped',
] as const;
const IMPORT_OUTCOMES = ['new', 'updated', 'unchanged', 'skipped'] as const;

/** The database the scrape-time gauges read: the app that installed the routes last. */
let source: Db | null = null;

function metric<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * A gauge read from the database at scrape time. When the database does not answer, the gauge is
 * left out of the scrape (see /readyz) instead of showing stale or zero values.
 */
function dbGauge(
  name: string,
  help: string,
  labelNames: string[],
  read: (db: Db, set: (labels: Record<string, string>, value: number) => void) => Promise<void>,
): void {
  metric(
    name,
    () =>
      new client.Gauge({
        name,
        help,
        labelNames,
        async collect() {
          this.reset();
          const db = source;
          if (!db) return;
          try {
            await read(db, (labels, value) => this.set(labels, value));
          } catch {
            this.reset();
          }
        },
      }),
  );
}

/** The process's metrics, created once however many apps the process builds. */
function metrics() {
  if (!registry.getSingleMetric('process_cpu_user_seconds_total'))
    client.collectDefaultMetrics({ register: registry });
  const requests = metric(
    'broadsheet_http_request_duration_seconds',
    () =>
      new client.Histogram({
        name: 'broadsheet_http_request_duration_seconds',
        help: 'Time to answer a request, by route pattern, method and status class.',
        labelNames: ['route', 'method', 'status'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  );
  dbGauge(
    'broadsheet_job_backlog',
    'Jobs that are due and not yet done, by kind and status (queued, running).',
    ['kind', 'status'],
    async (db, set) => {
      const rows = await db.kysely
        .selectFrom('jobs')
        .select(['kind', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('status', 'in', ['queued', 'running'])
        .where('run_at', '<=', new Date().toISOString())
        .groupBy(['kind', 'status'])
        .execute();
      for (const r of rows) set({ kind: r.kind, status: r.status }, Number(r.n));
    },
  );
  dbGauge(
    'broadsheet_job_oldest_due_seconds',
    'How long the oldest due, queued job of each kind has waited.',
    ['kind'],
    async (db, set) => {
      const now = new Date();
      const rows = await db.kysely
        .selectFrom('jobs')
        .select(['kind', (eb) => eb.fn.min('run_at').as('oldest')])
        .where('status', '=', 'queued')
        .where('run_at', '<=', now.toISOString())
        .groupBy('kind')
        .execute();
      for (const r of rows)
        set({ kind: r.kind }, Math.max(0, (now.getTime() - Date.parse(String(r.oldest))) / 1000));
    },
  );
  dbGauge(
    'broadsheet_cable_imports_running',
    'Dashboard cable imports queued or running.',
    ['status'],
    async (db, set) => {
      const rows = await db.kysely
        .selectFrom('cable_uploads')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('status', 'in', ['queued', 'running'])
        .groupBy('status')
        .execute();
      set({ status: 'queued' }, 0);
      set({ status: 'running' }, 0);
      for (const r of rows) set({ status: r.status }, Number(r.n));
    },
  );
  dbGauge(
    'broadsheet_cable_import_progress',
    'Running dashboard cable imports: bytes read and to read, and records by outcome so far.',
    ['measure'],
    async (db, set) => {
      const rows = await db.kysely
        .selectFrom('cable_uploads')
        .select(['progress', 'size'])
        .where('status', '=', 'running')
        .execute();
      const totals: Record<string, number> = { bytes_done: 0, bytes_total: 0 };
      for (const o of IMPORT_OUTCOMES) totals[`records_${o}`] = 0;
      for (const r of rows) {
        let p: Record<string, unknown> = {};
        try {
          p = r.progress ? (JSON.parse(r.progress) as Record<string, unknown>) : {};
        } catch {
          p = {};
        }
        totals.bytes_done += Number(p.bytesDone) || 0;
        totals.bytes_total += Number(p.bytesTotal) || Number(r.size) || 0;
        for (const o of IMPORT_OUTCOMES) totals[`records_${o}`] += Number(p[o]) || 0;
      }
      for (const [measure, v] of Object.entries(totals)) set({ measure }, v);
    },
  );
  dbGauge(
    'broadsheet_newsletter_deliveries',
    'Newsletter deliveries by outcome ("unknown": the SMTP server may or may not have taken the message).',
    ['outcome'],
    async (db, set) => {
      const rows = await db.kysely
        .selectFrom('newsletter_deliveries')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('status')
        .execute();
      for (const o of DELIVERY_OUTCOMES) set({ outcome: o }, 0);
      for (const r of rows) set({ outcome: r.status }, Number(r.n));
    },
  );
  sqliteCounter(
    'broadsheet_sqlite_lock_waits_total',
    "SQLite: statements of this process's connection that found the write lock taken and waited for it (on a timer, not on the event loop).",
    () => sqliteLockStats.waits,
  );
  sqliteCounter(
    'broadsheet_sqlite_lock_wait_seconds_total',
    'SQLite: seconds those statements waited for the write lock.',
    () => sqliteLockStats.waitSeconds,
  );
  sqliteCounter(
    'broadsheet_sqlite_lock_timeouts_total',
    'SQLite: statements that gave up waiting for the write lock (SQLITE_BUSY after 5 s).',
    () => sqliteLockStats.timeouts,
  );
  sqliteCounter(
    'broadsheet_sqlite_statement_seconds_total',
    "SQLite: seconds the event loop spent inside this process's connection's statements.",
    () => sqliteLockStats.statementSeconds,
  );
  metric(
    'broadsheet_sqlite_slowest_statement_seconds',
    () =>
      new client.Gauge({
        name: 'broadsheet_sqlite_slowest_statement_seconds',
        help: "SQLite: the slowest statement of this process's connection since the previous scrape (the event loop waited that long).",
        collect() {
          this.set(peekSlowest().seconds);
        },
      }),
  );
  // Collected after the gauge above (registration order), which it resets for the next scrape.
  metric(
    'broadsheet_sqlite_slowest_statement_info',
    () =>
      new client.Gauge({
        name: 'broadsheet_sqlite_slowest_statement_info',
        help: 'SQLite: which statement was the slowest since the previous scrape (its first 120 characters; the value is its seconds).',
        labelNames: ['statement'],
        collect() {
          this.reset();
          const s = takeSlowest();
          if (s.sql) this.set({ statement: s.sql.replace(/\s+/g, ' ') }, s.seconds);
        },
      }),
  );
  return { requests };
}

/** A counter read from the SQLite connection's own tallies at scrape time. */
function sqliteCounter(name: string, help: string, read: () => number): void {
  metric(
    name,
    () =>
      new client.Counter({
        name,
        help,
        collect() {
          this.reset();
          this.inc(read());
        },
      }),
  );
}

/** The registry in Prometheus text format; a gauge that cannot read the database is left out. */
export async function metricsText(): Promise<string> {
  return registry.metrics();
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** True when the request carries `Authorization: Bearer <METRICS_TOKEN>`. */
export function metricsAuthorised(req: Pick<FastifyRequest, 'headers'>, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
  return !!m && sameSecret(m[1], token);
}

/**
 * True when the request carries `X-Metrics-Token: <METRICS_TOKEN>`: an operator asking a page for
 * its own timings (`Server-Timing`), on a route whose `Authorization` header means something else
 * (an API key).
 */
export function operatorTimingAsked(req: Pick<FastifyRequest, 'headers'>, token: string): boolean {
  const h = req.headers['x-metrics-token'];
  return typeof h === 'string' && h.length > 0 && sameSecret(h, token);
}

type Check = () => Promise<{ ok: boolean; degraded?: boolean } & Record<string, unknown>>;
const checks = new WeakMap<Db, Map<string, Check>>();

/** Adds a readiness check for the app using `db` (a feature's own: search, for one). */
export function addReadinessCheck(
  services: Pick<Services, 'db'>,
  name: string,
  check: Check,
): void {
  let m = checks.get(services.db);
  if (!m) checks.set(services.db, (m = new Map()));
  m.set(name, check);
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; degraded?: boolean } & Record<string, unknown>>;
}

/** Migrations known to this build that the database has not recorded as applied. */
async function pendingMigrations(db: Db, migrationsFor: MigrationCatalogue): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db.kysely);
  const applied = new Set(rows.rows.map((r) => r.name));
  return Object.keys(migrationsFor(db.engine)).filter((n) => !applied.has(n));
}

export async function readiness(
  db: Db,
  migrationsFor: MigrationCatalogue,
  onError: (check: string, err: unknown) => void = () => {},
): Promise<Readiness> {
  const out: Readiness['checks'] = {};
  const started = performance.now();
  const up = await ping(db);
  out.database = { ok: up, engine: db.engine, ms: Math.round(performance.now() - started) };
  if (up) {
    try {
      const pending = await pendingMigrations(db, migrationsFor);
      out.migrations = { ok: pending.length === 0, pending };
    } catch (err) {
      onError('migrations', err);
      out.migrations = { ok: false, error: 'the migration table cannot be read' };
    }
  } else {
    out.migrations = { ok: false, error: 'the database does not answer' };
  }
  for (const [name, check] of checks.get(db) ?? []) {
    try {
      out[name] = await check();
    } catch (err) {
      // The endpoint is public: the reason goes to the log, not into the answer.
      onError(name, err);
      out[name] = { ok: false, error: 'the check failed' };
    }
  }
  return { ready: Object.values(out).every((c) => c.ok), checks: out };
}

/** Times every request into the latency histogram (route pattern, not the address: bounded labels). */
export function installRequestMetrics(app: FastifyInstance): void {
  const { requests } = metrics();
  // A plain callback, not an async function: every request passes it.
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? '(unmatched)';
    requests.observe(
      { route, method: req.method, status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** /livez, /readyz and (when configured) /metrics on the site's port. */
export function opsRoutes(services: Services, migrations: MigrationCatalogue): FastifyPluginAsync {
  return async (app) => {
    metrics();
    source = services.db;
    app.addHook('onClose', async () => {
      if (source === services.db) source = null;
    });

    // Access: public (load balancers); answers without the database.
    app.get('/livez', { config: { policy: 'public', database: false } }, async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    });

    // Access: public (load balancers); says which check failed, never more.
    app.get('/readyz', { config: { policy: 'public', database: false } }, async (req, reply) => {
      const r = await readiness(services.db, migrations, (check, err) =>
        req.log.warn({ err, check }, 'readiness check failed'),
      );
      reply.header('cache-control', 'no-store');
      return reply
        .code(r.ready ? 200 : 503)
        .send({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
    });

    // Access: operators holding METRICS_TOKEN (Bearer), checked here like a link carrying its own
    // token (policy 'public'). Without a token the route does not exist (404).
    const token = services.config.metricsToken;
    if (token) {
      app.get(
        '/metrics',
        { config: { policy: 'public', database: false, csrf: false } },
        async (req, reply) => {
          reply.header('cache-control', 'no-store');
          if (!metricsAuthorised(req, token)) {
            return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({
              error: 'unauthorized',
              message: 'Send Authorization: Bearer <METRICS_TOKEN>.',
            });
          }
          return reply.type(registry.contentType).send(await metricsText());
        },
      );
    }
  };
}

/**
 * METRICS_PORT: a listener on 127.0.0.1 that answers GET /metrics and nothing else (for a scraper
 * on the same host or a sidecar). The token, when set, is required here too.
 */
export async function startMetricsServer(
  config: Pick<Config, 'metricsPort' | 'metricsToken'>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Only GET /metrics is served here.\n');
      return;
    }
    if (config.metricsToken && !metricsAuthorised({ headers: req.headers }, config.metricsToken)) {
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer realm="metrics"',
          'content-type': 'text/plain; charset=utf-8',
        })
        .end('Send Authorization: Bearer <METRICS_TOKEN>.\n');
      return;
    }
    metricsText().then(
      (body) =>
        res
          .writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
          .end(req.method === 'HEAD' ? undefined : body),
      () =>
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('The metrics could not be collected.\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort!, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
