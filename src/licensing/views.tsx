/** Licensing pages: the application form, the editors' queue, invoices, organisation pages, leads, alerts. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatMoney } from './pricing.ts';
import { KIND_LABELS, ORGANISATION_KINDS } from './schema.ts';
import type {
  ApiKeyRow,
  DomainRow,
  InvitationRow,
  InvoiceRow,
  LicenceRow,
  NetworkRow,
  OrganisationRow,
  SavedSearchRow,
  TierRow,
} from './store.ts';
import type { InvoiceView } from './invoice.ts';
import { NO_PAYMENT_DETAILS, type PaymentInstructions } from './payment.ts';
import { DOMAIN_CLAIM_DAYS, domainState, formatDay, TXT_PREFIX } from './service.ts';
import { Csrf } from '../web/components.tsx';

export function Notices({ notice, error }: { notice?: string | null; error?: string | null }) {
  return (
    <>
      {error ? (
        <div class="notice error" role="alert">
          {error}
        </div>
      ) : null}
      {notice ? (
        <div class="notice ok" role="status">
          {notice}
        </div>
      ) : null}
    </>
  );
}

function PostButton({
  ctx,
  action,
  label,
  confirm: _c,
  children,
}: {
  ctx: PageContext;
  action: string;
  label: string;
  confirm?: string;
  children?: ComponentChildren;
}) {
  return (
    <form method="post" action={action} class="inline-form">
      <Csrf ctx={ctx} />
      {children}
      <button type="submit">{label}</button>
    </form>
  );
}

export function tierPrice(t: Pick<TierRow, 'annual_price_cents' | 'currency'>): string {
  return t.annual_price_cents === null
    ? 'By negotiation'
    : formatMoney(t.annual_price_cents, t.currency).replace(/\.00$/, '');
}

export interface ApplyValues {
  name: string;
  kind: string;
  tier: string;
  contact_email: string;
  note: string;
}

export function ApplyPage({
  ctx,
  tiers,
  values,
  error,
  renewing,
}: {
  ctx: PageContext;
  tiers: TierRow[];
  values: ApplyValues;
  error?: string | null;
  renewing?: OrganisationRow | null;
}) {
  const action = renewing ? `/licensing/apply?organisation=${renewing.id}` : '/licensing/apply';
  return (
    <Layout
      ctx={ctx}
      title={renewing ? `Renew the licence of ${renewing.name}` : 'Apply for a licence'}
      noindex
    >
      <div class="prose auth">
        <h1>{renewing ? `Renew the licence of ${renewing.name}` : 'Apply for a licence'}</h1>
        <p>
          Tell us about your organisation. An editor checks the application and sends an invoice for
          the tier that fits; once it is paid, the licence runs for twelve months. You become the
          organisation’s administrator.
        </p>
        <Notices error={error} />
        <form method="post" action={action} class="auth-form">
          <Csrf ctx={ctx} />
          <p class="field">
            <label for="name">Organisation name</label>
            <input
              id="name"
              name="name"
              value={values.name}
              required
              maxLength={200}
              autoComplete="organization"
            />
          </p>
          <p class="field">
            <label for="kind">Kind of organisation</label>
            <select id="kind" name="kind" required>
              {ORGANISATION_KINDS.map((k) => (
                <option value={k} selected={values.kind === k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </p>
          <p class="field">
            <label for="tier">Staff</label>
            <select id="tier" name="tier" required>
              {tiers.map((t) => (
                <option value={t.id} selected={values.tier === t.id}>
                  {t.label} — {tierPrice(t)}
                  {t.annual_price_cents === null ? '' : ' a year'}
                </option>
              ))}
            </select>
          </p>
          <p class="field">
            <label for="contact_email">Contact email for invoices and reminders</label>
            <input
              id="contact_email"
              name="contact_email"
              type="email"
              value={values.contact_email}
              required
              maxLength={254}
              autoComplete="email"
            />
          </p>
          <p class="field">
            <label for="note">Anything we should know (optional)</label>
            <textarea id="note" name="note" maxLength={2000} rows={3}>
              {values.note}
            </textarea>
          </p>
          <p>
            <button type="submit">{renewing ? 'Apply for renewal' : 'Apply'}</button>
          </p>
        </form>
      </div>
    </Layout>
  );
}

type QueueRow = {
  id: number;
  status: string;
  tier_id: string;
  note: string;
  created_at: string;
  expires_at: string | null;
  organisation_id: number;
  organisation_name: string;
  kind: string;
  contact_email: string;
  applicant_email: string | null;
  invoice_number: string | null;
  invoice_status: string | null;
  total_cents: number | null;
  currency: string | null;
};

export interface PendingNetworkRow {
  id: number;
  cidr: string;
  label: string;
  created_at: string;
  organisation_id: number;
  organisation_name: string;
  approved_at: string | null;
  /** Approved ranges of other organisations this one overlaps, as "cidr (name)". */
  overlaps: string[];
}

