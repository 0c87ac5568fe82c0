/**
 * Claims count only when proven, through the web app on the engine under test: a newcomer cannot
 * take over visitors of a licensed organisation's network, a domain claim proves nothing until it
 * is verified (and never blocks the owner), network ranges wait for an editor, and an invitation
 * belongs to the address it was sent to unless the organisation deliberately made an open link.
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
  addDomain,
  addNetwork,
  createOrganisation,
  grantLicence,
  type LicensingDeps,
} from '../../src/licensing/service.ts';
import { licensingDeps } from '../../src/licensing/jobs.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { worldFor } from '../../src/licensing/world.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
type Who = { id: number; cookie: string };

const CSRF = 'k'.repeat(40);

describe(`claims count only when proven, on ${ENGINE}`, () => {
  let site: Site;
  let editor: Who;
  let reader: Who;
  let real: number;
  let realBoss: Who;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0' });
    editor = await member('editor@claims.test', 'editor');
    reader = await member('newcomer@gmail.com');
    realBoss = await member('boss@real.test');
    // The real organisation: approved, licensed, its /8 approved.
    real = await createOrganisation(
      deps(),
      { name: 'Real Ministry', kind: 'government', tierId: 'small', contactEmail: 'it@real.test' },
      null,
    );
    await site.db.kysely
      .insertInto('organisation_members')
      .values({
        organisation_id: real,
        member_id: realBoss.id,
        role: 'admin',
        created_at: new Date().toISOString(),
      })
      .execute();
    await grantLicence(deps(), real, 'small');
    assert.ok((await addNetwork(deps(), real, '127.0.0.0/8')).ok);
    worldFor(site.db).clear();
  });
  after(async () => {
    licensingDns.resolveTxt = undefined;
    await site.cleanup();
  });

  function deps(over: Partial<LicensingDeps> = {}): LicensingDeps {
    return {
      ...licensingDeps({
        config: site.config,
        db: site.db,
        shared: sharedData(site.db),
        mailer: createMailer(site.config),
      }),
      ...over,
    };
  }
  async function member(
    email: string,
    role: 'reader' | 'editor' | 'admin' = 'reader',
    verified = true,
  ): Promise<Who> {
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
  const postRaw = (who: Who, url: string, form: Record<string, string> = {}) =>
    site.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: `${who.cookie}; bs_csrf=${CSRF}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ ...form, _csrf: CSRF }).toString(),
    });
  /** Posts a form as a browser does: a 303 (post/redirect/get) is followed to the page with its message. */
  const post = async (who: Who, url: string, form: Record<string, string> = {}) =>
    followFlash(site.app, await postRaw(who, url, form), who.cookie);
  const get = (who: Who | null, url: string, remoteAddress?: string) =>
    site.app.inject({ url, remoteAddress, headers: who ? { cookie: who.cookie } : {} });
  const access = async (who: Who | null, remoteAddress = '198.51.100.77') => {
    worldFor(site.db).clear();
    return (await get(who, '/api/access', remoteAddress)).json() as {
      status: string;
      organisation: { name: string } | null;
      coveredBy: string | null;
    };
  };
  const outbox = () => {
    const dir = join(site.config.dataDir, 'outbox');
    return existsSync(dir)
      ? readdirSync(dir)
          .sort()
          .map((f) => readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, ''))
      : [];
  };
  async function newcomerOrg(who: Who, name: string): Promise<number> {
    const r = await postRaw(who, '/licensing/apply', {
      name,
      kind: 'company',
      tier: 'small',
      contact_email: 'x@gmail.com',
    });
    assert.equal(r.statusCode, 303);
    return Number(r.headers.location!.split('?')[0].split('/')[2]);
  }

  test('a newcomer cannot take over the visitors of a licensed network', async () => {
    const n = await newcomerOrg(reader, 'Totally Real Ministry');
    const before = await access(null, '127.0.0.1');
    assert.deepEqual([before.status, before.organisation?.name], ['licensed', 'Real Ministry']);
    // Inside another organisation's approved range: refused with a reason.
    const inside = await post(reader, `/org/${n}/networks`, { cidr: '127.0.0.1/32' });
    assert.equal(inside.statusCode, 409);
    assert.match(
      inside.body,
      /127\.0\.0\.1\/32 overlaps 127\.0\.0\.0\/8, which is approved for another organisation/,
    );
    const same = await post(reader, `/org/${n}/networks`, { cidr: '127.0.0.0/8' });
    assert.equal(same.statusCode, 409);
    assert.match(same.body, /127\.0\.0\.0\/8 is registered to another organisation/);
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('org_networks')
          .select('id')
          .where('organisation_id', '=', n)
          .execute()
      ).length,
      0,
      'nothing was stored',
    );
    const after = await access(null, '127.0.0.1');
    assert.deepEqual([after.status, after.organisation?.name], ['licensed', 'Real Ministry']);
    // The strip on a page still names the real organisation, and the usage is counted to it.
    const story = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'slug'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    const page = await get(
      null,
      `/stories/cablegate/2009/11/${story.id}-${story.slug}`,
      '127.0.0.1',
    );
    assert.ok(
      page.body.includes('Licensed to Real Ministry'),
      'the strip names the real organisation',
    );
    assert.ok(!page.body.includes('Totally Real Ministry'), 'the newcomer is not named');
    await site.app.licensing.usage.flush();
    const counted = await site.db.kysely
      .selectFrom('usage_daily')
      .select('organisation_id')
      .where('organisation_id', '=', n)
      .execute();
    assert.equal(counted.length, 0);
  });

  test('a range counts only once an editor approves it, and only for an approved organisation', async () => {
    const applicant = await member('applicant@nets.test');
    const n = await newcomerOrg(applicant, 'Nets Ltd');
    const added = await post(applicant, `/org/${n}/networks`, {
      cidr: '198.18.5.0/24',
      label: 'HQ',
    });
    assert.equal(added.statusCode, 200);
    assert.match(added.body, /counts once our editors have approved it/);
    assert.match(
      added.body,
      /198\.18\.5\.0\/24<\/code> \(HQ\) — <span class="claim-state pending-approval">Pending approval/,
    );
    assert.equal(
      (await access(null, '198.18.5.9')).status,
      'personal',
      'a pending range names nobody',
    );

    // The editors' page lists it; readers do not see the page; approval is post/redirect/get.
    assert.equal((await get(reader, '/admin/licensing')).statusCode, 404);
    const queue = await get(editor, '/admin/licensing');
    assert.match(queue.body, /Network ranges waiting for approval \(1\)/);
    assert.match(
      queue.body,
      /198\.18\.5\.0\/24<\/code> \(HQ\) for <a href="\/org\/\d+">Nets Ltd<\/a>/,
    );
    const id = (
      await site.db.kysely
        .selectFrom('org_networks')
        .select('id')
        .where('organisation_id', '=', n)
        .executeTakeFirstOrThrow()
    ).id;
    const noToken = await site.app.inject({
      method: 'POST',
      url: `/admin/licensing/networks/${id}/approve`,
      headers: { cookie: editor.cookie },
    });
    assert.equal(noToken.statusCode, 403);
    assert.equal((await post(reader, `/admin/licensing/networks/${id}/approve`)).statusCode, 404);
    const approved = await postRaw(editor, `/admin/licensing/networks/${id}/approve`);
    assert.equal(approved.statusCode, 303);
    assert.equal(approved.headers.location, '/admin/licensing#networks');
    const queuePage = await followFlash(site.app, approved, editor.cookie);
    assert.match(queuePage.body, /Network ranges waiting for approval \(0\)/);
    assert.match(queuePage.body, /The range was approved/);
    assert.match((await get(applicant, `/org/${n}`)).body, /class="claim-state approved">Approved/);
    // Approved, but the organisation itself is only an application: still nobody is named.
    assert.equal((await access(null, '198.18.5.9')).status, 'personal');
    assert.match(
      (await get(applicant, `/org/${n}`)).body,
      /Our editors have not approved this organisation yet/,
    );
    await grantLicence(deps(), n, 'small');
    const now = await access(null, '198.18.5.9');
    assert.deepEqual(
      [now.status, now.organisation?.name, now.coveredBy],
      ['licensed', 'Nets Ltd', 'network'],
    );

    // A second pending range is refused by the editor and disappears.
    await post(applicant, `/org/${n}/networks`, { cidr: '198.18.6.0/24' });
    const id2 = (
      await site.db.kysely
        .selectFrom('org_networks')
        .select('id')
        .where('cidr', '=', '198.18.6.0/24')
        .executeTakeFirstOrThrow()
    ).id;
    const refused = await postRaw(editor, `/admin/licensing/networks/${id2}/refuse`);
    assert.equal(refused.statusCode, 303);
    assert.equal(
      (await site.db.kysely.selectFrom('org_networks').select('id').where('id', '=', id2).execute())
        .length,
      0,
    );
    assert.equal((await post(editor, `/admin/licensing/networks/${id2}/approve`)).statusCode, 404);
  });

  test('an editor cannot approve a range overlapping another organisation’s approved range', async () => {
    const other = await createOrganisation(
      deps(),
      { name: 'Overlap Co', kind: 'company', tierId: 'small', contactEmail: 'o@overlap.test' },
      null,
    );
    // Pending first, then the real owner's range is approved around it.
    await site.db.kysely
      .insertInto('org_networks')
      .values({
        organisation_id: other,
        cidr: '10.20.30.0/24',
        label: '',
        created_at: new Date().toISOString(),
        status: 'pending',
        decided_by: null,
        decided_at: null,
      })
      .execute();
    assert.ok((await addNetwork(deps(), real, '10.20.0.0/16')).ok);
    const id = (
      await site.db.kysely
        .selectFrom('org_networks')
        .select('id')
        .where('cidr', '=', '10.20.30.0/24')
        .executeTakeFirstOrThrow()
    ).id;
    const queue = await get(editor, '/admin/licensing');
    assert.match(
      queue.body,
      /Overlaps 10\.20\.0\.0\/16 \(Real Ministry\), approved for another organisation/,
    );
    const r = await post(editor, `/admin/licensing/networks/${id}/approve`);
    assert.equal(r.statusCode, 409);
    assert.match(r.body, /10\.20\.30\.0\/24 overlaps 10\.20\.0\.0\/16/);
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('org_networks')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).status,
      'pending',
    );
  });

  test('a domain claim proves nothing until verified, never blocks the owner, and lapses', async () => {
    const n = await newcomerOrg(reader, 'Domain Squatters');
    // The newcomer claims a mail provider and the real organisation's domain.
    const gmail = await post(reader, `/org/${n}/domains`, { domain: 'gmail.com' });
    assert.equal(gmail.statusCode, 200);
    assert.match(gmail.body, /Pending verification/);
    assert.equal(
      (await post(reader, `/org/${n}/domains`, { domain: 'real.test' })).statusCode,
      200,
    );
    const someone = await member('someone@gmail.com');
    assert.equal((await access(someone)).status, 'personal', 'an unverified claim names nobody');
    // A code mailed to the newcomer's own gmail address proves nothing about gmail.com.
    const gid = (
      await site.db.kysely
        .selectFrom('org_domains')
        .select('id')
        .where('organisation_id', '=', n)
        .where('domain', '=', 'gmail.com')
        .executeTakeFirstOrThrow()
    ).id;
    const pub = await post(reader, `/org/${n}/domains/${gid}/mail`, {
      address: 'newcomer@gmail.com',
    });
    assert.equal(pub.statusCode, 400);
    assert.match(pub.body, /Anyone can open an address at gmail\.com/);

    // The owner adds its domain all the same: no 409 from an unverified claim.
    const mine = await post(realBoss, `/org/${real}/domains`, { domain: 'real.test' });
    assert.equal(mine.statusCode, 200, 'the unverified claim does not block the owner');
    const row = await site.db.kysely
      .selectFrom('org_domains')
      .selectAll()
      .where('organisation_id', '=', real)
      .where('domain', '=', 'real.test')
      .executeTakeFirstOrThrow();
    licensingDns.resolveTxt = async (name) =>
      name === 'real.test' ? [[`broadsheet-verification=${row.token}`]] : [];
    const checked = await post(realBoss, `/org/${real}/domains/${row.id}/check`);
    assert.match(checked.body, /real\.test is verified/);
    licensingDns.resolveTxt = undefined;
    // Verified: the squatter's claim is gone, and a new one is refused.
    assert.equal(
      (
        await site.db.kysely
          .selectFrom('org_domains')
          .select('id')
          .where('organisation_id', '=', n)
          .where('domain', '=', 'real.test')
          .execute()
      ).length,
      0,
    );
    const again = await post(reader, `/org/${n}/domains`, { domain: 'real.test' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /real\.test is verified by another organisation/);
    const colleague = await member('clerk@real.test');
    assert.deepEqual(Object.values(await access(colleague)).slice(0, 1), ['licensed']);
    assert.equal(
      (await access(await member('temp@real.test', 'reader', false))).status,
      'personal',
      'an unconfirmed address is not covered',
    );

    // An unverified claim lapses after a week and can no longer be verified.
    const old = new Date(Date.now() - 8 * 86_400_000);
    const lapsed = await addDomain(deps({ now: () => old }), real, 'old-claim.test');
    assert.ok(lapsed.ok);
    const lid = (
      await site.db.kysely
        .selectFrom('org_domains')
        .select('id')
        .where('domain', '=', 'old-claim.test')
        .executeTakeFirstOrThrow()
    ).id;
    licensingDns.resolveTxt = async () => [
      [`broadsheet-verification=${lapsed.ok ? lapsed.token : ''}`],
    ];
    const late = await post(realBoss, `/org/${real}/domains/${lid}/check`);
    licensingDns.resolveTxt = undefined;
    assert.equal(late.statusCode, 410);
    assert.match(late.body, /expired before it was verified/);
    assert.match(
      late.body,
      /old-claim\.test<\/strong> — <span class="claim-state expired">Expired/,
    );
    // Adding it again starts a new week.
    assert.match(
      (await post(realBoss, `/org/${real}/domains`, { domain: 'old-claim.test' })).body,
      /old-claim\.test<\/strong> — <span class="claim-state pending-verification">Pending verification/,
    );
  });

  test('a domain is verified by a code mailed to an address at it', async () => {
    const r = await post(realBoss, `/org/${real}/domains`, { domain: 'mail-proof.test' });
    assert.equal(r.statusCode, 200);
    const id = (
      await site.db.kysely
        .selectFrom('org_domains')
        .select('id')
        .where('domain', '=', 'mail-proof.test')
        .executeTakeFirstOrThrow()
    ).id;
    const elsewhere = await post(realBoss, `/org/${real}/domains/${id}/mail`, {
      address: 'me@mail-proof.test.evil.test',
    });
    assert.equal(elsewhere.statusCode, 400);
    assert.match(elsewhere.body, /must be at mail-proof\.test itself/);
    assert.equal(
      (await post(realBoss, `/org/${real}/domains/${id}/code`, { code: '12345678' })).statusCode,
      400,
    );
    const sent = await post(realBoss, `/org/${real}/domains/${id}/mail`, {
      address: 'IT@Mail-Proof.test',
    });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /A code was mailed to it@mail-proof\.test/);
    const soon = await post(realBoss, `/org/${real}/domains/${id}/mail`, {
      address: 'it@mail-proof.test',
    });
    assert.equal(soon.statusCode, 429);
    assert.match(soon.body, /less than a minute ago/);
    assert.equal(outbox().filter((m) => m.includes('To: it@mail-proof.test')).length, 1);
    const mail = outbox().find((m) => m.includes('To: it@mail-proof.test'))!;
    const code = /The code is (\d{8})/.exec(mail)![1];
    const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0');
    const bad = await post(realBoss, `/org/${real}/domains/${id}/code`, { code: wrong });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /not the code we mailed/);
    // Five wrong codes use the code up: even the right one is refused until a new one is mailed.
    const other = await post(realBoss, `/org/${real}/domains`, { domain: 'guarded.test' });
    assert.equal(other.statusCode, 200);
    const gid = (
      await site.db.kysely
        .selectFrom('org_domains')
        .select('id')
        .where('domain', '=', 'guarded.test')
        .executeTakeFirstOrThrow()
    ).id;
    await post(realBoss, `/org/${real}/domains/${gid}/mail`, { address: 'it@guarded.test' });
    const gcode = /The code is (\d{8})/.exec(
      outbox().find((m) => m.includes('To: it@guarded.test'))!,
    )![1];
    const gwrong = String((Number(gcode) + 7) % 100_000_000).padStart(8, '0');
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await post(realBoss, `/org/${real}/domains/${gid}/code`, { code: gwrong })).statusCode,
        400,
      );
    const locked = await post(realBoss, `/org/${real}/domains/${gid}/code`, { code: gcode });
    assert.equal(locked.statusCode, 429);
    assert.match(locked.body, /Too many wrong codes/);
    const ok = await post(realBoss, `/org/${real}/domains/${id}/code`, { code });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /mail-proof\.test is verified by the code mailed to it@mail-proof\.test/);
    assert.match(ok.body, /class="claim-state verified">Verified/);
    assert.equal((await access(await member('analyst@mail-proof.test'))).status, 'licensed');
  });

  test('an invitation belongs to its address; an open link is a separate, deliberate action', async () => {
    const sent = await post(realBoss, `/org/${real}/invitations`, { email: 'new.hire@real.test' });
    assert.match(sent.body, /only new\.hire@real\.test can accept it/);
    const mail = outbox().find((m) => m.includes('new.hire@real.test'))!;
    const token = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail)![1];
    const thief = await member('thief@elsewhere.test');
    const stolen = await post(thief, `/invitations/${token}`);
    assert.equal(stolen.statusCode, 403);
    assert.match(stolen.body, /This invitation is for new\.hire@real\.test/);
    const unconfirmed = await member('new.hire@real.test', 'reader', false);
    const early = await post(unconfirmed, `/invitations/${token}`);
    assert.equal(early.statusCode, 403);
    assert.match(early.body, /Confirm your email address first/);
    assert.equal((await access(thief)).status, 'personal');
    await site.db.kysely
      .updateTable('members')
      .set({ email_verified_at: new Date().toISOString() })
      .where('id', '=', unconfirmed.id)
      .execute();
    const taken = await postRaw(unconfirmed, `/invitations/${token}`);
    assert.equal(taken.statusCode, 303);
    const seat = await access(unconfirmed);
    assert.deepEqual([seat.status, seat.coveredBy], ['licensed', 'seat']);

    // The open link: clearly labelled on the page, shown once, taken once.
    assert.match(
      (await get(realBoss, `/org/${real}`)).body,
      /Open link:<\/strong> anyone who has the link/,
    );
    const open = await post(realBoss, `/org/${real}/invitations/open`);
    assert.equal(open.statusCode, 200);
    const link = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(open.body)![1];
    assert.match((await get(realBoss, `/org/${real}`)).body, /Open link \(anyone holding it\)/);
    const stranger = await member('stranger@anywhere.test');
    const unconfirmedStranger = await member('drifter@anywhere.test', 'reader', false);
    assert.equal((await post(unconfirmedStranger, `/invitations/${link}`)).statusCode, 403);
    assert.equal((await postRaw(stranger, `/invitations/${link}`)).statusCode, 303);
    assert.equal((await post(thief, `/invitations/${link}`)).statusCode, 409);
    assert.equal((await access(stranger)).status, 'licensed');
  });

  test('invitations of an organisation without an active licence cannot be sent or taken', async () => {
    const boss = await member('boss@unpaid.test');
    const org = await createOrganisation(
      deps(),
      { name: 'Unpaid Co', kind: 'company', tierId: 'small', contactEmail: 'boss@unpaid.test' },
      boss.id,
    );
    const r = await post(boss, `/org/${org}/invitations`, { email: 'x@unpaid.test' });
    assert.equal(r.statusCode, 409);
    assert.match(r.body, /Seats can be given once the organisation’s licence is active/);
    assert.equal((await post(boss, `/org/${org}/invitations/open`)).statusCode, 409);
    // A seat in an organisation nobody approved names nobody.
    assert.equal((await access(boss)).status, 'personal');
  });
});
