/** The newsroom's pages: dashboard, story editor, sections, press-release queue. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { assetUrl } from '../web/assets.ts';
import { MarkdownField } from './markdown-field.tsx';
import { formatDateTime, formatCount } from '../web/format.ts';
import type { Section, Story } from './store.ts';
import { storyPath } from './store.ts';
import type { PressRelease } from './press-releases.ts';
import { Csrf } from '../web/components.tsx';
import type { SlotFill } from './slots.ts';

export function AdminLayout({
  ctx,
  title,
  children,
  notice,
  error,
  refresh,
}: {
  ctx: PageContext;
  title: string;
  children: ComponentChildren;
  notice?: string | null;
  error?: string | null;
  refresh?: number;
}) {
  return (
    <Layout
      ctx={ctx}
      title={title}
      noindex
      head={[
        <script key="admin" src={assetUrl('admin.js')} defer />,
        ...(refresh ? [<meta key="refresh" httpEquiv="refresh" content={String(refresh)} />] : []),
      ]}
    >
      <div class="admin">
        <h1>{title}</h1>
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
        {children}
      </div>
    </Layout>
  );
}

export interface DashboardData {
  drafts: number;
  scheduled: number;
  pendingReleases: number;
  feedErrors: { name: string; error: string }[];
  stories: Story[];
  leads: Story[];
}

function statusOf(s: Story, now: string): string {
  if (s.status === 'published' && s.published_at > now) return 'scheduled';
  return s.status;
}

export function Dashboard({
  ctx,
  data,
  notice,
  now,
  boxes = [],
}: {
  ctx: PageContext;
  data: DashboardData;
  notice?: string | null;
  now: string;
  /** What other features add at the end (the latest cable imports). */
  boxes?: SlotFill[];
}) {
  return (
    <AdminLayout ctx={ctx} title="Newsroom" notice={notice}>
      <ul class="at-a-glance">
        <li>
          <strong>{data.drafts}</strong> draft{data.drafts === 1 ? '' : 's'}
        </li>
        <li>
          <strong>{data.scheduled}</strong> scheduled
        </li>
        <li>
          <a href="/admin/press-releases">
            <strong>{data.pendingReleases}</strong> press release
            {data.pendingReleases === 1 ? '' : 's'} waiting
          </a>
        </li>
        <li class={data.feedErrors.length ? 'bad' : ''}>
          <a href="/admin/feeds">
            <strong>{data.feedErrors.length}</strong> feed error
            {data.feedErrors.length === 1 ? '' : 's'}
          </a>
        </li>
      </ul>
      {data.feedErrors.length ? (
        <ul class="feed-errors">
          {data.feedErrors.map((f) => (
            <li key={f.name}>
              <strong>{f.name}</strong>: {f.error}
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <a class="button" href="/admin/stories/new">
          Write a story
        </a>
      </p>
      <h2>Home page leads</h2>
      {data.leads.length ? (
        <form method="post" action="/admin/leads" class="admin-form">
          <Csrf ctx={ctx} />
          <table class="admin-table">
            <thead>
              <tr>
                <th>Order</th>
                <th>Story</th>
                <th>Keep as lead</th>
              </tr>
            </thead>
            <tbody>
              {data.leads.map((s, i) => (
                <tr key={s.id}>
                  <td>
                    <input
                      type="number"
                      name={`pos_${s.id}`}
                      value={String(s.lead_position ?? i + 1)}
                      min="1"
                      max="99"
                      aria-label={`Order of ${s.title}`}
                      class="narrow"
                    />
                  </td>
                  <td>{s.title}</td>
                  <td>
                    <input
                      type="checkbox"
                      name={`keep_${s.id}`}
                      value="1"
                      checked
                      aria-label={`Keep ${s.title} as a lead`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="submit">Save leads</button>
        </form>
      ) : (
        <p>No story is featured. Tick “Lead story on the home page” on a story to feature it.</p>
      )}
      <h2>Stories</h2>
      <table class="admin-table">
        <thead>
          <tr>
            <th>Title</th>
            <th>Section</th>
            <th>Status</th>
            <th>Publish time</th>
          </tr>
        </thead>
        <tbody>
          {data.stories.map((s) => (
            <tr key={s.id}>
              <td>
                <a href={`/admin/stories/${s.id}/edit`}>{s.title}</a>
                {s.featured ? <span class="badge">Lead</span> : null}
              </td>
              <td>{s.section_name}</td>
              <td>{statusOf(s, now)}</td>
              <td>{formatDateTime(s.published_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {boxes.map((b) => b.node)}
    </AdminLayout>
  );
}

export interface StoryFormValues {
  id?: number;
  title: string;
  teaser: string;
  body: string;
  section_id: number | null;
  source: string;
  author: string;
  featured: boolean;
  status: 'draft' | 'published' | 'unpublished';
  published_at: string;
}

/** `2026-05-01T09:30` (UTC) for a datetime-local field. */
export function toLocalField(iso: string): string {
  return iso.slice(0, 16);
}

export function StoryForm({
  ctx,
  values,
  sections,
  error,
  notice,
  preview,
  path,
}: {
  ctx: PageContext;
  values: StoryFormValues;
  sections: Section[];
  error?: string | null;
  notice?: string | null;
  preview?: ComponentChildren;
  path?: string | null;
}) {
  const action = values.id ? `/admin/stories/${values.id}` : '/admin/stories';
  return (
    <AdminLayout
      ctx={ctx}
      title={values.id ? 'Edit story' : 'New story'}
      error={error}
      notice={notice}
    >
      {path ? (
        <p>
          Public address: <a href={path}>{path}</a>
        </p>
      ) : null}
      <form method="post" action={action} class="admin-form story-form">
        <Csrf ctx={ctx} />
        <label for="title">Headline</label>
        <input id="title" name="title" type="text" required maxLength={200} value={values.title} />
        <label for="teaser">Standfirst (shown in lists)</label>
        <input id="teaser" name="teaser" type="text" maxLength={400} value={values.teaser} />
        <MarkdownField
          id="body"
          name="body"
          label="Text"
          value={values.body}
          previewUrl="/admin/preview"
          rows={18}
          preview={preview}
        />
        <label for="section_id">Section</label>
        <select id="section_id" name="section_id" required>
          {sections.map((s) => (
            <option key={s.id} value={String(s.id)} selected={s.id === values.section_id}>
              {s.name}
            </option>
          ))}
        </select>
        <label for="source">
          Source (organisation credited; leave empty for our own reporting)
        </label>
        <input id="source" name="source" type="text" maxLength={200} value={values.source} />
        <label for="author">Author</label>
        <input id="author" name="author" type="text" maxLength={200} value={values.author} />
        <label class="check">
          <input type="checkbox" name="featured" value="1" checked={values.featured} /> Lead story
          on the home page
        </label>
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="draft" selected={values.status === 'draft'}>
            Draft (not on the site)
          </option>
          <option value="published" selected={values.status === 'published'}>
            Published (from the publish time on)
          </option>
          <option value="unpublished" selected={values.status === 'unpublished'}>
            Unpublished (taken down)
          </option>
        </select>
        <label for="published_at">Publish time (UTC; a future time schedules the story)</label>
        <input
          id="published_at"
          name="published_at"
          type="datetime-local"
          value={values.published_at}
        />
        <p class="actions">
          <button type="submit" name="intent" value="save">
            Save
          </button>{' '}
          <button type="submit" name="intent" value="preview" class="secondary">
            Preview
          </button>
        </p>
      </form>
    </AdminLayout>
  );
}

export function SectionsPage({
  ctx,
  sections,
  error,
  notice,
}: {
  ctx: PageContext;
  sections: Section[];
  error?: string | null;
  notice?: string | null;
}) {
  return (
    <AdminLayout ctx={ctx} title="Sections" error={error} notice={notice}>
      <form method="post" action="/admin/sections/order" class="admin-form">
        <Csrf ctx={ctx} />
        <table class="admin-table">
          <thead>
            <tr>
              <th>Order</th>
              <th>Name</th>
              <th>Description</th>
              <th>Address</th>
            </tr>
          </thead>
          <tbody>
            {sections.map((s) => (
              <tr key={s.id}>
                <td>
                  <input
                    class="narrow"
                    type="number"
                    name={`pos_${s.id}`}
                    value={String(s.position)}
                    aria-label={`Order of ${s.name}`}
                  />
                </td>
                <td>
                  <input
                    type="text"
                    name={`name_${s.id}`}
                    value={s.name}
                    aria-label={`Name of ${s.name}`}
                    maxLength={60}
                    required
                  />
                </td>
                <td>
                  <input
                    type="text"
                    name={`desc_${s.id}`}
                    value={s.description}
                    aria-label={`Description of ${s.name}`}
                    maxLength={300}
                  />
                </td>
                <td>
                  <a href={`/sections/${s.slug}`}>/sections/{s.slug}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="submit">Save sections</button>
      </form>
      <h2>Add a section</h2>
      <form method="post" action="/admin/sections" class="admin-form">
        <Csrf ctx={ctx} />
        <label for="new-name">Name</label>
        <input id="new-name" name="name" type="text" required maxLength={60} />
        <label for="new-desc">Description</label>
        <input id="new-desc" name="description" type="text" maxLength={300} />
        <button type="submit">Add section</button>
      </form>
    </AdminLayout>
  );
}

export function ReleaseQueuePage({
  ctx,
  queue,
  recent,
  notice,
}: {
  ctx: PageContext;
  queue: PressRelease[];
  recent: PressRelease[];
  notice?: string | null;
}) {
  return (
    <AdminLayout ctx={ctx} title="Press releases" notice={notice}>
      {queue.length ? (
        <table class="admin-table">
          <thead>
            <tr>
              <th>Title</th>
              <th>Organisation</th>
              <th>Received</th>
              <th>Form</th>
            </tr>
          </thead>
          <tbody>
            {queue.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`/admin/press-releases/${r.id}`}>{r.title}</a>
                </td>
                <td>{r.organisation}</td>
                <td>{formatDateTime(r.created_at)}</td>
                <td>
                  {r.licensed ? (
                    <span class="badge ok">Licensed: links and images kept</span>
                  ) : (
                    'Plain text'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>The queue is empty.</p>
      )}
      {recent.length ? (
        <>
          <h2>Recently decided</h2>
          <ul>
            {recent.map((r) => (
              <li key={r.id}>
                {r.title} — {r.status}
                {r.reason ? `: ${r.reason}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </AdminLayout>
  );
}

export function ReleaseEditPage({
  ctx,
  release,
  sections,
  preview,
  error,
}: {
  ctx: PageContext;
  release: PressRelease;
  sections: Section[];
  preview: ComponentChildren;
  error?: string | null;
}) {
  const a = `/admin/press-releases/${release.id}`;
  return (
    <AdminLayout ctx={ctx} title={`Press release: ${release.title}`} error={error}>
      <p class="meta">
        From {release.organisation} ({release.contact}), submitted by {release.email} on{' '}
        {formatDateTime(release.created_at)}.{' '}
        {release.licensed
          ? 'Licensed organisation: links and images are kept (sanitised).'
          : 'Not licensed: published as plain text, links removed.'}
      </p>
      <h2>As it will appear</h2>
      <div class="story-body preview">{preview}</div>
      {release.status === 'pending' ? (
        <>
          <h2>Approve</h2>
          <form method="post" action={`${a}/approve`} class="admin-form">
            <Csrf ctx={ctx} />
            <label for="approve-section">Publish in section</label>
            <select id="approve-section" name="section_id">
              {sections.map((s) => (
                <option key={s.id} value={String(s.id)} selected={s.id === release.section_id}>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="submit">Approve and publish</button>
          </form>
          <h2>Edit</h2>
          <form method="post" action={`${a}/edit`} class="admin-form">
            <Csrf ctx={ctx} />
            <label for="r-title">Title</label>
            <input
              id="r-title"
              name="title"
              type="text"
              value={release.title}
              required
              maxLength={200}
            />
            <MarkdownField
              id="r-body"
              name="body"
              label={release.licensed ? 'Text (Markdown or HTML)' : 'Text (links are removed)'}
              value={release.body}
              previewUrl="/admin/preview"
              mode={release.licensed ? 'release-licensed' : 'release-plain'}
              links={release.licensed === 1}
            />
            <label for="r-org">Organisation</label>
            <input
              id="r-org"
              name="organisation"
              type="text"
              value={release.organisation}
              required
              maxLength={200}
            />
            <label for="r-contact">Press contact</label>
            <input
              id="r-contact"
              name="contact"
              type="text"
              value={release.contact}
              required
              maxLength={300}
            />
            <label for="r-section">Suggested section</label>
            <select id="r-section" name="section_id">
              {sections.map((s) => (
                <option key={s.id} value={String(s.id)} selected={s.id === release.section_id}>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="submit">Save changes</button>
          </form>
          <h2>Reject</h2>
          <form method="post" action={`${a}/reject`} class="admin-form">
            <Csrf ctx={ctx} />
            <label for="reason">Reason (sent to the submitter)</label>
            <textarea id="reason" name="reason" rows={3} required maxLength={2000}></textarea>
            <button type="submit" class="secondary">
              Reject
            </button>
          </form>
        </>
      ) : (
        <p>
          This release was {release.status}
          {release.reason ? `: ${release.reason}` : '.'}
        </p>
      )}
    </AdminLayout>
  );
}

export function SubmitReleasePage({
  ctx,
  sections,
  licensed,
  values,
  error,
  done,
}: {
  ctx: PageContext;
  sections: Section[];
  licensed: boolean;
  values: Record<string, string>;
  error?: string | null;
  done?: boolean;
}) {
  return (
    <Layout ctx={ctx} title="Submit a press release" noindex>
      <div class="prose admin">
        <h1>Submit a press release</h1>
        {done ? (
          <p class="notice ok" role="status">
            Thank you. The editors will read your release; we will mail you when it is published.
          </p>
        ) : null}
        {error ? (
          <p class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        {licensed ? (
          <p class="notice ok">
            Your organisation is licensed: your release keeps its links and images (HTML is accepted
            and cleaned), and it goes to the top of the editors' queue.
          </p>
        ) : (
          <p class="notice licence-needed">
            Releases from organisations without a licence keep their Markdown formatting (bold,
            paragraphs, lists, tables) but lose links and images.{' '}
            <a href="/about/licensing">Licensed organisations</a> keep them.
          </p>
        )}
        <form method="post" action="/press-releases" class="admin-form">
          <Csrf ctx={ctx} />
          <label for="pr-title">Title</label>
          <input
            id="pr-title"
            name="title"
            type="text"
            required
            maxLength={200}
            value={values.title ?? ''}
          />
          <MarkdownField
            id="pr-body"
            name="body"
            label="Text"
            value={values.body ?? ''}
            previewUrl="/press-releases/preview"
            rows={14}
            links={licensed}
          />
          <label for="pr-org">Organisation</label>
          <input
            id="pr-org"
            name="organisation"
            type="text"
            required
            maxLength={200}
            value={values.organisation ?? ''}
          />
          <label for="pr-contact">Press contact (name, email or phone)</label>
          <input
            id="pr-contact"
            name="contact"
            type="text"
            required
            maxLength={300}
            value={values.contact ?? ''}
          />
          <label for="pr-section">Suggested section</label>
          <select id="pr-section" name="section_id">
            {sections.map((s) => (
              <option key={s.id} value={String(s.id)} selected={String(s.id) === values.section_id}>
                {s.name}
              </option>
            ))}
          </select>
          <button type="submit">Submit the release</button>
        </form>
      </div>
    </Layout>
  );
}

export { storyPath };