export function AdminLicensingPage({
  ctx,
  queue,
  tiers,
  taxRate,
  networks = [],
  isAdmin,
  notice,
  error,
  paymentConfigured = true,
}: {
  ctx: PageContext;
  paymentConfigured?: boolean;
  queue: QueueRow[];
  tiers: TierRow[];
  taxRate: number;
  networks?: PendingNetworkRow[];
  isAdmin: boolean;
  notice?: string | null;
  error?: string | null;
}) {
  const tierLabel = (id: string) => tiers.find((t) => t.id === id)?.label ?? id;
  const applied = queue.filter((q) => q.status === 'applied');
  const invoiced = queue.filter((q) => q.status === 'invoiced');
  const rest = queue.filter((q) => q.status !== 'applied' && q.status !== 'invoiced');
  return (
    <Layout ctx={ctx} title="Licensing" noindex>
      <div class="licensing-admin">
        <h1>Licensing</h1>
        <p>
          <a href="/admin/licensing/leads">Leads: unlicensed organisations using the site</a>
        </p>
        <Notices notice={notice} error={error} />
        {paymentConfigured ? null : (
          <p class="notice partial setup-warning">{NO_PAYMENT_DETAILS}</p>
        )}
        <h2>Applications waiting for approval ({applied.length})</h2>
        {applied.length === 0 ? <p>None.</p> : null}
        <table class="data">
          <tbody>
            {applied.map((q) => (
              <tr id={`licence-${q.id}`}>
                <td>
                  <a href={`/org/${q.organisation_id}`}>{q.organisation_name}</a> (
                  {KIND_LABELS[q.kind as keyof typeof KIND_LABELS] ?? q.kind}),{' '}
                  {tierLabel(q.tier_id)}
                  <br />
                  <small>
                    by {q.applicant_email ?? 'the command line'} on {formatDay(q.created_at)};
                    invoices to {q.contact_email}
                    {q.note ? ` — “${q.note}”` : ''}
                  </small>
                </td>
                <td>
                  <PostButton
                    ctx={ctx}
                    action={`/admin/licensing/${q.id}/approve`}
                    label="Approve and send invoice"
                  >
                    {q.tier_id === 'negotiated' ? (
                      <label>
                        Agreed annual price (USD){' '}
                        <input name="price" inputMode="decimal" required size={8} />
                      </label>
                    ) : null}
                  </PostButton>{' '}
                  <PostButton
                    ctx={ctx}
                    action={`/admin/licensing/${q.id}/reject`}
                    label="Decline"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2 id="networks">Network ranges waiting for approval ({networks.length})</h2>
        <p>
          A range counts only once approved. Check that the addresses belong to the organisation
          (its IT department, the registry's records) before approving.
        </p>
        {networks.length === 0 ? <p>None.</p> : null}
        <table class="data">
          <tbody>
            {networks.map((n) => (
              <tr id={`network-${n.id}`}>
                <td>
                  <code>{n.cidr}</code> {n.label ? `(${n.label})` : ''} for{' '}
                  <a href={`/org/${n.organisation_id}`}>{n.organisation_name}</a>
                  <br />
                  <small>
                    added on {formatDay(n.created_at)}
                    {n.approved_at ? '' : '; the organisation itself is not approved yet'}
                  </small>
                  {n.overlaps.length ? (
                    <p class="notice error">
                      Overlaps {n.overlaps.join(', ')}, approved for another organisation: it cannot
                      be approved.
                    </p>
                  ) : null}
                </td>
                <td>
                  {n.overlaps.length ? null : (
                    <PostButton
                      ctx={ctx}
                      action={`/admin/licensing/networks/${n.id}/approve`}
                      label="Approve"
                    />
                  )}{' '}
                  <PostButton
                    ctx={ctx}
                    action={`/admin/licensing/networks/${n.id}/refuse`}
                    label="Refuse"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Invoices waiting for payment ({invoiced.length})</h2>
        {invoiced.length === 0 ? <p>None.</p> : null}
        <table class="data">
          <tbody>
            {invoiced.map((q) => (
              <tr id={`invoice-${q.invoice_number}`}>
                <td>
                  <a href={`/licensing/invoices/${q.invoice_number}`}>{q.invoice_number}</a> —{' '}
                  {q.organisation_name},{' '}
                  {q.total_cents !== null && q.currency
                    ? formatMoney(q.total_cents, q.currency)
                    : ''}
                </td>
                <td>
                  {isAdmin ? (
                    <PostButton
                      ctx={ctx}
                      action={`/admin/licensing/invoices/${q.invoice_number}/paid`}
                      label="Record payment"
                    >
                      <label>
                        Reference <input name="reference" size={14} maxLength={200} />
                      </label>
                    </PostButton>
                  ) : (
                    <small>An administrator records the payment.</small>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>All licences</h2>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Status</th>
              <th scope="col">Until</th>
              <th scope="col">Invoice</th>
            </tr>
          </thead>
          <tbody>
            {rest.map((q) => (
              <tr>
                <td>
                  <a href={`/org/${q.organisation_id}`}>{q.organisation_name}</a>
                </td>
                <td>{q.status}</td>
                <td>{q.expires_at ? formatDay(q.expires_at) : '—'}</td>
                <td>
                  {q.invoice_number ? (
                    <a href={`/licensing/invoices/${q.invoice_number}`}>{q.invoice_number}</a>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Tax</h2>
        {isAdmin ? (
          <form method="post" action="/admin/licensing/settings" class="inline-form">
            <Csrf ctx={ctx} />
            <label for="tax_rate">Tax rate on new invoices (%)</label>{' '}
            <input
              id="tax_rate"
              name="tax_rate"
              value={String(taxRate)}
              size={6}
              inputMode="decimal"
            />{' '}
            <button type="submit">Save</button>
          </form>
        ) : (
          <p>New invoices charge tax at {taxRate} %.</p>
        )}
      </div>
    </Layout>
  );
}

/** How to pay the invoice (or, when nothing is set, whom to contact; staff are told to set it). */
function PaymentBox({
  v,
  pay,
  staff,
}: {
  v: InvoiceView;
  pay: PaymentInstructions;
  staff: boolean;
}) {
  if (v.status === 'paid') return <p>Thank you: this invoice was paid on {v.paid}.</p>;
  return (
    <section class="invoice-payment">
      <h2>How to pay</h2>
      {staff && !pay.configured ? (
        <p class="notice partial setup-warning">{NO_PAYMENT_DETAILS}</p>
      ) : null}
      {pay.configured ? (
        <>
          <p>
            Payment is due by <strong>{v.due}</strong>. Please quote{' '}
            <strong>{pay.reference}</strong> as the payment reference.
          </p>
          {pay.bank.length ? (
            <dl class="account-facts">
              {pay.bank.map(([k, val]) => (
                <>
                  <dt>{k}</dt>
                  <dd>{val}</dd>
                </>
              ))}
              <dt>Reference</dt>
              <dd>{pay.reference}</dd>
            </dl>
          ) : null}
          {pay.link ? (
            <p>
              <a class="button" href={pay.link} rel="noopener">
                Pay online
              </a>
            </p>
          ) : null}
          {pay.note ? <p>{pay.note}</p> : null}
          <p>Questions about this invoice: {pay.contact}.</p>
        </>
      ) : (
        <p>
          Payment is due by <strong>{v.due}</strong>. To pay, contact {pay.contact} and quote{' '}
          <strong>{pay.reference}</strong>: we will send you the payment details.
        </p>
      )}
      <p>The licence runs for twelve months from the day the payment is recorded.</p>
    </section>
  );
}

export function InvoicePage({
  ctx,
  v,
  siteName,
  pay,
}: {
  ctx: PageContext;
  v: InvoiceView;
  siteName: string;
  pay: PaymentInstructions;
}) {
  return (
    <Layout ctx={ctx} title={`Invoice ${v.number}`} noindex>
      <article class="invoice">
        <header>
          <p class="invoice-from">{siteName}</p>
          <h1>Invoice {v.number}</h1>
          <p class="invoice-status">
            {v.status === 'paid'
              ? `Paid on ${v.paid}`
              : v.status === 'open'
                ? `Due on ${v.due}`
                : v.status}
          </p>
        </header>
        <dl class="account-facts">
          <dt>Issued</dt>
          <dd>{v.issued}</dd>
          <dt>Due</dt>
          <dd>{v.due}</dd>
          <dt>Bill to</dt>
          <dd>
            {v.organisation.name}
            <br />
            {v.organisation.contact}
          </dd>
        </dl>
        <table class="data invoice-lines">
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">Qty</th>
              <th scope="col">Unit price</th>
              <th scope="col">Amount</th>
            </tr>
          </thead>
          <tbody>
            {v.lines.map((l) => (
              <tr>
                <td>{l.description}</td>
                <td class="num">{l.quantity}</td>
                <td class="num">{l.unit}</td>
                <td class="num">{l.amount}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Subtotal
              </th>
              <td class="num">{v.subtotal}</td>
            </tr>
            <tr>
              <th scope="row" colSpan={3}>
                Tax at {v.taxRate}
              </th>
              <td class="num">{v.tax}</td>
            </tr>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td class="num">
                <strong>{v.total}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
        <PaymentBox
          v={v}
          pay={pay}
          staff={ctx.member?.role === 'admin' || ctx.member?.role === 'editor'}
        />
        <p class="no-print">
          <a href={`/licensing/invoices/${v.number}.pdf`}>Download as PDF</a>
        </p>
      </article>
    </Layout>
  );
}

export interface UsagePoint {
  day: string;
  covered: number;
  uncovered: number;
}

/** Page views per day as a bar chart (server-rendered SVG, no script). */
export function UsageChart({ points, days }: { points: UsagePoint[]; days: string[] }) {
  const W = 720;
  const H = 180;
  const pad = 28;
  const byDay = new Map(points.map((p) => [p.day, p]));
  const max = Math.max(1, ...points.map((p) => p.covered + p.uncovered));
  const bw = (W - pad) / days.length;
  const y = (n: number) => H - pad - (n / max) * (H - pad * 2);
  const total = points.reduce((s, p) => s + p.covered + p.uncovered, 0);
  return (
    <figure class="usage-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Page views per day over the last ${days.length} days: ${total} in all`}
        width="100%"
      >
        <line x1={pad} y1={H - pad} x2={W} y2={H - pad} stroke="#888" />
        <text x={pad - 4} y={y(max) + 4} text-anchor="end" font-size="10">
          {max}
        </text>
        <text x={pad - 4} y={H - pad} text-anchor="end" font-size="10">
          0
        </text>
        {days.map((d, i) => {
          const p = byDay.get(d);
          if (!p) return null;
          const x = pad + i * bw;
          return (
            <g>
              <title>{`${d}: ${p.covered} covered, ${p.uncovered} not covered`}</title>
              <rect
                x={x}
                y={y(p.covered)}
                width={Math.max(1, bw - 1)}
                height={H - pad - y(p.covered)}
                fill="#1d3f6e"
              />
              <rect
                x={x}
                y={y(p.covered + p.uncovered)}
                width={Math.max(1, bw - 1)}
                height={y(p.covered) - y(p.covered + p.uncovered)}
                fill="#c9772b"
              />
            </g>
          );
        })}
        <text x={pad} y={H - 8} font-size="10">
          {days[0]}
        </text>
        <text x={W} y={H - 8} font-size="10" text-anchor="end">
          {days[days.length - 1]}
        </text>
      </svg>
      <figcaption>
        Page views per day, last {days.length} days: <span class="key covered">covered</span> and{' '}
        <span class="key uncovered">not covered</span> ({total} in all).
      </figcaption>
    </figure>
  );
}

export interface OrgPageData {
  org: OrganisationRow;
  tier: TierRow | undefined;
  licences: LicenceRow[];
  invoices: InvoiceRow[];
  current: { status: string; expiresAt: string | null };
  seats: Array<{ member_id: number; email: string; role: string; created_at: string }>;
  domains: DomainRow[];
  networks: NetworkRow[];
  invitations: InvitationRow[];
  keys: ApiKeyRow[];
  usage: UsagePoint[];
  days: string[];
  canManage: boolean;
  isSiteAdmin: boolean;
  memberId: number;
  /** Staff approved the organisation (an editor approved its application, or it was created by staff). */
  approved: boolean;
  /** Approved and licensed now: its domains, networks and seats count. */
  inForce: boolean;
  /** ISO time the page was built (claim states are computed against it). */
  now: string;
}

/** A claim's state in plain words. */
export function ClaimState({
  state,
}: {
  state: 'pending-verification' | 'pending-approval' | 'verified' | 'approved' | 'expired';
}) {
  const words = {
    'pending-verification': 'Pending verification',
    'pending-approval': 'Pending approval',
    verified: 'Verified',
    approved: 'Approved',
    expired: 'Expired',
  }[state];
  return <span class={`claim-state ${state}`}>{words}</span>;
}

export function OrgPage({
  ctx,
  data,
  notice,
  error,
  newKey,
}: {
  ctx: PageContext;
  data: OrgPageData;
  notice?: string | null;
  error?: string | null;
  newKey?: string | null;
}) {
  const { org, tier, current, canManage } = data;
  const base = `/org/${org.id}`;
  const statusText =
    current.status === 'active'
      ? `Active until ${formatDay(current.expiresAt!)}`
      : current.status === 'pending'
        ? 'Application or invoice pending'
        : current.status === 'expired'
          ? `Expired on ${current.expiresAt ? formatDay(current.expiresAt) : '—'}`
          : 'No licence';
  const nowMs = Date.parse(data.now);
  const openInvites = data.invitations.filter(
    (i) => !i.accepted_at && Date.parse(i.expires_at) > nowMs,
  );
  const limit = tier?.seat_limit ?? null;
  const inForceNote = data.inForce
    ? null
    : data.approved
      ? 'The licence is not active, so verified domains, approved networks and seats cover nobody until it is.'
      : 'Our editors have not approved this organisation yet: its domains, networks and seats count once they have and the licence is active.';
  return (
    <Layout ctx={ctx} title={org.name} noindex>
      <div class="org-page">
        <h1>{org.name}</h1>
        <p class="meta">
          {KIND_LABELS[org.kind]} · {tier?.label ?? org.tier_id} · contact {org.contact_email}
        </p>
        <Notices notice={notice} error={error} />
        {newKey ? (
          <div class="notice ok new-key" role="status">
            Your new API key (shown only once): <code id="new-api-key">{newKey}</code>
          </div>
        ) : null}
        <section>
          <h2>Licence</h2>
          <p class={`licence-status ${current.status}`} id="licence-status">
            <strong>{statusText}</strong>
          </p>
          {canManage && current.status !== 'pending' ? (
            <p>
              <a href={`/licensing/apply?organisation=${org.id}`}>
                {current.status === 'active' ? 'Renew the licence' : 'Apply for a licence'}
              </a>
            </p>
          ) : null}
          {data.invoices.length ? (
            <ul>
              {data.invoices.map((i) => (
                <li>
                  <a href={`/licensing/invoices/${i.number}`}>Invoice {i.number}</a> —{' '}
                  {formatMoney(i.total_cents, i.currency)},{' '}
                  {i.status === 'paid'
                    ? `paid ${formatDay(i.paid_at!)}`
                    : `due ${formatDay(i.due_at)}`}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
        {inForceNote ? (
          <p class="notice" id="claims-in-force">
            {inForceNote}
          </p>
        ) : null}
        <section>
          <h2>Usage</h2>
          <UsageChart points={data.usage} days={data.days} />
        </section>
        <section>
          <h2>
            Seats ({data.seats.length}
            {limit !== null ? ` of ${limit}` : ''})
          </h2>
          <ul class="plain">
            {data.seats.map((s) => (
              <li>
                {s.email} {s.role === 'admin' ? <span class="badge">administrator</span> : null}{' '}
                {canManage && s.member_id !== data.memberId ? (
                  <PostButton
                    ctx={ctx}
                    action={`${base}/seats/${s.member_id}/remove`}
                    label="Remove"
                  />
                ) : null}
              </li>
            ))}
          </ul>
          {canManage ? (
            <>
              <form method="post" action={`${base}/invitations`} class="inline-form">
                <Csrf ctx={ctx} />
                <label for="invite-email">Invite a colleague by email</label>{' '}
                <input id="invite-email" name="email" type="email" required maxLength={254} />{' '}
                <button type="submit">Send invitation</button>
                <br />
                <small>Only that address, signed in with a confirmed account, can accept it.</small>
              </form>
              <form method="post" action={`${base}/invitations/open`} class="inline-form open-link">
                <Csrf ctx={ctx} />
                <strong>Open link:</strong> anyone who has the link (and a confirmed account) can
                take a seat, whatever their address. Share it only where you would share a seat.{' '}
                <button type="submit">Create an open link</button>
              </form>
            </>
          ) : null}
          {openInvites.length ? (
            <>
              <h3>Invitations not yet accepted</h3>
              <ul class="plain">
                {openInvites.map((i) => (
                  <li>
                    {Number(i.open) === 1 ? (
                      <strong>Open link (anyone holding it)</strong>
                    ) : (
                      `For ${i.email} only`
                    )}
                    , until {formatDay(i.expires_at)} —{' '}
                    <span class="claim-state pending">Pending</span>{' '}
                    {canManage ? (
                      <PostButton
                        ctx={ctx}
                        action={`${base}/invitations/${i.id}/cancel`}
                        label="Withdraw"
                      />
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
        <section>
          <h2>Email domains</h2>
          <p>
            Colleagues with a confirmed address at a verified domain are covered without an
            invitation. A domain you add counts once it is verified, by DNS or by a code mailed to
            an address there; unverified, it lapses after {DOMAIN_CLAIM_DAYS} days.
          </p>
          <ul class="plain">
            {data.domains.map((dm) => {
              const state = domainState(dm, new Date(nowMs));
              return (
                <li id={`domain-${dm.domain}`}>
                  <strong>{dm.domain}</strong> — <ClaimState state={state} />{' '}
                  {state === 'verified' ? (
                    `${dm.verified_by === 'admin' ? 'by us' : dm.verified_by === 'mail' ? `by a code mailed to ${dm.mail_address ?? 'an address there'}` : 'by DNS'} on ${formatDay(dm.verified_at!)}`
                  ) : state === 'expired' ? (
                    `— it was not verified within ${DOMAIN_CLAIM_DAYS} days. Remove it and add it again to start over.`
                  ) : (
                    <>
                      until {formatDay(dm.expires_at ?? dm.created_at)}: publish the TXT record{' '}
                      <code>{TXT_PREFIX + dm.token}</code> on {dm.domain}{' '}
                      {canManage ? (
                        <PostButton
                          ctx={ctx}
                          action={`${base}/domains/${dm.id}/check`}
                          label="Check DNS"
                        />
                      ) : null}
                      {data.isSiteAdmin ? (
                        <PostButton
                          ctx={ctx}
                          action={`${base}/domains/${dm.id}/verify`}
                          label="Verify as site admin"
                        />
                      ) : null}
                      {canManage ? (
                        <>
                          <form
                            method="post"
                            action={`${base}/domains/${dm.id}/mail`}
                            class="inline-form"
                          >
                            <Csrf ctx={ctx} />
                            <label for={`mail-${dm.id}`}>or mail a code to</label>{' '}
                            <input
                              id={`mail-${dm.id}`}
                              name="address"
                              type="email"
                              placeholder={`it@${dm.domain}`}
                              required
                              maxLength={254}
                            />{' '}
                            <button type="submit">Mail a code</button>
                          </form>
                          {dm.mail_code_hash ? (
                            <form
                              method="post"
                              action={`${base}/domains/${dm.id}/code`}
                              class="inline-form"
                            >
                              <Csrf ctx={ctx} />
                              <label for={`code-${dm.id}`}>
                                Code mailed to {dm.mail_address}
                              </label>{' '}
                              <input
                                id={`code-${dm.id}`}
                                name="code"
                                inputMode="numeric"
                                autoComplete="one-time-code"
                                required
                                maxLength={12}
                                size={10}
                              />{' '}
                              <button type="submit">Verify</button>
                            </form>
                          ) : null}
                        </>
                      ) : null}
                    </>
                  )}{' '}
                  {canManage ? (
                    <PostButton
                      ctx={ctx}
                      action={`${base}/domains/${dm.id}/remove`}
                      label="Remove"
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
          {canManage ? (
            <form method="post" action={`${base}/domains`} class="inline-form">
              <Csrf ctx={ctx} />
              <label for="domain">Add a domain</label>{' '}
              <input id="domain" name="domain" placeholder="example.org" required maxLength={253} />{' '}
              <button type="submit">Add domain</button>
            </form>
          ) : null}
        </section>
        <section>
          <h2>Networks</h2>
          <p>
            Every visitor from an approved range is covered (IPv4 or IPv6, e.g. 203.0.113.0/24 or
            2001:db8::/48). A range you add counts once our editors have checked and approved it.
          </p>
          <ul class="plain">
            {data.networks.map((n) => (
              <li id={`network-${n.id}`}>
                <code>{n.cidr}</code> {n.label ? `(${n.label})` : ''} —{' '}
                <ClaimState state={n.status === 'approved' ? 'approved' : 'pending-approval'} />{' '}
                {canManage ? (
                  <PostButton ctx={ctx} action={`${base}/networks/${n.id}/remove`} label="Remove" />
                ) : null}
              </li>
            ))}
          </ul>
          {canManage ? (
            <form method="post" action={`${base}/networks`} class="inline-form">
              <Csrf ctx={ctx} />
              <label for="cidr">Add a range</label>{' '}
              <input id="cidr" name="cidr" required maxLength={60} />{' '}
              <label for="net-label">Label</label>{' '}
              <input id="net-label" name="label" maxLength={100} />{' '}
              <button type="submit">Add network</button>
            </form>
          ) : null}
        </section>
        <section>
          <h2>API keys</h2>
          <p>
            For licensed automated use. Send the key as{' '}
            <code>Authorization: Bearer &lt;key&gt;</code>.
          </p>
          <ul class="plain">
            {data.keys.map((k) => (
              <li>
                <strong>{k.name}</strong> <code>{k.prefix}…</code>, {k.rate_per_minute} requests a
                minute,{' '}
                {k.revoked_at
                  ? `revoked ${formatDay(k.revoked_at)}`
                  : `created ${formatDay(k.created_at)}`}{' '}
                {canManage && !k.revoked_at ? (
                  <PostButton ctx={ctx} action={`${base}/keys/${k.id}/revoke`} label="Revoke" />
                ) : null}
              </li>
            ))}
          </ul>
          {canManage ? (
            current.status === 'active' ? (
              <form method="post" action={`${base}/keys`} class="inline-form">
                <Csrf ctx={ctx} />
                <label for="key-name">Name</label>{' '}
                <input id="key-name" name="name" required maxLength={100} />{' '}
                <label for="key-rate">Requests a minute</label>{' '}
                <input id="key-rate" name="rate" value="60" size={5} inputMode="numeric" />{' '}
                <button type="submit">Create key</button>
              </form>
            ) : (
              <p>API keys can be created once the licence is active.</p>
            )
          ) : null}
        </section>
      </div>
    </Layout>
  );
}

export function MyOrganisationsPage({
  ctx,
  orgs,
}: {
  ctx: PageContext;
  orgs: Array<OrganisationRow & { role: string }>;
}) {
  return (
    <Layout ctx={ctx} title="Your organisations" noindex>
      <div class="prose">
        <h1>Your organisations</h1>
        {orgs.length === 0 ? <p>You are not part of a licensed organisation.</p> : null}
        <ul>
          {orgs.map((o) => (
            <li>
              <a href={`/org/${o.id}`}>{o.name}</a> {o.role === 'admin' ? '(administrator)' : ''}
            </li>
          ))}
        </ul>
        <p>
          <a href="/licensing/apply">Apply for a licence for another organisation</a>
        </p>
      </div>
    </Layout>
  );
}

export function InvitationPage({
  ctx,
  organisation,
  email,
  token,
  error,
}: {
  ctx: PageContext;
  organisation: string;
  /** '' for an open link. */ email: string;
  token: string;
  error?: string | null;
}) {
  return (
    <Layout ctx={ctx} title={`Join ${organisation}`} noindex>
      <div class="prose">
        <h1>Join {organisation}</h1>
        <Notices error={error} />
        <p>
          {email
            ? `This invitation to a seat on ${organisation}’s licence is for ${email}: only that address, signed in with a confirmed account, can accept it.`
            : `This is an open link to a seat on ${organisation}’s licence: anyone signed in with a confirmed account can take it, once.`}{' '}
          Accepting it links your account{ctx.member ? ` (${ctx.member.email})` : ''} to the
          organisation.
        </p>
        {ctx.member ? (
          <form method="post" action={`/invitations/${token}`}>
            <Csrf ctx={ctx} />
            <button type="submit">Accept the invitation</button>
          </form>
        ) : (
          <p>
            <a class="button" href={`/login?next=/invitations/${token}`}>
              Log in to accept
            </a>{' '}
            or <a href="/register">register</a> first.
          </p>
        )}
      </div>
    </Layout>
  );
}

export function LeadsPage({
  ctx,
  leads,
  notice,
  error,
}: {
  ctx: PageContext;
  leads: Array<{
    id: number;
    name: string;
    kind: string;
    contact_email: string;
    views: number;
    last_day: string;
  }>;
  notice?: string | null;
  error?: string | null;
}) {
  return (
    <Layout ctx={ctx} title="Leads" noindex>
      <div class="licensing-admin">
        <h1>Leads</h1>
        <p>
          Known organisations without an active licence whose staff used the site in the last 30
          days, most use first.
        </p>
        <Notices notice={notice} error={error} />
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Page views (30 days)</th>
              <th scope="col">Last seen</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {leads.map((l) => (
              <tr>
                <td>
                  <a href={`/org/${l.id}`}>{l.name}</a> (
                  {KIND_LABELS[l.kind as keyof typeof KIND_LABELS] ?? l.kind})
                </td>
                <td class="num">{l.views}</td>
                <td>{l.last_day}</td>
                <td>
                  <PostButton
                    ctx={ctx}
                    action={`/admin/licensing/leads/${l.id}/invite`}
                    label={`Email licence invitation to ${l.contact_email}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {leads.length === 0 ? (
          <p>No unlicensed organisation has used the site in the last 30 days.</p>
        ) : null}
      </div>
    </Layout>
  );
}

export function AlertsPage({
  ctx,
  searches,
  covered,
  notice,
  error,
  q,
}: {
  ctx: PageContext;
  searches: SavedSearchRow[];
  covered: boolean;
  notice?: string | null;
  error?: string | null;
  q?: string;
}) {
  return (
    <Layout ctx={ctx} title="Saved searches and alerts" noindex>
      <div class="prose">
        <h1>Saved searches and alerts</h1>
        <Notices notice={notice} error={error} />
        {covered ? (
          <form method="post" action="/alerts" class="auth-form">
            <Csrf ctx={ctx} />
            <p class="field">
              <label for="q">Search</label>
              <input
                id="q"
                name="q"
                value={q ?? ''}
                required
                maxLength={500}
                placeholder={'"shining path" origin:lima'}
              />
            </p>
            <p class="field">
              <label for="frequency">Alerts</label>
              <select id="frequency" name="frequency">
                <option value="daily">Daily</option>
                <option value="weekly">Weekly</option>
              </select>
            </p>
            <p>
              <button type="submit">Save search</button>
            </p>
          </form>
        ) : (
          <p>
            Alerts on saved searches come with an organisation’s licence.{' '}
            <a href="/about/licensing">About licences</a>
          </p>
        )}
        <ul class="plain">
          {searches.map((s) => (
            <li>
              <code>{s.query}</code> — {s.frequency}{' '}
              <PostButton ctx={ctx} action={`/alerts/${s.id}/delete`} label="Remove" />
            </li>
          ))}
        </ul>
      </div>
    </Layout>
  );
}
