/** What the newsroom's route modules share: the database, page rendering and mail for decisions. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JSX } from 'preact';
import type { Services } from '../../platform/services.ts';
import { sendPage } from '../../platform/http.ts';
import { pageContext } from '../../web/context.ts';
import type { PageContext } from '../../web/context.ts';
import type { DecisionDeps } from '../press-releases.ts';

export interface NewsroomKit {
  services: Services;
  db: Services['db']['kysely'];
  /** A newsroom page (never stored by caches); `status` 400 for a refused form. */
  page: (
    req: FastifyRequest,
    reply: FastifyReply,
    build: (ctx: PageContext) => JSX.Element | Promise<JSX.Element>,
    status?: number,
  ) => Promise<FastifyReply>;
  decisionDeps: (log: DecisionDeps['log']) => DecisionDeps;
}

export function newsroomKit(services: Services): NewsroomKit {
  const db = services.db.kysely;
  return {
    services,
    db,
    page: async (req, reply, build, status = 200) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, await build(ctx), { status, cache: 'no-store' });
    },
    decisionDeps: (log) => ({
      db,
      mailer: services.mailer,
      siteName: services.config.siteName,
      baseUrl: services.config.baseUrl,
      log,
    }),
  };
}

/** A number from the address (`/admin/stories/12`); 0 when it is not one, which finds nothing. */
export const idParam = (v: string): number => (/^\d{1,12}$/.test(v) ? Number(v) : 0);
