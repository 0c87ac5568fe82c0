/** Newsletter pages: the public archive, the reader's own links, and the editors' desk. */
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/format.ts';
import type { DigestItem } from './rank.ts';
import type { Issue, IssueStats, Subscriber, SubscriberCounts } from './store.ts';
import { NEWSLETTER_NAME } from './views.tsx';
import { Csrf } from '../web/components.tsx';
import { MarkdownField } from '../stories/markdown-field.tsx';
import { renderMarkdown } from '../stories/markdown.ts';

function SubscribeForm({ ctx, email }: { ctx: PageContext; email?: string }) {
  return (
    <form method="post" action="/newsletter/subscribe" class="newsletter-form">
      <Csrf ctx={ctx} />
      <input type="hidden" name="return_to" value="/newsletter" />
      <label for="nl-email">Email address</label>{' '}
      <input
        id="nl-email"
        type="email"
        name="email"
        required
        autoComplete="email"
        value={email ?? ''}
        placeholder="you@example.org"
      />{' '}
      <button class="button" type="submit">
        Subscribe
      </button>
    </form>
  );
}

function Items({ items }: { items: DigestItem[] }) {
  const stories = items.filter((i) => i.kind === 'story');
  const cables = items.filter((i) => i.kind === 'cable');
  const list = (xs: DigestItem[]) => (
    <ul class="story-list">
      {xs.map((i) => (
        <li key={`${i.kind}${i.id}`}>
          <h3>
            <a href={i.path}>{i.title}</a>
          </h3>
          <p class="meta">{i.section}</p>
          {i.teaser ? <p>{i.teaser}</p> : null}
        </li>
      ))}
    </ul>
  );
  return (
    <>
      {stories.length ? (
        <>
          <h2>Top stories of the week</h2>
          {list(stories)}
        </>
      ) : null}
      {cables.length ? (
        <>
          <h2>Most-read cables</h2>
          {list(cables)}
        </>
      ) : null}
    </>
  );
}

