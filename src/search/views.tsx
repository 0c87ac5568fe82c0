/** The search results page: box, active filters, facets, per-month chart, hits, pagination. */
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatCount, formatDate } from '../web/format.ts';
import { tagMeaning } from '../cables/parse/tags.ts';
import type { SearchParams } from './query.ts';
import { EARLY_NOTICE } from './early.ts';
import { aroundPosition, pageState, shortQuery } from './forgiving.ts';
import {
  FACETS,
  highlightHtml,
  type FacetName,
  type FacetValue,
  type SearchResult,
} from './service.ts';

type UrlState = Partial<
  Record<
    | 'q'
    | 'kind'
    | 'origin'
    | 'classification'
    | 'year'
    | 'from'
    | 'to'
    | 'section'
    | 'sort'
    | 'page'
    | 'size',
    string
  >
> & { tag?: string[] };

function stateOf(p: SearchParams): UrlState {
  const s: UrlState = { q: p.q, tag: [...p.tag] };
  if (p.kind) s.kind = p.kind;
  if (p.origin) s.origin = p.origin;
  if (p.classification) s.classification = p.classification;
  if (p.year !== undefined) s.year = String(p.year);
  if (p.from) s.from = p.from;
  if (p.to) s.to = p.to;
  if (p.section) s.section = p.section;
  if (p.sort !== (p.q.trim() ? 'relevance' : 'newest')) s.sort = p.sort;
  if (p.size !== 20) s.size = String(p.size);
  return s;
}

export function searchHref(s: UrlState): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) {
    if (k === 'tag') for (const t of v as string[]) u.append('tag', t);
    else if (v !== undefined && v !== '') u.set(k, v as string);
  }
  const qs = u.toString();
  return qs ? `/search?${qs}` : '/search';
}

const FACET_TITLES: Record<FacetName, string> = {
  kind: 'Type',
  origin: 'Origin',
  classification: 'Classification',
  tag: 'Tags',
  year: 'Year',
  section: 'Section',
};

function facetLabel(facet: FacetName, value: string, ctx: PageContext): string {
  if (facet === 'kind') return value === 'cable' ? 'Cables' : 'Stories';
  if (facet === 'section') return ctx.sections.find((s) => s.slug === value)?.name ?? value;
  if (facet === 'tag') {
    const m = tagMeaning(value);
    return m ? `${value} — ${m}` : value;
  }
  return value;
}

/** Whether a facet value is the active filter of its parameter. */
function isActive(facet: FacetName, value: string, s: UrlState): boolean {
  if (facet === 'tag') return (s.tag ?? []).includes(value.toUpperCase());
  const cur = s[facet];
  return cur !== undefined && cur.toLowerCase() === value.toLowerCase();
}

function toggle(facet: FacetName, value: string, s: UrlState): string {
  const next: UrlState = { ...s, tag: [...(s.tag ?? [])] };
  delete next.page;
  if (facet === 'tag') {
    const v = value.toUpperCase();
    next.tag = next.tag!.includes(v) ? next.tag!.filter((t) => t !== v) : [...next.tag!, v];
  } else if (isActive(facet, value, s)) delete next[facet];
  else next[facet] = facet === 'classification' ? value.toLowerCase() : value;
  return searchHref(next);
}

