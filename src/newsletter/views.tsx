/** The newsletter sign-up box shown after the advertisement in stories. */
export const NEWSLETTER_NAME = 'The Monday Dispatch';

export function NewsletterBox({ csrf, returnTo, siteName }: { csrf: string; returnTo: string; siteName: string }) {
  return (
    <section class="newsletter-box" aria-labelledby="newsletter-heading">
      <h2 id="newsletter-heading">Get {NEWSLETTER_NAME}, free</h2>
      <p>
        Our weekly newsletter lands in your inbox every Monday with the best of {siteName}: the week's top stories and the
        most-read cables.
      </p>
      <form method="post" action="/newsletter/subscribe">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="return_to" value={returnTo} />
        <label class="visually-hidden" for="newsletter-email">
          Email address
        </label>
        <input id="newsletter-email" type="email" name="email" required placeholder="you@example.org" autoComplete="email" />
        <button class="button" type="submit">
          Subscribe
        </button>
      </form>
    </section>
  );
}