export function NewsletterHomePage({
  ctx,
  issues,
  email,
}: {
  ctx: PageContext;
  issues: Issue[];
  email?: string;
}) {
  return (
    <Layout
      ctx={ctx}
      title={NEWSLETTER_NAME}
      canonical="/newsletter"
      description={`${NEWSLETTER_NAME}: the best of ${ctx.siteName} every Monday morning.`}
    >
      <div class="prose">
        <h1>{NEWSLETTER_NAME}</h1>
        <p class="standfirst">
          Every Monday at seven in the morning: the week's top stories from every section of{' '}
          {ctx.siteName} and the most-read cables in the archive. Free; one email a week; leave with
          one click.
        </p>
        {email ? <p class="notice ok">Check the address and press Subscribe to finish.</p> : null}
        <SubscribeForm ctx={ctx} email={email} />
        <h2>Past issues</h2>
        {issues.length ? (
          <ul class="issue-list">
            {issues.map((i) => (
              <li key={i.id}>
                <a href={`/newsletter/issues/${i.number}`}>
                  No. {i.number}: {i.subject}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <p>The first issue has not gone out yet.</p>
        )}
      </div>
    </Layout>
  );
}

export function IssuePage({ ctx, issue }: { ctx: PageContext; issue: Issue }) {
  return (
    <Layout
      ctx={ctx}
      title={`${issue.subject} (No. ${issue.number})`}
      canonical={`/newsletter/issues/${issue.number}`}
    >
      <div class="prose">
        <p class="meta">
          <a href="/newsletter">{NEWSLETTER_NAME}</a> · No. {issue.number}
          {issue.sent_at ? <> · {formatDateTime(issue.sent_at)}</> : null}
        </p>
        <h1>{issue.subject}</h1>
        <div class="standfirst" dangerouslySetInnerHTML={{ __html: renderMarkdown(issue.intro) }} />
        <Items items={issue.items} />
        <p>
          <a href="/newsletter">Get {NEWSLETTER_NAME} by email</a>
        </p>
      </div>
    </Layout>
  );
}

export function UnsubscribePage({
  ctx,
  subscriber,
  action,
  done,
}: {
  ctx: PageContext;
  subscriber: Subscriber;
  action: string;
  done: boolean;
}) {
  return (
    <Layout ctx={ctx} title="Unsubscribe" noindex>
      <div class="prose">
        <h1>Unsubscribe from {NEWSLETTER_NAME}</h1>
        {done || subscriber.status === 'unsubscribed' ? (
          <div class="notice ok" role="status">
            <p>
              {subscriber.email} is unsubscribed. We will not send {NEWSLETTER_NAME} there again.
            </p>
          </div>
        ) : (
          <form method="post" action={action}>
            <p>
              Stop sending {NEWSLETTER_NAME} to {subscriber.email}?
            </p>
            <button class="button" type="submit" name="confirm" value="1">
              Unsubscribe
            </button>
          </form>
        )}
      </div>
    </Layout>
  );
}

export function PreferencesPage({
  ctx,
  subscriber,
  action,
  saved,
}: {
  ctx: PageContext;
  subscriber: Subscriber;
  action: string;
  saved: boolean;
}) {
  const subscribed = subscriber.status === 'confirmed' || subscriber.status === 'unconfirmed';
  return (
    <Layout ctx={ctx} title="Newsletter preferences" noindex>
      <div class="prose">
        <h1>Your {NEWSLETTER_NAME} preferences</h1>
        {saved ? (
          <p class="notice ok" role="status">
            Your preferences are saved.
          </p>
        ) : null}
        <p>Address: {subscriber.email}</p>
        {subscriber.status === 'bounced' ? (
          <p class="notice error">
            Mail to this address could not be delivered, so we stopped sending it.
          </p>
        ) : null}
        <form method="post" action={action}>
          {ctx.csrf ? <input type="hidden" name="_csrf" value={ctx.csrf} /> : null}
          <fieldset>
            <legend>Format</legend>
            <label>
              <input
                type="radio"
                name="format"
                value="html"
                checked={subscriber.format === 'html'}
              />{' '}
              Designed email (with a plain-text copy)
            </label>
            <br />
            <label>
              <input
                type="radio"
                name="format"
                value="text"
                checked={subscriber.format === 'text'}
              />{' '}
              Plain text only
            </label>
          </fieldset>
          <p>
            <label>
              <input type="checkbox" name="subscribed" value="1" checked={subscribed} /> Send me{' '}
              {NEWSLETTER_NAME} every Monday
            </label>
          </p>
          <button class="button" type="submit">
            Save
          </button>
        </form>
      </div>
    </Layout>
  );
}

const STAT_COLUMNS: [keyof IssueStats, string][] = [
  ['recipients', 'Recipients'],
  ['sent', 'Sent'],
  ['pending', 'Pending'],
  ['failed', 'Failed'],
  ['bounced', 'Bounced'],
  ['unknown', 'Unknown'],
  ['unsubscribed', 'Unsubscribed'],
];

export function EditorDashboard({
  ctx,
  counts,
  issues,
  stats,
}: {
  ctx: PageContext;
  counts: SubscriberCounts;
  issues: Issue[];
  stats: Map<number, IssueStats>;
}) {
  return (
    <Layout ctx={ctx} title={`${NEWSLETTER_NAME}: editors`} noindex>
      <div class="prose">
        <h1>{NEWSLETTER_NAME}: editors</h1>
        <table>
          <tbody>
            <tr>
              <th>Subscribers</th>
              <td>{counts.total}</td>
              <th>Confirmed</th>
              <td>{counts.confirmed}</td>
            </tr>
            <tr>
              <th>Unconfirmed</th>
              <td>{counts.unconfirmed}</td>
              <th>Unsubscribed</th>
              <td>{counts.unsubscribed}</td>
            </tr>
            <tr>
              <th>Bounced</th>
              <td>{counts.bounced}</td>
              <th></th>
              <td></td>
            </tr>
          </tbody>
        </table>
        <form method="post" action="/newsletter/editor/compose">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <button class="button" type="submit">
            Open the next issue
          </button>
        </form>
        <h2>Issues</h2>
        <table class="issue-stats">
          <thead>
            <tr>
              <th>No.</th>
              <th>Issue</th>
              <th>Status</th>
              {STAT_COLUMNS.map(([, label]) => (
                <th key={label}>{label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {issues.map((i) => {
              const s = stats.get(i.id);
              return (
                <tr key={i.id}>
                  <td>{i.number}</td>
                  <td>
                    <a href={`/newsletter/editor/issues/${i.id}`}>{i.subject}</a>
                  </td>
                  <td>{i.status}</td>
                  {STAT_COLUMNS.map(([key]) => (
                    <td key={key}>{s ? s[key] : 0}</td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

export function EditorIssuePage({
  ctx,
  issue,
  stats,
  notice,
  error,
  tz,
}: {
  ctx: PageContext;
  issue: Issue;
  stats: IssueStats;
  notice?: string;
  error?: string;
  tz: string;
}) {
  const editable = issue.status === 'draft' || issue.status === 'scheduled';
  const base = `/newsletter/editor/issues/${issue.id}`;
  const Csrf = () => <input type="hidden" name="_csrf" value={ctx.csrf} />;
  return (
    <Layout ctx={ctx} title={`No. ${issue.number}: ${issue.subject}`} noindex>
      <div class="prose">
        <p class="meta">
          <a href="/newsletter/editor">All issues</a> · No. {issue.number} · {issue.week_key} ·
          status: <strong>{issue.status}</strong>
          {issue.scheduled_for ? <> · goes out {formatDateTime(issue.scheduled_for)}</> : null}
        </p>
        <h1>{issue.subject}</h1>
        {notice ? (
          <p class="notice ok" role="status">
            {notice}
          </p>
        ) : null}
        {error ? (
          <p class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <table>
          <tbody>
            <tr>
              {STAT_COLUMNS.map(([key, label]) => (
                <th key={key}>{label}</th>
              ))}
            </tr>
            <tr>
              {STAT_COLUMNS.map(([key]) => (
                <td key={key}>{stats[key]}</td>
              ))}
            </tr>
          </tbody>
        </table>
        <p>
          <a href={`${base}/email.html`}>Preview the email</a> ·{' '}
          <a href={`${base}/email.txt`}>Plain-text part</a>
        </p>
        {editable ? (
          <form method="post" action={`${base}/intro`}>
            <Csrf />
            <MarkdownField
              id="intro"
              name="intro"
              label="Introduction"
              value={issue.intro}
              previewUrl="/admin/preview"
              rows={4}
              maxLength={2000}
              required={false}
            />
            <button class="button" type="submit">
              Save the introduction
            </button>
          </form>
        ) : (
          <div
            class="standfirst"
            dangerouslySetInnerHTML={{ __html: renderMarkdown(issue.intro) }}
          />
        )}
        <h2>Items</h2>
        <ol>
          {issue.items.map((item, index) => (
            <li key={`${item.kind}${item.id}`}>
              <a href={item.path}>{item.title}</a>{' '}
              <span class="meta">
                ({item.section}, {item.views} views{item.pick ? ", editors' pick" : ''})
              </span>
              {editable ? (
                <form method="post" action={`${base}/items/remove`} class="inline">
                  <Csrf />
                  <input type="hidden" name="index" value={String(index)} />
                  <button
                    class="button secondary"
                    type="submit"
                    aria-label={`Remove ${item.title}`}
                  >
                    Remove
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ol>
        {editable ? (
          <>
            <form method="post" action={`${base}/items/add`}>
              <Csrf />
              <label for="add-item">
                Add a story (its number or address) or a cable (its reference, e.g. 09LIMA1669)
              </label>
              <br />
              <input id="add-item" name="item" required maxLength={300} size={40} />{' '}
              <button class="button" type="submit">
                Add
              </button>
            </form>
            <h2>Send</h2>
            <form method="post" action={`${base}/test`}>
              <Csrf />
              <button class="button secondary" type="submit">
                Send a test to me
              </button>
            </form>
            <form method="post" action={`${base}/schedule`}>
              <Csrf />
              <label for="at">Send at (local time, {tz})</label>{' '}
              <input id="at" type="datetime-local" name="at" required />{' '}
              <button class="button secondary" type="submit">
                Schedule
              </button>
            </form>
            <form method="post" action={`${base}/send`}>
              <Csrf />
              <button class="button" type="submit">
                Send now to every confirmed subscriber
              </button>
            </form>
          </>
        ) : null}
      </div>
    </Layout>
  );
}
