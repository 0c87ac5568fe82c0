/**
 * Test helpers: a Config for a throw-away database on the engine under test. With DATABASE_URL set
 * (as CI's second run does) every test database is its own PostgreSQL schema, dropped afterwards;
 * otherwise it is a SQLite file in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { loadConfig, type Config } from '../src/config.ts';
import { boot, type BootOptions, type Running } from '../src/server.ts';
import { connect, type Db } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { createMailer } from '../src/platform/mail.ts';

import { ENGINE } from './prerequisites.ts';
export { ENGINE, REPO_ROOT, SHARED_CABLES, requires, skipWithout } from './prerequisites.ts';

export interface TestDb {
  config: Config;
  cleanup(): Promise<void>;
}

/**
 * A Config pointing at a fresh, empty database on the engine under test. No job worker
 * (JOBS=0) unless the test asks for one with `JOBS: '1'`: tests run jobs themselves (drain()).
 */
export async function testDatabase(env: Record<string, string> = {}): Promise<TestDb> {
  const dataDir = mkdtempSync(join(tmpdir(), 'broadsheet-test-'));
  // Refusals (429) are sent at once unless a test asks for the hold (test/platform/refusals.test.ts).
  const base = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DEMO: '0',
    JOBS: '0',
    REFUSAL_DELAY_MS: '0',
    ...env,
  };
  if (ENGINE === 'sqlite') {
    const config = loadConfig({ ...base, DATABASE_URL: '' });
    return { config, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const pg = (await import('pg')).default;
  const url = process.env.DATABASE_URL!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const sep = url.includes('?') ? '&' : '?';
  const config = loadConfig({
    ...base,
    DATABASE_URL: `${url}${sep}options=-c%20search_path%3D${schema}`,
  });
  return {
    config,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the engine under test, connected and migrated (a suite's `before`). */
export async function migratedDatabase(
  env: Record<string, string> = {},
): Promise<{ tdb: TestDb; db: Db }> {
  const tdb = await testDatabase(env);
  const db = await connect(tdb.config);
  await migrate(db);
  return { tdb, db };
}

/** Closes what migratedDatabase() opened and removes the database (a suite's `after`). */
export async function dropDatabase(db: Db | undefined, tdb: TestDb | undefined): Promise<void> {
  await db?.close();
  await tdb?.cleanup();
}

/** Boots the whole site (migrations, optional demo content) on a fresh database. */
export async function testSite(
  env: Record<string, string> = { DEMO: '1' },
  options: BootOptions = {},
): Promise<Running & { cleanup(): Promise<void> }> {
  const tdb = await testDatabase(env);
  const running = await boot(tdb.config, options);
  return {
    ...running,
    async cleanup() {
      await running.close();
      await tdb.cleanup();
    },
  };
}

/**
 * What the members' and licensing services need of a test site (its database, a mailer to its
 * SMTP_URL, its name and address), for setting up accounts without going through the forms.
 */
export function serviceDeps(site: Pick<Running, 'db' | 'config'>) {
  return {
    db: site.db.kysely,
    mailer: createMailer(site.config),
    siteName: site.config.siteName,
    baseUrl: site.config.baseUrl,
  };
}

/**
 * Cheap password hashes for tests that do not test hashing (the site's own cost, scrypt N=2^17,
 * takes seconds on a busy test machine). Pass as `testSite(env, { passwordParams: TEST_PASSWORD_PARAMS })`.
 */
export const TEST_PASSWORD_PARAMS = { N: 2 ** 10, r: 8, p: 1 };

/** Starts a test site's HTTP server on a free local port; returns its base URL. */
export async function listenLocal(site: Pick<Running, 'app'>): Promise<string> {
  await site.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = site.app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

/**
 * Reads the CSRF cookie a page set (a signed-in member's page) and returns it with the cookie
 * header to send back. Throws when the page set none: a page for a reader without a session
 * carries no token (their forms are checked by origin, see `browserPost`).
 */
export function csrfFrom(res: { cookies: { name: string; value: string }[] }): {
  token: string;
  cookie: string;
} {
  const c = res.cookies.find((x) => x.name === 'bs_csrf');
  if (!c) throw new Error('no CSRF cookie was set');
  return { token: c.value, cookie: `bs_csrf=${c.value}` };
}

/**
 * A double-submit token a client keeps for itself (cookie and field agree), for posting forms of
 * pages that carry none (a reader without a session) from a client that sends no Origin.
 */
export function clientToken(): { token: string; cookie: string } {
  const token = 'client-' + 'q'.repeat(33);
  return { token, cookie: `bs_csrf=${token}` };
}

/**
 * The headers a browser sends with a form posted from one of the site's own pages, for app.inject
 * (whose requests are addressed to http://localhost:80).
 */
export const SAME_ORIGIN = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
