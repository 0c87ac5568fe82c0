/** Ad management pages. */
import type { PageContext } from '../web/context.ts';
import { formatCount, formatDate } from '../web/format.ts';
import { AdminLayout } from '../stories/admin-views.tsx';
import { Csrf } from '../web/components.tsx';
import type { Section } from '../stories/store.ts';
import type { Ad } from './store.ts';

export interface AdFormValues {
  kind: 'text' | 'image';
  headline: string;
  body: string;
  image_url: string;
  link_url: string;
  weight: string;
  starts_at: string;
  ends_at: string;
  sections: string[];
}

export function AdsAdminPage({
  ctx,
  ads,
  notice,
}: {
  ctx: PageContext;
  ads: Ad[];
  notice?: string | null;
}) {
  return (
    <AdminLayout ctx={ctx} title="House ads" notice={notice}>
      <p>
        <a class="button" href="/admin/ads/new">
          New ad
        </a>
      </p>
      <table class="admin-table">
        <thead>
          <tr>
            <th>Ad</th>
            <th>Weight</th>
            <th>Runs</th>
            <th>Sections</th>
            <th>Impressions</th>
            <th>Clicks</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {ads.map((a) => (
            <tr key={a.id}>
              <td>
                <a href={`/admin/ads/${a.id}/edit`}>{a.headline}</a> ({a.kind})
              </td>
              <td>{a.weight}</td>
              <td>
                {a.starts_at ? formatDate(a.starts_at) : 'now'} –{' '}
                {a.ends_at ? formatDate(a.ends_at) : 'open'}
              </td>
              <td>{a.sections.trim() || 'all'}</td>
              <td>{formatCount(Number(a.impressions))}</td>
              <td>{formatCount(Number(a.clicks))}</td>
              <td>
                <form method="post" action={`/admin/ads/${a.id}/delete`}>
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
    </AdminLayout>
  );
}

export function AdFormPage({
  ctx,
  values,
  id,
  sections,
  error,
}: {
  ctx: PageContext;
  values: AdFormValues;
  id: number | null;
  sections: Section[];
  error?: string;
}) {
  return (
    <AdminLayout ctx={ctx} title={id ? 'Edit ad' : 'New ad'} error={error}>
      <form method="post" action={id ? `/admin/ads/${id}` : '/admin/ads'} class="admin-form">
        <Csrf ctx={ctx} />
        <label for="ad-kind">Kind</label>
        <select id="ad-kind" name="kind">
          <option value="text" selected={values.kind === 'text'}>
            Text
          </option>
          <option value="image" selected={values.kind === 'image'}>
            Image
          </option>
        </select>
        <label for="ad-headline">Headline</label>
        <input
          id="ad-headline"
          name="headline"
          type="text"
          required
          maxLength={120}
          value={values.headline}
        />
        <label for="ad-body">Text</label>
        <input id="ad-body" name="body" type="text" maxLength={300} value={values.body} />
        <label for="ad-image">Image address (image ads; 600×120)</label>
        <input id="ad-image" name="image_url" type="text" value={values.image_url} />
        <label for="ad-link">Links to</label>
        <input id="ad-link" name="link_url" type="text" required value={values.link_url} />
        <label for="ad-weight">Weight (how often it shows, relative to other ads)</label>
        <input
          id="ad-weight"
          name="weight"
          type="number"
          min="0"
          max="1000"
          value={values.weight}
        />
        <label for="ad-start">Starts (YYYY-MM-DD, empty for now)</label>
        <input id="ad-start" name="starts_at" type="date" value={values.starts_at} />
        <label for="ad-end">Ends (empty for no end)</label>
        <input id="ad-end" name="ends_at" type="date" value={values.ends_at} />
        <fieldset>
          <legend>Sections (none ticked: everywhere)</legend>
          {sections.map((s) => (
            <label key={s.slug} class="check">
              <input
                type="checkbox"
                name="sections"
                value={s.slug}
                checked={values.sections.includes(s.slug)}
              />{' '}
              {s.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">Save ad</button>
      </form>
    </AdminLayout>
  );
}
