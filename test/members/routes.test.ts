import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, SAME_ORIGIN, TEST_PASSWORD_PARAMS, testSite, serviceDeps } from '../helpers.ts';
import { AUTH_RATE_LIMITS, SIGNUP_COOKIE } from '../../src/members/routes.ts';
import { SESSION_COOKIE } from '../../src/members/session.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';
import { linkIn, startSmtp, type TestSmtp } from './smtp.ts';
import { Jar } from './jar.ts';
import { createUser, requestEmailChange } from '../../src/members/service.ts';
import { insertSession } from '../../src/members/store.ts';
import { createOrganisation } from '../../src/licensing/service.ts';
import { listTiers } from '../../src/licensing/store.ts';
import { memberNewsletterStatus } from '../../src/newsletter/account.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
type Res = Awaited<ReturnType<Site['app']['inject']>>;

const GOOD_PASSWORD = 'violet harbour kettle 42';

/** A browser's cookies for app.inject. */

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

describe(`members on ${ENGINE}`, () => {
  let site: Site;
  let smtp: TestSmtp;
  let storyPath: string;

  const get = async (jar: Jar, url: string) =>
    jar.take(
      await site.app.inject({ url, remoteAddress: jar.ip, headers: { cookie: jar.header() } }),
    );
  /**
   * Posts a form as a browser does from the site's own page (Origin, Sec-Fetch-Site) with the
   * jar's CSRF token once a signed-in page gave it one; `csrf: false` sends neither.
   */
  const post = async (
    jar: Jar,
    url: string,
    fields: Record<string, string>,
    opts: { csrf?: boolean } = {},
  ) => {
    if (jar.session && !jar.cookies.has('bs_csrf')) await get(jar, '/account');
    const token = jar.cookies.get('bs_csrf');
    const body = opts.csrf === false || !token ? fields : { ...fields, _csrf: token };
    return jar.take(
      await site.app.inject({
        method: 'POST',
        url,
        remoteAddress: jar.ip,
        payload: form(body),
        headers: {
          cookie: jar.header(),
          'content-type': 'application/x-www-form-urlencoded',
          ...(opts.csrf === false ? {} : SAME_ORIGIN),
        },
      }),
    );
  };
  const memberCount = async () =>
    Number(
      (
        await site.db.kysely
          .selectFrom('members')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const register = async (
    jar: Jar,
    email: string,
    password = GOOD_PASSWORD,
    extra: Record<string, string> = {},
  ) => {
    const mail = smtp.next(email.toLowerCase());
    const res = await post(jar, '/register', { email, password, ...extra });
    return { res, mail };
  };

  before(async () => {
    smtp = await startSmtp();
    site = await testSite(
      { DEMO: '1', SMTP_URL: smtp.url, SITE_NAME: 'Broadsheet' },
      { passwordParams: TEST_PASSWORD_PARAMS },
    );
    const row = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'slug'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    storyPath = `/stories/cablegate/2009/11/${row.id}-${row.slug}`;
  });
  after(async () => {
    await site.cleanup();
    await smtp.close();
  });

  test('short, common and guessable passwords are refused with a clear message and nothing is stored', async () => {
    const jar = new Jar(site.app);
    const cases: [string, RegExp][] = [
      ['short1!', /at least 10 characters \(yours has 7\)/],
      ['password1234', /most often tried/],
      ['Qwertyuiop!', /most often tried|counts through/],
      ['1234567890', /counts through|most often tried/],
      ['aaaaaaaaaaaa', /repeats/],
      ['broadsheet2024', /name of this site|most often tried/],
      ['margaret.h1950', /built from your email address/],
    ];
    for (const [password, message] of cases) {
      const res = await post(jar, '/register', { email: 'margaret.h@example.org', password });
      assert.equal(res.statusCode, 400, password);
      assert.match(res.body, message, password);
      assert.match(res.body, /value="margaret.h@example.org"/, 'the address is kept in the form');
      assert.ok(
        !res.body.includes(password) || password === 'aaaaaaaaaaaa',
        'the password is not echoed',
      );
    }
    const bad = await post(jar, '/register', { email: 'not-an-address', password: GOOD_PASSWORD });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /does not look like an email address/);
    assert.equal(await memberCount(), 0);
    assert.equal(jar.session, undefined);
  });

  test('registration mails a verification link over SMTP; the registering browser follows it and is logged in', async () => {
    const jar = new Jar(site.app);
    const { res, mail } = await register(jar, 'Reader.One@Example.org', GOOD_PASSWORD, {
      declared_use: 'personal',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/register?done=sent');
    assert.equal(jar.session, undefined, 'nobody is logged in before the address is confirmed');
    const cookie = (
      res.cookies as {
        name: string;
        httpOnly?: boolean;
        sameSite?: string;
        secure?: boolean;
        path?: string;
      }[]
    ).find((c) => c.name === SIGNUP_COOKIE)!;
    assert.ok(cookie.httpOnly);
    assert.equal(cookie.sameSite, 'Lax');
    assert.ok(!cookie.secure, 'not Secure over plain http');
    assert.equal(cookie.path, '/');
    const sent = await get(jar, '/register?done=sent');
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Check your mail/);

    const row = await site.db.kysely
      .selectFrom('members')
      .selectAll()
      .where('email', '=', 'reader.one@example.org')
      .executeTakeFirstOrThrow();
    assert.equal(row.email_verified_at, null);
    assert.equal(row.declared_use, 'personal');
    assert.match(row.password_hash!, /^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);

    const m = await mail;
    assert.match(m.subject, /Confirm your email address for Broadsheet/);
    const link = linkIn(m, '/verify/');
    assert.ok(link.startsWith(site.config.baseUrl + '/verify/'));
    const path = new URL(link).pathname;
    const stored = await site.db.kysely
      .selectFrom('member_tokens')
      .selectAll()
      .where('purpose', '=', 'verify')
      .executeTakeFirstOrThrow();
    assert.equal(stored.token_hash, hashToken(path.split('/').pop()!));
    assert.equal(
      stored.browser_hash,
      hashToken(jar.cookies.get(SIGNUP_COOKIE)!),
      'the link is tied to the browser that registered',
    );

    const v = await get(jar, path);
    assert.equal(v.statusCode, 303);
    assert.equal(v.headers.location, '/account?done=confirmed');
    assert.ok(jar.session, 'the registering browser is logged in');
    assert.equal(jar.cookies.get(SIGNUP_COOKIE), undefined, 'the sign-up cookie has done its work');
    const sessionRow = await site.db.kysely
      .selectFrom('sessions')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(
      sessionRow.id,
      hashToken(jar.session!),
      'only the hash of the session token is stored',
    );
    const account = await get(jar, '/account?done=confirmed');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /your address is confirmed, and you are logged in/);
    assert.equal(account.headers['cache-control'], 'private, no-cache');
    assert.match(account.body, /reader\.one@example\.org/);
    assert.match(account.body, /Confirmed/);
    assert.match(account.body, /action="\/logout"/);
    // A mail scanner opening the link afterwards does no harm.
    for (let i = 0; i < 2; i++) {
      const again = await get(new Jar(site.app), path);
      assert.equal(again.statusCode, 200);
      assert.match(again.body, /reader\.one@example\.org is confirmed/);
    }
    assert.equal((await get(jar, '/account')).statusCode, 200, 'still logged in');
    const bad = await get(new Jar(site.app), '/verify/' + newToken());
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /not valid/);
  });

  test('registering an address that has an account answers the same and mails its owner instead', async () => {
    const jar = new Jar(site.app);
    const mailP = smtp.next('reader.one@example.org');
    const res = await post(jar, '/register', {
      email: ' READER.ONE@example.org ',
      password: 'another fine password',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/register?done=sent');
    assert.ok(jar.cookies.get(SIGNUP_COOKIE));
    assert.equal(jar.session, undefined);
    assert.equal(await memberCount(), 1);
    const mail = await mailP;
    assert.match(mail.subject, /already have an account/);
    assert.ok(linkIn(mail, '/login/magic/'));
    const bad = await post(new Jar(site.app), '/login', {
      email: 'reader.one@example.org',
      password: 'another fine password',
    });
    assert.equal(bad.statusCode, 401, 'the password given with it changed nothing');
  });

  test('log in and out; the session id changes at login and logout ends it on the server', async () => {
    const jar = new Jar(site.app);
    // An attacker plants a session id before login (fixation).
    const planted = newToken();
    jar.cookies.set(SESSION_COOKIE, planted);
    const wrong = await post(jar, '/login', {
      email: 'reader.one@example.org',
      password: 'not the password at all',
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /do not match an account/);

    const ok = await post(jar, '/login', {
      email: 'Reader.One@example.org',
      password: GOOD_PASSWORD,
      next: '/terms',
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/terms');
    const first = jar.session!;
    assert.notEqual(first, planted);

    const page = await get(jar, storyPath);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /href="\/account">reader\.one@example\.org<\/a>/);
    assert.equal(
      page.headers['cache-control'],
      'private, no-cache',
      'pages for members are private',
    );

    // Logging in again while logged in also gets a new id, and the old one stops working.
    await post(jar, '/login', { email: 'reader.one@example.org', password: GOOD_PASSWORD });
    const second = jar.session!;
    assert.notEqual(second, first);
    const stale = await site.app.inject({
      url: '/account',
      headers: { cookie: `${SESSION_COOKIE}=${first}` },
    });
    assert.equal(stale.statusCode, 303);

    const copy = jar.header();
    const out = await post(jar, '/logout', {});
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/login?done=logout');
    assert.equal(jar.session, undefined, 'the cookie is cleared');
    // Someone who kept a copy of the cookie gets nothing either.
    const replay = await site.app.inject({ url: '/account', headers: { cookie: copy } });
    assert.equal(replay.statusCode, 303);
    assert.equal(replay.headers.location, '/login?next=/account');
    const home = await site.app.inject({ url: '/', headers: { cookie: copy } });
    assert.match(home.body, /href="\/login">Log in<\/a>/);
  });

  test('anonymous pages stay public and show Log in / Register', async () => {
    const res = await site.app.inject('/terms');
    assert.equal(res.headers['cache-control'], 'public, max-age=0, s-maxage=60');
    assert.equal(res.headers['set-cookie'], undefined);
    assert.match(res.body, /href="\/login">Log in<\/a> \/ <a href="\/register">Register<\/a>/);
    // A cookie that is not a session token is ignored without a lookup.
    const junk = await site.app.inject({
      url: storyPath,
      headers: { cookie: `${SESSION_COOKIE}=nonsense` },
    });
    assert.equal(junk.statusCode, 200);
  });

  test('password reset: a link by mail, the same rules for the new password, other sessions logged out', async () => {
    const other = new Jar(site.app);
    await post(other, '/login', { email: 'reader.one@example.org', password: GOOD_PASSWORD });
    assert.ok(other.session);

    const jar = new Jar(site.app);
    const unknown = await post(jar, '/password/forgot', { email: 'nobody@example.org' });
    assert.equal(unknown.statusCode, 200);
    assert.match(unknown.body, /If there is an account for nobody@example.org/);

    const mailP = smtp.next('reader.one@example.org');
    const res = await post(jar, '/password/forgot', { email: 'reader.one@example.org' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /If there is an account for reader\.one@example\.org/);
    const path = new URL(linkIn(await mailP, '/password/reset/')).pathname;

    const form = await get(jar, path);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Choose a new password/);
    const weak = await post(jar, path, { password: 'password123' });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /most often tried/);

    const done = await post(jar, path, { password: 'lantern quarry mosaic' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account?done=reset');
    assert.ok(jar.session);
    assert.equal((await get(jar, '/account')).statusCode, 200);
    const oldSession = await site.app.inject({
      url: '/account',
      headers: { cookie: `${SESSION_COOKIE}=${other.session}` },
    });
    assert.equal(oldSession.statusCode, 303, 'sessions from before the reset are ended');

    const again = await post(new Jar(site.app), path, { password: 'another lantern quarry' });
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /already been used/);
    const oldPw = await post(new Jar(site.app), '/login', {
      email: 'reader.one@example.org',
      password: GOOD_PASSWORD,
    });
    assert.equal(oldPw.statusCode, 401);
    const newPw = await post(new Jar(site.app), '/login', {
      email: 'reader.one@example.org',
      password: 'lantern quarry mosaic',
    });
    assert.equal(newPw.statusCode, 303);
  });

  test('a magic link works three times within ten minutes and not after it expires', async () => {
    const mailP = smtp.next('reader.one@example.org');
    const req = await post(new Jar(site.app), '/login/magic', { email: 'reader.one@example.org' });
    assert.equal(req.statusCode, 200);
    assert.match(req.body, /sent a login link to reader\.one@example\.org/);
    const mail = await mailP;
    assert.match(mail.text, /works for ten minutes/);
    const path = new URL(linkIn(mail, '/login/magic/')).pathname;

    const sessions = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const jar = new Jar(site.app);
      const res = await get(jar, path);
      assert.equal(res.statusCode, 303, `use ${i + 1}`);
      assert.equal(res.headers.location, '/account?done=magic');
      sessions.add(jar.session!);
      assert.equal((await get(jar, '/account')).statusCode, 200);
    }
    assert.equal(sessions.size, 3, 'each use starts its own session');
    const row = await site.db.kysely
      .selectFrom('member_tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(path.split('/').pop()!))
      .executeTakeFirstOrThrow();
    assert.equal(row.uses, 3);
    assert.ok(Date.parse(row.expires_at) - Date.parse(row.created_at) === 10 * 60_000);

    // Ten minutes later.
    await site.db.kysely
      .updateTable('member_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', row.id)
      .execute();
    const late = await get(new Jar(site.app), path);
    assert.equal(late.statusCode, 400);
    assert.match(late.body, /has expired/);
  });

  test('a magic link to a new address creates a confirmed account', async () => {
    const mailP = smtp.next('new.reader@example.org');
    await post(new Jar(site.app), '/login/magic', { email: 'new.reader@example.org' });
    const mail = await mailP;
    assert.match(mail.text, /the link below creates one/);
    const jar = new Jar(site.app);
    const res = await get(jar, new URL(linkIn(mail, '/login/magic/')).pathname);
    assert.equal(res.headers.location, '/account?done=magic-new');
    const row = await site.db.kysely
      .selectFrom('members')
      .selectAll()
      .where('email', '=', 'new.reader@example.org')
      .executeTakeFirstOrThrow();
    assert.ok(row.email_verified_at);
    assert.equal(row.password_hash, null);
    assert.equal(row.role, 'reader');
  });

  test('declaring work use shows how to get a licence and the firmer notice on story pages', async () => {
    const jar = new Jar(site.app);
    await post(jar, '/login', {
      email: 'reader.one@example.org',
      password: 'lantern quarry mosaic',
    });
    const bad = await post(jar, '/account', { declared_use: 'hobby' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /personal use or for work/);

    const saved = await post(jar, '/account', {
      declared_use: 'work',
      work_organisation: '  Ministry   of Examples ',
    });
    assert.equal(saved.statusCode, 303);
    const account = await get(jar, saved.headers.location as string);
    assert.match(account.body, /You read Broadsheet for work at Ministry of Examples/);
    assert.match(account.body, /href="\/about\/licensing">How to get a licence/);

    const story = await get(jar, storyPath);
    assert.match(story.body, /paywall-strip work-unlicensed/);
    assert.match(story.body, /Ministry of Examples has no Broadsheet licence/);

    await post(jar, '/account', { declared_use: 'personal', work_organisation: 'ignored' });
    const row = await site.db.kysely
      .selectFrom('members')
      .selectAll()
      .where('email', '=', 'reader.one@example.org')
      .executeTakeFirstOrThrow();
    assert.equal(row.declared_use, 'personal');
    assert.equal(row.work_organisation, null);
    assert.match((await get(jar, storyPath)).body, /paywall-strip personal/);
  });

  test('every member form refuses a request without the CSRF token', async () => {
    const jar = new Jar(site.app);
    await post(jar, '/login', {
      email: 'reader.one@example.org',
      password: 'lantern quarry mosaic',
    });
    const before = jar.session;
    const forms: [string, Record<string, string>][] = [
      ['/register', { email: 'csrf@example.org', password: GOOD_PASSWORD }],
      ['/login', { email: 'reader.one@example.org', password: 'lantern quarry mosaic' }],
      ['/logout', {}],
      ['/login/magic', { email: 'reader.one@example.org' }],
      ['/password/forgot', { email: 'reader.one@example.org' }],
      ['/password/reset/' + newToken(), { password: 'lantern quarry mosaic' }],
      ['/account', { declared_use: 'work' }],
      ['/verify/resend', {}],
      [
        '/account/password',
        { current_password: 'lantern quarry mosaic', password: 'csrf harbour kettle 42' },
      ],
      ['/account/sessions/end-others', {}],
      [
        '/account/email',
        { email: 'csrf.new@example.org', current_password: 'lantern quarry mosaic' },
      ],
      ['/account/email/' + newToken(), {}],
      ['/account/delete', { current_password: 'lantern quarry mosaic' }],
    ];
    const mails = smtp.messages.length;
    for (const [url, fields] of forms) {
      const res = await post(jar, url, fields, { csrf: false });
      assert.equal(res.statusCode, 403, url);
      assert.match(res.body, /did not come from this site/, url);
    }
    assert.equal(jar.session, before, 'still logged in with the same session');
    assert.equal(
      await site.db.kysely
        .selectFrom('members')
        .select('id')
        .where('email', '=', 'csrf@example.org')
        .executeTakeFirst(),
      undefined,
    );
    assert.equal(smtp.messages.length, mails, 'no mail was sent');
  });

  test('the account page changes the password with the current one, lists sessions and ends the others', async () => {
    const email = 'reader.one@example.org';
    const old = 'lantern quarry mosaic';
    const jar = new Jar(site.app);
    await post(jar, '/login', { email, password: old });
    const other = new Jar(site.app);
    await post(other, '/login', { email, password: old });
    assert.ok(jar.session && other.session);

    const account = await get(jar, '/account');
    assert.equal(account.statusCode, 200);
    const list = /<ul class="session-list">([^]*?)<\/ul>/.exec(account.body);
    assert.ok(list, 'the page lists where the account is logged in');
    assert.ok((list[1].match(/<li>/g) ?? []).length >= 2);
    assert.equal((list[1].match(/\(this browser\)/g) ?? []).length, 1);
    assert.match(account.body, /action="\/account\/password"/);
    assert.match(account.body, /Log out everywhere else/);

    const hashOf = async () =>
      (
        await site.db.kysely
          .selectFrom('members')
          .select('password_hash')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).password_hash;
    const before = await hashOf();
    // the wrong current password, none, or a weak new one: a clear message and nothing changes
    const wrong = await post(jar, '/account/password', {
      current_password: 'not my password at all',
      password: 'copper meadow violin 7',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /That is not your current password/);
    assert.match(wrong.body, /id="current_password"[^>]*aria-invalid="true"/);
    const none = await post(jar, '/account/password', { password: 'copper meadow violin 7' });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /Enter your current password/);
    const weak = await post(jar, '/account/password', {
      current_password: old,
      password: 'password123',
    });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /most often tried/);
    assert.equal(await hashOf(), before);
    assert.equal((await get(other, '/account')).statusCode, 200, 'the other session lives on');

    const mailP = smtp.next(email);
    const done = await post(jar, '/account/password', {
      current_password: old,
      password: 'copper meadow violin 7',
    });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account?done=password');
    const after = await get(jar, '/account?done=password');
    assert.equal(after.statusCode, 200, 'this browser stays logged in');
    assert.match(after.body, /Your password is changed/);
    assert.match(after.body, /You are not logged in anywhere else/);
    assert.equal((await get(other, '/account')).statusCode, 303, 'the other session ended');
    assert.match((await mailP).subject, /password was changed/);
    assert.equal(
      (await post(new Jar(site.app), '/login', { email, password: old })).statusCode,
      401,
    );

    // log out everywhere else
    const third = new Jar(site.app);
    await post(third, '/login', { email, password: 'copper meadow violin 7' });
    assert.equal((await get(third, '/account')).statusCode, 200);
    const ended = await post(jar, '/account/sessions/end-others', {});
    assert.equal(ended.statusCode, 303);
    assert.equal(ended.headers.location, '/account?done=sessions-ended');
    assert.equal((await get(third, '/account')).statusCode, 303, 'the third session ended');
    const mine = await get(jar, '/account?done=sessions-ended');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /You are logged out everywhere else/);
  });

  test('an account without a password changes its address only within 15 minutes of a login by mail', async () => {
    const d = serviceDeps(site);
    const email = 'links.only@example.org';
    const made = await createUser(d, { email, role: 'reader' });
    assert.ok(made.ok);
    // confirmed, as the login link printed for it would do
    await site.db.kysely
      .updateTable('members')
      .set({ email_verified_at: new Date().toISOString() })
      .where('id', '=', made.memberId)
      .execute();
    const session = async (minutesAgo: number) => {
      const hash = hashToken(newToken());
      const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      await insertSession(site.db.kysely, {
        hash,
        memberId: made.memberId,
        now: at,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        userAgent: 'test',
      });
      return hash;
    };
    const stale = await requestEmailChange(d, made.memberId, {
      email: 'links.moved@example.org',
      current: '',
      sessionHash: await session(20),
    });
    assert.equal(stale.ok, false);
    assert.match(stale.message, /log in again with a link by mail first/);
    const mail = smtp.next('links.moved@example.org');
    const fresh = await requestEmailChange(d, made.memberId, {
      email: 'links.moved@example.org',
      current: '',
      sessionHash: await session(5),
    });
    assert.ok(fresh.ok, fresh.message);
    assert.match(linkIn(await mail, '/account/email/'), /\/account\/email\/[\w-]{43}$/);
  });

  test('changing the address: proven by the current password and a link to the new address, opened by the same account', async () => {
    const email = 'reader.one@example.org';
    const password = 'copper meadow violin 7';
    const fresh = 'reader.renamed@example.org';
    const d = serviceDeps(site);
    const someone = 'someone.else@example.org';
    assert.ok(
      (await createUser(d, { email: someone, role: 'reader', password: GOOD_PASSWORD })).ok,
    );
    const addressOf = async (id: number) =>
      (
        await site.db.kysely
          .selectFrom('members')
          .select(['email', 'email_verified_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).email;
    const memberId = Number(
      (
        await site.db.kysely
          .selectFrom('members')
          .select('id')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).id,
    );
    const jar = new Jar(site.app);
    await post(jar, '/login', { email, password });
    const other = new Jar(site.app);
    await post(other, '/login', { email, password });
    // subscribed to the newsletter under the old address
    await post(jar, '/account/newsletter', { action: 'subscribe' });
    assert.equal(await memberNewsletterStatus(site.db.kysely, email), 'subscribed');

    // refused with a message by the form, nothing sent, nothing changed
    const mails = smtp.messages.length;
    const refusals: [Record<string, string>, RegExp][] = [
      [{ email: fresh, current_password: 'not my password at all' }, /not your current password/],
      [{ email: fresh }, /Enter your current password/],
      [
        { email: 'not-an-address', current_password: password },
        /does not look like an email address/,
      ],
      [{ email: 'Reader.One@example.org', current_password: password }, /is already your address/],
    ];
    for (const [fields, said] of refusals) {
      const res = await post(jar, '/account/email', fields);
      assert.equal(res.statusCode, 400, JSON.stringify(fields));
      assert.match(res.body, said);
    }
    assert.equal(smtp.messages.length, mails);
    jar.ip = '10.99.0.1';

    // an address that has an account: the same answer, and its owner is told instead
    const taken = smtp.next(someone);
    const t = await post(jar, '/account/email', { email: someone, current_password: password });
    assert.equal(t.statusCode, 303);
    assert.equal(t.headers.location, '/account?done=email-sent');
    assert.match((await taken).subject, /offered for another/);

    const linkP = smtp.next(fresh);
    const res = await post(jar, '/account/email', { email: fresh, current_password: password });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account?done=email-sent');
    const path = new URL(linkIn(await linkP, '/account/email/')).pathname;
    assert.equal(await addressOf(memberId), email, 'nothing changes before the link is used');

    // anyone else opening the link: a visitor is asked to log in, another account is refused
    const visitor = await site.app.inject({ url: path, remoteAddress: '10.99.0.2' });
    assert.equal(visitor.statusCode, 303);
    assert.equal(visitor.headers.location, `/login?next=${path}`);
    const stranger = new Jar(site.app);
    await post(stranger, '/login', { email: someone, password: GOOD_PASSWORD });
    const refused = await get(stranger, path);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /sent for another account/);
    const notYours = await post(stranger, path, {});
    assert.equal(notYours.statusCode, 400);
    assert.equal(await addressOf(memberId), email);

    // the account's own browser: opening the link asks, and changes nothing by itself
    const ask = await get(jar, path);
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Confirm your new address/);
    assert.match(ask.body, new RegExp(`form method="post" action="${path}"`));
    assert.equal(await addressOf(memberId), email);
    const oldMail = smtp.next(email);
    const done = await post(jar, path, {});
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account?done=email-changed');
    assert.equal(await addressOf(memberId), fresh);
    assert.match((await oldMail).subject, /address was changed/);
    const page = await get(jar, '/account?done=email-changed');
    assert.match(page.body, /Your new address is confirmed/);
    assert.match(page.body, /reader\.renamed@example\.org/);
    assert.equal((await get(other, '/account')).statusCode, 303, 'the other session ended');
    assert.equal(await memberNewsletterStatus(site.db.kysely, fresh), 'subscribed');
    assert.notEqual(await memberNewsletterStatus(site.db.kysely, email), 'subscribed');
    // the link works once; the old address no longer logs in, the new one does
    assert.match((await post(jar, path, {})).body, /already been used/);
    assert.equal((await post(new Jar(site.app), '/login', { email, password })).statusCode, 401);
    assert.equal(
      (await post(new Jar(site.app), '/login', { email: fresh, password })).statusCode,
      303,
    );
  });

  test('deleting the account: what goes is listed, staff and an only administrator are refused, the password is asked again', async () => {
    const d = serviceDeps(site);
    const db = site.db.kysely;
    const make = async (email: string, role: 'reader' | 'editor' = 'reader') => {
      const r = await createUser(d, { email, role, password: GOOD_PASSWORD });
      assert.ok(r.ok);
      return r.memberId;
    };
    const exists = async (id: number) =>
      !!(await db.selectFrom('members').select('id').where('id', '=', id).executeTakeFirst());
    const loggedIn = async (email: string) => {
      const jar = new Jar(site.app);
      await post(jar, '/login', { email, password: GOOD_PASSWORD });
      assert.ok(jar.session);
      return jar;
    };

    // a staff account: told what to do, no form, nothing deleted
    const editorId = await make('leaving.editor@example.org', 'editor');
    const editor = await loggedIn('leaving.editor@example.org');
    const staffPage = await get(editor, '/account/delete');
    assert.equal(staffPage.statusCode, 200);
    assert.match(staffPage.body, /This is a staff account/);
    assert.doesNotMatch(staffPage.body, /action="\/account\/delete"/);
    const staffPost = await post(editor, '/account/delete', { current_password: GOOD_PASSWORD });
    assert.equal(staffPost.statusCode, 400);
    assert.ok(await exists(editorId));

    // the only administrator of an organisation
    const adminId = await make('only.admin@example.org');
    const tier = (await listTiers(db))[0];
    const orgId = await createOrganisation(
      d,
      {
        name: 'Harbour Maps Ltd',
        kind: 'company',
        tierId: tier.id,
        contactEmail: 'maps@example.org',
      },
      adminId,
    );
    const admin = await loggedIn('only.admin@example.org');
    const adminPage = await get(admin, '/account/delete');
    assert.match(adminPage.body, /only administrator of Harbour Maps Ltd/);
    const adminPost = await post(admin, '/account/delete', { current_password: GOOD_PASSWORD });
    assert.equal(adminPost.statusCode, 400);
    assert.ok(await exists(adminId));

    // a reader with a seat, a saved search and a press release
    const email = 'leaving.reader@example.org';
    const id = await make(email);
    const now = new Date().toISOString();
    await db
      .insertInto('organisation_members')
      .values({ organisation_id: orgId, member_id: id, role: 'member', created_at: now })
      .execute();
    await db
      .insertInto('saved_searches')
      .values({
        member_id: id,
        query: 'lima',
        frequency: 'daily',
        created_at: now,
        last_checked_at: now,
      })
      .execute();
    await db
      .insertInto('press_releases')
      .values({
        member_id: id,
        email,
        title: 'A release',
        body: 'Text of the release.',
        licensed: 0,
        organisation: 'Harbour Maps Ltd',
        contact: email,
        status: 'pending',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const jar = await loggedIn(email);
    const other = await loggedIn(email);
    const page = await get(jar, '/account/delete');
    assert.equal(page.statusCode, 200);
    const removes = /<ul class="removes">([^]*?)<\/ul>/.exec(page.body);
    assert.ok(removes, 'the page lists what goes with the account');
    assert.match(removes[1], /your place at Harbour Maps Ltd \(the organisation stays\)/);
    assert.match(removes[1], /1 saved search and their alerts/);
    assert.match(removes[1], /1 press release you sent/);

    const wrong = await post(jar, '/account/delete', {
      current_password: 'not my password at all',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /not your current password/);
    assert.ok(await exists(id));

    const mail = smtp.next(email);
    const done = await post(jar, '/account/delete', { current_password: GOOD_PASSWORD });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/');
    assert.equal(jar.session, undefined, 'the session cookie is cleared');
    assert.match((await mail).subject, /account is deleted/);
    const home = await get(jar, '/');
    assert.match(home.body, /Your account leaving\.reader@example\.org is deleted/);
    assert.equal(await exists(id), false);
    const left = async (table: string) =>
      (
        await db
          .selectFrom(table as never)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('member_id' as never, '=', id as never)
          .executeTakeFirstOrThrow()
      ).n;
    for (const t of [
      'sessions',
      'member_tokens',
      'organisation_members',
      'saved_searches',
      'press_releases',
    ])
      assert.equal(Number(await left(t)), 0, t);
    assert.ok(
      await db.selectFrom('organisations').select('id').where('id', '=', orgId).executeTakeFirst(),
      'the organisation stays',
    );
    assert.ok(await exists(adminId));
    assert.equal((await get(other, '/account')).statusCode, 303, 'every session ended');
    assert.equal(
      (await post(new Jar(site.app), '/login', { email, password: GOOD_PASSWORD })).statusCode,
      401,
    );
  });
});

describe(`member rate limits on ${ENGINE}`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '0' });
  });
  after(() => site.cleanup());

  test('every auth route answers 429 once its limit is used up', async () => {
    const routes: [string, string, keyof typeof AUTH_RATE_LIMITS][] = [
      ['GET', '/register', 'page'],
      ['POST', '/register', 'register'],
      ['GET', '/login', 'page'],
      ['POST', '/login', 'login'],
      ['POST', '/logout', 'logout'],
      ['GET', '/login/magic', 'page'],
      ['POST', '/login/magic', 'mail'],
      ['GET', '/login/magic/x', 'link'],
      ['GET', '/verify/x', 'link'],
      ['POST', '/verify/resend', 'mail'],
      ['GET', '/password/forgot', 'page'],
      ['POST', '/password/forgot', 'mail'],
      ['GET', '/password/reset/x', 'link'],
      ['POST', '/password/reset/x', 'reset'],
      ['GET', '/account', 'page'],
      ['POST', '/account', 'account'],
      ['POST', '/account/password', 'password'],
      ['POST', '/account/sessions/end-others', 'account'],
      ['POST', '/account/email', 'mail'],
      ['GET', '/account/email/x', 'link'],
      ['POST', '/account/email/x', 'link'],
      ['GET', '/account/delete', 'page'],
      ['POST', '/account/delete', 'password'],
    ];
    for (const [method, url, limit] of routes) {
      const max = AUTH_RATE_LIMITS[limit].max;
      for (let i = 0; i < max; i++) {
        const res = await site.app.inject({ method: method as 'GET' | 'POST', url });
        assert.notEqual(res.statusCode, 429, `${method} ${url} request ${i + 1} of ${max}`);
      }
      const over = await site.app.inject({ method: method as 'GET' | 'POST', url });
      assert.equal(over.statusCode, 429, `${method} ${url}`);
      assert.match(over.body, /Too many requests/);
      assert.equal(over.headers['retry-after'], '60');
    }
  });
});
