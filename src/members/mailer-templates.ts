/** The mails members receive: plain text first, with a simple HTML version of the same words. Pure. */
import type { MailMessage } from '../platform/mail.ts';

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

interface MailParts {
  subject: string;
  intro: string;
  action: string;
  link: string;
  after: string;
  siteName: string;
}

function compose(to: string, p: MailParts): MailMessage {
  const text = [p.intro, '', `${p.action}:`, p.link, '', p.after, '', `— ${p.siteName}`, ''].join(
    '\n',
  );
  const html = [
    '<!doctype html><html><body style="font-family: Georgia, serif; line-height: 1.5; color: #1a1a1a; max-width: 36rem">',
    `<p>${esc(p.intro)}</p>`,
    `<p><a href="${esc(p.link)}" style="display: inline-block; background: #1d3f6e; color: #fff; padding: .5rem 1rem; border-radius: 3px; text-decoration: none">${esc(p.action)}</a></p>`,
    `<p style="font-size: .9em; color: #555">Or copy this address into your browser:<br>${esc(p.link)}</p>`,
    `<p>${esc(p.after)}</p>`,
    `<p>— ${esc(p.siteName)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject: p.subject, text, html };
}

export function verificationMail(to: string, o: { siteName: string; link: string }): MailMessage {
  return compose(to, {
    subject: `Confirm your email address for ${o.siteName}`,
    intro: `Thank you for registering with ${o.siteName}. Please confirm that this address is yours.`,
    action: 'Confirm my email address',
    link: o.link,
    after:
      'The link works for two days. If you did not register, ignore this mail and nothing will happen.',
    siteName: o.siteName,
  });
}

export function magicLinkMail(
  to: string,
  o: { siteName: string; link: string; newAccount: boolean },
): MailMessage {
  return compose(to, {
    subject: `Your link to log in to ${o.siteName}`,
    intro: o.newAccount
      ? `Someone, hopefully you, asked to log in to ${o.siteName} with this address. There is no account for it yet; the link below creates one.`
      : `Someone, hopefully you, asked to log in to ${o.siteName} with this address.`,
    action: 'Log me in',
    link: o.link,
    after:
      'The link works for ten minutes. If you did not ask for it, ignore this mail; nobody can log in without it.',
    siteName: o.siteName,
  });
}

export function resetMail(to: string, o: { siteName: string; link: string }): MailMessage {
  return compose(to, {
    subject: `Choose a new password for ${o.siteName}`,
    intro: `Someone, hopefully you, asked to reset the password of your ${o.siteName} account.`,
    action: 'Choose a new password',
    link: o.link,
    after:
      'The link works for one hour and only once. If you did not ask for it, ignore this mail; your password stays as it is.',
    siteName: o.siteName,
  });
}

/** Sent after a signed-in member changed their password, so someone else doing it does not go unseen. */
export function passwordChangedMail(
  to: string,
  o: { siteName: string; link: string },
): MailMessage {
  return compose(to, {
    subject: `Your ${o.siteName} password was changed`,
    intro: `The password of your ${o.siteName} account was changed just now, and every other session of the account was logged out.`,
    action: 'Choose a new password',
    link: o.link,
    after:
      'If it was you, there is nothing to do. If it was not, someone knew your password: ask for a password link at the address above to choose a new one, which logs them out.',
    siteName: o.siteName,
  });
}

/** The link that makes a new address an account's address (asked for on the account page). */
export function emailChangeMail(
  to: string,
  o: { siteName: string; link: string; current: string },
): MailMessage {
  return compose(to, {
    subject: `Confirm your new address for ${o.siteName}`,
    intro: `Someone, hopefully you, asked to make this address the address of the ${o.siteName} account that is now ${o.current}.`,
    action: 'Use this address for my account',
    link: o.link,
    after:
      'Open the link in a browser logged in to that account; it works for a day and once. If you did not ask for it, ignore this mail: nothing changes without it.',
    siteName: o.siteName,
  });
}

/** Sent instead of the link when the new address already belongs to an account. */
export function emailInUseMail(to: string, o: { siteName: string; link: string }): MailMessage {
  return compose(to, {
    subject: `Your address was offered for another ${o.siteName} account`,
    intro: `Someone asked to use this address for another ${o.siteName} account. It is the address of your account, so nothing was changed.`,
    action: 'Log in to your account',
    link: o.link,
    after: 'If it was you, log in to this account instead. If not, there is nothing to do.',
    siteName: o.siteName,
  });
}

/** Sent to the old address once an account's address has changed. */
export function emailChangedMail(
  to: string,
  o: { siteName: string; link: string; newEmail: string },
): MailMessage {
  return compose(to, {
    subject: `Your ${o.siteName} address was changed`,
    intro: `The address of your ${o.siteName} account was changed from this one to ${o.newEmail}, and every other session of the account was logged out.`,
    action: 'Log in',
    link: o.link,
    after:
      'If it was you, there is nothing to do. If it was not, someone could use your account: log in with your password and change it, or answer this mail.',
    siteName: o.siteName,
  });
}

/** Sent to the address of an account once it is deleted. */
export function accountDeletedMail(to: string, o: { siteName: string; link: string }): MailMessage {
  return compose(to, {
    subject: `Your ${o.siteName} account is deleted`,
    intro: `Your ${o.siteName} account (${to}) was deleted just now, with what it kept: its sessions, links, saved searches and the other things listed when you deleted it.`,
    action: `Read ${o.siteName}`,
    link: o.link,
    after:
      'Reading stays free for personal use without an account. If you did not delete it, someone could use your account: answer this mail.',
    siteName: o.siteName,
  });
}

/** Sent instead of a confirmation when someone registers with an address that already has an account. */
export function alreadyRegisteredMail(
  to: string,
  o: { siteName: string; link: string },
): MailMessage {
  return compose(to, {
    subject: `You already have an account with ${o.siteName}`,
    intro: `Someone, hopefully you, tried to register with ${o.siteName} using this address. There is already an account for it, so nothing was changed.`,
    action: 'Log me in',
    link: o.link,
    after:
      'The link works for ten minutes. If you have forgotten your password, log in with the link and ask for a password link from your account page. If you did not try to register, ignore this mail.',
    siteName: o.siteName,
  });
}
