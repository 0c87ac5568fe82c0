/** Cable archive pages: one cable, the browse page (with the cables-per-month chart) and listings. */
import { cableHead } from '../stories/meta.tsx';
import { safeHref } from '../stories/links.ts';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { MONTH_NAMES, formatCount, formatDate, formatDateTime } from '../web/format.ts';
import { tagMeaning, type ParsedCable, type Paragraph } from './parse/index.ts';
import {
  facetSlug,
  type Cable,
  type CableLink,
  type CableListItem,
  type Count,
  type Facets,
} from './store.ts';

export function cablePath(id: string): string {
  return `/cables/${encodeURIComponent(id)}`;
}

/** Portion marking → colour class and words, so colour is never the only signal. */
export function markingInfo(marking: string | null): { cls: string; label: string } {
  if (!marking) return { cls: 'mark-none', label: 'No portion marking' };
  const m = marking.toUpperCase().replace(/\s+/g, '');
  const nf = /\/(NF|NOFORN)/.test(m);
  const base = m.split('/')[0];
  let cls = 'mark-u';
  let label = 'Unclassified';
  if (base === 'S' || base === 'SECRET') {
    cls = 'mark-s';
    label = 'Secret';
  } else if (base === 'C' || base === 'CONFIDENTIAL') {
    cls = 'mark-c';
    label = 'Confidential';
  } else if (base === 'SBU') label = 'Sensitive but unclassified';
  else if (base === 'LOU') label = 'Limited official use';
  return {
    cls: cls + (nf ? ' mark-nf' : ''),
    label: label + (nf ? ', no foreign nationals (NOFORN)' : ''),
  };
}

