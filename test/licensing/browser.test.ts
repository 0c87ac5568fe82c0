/**
 * Browser test: a reader registers, confirms the address from the mail (read from a real SMTP
 * server started here), logs in and applies for a licence; an admin approves it and records the
 * payment; the organisation page shows the active licence and a story says "Licensed to" the
 * organisation for the member, whose email domain is verified. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { ENGINE, REPO_ROOT, testSite, listenLocal } from '../helpers.ts';
import { insertMember, insertSession } from '../../src/members/store.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';
import { CHROMIUM, CHROMIUM_ARGS, OUT, NO_CHROMIUM } from '../browser.ts';

const mails: string[] = [];
let smtp: SMTPServer;
let site: Awaited<ReturnType<typeof testSite>>;
let base: string;

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _s, cb) {
      let buf = '';
      stream.on('data', (c) => (buf += c));
      stream.on('end', () => {
        mails.push(buf.replace(/=\r?\n/g, '').replace(/=3D/g, '='));
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as { port: number }).port;
  site = await testSite({ DEMO: '1', JOBS: '0', SMTP_URL: `smtp://127.0.0.1:${port}` });
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await site.cleanup();
  await new Promise<void>((r) => smtp.close(() => r()));
});

async function waitForMail(match: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const m = mails.find((x) => match.test(x));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail matching ${match}`);
}

test(
  `a member applies, an admin approves and records payment, the member is licensed (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const reader = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const email = 'editor-desk@harbour-law.test';
      const password = 'correct horse battery staple harbour';
      await reader.goto(base + '/register');
      await reader.fill('#email', email);
      await reader.fill('#password', password);
      await reader.click('form.auth-form button[type=submit]');
      await reader.waitForURL(/\/register\?done=sent/);
      const mail = await waitForMail(/Confirm your email address/);
      // The mail links to BASE_URL; the test server listens on another port.
      const link = /https?:\/\/[^/\s]+(\/verify\/[A-Za-z0-9_-]{43})/.exec(mail)![1];
      await reader.goto(base + link);
      assert.match(await reader.locator('.notice').innerText(), /is confirmed/);
      await reader.locator('.account-nav form[action="/logout"] button').click();
      await reader.goto(base + '/login');
      await reader.fill('#email', email);
      await reader.fill('#password', password);
      await reader.click('form.auth-form button[type=submit]');
      await reader.waitForURL(/\/account/);

      await reader.goto(base + '/licensing/apply');
      await reader.fill('#name', 'Harbour Law');
      await reader.selectOption('#kind', 'law-firm');
      await reader.selectOption('#tier', 'small');
      await reader.fill('#contact_email', 'accounts@harbour-law.test');
      await reader.screenshot({ path: join(OUT, `licence-apply-${ENGINE}.png`), fullPage: true });
      await reader.click('form.auth-form button[type=submit]');
      await reader.waitForURL(/\/org\/\d+/);
      const orgUrl = reader.url().split('?')[0];
      assert.match(await reader.locator('#licence-status').innerText(), /pending/);
      await reader.fill('#domain', 'harbour-law.test');
      await reader.click('form[action$="/domains"] button');
      await reader.waitForSelector('.notice.ok');

      // The admin, created with the store, approves, records payment and verifies the domain.
      const now = new Date().toISOString();
      const adminId = await insertMember(site.db.kysely, {
        email: 'admin@broadsheet.test',
        passwordHash: null,
        role: 'admin',
        declaredUse: null,
        workOrganisation: null,
        emailVerifiedAt: now,
        now,
      });
      const token = newToken();
      await insertSession(site.db.kysely, {
        hash: hashToken(token),
        memberId: adminId,
        now,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        userAgent: 'test',
      });
      const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await adminCtx.addCookies([{ name: 'bs_session', value: token, url: base }]);
      const admin = await adminCtx.newPage();
      await admin.goto(base + '/admin/licensing');
      await admin.click('text=Approve and send invoice');
      assert.match(await admin.locator('.notice.ok').innerText(), /BS-\d{4}-0001/);
      await admin.screenshot({ path: join(OUT, `licence-queue-${ENGINE}.png`), fullPage: true });
      await admin.click('text=Record payment');
      assert.match(await admin.locator('.notice.ok').innerText(), /Payment recorded/);
      await admin.goto(orgUrl);
      await admin.click('text=Verify as site admin');
      await admin.waitForSelector('.notice.ok');

      await reader.goto(orgUrl);
      assert.match(await reader.locator('#licence-status').innerText(), /Active until/);
      await reader.screenshot({ path: join(OUT, `licence-org-${ENGINE}.png`), fullPage: true });
      await reader.goto(base + '/');
      await reader
        .getByRole('link', { name: /Cablegate: Scenesetter/ })
        .first()
        .click();
      await reader.waitForSelector('.paywall-strip');
      assert.match(await reader.locator('.paywall-strip').innerText(), /Licensed to Harbour Law/);
      assert.equal(await reader.locator('.ad-box').count(), 0);
      await reader.screenshot({ path: join(OUT, `licence-story-${ENGINE}.png`), fullPage: true });
      const access = await (await reader.request.get(base + '/api/access')).json();
      assert.equal(access.coveredBy, 'seat');
    } finally {
      await browser.close();
    }
  },
);
