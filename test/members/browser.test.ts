/**
 * Browser test: a reader registers, follows the confirmation link from a real mail in the same
 * browser (which logs in), logs out, logs in, declares work use on the account page and sees the
 * firmer notice on a story. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite, serviceDeps } from '../helpers.ts';
import { linkIn, startSmtp, type TestSmtp } from './smtp.ts';
import { CHROMIUM, CHROMIUM_ARGS, OUT, NO_CHROMIUM } from '../browser.ts';
import { freePort } from '../helpers.ts';
import { createUser } from '../../src/members/service.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
let site: Site;
let smtp: TestSmtp;
let base: string;
let storyPath: string;

before(async () => {
  smtp = await startSmtp();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // BASE_URL is the address the links in mails point to.
  site = await testSite({ DEMO: '1', SMTP_URL: smtp.url, BASE_URL: base });
  await site.app.listen({ port, host: '127.0.0.1' });
  const row = await site.db.kysely
    .selectFrom('stories')
    .select(['id', 'slug'])
    .where('cable_reference_id', '=', '09LIMA1669')
    .executeTakeFirstOrThrow();
  storyPath = `/stories/cablegate/2009/11/${row.id}-${row.slug}`;
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await site.cleanup();
  await smtp.close();
});

test(
  `a reader registers, confirms, logs out and in, and declares work use (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const email = 'browser.member@example.org';
    const password = 'orchard lantern velvet';
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));

      await page.goto(base + '/');
      await page.locator('.account-nav').getByRole('link', { name: 'Register' }).click();
      await page.waitForURL(/\/register$/);
      // A common password first: refused with a message, the address kept.
      await page.fill('#email', email);
      await page.fill('#password', 'password2024');
      await page.check('input[name=declared_use][value=personal]');
      await page.click('form.auth-form button[type=submit]');
      await page.waitForSelector('.notice.error');
      assert.match(await page.locator('.notice.error').innerText(), /most often tried/);
      assert.equal(await page.inputValue('#email'), email);
      await page.screenshot({
        path: join(OUT, `member-register-refused-${ENGINE}.png`),
        fullPage: true,
      });
      // The refused form answered 400 on purpose; only errors from here on count.
      errors.length = 0;

      const mailP = smtp.next(email);
      await page.fill('#password', password);
      await page.click('form.auth-form button[type=submit]');
      await page.waitForURL(/\/register\?done=sent$/);
      assert.match(await page.locator('.notice.ok').innerText(), /sent you a mail/);

      // Confirming in the browser that registered keeps the password and logs in.
      const link = linkIn(await mailP, '/verify/');
      assert.ok(link.startsWith(base + '/verify/'), link);
      await page.goto(link);
      assert.match(await page.locator('.notice.ok').innerText(), /is confirmed/);
      assert.match(
        await page.locator('.account-nav').innerText(),
        new RegExp(email.replace(/\./g, '\\.')),
      );
      await page.screenshot({ path: join(OUT, `member-verified-${ENGINE}.png`), fullPage: true });

      // Log out from the masthead, then log in again.
      await page.locator('.account-nav').getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(/\/login\?done=logout$/);
      assert.match(await page.locator('.notice.ok').innerText(), /logged out/);
      assert.ok(
        await page.locator('.account-nav').getByRole('link', { name: 'Log in' }).isVisible(),
      );
      await page.fill('#email', email);
      await page.fill('#password', password);
      await page.click('form.auth-form button[type=submit]');
      await page.waitForURL(/\/account\?done=login$/);
      assert.match(await page.locator('.account-facts').innerText(), /\bconfirmed$/im);

      // Declare work use.
      await page.check('input[name=declared_use][value=work]');
      await page.fill('#work_organisation', 'Harbour Policy Institute');
      await page.click('form[action="/account"] button[type=submit]');
      await page.waitForURL(/\/account\?done=saved$/);
      assert.match(
        await page.locator('.licence-needed').innerText(),
        /for work at Harbour Policy Institute/,
      );
      assert.equal(
        await page.locator('.licence-needed a').getAttribute('href'),
        '/about/licensing',
      );
      await page.screenshot({
        path: join(OUT, `member-account-work-${ENGINE}.png`),
        fullPage: true,
      });

      await page.goto(base + storyPath);
      const strip = page.locator('.paywall-strip');
      assert.equal(await strip.getAttribute('class'), 'paywall-strip work-unlicensed');
      assert.match(await strip.innerText(), /Harbour Policy Institute has no Broadsheet licence/);
      await page.screenshot({
        path: join(OUT, `member-story-work-${ENGINE}.png`),
        fullPage: false,
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);

/** Logs `page` in with a password through the login form; it lands on the account page. */
async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(base + '/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form.auth-form button[type=submit]');
  await page.waitForURL(/\/account\?done=login$/);
}

