/**
 * Browser test of the newsroom: an editor publishes a story (with the live preview), approves a
 * press release and adds a partner feed served by a local HTTP server; a reader then sees all three
 * on the site. Dashboard screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite, listenLocal } from '../helpers.ts';
import { RSS, feedServer, signedIn } from '../stories/helpers.ts';
import { submitRelease } from '../../src/stories/press-releases.ts';
import { CHROMIUM, CHROMIUM_ARGS, OUT, NO_CHROMIUM } from '../browser.ts';

let site: Awaited<ReturnType<typeof testSite>>;
let feeds: Awaited<ReturnType<typeof feedServer>>;
let base: string;

before(async () => {
  // The partner feed is served on loopback, which the site reaches only when the operator allows it.
  site = await testSite({ DEMO: '1', JOBS: '0', OUTBOUND_ALLOW: '127.0.0.1' });
  base = await listenLocal(site);
  feeds = await feedServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(
      RSS([
        {
          guid: 'w1',
          title: 'Harvest season begins early',
          link: 'https://wire.example/harvest',
          description: 'Farmers report an early start.',
          pubDate: new Date().toUTCString(),
        },
      ]),
    );
  });
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await feeds?.close();
  await site.cleanup();
});

test(
  `an editor publishes a story, approves a press release and adds a feed; a reader sees them (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const editor = await signedIn(site.db.kysely, 'desk@example.org', 'editor');
    const submitter = await signedIn(site.db.kysely, 'comms@ngo.example', 'reader');
    const news = await site.db.kysely
      .selectFrom('sections')
      .select('id')
      .where('slug', '=', 'news')
      .executeTakeFirstOrThrow();
    const r = await submitRelease(
      site.db.kysely,
      { memberId: submitter.memberId, email: 'comms@ngo.example', licensed: false },
      {
        title: 'Water project reaches ten villages',
        body: 'The project now serves ten villages.',
        organisation: 'Clean Water Trust',
        contact: 'comms@ngo.example',
        section_id: news.id,
      },
    );
    assert.ok(r.ok);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await ctx.addCookies([{ name: 'bs_session', value: editor.token, url: base }]);
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));

      await page.goto(base + '/admin');
      assert.equal(await page.locator('h1').innerText(), 'Newsroom');
      await page.screenshot({
        path: join(OUT, `newsroom-dashboard-${ENGINE}.png`),
        fullPage: true,
      });

      // A story, with the live preview drawn by the script.
      await page.click('text=Write a story');
      await page.fill('#title', 'Bridge opens after ten years');
      await page.fill('#teaser', 'Commuters cross the river at last.');
      await page.fill('#body', '## The opening\n\nThe bridge **opened** this morning.');
      await page.waitForSelector('#body-preview strong');
      assert.equal(await page.locator('#body-preview h2').innerText(), 'The opening');
      await page.selectOption('#section_id', String(news.id));
      await page.selectOption('#status', 'published');
      await page.check('input[name=featured]');
      await page.screenshot({
        path: join(OUT, `newsroom-story-editor-${ENGINE}.png`),
        fullPage: true,
      });
      await page.click('button[value=save]');
      await page.waitForSelector('.notice.ok');

      // The press release.
      await page.goto(base + '/admin/press-releases');
      await page.click('text=Water project reaches ten villages');
      await page.click('text=Approve and publish');
      await page.waitForSelector('.notice.ok');
      assert.match(await page.locator('.notice.ok').innerText(), /Published/);

      // The partner feed.
      await page.goto(base + '/admin/feeds');
      await page.fill('#feed-name', 'Wire Service');
      await page.fill('#feed-url', feeds.url + '/feed');
      await page.click('text=Add feed');
      await page.waitForSelector('.notice.ok');
      assert.match(await page.locator('table').innerText(), /Wire Service/);
      await page.screenshot({ path: join(OUT, `newsroom-feeds-${ENGINE}.png`), fullPage: true });
      await page.goto(base + '/admin');
      await page.screenshot({
        path: join(OUT, `newsroom-dashboard-after-${ENGINE}.png`),
        fullPage: true,
      });
      assert.deepEqual(errors, []);

      // A reader.
      const reader = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await reader.goto(base + '/');
      const home = await reader.locator('main').innerText();
      assert.match(home, /Bridge opens after ten years/);
      assert.match(home, /Water project reaches ten villages/);
      assert.match(home, /Harvest season begins early/);
      await reader.click('text=Water project reaches ten villages');
      assert.equal(await reader.locator('h1').innerText(), 'Water project reaches ten villages');
      assert.match(await reader.locator('article .meta').first().innerText(), /Clean Water Trust/);
      await reader.goto(base + '/world');
      assert.match(await reader.locator('main').innerText(), /Wire Service/);
      await reader.screenshot({
        path: join(OUT, `newsroom-reader-home-${ENGINE}.png`),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  },
);