function LinkList({ items, empty }: { items: CableLink[]; empty: string }) {
  if (!items.length) return <p class="meta">{empty}</p>;
  return (
    <ul class="cable-links">
      {items.map((r) => (
        <li key={r.reference_id}>
          {r.held ? (
            <>
              <a href={cablePath(r.reference_id)}>{r.reference_id}</a>
              {r.title ? <span> — {r.title}</span> : null}
              {r.created ? <span class="meta"> · {formatDate(r.created)}</span> : null}
            </>
          ) : (
            <>
              <span class="ref-missing">{r.reference_id}</span>{' '}
              <span class="meta">(not in the archive)</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * A heading the cable's author typed between paragraphs ("PERU: A GOOD FRIEND IN THE REGION"):
 * one short line in capitals, not a sentence. The parser leaves it at the end of the paragraph
 * before it; the page shows it as a heading of its own, between the two paragraph boxes.
 */
export function isCableHeading(block: string): boolean {
  const t = block.trim();
  return (
    t.length >= 3 &&
    t.length <= 90 &&
    !t.includes('\n') &&
    /[A-Z]{2}/.test(t) &&
    !/[a-z]/.test(t) &&
    !/[.;,]$/.test(t) &&
    !/^\(?[A-Z]{1,2}(\/\/[A-Z]+)?\)$/.test(t)
  );
}

function ParagraphView({ p, index }: { p: Paragraph; index: number }) {
  const id = p.number !== null ? `p${p.number}` : `u${index + 1}`;
  const mark = markingInfo(p.marking);
  const blocks = p.text
    .split(/\n[ \t]*\n/)
    .map((t) => t.trim())
    .filter(Boolean);
  const headings: string[] = [];
  while (blocks.length > 1 && isCableHeading(blocks[blocks.length - 1]))
    headings.unshift(blocks.pop()!);
  return (
    <>
      <div id={id} class={`cable-para ${mark.cls}`}>
        <a class="pnum" href={`#${id}`} title="Link to this paragraph">
          {p.number !== null ? `${p.number}.` : '¶'}
        </a>
        {p.marking ? (
          <span class="marking" title={mark.label}>
            ({p.marking})<span class="visually-hidden"> {mark.label}</span>
          </span>
        ) : null}
        <div class="para-text">
          {blocks.map((t, i) => (
            <p key={i}>{t.replace(/\s*\n\s*/g, ' ')}</p>
          ))}
        </div>
      </div>
      {headings.map((h, i) => (
        <h2 key={`h${i}`} class="cable-heading">
          {h}
        </h2>
      ))}
    </>
  );
}

export interface CablePageData {
  cable: Cable;
  parsed: ParsedCable;
  refsOut: CableLink[];
  refsIn: CableLink[];
  /** How many cables in the archive cite this one (refsIn lists the first of them). */
  citedBy: number;
  /** The cables most like this one (null: not known now, the section is left out). */
  related: CableLink[] | null;
  prev?: CableLink;
  next?: CableLink;
  storyHref: string | null;
  versions: number;
  today: string;
}

function declassification(value: string | null, today: string): string {
  if (!value) return 'Not given';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value} (not a date)`;
  return `${formatDate(value)} — ${value <= today ? 'has passed' : 'not yet reached'}`;
}

/**
 * "How this cable was read": the parser's warnings, so a reader can see which fields were guessed
 * (a misspelt label, a damaged station name) or not found. The same list is `warnings` in
 * `/api/cables/<id>`.
 */
export function ReadingNotes({ warnings }: { warnings: string[] }) {
  return (
    <details class="cable-reading">
      <summary>
        How this cable was read
        {warnings.length ? ` (${warnings.length} ${warnings.length === 1 ? 'note' : 'notes'})` : ''}
      </summary>
      {warnings.length ? (
        <>
          <p class="meta">
            The fields above were read from the cable text by rules that follow the cable format.
            Where the text strays from it, the parser noted what it did:
          </p>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </>
      ) : (
        <p class="meta">
          Every field above was found where the cable format puts it; nothing was guessed.
        </p>
      )}
    </details>
  );
}

/** What an article's link says: the site without `www.`, then the path, shortened. */
export function articleLabel(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  let path = u.pathname === '/' ? '' : u.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // a malformed escape stays as written
  }
  const label = u.hostname.replace(/^www\./, '') + path;
  // cut long ones, not after a separator
  return label.length > 64 ? label.slice(0, 63).replace(/[-/._]+$/, '') + '…' : label;
}

/**
 * The press articles the cable appears in (the source's "Appears in these articles"), as links to
 * the publications' own sites; nothing when the source names none.
 */
function PressArticles({ urls }: { urls: string[] }) {
  const links = urls.flatMap((u) => {
    const href = safeHref(u);
    return href ? [href] : [];
  });
  if (!links.length) return null;
  return (
    <tr>
      <th scope="row">Appears in</th>
      <td>
        <ul class="press-articles">
          {links.map((href) => (
            <li key={href}>
              <a href={href} rel="nofollow noopener noreferrer external" title={href}>
                {articleLabel(href)}
              </a>
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}

export function CablePage({ ctx, data }: { ctx: PageContext; data: CablePageData }) {
  const { cable, parsed } = data;
  const id = cable.reference_id;
  const title = cable.title || cable.subject || id;
  const numbered = parsed.paragraphs.some((p) => p.number !== null);
  const markings = [
    ...new Set(parsed.paragraphs.map((p) => p.marking).filter((m): m is string => !!m)),
  ];
  return (
    <Layout
      ctx={ctx}
      title={`${id}: ${title}`}
      description={parsed.summary ?? undefined}
      canonical={cablePath(id)}
      head={cableHead(ctx, cable)}
    >
      <nav class="crumbs meta" aria-label="Breadcrumb">
        <a href="/cables">Cable archive</a> ›{' '}
        <a href={`/cables/origin/${facetSlug(cable.origin)}`}>{cable.origin}</a> ›{' '}
        <a href={`/cables/month/${cable.month}`}>
          {MONTH_NAMES[Number(cable.month.slice(5, 7)) - 1]} {cable.year}
        </a>
      </nav>
      <article class="cable">
        <h1>{title}</h1>
        <p class="meta">
          Cable {id} · <a href={`${cablePath(id)}/raw`}>Raw text</a> ·{' '}
          <a href={`/api/cables/${id}`}>JSON</a>
          {data.storyHref ? (
            <>
              {' '}
              · <a href={data.storyHref}>Read as a story</a>
            </>
          ) : null}
        </p>
        <table class="cable-meta">
          <tbody>
            <tr>
              <th scope="row">Reference id</th>
              <td>
                {id}
                {cable.wikileaks_id ? (
                  <span class="meta"> (given as {cable.wikileaks_id})</span>
                ) : null}
              </td>
            </tr>
            <tr>
              <th scope="row">Created</th>
              <td>{formatDateTime(cable.created)}</td>
            </tr>
            <tr>
              <th scope="row">Released</th>
              <td>{cable.released ? formatDateTime(cable.released) : 'Not recorded'}</td>
            </tr>
            <tr>
              <th scope="row">Classification</th>
              <td>
                <a href={`/cables/classification/${facetSlug(cable.classification)}`}>
                  {cable.classification}
                </a>
              </td>
            </tr>
            <tr>
              <th scope="row">Origin</th>
              <td>
                <a href={`/cables/origin/${facetSlug(cable.origin)}`}>{cable.origin}</a>
              </td>
            </tr>
            <tr>
              <th scope="row">Precedence</th>
              <td>{cable.precedence ?? 'Not given'}</td>
            </tr>
            <tr>
              <th scope="row">Tags</th>
              <td>
                {parsed.tags.length ? (
                  <ul class="tag-list">
                    {parsed.tags.map((t) => {
                      const meaning = tagMeaning(t);
                      return (
                        <li key={t}>
                          <a href={`/cables/tag/${encodeURIComponent(t)}`}>{t}</a>
                          {meaning ? <span class="meta"> — {meaning}</span> : null}
                        </li>
                      );
                    })}
                  </ul>
                ) : (
                  'None'
                )}
              </td>
            </tr>
            <tr>
              <th scope="row">Classified by</th>
              <td>
                {parsed.classifiedBy.length ? parsed.classifiedBy.join('; ') : 'Not given'}
                {parsed.reasons.length ? (
                  <span class="meta"> · reasons {parsed.reasons.join(', ')}</span>
                ) : null}
              </td>
            </tr>
            <tr>
              <th scope="row">Declassify on</th>
              <td>{declassification(cable.declassify, data.today)}</td>
            </tr>
            <PressArticles urls={parsed.mediaUrls} />
            {data.versions ? (
              <tr>
                <th scope="row">Versions</th>
                <td>
                  {data.versions + 1} texts imported; this is version {cable.version}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>

        {markings.length ? (
          <ul class="marking-legend" aria-label="Portion markings in this cable">
            {markings.map((m) => {
              const info = markingInfo(m);
              return (
                <li key={m} class={info.cls}>
                  <strong>({m})</strong> {info.label}
                </li>
              );
            })}
          </ul>
        ) : null}

        <details class="cable-header">
          <summary>Routing header and caption</summary>
          <pre>
            {cable.header ? cable.header + '\n\n' : ''}
            {numbered ? captionOf(cable.body) : ''}
          </pre>
        </details>

        <ReadingNotes warnings={parsed.warnings} />

        <section class="cable-body" aria-label="Cable text">
          {numbered ? (
            parsed.paragraphs.map((p, i) => <ParagraphView key={i} p={p} index={i} />)
          ) : (
            <pre>{cable.body}</pre>
          )}
        </section>

        <div class="cable-refs">
          <section>
            <h2>References</h2>
            <LinkList items={data.refsOut} empty="This cable cites no other cable." />
          </section>
          <section>
            <h2>Referenced by</h2>
            {data.citedBy ? (
              <p class="meta cited-by">
                Cited by {formatCount(data.citedBy)} {data.citedBy === 1 ? 'cable' : 'cables'} in
                the archive
                {data.citedBy > data.refsIn.length
                  ? ` (the first ${formatCount(data.refsIn.length)} listed)`
                  : ''}
                .
              </p>
            ) : null}
            <LinkList items={data.refsIn} empty="No cable in the archive cites this one." />
          </section>
          {data.related ? (
            <section class="cable-related">
              <h2>Related cables</h2>
              <LinkList items={data.related} empty="No other cable shares its distinctive words." />
              {data.related.length ? (
                <p class="meta">The cables sharing the most of this cable's distinctive words.</p>
              ) : null}
            </section>
          ) : null}
        </div>
        <nav class="pager" aria-label={`Cables from ${cable.origin}`}>
          <span>
            {data.prev ? (
              <a href={cablePath(data.prev.reference_id)} rel="prev">
                ← {data.prev.reference_id}
              </a>
            ) : null}
          </span>
          <span class="meta">Cables from {cable.origin}</span>
          <span>
            {data.next ? (
              <a href={cablePath(data.next.reference_id)} rel="next">
                {data.next.reference_id} →
              </a>
            ) : null}
          </span>
        </nav>
      </article>
    </Layout>
  );
}

function captionOf(body: string): string {
  const m = /^[ \t]*1[ \t]*\.[ \t]+(?=\(|[A-Za-z"'])/m.exec(body);
  return (m ? body.slice(0, m.index) : body.slice(0, 1500)).trimEnd();
}

/** Cables per month as a server-rendered SVG bar chart; each bar links to its month. */
export function MonthChart({ months, height = 180 }: { months: Count[]; height?: number }) {
  if (!months.length) return null;
  const all = fillMonths(months);
  const max = Math.max(...all.map((m) => m.count), 1);
  const width = 960;
  const left = 44;
  const bottom = 22;
  const plotW = width - left - 6;
  const plotH = height - bottom - 8;
  const bw = plotW / all.length;
  const years = all.filter((m) => m.key.endsWith('-01'));
  const step = Math.max(1, Math.ceil(years.length / 12));
  return (
    <figure class="month-chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby="month-chart-title"
        preserveAspectRatio="none"
      >
        <title id="month-chart-title">
          Cables per month, {all[0].key} to {all[all.length - 1].key}; highest {formatCount(max)}
        </title>
        <line x1={left} y1={8} x2={left} y2={8 + plotH} class="axis" />
        <line x1={left} y1={8 + plotH} x2={width - 6} y2={8 + plotH} class="axis" />
        <text x={left - 4} y={14} class="tick" text-anchor="end">
          {formatCount(max)}
        </text>
        <text x={left - 4} y={8 + plotH} class="tick" text-anchor="end">
          0
        </text>
        {all.map((m, i) => {
          if (!m.count) return null;
          const h = Math.max(1, (m.count / max) * plotH);
          const [y, mo] = m.key.split('-');
          return (
            <a key={m.key} href={`/cables/month/${m.key}`}>
              <rect
                x={r1(left + i * bw)}
                y={r1(8 + plotH - h)}
                width={r1(Math.max(bw - (bw > 3 ? 1 : 0), 0.8))}
                height={r1(h)}
                class="bar"
              >
                <title>
                  {MONTH_NAMES[Number(mo) - 1]} {y}: {formatCount(m.count)} cable
                  {m.count === 1 ? '' : 's'}
                </title>
              </rect>
            </a>
          );
        })}
        {years
          .filter((_, i) => i % step === 0)
          .map((m) => {
            const i = all.indexOf(m);
            return (
              <text key={m.key} x={r1(left + i * bw)} y={height - 6} class="tick">
                {m.key.slice(0, 4)}
              </text>
            );
          })}
      </svg>
    </figure>
  );
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Every month from the first to the last, zero where there is no cable. */
export function fillMonths(months: Count[]): Count[] {
  const sorted = [...months].sort((a, b) => a.key.localeCompare(b.key));
  const have = new Map(sorted.map((m) => [m.key, m.count]));
  const out: Count[] = [];
  let [y, mo] = sorted[0].key.split('-').map(Number);
  const [ey, em] = sorted[sorted.length - 1].key.split('-').map(Number);
  while (y < ey || (y === ey && mo <= em)) {
    const key = `${y}-${String(mo).padStart(2, '0')}`;
    out.push({ key, count: have.get(key) ?? 0 });
    mo++;
    if (mo > 12) {
      mo = 1;
      y++;
    }
  }
  return out;
}

export function BrowsePage({ ctx, facets }: { ctx: PageContext; facets: Facets }) {
  const byLetter = new Map<string, Count[]>();
  for (const o of facets.origins) {
    const letter = (o.key[0] ?? '?').toUpperCase();
    byLetter.set(letter, [...(byLetter.get(letter) ?? []), o]);
  }
  return (
    <Layout
      ctx={ctx}
      title="Cable archive"
      description="Browse the diplomatic cable archive by origin, date, classification and tag."
      canonical="/cables"
    >
      <h1>Cable archive</h1>
      <p class="standfirst">
        {formatCount(facets.total)} cable{facets.total === 1 ? '' : 's'} from{' '}
        {formatCount(facets.origins.length)} origin
        {facets.origins.length === 1 ? '' : 's'}. Browse by date, origin, classification or tag.
      </p>
      {facets.total === 0 ? (
        <p>
          The archive is empty: an editor imports cables with <code>broadsheet cables import</code>.
        </p>
      ) : null}
      <section aria-labelledby="by-month">
        <h2 id="by-month">By month</h2>
        <MonthChart months={facets.months} />
        <ul class="facet-inline">
          {facets.years.map((y) => (
            <li key={y.key}>
              <a href={`/cables/year/${y.key}`}>{y.key}</a>{' '}
              <span class="count">{formatCount(y.count)}</span>
            </li>
          ))}
        </ul>
      </section>
      <div class="facet-columns">
        <section aria-labelledby="by-classification">
          <h2 id="by-classification">By classification</h2>
          <ul class="facet-list">
            {facets.classifications.map((c) => (
              <li key={c.key}>
                <a href={`/cables/classification/${facetSlug(c.key)}`}>{c.key}</a>{' '}
                <span class="count">{formatCount(c.count)}</span>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="by-tag">
          <h2 id="by-tag">By tag</h2>
          <ul class="facet-inline">
            {facets.tags.map((t) => (
              <li key={t.key}>
                <a
                  href={`/cables/tag/${encodeURIComponent(t.key)}`}
                  title={tagMeaning(t.key) ?? undefined}
                >
                  {t.key}
                </a>{' '}
                <span class="count">{formatCount(t.count)}</span>
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section aria-labelledby="by-origin">
        <h2 id="by-origin">By origin, A–Z</h2>
        <p class="letters">
          {[...byLetter.keys()].map((l) => (
            <a key={l} href={`#origin-${l}`}>
              {l}
            </a>
          ))}
        </p>
        {[...byLetter].map(([letter, list]) => (
          <div key={letter} class="origin-group">
            <h3 id={`origin-${letter}`}>{letter}</h3>
            <ul class="facet-list">
              {list.map((o) => (
                <li key={o.key}>
                  <a href={`/cables/origin/${facetSlug(o.key)}`}>{o.key}</a>{' '}
                  <span class="count">{formatCount(o.count)}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
    </Layout>
  );
}

export function ListingPage({
  ctx,
  heading,
  intro,
  base,
  items,
  total,
  page,
  pages,
  chart,
}: {
  ctx: PageContext;
  heading: string;
  intro?: string;
  base: string;
  items: CableListItem[];
  total: number;
  page: number;
  pages: number;
  chart?: Count[];
}) {
  return (
    <Layout
      ctx={ctx}
      title={page > 1 ? `${heading} — page ${page}` : heading}
      canonical={page > 1 ? `${base}?page=${page}` : base}
    >
      <nav class="crumbs meta" aria-label="Breadcrumb">
        <a href="/cables">Cable archive</a>
      </nav>
      <h1>{heading}</h1>
      <p class="standfirst">
        {intro ? `${intro} ` : ''}
        {formatCount(total)} cable{total === 1 ? '' : 's'}, newest first.
      </p>
      {chart && chart.length > 1 ? <MonthChart months={chart} height={140} /> : null}
      {items.length ? (
        <ol class="cable-list" start={(page - 1) * 50 + 1}>
          {items.map((c) => (
            <li key={c.reference_id}>
              <a href={cablePath(c.reference_id)}>
                <strong>{c.reference_id}</strong> {c.title || c.subject}
              </a>
              <div class="meta">
                {formatDate(c.created)} · {c.origin} · {c.classification}
              </div>
            </li>
          ))}
        </ol>
      ) : (
        <p>No cables here.</p>
      )}
      {pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          <span>
            {page > 1 ? (
              <a href={page === 2 ? base : `${base}?page=${page - 1}`} rel="prev">
                ← Newer
              </a>
            ) : null}
          </span>
          <span class="meta">
            Page {page} of {formatCount(pages)}
          </span>
          <span>
            {page < pages ? (
              <a href={`${base}?page=${page + 1}`} rel="next">
                Older →
              </a>
            ) : null}
          </span>
        </nav>
      ) : null}
    </Layout>
  );
}
