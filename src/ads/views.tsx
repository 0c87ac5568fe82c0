/** The advertisement slot: a fixed-size box so reading never jumps; empty for licensed readers. */
import type { Ad } from './store.ts';
import type { SlotFill } from '../stories/slots.ts';

/** An ad as pages get it: with its signed click-through address. */
/** An ad as a page shows it: its signed click address, and what counts another impression. */
export type ShownAd = Ad & { href?: string; shownAgain?: () => void };

export function AdSlot({ ad }: { ad: ShownAd | null }) {
  if (!ad) return null;
  return (
    <aside class="ad-slot" aria-label="Advertisement">
      <p class="ad-label">Advertisement — scroll to continue reading</p>
      <div class="ad-box">
        <a href={ad.href ?? ad.link_url} rel="sponsored noopener">
          {ad.kind === 'image' && ad.image_url ? (
            <img src={ad.image_url} alt={ad.headline} width={600} height={120} />
          ) : (
            <>
              <span class="ad-headline">{ad.headline}</span>
              <p class="ad-text">{ad.body}</p>
            </>
          )}
        </a>
      </div>
    </aside>
  );
}

/** The render key part of a shown ad: all of it (an edited ad keeps its id). */
function adKey(ad: ShownAd): string {
  return JSON.stringify(ad);
}

/** The ad slot in a story (src/stories/slots.ts), or nothing without an ad. */
export function adFill(ad: ShownAd | null): SlotFill | null {
  return ad ? { key: adKey(ad), node: <AdSlot key="ad" ad={ad} />, shown: ad.shownAgain } : null;
}

/** The ad slot as a story list's own item, or nothing without an ad. */
export function listAdFill(ad: ShownAd | null): SlotFill | null {
  if (!ad) return null;
  return {
    key: adKey(ad),
    shown: ad.shownAgain,
    node: (
      <li key="ad" class="ad-item">
        <AdSlot ad={ad} />
      </li>
    ),
  };
}
