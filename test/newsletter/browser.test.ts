/**
 * Browser test of The Monday Dispatch with a real SMTP server: a reader subscribes from the box on
 * a story page and opens the confirmation link from the mail; an editor (a member created through
 * the members store) opens the next issue and sends it now; the reader's copy arrives with the
 * one-click unsubscribe headers and both parts, and the reader unsubscribes through its link.
 * Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ENGINE, REPO_ROOT, testSite } from '../helpers.ts';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../members/smtp.ts';
import { decodeQp, header } from './smtp-sink.ts';
import { signedIn } from '../stories/helpers.ts';
import { newsletterService } from '../../src/newsletter/service.ts';
import { CHROMIUM, CHROMIUM_ARGS, OUT, NO_CHROMIUM } from '../browser.ts';
import { freePort } from '../helpers.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
let site: Site;
let smtp: TestSmtp;
let base: string;
let storyPath: string;

/** A signed newsletter link (`<id>[.<issue>].<signature>`) of this site in a mail's text. */
function signedLink(mail: ReceivedMail, path: string): string {
  const m = new RegExp(
    `${base.replace(/[.]/g, '\\.')}${path}[0-9]+(?:\\.[0-9]+)?\\.[A-Za-z0-9_-]{22}`,
  ).exec(mail.text);
  assert.ok(m, `no ${path} link in: ${mail.text}`);
  return m[0];
}

before(async () => {
  smtp = await startSmtp();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // No job worker: the test sends the issue through the service once the editor has started it.
  site = await testSite({ DEMO: '1', JOBS: '0', SMTP_URL: smtp.url, BASE_URL: base });
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
  `a reader subscribes, confirms, receives the issue and unsubscribes (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const email = 'dispatch.reader@example.org';
    const svc = newsletterService({ config: site.config, db: site.db });
    try {
      const reader = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      reader.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      reader.on('pageerror', (e) => errors.push(String(e)));

      // Subscribe from the box in the story.
      await reader.goto(base + storyPath);
      const box = reader.locator('.newsletter-box');
      assert.match(await box.locator('h2').innerText(), /The Monday Dispatch/);
      const confirmMail = smtp.next(email);
      await box.locator('#newsletter-email').fill(email);
      await box.getByRole('button', { name: 'Subscribe' }).click();
      await reader.waitForURL(/\/newsletter\/subscribe$/);
      assert.match(await reader.locator('h1').innerText(), /Almost done/);
      assert.match(
        await reader.locator('.notice.ok').innerText(),
        /We have emailed you a link to confirm/,
      );
      const row0 = await site.db.kysely
        .selectFrom('newsletter_subscribers')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      assert.equal(row0.status, 'unconfirmed');

      // The confirmation mail; its link confirms.
      const cm = await confirmMail;
      assert.match(cm.subject, /Confirm your subscription to The Monday Dispatch/);
      await reader.goto(signedLink(cm, '/newsletter/confirm/'));
      assert.match(await reader.locator('h1').innerText(), /You are subscribed/);
      assert.match(
        await reader.locator('.notice.ok').innerText(),
        new RegExp(`${email.replace(/\./g, '\\.')} is confirmed`),
      );
      await reader.screenshot({
        path: join(OUT, `newsletter-confirmed-${ENGINE}.png`),
        fullPage: true,
      });
      assert.equal(
        (
          await site.db.kysely
            .selectFrom('newsletter_subscribers')
            .select('status')
            .where('id', '=', row0.id)
            .executeTakeFirstOrThrow()
        ).status,
        'confirmed',
      );

      // An editor opens the next issue and sends it now.
      const editor = await signedIn(site.db.kysely, 'desk@example.org', 'editor');
      const edCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await edCtx.addCookies([{ name: 'bs_session', value: editor.token, url: base }]);
      const desk = await edCtx.newPage();
      desk.on('pageerror', (e) => errors.push(String(e)));
      await desk.goto(base + '/newsletter/editor');
      await desk.getByRole('button', { name: 'Open the next issue' }).click();
      await desk.waitForURL(/\/newsletter\/editor\/issues\/\d+$/);
      const issueId = Number(/\/issues\/(\d+)$/.exec(desk.url())![1]);
      await desk.getByRole('button', { name: 'Send now to every confirmed subscriber' }).click();
      await desk.locator('.notice.flash').waitFor();
      assert.match(await desk.locator('body').innerText(), /Sending has started/);
      const digestMail = smtp.next(email, 15_000);
      const report = await svc.send(issueId);
      assert.ok(report.complete);
      assert.equal(report.sent, 1);

      // The reader's copy: one-click unsubscribe headers, a plain-text and an HTML part.
      const dm = await digestMail;
      assert.match(dm.subject, /^The Monday Dispatch, /);
      const issue = await site.db.kysely
        .selectFrom('newsletter_issues')
        .selectAll()
        .where('id', '=', issueId)
        .executeTakeFirstOrThrow();
      assert.equal(issue.status, 'sent');
      const unsubscribe = signedLink(dm, '/newsletter/unsubscribe/');
      assert.equal(header(dm.raw, 'List-Unsubscribe'), `<${unsubscribe}>`);
      assert.equal(header(dm.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
      assert.match(header(dm.raw, 'Content-Type')!, /multipart\/alternative/);
      assert.match(dm.raw, /Content-Type: text\/plain/i);
      assert.match(dm.raw, /Content-Type: text\/html/i);
      const decoded = decodeQp(dm.raw);
      assert.match(decoded, /<table role="presentation"/);
      assert.ok(
        decoded.includes(`href="${unsubscribe}"`),
        'the HTML part carries the same unsubscribe link',
      );
      assert.match(dm.text, /TOP STORIES OF THE WEEK/);
      assert.ok(dm.text.includes(`Read it on the web: ${base}/newsletter/issues/${issue.number}`));
      signedLink(dm, '/newsletter/preferences/');

      // The issue on the web.
      await reader.goto(`${base}/newsletter/issues/${issue.number}`);
      assert.match(
        await reader.locator('h1').first().innerText(),
        /The Monday Dispatch|Monday Dispatch/,
      );
      const firstTitle = (JSON.parse(issue.items) as { title: string }[])[0]?.title;
      if (firstTitle)
        assert.match(
          await reader.locator('body').innerText(),
          new RegExp(firstTitle.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
        );
      await reader.screenshot({
        path: join(OUT, `newsletter-issue-${ENGINE}.png`),
        fullPage: true,
      });

      // Unsubscribe through the link in the mail: one button, then done.
      await reader.goto(unsubscribe);
      assert.match(
        await reader.locator('form').filter({ hasText: 'Stop sending' }).innerText(),
        new RegExp(email.replace(/\./g, '\\.')),
      );
      await reader.getByRole('button', { name: 'Unsubscribe' }).click();
      await reader.waitForSelector('.notice.ok');
      assert.match(await reader.locator('.notice.ok').innerText(), /is unsubscribed/);
      await reader.screenshot({
        path: join(OUT, `newsletter-unsubscribed-${ENGINE}.png`),
        fullPage: true,
      });

      const row = await site.db.kysely
        .selectFrom('newsletter_subscribers')
        .selectAll()
        .where('id', '=', row0.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'unsubscribed');
      assert.equal(row.unsubscribed_issue_id, issueId);
      assert.deepEqual(errors, []);
      await edCtx.close();
    } finally {
      await svc.close();
      await browser.close();
    }
  },
);
