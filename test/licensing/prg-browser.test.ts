/**
 * Browser test: an editor approves a licence application and an admin records its payment; after
 * each form the browser is on the page that shows the result (not the form's address), with a
 * green message shown once, and reloading that page repeats nothing. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, listenLocal, testSite } from '../helpers.ts';
import { FORM, form, signedIn } from '../stories/helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';

let site: Awaited<ReturnType<typeof testSite>>;
let base: string;

before(async () => {
  site = await testSite({ DEMO: '1', JOBS: '0' });
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await site.cleanup();
});

test(
  `approving and recording a payment end on the result page; a reload repeats nothing (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    // The application, made over HTTP by a reader.
    const reader = await signedIn(site.db.kysely, 'desk@quay-law.test', 'reader');
    const applied = await site.app.inject({
      method: 'POST',
      url: '/licensing/apply',
      headers: { ...FORM, cookie: reader.cookie },
      payload: form({
        _csrf: reader.csrf,
        name: 'Quay Law',
        kind: 'law-firm',
        tier: 'small',
        contact_email: 'accounts@quay-law.test',
      }),
    });
    assert.equal(applied.statusCode, 303);
    const admin = await signedIn(site.db.kysely, 'admin@quay-desk.test', 'admin');
    const invoices = async () =>
      site.db.kysely.selectFrom('invoices').select(['number', 'status', 'paid_at']).execute();

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      await ctx.addCookies([{ name: 'bs_session', value: admin.token, url: base }]);
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(base + '/admin/licensing');

      await page.getByRole('button', { name: 'Approve and send invoice' }).click();
      await page.waitForSelector('.notice.flash.ok');
      assert.equal(new URL(page.url()).pathname, '/admin/licensing');
      assert.match(await page.locator('.notice.flash.ok').innerText(), /BS-\d{4}-0001/);
      assert.equal((await invoices()).length, 1);
      await page.reload();
      assert.equal(await page.locator('.notice.flash').count(), 0);
      assert.equal((await invoices()).length, 1, 'a reload does not approve again');

      await page.getByRole('button', { name: 'Record payment' }).click();
      await page.waitForSelector('.notice.flash.ok');
      assert.equal(new URL(page.url()).pathname, '/admin/licensing');
      assert.match(await page.locator('.notice.flash.ok').innerText(), /Payment recorded/);
      await page.screenshot({
        path: join(OUT, `licensing-prg-paid-${ENGINE}.png`),
        fullPage: true,
      });
      const paid = await invoices();
      assert.deepEqual(
        paid.map((i) => i.status),
        ['paid'],
      );
      const paidAt = paid[0].paid_at;

      const reloaded = await page.reload();
      assert.equal(reloaded?.request().method(), 'GET');
      assert.equal(await page.locator('.notice.flash').count(), 0);
      assert.equal(await page.locator('.notice.error').count(), 0);
      const after = await invoices();
      assert.deepEqual(
        after.map((i) => [i.status, i.paid_at]),
        [['paid', paidAt]],
        'a reload does not record the payment again',
      );
      await page.screenshot({
        path: join(OUT, `licensing-prg-reloaded-${ENGINE}.png`),
        fullPage: true,
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
