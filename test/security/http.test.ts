/**
 * HTTP security checks over the whole route table (read from Fastify, so new routes are covered
 * without editing this file): CSRF on every state-changing route, an authorisation matrix over the
 * restricted pages, session fixation and logout, rate limits, and the security headers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE } from '../helpers.ts';
import { concrete, listRoutes, securityWorld, type Who } from './world.ts';

type World = Awaited<ReturnType<typeof securityWorld>>;

/**
 * Routes that opt out of the CSRF check (`config: { csrf: false }`) because they authenticate
 * another way. A new opt-out fails the test until it is reviewed and added here.
 */
const CSRF_EXEMPT = new Map<string, string>([
  [
    'POST /newsletter/unsubscribe/:token',
    'one-click unsubscribe (RFC 8058): the signed token is the credential',
  ],
  [
    'POST /newsletter/signup',
    'footer form on cached public pages: a token or a same-origin Origin subscribes; otherwise only the sign-up page is shown',
  ],
]);

async function subscriberCount(w: World): Promise<number> {
  const r = await w.site.db.kysely
    .selectFrom('newsletter_subscribers' as never)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return Number((r as { n?: number | string } | undefined)?.n ?? 0);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe(`security over HTTP (${ENGINE})`, () => {
  let w: World;
  before(async () => {
    w = await securityWorld();
  });
  after(async () => {
    await w.site.cleanup();
  });

  test('every state-changing route refuses a missing or wrong CSRF token', async () => {
    const unsafe = listRoutes(w.site.app).filter(([m]) =>
      ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m),
    );
    assert.ok(unsafe.length > 30, `found ${unsafe.length} state-changing routes`);
    const exempt: string[] = [];
    for (const [method, pattern] of unsafe) {
      const url = concrete(pattern);
      const key = `${method} ${pattern}`;
      const isCsrf = (r: { statusCode: number; body: string }) =>
        r.statusCode === 403 && /did not come from this site|"csrf"/.test(r.body);
      // Signed in as the site admin, so nothing but the token stands in the way.
      const base = {
        method: method as 'POST',
        url,
        remoteAddress: w.nextIp(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
      const session = w.cookies.admin.split('; ')[0];
      const missing = await w.site.app.inject({
        ...base,
        headers: { ...base.headers, cookie: session },
        payload: form({ title: 'x' }),
      });
      if (!isCsrf(missing)) {
        exempt.push(key);
        assert.ok(
          CSRF_EXEMPT.has(key),
          `${key} answered ${missing.statusCode} without a CSRF token: it must refuse (403) or be reviewed as exempt`,
        );
        // An exempt route must authenticate otherwise: with nothing but a made-up token, it refuses.
        const before = await subscriberCount(w);
        const anon = await w.site.app.inject({
          ...base,
          headers: { ...base.headers, origin: 'https://evil.example' },
          payload: form({ email: 'victim@example.org' }),
        });
        assert.ok(
          anon.statusCode >= 400 || (await subscriberCount(w)) === before,
          `${key} changed something for a cross-site request (${anon.statusCode})`,
        );
        continue;
      }
      const wrongField = await w.site.app.inject({
        ...base,
        headers: { ...base.headers, cookie: `${session}; bs_csrf=${'a'.repeat(32)}` },
        payload: form({ _csrf: 'b'.repeat(32) }),
      });
      assert.ok(isCsrf(wrongField), `${key} with a wrong _csrf: ${wrongField.statusCode}`);
      const wrongHeader = await w.site.app.inject({
        ...base,
        headers: {
          ...base.headers,
          cookie: `${session}; bs_csrf=${'a'.repeat(32)}`,
          'x-csrf-token': 'c'.repeat(32),
        },
        payload: '',
      });
      assert.ok(isCsrf(wrongHeader), `${key} with a wrong x-csrf-token: ${wrongHeader.statusCode}`);
      const noCookie = await w.site.app.inject({
        ...base,
        headers: { ...base.headers, cookie: session },
        payload: form({ _csrf: 'a'.repeat(32) }),
      });
      assert.ok(isCsrf(noCookie), `${key} with a token but no cookie: ${noCookie.statusCode}`);
    }
    for (const k of CSRF_EXEMPT.keys())
      if (!exempt.includes(k) && unsafe.some(([m, p]) => `${m} ${p}` === k))
        assert.fail(`${k} is listed as exempt but checks CSRF: remove it from the list`);
  });

  test('authorisation matrix over the restricted pages', async () => {
    const gets = listRoutes(w.site.app)
      .filter(
        ([m, p]) => m === 'GET' && /^\/(admin|newsletter\/editor|org|account|alerts)(\/|$)/.test(p),
      )
      .map(([, p]) => p);
    assert.ok(gets.length >= 15, `found ${gets.length} restricted pages`);
    const whos: Who[] = ['anonymous', 'reader', 'orgA', 'orgB', 'editor', 'admin'];
    const rows: string[] = [];
    const granted = (s: number) => s === 200 || s === 304;
    for (const pattern of gets) {
      const url = pattern === '/org/:id' ? `/org/${w.orgA}` : concrete(pattern);
      const status: Record<string, number> = {};
      for (const who of whos) {
        const res = await w.site.app.inject({
          url,
          remoteAddress: w.nextIp(),
          headers: who === 'anonymous' ? {} : { cookie: w.cookies[who] },
        });
        status[who] = res.statusCode;
        if (granted(res.statusCode)) assert.ok(!/x-test-member/.test(res.body));
      }
      rows.push(`${url.padEnd(44)} ${whos.map((x) => `${x}=${status[x]}`).join(' ')}`);
      // Nobody signed out gets a restricted page.
      assert.ok(!granted(status.anonymous), `${url} served to an anonymous visitor`);
      if (/^\/(admin|newsletter\/editor)/.test(pattern)) {
        for (const who of ['reader', 'orgA', 'orgB'] as const)
          assert.ok(!granted(status[who]), `${url} served to ${who}`);
        if (!pattern.includes(':'))
          assert.ok(granted(status.admin), `${url} refused the site admin (${status.admin})`);
      }
      if (pattern === '/org/:id') {
        assert.ok(granted(status.orgA), `organisation A's admin sees ${url} (${status.orgA})`);
        // Editors see organisations read-only (licensing work); managing needs the org's or the site's admin.
        for (const who of ['reader', 'orgB'] as const)
          assert.ok(!granted(status[who]), `${url} (organisation A) served to ${who}`);
      }
      if (pattern === '/account' || pattern === '/alerts' || pattern === '/org') {
        for (const who of ['reader', 'orgA', 'editor', 'admin'] as const)
          assert.ok(status[who] < 500, `${url} for ${who}: ${status[who]}`);
      }
    }
    // Organisation B's page the other way round.
    const b = await w.site.app.inject({
      url: `/org/${w.orgB}`,
      headers: { cookie: w.cookies.orgA },
    });
    assert.ok(
      !granted(b.statusCode),
      `organisation B's page served to A's admin (${b.statusCode})`,
    );
    assert.ok(
      granted(
        (await w.site.app.inject({ url: `/org/${w.orgB}`, headers: { cookie: w.cookies.orgB } }))
          .statusCode,
      ),
    );
    // A header some tests once used to fake a member has no effect on the real app.
    const fake = await w.site.app.inject({
      url: '/admin',
      headers: {
        'x-test-member': JSON.stringify({ id: 1, email: 'x@example.org', role: 'admin' }),
      },
    });
    assert.ok(!granted(fake.statusCode), 'x-test-member is ignored');
    console.log(`authorisation matrix (${ENGINE}):\n${rows.join('\n')}`);
  });

  test('session fixation: a planted session id is never adopted; logout ends the session for every copy of the cookie', async () => {
    const planted = 'A'.repeat(43);
    const ip = w.nextIp();
    const token = await w.csrf(ip);
    const res = await w.site.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: ip,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `bs_csrf=${token}; bs_session=${planted}`,
      },
      payload: form({
        email: 'reader@example.org',
        password: (await import('./world.ts')).PASSWORD,
        _csrf: token,
      }),
    });
    const issued = res.cookies.find((c) => c.name === 'bs_session');
    assert.ok(issued && issued.value !== planted, 'login issues a new session id');
    assert.equal(issued.httpOnly, true);
    assert.ok(/lax|strict/i.test(String(issued.sameSite)));
    const planteds = await w.site.app.inject({
      url: '/account',
      headers: { cookie: `bs_session=${planted}` },
    });
    assert.notEqual(planteds.statusCode, 200, 'the planted id is not a session');

    const cookie = await w.login('reader');
    assert.equal(
      (await w.site.app.inject({ url: '/account', headers: { cookie } })).statusCode,
      200,
    );
    const csrf = /bs_csrf=([^;]+)/.exec(cookie)![1];
    const out = await w.site.app.inject({
      method: 'POST',
      url: '/logout',
      remoteAddress: w.nextIp(),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: csrf }),
    });
    assert.ok(out.statusCode < 400, `logout: ${out.statusCode}`);
    // A copy of the old cookie (another tab, or a thief) no longer works.
    const again = await w.site.app.inject({ url: '/account', headers: { cookie } });
    assert.notEqual(
      again.statusCode,
      200,
      'the session ended on the server, not only in the browser',
    );
  });

  test('login, registration and password mail are rate limited per client address', async () => {
    const ip = w.nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await w.site.app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ email: 'reader@example.org', password: 'wrong' }),
      });
      statuses.push(r.statusCode);
      if (r.statusCode === 429) assert.ok(r.headers['retry-after'], 'a 429 says when to retry');
    }
    assert.ok(statuses.includes(429), `login attempts: ${statuses.join(',')}`);
    const other = await w.site.app.inject({ url: '/login', remoteAddress: w.nextIp() });
    assert.equal(other.statusCode, 200, 'another address is not affected');
    const mailIp = w.nextIp();
    const mail: number[] = [];
    for (let i = 0; i < 7; i++)
      mail.push(
        (
          await w.site.app.inject({
            method: 'POST',
            url: '/password/forgot',
            remoteAddress: mailIp,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: form({ email: 'x@example.org' }),
          })
        ).statusCode,
      );
    assert.ok(mail.includes(429), `password mail: ${mail.join(',')}`);
  });

  test('security headers: strict CSP, nosniff, referrer policy, no framing; HSTS only over https from a trusted proxy', async () => {
    for (const url of ['/', '/search?q=peru', '/login', '/no-such-page', '/api/search?q=peru']) {
      const r = await w.site.app.inject({ url });
      const csp = String(r.headers['content-security-policy'] ?? '');
      assert.ok(csp, `${url}: CSP present`);
      assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${url}: ${csp}`);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /object-src 'none'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'strict-origin-when-cross-origin');
      assert.equal(
        r.headers['strict-transport-security'],
        undefined,
        `${url}: no HSTS over plain http`,
      );
    }
    // Without TRUST_PROXY a forwarded proto is not believed.
    const spoofed = await w.site.app.inject({
      url: '/',
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.equal(spoofed.headers['strict-transport-security'], undefined);

    const { testSite } = await import('../helpers.ts');
    const proxied = await testSite({ DEMO: '0', TRUST_PROXY: '127.0.0.1/32' });
    try {
      const viaProxy = await proxied.app.inject({
        url: '/',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' },
      });
      assert.match(String(viaProxy.headers['strict-transport-security']), /max-age=\d{7,}/);
      const login = await proxied.app.inject({
        url: '/login',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-proto': 'https' },
      });
      // The login page for a reader without a session sets no cookie at all (a shared cache may
      // keep it); the __Host- CSRF cookie of signed-in pages is checked in content.test.ts.
      assert.equal(login.statusCode, 200);
      assert.deepEqual(login.cookies, [], 'no cookie on a page for a reader without a session');
      const notProxy = await proxied.app.inject({
        url: '/',
        remoteAddress: '198.51.100.9',
        headers: { 'x-forwarded-proto': 'https' },
      });
      assert.equal(
        notProxy.headers['strict-transport-security'],
        undefined,
        'an untrusted client cannot claim https',
      );
    } finally {
      await proxied.cleanup();
    }
  });
});
