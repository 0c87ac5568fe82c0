/**
 * Browser test: search from the masthead box, narrow by a facet, and keep a screenshot of the
 * results page in test-output/ (chromium through playwright-core, as in test/web/browser.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite, listenLocal } from '../helpers.ts';
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
  `a reader searches from the masthead and narrows by a facet (${ENGINE})`,
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
      await page.fill('#masthead-q', 'shining path');
      await page.press('#masthead-q', 'Enter');
      await page.waitForURL(/\/search\?q=shining\+path/);
      assert.match(await page.locator('.results-head [role=status]').innerText(), /^\d+ results?/);
      // The cable and its Cablegate story are one result: the story's title, a link to each.
      assert.ok((await page.locator('.hit').count()) >= 1);
      assert.ok(
        await page.locator('.hit a', { hasText: 'Read as a Cablegate story' }).first().isVisible(),
      );
      assert.ok((await page.locator('.hit mark').count()) > 0, 'matched words are highlighted');
      await page.locator('.facet a', { hasText: 'Cables' }).click();
      await page.waitForURL(/kind=cable/);
      assert.ok(await page.locator('.facet a.active', { hasText: 'Cables' }).isVisible());
      assert.ok((await page.locator('.hit.story').count()) === 0);
      assert.match(
        (await page.locator('.hit h2 a').first().getAttribute('href')) ?? '',
        /^\/cables\/09LIMA1669$/,
      );
      await page.screenshot({ path: join(OUT, `search-${ENGINE}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);

test(
  `a reader pastes a cable's TAGS line and pages past the end (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(base + '/');
      await page.fill('#masthead-q', 'TAGS: PREL PTER');
      await page.press('#masthead-q', 'Enter');
      await page.waitForURL(/\/search\?q=TAGS/);
      assert.match(
        await page.locator('#search-notices').innerText(),
        /"TAGS:" is not a filter, so it was searched for as words/,
      );
      assert.ok((await page.locator('.hit').count()) >= 1);
      await page.screenshot({ path: join(OUT, `search-notice-${ENGINE}.png`), fullPage: true });
      await page.goto(base + '/search?q=peru&page=40');
      const past = page.locator('#search-past-end');
      assert.match(await past.innerText(), /Page 40 is past the end of these results/);
      assert.doesNotMatch(await page.locator('.results-head').innerText(), /page 40 of/i);
      await page.screenshot({ path: join(OUT, `search-past-end-${ENGINE}.png`), fullPage: true });
      await past.locator('a').click();
      await page.waitForURL(/\/search\?q=peru/);
      assert.ok((await page.locator('.hit').count()) >= 1, 'the last page has results');
    } finally {
      await browser.close();
    }
  },
);
