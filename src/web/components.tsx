/** Small components shared by every feature's pages. */
import type { PageContext } from './context.ts';

/**
 * The hidden token field of a signed-in member's POST forms (see src/platform/csrf.ts). A reader
 * without a session has no token: their forms carry none and their pages are the same for everyone.
 */
export function Csrf({ ctx }: { ctx: Pick<PageContext, 'csrf'> }) {
  const token = ctx.csrf;
  return token ? <input type="hidden" name="_csrf" value={token} /> : null;
}

/** The badge on sample content shipped with a new site, after a space (`label`: "Demo content"). */
export function DemoBadge({ label = 'Demo content' }: { label?: string }) {
  return (
    <>
      {' '}
      <span class="badge demo" title="Sample content shipped with a new site">
        {label}
      </span>
    </>
  );
}
