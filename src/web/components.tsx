/** Small components shared by every feature's pages. */
import type { PageContext } from './context.ts';

/** The hidden field every POST form carries (see src/platform/csrf.ts). */
export function Csrf({ ctx }: { ctx: Pick<PageContext, 'csrf'> }) {
  return <input type="hidden" name="_csrf" value={ctx.csrf} />;
}
