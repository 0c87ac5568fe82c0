/**
 * Identity before privilege, over HTTP: an unconfirmed account holds no role, no organisation's
 * coverage and no password that outlives confirmation; registration and password reset answer
 * alike for every address; mail to one address is limited; return addresses stay on the site.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ENGINE, TEST_PASSWORD_PARAMS, testSite } from '../helpers.ts';
import { memberCommandsWith } from '../../src/members/cli.ts';
import { SIGNUP_COOKIE } from '../../src/members/routes.ts';
import { MAIL_PER_ADDRESS } from '../../src/members/service.ts';
import { CONFIRMATIONS_PER_ADDRESS } from '../../src/newsletter/routes.ts';
import { hashPassword } from '../../src/members/passwords.ts';
import { insertMember } from '../../src/members/store.ts';
import { Jar } from './jar.ts';
import { linkIn, startSmtp, type TestSmtp } from './smtp.ts';
import { commandContext } from '../../src/features.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

const ATTACKER_PASSWORD = 'mallory pre-registered this';

describe(`identity before privilege on ${ENGINE}`, () => {
  let site: Site;
  let smtp: TestSmtp;
  let now = new Date('2026-12-05T09:00:00Z');
  const jar = () => new Jar(site.app);
  const mailsTo = (to: string) => smtp.messages.filter((m) => m.to === to).length;

  /** `broadsheet users add …` run by the operator against the site's database. */
  async function usersAdd(args: string[]): Promise<string> {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      DATA_DIR: site.config.dataDir,
      DATABASE_URL: site.config.databaseUrl ?? '',
      LOG_LEVEL: 'silent',
      DEMO: '0',
      BASE_URL: site.config.baseUrl,
    };
    const cmd = memberCommandsWith(
      { stdin: Readable.from(['']), out: (l) => out.push(l), err: (l) => err.push(l) },
      env,
    ).find((c) => c.name === 'users add')!;
    assert.equal(await cmd.run(args, commandContext), 0, err.join('\n'));
    return out.join('\n');
  }

  /** The attacker registers someone else's address with a password and logs in with it. */
  async function preRegister(email: string): Promise<Jar> {
    const attacker = jar();
    const mail = smtp.next(email);
    const r = await attacker.post('/register', { email, password: ATTACKER_PASSWORD });
    assert.equal(r.statusCode, 303);
    await mail; // the confirmation goes to the real owner, whom the attacker is not
    const login = await attacker.post('/login', { email, password: ATTACKER_PASSWORD });
    assert.equal(login.statusCode, 303, 'an unconfirmed account can log in with its password');
    assert.ok(attacker.session);
    return attacker;
  }

  before(async () => {
    smtp = await startSmtp();
    site = await testSite(
      { DEMO: '1', SMTP_URL: smtp.url, SITE_NAME: 'Broadsheet' },
      { clock: () => now, passwordParams: TEST_PASSWORD_PARAMS },
    );
  });
  after(async () => {
    await site.cleanup();
    await smtp.close();
  });

  test('a role given to a pre-registered address reaches only the person who receives its mail', async () => {
    const email = 'new.editor@example.org';
    const attacker = await preRegister(email);

    const out = await usersAdd([email, '--role', 'admin']);
    const link = /https?:\/\/\S+(\/login\/magic\/[\w-]{43})/.exec(out)![1];

    for (const path of ['/admin', '/admin/licensing']) {
      const res = await attacker.get(path);
      assert.notEqual(res.statusCode, 200, `${path} refused to the attacker's session`);
      assert.doesNotMatch(res.body, /Newsroom|Licence applications/);
    }
    assert.match(out, /never been confirmed, so it was reset/);
    assert.equal(
      (await attacker.get('/account')).statusCode,
      303,
      "the attacker's session has ended",
    );
    const row = await site.db.kysely
      .selectFrom('members')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    assert.equal(row.password_hash, null, "the attacker's password is gone");
    assert.equal(row.email_verified_at, null);
    assert.equal(
      (await jar().post('/login', { email, password: ATTACKER_PASSWORD })).statusCode,
      401,
    );

    // The real editor uses the link the operator passed on.
    const editor = jar();
    assert.equal((await editor.get(link)).statusCode, 303);
    assert.equal((await editor.get('/admin')).statusCode, 200);
    assert.equal((await editor.get('/admin/licensing')).statusCode, 200);
    assert.equal(
      (await jar().post('/login', { email, password: ATTACKER_PASSWORD })).statusCode,
      401,
    );
    assert.notEqual((await attacker.get('/admin')).statusCode, 200);
  });

  test('an unconfirmed account holds no role, whatever its row says', async () => {
    const email = 'unconfirmed.admin@example.org';
    const t = now.toISOString();
    await insertMember(site.db.kysely, {
      email,
      passwordHash: await hashPassword(ATTACKER_PASSWORD, TEST_PASSWORD_PARAMS),
      role: 'admin',
      declaredUse: null,
      workOrganisation: null,
      emailVerifiedAt: null,
      now: t,
    });
    const j = jar();
    assert.equal((await j.post('/login', { email, password: ATTACKER_PASSWORD })).statusCode, 303);
    assert.equal((await j.get('/admin')).statusCode, 403);
    assert.notEqual((await j.get('/admin/licensing')).statusCode, 200);
    assert.equal((await j.get('/newsletter/editor')).statusCode, 403);
  });

  test("a licensed organisation's domain covers only a confirmed address, and confirming ends the pre-registered session and password", async () => {
    const t = now.toISOString();
    const adminId = await insertMember(site.db.kysely, {
      email: 'head@orga.example',
      passwordHash: null,
      role: 'reader',
      declaredUse: null,
      workOrganisation: null,
      emailVerifiedAt: t,
      now: t,
    });
    const org = await site.db.kysely
      .insertInto('organisations')
      .values({
        name: 'Orga Research',
        kind: 'company',
        tier_id: 'small',
        contact_email: 'head@orga.example',
        approved_at: t,
        created_at: t,
        updated_at: t,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const orgId = Number(org.id);
    await site.db.kysely
      .insertInto('organisation_members')
      .values({ organisation_id: orgId, member_id: adminId, role: 'admin', created_at: t })
      .execute();
    await site.db.kysely
      .insertInto('licences')
      .values({
        organisation_id: orgId,
        tier_id: 'small',
        status: 'active',
        applied_by: adminId,
        note: '',
        approved_by: null,
        approved_at: t,
        starts_at: '2026-01-01T00:00:00.000Z',
        expires_at: '2099-01-01T00:00:00.000Z',
        created_at: t,
        updated_at: t,
      })
      .execute();
    await site.db.kysely
      .insertInto('org_domains')
      .values({
        organisation_id: orgId,
        domain: 'orga.example',
        token: 'x',
        verified_at: t,
        verified_by: 'admin',
        created_at: t,
      })
      .execute();
    site.app.licensing.world.clear();

    const email = 'dave@orga.example';
    const attacker = await preRegister(email);
    assert.equal(
      (await attacker.get('/api/access')).json().status,
      'personal',
      'an unconfirmed address is not covered',
    );

    // The real Dave signs in with a link by mail, which confirms the address.
    const dave = jar();
    const mail = smtp.next(email);
    assert.equal((await dave.post('/login/magic', { email })).statusCode, 200);
    const signedIn = await dave.get(new URL(linkIn(await mail, '/login/magic/')).pathname);
    assert.equal(signedIn.headers.location, '/account?done=magic-confirmed');
    assert.match(
      (await dave.get('/account?done=magic-confirmed')).body,
      /password set before it was confirmed has been removed/,
    );
    const access = (await dave.get('/api/access')).json();
    assert.deepEqual([access.status, access.coveredBy], ['licensed', 'domain']);

    assert.equal(
      (await attacker.get('/account')).statusCode,
      303,
      "the attacker's old session has ended",
    );
    assert.equal((await attacker.get('/api/access')).json().status, 'personal');
    assert.equal(
      (await jar().post('/login', { email, password: ATTACKER_PASSWORD })).statusCode,
      401,
      "the attacker's password no longer works",
    );
  });

  test('a seat held by an unconfirmed account does not cover it', async () => {
    const t = now.toISOString();
    const orgId = Number(
      (
        await site.db.kysely
          .selectFrom('organisations')
          .select('id')
          .where('name', '=', 'Orga Research')
          .executeTakeFirstOrThrow()
      ).id,
    );
    const email = 'seat.holder@elsewhere.example';
    const attacker = await preRegister(email);
    const member = await site.db.kysely
      .selectFrom('members')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    await site.db.kysely
      .insertInto('organisation_members')
      .values({ organisation_id: orgId, member_id: member.id, role: 'member', created_at: t })
      .execute();
    site.app.licensing.world.clear();
    assert.equal((await attacker.get('/api/access')).json().status, 'personal');
  });

  test('a confirmation link opened outside the registering browser removes the password chosen before it', async () => {
    const email = 'victim@example.org';
    const attacker = jar();
    const mail = smtp.next(email);
    await attacker.post('/register', { email, password: ATTACKER_PASSWORD });
    await attacker.post('/login', { email, password: ATTACKER_PASSWORD });
    assert.ok(attacker.session);
    const victim = jar();
    const res = await victim.get(new URL(linkIn(await mail, '/verify/')).pathname);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /victim@example\.org is confirmed/);
    assert.match(res.body, /has been removed/);
    assert.equal(
      victim.session,
      undefined,
      'following a confirmation link elsewhere does not log in',
    );
    assert.equal(
      (await attacker.get('/account')).statusCode,
      303,
      'every session of the account has ended',
    );
    assert.equal(
      (await jar().post('/login', { email, password: ATTACKER_PASSWORD })).statusCode,
      401,
    );
  });

  test('a role change ends the sessions opened before it', async () => {
    const email = 'promoted@example.org';
    await usersAdd([email, '--role', 'reader']);
    const r = await usersAdd([email, '--role', 'reader']);
    const link = /https?:\/\/\S+(\/login\/magic\/[\w-]{43})/.exec(r)![1];
    const member = jar();
    await member.get(link);
    assert.equal((await member.get('/account')).statusCode, 200);
    await usersAdd([email, '--role', 'editor']);
    assert.equal((await member.get('/account')).statusCode, 303);
  });

  test('registration answers the same for a new address and for one with an account', async () => {
    const known = 'known.reader@example.org';
    const fresh = 'fresh.reader@example.org';
    const first = smtp.next(known);
    await jar().post('/register', { email: known, password: 'quiet meadow lantern 7' });
    await first;
    const answers = [];
    for (const email of [fresh, known]) {
      const mail = smtp.next(email);
      const j = jar();
      const res = await j.post('/register', { email, password: 'another quiet meadow 8' });
      const page = await j.get(res.headers.location as string);
      answers.push({
        status: res.statusCode,
        location: res.headers.location,
        cookies: (res.cookies as { name: string; httpOnly?: boolean; maxAge?: number }[])
          .map((c) => `${c.name}:${c.httpOnly}:${c.maxAge}`)
          .sort(),
        session: j.session !== undefined,
        body: res.body.replaceAll(email, 'ADDRESS'),
        page: page.body
          .replace(/name="_csrf" value="[^"]*"/g, '')
          .replace(/<meta name="csrf-token" content="[^"]*"/g, ''),
        pageStatus: page.statusCode,
      });
      assert.ok(j.cookies.get(SIGNUP_COOKIE));
      await mail;
    }
    assert.deepEqual(answers[1], answers[0]);
    assert.doesNotMatch(answers[1].page, /already an account/);
  });

  test('a password reset answers the same whether or not the address has an account', async () => {
    const bodies = [];
    for (const email of ['known.reader@example.org', 'nobody.here@example.org']) {
      const res = await jar().post('/password/forgot', { email });
      bodies.push({
        status: res.statusCode,
        body: res.body.replaceAll(email, 'ADDRESS').replace(/name="_csrf" value="[^"]*"/g, ''),
      });
    }
    assert.deepEqual(bodies[1], bodies[0]);
  });

  test('login links and confirmations to one address are limited, whoever asks, with the same answer', async () => {
    const email = 'many.links@example.org';
    const answers = new Set<string>();
    for (let i = 0; i < MAIL_PER_ADDRESS.max + 2; i++) {
      const res = await jar().post('/login/magic', { email });
      assert.equal(res.statusCode, 200);
      answers.add(res.body.replace(/name="_csrf" value="[^"]*"/g, ''));
    }
    assert.equal(answers.size, 1, 'the answer does not tell when the limit is reached');
    assert.equal(mailsTo(email), MAIL_PER_ADDRESS.max);

    now = new Date(now.getTime() + MAIL_PER_ADDRESS.windowMs + 1000);
    const mail = smtp.next(email);
    await jar().post('/login/magic', { email });
    await mail;
    assert.equal(
      mailsTo(email),
      MAIL_PER_ADDRESS.max + 1,
      'an hour later the address gets mail again',
    );

    // Confirmations asked for from the account page count against the same address.
    const member = await preRegister('resender@example.org');
    for (let i = 0; i < MAIL_PER_ADDRESS.max + 2; i++) {
      member.ip = `10.8.0.${i + 1}`; // from ever new client addresses
      const res = await member.post('/verify/resend', {});
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /We have sent a new confirmation mail/);
    }
    assert.equal(mailsTo('resender@example.org'), MAIL_PER_ADDRESS.max);
  });

  test('newsletter confirmations to one address are limited, whoever asks', async () => {
    const email = 'dispatch.reader@example.org';
    for (let i = 0; i < CONFIRMATIONS_PER_ADDRESS.max + 3; i++) {
      const res = await jar().post('/newsletter/subscribe', { email });
      assert.equal(res.statusCode, 200);
    }
    assert.equal(mailsTo(email), CONFIRMATIONS_PER_ADDRESS.max);
    now = new Date(now.getTime() + CONFIRMATIONS_PER_ADDRESS.windowMs + 1000);
    const mail = smtp.next(email);
    await jar().post('/newsletter/subscribe', { email });
    await mail;
    assert.equal(mailsTo(email), CONFIRMATIONS_PER_ADDRESS.max + 1);
  });

  test('return addresses after logging in stay on this site', async () => {
    const email = 'known.reader@example.org';
    await site.db.kysely
      .updateTable('members')
      .set({ password_hash: await hashPassword('quiet meadow lantern 7', TEST_PASSWORD_PARAMS) })
      .where('email', '=', email)
      .execute();
    const hostile = [
      '/\t/evil.example/phish',
      '/\\evil.example',
      '//evil.example',
      '/..//evil.example',
      'https://evil.example/',
      '/\n/evil.example',
    ];
    for (const next of hostile) {
      const j = jar();
      const res = await j.post('/login', { email, password: 'quiet meadow lantern 7', next });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/account?done=login', JSON.stringify(next));
      const again = await j.get('/login?next=' + encodeURIComponent(next));
      assert.equal(again.statusCode, 303);
      assert.equal(again.headers.location, '/account', JSON.stringify(next));
    }
    const raw = await jar().get('/login?next=/%09/evil.example/phish');
    assert.doesNotMatch(raw.body, /value="\/\t/);
    const j = jar();
    await j.post('/login', { email, password: 'quiet meadow lantern 7' });
    const tab = await j.get('/login?next=/%09/evil.example/phish');
    assert.equal(tab.headers.location, '/account');
    assert.equal((await j.get('/login?next=/terms%3Fa%3D1')).headers.location, '/terms?a=1');
  });
});

describe(`password hashing cost on ${ENGINE}`, () => {
  let site: Site;
  before(async () => {
    site = await testSite({ DEMO: '0' });
  });
  after(() => site.cleanup());

  test('new hashes use scrypt N=2^17, r=8, p=1; an older, cheaper hash is replaced at the next login', async () => {
    const t = new Date().toISOString();
    const email = 'old.hash@example.org';
    const password = 'copper kettle orchard';
    await insertMember(site.db.kysely, {
      email,
      passwordHash: await hashPassword(password, { N: 2 ** 15, r: 8, p: 1 }),
      role: 'reader',
      declaredUse: null,
      workOrganisation: null,
      emailVerifiedAt: t,
      now: t,
    });
    const j = new Jar(site.app);
    assert.equal((await j.post('/login', { email, password })).statusCode, 303);
    const row = await site.db.kysely
      .selectFrom('members')
      .select('password_hash')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash!, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.equal(
      (await new Jar(site.app).post('/login', { email, password })).statusCode,
      303,
      'the new hash verifies',
    );
  });
});
