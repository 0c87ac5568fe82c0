/**
 * Script injection, checked in the real browser: every field a user or partner supplies carries
 * payloads (story title/teaser/body, press release fields, a partner feed item polled from a hostile
 * RSS, a cable's subject and body imported from a csv, a search query, an organisation name, a
 * member's declared work organisation), and every page showing them is opened in chromium. A
 * payload that ran would set `window.__xss`; none may, no dialog may open, no CSP violation may be
 * reported, no injected element or event-handler attribute may be in the DOM, and `javascript:`
 * links (clicked if any are rendered) must do nothing. Every page carries the CSP header.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, testSite, listenLocal } from '../helpers.ts';
import { RSS, feedServer, signedIn } from '../stories/helpers.ts';
import { createStory, getStory, storyPath } from '../../src/stories/store.ts';
import { approveRelease, submitRelease } from '../../src/stories/press-releases.ts';
import { addFeed, getFeed } from '../../src/feeds/store.ts';
import { pollFeed } from '../../src/feeds/poll.ts';
import { parseOutboundAllow } from '../../src/platform/outbound.ts';
import { importCables } from '../../src/cables/importer.ts';
import { createOrganisation } from '../../src/licensing/service.ts';
import { listTiers } from '../../src/licensing/store.ts';
import { insertMember, insertSession } from '../../src/members/store.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../browser.ts';

/** A marker word (to find the field on the page and in search) followed by the payloads. */
const PAYLOAD = [
  'Zanzibar',
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=1</script>',
  '"><svg onload=window.__xss=1>',
  "'><img src=x onerror=window.__xss=1>",
  '</textarea></title><script>window.__xss=1</script>',
  '<a href="javascript:window.__xss=1">link</a>',
  '[click](javascript:window.__xss=1)',
].join(' ');
/** The same within the 200 characters of title-like fields. */
const SHORT =
  'Zanzibar <img src=x onerror="window.__xss=1"> <script>window.__xss=1</script> "><svg onload=window.__xss=1>';
const JS_LINK = 'javascript:window.__xss=1';

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** cables.csv (MySQL dump) escaping of one field. */
const csvField = (s: string) => `"${s.replace(/[\\"']/g, (m) => '\\' + m)}"`;

let site: Awaited<ReturnType<typeof testSite>>;
let feeds: Awaited<ReturnType<typeof feedServer>>;
let base: string;
const dir = mkdtempSync(join(tmpdir(), 'broadsheet-xss-'));

