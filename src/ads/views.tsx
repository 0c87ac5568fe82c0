/** The advertisement slot: a fixed-size box so reading never jumps; empty for licensed readers. */
import type { VNode } from 'preact';
import type { Ad } from './store.ts';

/** An ad as pages get it: with its signed click-through address. */
export type ShownAd = Ad & { href?: string };

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

/** List items with the ad slot after the third (as its own list item); unchanged without an ad. */
export function withListAd(items: VNode[], ad: ShownAd | null | undefined): VNode[] {
  if (!ad || items.length < 3) return items;
  return [
    ...items.slice(0, 3),
    <li key="ad" class="ad-item">
      <AdSlot ad={ad} />
    </li>,
    ...items.slice(3),
  ];
}