test(
  `a member changes the password on the account page and logs out a forgotten session (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const email = 'two.browsers@example.org';
    const first = 'copper meadow violin 7';
    const second = 'quartz willow sextant 9';
    const d = serviceDeps(site);
    assert.ok((await createUser(d, { email, role: 'reader', password: first })).ok);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const logInAt = async (width: number, password: string) => {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        await logIn(page, email, password);
        return page;
      };
      const laptop = await logInAt(1280, first);
      const phone = await logInAt(390, first);
      await laptop.reload();
      const sessions = laptop.locator('.session-list li');
      assert.equal(await sessions.count(), 2);
      assert.match(await sessions.first().innerText(), /\(this browser\)/);

      // A wrong current password: a message by the form, nothing changed.
      await laptop.fill('#current_password', 'not the password at all');
      await laptop.fill('#new_password', second);
      await laptop.click('form[action="/account/password"] button[type=submit]');
      assert.match(await laptop.locator('.notice.error').innerText(), /not your current password/);
      assert.equal(await laptop.locator('#current_password').getAttribute('aria-invalid'), 'true');
      await laptop.screenshot({
        path: join(OUT, `member-password-wrong-${ENGINE}.png`),
        fullPage: true,
      });

      await laptop.fill('#current_password', first);
      await laptop.fill('#new_password', second);
      await laptop.click('form[action="/account/password"] button[type=submit]');
      await laptop.waitForURL(/\/account\?done=password$/);
      assert.match(await laptop.locator('.notice.ok').innerText(), /Your password is changed/);
      assert.equal(await laptop.locator('.session-list li').count(), 1);
      await laptop.screenshot({
        path: join(OUT, `member-password-changed-${ENGINE}.png`),
        fullPage: true,
      });
      // The phone's session ended with the change: its next page asks it to log in.
      await phone.goto(base + '/account');
      await phone.waitForURL(/\/login\?next=\/account$/);

      // Logged in again on the phone with the new password, then logged out from the laptop.
      const again = await logInAt(390, second);
      await laptop.reload();
      await laptop.click('form[action="/account/sessions/end-others"] button[type=submit]');
      await laptop.waitForURL(/\/account\?done=sessions-ended$/);
      assert.match(await laptop.locator('.notice.ok').innerText(), /logged out everywhere else/);
      await again.goto(base + '/account');
      await again.waitForURL(/\/login\?next=\/account$/);
    } finally {
      await browser.close();
    }
  },
);

test(
  `a member changes the address: a link to the new one, opened logged in, confirms it (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const email = 'moving.reader@example.org';
    const fresh = 'moved.reader@example.org';
    const password = 'amber signal cathedral 3';
    const d = serviceDeps(site);
    assert.ok((await createUser(d, { email, role: 'reader', password })).ok);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page, email, password);

      const mail = smtp.next(fresh);
      await page.fill('#new_email', fresh);
      await page.fill('#email_current_password', password);
      await page.click('form[action="/account/email"] button[type=submit]');
      await page.waitForURL(/\/account\?done=email-sent$/);
      assert.match(await page.locator('.notice.ok').innerText(), /We have sent a link/);
      assert.match(await page.locator('.account-facts').innerText(), /moving\.reader@example\.org/);

      await page.goto(linkIn(await mail, '/account/email/'));
      assert.equal(await page.locator('h1').innerText(), 'Confirm your new address');
      await page.screenshot({
        path: join(OUT, `member-email-confirm-${ENGINE}.png`),
        fullPage: true,
      });
      await page.getByRole('button', { name: `Use ${fresh}` }).click();
      await page.waitForURL(/\/account\?done=email-changed$/);
      assert.match(await page.locator('.notice.ok').innerText(), /Your new address is confirmed/);
      assert.match(await page.locator('.account-facts').innerText(), /moved\.reader@example\.org/);
      assert.match(await page.locator('.account-nav').innerText(), /moved\.reader@example\.org/);
      await page.screenshot({
        path: join(OUT, `member-email-changed-${ENGINE}.png`),
        fullPage: true,
      });
    } finally {
      await browser.close();
    }
  },
);

test(
  `a member deletes the account after seeing what goes with it (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const email = 'deleting.reader@example.org';
    const password = 'granite orchard ferry 8';
    assert.ok((await createUser(serviceDeps(site), { email, role: 'reader', password })).ok);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page, email, password);
      await page.getByRole('link', { name: 'Delete your account' }).click();
      await page.waitForURL(/\/account\/delete$/);
      assert.equal(await page.locator('h1').innerText(), 'Delete your account');
      await page.screenshot({ path: join(OUT, `member-delete-${ENGINE}.png`), fullPage: true });
      await page.fill('#current_password', password);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.waitForURL(base + '/');
      assert.match(await page.locator('.notice').first().innerText(), /is deleted/);
      assert.ok(
        await page.locator('.account-nav').getByRole('link', { name: 'Log in' }).isVisible(),
      );
      await page.screenshot({ path: join(OUT, `member-deleted-${ENGINE}.png`) });
    } finally {
      await browser.close();
    }
  },
);
