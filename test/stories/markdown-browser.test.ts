/**
 * The Markdown forms in Chromium: a reader writing a press release sees the format hint and the
 * live preview (bold, paragraphs, a numbered list, a table; a script shown nowhere), and the
 * preview endpoint refuses a post without the CSRF token. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, testSite, listenLocal } from '../helpers.ts';
import { signedIn } from '../stories/helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';

let site: Awaited<ReturnType<typeof testSite>>;
let base: string;

before(async () => {
  site = await testSite({ DEMO: '0', JOBS: '0' });
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(() => site.cleanup());

test(
  `press release form: format hint and live Markdown preview (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const reader = await signedIn(site.db.kysely, 'press@ngo.example', 'reader');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      await ctx.addCookies([{ name: 'bs_session', value: reader.token, url: base }]);
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(base + '/press-releases/new');
      assert.match(await page.locator('.markdown-hint').innerText(), /\*\*bold\*\*/);
      await page.fill(
        '#pr-body',
        '**Lima**, 5 December.\n\nThe second paragraph.\n\n1. water\n2. schools\n\n| Region | Villages |\n| --- | ---: |\n| Cusco | 10 |\n\n<script>document.title="x"</script>',
      );
      await page.waitForSelector('#pr-body-preview table');
      const preview = page.locator('#pr-body-preview');
      assert.equal(await preview.locator('strong').innerText(), 'Lima');
      assert.equal(await preview.locator('p').count(), 2);
      assert.equal(await preview.locator('ol li').count(), 2);
      assert.equal(await preview.locator('td').nth(0).innerText(), 'Cusco');
      assert.equal(await preview.locator('script').count(), 0);
      assert.notEqual(await page.title(), 'x');
      await page.screenshot({ path: join(OUT, `markdown-preview-${ENGINE}.png`), fullPage: true });
      assert.deepEqual(errors, []);

      // Without the token the preview is refused like any other post.
      const refused = await page.evaluate(async () => {
        const r = await fetch('/press-releases/preview', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'body=**x**',
        });
        return r.status;
      });
      assert.equal(refused, 403);
    } finally {
      await browser.close();
    }
  },
);
