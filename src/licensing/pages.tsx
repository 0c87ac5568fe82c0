/** /about/licensing: what the ethical paywall is, who needs a licence, what it costs, how to get one. */
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';

export interface TierView {
  label: string;
  price: string;
}

/** `tiers` come from the licence tiers stored in the database (seeded from pricing.ts). */
export function LicensingPage({ ctx, tiers }: { ctx: PageContext; tiers: TierView[] }) {
  const s = ctx.siteName;
  return (
    <Layout
      ctx={ctx}
      title="Our ethical paywall"
      description={`${s} is free for personal reading. Organisations that use it for work buy an annual licence.`}
      canonical="/about/licensing"
    >
      <div class="prose">
        <h1>Our ethical paywall</h1>
        <p>
          <strong>Everything on {s} is free to read.</strong> We never hide a story or a cable
          behind a login. Instead we ask organisations that use {s} in their work to pay for it, so
          that independent journalism and a public archive are paid for by those who profit from
          them, not by individual readers.
        </p>
        <h2>Who needs a licence?</h2>
        <p>
          You need a licence if you read {s} as part of your job: government departments, companies,
          law firms, PR and public affairs agencies, media monitors, embassies, NGOs and
          universities. You do not need one to read for your own interest, to study, or as a member
          of the public.
        </p>
        <h2>What does a licence include?</h2>
        <ul>
          <li>
            Every member of staff is covered: by your email domain, your office network, or by
            invitation.
          </li>
          <li>An advertisement-free site for everyone covered.</li>
          <li>Alerts on saved searches of the cable archive and of our stories.</li>
          <li>An API key for licensed automated use, and richer press-release publishing.</li>
        </ul>
        <h2>What does it cost?</h2>
        <p>Licences are annual and priced by the size of your organisation:</p>
        <table>
          <thead>
            <tr>
              <th scope="col">Organisation size</th>
              <th scope="col">Price per year</th>
            </tr>
          </thead>
          <tbody>
            {tiers.map((t) => (
              <tr key={t.label}>
                <td>{t.label}</td>
                <td>{t.price}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2 id="register">How to register</h2>
        <ol>
          <li>
            <a href="/licensing/apply">Apply online</a>: tell us your organisation's name, its size
            and where to send the invoice (you need an account; registering is free).
          </li>
          <li>An editor checks the application and sends an invoice for the tier that fits.</li>
          <li>
            Once it is paid your licence runs for twelve months, and everyone covered sees “Licensed
            to” your organisation.
          </li>
          <li>
            On your organisation's page, add your email domains and office networks, invite
            colleagues and create API keys.
          </li>
        </ol>
        <p>
          <a class="button" href="/licensing/apply">
            Apply for a licence
          </a>
        </p>
        <p>
          Reading for yourself? There is nothing to do: carry on reading, and consider subscribing
          to our free weekly newsletter.
        </p>
        <h2>Automated use and text-and-data mining</h2>
        <p>
          Crawlers for media monitoring and AI training need a licence and an API key. Our responses
          carry the W3C TDMRep reservation headers pointing to this page. Search engines remain
          welcome.
        </p>
      </div>
    </Layout>
  );
}
