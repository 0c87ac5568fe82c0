/**
 * Browser test: a cable page lists the cables most like it and how many cables cite it, once the
 * search thread's term index is ready; a screenshot is kept in test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite, listenLocal } from '../helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';
import { readAllCables } from '../../src/cables/readers.ts';
import { importRawItems } from '../../src/cables/importer.ts';
import { searchRuntimeOf } from '../../src/search/routes.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
let site: Site;
let base: string;

before(async () => {
  site = await testSite({ DEMO: '1', SEARCH_WORKERS: '1' });
  const dir = join(REPO_ROOT, 'test/fixtures/cables');
  const items = [];
  for (const f of readdirSync(dir).sort())
    if (f !== '09LIMA1669.txt')
      items.push(...(await readAllCables(join(dir, f), { format: 'text', name: f })));
  await importRawItems(site.db.kysely, items);
  const citing = await site.db.kysely
    .selectFrom('cables')
    .select('reference_id')
    .where('reference_id', '!=', '09LIMA1669')
    .orderBy('reference_id')
    .limit(1)
    .execute();
  await site.db.kysely
    .insertInto('cable_references')
    .values(citing.map((c) => ({ from_id: c.reference_id, to_id: '09LIMA1669', position: 0 })))
    .execute();
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(() => site.cleanup());

test(
  `a reader sees related cables and citations on a cable page (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const searcher = searchRuntimeOf(site.db)!.searcher();
    for (let i = 0; i < 600 && searcher.workers.warm < 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(searcher.workers.warm, 1, 'the search thread is warm');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(base + '/cables/09LIMA1669');
      const related = page.locator('.cable-related');
      // The page is not held for its related cables past a short wait: an answer that comes later
      // is kept for the next view, so a busy search thread shows them on a reload.
      for (let i = 0; i < 50 && !(await related.isVisible()); i++) {
        await new Promise((r) => setTimeout(r, 200));
        await page.reload();
      }
      assert.ok(await related.isVisible(), 'a Related cables section');
      assert.ok((await related.locator('a').count()) >= 1);
      assert.match(await page.locator('.cited-by').innerText(), /Cited by 1 cable in the archive/);
      await related.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUT, `cable-related-${ENGINE}.png`), fullPage: true });
      await page.locator('.cable-related a').first().click();
      await page.waitForURL(/\/cables\/[A-Z0-9]+$/);
      assert.notEqual(new URL(page.url()).pathname, '/cables/09LIMA1669');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
