/** The World Headlines page and partner-feed management. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/format.ts';
import { AdminLayout } from '../stories/admin-views.tsx';
import { Csrf, DemoBadge } from '../web/components.tsx';
import type { PartnerFeed, PartnerItem } from './store.ts';

export function WorldPage({
  ctx,
  items,
  page,
  pages,
}: {
  ctx: PageContext;
  items: PartnerItem[];
  page: number;
  pages: number;
}) {
  return (
    <Layout
      ctx={ctx}
      title="World Headlines"
      description="Headlines from our partner newsrooms."
      canonical={page > 1 ? `/world?page=${page}` : '/world'}
    >
      <h1>World Headlines</h1>
      <p class="standfirst">Headlines from our partner newsrooms, linking to their own pages.</p>
      {items.length ? (
        <ul class="story-list world-list">
          {items.map((i) => (
            <li key={i.id}>
              <span class="meta">
                {i.source} · <time dateTime={i.published_at}>{formatDateTime(i.published_at)}</time>
                {i.is_demo ? <DemoBadge /> : null}
              </span>
              <h3>
                <a href={i.url} rel="noopener">
                  {i.title}
                </a>
              </h3>
              {i.summary ? <p>{i.summary}</p> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>No partner headlines yet.</p>
      )}
      {pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          <span>
            {page > 1 ? (
              <a href={page === 2 ? '/world' : `/world?page=${page - 1}`}>← Newer</a>
            ) : null}
          </span>
          <span class="meta">
            Page {page} of {pages}
          </span>
          <span>{page < pages ? <a href={`/world?page=${page + 1}`}>Older →</a> : null}</span>
        </nav>
      ) : null}
    </Layout>
  );
}

type Counts = { items: number; demo: number };

/** How many headlines a feed has on the site, and how many of them are demo ones. */
function headlines(c: Counts): string {
  const s = c.items === 1 ? '' : 's';
  if (!c.items) return 'no headlines';
  if (!c.demo) return `${c.items} headline${s}`;
  return c.demo === c.items
    ? `${c.items} demo headline${s}`
    : `${c.items} headline${s} (${c.demo} demo)`;
}

/** When a feed was last fetched and how that went, in words. */
function lastPoll(f: PartnerFeed) {
  return (
    <>
      {f.last_polled_at ? (
        <time dateTime={f.last_polled_at}>{formatDateTime(f.last_polled_at)}</time>
      ) : (
        'never'
      )}
      {f.last_error ? (
        <p class="feed-error">The fetch failed: {f.last_error}</p>
      ) : f.last_polled_at ? (
        ' — OK'
      ) : null}
    </>
  );
}

function pollingNote(polling: boolean) {
  return polling
    ? 'RSS 2.0 and Atom feeds are fetched every 15 minutes'
    : 'Feeds are fetched when you press “Poll now” (scheduled polling is off on this site: FEED_POLL=0)';
}

