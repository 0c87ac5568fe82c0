/** Forgetting the newsroom's caches after a change (who may use it is decided in src/platform/policy.ts). */
import type { AppServices } from '../app.ts';
import { clearHomePage } from './routes.ts';

/** After any change in the newsroom: this process shows it on the next request. */
export function newsroomChanged(services: Pick<AppServices, 'shared'>): void {
  services.shared.sections.clear();
  services.shared.partnerItems.clear();
  services.shared.ads.clear();
  clearHomePage();
}
