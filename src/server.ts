/**
 * Staged boot shared by `npm start`, `broadsheet serve`, tests and benchmarks:
 * config → database → migrations → demo content → web app.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { connect, type Db } from './platform/db.ts';
import { migrate } from './platform/migrations.ts';
import { loadDemoContent } from './stories/demo.ts';
import { buildApp, sharedData, type AppServices } from './app.ts';
import { createMailer } from './platform/mail.ts';
import { startWorker, type JobHandler, type Schedule } from './platform/jobs.ts';
import * as newsletter from './newsletter/service.ts';
import * as licensing from './licensing/jobs.ts';
import * as newsroom from './stories/admin-routes.ts';
import { startMetricsServer } from './platform/metrics.ts';

export interface Running {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

/** What tests may set that configuration does not: a clock to move, a cheaper password hash. */
export type BootOptions = Pick<AppServices, 'clock' | 'passwordParams'>;

export async function boot(config: Config, options: BootOptions = {}): Promise<Running> {
  const db = await connect(config);
  try {
    await migrate(db);
    if (config.demo) await loadDemoContent(db.kysely);
    // The app and the job worker share the caches and the mail transport.
    const services: AppServices = {
      config,
      db,
      shared: sharedData(db),
      mailer: createMailer(config),
      ...options,
    };
    const app = await buildApp(services);
    const metricsServer = config.metricsPort
      ? await startMetricsServer(config).catch(async (err) => {
          await app.close();
          throw new Error(`METRICS_PORT ${config.metricsPort}: ${(err as Error).message}`);
        })
      : null;
    const jobs = config.jobs ? startJobs(services, app.log) : null;
    let closed = false;
    return {
      app,
      db,
      config,
      async close() {
        if (closed) return;
        closed = true;
        await jobs?.stop();
        await new Promise<void>((r) => (metricsServer ? metricsServer.close(() => r()) : r()));
        await app.close();
        await services.mailer.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

/**
 * This process's one job worker (JOBS=0 turns it off): every feature's `jobHandlers` and
 * `jobSchedules`, merged here. A feature with background work exports both and is listed below.
 */
export function featureJobs(services: AppServices): {
  handlers: Record<string, JobHandler>;
  schedules: Schedule[];
} {
  const parts = [
    {
      handlers: newsletter.jobHandlers(services),
      schedules: newsletter.jobSchedules(services.config),
    },
    {
      handlers: licensing.jobHandlers(services),
      schedules: licensing.jobSchedules(services.config),
    },
    { handlers: newsroom.jobHandlers(services), schedules: newsroom.jobSchedules() },
  ];
  const handlers: Record<string, JobHandler> = {};
  for (const p of parts) {
    for (const [kind, h] of Object.entries(p.handlers)) {
      if (handlers[kind]) throw new Error(`two features handle the job kind ${kind}`);
      handlers[kind] = h;
    }
  }
  return { handlers, schedules: parts.flatMap((p) => p.schedules) };
}

function startJobs(services: AppServices, log: { error(obj: unknown, msg: string): void }) {
  const { handlers, schedules } = featureJobs(services);
  return startWorker(services, handlers, {
    schedules,
    onError: (err, job) =>
      log.error({ err, job: job ? `${job.kind}#${job.id}` : undefined }, 'job failed'),
  });
}
