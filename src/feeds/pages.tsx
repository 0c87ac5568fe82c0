/** The World Headlines page and partner-feed management. */
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/format.ts';
import { AdminLayout } from '../stories/admin-views.tsx';
import { Csrf } from '../web/components.tsx';
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

export function FeedsAdminPage({
  ctx,
  feeds,
  notice,
  error,
  values,
}: {
  ctx: PageContext;
  feeds: PartnerFeed[];
  notice?: string | null;
  error?: string | null;
  values?: { name: string; url: string };
}) {
  return (
    <AdminLayout ctx={ctx} title="Partner feeds" notice={notice} error={error}>
      <p>
        RSS 2.0 and Atom feeds are polled every 15 minutes; new items appear in World Headlines and
        on <a href="/world">/world</a>.
      </p>
      <p>
        Feeds are fetched only from public addresses. A feed on your organisation’s own network
        needs the site operator to allow it (the OUTBOUND_ALLOW setting).
      </p>
      {feeds.length ? (
        <table class="admin-table">
          <thead>
            <tr>
              <th>Source</th>
              <th>Address</th>
              <th>Last poll</th>
              <th>Items</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {feeds.map((f) => (
              <tr key={f.id} class={f.last_error ? 'bad' : ''}>
                <td>{f.name}</td>
                <td class="url">{f.url}</td>
                <td>
                  {f.last_polled_at ? formatDateTime(f.last_polled_at) : 'never'}
                  {f.last_error ? (
                    <p class="feed-error">Error: {f.last_error}</p>
                  ) : f.last_polled_at ? (
                    ' — OK'
                  ) : null}
                </td>
                <td>{f.item_count}</td>
                <td>
                  <form method="post" action={`/admin/feeds/${f.id}/poll`}>
                    <Csrf ctx={ctx} />
                    <button type="submit">Poll now</button>
                  </form>
                  <form method="post" action={`/admin/feeds/${f.id}/delete`}>
                    <Csrf ctx={ctx} />
                    <button type="submit" class="secondary">
                      Remove
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No partner feeds yet.</p>
      )}
      <h2>Add a feed</h2>
      <form method="post" action="/admin/feeds" class="admin-form">
        <Csrf ctx={ctx} />
        <label for="feed-name">Source name</label>
        <input
          id="feed-name"
          name="name"
          type="text"
          required
          maxLength={100}
          value={values?.name ?? ''}
        />
        <label for="feed-url">Feed address (RSS or Atom)</label>
        <input id="feed-url" name="url" type="url" required value={values?.url ?? ''} />
        <button type="submit">Add feed</button>
      </form>
    </AdminLayout>
  );
}
