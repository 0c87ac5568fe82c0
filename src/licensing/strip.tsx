/** The paywall strip at the top of every story: never blocks, says who pays for what. */
import type { AccessView, PageContext } from '../web/context.ts';
import type { SlotFill } from '../stories/slots.ts';

/** The strip above a story (src/stories/slots.ts): it shows nothing but the page context. */
export function paywallStripFill(ctx: PageContext): SlotFill {
  return { key: '', node: <StoryPaywallStrip key="paywall" ctx={ctx} /> };
}

/** Reads the context while the page renders, as the story page itself does. */
function StoryPaywallStrip({ ctx }: { ctx: PageContext }) {
  return <PaywallStrip access={ctx.access} siteName={ctx.siteName} />;
}

export function PaywallStrip({ access, siteName }: { access: AccessView; siteName: string }) {
  if (access.status === 'licensed' || access.status === 'automated-licensed') {
    return (
      <aside class="paywall-strip licensed" aria-label="Licence status">
        <span>
          <strong>Licensed to {access.organisation?.name ?? 'your organisation'}</strong> — thank
          you for supporting independent journalism.
        </span>
      </aside>
    );
  }
  const firmer = access.status === 'work-unlicensed' || access.status === 'automated-unlicensed';
  return (
    <aside
      class={`paywall-strip ${firmer ? 'work-unlicensed' : 'personal'}`}
      aria-label="Ethical paywall"
    >
      <span>
        <strong>{siteName} has an ethical paywall.</strong>{' '}
        {firmer ? access.notice : 'Free for personal reading — a licence is needed for work use.'}
      </span>
      <span class="actions">
        <a class="button" href="/about/licensing#register">
          Register
        </a>
        <a class="button secondary" href="/about/licensing">
          Learn more
        </a>
      </span>
    </aside>
  );
}