before(async () => {
  site = await testSite({ DEMO: '1', JOBS: '0' });
  base = await listenLocal(site);
  feeds = await feedServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(
      RSS([
        {
          guid: 'x1',
          title: xmlText(PAYLOAD),
          link: 'https://wire.example/zanzibar',
          description: PAYLOAD,
          pubDate: new Date().toUTCString(),
        },
        {
          guid: 'x2',
          title: xmlText('Zanzibar scripted link'),
          link: xmlText(JS_LINK),
          description: PAYLOAD,
          pubDate: new Date().toUTCString(),
        },
      ]),
    );
  });
});
after(async () => {
  await feeds?.close();
  await site?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test(
  `no user-supplied field runs script in the browser (${ENGINE})`,
  { skip: NO_CHROMIUM, timeout: 120_000 },
  async () => {
    const db = site.db.kysely;
    const mailer = createMailer(site.config);
    const deps = { db, mailer, siteName: site.config.siteName, baseUrl: site.config.baseUrl };
    const editor = await signedIn(db, 'desk@example.org', 'editor');
    const submitter = await signedIn(db, 'comms@ngo.example', 'reader');
    // A reader who declared work use for a hostile organisation name.
    const now = new Date().toISOString();
    const readerId = await insertMember(db, {
      email: 'worker@example.org',
      passwordHash: null,
      role: 'reader',
      declaredUse: 'work',
      workOrganisation: SHORT,
      emailVerifiedAt: now,
      now,
    });
    const readerToken = newToken();
    await insertSession(db, {
      hash: hashToken(readerToken),
      memberId: readerId,
      now,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      userAgent: 'test',
    });
    const news = await db
      .selectFrom('sections')
      .select(['id', 'slug'])
      .where('slug', '=', 'news')
      .executeTakeFirstOrThrow();

    // A story written by an editor.
    const storyId = await createStory(db, {
      sectionId: news.id,
      title: SHORT,
      teaser: PAYLOAD,
      body: `${PAYLOAD}\n\nSecond paragraph ${PAYLOAD}\n\n[more](${JS_LINK})`,
      featured: true,
    });
    const story = (await getStory(db, storyId))!;

    // Press releases from a member: one approved (published), one left in the queue.
    const release = {
      title: SHORT,
      body: `${PAYLOAD}\n\n<a href="${JS_LINK}">site</a>`,
      organisation: SHORT,
      contact: SHORT,
      section_id: news.id,
    };
    const approved = await submitRelease(
      db,
      { memberId: submitter.memberId, email: 'comms@ngo.example', licensed: true },
      release,
    );
    const pending = await submitRelease(
      db,
      { memberId: submitter.memberId, email: 'comms@ngo.example', licensed: false },
      release,
    );
    assert.ok(approved.ok, JSON.stringify(approved));
    assert.ok(pending.ok, JSON.stringify(pending));
    const published = await approveRelease(deps, approved.id, editor.memberId, news.id);
    assert.ok(published.ok, 'the release was approved');

    // A partner feed serving hostile items, polled by the feeds code.
    const feed = (await getFeed(db, await addFeed(db, PAYLOAD, `${feeds.url}/rss`, now)))!;
    // The local feed server is on loopback: allowed here as an operator would allow an intranet feed.
    const polled = await pollFeed(db, feed, {
      timeoutMs: 2000,
      maxBytes: 64 * 1024,
      maxRedirects: 2,
      allow: parseOutboundAllow('127.0.0.1'),
    });
    assert.equal(polled.status, 'updated', String(polled.error));
    assert.ok(polled.added >= 1, 'the hostile item was stored');

    // A cable whose subject and body carry the payloads, through the cable importer.
    const refId = '09BUENOSAIRES777';
    const body = `UNCLAS BUENOS AIRES 000777\n\nE.O. 12958: N/A\nTAGS: PREL, AR\nSUBJECT: ${PAYLOAD}\n\n1. ${PAYLOAD}\n\n2. [x](${JS_LINK}) END.\n`;
    const csv = join(dir, 'cables.csv');
    writeFileSync(
      csv,
      [
        '"1"',
        csvField('12/28/2009 18:48'),
        csvField(refId),
        csvField('Embassy Buenos Aires'),
        csvField('UNCLASSIFIED'),
        '""',
        csvField('R 281848Z DEC 09\nFM AMEMBASSY BUENOS AIRES\nTO SECSTATE WASHDC 4285'),
        csvField(body),
      ].join(',') + '\n',
    );
    const imported = await importCables(site.db, [csv], { workers: 0 });
    assert.equal(imported.new, 1, JSON.stringify(imported.skippedReasons));
    const cableStory = await db
      .selectFrom('stories')
      .select('id')
      .where('cable_reference_id', '=', refId)
      .executeTakeFirst();

    // An organisation with a hostile name, the editor as its admin (so it shows on their pages).
    const tier = (await listTiers(db))[0];
    const orgId = await createOrganisation(
      deps,
      { name: SHORT, kind: 'company', tierId: tier.id, contactEmail: 'org@example.org' },
      editor.memberId,
    );
    await mailer.close?.();

    const pages: { who: 'anonymous' | 'reader' | 'editor'; path: string }[] = [
      { who: 'anonymous', path: '/' },
      { who: 'anonymous', path: `/sections/${news.slug}` },
      { who: 'anonymous', path: storyPath(story) },
      { who: 'anonymous', path: published.ok ? published.path : '/' },
      { who: 'anonymous', path: '/world' },
      { who: 'anonymous', path: '/cables' },
      { who: 'anonymous', path: `/cables/${refId}` },
      { who: 'anonymous', path: `/cables/year/2009` },
      ...(cableStory ? [{ who: 'anonymous' as const, path: `/stories/${cableStory.id}` }] : []),
      { who: 'anonymous', path: `/search?q=${encodeURIComponent(PAYLOAD)}` },
      { who: 'anonymous', path: '/search?q=zanzibar' },
      { who: 'reader', path: '/account' },
      { who: 'reader', path: storyPath(story) },
      { who: 'editor', path: '/' },
      { who: 'editor', path: storyPath(story) },
      { who: 'editor', path: `/org/${orgId}` },
      { who: 'editor', path: '/admin' },
      { who: 'editor', path: `/admin/stories/${storyId}/edit` },
      { who: 'editor', path: '/admin/press-releases' },
      { who: 'editor', path: `/admin/press-releases/${pending.ok ? pending.id : 0}` },
      { who: 'editor', path: '/admin/feeds' },
      { who: 'editor', path: '/admin/cables' },
    ];

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const contexts = {
        anonymous: await browser.newContext(),
        reader: await browser.newContext(),
        editor: await browser.newContext(),
      };
      await contexts.reader.addCookies([{ name: 'bs_session', value: readerToken, url: base }]);
      await contexts.editor.addCookies([{ name: 'bs_session', value: editor.token, url: base }]);
      const dialogs: string[] = [];
      for (const ctx of Object.values(contexts)) {
        // Records CSP violations: a payload that reached the page as markup shows up here even
        // though the policy stopped it from running.
        await ctx.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp = (window.__csp || []).concat(e.violatedDirective + ' ' + e.blockedURI);
      });`);
        ctx.on('page', (p) =>
          p.on('dialog', (d) => {
            dialogs.push(`${p.url()}: ${d.type()} ${d.message()}`);
            void d.dismiss();
          }),
        );
      }
      const tabs = {
        anonymous: await contexts.anonymous.newPage(),
        reader: await contexts.reader.newPage(),
        editor: await contexts.editor.newPage(),
      };
      let sawMarker = 0;
      for (const { who, path } of pages) {
        const page = tabs[who];
        const where = `${path} (${who})`;
        const res = await page.goto(base + path);
        assert.ok(res, where);
        // A query the search language cannot parse gets a 400 page that quotes it: checked the same.
        assert.ok(
          res.status() < 400 || (path.startsWith('/search') && res.status() === 400),
          `${where}: HTTP ${res.status()}`,
        );
        assert.match(
          res.headers()['content-security-policy'] ?? '',
          /script-src 'self'/,
          `${where}: CSP header`,
        );
        if ((await page.content()).includes('Zanzibar')) sawMarker++;
        const injected = (await page.evaluate(`(() => {
        const out = [];
        for (const el of Array.from(document.querySelectorAll('*'))) {
          for (const a of Array.from(el.attributes)) if (/^on/i.test(a.name)) out.push(el.tagName + ' ' + a.name);
        }
        for (const s of Array.from(document.querySelectorAll('script:not([src])'))) {
          // Structured data is the one inline script; it must still be whole JSON.
          if (s.type === 'application/ld+json') {
            try { JSON.parse(s.textContent); } catch { out.push('broken JSON-LD ' + s.textContent.slice(0, 80)); }
          } else out.push('inline script ' + s.textContent.slice(0, 40));
        }
        for (const e of Array.from(document.querySelectorAll('iframe, object, embed'))) out.push(e.tagName);
        return out;
      })()`)) as string[];
        assert.deepEqual(injected, [], `${where}: injected markup`);
        // javascript: links, if any are rendered, are clicked: they must do nothing.
        const jsLinks = page.locator('a[href^="javascript:" i]');
        for (let i = 0; i < (await jsLinks.count()); i++) {
          await jsLinks
            .nth(i)
            .click({ timeout: 2000 })
            .catch(() => {});
        }
        await page.waitForTimeout(50);
        assert.equal(await page.evaluate('window.__xss'), undefined, `${where}: a payload ran`);
        assert.deepEqual(await page.evaluate('window.__csp || []'), [], `${where}: CSP violations`);
      }
      assert.deepEqual(dialogs, [], 'no dialog opened');
      assert.ok(
        sawMarker >= pages.length - 4,
        `the hostile fields were shown (${sawMarker} of ${pages.length} pages)`,
      );
    } finally {
      await browser.close();
    }
  },
);