function Facet({
  facet,
  values,
  s,
  ctx,
}: {
  facet: FacetName;
  values: FacetValue[];
  s: UrlState;
  ctx: PageContext;
}) {
  if (!values.length) return null;
  const shown =
    facet === 'year'
      ? [...values].sort((a, b) => Number(b.value) - Number(a.value))
      : values.slice(0, 12);
  return (
    <section class="facet" aria-labelledby={`facet-${facet}`}>
      <h3 id={`facet-${facet}`}>{FACET_TITLES[facet]}</h3>
      <ul>
        {shown.map((v) => {
          const active = isActive(facet, v.value, s);
          return (
            <li key={v.value}>
              <a
                href={toggle(facet, v.value, s)}
                class={active ? 'active' : undefined}
                aria-current={active ? 'true' : undefined}
                rel="nofollow"
              >
                {active ? <span aria-hidden="true">✕ </span> : null}
                {facetLabel(facet, v.value, ctx)}
              </a>{' '}
              <span class="count">{formatCount(v.count)}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function monthEnd(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m, 0));
  return d.toISOString().slice(0, 10);
}

/**
 * Past this many months between the first and the last match, the chart has a bar per year
 * instead of a bar per month: a search over the whole archive (1966–2010) would otherwise draw
 * 500-odd bars, each a link carrying the whole query, under a pixel and a half wide on a 720-unit
 * chart. The page's size and the time to make it on the event loop then grew with the query's
 * length times the archive's span (a few hundred KB and up to 80 ms per answer under load).
 */
export const MONTH_CHART_MAX_MONTHS = 120;

/**
 * Matches per month as bars (per year past MONTH_CHART_MAX_MONTHS); each bar links to the same
 * search within its month or year.
 */
export function MonthChart({ months, s }: { months: FacetValue[]; s: UrlState }) {
  if (months.length < 2) return null;
  const index = (v: string) => {
    const [y, m] = v.split('-').map(Number);
    return y * 12 + m - 1;
  };
  const firstMonth = index(months[0].value);
  const lastMonth = index(months[months.length - 1].value);
  const byYear = lastMonth - firstMonth + 1 > MONTH_CHART_MAX_MONTHS;
  // One bar per month, or per year: its position, count and the dates it links to.
  const bars: { at: number; value: string; count: number; from: string; to: string }[] = [];
  for (const m of months) {
    if (!byYear) {
      bars.push({
        at: index(m.value),
        value: m.value,
        count: m.count,
        from: `${m.value}-01`,
        to: monthEnd(m.value),
      });
      continue;
    }
    const y = Number(m.value.slice(0, 4));
    const last = bars[bars.length - 1];
    if (last && last.at === y) last.count += m.count;
    else
      bars.push({ at: y, value: String(y), count: m.count, from: `${y}-01-01`, to: `${y}-12-31` });
  }
  if (bars.length < 2) return null;
  const first = bars[0].at;
  const span = bars[bars.length - 1].at - first + 1;
  const max = Math.max(...bars.map((b) => b.count));
  const W = 720,
    H = 120,
    bw = W / span;
  const label = (b: { value: string }) => b.value.slice(0, 4);
  // The search's own address once; each bar adds its dates (the query may be hundreds of bytes).
  const base = searchHref({ ...s, from: undefined, to: undefined, page: undefined });
  const sep = base.includes('?') ? '&' : '?';
  return (
    <figure class="month-chart">
      <svg
        viewBox={`0 0 ${W} ${H + 18}`}
        role="img"
        aria-labelledby="chart-title"
        preserveAspectRatio="none"
      >
        <title id="chart-title">
          Matches per {byYear ? 'year' : 'month'}, {months[0].value} to{' '}
          {months[months.length - 1].value}
        </title>
        {bars.map((b) => {
          const i = b.at - first;
          const bh = Math.max(1, (b.count / max) * H);
          const href = `${base}${sep}from=${b.from}&to=${b.to}`;
          return (
            <a key={b.value} href={href} aria-label={`${b.value}: ${b.count}`}>
              <rect
                class="bar"
                x={(i * bw).toFixed(2)}
                y={(H - bh).toFixed(2)}
                width={Math.max(bw - (bw > 3 ? 1 : 0), 0.5).toFixed(2)}
                height={bh.toFixed(2)}
              >
                <title>
                  {b.value}: {formatCount(b.count)}
                </title>
              </rect>
            </a>
          );
        })}
        <text x="0" y={H + 14} class="axis">
          {label(bars[0])}
        </text>
        <text x={W} y={H + 14} class="axis" text-anchor="end">
          {label(bars[bars.length - 1])}
        </text>
      </svg>
      <figcaption>
        Matches per{' '}
        {byYear ? 'year — click a bar to see that year' : 'month — click a bar to see that month'}.
      </figcaption>
    </figure>
  );
}

/** Why a search was not answered: unreadable, too costly, too slow, over the rate limit, queue full. */
export type SearchNotice = 'syntax' | 'cost' | 'time' | 'rate' | 'busy';

const NOTICE_TITLES: Record<SearchNotice, string> = {
  syntax: 'That search could not be read.',
  cost: 'That search asks for more work than one search may do.',
  time: 'That search took too long and was stopped.',
  rate: 'Too many searches in a short time.',
  busy: 'Too many searches waiting.',
};

const SUGGESTIONS = [
  '"shining path"',
  'origin:lima terrorism',
  'tag:PTER year:2009',
  'classification:secret narcotics',
];

export function SearchPage({
  ctx,
  q,
  params,
  outcome,
  problem,
  position,
  notice = 'syntax',
}: {
  ctx: PageContext;
  q: string;
  params: SearchParams | null;
  outcome: SearchResult | null;
  problem?: string;
  position?: number;
  notice?: SearchNotice;
}) {
  const s = params ? stateOf(params) : { q };
  const title = q.trim() ? `Search: ${shortQuery(q)}` : 'Search the archive';
  const r = outcome;
  const { pages, past } = r ? pageState(r.total, r.size, r.page) : { pages: 1, past: false };
  const lastPage = (n: number) => searchHref({ ...s, page: n > 1 ? String(n) : undefined });
  const echo = position !== undefined && q ? aroundPosition(q, position) : null;
  const activeFilters: { label: string; href: string }[] = [];
  if (params) {
    for (const f of [
      'kind',
      'origin',
      'classification',
      'year',
      'section',
      'from',
      'to',
    ] as const) {
      const v = s[f];
      if (v) {
        const next = { ...s, tag: [...(s.tag ?? [])] };
        delete next[f];
        activeFilters.push({ label: `${f}: ${v}`, href: searchHref(next) });
      }
    }
    for (const t of s.tag ?? [])
      activeFilters.push({
        label: `tag: ${t}`,
        href: searchHref({ ...s, tag: (s.tag ?? []).filter((x) => x !== t) }),
      });
  }
  const hidden = Object.entries(s).flatMap(([k, v]) =>
    k === 'q' || k === 'page'
      ? []
      : k === 'tag'
        ? (v as string[]).map((t) => ({ k, v: t }))
        : v
          ? [{ k, v: v as string }]
          : [],
  );
  return (
    <Layout
      ctx={ctx}
      title={title}
      noindex={!!(q.trim() || activeFilters.length)}
      canonical="/search"
    >
      <div class="search-page">
        <h1>Search the archive</h1>
        <form class="search-main" method="get" action="/search" role="search">
          <label for="search-q" class="visually-hidden">
            Search cables and stories
          </label>
          <input
            id="search-q"
            type="search"
            name="q"
            value={q}
            maxLength={500}
            placeholder='e.g. "shining path" origin:lima'
            aria-describedby={problem ? 'search-problem' : undefined}
          />
          {hidden.map((x) => (
            <input key={`${x.k}=${x.v}`} type="hidden" name={x.k} value={x.v} />
          ))}
          <button class="button" type="submit">
            Search
          </button>
        </form>
        <p class="search-archive-link">
          Or browse the <a href="/cables">cable archive</a> by embassy, month, classification and
          tag.
        </p>
        {problem ? (
          <div class="notice error" role="alert" id="search-problem">
            <p>
              <strong>{NOTICE_TITLES[notice]}</strong> {problem}
            </p>
            {echo ? (
              <p class="query-echo">
                <code>{echo.before}</code>
                <code class="at">{echo.at || ' '}</code>
                <code>{echo.after}</code>
              </p>
            ) : null}
            {notice === 'syntax' || notice === 'cost' || notice === 'time' ? (
              <p>
                Words match anywhere; use quotes for a phrase (<code>"shining path"</code>),{' '}
                <code>OR</code> in capitals for alternatives, <code>-word</code> to leave something
                out, <code>terror*</code> for word starts, and filters such as{' '}
                <code>origin:lima</code>, <code>tag:PTER</code>, <code>year:2009</code>,{' '}
                <code>classification:secret</code>, <code>from:2009-01-01</code>.
              </p>
            ) : null}
          </div>
        ) : null}
        {activeFilters.length ? (
          <p class="active-filters">
            Filters:{' '}
            {activeFilters.map((f) => (
              <a
                key={f.label}
                class="chip"
                href={f.href}
                rel="nofollow"
                aria-label={`Remove ${f.label}`}
              >
                {f.label} <span aria-hidden="true">✕</span>
              </a>
            ))}
          </p>
        ) : null}
        {r?.notices.length ? (
          <div class="notice" role="note" id="search-notices">
            {r.notices.map((n) => (
              <p key={n}>{n}</p>
            ))}
          </div>
        ) : null}
        {r?.warming ? (
          <p class="notice" role="note" id="search-warming">
            <strong>The search index is warming up</strong> after a restart. Results come straight
            from the database for now: searches are slower, and very large result sets are listed
            newest first instead of by relevance.
          </p>
        ) : null}
        {r?.countsPending ? (
          <p class="notice" role="note" id="search-counts-pending">
            {EARLY_NOTICE}
          </p>
        ) : null}
        {r ? (
          <div class="search-grid">
            <div class="search-results">
              <div class="results-head">
                <p class="meta" role="status">
                  {formatCount(r.total)} {r.total === 1 ? 'result' : 'results'}
                  {r.total && !past ? ` · page ${r.page} of ${formatCount(pages)}` : ''} ·{' '}
                  {r.tookMs} ms
                </p>
                {r.total > 1 ? (
                  <p class="sort meta">
                    Sort:{' '}
                    {(['relevance', 'newest', 'oldest'] as const).map((o, i) => (
                      <>
                        {i ? ' · ' : ''}
                        {params?.sort === o ? (
                          <strong aria-current="true">{o}</strong>
                        ) : (
                          <a href={searchHref({ ...s, sort: o, page: undefined })} rel="nofollow">
                            {o}
                          </a>
                        )}
                      </>
                    ))}
                  </p>
                ) : null}
              </div>
              <MonthChart months={r.months} s={s} />
              {r.hits.length ? (
                <ol class="hits" start={(r.page - 1) * r.size + 1}>
                  {r.hits.map((hit) => (
                    <li key={`${hit.kind}-${hit.id}`} class={`hit ${hit.kind}`}>
                      <h2>
                        <a
                          href={hit.url}
                          dangerouslySetInnerHTML={{
                            __html: highlightHtml(hit.title, r.highlight),
                          }}
                        />
                      </h2>
                      <p class="meta">
                        <span class="badge">{hit.kind === 'cable' ? 'Cable' : 'Story'}</span>{' '}
                        {hit.referenceId ? <>{hit.referenceId} · </> : null}
                        <time dateTime={hit.date}>{formatDate(hit.date)}</time>
                        {hit.origin ? <> · {hit.origin}</> : null}
                        {hit.classification ? <> · {hit.classification}</> : null}
                        {hit.storyUrl ? (
                          <>
                            {' '}
                            · <a href={hit.storyUrl}>Read as a Cablegate story</a>
                          </>
                        ) : null}
                        {hit.section ? (
                          <>
                            {' '}
                            ·{' '}
                            {ctx.sections.find((x) => x.slug === hit.section)?.name ?? hit.section}
                          </>
                        ) : null}
                      </p>
                      <p class="snippet" dangerouslySetInnerHTML={{ __html: hit.snippet }} />
                    </li>
                  ))}
                </ol>
              ) : r.total ? (
                <p class="notice" id="search-past-end">
                  Page {formatCount(r.page)} is past the end of these results:{' '}
                  {pages === 1 ? 'they fit on one page' : `there are ${formatCount(pages)} pages`}.{' '}
                  <a href={lastPage(pages)}>
                    {pages === 1
                      ? 'See the results'
                      : `Go to the last page (${formatCount(pages)})`}
                  </a>
                  .
                </p>
              ) : (
                <div class="empty-state">
                  <h2>Nothing matched</h2>
                  <ul>
                    {activeFilters.length ? (
                      <li>
                        Remove a filter, or{' '}
                        <a href={searchHref({ q: s.q })}>search without filters</a>.
                      </li>
                    ) : null}
                    <li>Check the spelling, or use fewer or more general words.</li>
                    <li>
                      Use <code>*</code> for word starts (<code>terror*</code>) and <code>OR</code>{' '}
                      for alternatives.
                    </li>
                    <li>
                      Try{' '}
                      {SUGGESTIONS.map((x, i) => (
                        <>
                          {i ? ', ' : ''}
                          <a href={searchHref({ q: x })}>{x}</a>
                        </>
                      ))}
                      .
                    </li>
                  </ul>
                </div>
              )}
              {pages > 1 && r.hits.length ? (
                <nav class="pager" aria-label="Result pages">
                  {r.page > 1 ? (
                    <a
                      rel="prev"
                      href={searchHref({ ...s, page: r.page > 2 ? String(r.page - 1) : undefined })}
                    >
                      ← Previous
                    </a>
                  ) : (
                    <span />
                  )}
                  <span class="meta">
                    Page {r.page} of {formatCount(pages)}
                  </span>
                  {r.page < pages && r.page < 1000 ? (
                    <a rel="next" href={searchHref({ ...s, page: String(r.page + 1) })}>
                      Next →
                    </a>
                  ) : (
                    <span />
                  )}
                </nav>
              ) : null}
            </div>
            <aside class="facets" aria-label="Refine">
              {FACETS.map((f) => (
                <Facet key={f} facet={f} values={r.facets[f]} s={s} ctx={ctx} />
              ))}
            </aside>
          </div>
        ) : null}
      </div>
    </Layout>
  );
}
