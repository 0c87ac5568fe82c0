/** The mails the licensing feature sends: plain text with a simple HTML version. Pure. */
import type { MailMessage } from '../platform/mail.ts';

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function compose(
  to: string,
  subject: string,
  paragraphs: string[],
  action: { label: string; link: string } | null,
  siteName: string,
): MailMessage {
  const text = [
    ...paragraphs.flatMap((p) => [p, '']),
    ...(action ? [`${action.label}:`, action.link, ''] : []),
    `— ${siteName}`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: Georgia, serif; line-height: 1.5; color: #1a1a1a; max-width: 36rem">',
    ...paragraphs.map((p) => `<p>${esc(p)}</p>`),
    action
      ? `<p><a href="${esc(action.link)}">${esc(action.label)}</a></p><p style="font-size: .9em; color: #555">${esc(action.link)}</p>`
      : '',
    `<p>— ${esc(siteName)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}

export interface SiteRef {
  siteName: string;
  baseUrl: string;
}

export function invoiceMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; number: string; total: string; dueDate: string; payment: string[] },
): MailMessage {
  return compose(
    to,
    `Invoice ${o.number} for your ${s.siteName} licence`,
    [
      `Your application for a ${s.siteName} licence for ${o.organisation} has been approved.`,
      `Invoice ${o.number} for ${o.total} is due on ${o.dueDate}. The licence starts when the payment is recorded and runs for twelve months.`,
      ...o.payment,
    ],
    { label: 'View and print the invoice', link: `${s.baseUrl}/licensing/invoices/${o.number}` },
    s.siteName,
  );
}

/** Sent once when an open invoice passes its due date. */
export function overdueInvoiceMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; number: string; total: string; dueDate: string; payment: string[] },
): MailMessage {
  return compose(
    to,
    `Reminder: invoice ${o.number} was due on ${o.dueDate}`,
    [
      `Invoice ${o.number} for ${o.total} for the ${s.siteName} licence of ${o.organisation} was due on ${o.dueDate}, and we have not recorded a payment yet. If you have paid in the last few days, thank you, and please ignore this reminder.`,
      ...o.payment,
    ],
    { label: 'View and print the invoice', link: `${s.baseUrl}/licensing/invoices/${o.number}` },
    s.siteName,
  );
}

export function licenceActiveMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; organisationId: number; expires: string },
): MailMessage {
  return compose(
    to,
    `${o.organisation} is licensed to use ${s.siteName}`,
    [
      `Thank you: we have recorded your payment. ${o.organisation}'s licence is active until ${o.expires}.`,
      'Add your email domains and office networks so that your colleagues are covered.',
    ],
    { label: 'Manage your organisation', link: `${s.baseUrl}/org/${o.organisationId}` },
    s.siteName,
  );
}

export function renewalMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; organisationId: number; expires: string; days: number },
): MailMessage {
  return compose(
    to,
    `${o.organisation}'s ${s.siteName} licence ends in ${o.days} days`,
    [
      `${o.organisation}'s licence to use ${s.siteName} for work ends on ${o.expires}.`,
      'Renew it to keep your colleagues covered, the site free of advertisements and your API keys working.',
    ],
    {
      label: 'Renew the licence',
      link: `${s.baseUrl}/licensing/apply?organisation=${o.organisationId}`,
    },
    s.siteName,
  );
}

export function expiredMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; organisationId: number; expired: string },
): MailMessage {
  return compose(
    to,
    `${o.organisation}'s ${s.siteName} licence has ended`,
    [
      `${o.organisation}'s licence ended on ${o.expired}. Nothing is hidden from your colleagues, but reading for work needs a licence again.`,
    ],
    {
      label: 'Renew the licence',
      link: `${s.baseUrl}/licensing/apply?organisation=${o.organisationId}`,
    },
    s.siteName,
  );
}

export function seatInvitationMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; link: string; invitedBy: string | null },
): MailMessage {
  return compose(
    to,
    `Join ${o.organisation} on ${s.siteName}`,
    [
      `${o.invitedBy ?? 'An administrator'} has invited you to a seat on ${o.organisation}'s ${s.siteName} licence. With it you read for work with your organisation's licence, free of advertisements.`,
      'The invitation works for 14 days.',
    ],
    { label: 'Accept the invitation', link: o.link },
    s.siteName,
  );
}

export function leadInvitationMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; views: number },
): MailMessage {
  return compose(
    to,
    `A ${s.siteName} licence for ${o.organisation}`,
    [
      `People at ${o.organisation} read ${s.siteName} regularly — ${o.views} pages in the last 30 days. Thank you.`,
      `${s.siteName} is free for personal reading. Organisations whose staff use it for work buy an annual licence priced by size: it covers everyone, removes advertisements and adds alerts and an API.`,
    ],
    { label: 'See the licence terms and apply', link: `${s.baseUrl}/about/licensing` },
    s.siteName,
  );
}

export function alertMail(
  to: string,
  s: SiteRef,
  o: { query: string; items: Array<{ title: string; url: string }> },
): MailMessage {
  return compose(
    to,
    `New on ${s.siteName} for “${o.query}”`,
    [
      `${o.items.length} new item${o.items.length === 1 ? '' : 's'} match your saved search “${o.query}”:`,
      ...o.items.map((i) => `${i.title} — ${i.url}`),
    ],
    { label: 'Manage your saved searches', link: `${s.baseUrl}/alerts` },
    s.siteName,
  );
}

export function domainCodeMail(
  to: string,
  s: SiteRef,
  o: { organisation: string; domain: string; code: string; minutes: number },
): MailMessage {
  return compose(
    to,
    `Your ${s.siteName} code for ${o.domain}`,
    [
      `${o.organisation} asked to verify ${o.domain} on ${s.siteName}, so that colleagues with a confirmed address there are covered by its licence.`,
      `The code is ${o.code}. Enter it on the organisation's page within ${o.minutes} minutes.`,
      `If you did not expect this, ignore this mail: nothing changes without the code.`,
    ],
    null,
    s.siteName,
  );
}
