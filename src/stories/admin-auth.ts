/** Who may use the newsroom (/admin): editors and admins. And forgetting caches after a change. */
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app.ts';
import { HttpError } from '../platform/http.ts';
import { clearHomePage } from './routes.ts';
import { markDocumentsStale } from '../feeds/documents.ts';

export function isEditor(role: string | undefined | null): boolean {
  return role === 'editor' || role === 'admin';
}

/**
 * Adds the check to every route of the plugin it is called in: anonymous visitors are sent to log
 * in (and back), signed-in readers get a 403 page.
 */
export function editorsOnly(app: FastifyInstance): void {
  app.addHook('preHandler', async (req, reply) => {
    if (!req.member) {
      if (req.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      throw new HttpError(403, 'forbidden', 'Log in as an editor to do that.');
    }
    if (!isEditor(req.member.role)) throw new HttpError(403, 'forbidden', 'The newsroom is for editors. Your account can read and submit press releases, but not edit the site.');
    reply.header('cache-control', 'no-store');
  });
}

/**
 * After any change in the newsroom: this process shows it on the next request, and the stored
 * sitemaps and feeds are remade (every process serves the new ones within seconds).
 */
export function newsroomChanged(services: Pick<AppServices, 'shared'> & Partial<Pick<AppServices, 'db'>>): void {
  services.shared.sections.clear();
  services.shared.partnerItems.clear();
  services.shared.ads.clear();
  clearHomePage();
  if (services.db) markDocumentsStale(services.db.kysely).catch(() => {});
}
