/** Home, section and story pages. */
import type { VNode } from 'preact';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/format.ts';
import { storyHead } from './meta.tsx';
import { WorldHeadlines, type Headline } from './headlines.tsx';
import { renderMarkdownBlocksCached } from './markdown.ts';
import type { TrustedHtml } from './sanitize.ts';
import { storyPath, type Section, type Story } from './store.ts';
import type { SlotFill } from './slots.ts';
import { DemoBadge } from '../web/components.tsx';

/** List items with the slot's fills after the third (as they come); unchanged for a shorter list. */
export function withListInserts(items: VNode[], inserts: SlotFill[]): VNode[] {
  if (!inserts.length || items.length < 3) return items;
  return [...items.slice(0, 3), ...inserts.map((f) => f.node), ...items.slice(3)];
}

function Meta({ story, showSection = true }: { story: Story; showSection?: boolean }) {
  return (
    <p class="meta">
      <time dateTime={story.published_at}>{formatDateTime(story.published_at)}</time>
      {showSection ? (
        <>
          {' · '}
          <a href={`/sections/${story.section_slug}`}>{story.section_name}</a>
        </>
      ) : null}
      {story.source_name ? (
        <> · {story.source_name}</>
      ) : story.author ? (
        <> · {story.author}</>
      ) : null}
      {story.is_demo ? <DemoBadge /> : null}
    </p>
  );
}

export function StoryListItem({
  story,
  showSection = true,
}: {
  story: Story;
  showSection?: boolean;
}) {
  const href = storyPath(story);
  return (
    <li>
      <h3>
        <a href={href}>{story.title}</a>
      </h3>
      <Meta story={story} showSection={showSection} />
      {story.teaser ? <p>{story.teaser}</p> : null}
      <a class="more" href={href} aria-label={`More: ${story.title}`}>
        More
      </a>
    </li>
  );
}

export interface HomeData {
  leads: Story[];
  bySection: { section: Section; stories: Story[] }[];
  cablegate: Story[];
  cablegateSection: Section | undefined;
  headlines: Headline[];
}

export function HomePage({
  ctx,
  data,
  listInserts = [],
  aside = [],
}: {
  ctx: PageContext;
  data: HomeData;
  /** After the third item of the first list long enough (once on the page). */
  listInserts?: SlotFill[];
  /** At the top of the side column. */
  aside?: SlotFill[];
}) {
  const [lead, ...otherLeads] = data.leads;
  let insertsLeft = listInserts;
  const listInsert = (n: number) => {
    if (!insertsLeft.length || n < 3) return [];
    const fills = insertsLeft;
    insertsLeft = [];
    return fills;
  };
  return (
    <Layout
      ctx={ctx}
      title={ctx.siteName}
      description="Independent news and a searchable archive of diplomatic cables. Free for personal reading."
      canonical="/"
    >
      <h1 class="visually-hidden">{ctx.siteName}</h1>
      <div class="home-grid">
        <div>
          {lead ? (
            <article class="lead">
              <h2>
                <a href={storyPath(lead)}>{lead.title}</a>
              </h2>
              <Meta story={lead} />
              {lead.teaser ? <p>{lead.teaser}</p> : null}
            </article>
          ) : (
            <p>No stories have been published yet.</p>
          )}
          {otherLeads.length ? (
            <ul class="story-list">
              {withListInserts(
                otherLeads.map((s) => <StoryListItem key={s.id} story={s} />),
                listInsert(otherLeads.length),
              )}
            </ul>
          ) : null}
          {data.bySection.map(({ section, stories }) => (
            <section
              class="section-block"
              key={section.slug}
              aria-labelledby={`sec-${section.slug}`}
            >
              <h2 id={`sec-${section.slug}`}>
                <a href={`/sections/${section.slug}`}>{section.name}</a>
              </h2>
              <ul class="story-list">
                {withListInserts(
                  stories.map((s) => <StoryListItem key={s.id} story={s} showSection={false} />),
                  listInsert(stories.length),
                )}
              </ul>
            </section>
          ))}
        </div>
        <div>
          {aside.map((f) => f.node)}
          {data.cablegateSection ? (
            <section class="section-block" aria-labelledby="latest-cablegate">
              <h2 id="latest-cablegate">
                <a href={`/sections/${data.cablegateSection.slug}`}>Latest from Cablegate</a>
              </h2>
              {data.cablegate.length ? (
                <ul class="story-list">
                  {data.cablegate.map((s) => (
                    <StoryListItem key={s.id} story={s} showSection={false} />
                  ))}
                </ul>
              ) : (
                <p class="meta">No cables have been published yet.</p>
              )}
            </section>
          ) : null}
          <WorldHeadlines items={data.headlines} />
        </div>
      </div>
    </Layout>
  );
}

