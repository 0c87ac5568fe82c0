/**
 * Browser test: Debian's chromium driven by playwright-core opens the home page, follows the seed
 * story link and checks every element of the seed page; screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite, listenLocal } from '../helpers.ts';
import { SEED_STORY_TITLE } from '../../src/demo.ts';
import { CHROMIUM, CHROMIUM_ARGS, OUT, NO_CHROMIUM } from '../browser.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
let site: Site;
let base: string;

before(async () => {
  site = await testSite();
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(() => site.cleanup());

test(
  `a reader follows the seed story from the home page (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(base + '/');
      assert.equal(await page.title(), 'Broadsheet');
      await page.screenshot({ path: join(OUT, `home-${ENGINE}.png`), fullPage: true });

      await page.getByRole('link', { name: SEED_STORY_TITLE }).first().click();
      await page.waitForURL(/\/stories\/cablegate\/2009\/11\/\d+-cablegate-scenesetter/);
      assert.equal(await page.locator('h1').innerText(), SEED_STORY_TITLE);

      const strip = page.locator('.paywall-strip');
      assert.match(await strip.innerText(), /licence is needed for work use/);
      assert.ok(await strip.getByRole('link', { name: 'Register' }).isVisible());
      assert.ok(await strip.getByRole('link', { name: 'Learn more' }).isVisible());
      assert.match(
        await page.locator('article .meta').first().innerText(),
        /25 November 2009, 20:48 UTC · Cablegate · Broadsheet cable archive/,
      );
      assert.match(
        await page.locator('.story-body pre').innerText(),
        /C O N F I D E N T I A L LIMA 001669/,
      );

      // Ad slot right after paragraph 3, then the newsletter box, then paragraph 4.
      // (A string, not a function: the test's transpiler would add helpers the page does not have.)
      // In document order, among the numbered paragraphs and the two boxes (paragraphs sit inside the
      // rendered Markdown's own container, the boxes between containers).
      const order = (await page.evaluate(`Array.from(
        document.querySelectorAll('.story-body p[id^="p"], .story-body .ad-slot, .story-body .newsletter-box'),
      ).map((el) => el.id || el.className.split(' ')[0])`)) as string[];
      const at = order.indexOf('p3');
      assert.deepEqual(order.slice(at, at + 4), ['p3', 'ad-slot', 'newsletter-box', 'p4']);
      assert.equal(
        await page.locator('.ad-label').innerText(),
        'ADVERTISEMENT — SCROLL TO CONTINUE READING',
      );
      const adBox = await page.locator('.ad-box').boundingBox();
      assert.equal(Math.round(adBox!.height), 150, 'the ad slot has a fixed height');
      assert.ok(await page.locator('.newsletter-box input[type=email]').isVisible());
      assert.ok(await page.locator('.newsletter-box button[type=submit]').isVisible());
      assert.equal(await page.locator('.copyright a').getAttribute('href'), '/terms');
      const headlines = page.locator('.world-headlines li');
      assert.equal(await headlines.count(), 4);
      assert.equal(
        await headlines.first().getByRole('link', { name: /^More/ }).getAttribute('href'),
        'https://news.un.org/en/',
      );
      await page.screenshot({ path: join(OUT, `story-${ENGINE}.png`), fullPage: true });

      // The paragraph permalink works.
      await page.goto(page.url() + '#p6');
      assert.equal(await page.evaluate('location.hash'), '#p6');

      // Subscribing without JavaScript: the form posts and the address is stored unconfirmed.
      await page.goto(page.url().split('#')[0]);
      await page.fill('#newsletter-email', 'browser-reader@example.org');
      await page.click('.newsletter-box button[type=submit]');
      await page.waitForSelector('.notice.ok');
      assert.match(
        await page.locator('.notice').innerText(),
        /browser-reader@example.org is on the list/,
      );
      const row = await site.db.kysely
        .selectFrom('newsletter_subscribers')
        .selectAll()
        .where('email', '=', 'browser-reader@example.org')
        .executeTakeFirst();
      assert.equal(row?.status, 'unconfirmed');

      // Phones get a single column.
      const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(base + '/');
      const overflow = await phone.evaluate(
        'document.documentElement.scrollWidth > window.innerWidth',
      );
      assert.equal(overflow, false, 'no horizontal scrolling on a phone');
      await phone.screenshot({ path: join(OUT, `home-phone-${ENGINE}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
