/**
 * A site with one account per role (reader, editor, admin) and two organisations with their own
 * admins, each signed in through the real /login form. Shared by the security tests.
 */
import assert from 'node:assert/strict';
import { testSite } from '../helpers.ts';
import { createUser } from '../../src/members/service.ts';
import { createOrganisation } from '../../src/licensing/service.ts';
import { listTiers } from '../../src/licensing/store.ts';
import { createMailer } from '../../src/platform/mail.ts';

export type Who = 'anonymous' | 'reader' | 'orgA' | 'orgB' | 'editor' | 'admin';
export const PASSWORD = 'Quartz-lantern-meadow-7319';

export async function securityWorld() {
  const site = await testSite({ DEMO: '1' });
  const mailer = createMailer(site.config);
  const d = {
    db: site.db.kysely,
    mailer,
    siteName: site.config.siteName,
    baseUrl: site.config.baseUrl,
  };
  const ids: Record<string, number> = {};
  for (const [who, role] of [
    ['reader', 'reader'],
    ['orgA', 'reader'],
    ['orgB', 'reader'],
    ['editor', 'editor'],
    ['admin', 'admin'],
  ] as const) {
    const r = await createUser(d, {
      email: `${who.toLowerCase()}@example.org`,
      role,
      password: PASSWORD,
    });
    assert.ok(r.ok, JSON.stringify(r));
    ids[who] = r.memberId;
  }
  const tier = (await listTiers(site.db.kysely))[0];
  const ld = { ...d };
  const orgA = await createOrganisation(
    ld,
    { name: 'Organisation A', kind: 'company', tierId: tier.id, contactEmail: 'a@example.org' },
    ids.orgA,
  );
  const orgB = await createOrganisation(
    ld,
    { name: 'Organisation B', kind: 'company', tierId: tier.id, contactEmail: 'b@example.org' },
    ids.orgB,
  );
  await mailer.close?.();

  let ip = 10;
  /** A fresh client address per login, so the login rate limit never interferes. */
  const nextIp = () => `203.0.113.${ip++}`;

  /**
   * A double-submit token for a client: pages for readers without a session carry none, and the
   * server accepts any well-formed token whose cookie and field agree, so the client makes its own
   * (as a script posting without Origin would). `remoteAddress` is kept for the callers' symmetry.
   */
  let made = 0;
  async function csrf(_remoteAddress = nextIp()) {
    return `client-token-${String(++made).padStart(4, '0')}-${'x'.repeat(24)}`;
  }

  async function login(who: Exclude<Who, 'anonymous'>): Promise<string> {
    const remoteAddress = nextIp();
    const token = await csrf(remoteAddress);
    const res = await site.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `bs_csrf=${token}` },
      payload: new URLSearchParams({
        email: `${who.toLowerCase()}@example.org`,
        password: PASSWORD,
        _csrf: token,
      }).toString(),
    });
    const s = res.cookies.find((x) => x.name === 'bs_session');
    assert.ok(s && s.value, `${who} logged in (${res.statusCode})`);
    return `bs_session=${s.value}; bs_csrf=${token}`;
  }

  const cookies: Record<Who, string> = { anonymous: '' } as Record<Who, string>;
  for (const who of ['reader', 'orgA', 'orgB', 'editor', 'admin'] as const)
    cookies[who] = await login(who);
  return { site, ids, orgA, orgB, cookies, login, csrf, nextIp };
}

/** Every route of the app as [method, url pattern], read from printRoutes. */
export function listRoutes(app: {
  printRoutes(o: { commonPrefix: boolean }): string;
}): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line.replace(/\s+$/, ''));
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2];
    stack[depth] = path;
    for (const method of m[3].split(', ')) out.push([method, path.replace(/^\/\//, '/')]);
  }
  return out;
}

/** A concrete URL for a pattern: every parameter becomes 1 (ids) or a word. */
export function concrete(pattern: string): string {
  return pattern
    .replace(/:([A-Za-z]+)\|:([A-Za-z]+)/g, '1')
    .replace(/\.:kind/, '.xml')
    .replace(/:(id|n|number|did|nid|iid|mid|kid|year|month|yyyy|mm)\b/g, '1')
    .replace(/:[A-Za-z]+/g, 'x')
    .replace(/\*$/, 'x');
}
