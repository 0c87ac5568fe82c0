/**
 * Choosing the ad for a slot: running ads (from the shared two-second cache) allowed in the page's
 * section, one picked by weight, with its signed click address; the impression is counted in memory.
 * Readers whose organisation is licensed (ad-free) get none and count nothing.
 */
import type { Services } from '../platform/services.ts';
import { adsForSection, pickByWeight } from './store.ts';
import { clickSecret, clickUrl, ImpressionCounter } from './tracking.ts';
import type { ShownAd } from './views.tsx';

interface AdServer {
  counter: ImpressionCounter;
  secret(): Promise<string>;
}

const servers = new WeakMap<object, AdServer>();

export function adServer(services: Pick<Services, 'db'>): AdServer {
  let s = servers.get(services.db);
  if (!s) {
    const db = services.db.kysely;
    let secret: Promise<string> | null = null;
    s = {
      counter: new ImpressionCounter(db),
      secret() {
        secret ??= clickSecret(db).catch((err) => {
          secret = null;
          throw err;
        });
        return secret;
      },
    };
    servers.set(services.db, s);
  }
  return s;
}

export async function pickAd(
  services: Pick<Services, 'db' | 'shared'>,
  opts: { section: string | null; adFree: boolean; random?: number },
): Promise<ShownAd | null> {
  if (opts.adFree) return null;
  const ads = adsForSection(await services.shared.ads.get(), opts.section);
  const ad = pickByWeight(ads, opts.random ?? Math.random());
  if (!ad) return null;
  const server = adServer(services);
  server.counter.start();
  server.counter.count(ad.id);
  return {
    ...ad,
    href: clickUrl(await server.secret(), ad.id),
    shownAgain: () => server.counter.count(ad.id),
  };
}
