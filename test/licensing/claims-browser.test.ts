/**
 * Browser test: an organisation's page shows each claim's state in plain words, and an editor
 * approves a pending network range from the licensing page (post/redirect/get). Screenshots go to
 * test-output/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE, testSite, listenLocal } from '../helpers.ts';
import { insertMember, insertSession } from '../../src/members/store.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';
import {
  addDomain,
  addNetwork,
  createOpenInvitation,
  createOrganisation,
  grantLicence,
  inviteMember,
  verifyDomainByAdmin,
} from '../../src/licensing/service.ts';
import { licensingDeps } from '../../src/licensing/jobs.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';

let site: Awaited<ReturnType<typeof testSite>>;
let base: string;

before(async () => {
  site = await testSite({ DEMO: '0', JOBS: '0' });
  base = await listenLocal(site);
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await site.cleanup();
});

async function session(
  email: string,
  role: 'reader' | 'editor',
): Promise<{ id: number; token: string }> {
  const now = new Date().toISOString();
  const id = await insertMember(site.db.kysely, {
    email,
    passwordHash: null,
    role,
    declaredUse: null,
    workOrganisation: null,
    emailVerifiedAt: now,
    now,
  });
  const token = newToken();
  await insertSession(site.db.kysely, {
    hash: hashToken(token),
    memberId: id,
    now,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    userAgent: 'test',
  });
  return { id, token };
}

test(
  `claim states on the organisation page and range approval by an editor (${ENGINE})`,
  { skip: NO_CHROMIUM },
  async () => {
    const d = licensingDeps({
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer: createMailer(site.config),
    });
    const boss = await session('boss@harbour.test', 'reader');
    const editor = await session('desk@broadsheet.test', 'editor');
    const org = await createOrganisation(
      d,
      {
        name: 'Harbour Authority',
        kind: 'government',
        tierId: 'small',
        contactEmail: 'it@harbour.test',
      },
      boss.id,
    );
    await grantLicence(d, org, 'small');
    const verified = await addDomain(d, org, 'harbour.test');
    assert.ok(verified.ok);
    const vid = (
      await site.db.kysely
        .selectFrom('org_domains')
        .select('id')
        .where('domain', '=', 'harbour.test')
        .executeTakeFirstOrThrow()
    ).id;
    assert.ok((await verifyDomainByAdmin(d, org, vid)).ok);
    assert.ok((await addDomain(d, org, 'harbour-pilots.test')).ok);
    assert.ok(
      (
        await addDomain(
          { ...d, now: () => new Date(Date.now() - 9 * 86_400_000) },
          org,
          'old-harbour.test',
        )
      ).ok,
    );
    assert.ok((await addNetwork(d, org, '198.51.100.0/24', 'Head office')).ok);
    assert.ok((await addNetwork(d, org, '203.0.113.0/25', 'Port office', 'pending')).ok);
    assert.ok((await inviteMember(d, org, null, 'harbourmaster@harbour.test')).ok);
    assert.ok((await createOpenInvitation(d, org, null)).ok);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const host = new URL(base).hostname;
      const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      await ctx.addCookies([{ name: 'bs_session', value: boss.token, domain: host, path: '/' }]);
      const page = await ctx.newPage();
      await page.goto(`${base}/org/${org}`);
      const domains = page.locator('section', {
        has: page.getByRole('heading', { name: 'Email domains' }),
      });
      assert.match(await domains.locator('#domain-harbour\\.test').innerText(), /Verified by us/);
      assert.match(
        await domains.locator('#domain-harbour-pilots\\.test').innerText(),
        /Pending verification until/,
      );
      assert.match(
        await domains.locator('#domain-old-harbour\\.test').innerText(),
        /Expired — it was not verified within 7 days/,
      );
      const networks = await page
        .locator('section', { has: page.getByRole('heading', { name: 'Networks' }) })
        .innerText();
      assert.match(networks, /198\.51\.100\.0\/24 \(Head office\) — Approved/);
      assert.match(networks, /203\.0\.113\.0\/25 \(Port office\) — Pending approval/);
      const seats = await page
        .locator('section', { has: page.getByRole('heading', { name: /^Seats/ }) })
        .innerText();
      assert.match(seats, /For harbourmaster@harbour\.test only/);
      assert.match(seats, /Open link \(anyone holding it\)/);
      await page.screenshot({
        path: join(OUT, `licensing-claims-org-${ENGINE}.png`),
        fullPage: true,
      });

      const ectx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      await ectx.addCookies([{ name: 'bs_session', value: editor.token, domain: host, path: '/' }]);
      const ep = await ectx.newPage();
      await ep.goto(`${base}/admin/licensing`);
      const row = ep.locator('tr', { hasText: '203.0.113.0/25' });
      assert.match(await row.innerText(), /Port office\) for Harbour Authority/);
      await ep.screenshot({
        path: join(OUT, `licensing-claims-admin-${ENGINE}.png`),
        fullPage: true,
      });
      await row.getByRole('button', { name: 'Approve' }).click();
      await ep.waitForURL(/\/admin\/licensing#networks$/);
      assert.match(await ep.getByRole('status').innerText(), /The range was approved/);
      assert.match(await ep.locator('#networks').innerText(), /\(0\)/);
      await page.reload();
      const after = await page
        .locator('section', { has: page.getByRole('heading', { name: 'Networks' }) })
        .innerText();
      assert.match(after, /203\.0\.113\.0\/25 \(Port office\) — Approved/);
    } finally {
      await browser.close();
    }
  },
);
