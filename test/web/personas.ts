/**
 * The people the crawl and journey tests browse as: a reader, an organisation's administrator (with
 * a licence applied for, approved and invoiced) and an editor, each signed in with a session cookie.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/platform/schema.ts';
import type { Config } from '../../src/config.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { applyForLicence, approveApplication } from '../../src/licensing/service.ts';
import { signedIn } from '../stories/helpers.ts';

export interface Persona {
  name: 'anonymous' | 'reader' | 'organisation admin' | 'editor';
  /** The bs_session cookie value; null for the anonymous visitor. */
  token: string | null;
}

export async function personas(db: Kysely<Database>, config: Config): Promise<Persona[]> {
  const reader = await signedIn(db, 'reader@example.org', 'reader');
  const orgAdmin = await signedIn(db, 'office@harbour-law.test', 'reader');
  const editor = await signedIn(db, 'desk@example.org', 'editor');
  const deps = {
    db,
    mailer: createMailer(config),
    siteName: config.siteName,
    baseUrl: config.baseUrl,
  };
  const applied = await applyForLicence(deps, orgAdmin.memberId, {
    name: 'Harbour Law',
    kind: 'law-firm',
    note: '',
    tier: 'small',
    contact_email: 'accounts@harbour-law.test',
  });
  if (!applied.ok) throw new Error(`could not apply: ${JSON.stringify(applied)}`);
  const approved = await approveApplication(deps, applied.licenceId, editor.memberId);
  if (!approved.ok) throw new Error(`could not approve: ${JSON.stringify(approved)}`);
  return [
    { name: 'anonymous', token: null },
    { name: 'reader', token: reader.token },
    { name: 'organisation admin', token: orgAdmin.token },
    { name: 'editor', token: editor.token },
  ];
}
