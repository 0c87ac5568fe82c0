/**
 * Browser test of account pre-hijacking: someone registers a future editor's address with a
 * password and keeps a session; the operator then gives that address the admin role. The early
 * session is refused the newsroom, the real person signs in with the operator's link and gets in,
 * and the early password no longer works. Screenshots go to test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ENGINE, freePort, TEST_PASSWORD_PARAMS, testSite } from '../helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';
import { memberCommandsWith } from '../../src/members/cli.ts';
import { startSmtp, type TestSmtp } from './smtp.ts';
import { commandContext } from '../../src/features.ts';

let site: Awaited<ReturnType<typeof testSite>>;
let smtp: TestSmtp;
let base: string;

before(async () => {
  smtp = await startSmtp();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  site = await testSite(
    { DEMO: '1', SMTP_URL: smtp.url, BASE_URL: base },
    { passwordParams: TEST_PASSWORD_PARAMS },
  );
  await site.app.listen({ port, host: '127.0.0.1' });
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await site.cleanup();
  await smtp.close();
});

test(
  `a pre-registered address given a role reaches only its real owner (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const email = 'new.editor@example.org';
    const password = 'borrowed lantern quarry';
    try {
      // The attacker registers the address and logs in with the password chosen.
      const attacker = await (await browser.newContext()).newPage();
      await attacker.goto(base + '/register');
      await attacker.fill('#email', email);
      await attacker.fill('#password', password);
      await attacker.click('form.auth-form button[type=submit]');
      await attacker.waitForURL(/\/register\?done=sent$|\/account/);
      await attacker.goto(base + '/login');
      if (!/\/account/.test(attacker.url())) {
        await attacker.fill('#email', email);
        await attacker.fill('#password', password);
        await attacker.click('form.auth-form button[type=submit]');
        await attacker.waitForURL(/\/account\?done=login$/);
      }
      assert.match(await attacker.locator('.account-facts').innerText(), /not confirmed yet/i);

      // Later the operator gives the address the admin role.
      const out: string[] = [];
      const env = {
        DATA_DIR: site.config.dataDir,
        DATABASE_URL: site.config.databaseUrl ?? '',
        LOG_LEVEL: 'silent',
        DEMO: '0',
        BASE_URL: base,
      };
      const add = memberCommandsWith(
        { stdin: Readable.from(['']), out: (l) => out.push(l), err: (l) => out.push(l) },
        env,
      ).find((c) => c.name === 'users add')!;
      assert.equal(await add.run([email, '--role', 'admin'], commandContext), 0, out.join('\n'));
      const link = /(https?:\/\/\S+\/login\/magic\/[\w-]{43})/.exec(out.join('\n'))![1];

      // The attacker's browser is refused the newsroom and the licensing desk.
      for (const path of ['/admin', '/admin/licensing']) {
        const res = await attacker.goto(base + path);
        assert.match(attacker.url(), /\/login\?next=/, `${path} sends the attacker to log in`);
        assert.equal(res?.status(), 200);
        assert.ok(
          await attacker.locator('.account-nav').getByRole('link', { name: 'Log in' }).isVisible(),
          'the session has ended',
        );
      }
      await attacker.screenshot({
        path: join(OUT, `member-prehijack-refused-${ENGINE}.png`),
        fullPage: true,
      });

      // The real editor signs in with the link and gets in.
      const editor = await (await browser.newContext()).newPage();
      await editor.goto(link);
      await editor.waitForURL(/\/account\?done=magic$/);
      assert.match(await editor.locator('.account-facts').innerText(), /Administrator/);
      const desk = await editor.goto(base + '/admin');
      assert.equal(desk?.status(), 200);
      assert.match(editor.url(), /\/admin$/);
      await editor.screenshot({
        path: join(OUT, `member-prehijack-owner-${ENGINE}.png`),
        fullPage: true,
      });

      // The attacker's password no longer works.
      await attacker.goto(base + '/login');
      await attacker.fill('#email', email);
      await attacker.fill('#password', password);
      await attacker.click('form.auth-form button[type=submit]');
      await attacker.waitForSelector('.notice.error');
      assert.match(await attacker.locator('.notice.error').innerText(), /do not match an account/);
      const again = await attacker.goto(base + '/admin');
      assert.match(attacker.url(), /\/login\?next=/);
      assert.equal(again?.status(), 200);
    } finally {
      await browser.close();
    }
  },
);
