/**
 * Licensing end to end through the web app on the engine under test: the proxy rule through
 * /api/access, every access status, applications → invoices → payments, authorisation between
 * organisations, CSRF on every form, seat limits, DNS verification, renewal reminders exactly once,
 * 402 for crawlers and keys, TDMRep headers, usage and leads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { followFlash } from '../flash.ts';
import { ENGINE, testSite } from '../helpers.ts';
import { insertMember, insertSession } from '../../src/members/store.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';
import { licensingDns } from '../../src/licensing/routes.ts';
import {
  createOrganisation,
  grantLicence,
  addNetwork,
  addDomain,
  type LicensingDeps,
} from '../../src/licensing/service.ts';
import { licensingDeps, licensingJobHandlers, DAILY_JOB } from '../../src/licensing/jobs.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { enqueue, startWorker } from '../../src/platform/jobs.ts';
import { worldFor } from '../../src/licensing/world.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

async function member(
  site: Site,
  email: string,
  role: 'reader' | 'editor' | 'admin' = 'reader',
  verified = true,
): Promise<{ id: number; cookie: string }> {
  const now = new Date().toISOString();
  const id = await insertMember(site.db.kysely, {
    email,
    passwordHash: null,
    role,
    declaredUse: null,
    workOrganisation: null,
    emailVerifiedAt: verified ? now : null,
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
  return { id, cookie: `bs_session=${token}` };
}

const CSRF = 'c'.repeat(40);
const withCsrf = (cookie: string) => `${cookie}; bs_csrf=${CSRF}`;

function outbox(site: Site): string[] {
  const dir = join(site.config.dataDir, 'outbox');
  return existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'))
    : [];
}

function deps(site: Site): LicensingDeps {
  return {
    ...licensingDeps({
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer: createMailer(site.config),
    }),
  };
}

describe(`licensing on ${ENGINE}`, () => {
  let site: Site;
  let proxied: Site;
  let editor: { id: number; cookie: string };
  let admin: { id: number; cookie: string };
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0' });
    proxied = await testSite({ DEMO: '0', JOBS: '0', TRUST_PROXY: '10.0.0.1/32' });
    editor = await member(site, 'editor@broadsheet.test', 'editor');
    admin = await member(site, 'admin@broadsheet.test', 'admin');
  });
  after(async () => {
    await site.cleanup();
    await proxied.cleanup();
  });

  const postRaw = (cookie: string, url: string, form: Record<string, string> = {}, csrf = true) =>
    site.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: csrf ? withCsrf(cookie) : cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(csrf ? { ...form, _csrf: CSRF } : form).toString(),
    });
  /** Posts a form as a browser does: a 303 (post/redirect/get) is followed to the page with its message. */
  const post = async (
    cookie: string,
    url: string,
    form: Record<string, string> = {},
    csrf = true,
  ) => followFlash(site.app, await postRaw(cookie, url, form, csrf), cookie);
  const get = (cookie: string, url: string) => site.app.inject({ url, headers: { cookie } });

  test('the proxy rule: X-Forwarded-For counts only from a trusted proxy', async () => {
    const d = deps(proxied);
    const org = await createOrganisation(
      d,
      { name: 'Proxy Office', kind: 'company', tierId: 'small', contactEmail: 'it@proxy.test' },
      null,
    );
    await addNetwork(d, org, '203.0.113.0/24');
    await grantLicence(d, org, 'small');
    worldFor(proxied.db).clear();
    const ask = async (remoteAddress: string, xff?: string) => {
      const r = await proxied.app.inject({
        url: '/api/access',
        remoteAddress,
        headers: xff ? { 'x-forwarded-for': xff } : {},
      });
      assert.equal(r.statusCode, 200);
      return r.json() as {
        status: string;
        clientIp: string;
        organisation: { name: string } | null;
      };
    };
    const viaProxy = await ask('10.0.0.1', '198.18.0.1, 203.0.113.7');
    assert.equal(viaProxy.clientIp, '203.0.113.7');
    assert.equal(viaProxy.status, 'licensed');
    assert.equal(viaProxy.organisation?.name, 'Proxy Office');
    const spoofed = await ask('10.0.0.2', '203.0.113.7');
    assert.equal(spoofed.clientIp, '10.0.0.2');
    assert.equal(spoofed.status, 'personal');
    // The site without TRUST_PROXY ignores the header entirely.
    const d2 = deps(site);
    const org2 = await createOrganisation(
      d2,
      { name: 'Direct Office', kind: 'company', tierId: 'small', contactEmail: 'it@direct.test' },
      null,
    );
    await addNetwork(d2, org2, '203.0.113.0/24');
    await grantLicence(d2, org2, 'small');
    worldFor(site.db).clear();
    const untrusted = (
      await site.app.inject({
        url: '/api/access',
        remoteAddress: '10.0.0.1',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      })
    ).json();
    assert.equal(untrusted.clientIp, '10.0.0.1');
    assert.equal(untrusted.status, 'personal');
    const direct = (
      await site.app.inject({ url: '/api/access', remoteAddress: '203.0.113.9' })
    ).json();
    assert.equal(direct.status, 'licensed');
    assert.equal(direct.coveredBy, 'network');
  });

  test('application → approval → invoice → payment → active licence, with every status on the way', async () => {
    const m = await member(site, 'head@acme.test');
    const form = await get(m.cookie, '/licensing/apply');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Apply for a licence/);
    const bad = await post(m.cookie, '/licensing/apply', {
      name: '',
      kind: 'company',
      tier: 'small',
      contact_email: 'x',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter the organisation’s name/);
    const r = await postRaw(m.cookie, '/licensing/apply', {
      name: 'Acme Law',
      kind: 'law-firm',
      tier: 'small',
      contact_email: 'accounts@acme.test',
    });
    assert.equal(r.statusCode, 303);
    const orgPath = r.headers.location!.split('?')[0];
    const orgId = Number(orgPath.split('/')[2]);
    const applied = await followFlash(site.app, r, m.cookie);
    assert.match(applied.body, /Application or invoice pending/);
    assert.match(applied.body, /Your application is with our editors/);

    // Tax set by an admin (an editor may not), then the editor approves.
    assert.equal(
      (await post(editor.cookie, '/admin/licensing/settings', { tax_rate: '15' })).statusCode,
      403,
    );
    assert.equal(
      (await post(admin.cookie, '/admin/licensing/settings', { tax_rate: 'lots' })).statusCode,
      400,
    );
    assert.match(
      (await post(admin.cookie, '/admin/licensing/settings', { tax_rate: '15' })).body,
      /15 %/,
    );
    assert.equal((await get(m.cookie, '/admin/licensing')).statusCode, 404);
    const queue = await get(editor.cookie, '/admin/licensing');
    assert.match(queue.body, /Acme Law/);
    const lic = await site.db.kysely
      .selectFrom('licences')
      .select('id')
      .where('organisation_id', '=', orgId)
      .executeTakeFirstOrThrow();
    // Numbers are gap-free per year: this invoice takes the one after those other tests issued.
    const year = new Date().getUTCFullYear();
    const issued = await site.db.kysely
      .selectFrom('invoices')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('year', '=', year)
      .executeTakeFirstOrThrow();
    const numbered = (k: number) => `BS-${year}-${String(Number(issued.n) + k).padStart(4, '0')}`;
    const approved = await post(editor.cookie, `/admin/licensing/${lic.id}/approve`);
    assert.equal(approved.statusCode, 200);
    assert.match(approved.body, new RegExp(`${numbered(1)} for \\$483\\.00`));
    assert.equal((await post(editor.cookie, `/admin/licensing/${lic.id}/approve`)).statusCode, 409);
    const inv = await site.db.kysely
      .selectFrom('invoices')
      .selectAll()
      .where('licence_id', '=', lic.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [inv.subtotal_cents, inv.tax_cents, inv.total_cents, inv.number],
      [42000, 6300, 48300, numbered(1)],
    );
    assert.equal(Date.parse(inv.due_at) - Date.parse(inv.issued_at), 30 * 86_400_000);
    assert.ok(
      outbox(site).some(
        (mail) => mail.includes(numbered(1)) && mail.includes('accounts@acme.test'),
      ),
    );

    const html = await get(m.cookie, `/licensing/invoices/${inv.number}`);
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /\$420\.00/);
    assert.match(html.body, /\$63\.00/);
    assert.match(html.body, /\$483\.00/);
    const pdf = await get(m.cookie, `/licensing/invoices/${inv.number}.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');

    // Unpaid: a member of the organisation reading from work is work-unlicensed... once a domain is verified.
    const dom = await post(m.cookie, `${orgPath}/domains`, { domain: 'ACME.test' });
    assert.match(dom.body, /broadsheet-verification=/);
    const domain = await site.db.kysely
      .selectFrom('org_domains')
      .selectAll()
      .where('domain', '=', 'acme.test')
      .executeTakeFirstOrThrow();
    licensingDns.resolveTxt = async () => [['v=spf1 -all'], ['broadsheet-verification=wrong']];
    const miss = await post(m.cookie, `${orgPath}/domains/${domain.id}/check`);
    assert.equal(miss.statusCode, 400);
    assert.match(miss.body, /No TXT record broadsheet-verification=/);
    licensingDns.resolveTxt = async (name) =>
      name === 'acme.test' ? [['broadsheet-verif', `ication=${domain.token}`]] : [];
    assert.match(
      (await post(m.cookie, `${orgPath}/domains/${domain.id}/check`)).body,
      /acme\.test is verified/,
    );
    licensingDns.resolveTxt = undefined;
    const colleague = await member(site, 'clerk@acme.test');
    const unpaid = (await get(colleague.cookie, '/api/access')).json();
    assert.equal(unpaid.status, 'work-unlicensed');
    assert.equal(unpaid.organisation.name, 'Acme Law');
    const unverified = await member(site, 'intern@acme.test', 'reader', false);
    assert.equal((await get(unverified.cookie, '/api/access')).json().status, 'personal');

    // Payment by an admin only.
    assert.equal(
      (await post(editor.cookie, `/admin/licensing/invoices/${inv.number}/paid`)).statusCode,
      403,
    );
    const paid = await post(admin.cookie, `/admin/licensing/invoices/${inv.number}/paid`, {
      reference: 'wire 123',
    });
    assert.match(paid.body, /Payment recorded/);
    const active = await site.db.kysely
      .selectFrom('licences')
      .selectAll()
      .where('id', '=', lic.id)
      .executeTakeFirstOrThrow();
    assert.equal(active.status, 'active');
    assert.equal(
      new Date(active.expires_at!).getUTCFullYear(),
      new Date(active.starts_at!).getUTCFullYear() + 1,
    );
    const now = (await get(colleague.cookie, '/api/access')).json();
    assert.deepEqual([now.status, now.coveredBy, now.adFree], ['licensed', 'domain', true]);
    assert.match((await get(m.cookie, orgPath)).body, /Active until/);

    // A story page names the organisation and shows no advertisement.
    const story = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'slug'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    const page = await get(
      colleague.cookie,
      `/stories/cablegate/2009/11/${story.id}-${story.slug}`,
    );
    assert.match(page.body, /Licensed to Acme Law/);
    assert.doesNotMatch(page.body, /ad-box/);
    assert.equal(page.headers['cache-control'], 'private, no-cache');

    // A second invoice takes the next number.
    const again = await postRaw(m.cookie, `/licensing/apply?organisation=${orgId}`, {
      name: 'Acme Law',
      kind: 'law-firm',
      tier: 'small',
      contact_email: 'accounts@acme.test',
    });
    assert.equal(again.statusCode, 303);
    const lic2 = await site.db.kysely
      .selectFrom('licences')
      .select('id')
      .where('organisation_id', '=', orgId)
      .where('status', '=', 'applied')
      .executeTakeFirstOrThrow();
    assert.match(
      (await post(editor.cookie, `/admin/licensing/${lic2.id}/approve`)).body,
      new RegExp(numbered(2)),
    );

    // API keys: created once shown, hashed at rest, 200 for a crawler with a key, 402 without, 429 past its rate.
    const created = await post(m.cookie, `${orgPath}/keys`, { name: 'Monitoring', rate: '3' });
    const key = /id="new-api-key">([^<]+)</.exec(created.body)?.[1];
    assert.ok(key, 'the new key is shown');
    const row = await site.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('organisation_id', '=', orgId)
      .executeTakeFirstOrThrow();
    assert.notEqual(row.key_hash, key);
    assert.ok(!(await get(m.cookie, orgPath)).body.includes(key!), 'the key is not shown again');
    const crawler = {
      'user-agent': 'Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)',
    };
    const refused = await site.app.inject({ url: '/api/access', headers: crawler });
    assert.equal(refused.statusCode, 402);
    assert.equal(refused.json().error, 'licence_required');
    assert.match(refused.json().licensing, /\/about\/licensing$/);
    assert.equal(
      (
        await site.app.inject({
          url: '/feeds/latest.xml',
          headers: { 'user-agent': 'Meltwater News Bot' },
        })
      ).statusCode,
      402,
    );
    const keyed = await site.app.inject({
      url: '/api/access',
      headers: { ...crawler, authorization: `Bearer ${key}` },
    });
    assert.equal(keyed.statusCode, 200);
    assert.equal(keyed.json().status, 'automated-licensed');
    await site.app.inject({ url: '/api/access', headers: { authorization: `Bearer ${key}` } });
    await site.app.inject({ url: '/api/access', headers: { authorization: `Bearer ${key}` } });
    const limited = await site.app.inject({
      url: '/api/access',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(limited.statusCode, 429);
    assert.equal(
      (
        await site.app.inject({
          url: '/api/access',
          headers: { authorization: 'Bearer bsk_not-a-key' },
        })
      ).statusCode,
      402,
    );
    await post(m.cookie, `${orgPath}/keys/${row.id}/revoke`);
    assert.equal(
      (await site.app.inject({ url: '/api/access', headers: { authorization: `Bearer ${key}` } }))
        .statusCode,
      402,
    );
    // A search-engine crawler is a personal reader, from its published ranges only.
    assert.equal(
      (
        await site.app.inject({
          url: '/api/access',
          remoteAddress: '66.249.66.1',
          headers: { 'user-agent': 'Googlebot/2.1' },
        })
      ).json().status,
      'personal',
    );
    assert.equal(
      (await site.app.inject({ url: '/api/access', headers: { 'user-agent': 'Googlebot/2.1' } }))
        .statusCode,
      402,
    );
  });

  test('an organisation admin sees and changes only their own organisation', async () => {
    const d = deps(site);
    const a = await member(site, 'boss@a.test');
    const b = await member(site, 'boss@b.test');
    const orgA = await createOrganisation(
      d,
      { name: 'Org A', kind: 'ngo', tierId: 'small', contactEmail: 'a@a.test' },
      a.id,
    );
    const orgB = await createOrganisation(
      d,
      { name: 'Org B', kind: 'ngo', tierId: 'small', contactEmail: 'b@b.test' },
      b.id,
    );
    await grantLicence(d, orgB, 'small');
    await addDomain(d, orgB, 'b.test');
    await addNetwork(d, orgB, '192.0.2.0/24');
    const ids = async (table: 'org_domains' | 'org_networks' | 'org_invitations' | 'api_keys') =>
      (
        await site.db.kysely
          .selectFrom(table)
          .select('id')
          .where('organisation_id', '=', orgB)
          .executeTakeFirst()
      )?.id ?? 1;
    await post(b.cookie, `/org/${orgB}/invitations`, { email: 'new@b.test' });
    await post(b.cookie, `/org/${orgB}/keys`, { name: 'k' });
    assert.equal((await get(a.cookie, `/org/${orgA}`)).statusCode, 200);
    assert.equal((await get(b.cookie, `/org/${orgB}`)).statusCode, 200);
    assert.equal((await get(a.cookie, `/org/${orgB}`)).statusCode, 404);
    assert.equal((await get(a.cookie, `/licensing/apply?organisation=${orgB}`)).statusCode, 404);
    const routes = [
      `/org/${orgB}/domains`,
      `/org/${orgB}/domains/${await ids('org_domains')}/check`,
      `/org/${orgB}/domains/${await ids('org_domains')}/remove`,
      `/org/${orgB}/domains/${await ids('org_domains')}/verify`,
      `/org/${orgB}/networks`,
      `/org/${orgB}/networks/${await ids('org_networks')}/remove`,
      `/org/${orgB}/invitations`,
      `/org/${orgB}/invitations/${await ids('org_invitations')}/cancel`,
      `/org/${orgB}/seats/${b.id}/remove`,
      `/org/${orgB}/keys`,
      `/org/${orgB}/keys/${await ids('api_keys')}/revoke`,
      `/licensing/apply?organisation=${orgB}`,
    ];
    for (const url of routes) {
      const r = await post(a.cookie, url, {
        domain: 'evil.test',
        cidr: '198.18.0.0/24',
        email: 'x@evil.test',
        name: 'x',
        tier: 'small',
        kind: 'ngo',
        contact_email: 'x@evil.test',
      });
      assert.equal(r.statusCode, 404, `${url} answers 404 to another organisation's admin`);
    }
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('org_domains')
          .select('id')
          .where('organisation_id', '=', orgB)
          .execute()
      ).length,
      1,
    );
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('org_networks')
          .select('id')
          .where('organisation_id', '=', orgB)
          .execute()
      ).length,
      1,
    );
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('organisation_members')
          .select('member_id')
          .where('organisation_id', '=', orgB)
          .execute()
      ).length,
      1,
    );
    // Site staff see every organisation; an editor cannot change one.
    assert.equal((await get(editor.cookie, `/org/${orgB}`)).statusCode, 200);
    assert.equal(
      (await post(editor.cookie, `/org/${orgB}/networks`, { cidr: '198.18.0.0/24' })).statusCode,
      404,
    );
    assert.equal((await get(admin.cookie, `/org/${orgB}`)).statusCode, 200);
    // Invoices of B are hidden from A too.
    const lic = await site.db.kysely
      .insertInto('licences')
      .values({
        organisation_id: orgB,
        tier_id: 'small',
        status: 'applied',
        applied_by: b.id,
        note: '',
        approved_by: null,
        approved_at: null,
        starts_at: null,
        expires_at: null,
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await post(editor.cookie, `/admin/licensing/${lic.id}/approve`);
    const inv = await site.db.kysely
      .selectFrom('invoices')
      .select('number')
      .where('licence_id', '=', lic.id)
      .executeTakeFirstOrThrow();
    assert.equal((await get(a.cookie, `/licensing/invoices/${inv.number}`)).statusCode, 404);
    assert.equal((await get(a.cookie, `/licensing/invoices/${inv.number}.pdf`)).statusCode, 404);
    assert.equal((await get(b.cookie, `/licensing/invoices/${inv.number}`)).statusCode, 200);
  });

  test('every licensing form refuses a request without its CSRF token', async () => {
    const m = await member(site, 'csrf@c.test');
    const org = await createOrganisation(
      deps(site),
      { name: 'Org C', kind: 'other', tierId: 'small', contactEmail: 'c@c.test' },
      m.id,
    );
    const forms = [
      '/licensing/apply',
      '/admin/licensing/1/approve',
      '/admin/licensing/1/reject',
      '/admin/licensing/invoices/BS-2026-0001/paid',
      '/admin/licensing/settings',
      '/admin/licensing/leads/1/invite',
      `/org/${org}/domains`,
      `/org/${org}/domains/1/check`,
      `/org/${org}/domains/1/remove`,
      `/org/${org}/domains/1/verify`,
      `/org/${org}/networks`,
      `/org/${org}/networks/1/remove`,
      `/org/${org}/invitations`,
      `/org/${org}/invitations/1/cancel`,
      `/org/${org}/seats/1/remove`,
      `/org/${org}/keys`,
      `/org/${org}/keys/1/revoke`,
      `/invitations/${'a'.repeat(43)}`,
      '/alerts',
      '/alerts/1/delete',
    ];
    for (const url of forms) {
      const r = await post(admin.cookie, url, { name: 'x' }, false);
      assert.equal(r.statusCode, 403, `${url} without a token`);
    }
  });

  test('invitations make seats up to the tier’s limit, with a clear message at the limit', async () => {
    const d = deps(site);
    const boss = await member(site, 'boss@seats.test');
    const org = await createOrganisation(
      d,
      { name: 'Seat Co', kind: 'company', tierId: 'team', contactEmail: 'boss@seats.test' },
      boss.id,
    );
    await grantLicence(d, org, 'team');
    await site.db.kysely
      .updateTable('licence_tiers')
      .set({ seat_limit: 2 })
      .where('id', '=', 'team')
      .execute();
    try {
      const sent = await post(boss.cookie, `/org/${org}/invitations`, {
        email: 'one@elsewhere.test',
      });
      assert.match(sent.body, /Invitation sent to one@elsewhere\.test/);
      const full = await post(boss.cookie, `/org/${org}/invitations`, {
        email: 'two@elsewhere.test',
      });
      assert.equal(full.statusCode, 409);
      assert.match(full.body, /All 2 seats of your licence \(20–99 staff\) are taken/);
      const mail = outbox(site).find((x) => x.includes('one@elsewhere.test'))!;
      const token = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail.replace(/=\r?\n/g, ''))![1];
      const one = await member(site, 'one@elsewhere.test');
      assert.match((await get(one.cookie, `/invitations/${token}`)).body, /Join Seat Co/);
      const accepted = await postRaw(one.cookie, `/invitations/${token}`);
      assert.equal(accepted.statusCode, 303);
      const access = (await get(one.cookie, '/api/access')).json();
      assert.deepEqual([access.status, access.coveredBy], ['licensed', 'seat']);
      assert.equal((await post(one.cookie, `/invitations/${token}`)).statusCode, 409);
    } finally {
      await site.db.kysely
        .updateTable('licence_tiers')
        .set({ seat_limit: 99 })
        .where('id', '=', 'team')
        .execute();
    }
  });

  test('networks are validated with clear messages', async () => {
    const boss = await member(site, 'boss@net.test');
    const org = await createOrganisation(
      deps(site),
      { name: 'Net Co', kind: 'company', tierId: 'small', contactEmail: 'boss@net.test' },
      boss.id,
    );
    const bad = await post(boss.cookie, `/org/${org}/networks`, { cidr: '10.0.0.0/33' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /10\.0\.0\.0\/33 is not a network range/);
    assert.match(
      (await post(boss.cookie, `/org/${org}/networks`, { cidr: '0.0.0.0/0' })).body,
      /too wide/,
    );
    assert.match(
      (await post(boss.cookie, `/org/${org}/networks`, { cidr: '2001:DB8:0::/48' })).body,
      /Added 2001:db8::\/48/,
    );
    assert.match(
      (await post(boss.cookie, `/org/${org}/networks`, { cidr: '192.0.2.0/24' })).body,
      /registered to another organisation/,
    );
  });

  test('renewal reminders go exactly once, and coverage ends at expiry', async () => {
    const d = deps(site);
    const boss = await member(site, 'boss@renew.test');
    const org = await createOrganisation(
      d,
      { name: 'Renew Co', kind: 'company', tierId: 'small', contactEmail: 'accounts@renew.test' },
      boss.id,
    );
    const lic = await grantLicence(d, org, 'small');
    const services = {
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer: createMailer(site.config),
    };
    let clock = new Date(Date.parse(lic.expires_at!) - 20 * 86_400_000);
    const worker = startWorker(services, licensingJobHandlers(services, { now: () => clock }), {
      poll: false,
    });
    const reminders = () =>
      outbox(site).filter((m) =>
        /Subject: Renew Co's Broadsheet licence (ends|has ended)/.test(m.replace(/\r?\n\s/g, ' ')),
      );
    try {
      await enqueue(site.db, DAILY_JOB, {});
      await enqueue(site.db, DAILY_JOB, {});
      await worker.drain();
      assert.equal(
        reminders().length,
        2,
        'the 30-day reminder went once to the contact and the admin',
      );
      clock = new Date(Date.parse(lic.expires_at!) - 5 * 86_400_000);
      await enqueue(site.db, DAILY_JOB, {});
      await enqueue(site.db, DAILY_JOB, {});
      await worker.drain();
      assert.equal(reminders().length, 4);
      assert.ok(reminders().some((m) => m.includes('ends in 7 days')));
      clock = new Date(Date.parse(lic.expires_at!) + 1000);
      await enqueue(site.db, DAILY_JOB, {});
      await worker.drain();
      await enqueue(site.db, DAILY_JOB, {});
      await worker.drain();
      assert.equal(reminders().length, 6);
      assert.equal(
        (
          await site.db.kysely
            .selectFrom('licences')
            .select('status')
            .where('id', '=', lic.id)
            .executeTakeFirstOrThrow()
        ).status,
        'expired',
      );
      worldFor(site.db).clear();
      assert.match((await get(boss.cookie, `/org/${org}`)).body, /Expired on/);
      assert.equal((await get(boss.cookie, '/api/access')).json().status, 'work-unlicensed');
    } finally {
      await worker.stop();
    }
  });

  test('TDMRep headers on every response and the tdmrep.json file', async () => {
    for (const url of ['/', '/no-such-page', '/api/access', '/assets/site.css']) {
      const r = await site.app.inject(url);
      assert.equal(r.headers['tdm-reservation'], '1', url);
      assert.equal(r.headers['tdm-policy'], `${site.config.baseUrl}/about/licensing`, url);
    }
    const f = await site.app.inject('/.well-known/tdmrep.json');
    assert.deepEqual(f.json(), [
      {
        location: '/*',
        'tdm-reservation': 1,
        'tdm-policy': `${site.config.baseUrl}/about/licensing`,
      },
    ]);
    const about = await site.app.inject('/about/licensing');
    assert.match(about.body, /\$2,940/);
    assert.match(about.body, /href="\/licensing\/apply"/);
  });

  test('usage is counted per organisation and unlicensed organisations appear as leads', async () => {
    const d = deps(site);
    const org = await createOrganisation(
      d,
      { name: 'Lead Agency', kind: 'pr-agency', tierId: 'small', contactEmail: 'hello@lead.test' },
      null,
    );
    await addNetwork(d, org, '198.51.100.0/24');
    worldFor(site.db).clear();
    const story = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'slug'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    for (let i = 0; i < 3; i++) {
      const r = await site.app.inject({
        url: `/stories/cablegate/2009/11/${story.id}-${story.slug}`,
        remoteAddress: '198.51.100.20',
      });
      assert.match(r.body, /Lead Agency has no Broadsheet licence/);
    }
    await site.app.licensing.usage.flush();
    const rows = await site.db.kysely
      .selectFrom('usage_daily')
      .selectAll()
      .where('organisation_id', '=', org)
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.covered, r.route, r.count]),
      [[0, 'network', 3]],
    );
    const leadsPage = await get(editor.cookie, '/admin/licensing/leads');
    assert.match(leadsPage.body, /Lead Agency/);
    const sent = await post(editor.cookie, `/admin/licensing/leads/${org}/invite`);
    assert.match(sent.body, /sent to hello@lead\.test/);
    assert.ok(
      outbox(site).some(
        (m) =>
          m.includes('hello@lead.test') &&
          /3 pages in the\s+last 30 days/.test(m.replace(/=\r?\n/g, '')),
      ),
    );
    const boss = await member(site, 'boss@lead.test', 'admin');
    assert.match((await get(boss.cookie, `/org/${org}`)).body, /<svg[^>]*role="img"[^>]*3 in all/);
  });

  test('saved searches are for covered readers and are stored normalised', async () => {
    const plain = await member(site, 'plain@nowhere.test');
    assert.equal(
      (await post(plain.cookie, '/alerts', { q: 'peru', frequency: 'daily' })).statusCode,
      403,
    );
    const d = deps(site);
    const m = await member(site, 'analyst@alerts.test');
    const org = await createOrganisation(
      d,
      { name: 'Alert Co', kind: 'ngo', tierId: 'small', contactEmail: 'a@alerts.test' },
      m.id,
    );
    await grantLicence(d, org, 'small');
    worldFor(site.db).clear();
    const r = await post(m.cookie, '/alerts', { q: 'Terrorism   Peru', frequency: 'weekly' });
    assert.equal(r.statusCode, 200);
    const saved = await site.db.kysely
      .selectFrom('saved_searches')
      .selectAll()
      .where('member_id', '=', m.id)
      .execute();
    assert.deepEqual(
      saved.map((s) => [s.query, s.frequency]),
      [['peru terrorism', 'weekly']],
    );
    assert.equal(
      (await post(m.cookie, '/alerts', { q: '"unclosed', frequency: 'daily' })).statusCode,
      400,
    );
  });
});
