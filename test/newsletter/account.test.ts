/** The newsletter box on the members' account page: status, subscribe and unsubscribe (CSRF-checked). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { startSink, type Sink } from './smtp-sink.ts';
import { FORM, form, signedIn } from '../stories/helpers.ts';
import { insertMember } from '../../src/members/store.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';
import { insertSession } from '../../src/members/store.ts';

describe(`newsletter on the account page (${ENGINE})`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;
  let sink: Sink;
  before(async () => {
    sink = await startSink();
    site = await testSite({
      DEMO: '0',
      JOBS: '0',
      SMTP_URL: sink.url,
      BASE_URL: 'http://news.test',
    });
  });
  after(async () => {
    await site.cleanup();
    await sink.close();
  });
  const status = async (email: string) =>
    (
      await site.db.kysely
        .selectFrom('newsletter_subscribers')
        .select('status')
        .where('email', '=', email)
        .executeTakeFirst()
    )?.status;
  const account = async (cookie: string) => {
    const res = await site.app.inject({ url: '/account', headers: { cookie } });
    assert.equal(res.statusCode, 200);
    return res.body;
  };

  test('a confirmed member sees the status, subscribes at once and unsubscribes', async () => {
    const m = await signedIn(site.db.kysely, 'member@example.org', 'reader');
    assert.match(await account(m.cookie), /member@example.org is not subscribed/);
    const post = (fields: Record<string, string>) =>
      site.app.inject({
        method: 'POST',
        url: '/account/newsletter',
        headers: { ...FORM, cookie: m.cookie },
        payload: form(fields),
      });
    assert.equal(
      (await post({ action: 'subscribe' })).statusCode,
      403,
      'the CSRF token is required',
    );
    assert.equal(await status('member@example.org'), undefined);
    const on = await post({ _csrf: m.csrf, action: 'subscribe' });
    assert.equal(on.statusCode, 303);
    assert.equal(on.headers.location, '/account?done=newsletter-on');
    assert.equal(await status('member@example.org'), 'confirmed');
    const page = await account(m.cookie);
    assert.match(page, /member@example.org is subscribed/);
    assert.match(page, /name="action" value="unsubscribe"/);
    assert.equal(
      sink.messages.length,
      0,
      'no confirmation mail for an address the account already proved',
    );
    const off = await post({ _csrf: m.csrf, action: 'unsubscribe' });
    assert.equal(off.headers.location, '/account?done=newsletter-off');
    assert.equal(await status('member@example.org'), 'unsubscribed');
    assert.match(await account(m.cookie), /member@example.org is not subscribed/);
  });

  test('a member whose address is not confirmed gets the confirmation mail', async () => {
    const now = new Date().toISOString();
    const id = await insertMember(site.db.kysely, {
      email: 'new@example.org',
      passwordHash: null,
      role: 'reader',
      declaredUse: null,
      workOrganisation: null,
      emailVerifiedAt: null,
      now,
    });
    const token = newToken();
    await insertSession(site.db.kysely, {
      hash: hashToken(token),
      memberId: id,
      now,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      userAgent: 'test',
    });
    const csrf = 'd'.repeat(40);
    const cookie = `bs_session=${token}; bs_csrf=${csrf}`;
    const res = await site.app.inject({
      method: 'POST',
      url: '/account/newsletter',
      headers: { ...FORM, cookie },
      payload: form({ _csrf: csrf, action: 'subscribe' }),
    });
    assert.equal(res.headers.location, '/account?done=newsletter-confirm');
    assert.equal(await status('new@example.org'), 'unconfirmed');
    assert.equal(sink.messages.filter((x) => x.to === 'new@example.org').length, 1);
    assert.match(await account(cookie), /new@example.org is waiting for confirmation/);
  });

  test('visitors are sent to log in', async () => {
    const res = await site.app.inject({
      method: 'POST',
      url: '/account/newsletter',
      headers: { ...FORM, cookie: 'bs_csrf=' + 'e'.repeat(40) },
      payload: form({ _csrf: 'e'.repeat(40), action: 'subscribe' }),
    });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /^\/login/);
  });
});
