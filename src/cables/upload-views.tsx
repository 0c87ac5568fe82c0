/** The cable uploads' pages (in the newsroom): the upload form with recent imports, an import's progress. */
import { Fragment } from 'preact';
import type { PageContext } from '../web/context.ts';
import { formatDateTime, formatCount } from '../web/format.ts';
import { Csrf } from '../web/components.tsx';
import { AdminLayout } from '../stories/admin-views.tsx';
import type { SlotFill } from '../stories/slots.ts';
import { importOutcome } from './import-outcome.ts';
import type { CableUpload } from './uploads.ts';

/** The latest imports at the end of the newsroom's dashboard (src/stories/slots.ts); none: nothing. */
export function recentUploadsFill(uploads: CableUpload[]): SlotFill | null {
  if (!uploads.length) return null;
  return {
    key: uploads.map((u) => `${u.id}:${u.status}`).join(','),
    node: (
      <Fragment key="cable-uploads">
        <h2>Cable imports</h2>
        <UploadTable uploads={uploads} />
      </Fragment>
    ),
  };
}

function UploadTable({ uploads }: { uploads: CableUpload[] }) {
  return (
    <table class="admin-table">
      <thead>
        <tr>
          <th>File</th>
          <th>Status</th>
          <th>Uploaded</th>
        </tr>
      </thead>
      <tbody>
        {uploads.map((u) => (
          <tr key={u.id}>
            <td>
              <a href={`/admin/cables/${u.id}`}>{u.original_name}</a>
            </td>
            <td>{u.status}</td>
            <td>{formatDateTime(u.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CableUploadPage({
  ctx,
  uploads,
  error,
  maxMb,
}: {
  ctx: PageContext;
  uploads: CableUpload[];
  error?: string | null;
  maxMb: number;
}) {
  return (
    <AdminLayout ctx={ctx} title="Import cables" error={error}>
      <p>
        Upload a cables file (cables.csv, JSON lines, or text/HTML cables; up to{' '}
        {formatCount(maxMb)} MB). It is imported in the background with the same importer as the
        command line; a re-upload of the same file updates changed cables and resumes an interrupted
        import.
      </p>
      <form
        method="post"
        action={`/admin/cables?_csrf=${encodeURIComponent(ctx.csrf)}`}
        enctype="multipart/form-data"
        class="admin-form"
      >
        <Csrf ctx={ctx} />
        <label for="cables-file">Cables file</label>
        <input id="cables-file" name="file" type="file" required />
        <button type="submit">Upload and import</button>
      </form>
      {uploads.length ? <UploadTable uploads={uploads} /> : null}
    </AdminLayout>
  );
}

export function CableUploadStatusPage({ ctx, upload }: { ctx: PageContext; upload: CableUpload }) {
  const p = upload.progress
    ? (JSON.parse(upload.progress) as {
        bytesDone: number;
        bytesTotal: number;
        records: number;
        new: number;
        updated: number;
        unchanged: number;
        skipped: number;
      })
    : null;
  const s = upload.summary
    ? (JSON.parse(upload.summary) as {
        new: number;
        updated: number;
        unchanged: number;
        skipped: number;
        seconds: number;
        skippedReasons: Record<string, number>;
      })
    : null;
  const o = s ? importOutcome(s) : null;
  const running = upload.status === 'queued' || upload.status === 'running';
  const pct =
    p && p.bytesTotal
      ? Math.floor((100 * p.bytesDone) / p.bytesTotal)
      : upload.status === 'done'
        ? 100
        : 0;
  return (
    <AdminLayout
      ctx={ctx}
      title={`Import: ${upload.original_name}`}
      refresh={running ? 3 : undefined}
    >
      <div
        class="import-status"
        data-status-url={`/admin/cables/${upload.id}/status`}
        data-status={upload.status}
      >
        <p>
          Status: <strong class="js-status">{upload.status}</strong>
        </p>
        <progress class="js-progress" max="100" value={String(pct)}>
          {pct}%
        </progress>
        {running || !s ? (
          <p class="js-counts">
            {p
              ? `${formatCount(p.records)} records read so far: ${formatCount(p.new)} new, ${formatCount(p.updated)} updated, ${formatCount(p.unchanged)} unchanged, ${formatCount(p.skipped)} skipped`
              : running
                ? 'Waiting to start…'
                : ''}
          </p>
        ) : null}
      </div>
      {s ? (
        <div class={o!.ok ? 'notice ok' : 'notice error'} role={o!.ok ? 'status' : 'alert'}>
          <p>
            {o!.ok ? `Done in ${s.seconds.toFixed(1)} s: ` : 'Nothing was imported: '}
            {o!.counts}
          </p>
          {o!.reasons.length ? (
            <>
              <p>Skipped records, by reason:</p>
              <ul>
                {o!.reasons.map(([r, n]) => (
                  <li key={r}>
                    {r}: {formatCount(n)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
      {upload.error && !s ? <p class="notice error">The import failed: {upload.error}</p> : null}
      {upload.error && s && o?.failure ? <p class="notice error">{o.failure}</p> : null}
      <p>
        <a href="/admin/cables">All imports</a>
      </p>
    </AdminLayout>
  );
}
