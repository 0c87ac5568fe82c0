/** The advertisement slot: a fixed-size box so reading never jumps; empty for licensed readers. */
import type { Ad } from './store.ts';

export function AdSlot({ ad }: { ad: Ad | null }) {
  if (!ad) return null;
  return (
    <aside class="ad-slot" aria-label="Advertisement">
      <p class="ad-label">Advertisement — scroll to continue reading</p>
      <div class="ad-box">
        <a href={ad.link_url} rel="sponsored">
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
