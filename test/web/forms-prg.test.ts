/**
 * Post/redirect/get on the site's forms, one family at a time, on the engine under test: bad input
 * is answered 400 with the form and a message naming what is wrong, and changes nothing; good input
 * is answered 303 to the page that shows the result, which shows a one-time message in the colour of
 * what happened, and a reload of that page shows it no more and repeats nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { FORM, RSS, feedServer, form, signedIn } from '../stories/helpers.ts';
import { followFlash } from '../flash.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
type Injected = Awaited<ReturnType<Site['app']['inject']>>;

describe(`forms answer with post/redirect/get on ${ENGINE}`, () => {
  let site: Site;
  let feeds: Awaited<ReturnType<typeof feedServer>>;
  let editor: Awaited<ReturnType<typeof signedIn>>;
  let admin: Awaited<ReturnType<typeof signedIn>>;
  let reader: Awaited<ReturnType<typeof signedIn>>;

  before(async () => {
    feeds = await feedServer((req, res) => {
      if (req.url === '/feed') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(RSS([{ guid: 'g1', title: 'Harbour reopens', link: 'https://wire.example/1' }]));
      } else res.writeHead(500).end('down');
    });
    site = await testSite({ DEMO: '1', JOBS: '0', OUTBOUND_ALLOW: '127.0.0.1' });
    editor = await signedIn(site.db.kysely, 'prg-editor@example.org', 'editor');
    admin = await signedIn(site.db.kysely, 'prg-admin@example.org', 'admin');
    reader = await signedIn(site.db.kysely, 'prg-reader@example.org', 'reader');
  });
  after(async () => {
    await site.cleanup();
    await feeds.close();
  });

  const post = (who: { cookie: string; csrf: string }, url: string, fields = {}) =>
    site.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, cookie: who.cookie },
      payload: form({ ...fields, _csrf: who.csrf }),
    });
  const count = async (table: 'sections' | 'stories' | 'partner_feeds' | 'ads') =>
    Number(
      (
        await site.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** A refused form: 400, the form again with the message. */
  function refused(res: Injected, message: RegExp) {
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, message);
    assert.match(res.body, /class="notice error"/);
    assert.equal(res.headers.location, undefined);
  }

  /** 303, then the page with the message once in the given colour; a reload shows it no more. */
  async function shownOnce(
    res: Injected,
    who: { cookie: string },
    kind: 'ok' | 'partial' | 'error',
    message: RegExp,
  ): Promise<Injected> {
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    const page = await followFlash(site.app, res, who.cookie);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`class="notice flash ${kind}"`));
    assert.match(page.body, message);
    assert.equal(page.headers['cache-control'], 'no-store');
    // Shown, and cleared as it is shown.
    const cleared = page.cookies.find((c) => c.name === 'flash');
    assert.ok(cleared && cleared.value === '', 'the page clears the message cookie');
    const reload = await site.app.inject({
      url: String(res.headers.location),
      headers: { cookie: who.cookie },
    });
    assert.equal(reload.statusCode, 200);
    assert.doesNotMatch(reload.body, /notice flash/);
    return page;
  }

  test('licensing: approving an application and recording its payment', async () => {
    const applied = await post(reader, '/licensing/apply', {
      name: 'Harbour Law',
      kind: 'law-firm',
      tier: 'small',
      contact_email: 'accounts@harbour.test',
    });
    await shownOnce(applied, reader, 'ok', /Your application is with our editors/);
    const orgId = Number(/\/org\/(\d+)/.exec(String(applied.headers.location))![1]);
    const lic = await site.db.kysely
      .selectFrom('licences')
      .select(['id', 'status'])
      .where('organisation_id', '=', orgId)
      .executeTakeFirstOrThrow();

    // A price that is not one: the queue again with the reason; nothing invoiced.
    refused(
      await post(editor, `/admin/licensing/${lic.id}/approve`, { price: 'a lot' }),
      /Enter the agreed price in dollars/,
    );
    const still = await site.db.kysely
      .selectFrom('licences')
      .select('status')
      .where('id', '=', lic.id)
      .executeTakeFirstOrThrow();
    assert.equal(still.status, 'applied');
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('invoices')
          .selectAll()
          .where('licence_id', '=', lic.id)
          .execute()
      ).length,
      0,
    );

    const approved = await post(editor, `/admin/licensing/${lic.id}/approve`, { price: '' });
    assert.equal(approved.headers.location, '/admin/licensing');
    await shownOnce(approved, editor, 'ok', /BS-\d{4}-\d{4,}/);
    const inv = await site.db.kysely
      .selectFrom('invoices')
      .selectAll()
      .where('licence_id', '=', lic.id)
      .executeTakeFirstOrThrow();
    assert.equal(inv.status, 'open');

    refused(
      await post(admin, `/admin/licensing/invoices/${inv.number}/paid`, {
        reference: 'x'.repeat(300),
      }),
      /Keep the payment reference under 200 characters/,
    );
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('invoices')
          .select('status')
          .where('id', '=', inv.id)
          .executeTakeFirstOrThrow()
      ).status,
      'open',
    );
    const paid = await post(admin, `/admin/licensing/invoices/${inv.number}/paid`, {
      reference: 'wire 42',
    });
    await shownOnce(paid, admin, 'ok', /Payment recorded/);
    // Posting the same form again (what a reload on the old POST address did) is refused, not repeated.
    const twice = await post(admin, `/admin/licensing/invoices/${inv.number}/paid`, {
      reference: 'wire 42',
    });
    assert.equal(twice.statusCode, 409);
    const after = await site.db.kysely
      .selectFrom('invoices')
      .select(['status', 'paid_at'])
      .where('id', '=', inv.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.status, 'paid');
    assert.ok(after.paid_at);
  });

  test('organisation: network ranges and domains', async () => {
    const applied = await post(reader, '/licensing/apply', {
      name: 'Range Ltd',
      kind: 'company',
      tier: 'small',
      contact_email: 'it@range.test',
    });
    const org = String(applied.headers.location).split('#')[0];
    const ranges = async () =>
      (
        await site.db.kysely
          .selectFrom('org_networks')
          .select('cidr')
          .where('organisation_id', '=', Number(org.split('/')[2]))
          .execute()
      ).map((r) => r.cidr);
    refused(
      await post(reader, `${org}/networks`, { cidr: 'the office' }),
      /network range|CIDR|not a/i,
    );
    assert.deepEqual(await ranges(), []);
    const added = await post(reader, `${org}/networks`, { cidr: '198.51.100.0/24', label: 'HQ' });
    await shownOnce(added, reader, 'ok', /198\.51\.100\.0\/24/);
    assert.deepEqual(await ranges(), ['198.51.100.0/24']);

    refused(await post(reader, `${org}/domains`, { domain: 'not a domain' }), /domain/i);
    const dom = await post(reader, `${org}/domains`, { domain: 'range.test' });
    await shownOnce(dom, reader, 'ok', /broadsheet-verification=/);
  });

  test('newsroom: sections and stories', async () => {
    const before = await count('sections');
    refused(await post(editor, '/admin/sections', { name: '  ' }), /Give the section a name/);
    assert.equal(await count('sections'), before);
    const added = await post(editor, '/admin/sections', { name: 'Harbours', description: '' });
    assert.equal(added.headers.location, '/admin/sections');
    await shownOnce(added, editor, 'ok', /Section “Harbours” added at \/sections\/harbours/);
    assert.equal(await count('sections'), before + 1);

    const stories = await count('stories');
    const section = await site.db.kysely
      .selectFrom('sections')
      .select('id')
      .where('slug', '=', 'harbours')
      .executeTakeFirstOrThrow();
    refused(
      await post(editor, '/admin/stories', {
        title: '',
        body: 'Text',
        section_id: String(section.id),
        status: 'draft',
      }),
      /Write a headline/,
    );
    assert.equal(await count('stories'), stories);
    const saved = await post(editor, '/admin/stories', {
      title: 'Harbour reopens',
      body: 'The harbour reopened.',
      section_id: String(section.id),
      status: 'draft',
    });
    assert.match(String(saved.headers.location), /^\/admin\/stories\/\d+\/edit$/);
    await shownOnce(saved, editor, 'ok', /Saved as a draft/);
    assert.equal(await count('stories'), stories + 1);
  });

  test('partner feeds: a feed whose first fetch fails is announced as such, in amber', async () => {
    const before = await count('partner_feeds');
    refused(
      await post(editor, '/admin/feeds', { name: 'Wire', url: 'ftp://wire.example/feed' }),
      /http:\/\/ or https:\/\/ address/,
    );
    assert.equal(await count('partner_feeds'), before);

    const broken = await post(editor, '/admin/feeds', {
      name: 'Broken Wire',
      url: `${feeds.url}/missing`,
    });
    const page = await shownOnce(
      broken,
      editor,
      'partial',
      /Broken Wire was added, but its first fetch failed \(/,
    );
    assert.doesNotMatch(page.body, /Feed added and polled/);
    assert.doesNotMatch(page.body, /class="notice flash ok"/);
    assert.equal(await count('partner_feeds'), before + 1);

    const good = await post(editor, '/admin/feeds', {
      name: 'Good Wire',
      url: `${feeds.url}/feed`,
    });
    await shownOnce(good, editor, 'ok', /Good Wire was added and fetched: 1 new headline\./);
  });

  test('ads: the ad form', async () => {
    const before = await count('ads');
    refused(
      await post(editor, '/admin/ads', { kind: 'text', headline: '', link_url: '/', weight: '1' }),
      /Give the ad a headline/,
    );
    assert.equal(await count('ads'), before);
    const saved = await post(editor, '/admin/ads', {
      kind: 'text',
      headline: 'Read the archive',
      link_url: '/cables',
      weight: '1',
    });
    await shownOnce(saved, editor, 'ok', /Ad “Read the archive” saved\./);
    assert.equal(await count('ads'), before + 1);
  });

  test('newsletter: the issue editor', async () => {
    const compose = await post(editor, '/newsletter/editor/compose');
    const issuePath = String(compose.headers.location);
    const id = Number(/\/issues\/(\d+)$/.exec(issuePath)![1]);
    const intro = async () =>
      (
        await site.db.kysely
          .selectFrom('newsletter_issues')
          .select('intro')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).intro;
    const was = await intro();
    refused(
      await post(editor, `${issuePath}/intro`, { intro: '   ' }),
      /The introduction must not be empty/,
    );
    assert.equal(await intro(), was);
    const saved = await post(editor, `${issuePath}/intro`, { intro: 'A week of harbours.' });
    assert.equal(saved.headers.location, issuePath);
    assert.doesNotMatch(String(saved.headers.location), /notice=/);
    await shownOnce(saved, editor, 'ok', /The introduction is saved\./);
    assert.equal(await intro(), 'A week of harbours.');
  });
});
