/**
 * Staged boot shared by `npm start`, `broadsheet serve`, tests and benchmarks:
 * config → database → migrations → demo content → web app.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { connect, type Db } from './platform/db.ts';
import { migrate } from './platform/migrations.ts';
import { loadDemoContent } from './stories/demo.ts';
import { buildApp } from './app.ts';
import { startWorker } from './platform/jobs.ts';
import { newsletterJobs, newsletterService } from './newsletter/service.ts';

export interface Running {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

export async function boot(config: Config): Promise<Running> {
  const db = await connect(config);
  try {
    await migrate(db);
    if (config.demo) await loadDemoContent(db.kysely);
    const app = await buildApp({ config, db });
    const jobs = config.jobs ? startJobs(config, db) : null;
    let closed = false;
    return {
      app,
      db,
      config,
      async close() {
        if (closed) return;
        closed = true;
        await jobs?.stop();
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

/** This process's job worker: every feature's handlers and schedules (JOBS=0 turns it off). */
function startJobs(config: Config, db: Db) {
  const newsletter = newsletterService({ config, db });
  const nl = newsletterJobs(newsletter);
  const worker = startWorker({ db }, { ...nl.handlers }, { schedules: [...nl.schedules] });
  return {
    async stop() {
      await worker.stop();
      await newsletter.close();
    },
  };
}
