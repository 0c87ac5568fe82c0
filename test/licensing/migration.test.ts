/**
 * Migration 0402 on a database that already holds claims, on the engine under test: organisations
 * staff approved (or created from the command line) keep their ranges in force, an applicant's
 * ranges wait for an editor, unverified domains get a week, ids carry on, and afterwards several
 * organisations may claim one domain while only one may have it verified.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Migration } from 'kysely';
import { ENGINE, testDatabase, type TestDb } from '../helpers.ts';
import { connect, type Db } from '../../src/platform/db.ts';
import { migrate, migrationsFor } from '../../src/features.ts';

const CLAIMS = '0402_licensing_claims_proven';

describe(`migration ${CLAIMS} on ${ENGINE}`, () => {
  let tdb: TestDb;
  let db: Db;
  before(async () => {
    tdb = await testDatabase();
    db = await connect(tdb.config);
  });
  after(async () => {
    await db.close();
    await tdb.cleanup();
  });

  test('claims made before it are kept, and count only where they were proven', async () => {
    const all = migrationsFor(db.engine);
    const before: Record<string, Migration> = Object.fromEntries(
      Object.entries(all).filter(([name]) => name !== CLAIMS),
    );
    const schema =
      db.engine === 'postgres'
        ? (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]?.s
        : undefined;
    const migrator = new Migrator({
      db: db.kysely,
      provider: { getMigrations: async () => before },
      allowUnorderedMigrations: true,
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    assert.equal(error, undefined);

    const k = db.kysely as unknown as import('kysely').Kysely<any>;
    const now = '2026-12-01T00:00:00.000Z';
    const member = async (email: string) =>
      Number(
        (
          await k
            .insertInto('members')
            .values({
              email,
              email_verified_at: now,
              password_hash: null,
              role: 'reader',
              declared_use: null,
              work_organisation: null,
              created_at: now,
              updated_at: now,
              last_login_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    const org = async (name: string) =>
      Number(
        (
          await k
            .insertInto('organisations')
            .values({
              name,
              kind: 'company',
              tier_id: 'small',
              contact_email: 'x@x.test',
              created_at: now,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    const cli = await org('From the command line');
    const paid = await org('Paid Co');
    const applicant = await org('Applicant Co');
    const boss = await member('boss@applicant.test');
    const payer = await member('boss@paid.test');
    await k
      .insertInto('organisation_members')
      .values([
        { organisation_id: applicant, member_id: boss, role: 'admin', created_at: now },
        { organisation_id: paid, member_id: payer, role: 'admin', created_at: now },
      ])
      .execute();
    const lic = (status: string, organisation_id: number) => ({
      organisation_id,
      tier_id: 'small',
      status,
      applied_by: null,
      note: '',
      approved_by: null,
      approved_at: null,
      starts_at: null,
      expires_at: null,
      created_at: now,
      updated_at: now,
    });
    await k
      .insertInto('licences')
      .values([lic('active', paid), lic('applied', applicant)])
      .execute();
    await k
      .insertInto('org_networks')
      .values([
        { organisation_id: cli, cidr: '10.0.0.0/8', label: 'cli', created_at: now },
        { organisation_id: paid, cidr: '192.0.2.0/24', label: 'paid', created_at: now },
        { organisation_id: applicant, cidr: '10.1.2.3/32', label: 'applicant', created_at: now },
      ])
      .execute();
    await k
      .insertInto('org_domains')
      .values([
        {
          organisation_id: paid,
          domain: 'paid.test',
          token: 't1',
          verified_at: now,
          verified_by: 'dns',
          created_at: now,
        },
        {
          organisation_id: applicant,
          domain: 'gmail.com',
          token: 't2',
          verified_at: null,
          verified_by: null,
          created_at: now,
        },
      ])
      .execute();

    await migrate(db);

    const orgs = await k
      .selectFrom('organisations')
      .select(['name', 'approved_at'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      orgs.map((o) => [o.name, o.approved_at !== null]),
      [
        ['From the command line', true],
        ['Paid Co', true],
        ['Applicant Co', false],
      ],
    );
    const nets = await k
      .selectFrom('org_networks')
      .select(['cidr', 'status'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      nets.map((n) => [n.cidr, n.status]),
      [
        ['10.0.0.0/8', 'approved'],
        ['192.0.2.0/24', 'approved'],
        ['10.1.2.3/32', 'pending'],
      ],
    );
    const doms = await k
      .selectFrom('org_domains')
      .select(['domain', 'expires_at', 'verified_at'])
      .orderBy('id')
      .execute();
    assert.equal(doms[0].expires_at, null);
    assert.ok(
      Date.parse(doms[1].expires_at) > Date.now() + 6 * 86_400_000,
      'an unverified claim gets a week from the upgrade',
    );

    // New rows take fresh ids after the copied ones.
    const next = Number(
      (
        await k
          .insertInto('org_networks')
          .values({
            organisation_id: paid,
            cidr: '198.51.100.0/24',
            label: '',
            created_at: now,
            status: 'pending',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    assert.equal(next, 4);
    // One domain, several unverified claims; only one verified owner.
    await k
      .insertInto('org_domains')
      .values({
        organisation_id: cli,
        domain: 'gmail.com',
        token: 't3',
        verified_at: null,
        verified_by: null,
        created_at: now,
        expires_at: now,
      })
      .execute();
    await assert.rejects(
      k
        .insertInto('org_domains')
        .values({
          organisation_id: cli,
          domain: 'paid.test',
          token: 't4',
          verified_at: now,
          verified_by: 'admin',
          created_at: now,
        })
        .execute(),
    );
    await assert.rejects(
      k
        .insertInto('org_networks')
        .values({
          organisation_id: cli,
          cidr: '192.0.2.0/24',
          label: '',
          created_at: now,
          status: 'approved',
        })
        .execute(),
    );
    await k
      .insertInto('org_networks')
      .values({
        organisation_id: cli,
        cidr: '192.0.2.0/24',
        label: '',
        created_at: now,
        status: 'pending',
      })
      .execute();
    const inv = await k.selectFrom('org_invitations').select('open').execute();
    assert.deepEqual(inv, []);
  });
});
