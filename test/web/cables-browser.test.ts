/**
 * Browser test: chromium opens the demo cable's archive page, follows a paragraph link and the
 * browse page's month chart; screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite, listenLocal } from '../helpers.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { importCables } from '../../src/cables/importer.ts';
import { CHROMIUM, CHROMIUM_ARGS, OUT, NO_CHROMIUM } from '../browser.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
let site: Site;
let base: string;
let dir: string;

before(async () => {
  site = await testSite();
  dir = mkdtempSync(join(tmpdir(), 'broadsheet-cables-browser-'));
  writeFileSync(join(dir, 'c.csv'), [...generateCables({ count: 400, seed: 3 })].join(''));
  await importCables(site.db, [join(dir, 'c.csv')], { workers: 0 });
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await site.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test(
  `a researcher reads a cable and browses the archive (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));

      await page.goto(base + '/cables/09LIMA1669');
      assert.equal(
        await page.locator('h1').innerText(),
        'Scenesetter for USSOUTHCOM Commander, General Douglas M. Fraser',
      );
      assert.match(await page.locator('.cable-meta').innerText(), /CONFIDENTIAL\/\/NOFORN/);
      await page.screenshot({ path: join(OUT, `cable-${ENGINE}.png`), fullPage: true });
      // Paragraph permalinks: the number links to #p3 and the paragraph is the target.
      await page.locator('#p3 .pnum').click();
      assert.equal(await page.evaluate('location.hash'), '#p3');
      assert.match(await page.locator('#p3 .marking').innerText(), /^\(C\)/);
      // Marking colours differ between (C) and (C/NF) paragraphs, and the marking is also text.
      const border = (sel: string) =>
        page.locator(sel).evaluate((el) => getComputedStyle(el).borderLeftStyle);
      assert.equal(await border('#p1'), 'double');
      assert.equal(await border('#p2'), 'solid');
      const raw = await page.request.get(base + '/cables/09LIMA1669/raw');
      assert.equal(raw.headers()['content-type'], 'text/plain; charset=utf-8');

      await page.goto(base + '/cables');
      assert.equal(await page.locator('h1').innerText(), 'Cable archive');
      const bars = page.locator('.month-chart a');
      assert.ok((await bars.count()) > 20);
      await page.screenshot({ path: join(OUT, `cables-browse-${ENGINE}.png`), fullPage: true });
      const href = await bars.last().getAttribute('href');
      assert.match(href!, /^\/cables\/month\/\d{4}-\d{2}$/);
      await page.goto(base + href!);
      assert.match(await page.locator('h1').innerText(), /^Cables of [A-Z][a-z]+ \d{4}$/);
      await page.locator('.cable-list a').first().click();
      await page.waitForURL(/\/cables\/\d{2}[A-Z]+\d+$/);
      await page.screenshot({ path: join(OUT, `cable-synthetic-${ENGINE}.png`), fullPage: true });

      const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(base + '/cables/09LIMA1669');
      assert.equal(
        await phone.evaluate('document.documentElement.scrollWidth > window.innerWidth'),
        false,
        'no horizontal scrolling on a phone',
      );
      await phone.screenshot({ path: join(OUT, `cable-phone-${ENGINE}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