export function FeedsAdminPage({
  ctx,
  feeds,
  counts,
  polling,
  notice,
  error,
  values,
}: {
  ctx: PageContext;
  feeds: PartnerFeed[];
  counts: Map<number, Counts>;
  polling: boolean;
  notice?: string | null;
  error?: string | null;
  values?: { name: string; url: string };
}) {
  const demo = feeds.some((f) => (counts.get(f.id)?.demo ?? 0) > 0);
  return (
    <AdminLayout ctx={ctx} title="Partner feeds" notice={notice} error={error}>
      <p>
        {pollingNote(polling)}; new headlines appear in World Headlines on the home page and on{' '}
        <a href="/world">/world</a>.
      </p>
      <p>
        Feeds are fetched only from public addresses. A feed on your organisation’s own network
        needs the site operator to allow it (the OUTBOUND_ALLOW setting).
      </p>
      {demo ? (
        <p>
          Demo headlines stand in for a partner’s own until its feed is first fetched; then the
          partner’s headlines replace them.
        </p>
      ) : null}
      {feeds.length ? (
        <div class="table-scroll">
          <table class="admin-table feeds-table">
            <thead>
              <tr>
                <th>Source</th>
                <th>Last fetched</th>
                <th>
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {feeds.map((f) => (
                <tr key={f.id} class={f.last_error ? 'bad' : ''}>
                  <td>
                    <strong>{f.name}</strong>
                    <span class="url meta">{f.url}</span>
                    <span class="count meta">
                      {headlines(counts.get(f.id) ?? { items: 0, demo: 0 })} on the site
                    </span>
                  </td>
                  <td>{lastPoll(f)}</td>
                  <td class="actions">
                    <a
                      class="button secondary"
                      href={`/admin/feeds/${f.id}/edit`}
                      aria-label={`Edit ${f.name}`}
                    >
                      Edit
                    </a>
                    <form method="post" action={`/admin/feeds/${f.id}/poll`}>
                      <Csrf ctx={ctx} />
                      <button type="submit" aria-label={`Poll ${f.name} now`}>
                        Poll now
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No partner feeds yet.</p>
      )}
      <h2>Add a feed</h2>
      <form method="post" action="/admin/feeds" class="admin-form">
        <Csrf ctx={ctx} />
        <FeedFields name={values?.name ?? ''} url={values?.url ?? ''} />
        <button type="submit">Add feed</button>
      </form>
    </AdminLayout>
  );
}

/** A feed's name and address, as the add and edit forms both ask for them. */
function FeedFields({
  name,
  url,
  nameHint,
  urlHint,
}: {
  name: string;
  url: string;
  nameHint?: ComponentChildren;
  urlHint?: ComponentChildren;
}) {
  return (
    <>
      <label for="feed-name">Source name</label>
      <input id="feed-name" name="name" type="text" required maxLength={100} value={name} />
      {nameHint}
      <label for="feed-url">Feed address (RSS or Atom)</label>
      <input id="feed-url" name="url" type="url" required value={url} />
      {urlHint}
    </>
  );
}

/** One feed: its name and address to edit, and removing it (saying what goes with it). */
export function FeedEditPage({
  ctx,
  feed,
  counts,
  polling,
  error,
  values,
}: {
  ctx: PageContext;
  feed: PartnerFeed;
  counts: Counts;
  polling: boolean;
  error?: string | null;
  values?: { name: string; url: string };
}) {
  const n = counts.items;
  return (
    <AdminLayout ctx={ctx} title={`Edit feed: ${feed.name}`} error={error}>
      <p>
        <a href="/admin/feeds">← All partner feeds</a>
      </p>
      <p>
        Last fetched: {lastPoll(feed)}. On the site: {headlines(counts)}.
      </p>
      <form method="post" action={`/admin/feeds/${feed.id}/edit`} class="admin-form">
        <Csrf ctx={ctx} />
        <FeedFields
          name={values?.name ?? feed.name}
          url={values?.url ?? feed.url}
          nameHint={
            <p class="hint meta">
              Shown with each of its headlines, the ones already on the site too.
            </p>
          }
          urlHint={
            <p class="hint meta">
              A new address is fetched as soon as you save
              {polling ? ', then every 15 minutes' : ''}; headlines already on the site stay.
            </p>
          }
        />
        <button type="submit">Save feed</button>
      </form>
      <h2>Remove this feed</h2>
      <p>
        {n
          ? `Removing ${feed.name} also removes its ${n} headline${n === 1 ? '' : 's'} from World Headlines and the home page.`
          : `${feed.name} has no headlines on the site; removing it stops fetching it.`}{' '}
        To bring it back, add its address again: what the feed still publishes comes back with it
        {counts.demo ? ' (demo headlines do not)' : ''}.
      </p>
      <form method="post" action={`/admin/feeds/${feed.id}/delete`} class="admin-form">
        <Csrf ctx={ctx} />
        <button type="submit" class="secondary">
          Remove {feed.name}
          {n ? ` and its ${n} headline${n === 1 ? '' : 's'}` : ''}
        </button>
      </form>
    </AdminLayout>
  );
}
