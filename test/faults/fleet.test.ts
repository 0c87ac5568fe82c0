/**
 * A fleet: three server processes (`node src/main.ts`) started together on one empty PostgreSQL
 * schema, on different ports; the tests below use two of them.
 * What one writes the other serves; a session started on one works on the other; scheduled jobs
 * are enqueued once and queued jobs run once across both workers. PostgreSQL only.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testDatabase } from '../helpers.ts';
import { connect } from '../../src/platform/db.ts';
import { enqueue } from '../../src/platform/jobs.ts';
import { migrationsFor } from '../../src/features.ts';
import { MAIN, childEnv, freePort, startChild, waitForHttp, type Child } from './util.ts';

function cookieJar() {
  const jar = new Map<string, string>();
  return {
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    get: (k: string) => jar.get(k),
  };
}

describe('fleet on PostgreSQL', () => {
  test(
    'three processes started together serve one site: shared content, sessions and jobs',
    {
      skip: ENGINE !== 'postgres' && 'a fleet needs PostgreSQL (set DATABASE_URL)',
      timeout: 180_000,
    },
    async () => {
      const tdb = await testDatabase();
      const ports = [await freePort(), await freePort(), await freePort()];
      const children: Child[] = [];
      try {
        // All three start at the same moment on the empty schema: each migration is applied once
        // (the migrator's lock) and the demo content loaded once (its own lock), and all come up.
        for (const port of ports) {
          children.push(
            startChild(
              [MAIN],
              childEnv(tdb.config, { PORT: String(port), DEMO: '1', LOG_LEVEL: 'warn', JOBS: '1' }),
            ),
          );
        }
        await Promise.all(
          ports.map((port, i) =>
            Promise.race([
              waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000, children[i]),
              children[i].exited.then(({ code, signal }) => {
                throw new Error(`process ${i} ended (${code ?? signal}):\n${children[i].output()}`);
              }),
            ]),
          ),
        );
        for (const port of ports)
          assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
        const [a, b] = ports.map((p) => `http://127.0.0.1:${p}`);

        // Register and log in on A (a session starts there) ...
        const jar = cookieJar();
        const reg = await fetch(`${a}/register`);
        jar.take(reg);
        const email = `fleet-${Date.now()}@example.org`;
        const password = 'Quartz-lantern-meadow-7319';
        /**
         * Posts a form to A as a browser does from A's page (its Origin; a signed-in page's CSRF
         * token once there is one), keeping what it sets.
         */
        const postForm = async (path: string, fields: Record<string, string>) => {
          const token = jar.get('bs_csrf');
          const res = await fetch(`${a}${path}`, {
            method: 'POST',
            redirect: 'manual',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              cookie: jar.header(),
              origin: a,
            },
            body: new URLSearchParams({ ...fields, ...(token ? { _csrf: token } : {}) }).toString(),
          });
          jar.take(res);
          return res;
        };
        const post = await postForm('/register', {
          email,
          password,
          declared_use: 'work',
          work_organisation: 'Fleet Research Unit',
          terms: 'on',
        });
        assert.equal(post.status, 303, `registered on A: ${(await post.text()).slice(0, 300)}`);
        // Registration signs no one in: log in on A with the new password.
        const login = await postForm('/login', { email, password });
        assert.ok(
          jar.get('bs_session'),
          `logged in on A (${login.status}): ${(await login.text()).slice(0, 300)}`,
        );
        // ... and B knows the member, with what was written through A.
        const onB = await fetch(`${b}/account`, { headers: { cookie: jar.header() } });
        assert.equal(onB.status, 200);
        jar.take(onB);
        const html = await onB.text();
        assert.ok(html.includes(email), 'the session started on A works on B');
        assert.ok(html.includes('Fleet Research Unit'), 'what A stored, B serves');
        // Demo content was loaded once, not once per process.
        const db = await connect(tdb.config);
        try {
          const stories = await db.kysely
            .selectFrom('stories')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(Number(stories.n), 5, 'demo content loaded once');
          const recorded = await db.kysely
            .selectFrom('kysely_migration' as never)
            .select('name' as never)
            .execute();
          assert.equal(
            recorded.length,
            Object.keys(migrationsFor('postgres')).length,
            'every migration recorded once',
          );
          // Logging out on B ends the session on A too.
          const out = await fetch(`${b}/logout`, {
            method: 'POST',
            redirect: 'manual',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              cookie: jar.header(),
              origin: b,
            },
            body: new URLSearchParams({ _csrf: jar.get('bs_csrf')! }).toString(),
          });
          assert.ok(out.status < 400, `logout on B: ${out.status}`);
          const afterA = await fetch(`${a}/account`, {
            headers: { cookie: jar.header() },
            redirect: 'manual',
          });
          assert.notEqual(afterA.status, 200, 'logged out everywhere');

          // Schedules: each process ensures the next occurrence, and there is one job per occurrence.
          const scheduled = await db.kysely
            .selectFrom('jobs')
            .select(['kind', 'unique_key'])
            .where('unique_key', 'like', 'schedule:%')
            .where('status', '=', 'queued')
            .execute();
          assert.ok(scheduled.length > 0, 'schedules are enqueued');
          const perKind = new Map<string, number>();
          for (const j of scheduled) perKind.set(j.kind, (perKind.get(j.kind) ?? 0) + 1);
          for (const [kind, n] of perKind)
            assert.equal(n, 1, `${kind}: one queued occurrence across the processes`);

          // Queued jobs run once across both workers.
          const ids: number[] = [];
          for (let i = 0; i < 12; i++)
            ids.push(
              (await enqueue(db, 'licensing.daily', {}, { uniqueKey: `fleet-test-${i}` })).id,
            );
          const deadline = Date.now() + 60_000;
          let rows: { id: number; status: string; attempts: number; locked_by: string | null }[] =
            [];
          while (Date.now() < deadline) {
            rows = await db.kysely
              .selectFrom('jobs')
              .select(['id', 'status', 'attempts', 'locked_by'])
              .where('id', 'in', ids)
              .execute();
            if (rows.every((r) => r.status === 'done' || r.status === 'failed')) break;
            await new Promise((r) => setTimeout(r, 300));
          }
          assert.equal(rows.length, 12);
          for (const r of rows) {
            assert.equal(r.status, 'done', `job ${r.id}: ${r.status}`);
            assert.equal(r.attempts, 1, `job ${r.id} ran once`);
          }
        } finally {
          await db.close();
        }
      } finally {
        await Promise.all(children.map((c) => c.kill('SIGTERM')));
        await tdb.cleanup();
      }
    },
  );
});
