/**
 * The issue as an email: an HTML part built from tables with inline styles only (what common mail
 * clients render: no external CSS, no <style> reliance, no scripts), and a plain-text part. It is
 * rendered once per issue with placeholders for the recipient's own links, filled in per message.
 */
import type { DigestItem } from './rank.ts';
import type { Issue } from './store.ts';
import { NEWSLETTER_NAME } from './views.tsx';
import { markdownToText, renderMarkdown } from '../stories/markdown.ts';

export const UNSUBSCRIBE_PLACEHOLDER = '%%UNSUBSCRIBE_URL%%';
export const PREFERENCES_PLACEHOLDER = '%%PREFERENCES_URL%%';

export interface RenderedIssue {
  subject: string;
  html: string;
  text: string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const FONT = "font-family:Georgia,'Times New Roman',serif;";
const SANS = 'font-family:Helvetica,Arial,sans-serif;';

function itemHtml(item: DigestItem, baseUrl: string): string {
  const href = esc(baseUrl + item.path);
  return `<tr><td style="padding:0 0 22px 0;">
<p style="margin:0 0 4px 0;${SANS}font-size:12px;letter-spacing:0.06em;text-transform:uppercase;color:#8a1c1c;">${esc(item.section)}</p>
<p style="margin:0 0 6px 0;${FONT}font-size:20px;line-height:1.3;"><a href="${href}" style="color:#111111;text-decoration:none;">${esc(item.title)}</a></p>
${item.teaser ? `<p style="margin:0 0 6px 0;${FONT}font-size:16px;line-height:1.5;color:#333333;">${esc(item.teaser)}</p>` : ''}
<p style="margin:0;${SANS}font-size:14px;"><a href="${href}" style="color:#8a1c1c;">Read more</a></p>
</td></tr>`;
}

function heading(text: string): string {
  return `<tr><td style="padding:8px 0 14px 0;border-top:2px solid #111111;"><p style="margin:0;${SANS}font-size:13px;font-weight:bold;letter-spacing:0.08em;text-transform:uppercase;color:#111111;">${esc(text)}</p></td></tr>`;
}

/** The introduction's Markdown as mail HTML: the site's renderer, inline styles, absolute links. */
function introHtml(intro: string, baseUrl: string): string {
  return renderMarkdown(intro)
    .replace(
      /<(p|ul|ol|table|blockquote|h2|pre)>/g,
      (_m, tag: string) => `<${tag} style="margin:0 0 12px 0;">`,
    )
    .replace(/href="\/(?!\/)/g, `href="${esc(baseUrl)}/`);
}

export function renderIssueEmail(
  issue: Pick<Issue, 'number' | 'subject' | 'intro' | 'items'>,
  site: { siteName: string; baseUrl: string },
): RenderedIssue {
  const stories = issue.items.filter((i) => i.kind === 'story');
  const cables = issue.items.filter((i) => i.kind === 'cable');
  const webUrl = `${site.baseUrl}/newsletter/issues/${issue.number}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(issue.subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f1ea;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f1ea;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;">
<tr><td style="padding:28px 32px 8px 32px;border-bottom:4px double #111111;">
<p style="margin:0;${SANS}font-size:12px;color:#555555;">${esc(site.siteName)} · No. ${issue.number} · <a href="${esc(webUrl)}" style="color:#555555;">Read it on the web</a></p>
<h1 style="margin:6px 0 12px 0;${FONT}font-size:32px;line-height:1.15;color:#111111;font-weight:normal;">${esc(NEWSLETTER_NAME)}</h1>
</td></tr>
<tr><td style="padding:20px 32px 8px 32px;${FONT}font-size:17px;line-height:1.55;color:#222222;">${introHtml(issue.intro, site.baseUrl)}</td></tr>
<tr><td style="padding:12px 32px 0 32px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
${stories.length ? heading('Top stories of the week') + stories.map((i) => itemHtml(i, site.baseUrl)).join('\n') : ''}
${cables.length ? heading('Most-read cables') + cables.map((i) => itemHtml(i, site.baseUrl)).join('\n') : ''}
</table></td></tr>
<tr><td style="padding:18px 32px 28px 32px;background:#f9f7f2;border-top:1px solid #dddddd;">
<p style="margin:0 0 8px 0;${SANS}font-size:12px;line-height:1.5;color:#555555;">You receive ${esc(NEWSLETTER_NAME)} because you subscribed at ${esc(site.siteName)} and confirmed your address.</p>
<p style="margin:0;${SANS}font-size:12px;line-height:1.5;color:#555555;"><a href="${UNSUBSCRIBE_PLACEHOLDER}" style="color:#8a1c1c;">Unsubscribe</a> · <a href="${PREFERENCES_PLACEHOLDER}" style="color:#555555;">Email preferences</a> · <a href="${esc(site.baseUrl)}/" style="color:#555555;">${esc(site.siteName)}</a></p>
</td></tr>
</table></td></tr></table>
</body></html>`;

  const textItem = (i: DigestItem) =>
    [
      `${i.title}`,
      `${i.section}${i.teaser ? ` — ${i.teaser}` : ''}`,
      `${site.baseUrl}${i.path}`,
      '',
    ].join('\n');
  const text = [
    `${NEWSLETTER_NAME} — ${site.siteName}, No. ${issue.number}`,
    `Read it on the web: ${webUrl}`,
    '',
    markdownToText(issue.intro, { links: true, baseUrl: site.baseUrl }),
    '',
    ...(stories.length ? ['TOP STORIES OF THE WEEK', '', ...stories.map(textItem)] : []),
    ...(cables.length ? ['MOST-READ CABLES', '', ...cables.map(textItem)] : []),
    '--',
    `You receive ${NEWSLETTER_NAME} because you subscribed at ${site.siteName} and confirmed your address.`,
    `Unsubscribe: ${UNSUBSCRIBE_PLACEHOLDER}`,
    `Email preferences: ${PREFERENCES_PLACEHOLDER}`,
    '',
  ].join('\n');
  return { subject: issue.subject, html, text };
}

/** Fills one recipient's links into a rendered issue. */
export function personalise(
  r: RenderedIssue,
  links: { unsubscribe: string; preferences: string },
  format: 'html' | 'text',
): { html?: string; text: string } {
  const fill = (s: string) =>
    s
      .split(UNSUBSCRIBE_PLACEHOLDER)
      .join(links.unsubscribe)
      .split(PREFERENCES_PLACEHOLDER)
      .join(links.preferences);
  return { text: fill(r.text), html: format === 'html' ? fill(r.html) : undefined };
}

export function confirmationEmail(
  site: { siteName: string },
  confirmUrl: string,
): { subject: string; text: string; html: string } {
  const text = [
    `Please confirm that you want ${NEWSLETTER_NAME}, the weekly newsletter of ${site.siteName}.`,
    '',
    `Confirm: ${confirmUrl}`,
    '',
    'If you did not ask for it, ignore this message: without confirmation we send you nothing more.',
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="margin:0;padding:24px;background:#f4f1ea;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:560px;background:#ffffff;"><tr><td style="padding:28px 32px;${FONT}font-size:17px;line-height:1.55;color:#222222;">
<p style="margin:0 0 16px 0;">Please confirm that you want <strong>${esc(NEWSLETTER_NAME)}</strong>, the weekly newsletter of ${esc(site.siteName)}.</p>
<p style="margin:0 0 20px 0;"><a href="${esc(confirmUrl)}" style="display:inline-block;padding:10px 18px;background:#8a1c1c;color:#ffffff;text-decoration:none;${SANS}font-size:15px;">Confirm my subscription</a></p>
<p style="margin:0;${SANS}font-size:13px;color:#555555;">If you did not ask for it, ignore this message: without confirmation we send you nothing more.</p>
</td></tr></table></td></tr></table></body></html>`;
  return { subject: `Confirm your subscription to ${NEWSLETTER_NAME}`, text, html };
}
