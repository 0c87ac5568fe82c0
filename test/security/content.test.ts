/**
 * Content never reaches the site's own machinery, over HTTP on the engine under test:
 * - a press release (or any content) cannot make the page cache write a visitor's CSRF token
 *   anywhere but the site's own `_csrf` fields;
 * - control characters are stored nowhere, whichever form or path writes the text;
 * - Markdown links are rendered only as addresses a browser reads the way the check did
 *   (`/\evil.example` is not a site path);
 * - the CSRF cookie is `__Host-` under https; requests a browser marks as coming from elsewhere
 *   (Sec-Fetch-Site, Origin) are refused even with a valid token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import { parseDocument } from 'htmlparser2';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite } from '../helpers.ts';
import { importCables } from '../../src/cables/importer.ts';
import { FORM, form, signedIn } from '../stories/helpers.ts';
import { addNetwork, createOrganisation, grantLicence } from '../../src/licensing/service.ts';
import { licensingDeps } from '../../src/licensing/jobs.ts';
import { worldFor } from '../../src/licensing/world.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

/** Any character the storage boundary removes (C0 but \t \n \r, DEL, C1, unpaired surrogates). */
const CONTROL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The placeholder the page cache used to fill in with the visitor's token. */
const OLD_SLOT = '\u0000csrf\u0000';
const NASTY = `\u0000\u0001\u0007\u001b[31m\u007f\u0085\u009b\ud800`;
/** Only characters that are removed (a lone surrogate cannot travel in a form: it arrives as U+FFFD). */
const BARE = '\u0000\u0007\u000b\u009b\u007f';

function elements(html: string, name: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const walk = (n: {
    type?: string;
    name?: string;
    attribs?: Record<string, string>;
    children?: unknown[];
  }) => {
    if (n.type === 'tag' && n.name === name) out.push(n.attribs ?? {});
    for (const c of (n.children ?? []) as (typeof n)[]) walk(c);
  };
  walk(parseDocument(html, { decodeEntities: true }) as never);
  return out;
}

/** Every text column of every row of `table`, for scanning. */
async function texts(site: Site, table: string): Promise<string[]> {
  const rows = (await site.db.kysely
    .selectFrom(table as never)
    .selectAll()
    .execute()) as Record<string, unknown>[];
  return rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string'));
}

