/** The cable archive at the front door: the home page's box with its size, search and browsing. */
import type { ArchiveSummary } from './summary.ts';
import { facetSlug } from './store.ts';
import { MONTH_NAMES, formatCount } from '../web/format.ts';
import type { SlotFill } from '../stories/slots.ts';

/** The box on the home page (src/stories/slots.ts). */
export function archiveBoxFill(archive: ArchiveSummary): SlotFill {
  return { key: JSON.stringify(archive), node: <ArchiveBox key="archive" archive={archive} /> };
}

export function monthName(key: string): string {
  const [y, m] = key.split('-');
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${y}`;
}

export function ArchiveBox({ archive }: { archive: ArchiveSummary }) {
  return (
    <section class="archive-box" aria-labelledby="archive-box-title">
      <h2 id="archive-box-title">
        <a href="/cables">The cable archive</a>
      </h2>
      {archive.total === 0 ? (
        <p>The archive has no cables yet.</p>
      ) : (
        <>
          <p class="archive-count">
            <strong>{formatCount(archive.total)}</strong> diplomatic cable
            {archive.total === 1 ? '' : 's'}
            {archive.span ? (
              <>
                , {monthName(archive.span.from)} to {monthName(archive.span.to)}
              </>
            ) : null}
            , free to read and search.
          </p>
          <form class="archive-search" method="get" action="/search" role="search">
            <input type="hidden" name="kind" value="cable" />
            <label for="archive-q" class="visually-hidden">
              Search the cables
            </label>
            <input
              id="archive-q"
              type="search"
              name="q"
              placeholder="Search the cables"
              maxLength={500}
            />
            <button type="submit">Search</button>
          </form>
          <h3>By embassy</h3>
          <ul class="archive-links">
            {archive.origins.map((o) => (
              <li key={o.key}>
                <a href={`/cables/origin/${facetSlug(o.key)}`}>{o.key}</a>{' '}
                <span class="count">{formatCount(o.count)}</span>
              </li>
            ))}
          </ul>
          <h3>By month</h3>
          <ul class="archive-links">
            {archive.months.map((m) => (
              <li key={m.key}>
                <a href={`/cables/month/${m.key}`}>{monthName(m.key)}</a>{' '}
                <span class="count">{formatCount(m.count)}</span>
              </li>
            ))}
          </ul>
          <p class="more">
            <a href="/cables">Every embassy, year and tag in the archive →</a>
          </p>
        </>
      )}
    </section>
  );
}
