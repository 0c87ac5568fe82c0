/** Forgetting the newsroom's caches after a change (who may use it is decided in src/platform/policy.ts). */
import type { SharedCache, SharedCaches, Services } from '../platform/services.ts';
import { clearHomePage } from './routes.ts';

/**
 * After any change in the newsroom: this process shows it on the next request (every shared cache
 * is emptied), and whatever features derive from content (the stored sitemaps and feeds) is remade
 * (every process serves the new ones within seconds).
 */
export function storiesChanged(
  services: { shared: SharedCaches } & Partial<Pick<Services, 'contentChanged'>>,
): void {
  for (const cache of Object.values(services.shared) as SharedCache<unknown>[]) cache.clear();
  clearHomePage();
  services.contentChanged?.();
}
