/** Error pages and the terms of use. */
import type { PageContext } from './context.ts';
import { Layout } from './layout.tsx';

const ERROR_TEXT: Record<number, { title: string; text: string }> = {
  400: {
    title: 'That request could not be understood',
    text: 'Something in the address or the form was not valid.',
  },
  403: {
    title: 'That action was refused',
    text: 'The form may have expired. Go back, reload the page and try again.',
  },
  404: {
    title: 'Page not found',
    text: 'There is nothing at this address. It may have moved, or the link may be mistyped.',
  },
  429: { title: 'Too many requests', text: 'Please wait a moment before trying again.' },
  500: {
    title: 'Something went wrong on our side',
    text: 'The error has been logged. Please try again in a moment.',
  },
  503: {
    title: 'Temporarily unavailable',
    text: 'The site cannot reach its database right now. Please try again shortly.',
  },
};

export function ErrorPage({
  ctx,
  status,
  message,
}: {
  ctx: PageContext;
  status: number;
  message?: string;
}) {
  const t = ERROR_TEXT[status] ?? ERROR_TEXT[500];
  return (
    <Layout ctx={ctx} title={t.title} noindex>
      <div class="error-page">
        <h1>{t.title}</h1>
        <p>{message ?? t.text}</p>
        <p>
          <a href="/">Go to the front page</a>
        </p>
      </div>
    </Layout>
  );
}

export function MessagePage({
  ctx,
  title,
  kind,
  children,
}: {
  ctx: PageContext;
  title: string;
  kind: 'ok' | 'error';
  children?: preact.ComponentChildren;
}) {
  return (
    <Layout ctx={ctx} title={title} noindex>
      <div class="prose">
        <h1>{title}</h1>
        <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
          {children}
        </div>
      </div>
    </Layout>
  );
}

export function TermsPage({ ctx }: { ctx: PageContext }) {
  const s = ctx.siteName;
  return (
    <Layout ctx={ctx} title="Terms of use" canonical="/terms">
      <div class="prose">
        <h1>Terms of use</h1>
        <p>
          These terms cover your use of {s}, its stories, its archive of diplomatic cables and its
          feeds. By reading or using the site you accept them.
        </p>
        <h2>Personal reading is free</h2>
        <p>
          Anyone may read, search and share links to everything on {s} for personal, non-commercial
          purposes: private interest, study, and reading the news. There is no charge and nothing is
          hidden.
        </p>
        <h2>Work use needs a licence</h2>
        <p>
          If you use {s} in the course of your work — for a government body, company, law firm,
          agency, media monitor, non-profit or university — your organisation needs an annual
          licence. See <a href="/about/licensing">Licensing</a> for who needs one, what it costs and
          what it includes.
        </p>
        <h2>Automated access</h2>
        <p>
          Systematic copying, media monitoring and text-and-data mining (including training of
          machine-learning models) are reserved and need a licence and an API key. Search engines
          may index the site.
        </p>
        <h2>Copyright</h2>
        <p>
          Stories are © {s} or their stated source and are published here with permission. Cables
          are government documents republished in the public interest; our presentation, headlines
          and metadata are © {s}. Partner headlines belong to their publishers and link to the
          originals.
        </p>
        <h2>Privacy</h2>
        <p>
          We keep only what we need to run the service: your account details if you register, your
          email address if you subscribe to the newsletter, and per-organisation usage counts. We do
          not keep raw IP addresses beyond the request.
        </p>
        <h2>Contact</h2>
        <p>
          Questions about these terms or about licensing can be sent to the editors through the
          licensing page.
        </p>
      </div>
    </Layout>
  );
}