export function SectionPage({
  ctx,
  section,
  stories,
  page,
  pages,
  listInserts = [],
}: {
  ctx: PageContext;
  section: Section;
  stories: Story[];
  page: number;
  pages: number;
  /** After the third story. */
  listInserts?: SlotFill[];
}) {
  const base = `/sections/${section.slug}`;
  const feeds = [
    {
      title: `${section.name} (RSS)`,
      href: `/feeds/sections/${section.slug}.rss`,
      type: 'rss' as const,
    },
    {
      title: `${section.name} (Atom)`,
      href: `/feeds/sections/${section.slug}.atom`,
      type: 'atom' as const,
    },
  ];
  return (
    <Layout
      ctx={ctx}
      title={page > 1 ? `${section.name} — page ${page}` : section.name}
      description={section.description || undefined}
      canonical={page > 1 ? `${base}?page=${page}` : base}
      feeds={feeds}
    >
      <h1>{section.name}</h1>
      {section.description ? <p class="standfirst">{section.description}</p> : null}
      {stories.length ? (
        <ul class="story-list">
          {withListInserts(
            stories.map((s) => <StoryListItem key={s.id} story={s} showSection={false} />),
            listInserts,
          )}
        </ul>
      ) : (
        <p>Nothing has been published in {section.name} yet.</p>
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
            Page {page} of {pages}
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

/** Rendered Markdown blocks as one element (the HTML is TrustedHtml, made by the sanitiser). */
function MarkdownPart({ blocks }: { blocks: Array<{ html: TrustedHtml }> }) {
  return (
    <div class="md" dangerouslySetInnerHTML={{ __html: blocks.map((b) => b.html).join('\n') }} />
  );
}

/** Inserts the slot's fills (the ad, the newsletter box) right after the third paragraph (or at the end of a short story). */
export function storyBodyWithInserts(
  blocks: Array<{ html: TrustedHtml; paragraph: boolean }>,
  inserts: VNode[],
): VNode[] {
  let paragraphs = 0;
  let at = blocks.length;
  for (let i = 0; i < blocks.length; i++) {
    if (blocks[i].paragraph && ++paragraphs === 3) {
      at = i + 1;
      break;
    }
  }
  const out: VNode[] = [<MarkdownPart key="before" blocks={blocks.slice(0, at)} />, ...inserts];
  if (at < blocks.length) out.push(<MarkdownPart key="after" blocks={blocks.slice(at)} />);
  return out;
}

export function StoryPage({
  ctx,
  story,
  top = [],
  inserts = [],
  headlines,
}: {
  ctx: PageContext;
  story: Story;
  /** Above the story (the paywall strip). */
  top?: SlotFill[];
  /** After the third paragraph (the ad, the newsletter box). */
  inserts?: SlotFill[];
  headlines: Headline[];
}) {
  const path = storyPath(story);
  return (
    <Layout
      ctx={ctx}
      title={story.title}
      description={story.teaser || undefined}
      canonical={path}
      head={storyHead(ctx, story)}
    >
      {top.map((f) => f.node)}
      <div class="story-layout">
        <article class="story">
          <h1>{story.title}</h1>
          <Meta story={story} />
          {story.cable_reference_id ? (
            <p class="meta">
              Republished from the cable{' '}
              <a href={`/cables/${story.cable_reference_id}`}>
                <strong>{story.cable_reference_id}</strong>
              </a>
              .
            </p>
          ) : null}
          <div class="story-body">
            {storyBodyWithInserts(
              renderMarkdownBlocksCached(`${story.id}:${story.updated_at}`, story.body),
              inserts.map((f) => f.node),
            )}
          </div>
          {story.cable_reference_id ? (
            <p class="archive-link">
              <a href={`/cables/${story.cable_reference_id}`}>
                Read the original cable in the archive
              </a>{' '}
              <span class="meta">
                {story.cable_reference_id}, with its header, references and numbered paragraphs ·{' '}
                <a href="/cables">browse the cable archive</a>
              </span>
            </p>
          ) : null}
          <p class="copyright">
            © {story.source_name ?? ctx.siteName}. Published on {ctx.siteName} under our{' '}
            <a href="/terms">terms of use</a>.
          </p>
        </article>
        <div>
          <WorldHeadlines items={headlines} />
        </div>
      </div>
    </Layout>
  );
}
