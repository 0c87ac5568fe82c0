/**
 * The three journeys, end to end in chromium, on a desktop (1280 px) and a phone (390 px) screen:
 * a reader goes from the home page to the cable archive, a cable and a search; an editor signs in,
 * finds the newsroom through the header's "Admin" link, publishes a story, then renames and removes
 * one of the demo partner feeds; an organisation
 * applies for a licence and opens its invoice. Each step is saved as a screenshot under
 * test-output/journeys/ (test output, not committed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ENGINE, TEST_PASSWORD_PARAMS, testSite, listenLocal, serviceDeps } from '../helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';
import { insertMember } from '../../src/members/store.ts';
import { hashPassword } from '../../src/members/passwords.ts';
import { approveApplication } from '../../src/licensing/service.ts';
import { signedIn } from '../stories/helpers.ts';

const DIR = join(OUT, 'journeys');
const SCREENS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
type Screen = (typeof SCREENS)[number];

let site: Awaited<ReturnType<typeof testSite>>;
let base: string;
let browser: Browser;

before(async () => {
  site = await testSite({ DEMO: '1', JOBS: '0' }, { passwordParams: TEST_PASSWORD_PARAMS });
  base = await listenLocal(site);
  mkdirSync(DIR, { recursive: true });
  if (!NO_CHROMIUM) {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }
});
after(async () => {
  await browser?.close();
  await site?.cleanup();
});

async function open(screen: Screen, token?: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: screen.width, height: screen.height },
  });
  if (token) await context.addCookies([{ name: 'bs_session', value: token, url: base }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  pageErrors.set(page, errors);
  return page;
}

const pageErrors = new WeakMap<Page, string[]>();

/** Ends a journey: no script failed on any of its pages. */
async function done(page: Page) {
  assert.deepEqual(pageErrors.get(page), [], 'no script errors');
  await page.context().close();
}

async function shot(page: Page, journey: string, step: string, screen: Screen) {
  const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  assert.ok(
    width <= screen.width,
    `${journey}/${step} is ${width} px wide on a ${screen.width} px screen`,
  );
  await page.screenshot({
    path: join(DIR, `${journey}-${step}-${screen.name}-${ENGINE}.png`),
    fullPage: true,
  });
}

/** Follows a link of the masthead: on a phone, through the menu. */
async function masthead(page: Page, screen: Screen, name: string | RegExp) {
  if (screen.name === 'phone') {
    const header = await page.locator('header.masthead').boundingBox();
    assert.ok(header && header.height <= 100, `the phone header is ${header?.height} px high`);
    assert.equal(await page.locator('nav.sections').isVisible(), false, 'the menu starts closed');
    await page.locator('label.menu-button').click();
  }
  await page.locator('header.masthead').getByRole('link', { name, exact: true }).first().click();
}

