/** The newsletter sign-up box shown after the advertisement in stories. */
import type { PageContext } from '../web/context.ts';
import type { SlotFill } from '../stories/slots.ts';

export const NEWSLETTER_NAME = 'The Monday Dispatch';

/**
 * The box in a story (src/stories/slots.ts): it shows nothing but the page context and address.
 * The context is read while the page renders (its CSRF token is made only then, see sendPage).
 */
export function newsletterBoxFill(ctx: PageContext, returnTo: string): SlotFill {
  return { key: '', node: <StoryNewsletterBox key="newsletter" ctx={ctx} returnTo={returnTo} /> };
}

function StoryNewsletterBox({ ctx, returnTo }: { ctx: PageContext; returnTo: string }) {
  return <NewsletterBox csrf={ctx.csrf} returnTo={returnTo} siteName={ctx.siteName} />;
}

export function NewsletterBox({
  csrf,
  returnTo,
  siteName,
}: {
  csrf: string;
  returnTo: string;
  siteName: string;
}) {
  return (
    <section class="newsletter-box" aria-labelledby="newsletter-heading">
      <h2 id="newsletter-heading">Get {NEWSLETTER_NAME}, free</h2>
      <p>
        Our weekly newsletter lands in your inbox every Monday with the best of {siteName}: the
        week's top stories and the most-read cables.
      </p>
      <form method="post" action="/newsletter/subscribe">
        {csrf ? <input type="hidden" name="_csrf" value={csrf} /> : null}
        <input type="hidden" name="return_to" value={returnTo} />
        <label class="visually-hidden" for="newsletter-email">
          Email address
        </label>
        <input
          id="newsletter-email"
          type="email"
          name="email"
          required
          placeholder="you@example.org"
          autoComplete="email"
        />
        <button class="button" type="submit">
          Subscribe
        </button>
      </form>
    </section>
  );
}

/** The newsletter on the member's account page: where the address stands, and one button. */
export function NewsletterAccountBox({
  csrf,
  email,
  status,
}: {
  csrf: string;
  email: string;
  status: 'subscribed' | 'unconfirmed' | 'bounced' | 'none';
}) {
  const on = status === 'subscribed' || status === 'unconfirmed';
  return (
    <section class="newsletter-box account-newsletter" aria-labelledby="account-newsletter-heading">
      <h2 id="account-newsletter-heading">{NEWSLETTER_NAME}</h2>
      <p class="newsletter-status">
        {status === 'subscribed'
          ? `${email} is subscribed: the newsletter arrives every Monday morning.`
          : status === 'unconfirmed'
            ? `${email} is waiting for confirmation: follow the link in the mail we sent to start receiving it.`
            : status === 'bounced'
              ? `Mail to ${email} could not be delivered, so we stopped sending the newsletter.`
              : `${email} is not subscribed. Our weekly newsletter brings the week's top stories and most-read cables every Monday.`}
      </p>
      <form method="post" action="/account/newsletter">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="action" value={on ? 'unsubscribe' : 'subscribe'} />
        <button class={on ? 'button secondary' : 'button'} type="submit">
          {on ? 'Unsubscribe' : status === 'bounced' ? 'Subscribe again' : 'Subscribe'}
        </button>
      </form>
    </section>
  );
}
