/** Forgetting the newsroom's caches after a change (who may use it is decided in src/platform/policy.ts). */
import type { AppServices } from '../app.ts';
import { clearHomePage } from './routes.ts';
import { markDocumentsStale } from '../feeds/documents.ts';

/**
 * After any change in the newsroom: this process shows it on the next request, and the stored
 * sitemaps and feeds are remade (every process serves the new ones within seconds).
 */
export function newsroomChanged(
  services: Pick<AppServices, 'shared'> & Partial<Pick<AppServices, 'db'>>,
): void {
  services.shared.sections.clear();
  services.shared.partnerItems.clear();
  services.shared.ads.clear();
  clearHomePage();
  if (services.db) markDocumentsStale(services.db.kysely).catch(() => {});
}