for (const screen of SCREENS) {
  test(
    `a reader: home, the cable archive, a cable, a search (${screen.name}, ${ENGINE})`,
    { skip: NO_CHROMIUM },
    async () => {
      const page = await open(screen);
      await page.goto(base + '/');
      await shot(page, 'reader', '1-home', screen);
      await masthead(page, screen, 'Cables');
      await page.waitForURL(base + '/cables');
      assert.equal(await page.locator('h1').innerText(), 'Cable archive');
      await shot(page, 'reader', '2-archive', screen);
      await page.locator('a[href="/cables/origin/embassy-lima"]').first().click();
      await page.waitForURL(/\/cables\/origin\/embassy-lima$/);
      await page
        .getByRole('link', { name: /09LIMA1669/ })
        .first()
        .click();
      await page.waitForURL(/\/cables\/09LIMA1669$/);
      assert.match(await page.locator('h1').innerText(), /Scenesetter/i);
      await shot(page, 'reader', '3-cable', screen);
      await page.fill('#masthead-q', 'shining path');
      await page.locator('form.masthead-search button').click();
      await page.waitForURL(/\/search\?q=shining\+path/);
      assert.ok(
        await page.locator('a[href="/cables/09LIMA1669"]').first().isVisible(),
        'the cable is found',
      );
      await shot(page, 'reader', '4-search', screen);
      await done(page);
    },
  );

  test(
    `an editor: sign in, the Admin link, publish a story, edit and remove a partner feed (${screen.name}, ${ENGINE})`,
    { skip: NO_CHROMIUM },
    async () => {
      const email = `desk-${screen.name}@example.org`;
      const password = 'a long enough newsroom passphrase';
      const now = new Date().toISOString();
      await insertMember(site.db.kysely, {
        email,
        passwordHash: await hashPassword(password, TEST_PASSWORD_PARAMS),
        role: 'editor',
        declaredUse: null,
        workOrganisation: null,
        emailVerifiedAt: now,
        now,
      });
      const page = await open(screen);
      await page.goto(base + '/');
      await masthead(page, screen, 'Log in');
      await page.fill('#email', email);
      await page.fill('#password', password);
      await shot(page, 'editor', '1-login', screen);
      await page.click('form.auth-form button[type=submit]');
      await page.waitForURL(/\/account/);
      await masthead(page, screen, 'Admin');
      await page.waitForURL(base + '/admin');
      assert.equal(await page.locator('h1').innerText(), 'Newsroom');
      await shot(page, 'editor', '2-dashboard', screen);
      await page.locator('nav.admin-nav').getByRole('link', { name: 'New story' }).click();
      await page.waitForURL(/\/admin\/stories\/new$/);
      const title = `Harbour strike ends after nine days (${screen.name})`;
      await page.fill('#title', title);
      await page.fill(
        '#body',
        'Dockers voted to return to work on Monday.\n\nThe port reopens **at dawn**.',
      );
      await page.selectOption('#section_id', { label: 'News' });
      await page.selectOption('#status', 'published');
      await shot(page, 'editor', '3-editor', screen);
      await page.locator('button[name=intent][value=save]').click();
      await page.waitForURL(/\/admin\/stories\/\d+\/edit$/);
      assert.ok(await page.locator('.notice.flash.ok').isVisible(), 'the save is confirmed');
      await page.goto(base + '/sections/news');
      await page.getByRole('link', { name: title }).first().click();
      assert.equal(await page.locator('h1').innerText(), title);
      assert.equal(await page.locator('.story-body strong').first().innerText(), 'at dawn');
      await shot(page, 'editor', '4-published', screen);

      // The demo partner sources are feeds like any other: the editor renames one, then removes
      // it with its headline (each screen its own feed; names only, so nothing is fetched).
      const [source, headline] =
        screen.name === 'desktop'
          ? ['Access Now', 'Telecom Blackout In Gaza An Attack On Human Rights']
          : ['Save The Children', 'Four Earthquakes In a Week Leave Thousands Homeless'];
      await page.goto(base + '/admin');
      await page.locator('nav.admin-nav').getByRole('link', { name: 'Partner feeds' }).click();
      await page.waitForURL(base + '/admin/feeds');
      assert.equal(await page.locator('h1').innerText(), 'Partner feeds');
      const row = page.locator('table.feeds-table tr', { hasText: source });
      assert.match(await row.innerText(), /1 demo headline on the site/);
      await shot(page, 'editor', '5-feeds', screen);
      await row.getByRole('link', { name: `Edit ${source}` }).click();
      await page.waitForURL(/\/admin\/feeds\/\d+\/edit$/);
      assert.equal(await page.locator('h1').innerText(), `Edit feed: ${source}`);
      assert.match(await page.locator('#feed-url').inputValue(), /^https:\/\//);
      await page.fill('#feed-name', '');
      await page.fill('#feed-name', `${source} (partner)`);
      await shot(page, 'editor', '6-feed-edit', screen);
      await page.getByRole('button', { name: 'Save feed' }).click();
      await page.waitForURL(base + '/admin/feeds');
      assert.match(
        await page.locator('.notice.flash.ok').innerText(),
        new RegExp(`now called ${source} \\(partner\\)`),
      );
      await page
        .locator('table.feeds-table tr', { hasText: `${source} (partner)` })
        .getByRole('link', { name: /^Edit / })
        .click();
      await page.waitForURL(/\/admin\/feeds\/\d+\/edit$/);
      assert.match(await page.locator('main').innerText(), /also removes its 1 headline/);
      await page.getByRole('button', { name: /^Remove / }).click();
      await page.waitForURL(base + '/admin/feeds');
      assert.match(
        await page.locator('.notice.flash.ok').innerText(),
        /was removed, with its 1 headline: it no longer appears in World Headlines/,
      );
      assert.equal(await page.locator('table.feeds-table tr', { hasText: source }).count(), 0);
      await shot(page, 'editor', '7-feed-removed', screen);
      await page.goto(base + '/');
      assert.ok(
        (await page.locator('.world-headlines').innerText()).includes('Nowhere To Go In Gaza'),
        'the other feeds’ headlines stay',
      );
      assert.ok(!(await page.locator('main').innerText()).includes(headline), 'its headline went');
      await done(page);
    },
  );

  test(
    `an organisation: apply for a licence, then open the invoice (${screen.name}, ${ENGINE})`,
    { skip: NO_CHROMIUM },
    async () => {
      const member = await signedIn(
        site.db.kysely,
        `office-${screen.name}@harbour-law.test`,
        'reader',
      );
      const page = await open(screen, member.token);
      await page.goto(base + '/');
      await masthead(page, screen, 'Licensing');
      await page.waitForURL(base + '/about/licensing');
      await shot(page, 'organisation', '1-licensing', screen);
      await page.locator('main a.button[href="/licensing/apply"]').first().click();
      await page.waitForURL(/\/licensing\/apply$/);
      await page.fill('#name', `Harbour Law ${screen.name}`);
      await page.selectOption('#kind', 'law-firm');
      await page.selectOption('#tier', 'small');
      await page.fill('#contact_email', 'accounts@harbour-law.test');
      await shot(page, 'organisation', '2-apply', screen);
      await page.click('form.auth-form button[type=submit]');
      await page.waitForURL(/\/org\/\d+/);
      assert.match(await page.locator('#licence-status').innerText(), /pending/);
      await shot(page, 'organisation', '3-applied', screen);
      // The licensing desk approves the application, which issues the invoice.
      const licence = await site.db.kysely
        .selectFrom('licences')
        .innerJoin('organisations', 'organisations.id', 'licences.organisation_id')
        .select('licences.id')
        .where('organisations.name', '=', `Harbour Law ${screen.name}`)
        .executeTakeFirstOrThrow();
      const approved = await approveApplication(serviceDeps(site), licence.id, null);
      assert.ok(approved.ok);
      await page.reload();
      await page
        .getByRole('link', { name: /^Invoice BS-/ })
        .first()
        .click();
      await page.waitForURL(/\/invoices?\//);
      assert.match(await page.locator('h1').innerText(), /^Invoice BS-\d{4}-\d{4}$/);
      await shot(page, 'organisation', '4-invoice', screen);
      await done(page);
    },
  );
}
