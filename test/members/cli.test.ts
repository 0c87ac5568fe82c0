import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ENGINE, SAME_ORIGIN, testDatabase, type TestDb } from '../helpers.ts';
import { memberCommandsWith } from '../../src/members/cli.ts';
import { UsageError } from '../../src/platform/cli.ts';
import { boot, type Running } from '../../src/server.ts';
import { SESSION_COOKIE } from '../../src/members/session.ts';
import { commandContext } from '../../src/features.ts';

describe(`broadsheet users on ${ENGINE}`, () => {
  let tdb: TestDb;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    tdb = await testDatabase();
    env = {
      DATA_DIR: tdb.config.dataDir,
      DATABASE_URL: tdb.config.databaseUrl ?? '',
      LOG_LEVEL: 'silent',
      DEMO: '0',
      BASE_URL: 'https://news.example',
    };
  });
  after(() => tdb.cleanup());

  async function run(args: string[], stdin = '') {
    const out: string[] = [];
    const err: string[] = [];
    const cmds = memberCommandsWith(
      { stdin: Readable.from([stdin]), out: (l) => out.push(l), err: (l) => err.push(l) },
      env,
    );
    const name = `users ${args[0]}`;
    const code = await cmds.find((c) => c.name === name)!.run(args.slice(1), commandContext);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('users list on an empty site says how to create the first admin', async () => {
    const r = await run(['list']);
    assert.equal(r.code, 0);
    assert.match(r.out, /users add EMAIL --role admin/);
  });

  test('users add without a password prints a one-time login link that works once', async () => {
    const r = await run(['add', 'Chief@Example.org', '--role', 'admin']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Created chief@example.org with the role admin/);
    const link = /https:\/\/news\.example(\/login\/magic\/[\w-]{43})/.exec(r.out);
    assert.ok(link, r.out);

    let site: Running | undefined;
    try {
      site = await boot(tdb.config);
      const first = await site.app.inject(link[1]);
      assert.equal(first.statusCode, 303);
      const cookie = (first.cookies as { name: string; value: string }[]).find(
        (c) => c.name === SESSION_COOKIE,
      )!;
      const account = await site.app.inject({
        url: '/account',
        headers: { cookie: `${SESSION_COOKIE}=${cookie.value}` },
      });
      assert.equal(account.statusCode, 200);
      assert.match(account.body, /Administrator/);
      const second = await site.app.inject(link[1]);
      assert.equal(second.statusCode, 400);
      assert.match(second.body, /already been used/);
    } finally {
      await site?.close();
    }
  });

  test('users add --password-stdin applies the password rules and sets the password', async () => {
    const weak = await run(
      ['add', 'editor@example.org', '--role=editor', '--password-stdin'],
      'password123\n',
    );
    assert.equal(weak.code, 1);
    assert.match(weak.err, /most often tried/);
    const ok = await run(
      ['add', 'editor@example.org', '--role=editor', '--password-stdin'],
      'granite meadow whistle\n',
    );
    assert.equal(ok.code, 0, ok.err);
    assert.equal(ok.out, 'Created editor@example.org with the role editor.');

    let site: Running | undefined;
    try {
      site = await boot(tdb.config);
      // The login form, posted as a browser does from the site's page (no token without a session).
      const res = await site.app.inject({
        method: 'POST',
        url: '/login',
        payload: new URLSearchParams({
          email: 'editor@example.org',
          password: 'granite meadow whistle',
        }).toString(),
        headers: { ...SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.statusCode, 303);
    } finally {
      await site?.close();
    }
  });

  test('users add on an existing address changes its role; bad arguments are usage errors', async () => {
    const r = await run(
      ['add', 'editor@example.org', '--role', 'admin', '--password-stdin'],
      'granite meadow whistle',
    );
    assert.equal(r.code, 0);
    assert.match(r.out, /editor@example.org now has the role admin/);
    await assert.rejects(run(['add', 'x@example.org', '--role', 'owner']), UsageError);
    await assert.rejects(run(['add']), UsageError);
    const bad = await run(['add', 'not-an-address']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /does not look like an email address/);
  });

  test('users list shows every account', async () => {
    const r = await run(['list']);
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.match(lines[0], /^ID\s+EMAIL\s+ROLE\s+CONFIRMED\s+USE\s+CREATED$/);
    assert.equal(lines.length, 3);
    assert.match(r.out, /chief@example.org\s+admin\s+yes/);
    assert.match(r.out, /editor@example.org\s+admin\s+yes/);
  });
});
