/**
 * Staged boot shared by `npm start`, `broadsheet serve`, tests and benchmarks:
 * config → database → migrations → demo content → web app.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { connect, type Db } from './platform/db.ts';
import { loadDemoContent } from './demo.ts';
import { buildApp } from './app.ts';
import { createMailer } from './platform/mail.ts';
import { startWorker } from './platform/jobs.ts';
import type { ServiceOptions, Services } from './platform/services.ts';
import { startMetricsServer } from './platform/metrics.ts';
import { contentChangedFor, featureJobs, migrate, sharedData } from './features.ts';

export { featureJobs };

export interface Running {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

/** What tests may set that configuration does not: a clock to move, a cheaper password hash. */
export type BootOptions = ServiceOptions;

export async function boot(config: Config, options: BootOptions = {}): Promise<Running> {
  // The server's writes never checkpoint the WAL on the event loop (src/platform/checkpoint.ts).
  const db = await connect(config, { checkpointInBackground: true });
  try {
    await migrate(db);
    if (config.demo) await loadDemoContent(db.kysely);
    // The app and the job worker share the caches and the mail transport.
    const services: Services = {
      config,
      db,
      shared: sharedData(db),
      mailer: createMailer(config),
      contentChanged: contentChangedFor(db),
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

function startJobs(services: Services, log: { error(obj: unknown, msg: string): void }) {
  const { handlers, schedules } = featureJobs(services);
  return startWorker(services, handlers, {
    schedules,
    onError: (err, job) =>
      log.error({ err, job: job ? `${job.kind}#${job.id}` : undefined }, 'job failed'),
  });
}