describe(`content and the site's machinery (${ENGINE})`, () => {
  let site: Site;
  let editor: Awaited<ReturnType<typeof signedIn>>;
  let submitter: Awaited<ReturnType<typeof signedIn>>;
  let news: number;
  const LICENSED_IP = '198.51.100.20';
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0' });
    editor = await signedIn(site.db.kysely, 'desk@example.org', 'editor');
    submitter = await signedIn(site.db.kysely, 'press@ngo.example', 'reader');
    news = (
      await site.db.kysely
        .selectFrom('sections')
        .select('id')
        .where('slug', '=', 'news')
        .executeTakeFirstOrThrow()
    ).id;
    // The submitter writes from a licensed organisation's network: their releases keep images.
    const d = licensingDeps({
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer: createMailer(site.config),
    });
    const org = await createOrganisation(
      d,
      {
        name: 'NGO Press Office',
        kind: 'company',
        tierId: 'small',
        contactEmail: 'it@ngo.example',
      },
      null,
    );
    await addNetwork(d, org, '198.51.100.0/24');
    await grantLicence(d, org, 'small');
    worldFor(site.db).clear();
  });
  after(() => site.cleanup());

  const post = (
    url: string,
    who: { cookie: string; csrf: string },
    fields: Record<string, string>,
    extra: { remoteAddress?: string; headers?: Record<string, string> } = {},
  ) =>
    site.app.inject({
      method: 'POST',
      url,
      remoteAddress: extra.remoteAddress,
      headers: { ...FORM, cookie: who.cookie, ...extra.headers },
      payload: form({ ...fields, _csrf: who.csrf }),
    });

  async function publishRelease(title: string, body: string): Promise<string> {
    const r = await post(
      '/press-releases',
      submitter,
      { title, body, organisation: 'NGO', contact: 'press@ngo.example', section_id: String(news) },
      { remoteAddress: LICENSED_IP },
    );
    assert.equal(r.statusCode, 303, r.body.slice(0, 300));
    const rel = await site.db.kysely
      .selectFrom('press_releases')
      .selectAll()
      .where('title', '=', title)
      .executeTakeFirstOrThrow();
    assert.equal(rel.licensed, 1, 'submitted from the licensed network');
    const ok = await post(`/admin/press-releases/${rel.id}/approve`, editor, {
      section_id: String(news),
    });
    assert.equal(ok.statusCode, 303);
    const done = await site.db.kysely
      .selectFrom('press_releases')
      .select('story_id')
      .where('id', '=', rel.id)
      .executeTakeFirstOrThrow();
    const moved = await site.app.inject(`/stories/${done.story_id}`);
    return moved.headers.location as string;
  }

  test('a press release cannot carry a visitor’s CSRF token off the page (image URL, text, fields)', async () => {
    const path = await publishRelease(
      'Clinic report with chart',
      `<p>Chart ${OLD_SLOT} below<img src="https://collector.example/c.png?t=${OLD_SLOT}" alt="chart ${OLD_SLOT}">` +
        `<a href="https://collector.example/r?t=${OLD_SLOT}">report</a></p>` +
        `<p>&lt;input type="hidden" name="_csrf" value="${OLD_SLOT}"&gt;</p>`,
    );
    // Two signed-in readers, each twice: the first request fills the render cache, the others
    // reuse it. (A reader without a session gets no token at all: checked below.)
    const one = await signedIn(site.db.kysely, 'one@example.org', 'reader');
    const two = await signedIn(site.db.kysely, 'two@example.org', 'reader');
    for (const [who, token] of [
      [one, 'A'.repeat(40)],
      [two, 'B'.repeat(40)],
      [one, 'A'.repeat(40)],
      [two, 'B'.repeat(40)],
    ] as const) {
      const page = await site.app.inject({
        url: path,
        headers: { cookie: `bs_session=${who.token}; bs_csrf=${token}` },
      });
      assert.equal(page.statusCode, 200);
      const img = elements(page.body, 'img').find((a) =>
        (a.src ?? '').includes('collector.example'),
      );
      assert.ok(img, 'the release keeps its (https) image');
      assert.ok(!img.src.includes(token), `the image address carries the token: ${img.src}`);
      const fields = elements(page.body, 'input').filter((a) => a.name === '_csrf');
      assert.ok(
        fields.length >= 1 && fields.every((a) => a.value === token),
        'the site’s own forms carry the visitor’s token',
      );
      // Everywhere else on the page the token does not appear at all.
      const occurrences = page.body.split(token).length - 1;
      assert.equal(
        occurrences,
        fields.length,
        `the token appears ${occurrences} times for ${fields.length} _csrf fields`,
      );
      assert.ok(!page.body.includes('\u0000'), 'no NUL on the page');
    }
    // Without a session: no token anywhere, whatever cookie the visitor sends.
    const anonymous = await site.app.inject({
      url: path,
      headers: { cookie: `bs_csrf=${'A'.repeat(40)}` },
    });
    assert.equal(anonymous.statusCode, 200);
    assert.deepEqual(
      elements(anonymous.body, 'input').filter((a) => a.name === '_csrf'),
      [],
    );
    assert.ok(!anonymous.body.includes('A'.repeat(40)));
    const stored = await site.db.kysely
      .selectFrom('press_releases')
      .select('body')
      .where('title', '=', 'Clinic report with chart')
      .executeTakeFirstOrThrow();
    assert.ok(
      !CONTROL.test(stored.body),
      `no control characters stored: ${JSON.stringify(stored.body)}`,
    );
  });

  test('control characters are stored nowhere: press releases, stories, organisation names, declared work, raw statements', async () => {
    // A plain (unlicensed) release over HTTP.
    const plainR = await post('/press-releases', submitter, {
      title: `Plain${NASTY} release`,
      body: `Body${NASTY} text`,
      organisation: `Org${NASTY}`,
      contact: `Desk${NASTY}`,
      section_id: String(news),
    });
    assert.equal(plainR.statusCode, 303);
    // A title of nothing but controls is a missing title: refused, nothing stored.
    const before = (await texts(site, 'press_releases')).length;
    const empty = await post('/press-releases', submitter, {
      title: BARE,
      body: 'x',
      organisation: 'o',
      contact: 'c',
    });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Enter the title/);
    assert.equal((await texts(site, 'press_releases')).length, before);
    // A story by an editor.
    const story = await post('/admin/stories', editor, {
      title: `Story${NASTY} title`,
      teaser: `Teaser${NASTY}`,
      body: `Body${NASTY}\n\nMore`,
      section_id: String(news),
      source: `Wire${NASTY}`,
      author: `Ann${NASTY}`,
      status: 'published',
      intent: 'save',
    });
    assert.equal(story.statusCode, 303, story.body.slice(0, 300));
    // An organisation applying for a licence, and a member's declared work organisation.
    const apply = await post('/licensing/apply', submitter, {
      name: `Acme${BARE} Ltd`,
      kind: 'company',
      tier: 'small',
      contact_email: 'it@acme.example',
      note: `Note${NASTY}`,
    });
    assert.equal(apply.statusCode, 303, apply.body.slice(0, 300));
    const account = await post('/account', submitter, {
      declared_use: 'work',
      work_organisation: `Acme${NASTY}`,
    });
    assert.equal(account.statusCode, 303);
    // Raw statements (the cable store's precompiled path, sql templates) go through the same boundary.
    await sql`insert into sources (name) values (${`Raw${BARE}\ud800 source`})`.execute(
      site.db.kysely,
    );
    await site.db.kysely.executeQuery(
      CompiledQuery.raw(
        site.db.engine === 'postgres'
          ? 'update sources set name = $1 where name = $2'
          : 'update sources set name = ? where name = ?',
        [`Compiled${BARE}\udfff source`, 'Raw source'],
      ),
    );
    for (const table of [
      'press_releases',
      'stories',
      'sources',
      'organisations',
      'licences',
      'members',
    ]) {
      const values = await texts(site, table);
      for (const v of values) assert.ok(!CONTROL.test(v), `${table} stores ${JSON.stringify(v)}`);
    }
    const names = await site.db.kysely.selectFrom('sources').select('name').execute();
    assert.ok(
      names.some((n) => n.name === 'Compiled source'),
      'the compiled statement found the cleaned row and wrote clean text',
    );
    const orgs = await site.db.kysely.selectFrom('organisations').select('name').execute();
    assert.ok(orgs.some((o) => o.name === 'Acme Ltd'));
    const page = await site.app.inject({ url: '/' });
    assert.ok(!CONTROL.test(page.body.replace(/\r|\n|\t/g, '')));
  });

  test('Markdown links that a browser would take off the site are not rendered as site links', async () => {
    const body = [
      'Links: [backslash](/\\evil.example/x) [slashes](//evil.example/y) [tab](/\t/evil.example/z) [dot](/.//evil.example/w)',
      '[mixed](\\/evil.example/v) [scheme](http:evil.example) [js](javascript:alert(1)) [ok](/about/licensing) [out](https://ok.example/r) [mail](mailto:desk@ok.example)',
    ].join(' ');
    const r = await post('/admin/stories', editor, {
      title: 'Links test story',
      teaser: '',
      body,
      section_id: String(news),
      status: 'published',
      intent: 'save',
    });
    assert.equal(r.statusCode, 303);
    const row = await site.db.kysely
      .selectFrom('stories')
      .select('id')
      .where('title', '=', 'Links test story')
      .executeTakeFirstOrThrow();
    const path = (await site.app.inject(`/stories/${row.id}`)).headers.location as string;
    const page = await site.app.inject(path);
    assert.equal(page.statusCode, 200);
    const origin = new URL(site.config.baseUrl).origin;
    const hrefs = elements(page.body, 'a').map((a) => a.href);
    for (const href of hrefs) {
      assert.ok(!href.includes('\\'), `rendered ${href}`);
      assert.ok(!/^\/\//.test(href), `protocol-relative ${href}`);
      const u = new URL(href, origin + '/page');
      assert.ok(['http:', 'https:', 'mailto:'].includes(u.protocol), href);
      assert.ok(u.hostname !== 'evil.example', `${href} leaves the site for evil.example`);
    }
    assert.ok(
      hrefs.includes('/about/licensing') &&
        hrefs.includes('https://ok.example/r') &&
        hrefs.includes('mailto:desk@ok.example'),
    );
    // /.//evil.example/w is a path on this site and stays one.
    const dot = hrefs.find((h) => h.includes('evil.example/w'));
    assert.ok(dot && new URL(dot, origin).origin === origin, `dot path: ${dot}`);
    for (const word of ['backslash', 'slashes', 'tab', 'mixed', 'scheme', 'js'])
      assert.ok(page.body.includes(word), `${word} kept as text`);
  });

  test('an ad cannot link (or redirect) to another site through a backslash or scheme-relative path', async () => {
    for (const link_url of [
      '/\\evil.example/x',
      '//evil.example/x',
      '\\\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
    ]) {
      const r = await post('/admin/ads', editor, {
        kind: 'text',
        headline: 'Bad link ad',
        link_url,
        weight: '1',
      });
      assert.equal(r.statusCode, 400, JSON.stringify(link_url));
    }
    for (const image_url of ['/\\evil.example/a.png', 'http://img.example/a.png']) {
      const r = await post('/admin/ads', editor, {
        kind: 'image',
        headline: 'Bad image ad',
        image_url,
        link_url: '/about',
        weight: '1',
      });
      assert.equal(r.statusCode, 400, image_url);
    }
    const stored = await site.db.kysely
      .selectFrom('ads')
      .select('headline')
      .where('headline', 'like', 'Bad %')
      .execute();
    assert.deepEqual(stored, []);
    const ok = await post('/admin/ads', editor, {
      kind: 'image',
      headline: 'Good ad',
      image_url: 'https://img.example/a.png',
      link_url: '/about/licensing',
      weight: '1',
    });
    assert.equal(ok.statusCode, 303);
  });

  test('an imported cable stores no control characters either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broadsheet-controls-'));
    try {
      const text = readFileSync(join(REPO_ROOT, 'test/fixtures/cables/09LIMA1669.txt'), 'utf8')
        .replace('Summary: Embassy Lima', `Summary:${BARE} Embassy\u0085 Lima\u001b`)
        .replace('SCENESETTER FOR', `SCENESETTER${BARE} FOR`);
      const file = join(dir, '09LIMA1669.txt');
      writeFileSync(file, text);
      const imported = await importCables(site.db, [file], { workers: 0 });
      assert.equal(imported.new + imported.updated, 1, JSON.stringify(imported));
      const values = await texts(site, 'cables');
      assert.ok(
        values.some((v) => v.includes('Embassy Lima')),
        'the cable is stored',
      );
      for (const v of values)
        assert.ok(!CONTROL.test(v), `cables stores ${JSON.stringify(v.slice(0, 200))}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the cable upload (token in the address) refuses cross-site requests too', async () => {
    const up = (headers: Record<string, string>) =>
      site.app.inject({
        method: 'POST',
        url: `/admin/cables?_csrf=${editor.csrf}`,
        headers: { cookie: editor.cookie, 'content-type': 'text/plain', ...headers },
        payload: 'x',
      });
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
    ];
    for (const headers of foreign) {
      const r = await up(headers);
      assert.equal(r.statusCode, 403, JSON.stringify(headers));
      assert.match(r.body, /did not come from this site/);
    }
    // From the site itself the request reaches the upload, which asks for a file.
    const own = await up({
      'sec-fetch-site': 'same-origin',
      origin: new URL(site.config.baseUrl).origin,
    });
    assert.equal(own.statusCode, 400);
  });

  test('a NUL in an address is refused as an address, not an error (PostgreSQL refuses NUL in text)', async () => {
    // The canonical-path check refuses control characters in the path before any route runs (400);
    // a NUL in a query value reaches the route and finds nothing.
    for (const url of ['/sections/n%00ews', '/cables/origin/li%00ma', '/sections/%00']) {
      const r = await site.app.inject(url);
      assert.equal(r.statusCode, 400, url);
      assert.match(r.body, /address/i, url);
    }
    const r = await site.app.inject('/world?page=%00');
    assert.equal(r.statusCode, 400);
  });
});

describe(`CSRF cookie and request origin (${ENGINE})`, () => {
  let site: Site;
  let member: Awaited<ReturnType<typeof signedIn>>;
  before(async () => {
    // Behind a proxy that says which scheme the visitor used.
    site = await testSite({
      DEMO: '0',
      JOBS: '0',
      TRUST_PROXY: '127.0.0.1/32',
      BASE_URL: 'https://news.example',
    });
    member = await signedIn(site.db.kysely, 'member@example.org', 'reader');
  });
  after(() => site.cleanup());

  const TOKEN = 'k'.repeat(40);
  let n = 0;
  /** The newsletter form of a story page, posted by a reader without a session. */
  const subscribe = (headers: Record<string, string>, cookie = `bs_csrf=${TOKEN}`, token = TOKEN) =>
    site.app.inject({
      method: 'POST',
      url: '/newsletter/subscribe',
      remoteAddress: '127.0.0.1',
      headers: { ...FORM, cookie, 'x-forwarded-for': `203.0.113.${n % 250}`, ...headers },
      payload: form({ email: `r${n++}@example.org`, ...(token ? { _csrf: token } : {}) }),
    });
  /** A signed-in member's form (their account's newsletter choice). */
  const memberPost = (headers: Record<string, string>, token: string | null) =>
    site.app.inject({
      method: 'POST',
      url: '/account/newsletter',
      remoteAddress: '127.0.0.1',
      headers: {
        ...FORM,
        cookie: `bs_session=${member.token}${token ? `; bs_csrf=${token}` : ''}`,
        ...headers,
      },
      payload: form({ action: 'subscribe', ...(token ? { _csrf: token } : {}) }),
    });
  const refused = (r: { statusCode: number; body: string }) =>
    r.statusCode === 403 && /did not come from this site/.test(r.body);
  const unattested = (r: { statusCode: number; body: string }) =>
    r.statusCode === 403 && /did not say which site this form came from/.test(r.body);

  test('a signed-in page sets __Host-bs_csrf (Secure, Path=/, no Domain) under https and bs_csrf under http; a page without a session sets none', async () => {
    const cookie = `bs_session=${member.token}`;
    const https = await site.app.inject({
      url: '/account',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-proto': 'https', cookie },
    });
    assert.equal(https.statusCode, 200);
    const set = ([] as string[])
      .concat(https.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('__Host-bs_csrf='));
    assert.ok(set, `set-cookie: ${https.headers['set-cookie']}`);
    assert.match(set, /;\s*Secure/i);
    assert.match(set, /;\s*Path=\/(;|$)/i);
    assert.doesNotMatch(set, /;\s*Domain=/i);
    assert.match(set, /HttpOnly/i);
    const token = /^__Host-bs_csrf=([^;]+)/.exec(set)![1];
    const field = elements(https.body, 'input').find((a) => a.name === '_csrf');
    assert.equal(field?.value, token);
    assert.match(String(https.headers['cache-control']), /^private/);
    const http = await site.app.inject({ url: '/account', headers: { cookie } });
    const plain = ([] as string[])
      .concat(http.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('bs_csrf='));
    assert.ok(plain);
    assert.doesNotMatch(plain, /Secure/i);
    // Under https only the __Host- cookie counts: a plain bs_csrf (which any subdomain could plant)
    // does not, for a member, who has no other way through.
    const planted = await site.app.inject({
      method: 'POST',
      url: '/account/newsletter',
      remoteAddress: '127.0.0.1',
      headers: {
        ...FORM,
        'x-forwarded-proto': 'https',
        cookie: `bs_session=${member.token}; bs_csrf=${TOKEN}`,
      },
      payload: form({ action: 'subscribe', _csrf: TOKEN }),
    });
    assert.ok(refused(planted), `${planted.statusCode} ${planted.body.slice(0, 200)}`);
    const ok = await site.app.inject({
      method: 'POST',
      url: '/account/newsletter',
      remoteAddress: '127.0.0.1',
      headers: {
        ...FORM,
        'x-forwarded-proto': 'https',
        cookie: `bs_session=${member.token}; __Host-bs_csrf=${TOKEN}`,
      },
      payload: form({ action: 'subscribe', _csrf: TOKEN }),
    });
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 200));
    // The login page for a reader without a session: no cookie, no token, public.
    for (const headers of [{ 'x-forwarded-proto': 'https' }, {}]) {
      const login = await site.app.inject({ url: '/login', remoteAddress: '127.0.0.1', headers });
      assert.equal(login.statusCode, 200);
      assert.equal(login.headers['set-cookie'], undefined);
      assert.equal(
        elements(login.body, 'input').find((a) => a.name === '_csrf'),
        undefined,
      );
    }
  });

  test('Sec-Fetch-Site: cross-site (and same-site) is refused even with a valid token; same-origin and none are the browser’s word', async () => {
    for (const v of ['cross-site', 'same-site'])
      assert.ok(refused(await subscribe({ 'sec-fetch-site': v })), v);
    // A reader without a session posts the form of a cached page: no cookie, no token.
    for (const v of ['same-origin', 'none'])
      assert.equal((await subscribe({ 'sec-fetch-site': v }, '', '')).statusCode, 200, v);
    for (const v of ['cross-site', 'same-site'])
      assert.ok(refused(await subscribe({ 'sec-fetch-site': v }, '', '')), `${v}, no token`);
    // A signed-in member's request still needs their token after a same-origin header.
    assert.ok(refused(await memberPost({ 'sec-fetch-site': 'same-origin' }, null)));
    assert.equal((await memberPost({ 'sec-fetch-site': 'same-origin' }, TOKEN)).statusCode, 303);
    assert.ok(refused(await memberPost({ 'sec-fetch-site': 'cross-site' }, TOKEN)));
  });

  test('an Origin other than the site’s own is refused even with a valid token; the site’s own is enough without a session', async () => {
    for (const o of [
      'https://evil.example',
      'null',
      'https://news.example.evil.example',
      'http://news.example',
      'not a url',
    ]) {
      assert.ok(refused(await subscribe({ origin: o })), o);
      assert.ok(refused(await subscribe({ origin: o }, '', '')), `${o}, no token`);
    }
    // BASE_URL's origin, and the origin the request was addressed to: with a token, and without
    // one (Safari before 16.4 sends Origin but not Sec-Fetch-Site).
    for (const [cookie, token] of [
      [`bs_csrf=${TOKEN}`, TOKEN],
      ['', ''],
    ]) {
      assert.equal(
        (await subscribe({ origin: 'https://news.example' }, cookie, token)).statusCode,
        200,
      );
      assert.equal(
        (await subscribe({ origin: 'http://localhost' }, cookie, token)).statusCode,
        200,
      );
    }
    assert.equal(
      (
        await subscribe(
          { origin: 'https://localhost', host: 'localhost', 'x-forwarded-proto': 'https' },
          `__Host-bs_csrf=${TOKEN}`,
        )
      ).statusCode,
      200,
    );
    // `Origin: null` with `Sec-Fetch-Site: same-origin`: a browser withholding the origin of its own
    // site's page (no-referrer policy, a redirected post). Believed; alone, it is not.
    assert.equal(
      (await subscribe({ origin: 'null', 'sec-fetch-site': 'same-origin' }, '', '')).statusCode,
      200,
    );
    assert.ok(refused(await subscribe({ origin: 'null', 'sec-fetch-site': 'cross-site' }, '', '')));
  });

  test('a request without a session that says nothing of where it comes from needs a token, and is told why', async () => {
    const before = await site.db.kysely
      .selectFrom('newsletter_subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const bare = await subscribe({}, '', '');
    assert.ok(unattested(bare), `${bare.statusCode} ${bare.body.slice(0, 300)}`);
    const after = await site.db.kysely
      .selectFrom('newsletter_subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n), 'nothing was stored');
    // A client that keeps its own double-submit token (cookie and field agree) gets through.
    assert.equal((await subscribe({})).statusCode, 200);
    // Cookie and field that differ do not.
    assert.ok(unattested(await subscribe({}, `bs_csrf=${TOKEN}`, 'j'.repeat(40))));
  });
});
