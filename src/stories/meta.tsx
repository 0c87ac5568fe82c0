/**
 * Metadata for sharing and search engines: Open Graph and Twitter cards, and JSON-LD NewsArticle.
 * JSON-LD sits in a `<script type="application/ld+json">` (data, not script, so the CSP allows it);
 * `jsonLd()` escapes `<`, `>`, `&` and the JavaScript line separators so no value can close the
 * element or start markup.
 */
import type { VNode } from 'preact';
import type { PageContext } from '../web/context.ts';
import { storyPath, type Story } from './store.ts';

export function jsonLd(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface ArticleMeta {
  url: string;
  title: string;
  description: string;
  published: string;
  modified: string;
  section: string;
  author: string;
  publisher: string;
}

export function articleHead(m: ArticleMeta): VNode[] {
  const ld = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    mainEntityOfPage: { '@type': 'WebPage', '@id': m.url },
    headline: m.title.slice(0, 110),
    description: m.description || undefined,
    datePublished: m.published,
    dateModified: m.modified,
    articleSection: m.section,
    author: { '@type': m.author === m.publisher ? 'Organization' : 'Person', name: m.author },
    publisher: { '@type': 'Organization', name: m.publisher },
    isAccessibleForFree: true,
  };
  return [
    <meta key="og:type" property="og:type" content="article" />,
    <meta key="og:title" property="og:title" content={m.title} />,
    <meta key="og:url" property="og:url" content={m.url} />,
    <meta key="og:site_name" property="og:site_name" content={m.publisher} />,
    ...(m.description
      ? [<meta key="og:description" property="og:description" content={m.description} />]
      : []),
    <meta key="article:published_time" property="article:published_time" content={m.published} />,
    <meta key="article:modified_time" property="article:modified_time" content={m.modified} />,
    <meta key="article:section" property="article:section" content={m.section} />,
    <meta key="twitter:card" name="twitter:card" content="summary" />,
    <meta key="twitter:title" name="twitter:title" content={m.title} />,
    ...(m.description
      ? [<meta key="twitter:description" name="twitter:description" content={m.description} />]
      : []),
    <script key="ld" type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLd(ld) }} />,
  ];
}

export function storyHead(ctx: Pick<PageContext, 'baseUrl' | 'siteName'>, story: Story): VNode[] {
  return articleHead({
    url: ctx.baseUrl + storyPath(story),
    title: story.title,
    description: story.teaser,
    published: story.published_at,
    modified: story.updated_at,
    section: story.section_name,
    author: story.author ?? story.source_name ?? ctx.siteName,
    publisher: ctx.siteName,
  });
}

/** For cable pages (/cables/<id>): pass the cable row. */
export function cableHead(
  ctx: Pick<PageContext, 'baseUrl' | 'siteName'>,
  cable: {
    reference_id: string;
    title: string;
    subject: string;
    summary: string | null;
    created: string;
    updated_at: string;
    origin: string;
  },
): VNode[] {
  return articleHead({
    url: `${ctx.baseUrl}/cables/${encodeURIComponent(cable.reference_id)}`,
    title: cable.title || cable.subject || cable.reference_id,
    description: (cable.summary ?? '').slice(0, 300),
    published: cable.created,
    modified: cable.updated_at,
    section: 'Cablegate',
    author: cable.origin,
    publisher: ctx.siteName,
  });
}
