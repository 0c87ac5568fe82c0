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

test(
  `a cable names the press articles it appears in, on a desktop and a phone (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const record = {
      reference_id: '09LIMA1703',
      created: '2009-12-05 10:00',
      classification: 'UNCLASSIFIED',
      origin: 'Embassy Lima',
      header: 'R 051000Z DEC 09\nFM AMEMBASSY LIMA\nTO SECSTATE WASHDC',
      body: 'UNCLAS LIMA 001703\n\nE.O. 12958: N/A\nTAGS: PREL, PE\nSUBJECT: A CABLE THE PRESS REPORTED\n\n1. Text of the cable.\n\nMCKINLEY\n',
      media_urls: [
        'http://http://www.example-news.de/',
        'https://www.example-paper.co.uk/world/2010/nov/28/us-embassy-cables-a-very-long-address-of-an-article-that-wraps',
      ],
    };
    writeFileSync(join(dir, 'media.jsonl'), JSON.stringify(record) + '\n');
    assert.equal((await importCables(site.db, [join(dir, 'media.jsonl')], { workers: 0 })).new, 1);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      for (const [name, viewport] of [
        ['desktop', { width: 1280, height: 900 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const page = await browser.newPage({ viewport });
        await page.goto(base + '/cables/09LIMA1703');
        const row = page.locator('.cable-meta tr', { hasText: 'Appears in' });
        assert.ok(await row.isVisible());
        const links = row.locator('.press-articles a');
        assert.deepEqual(await links.allInnerTexts(), [
          'example-news.de',
          'example-paper.co.uk/world/2010/nov/28/us-embassy-cables-a-very…',
        ]);
        assert.equal(await links.first().getAttribute('href'), 'http://www.example-news.de');
        assert.equal(
          await page.evaluate('document.documentElement.scrollWidth > window.innerWidth'),
          false,
          `no horizontal scrolling (${name})`,
        );
        await page.screenshot({
          path: join(OUT, `cable-press-${name}-${ENGINE}.png`),
          fullPage: true,
        });
        await page.close();
      }
    } finally {
      await browser.close();
    }
  },
);
