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
    let closed = false;
    return {
      app,
      db,
      config,
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
