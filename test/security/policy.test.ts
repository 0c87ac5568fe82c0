/**
 * Authorisation over the live route table: every route (every method, HEAD included) names its
 * policy, and every actor is tried against every route with a real session and a valid CSRF
 * token, so that a refusal is the policy's. What each actor may do is written below from the
 * product's rules (docs/security.md), not read from the policy module; refused state-changing
 * requests must leave the database as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { ENGINE, testSite } from '../helpers.ts';
import { listRoutes } from './world.ts';
import { createUser } from '../../src/members/service.ts';
import {
  acceptInvitation,
  createApiKey,
  createOrganisation,
  inviteMember,
} from '../../src/licensing/service.ts';
import { listTiers } from '../../src/licensing/store.ts';
import { worldFor } from '../../src/licensing/world.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { installPolicy } from '../../src/platform/policy.ts';

const PASSWORD = 'Quartz-lantern-meadow-7319';

const ACTORS = [
  'anonymous',
  'crawler',
  'apiKey',
  'unconfirmed',
  'unconfirmedEditor',
  'reader',
  'orgMember',
  'orgAdmin',
  'otherOrgAdmin',
  'editor',
  'admin',
] as const;
type ActorName = (typeof ACTORS)[number];

const SIGNED_IN: ActorName[] = [
  'unconfirmed',
  'unconfirmedEditor',
  'reader',
  'orgMember',
  'orgAdmin',
  'otherOrgAdmin',
  'editor',
  'admin',
];
const CONFIRMED: ActorName[] = [
  'reader',
  'orgMember',
  'orgAdmin',
  'otherOrgAdmin',
  'editor',
  'admin',
];
const STAFF: ActorName[] = ['editor', 'admin'];

/**
 * Who may do what. Organisation routes are tried on organisation A: `orgAdmin` administers it,
 * `orgMember` holds a seat in it, `otherOrgAdmin` administers organisation B.
 */
const ALLOWED: Record<string, readonly ActorName[]> = {
  public: ACTORS,
  // Automated use needs a licensed key: an AI crawler without one is refused (402).
  'api.read': ACTORS.filter((a) => a !== 'crawler'),
  'account.manage': SIGNED_IN,
  'press-release.submit': CONFIRMED,
  'licence.apply': CONFIRMED,
  'invitation.accept': CONFIRMED,
  'org.list': CONFIRMED,
  'alerts.manage': CONFIRMED,
  // Saving a search for alerts: members whose request an organisation's licence covers (a seat in A).
  'alerts.create': ['orgMember', 'orgAdmin'],
  'org.view': ['orgAdmin', 'editor', 'admin'],
  'org.manage': ['orgAdmin', 'admin'],
  'org.verify-domain': ['admin'],
  'newsroom.edit': STAFF,
  'press-release.review': STAFF,
  'cables.upload': STAFF,
  'ads.manage': STAFF,
  'feeds.manage': STAFF,
  'newsletter.edit': STAFF,
  'licensing.review': STAFF,
  'licensing.admin': ['admin'],
  'members.list': ['admin'],
};

/**
 * The routes anyone may use, reviewed one by one (HEAD follows GET). A route newly declared
 * `public` or `api.read` fails the test until it is added here: a forgotten check cannot hide
 * behind a wrong declaration.
 */
const OPEN_ROUTES: Record<'public' | 'api.read', ReadonlySet<string>> = {
  public: new Set([
    'GET /assets/:name',
    'GET /favicon.ico',
    'GET /healthz',
    'GET /terms',
    'GET /',
    'GET /sections/:slug',
    'GET /stories/:section/:yyyy/:mm/:idslug',
    'GET /stories/:id',
    'GET /about/licensing',
    'GET /.well-known/tdmrep.json',
    'GET /invitations/:token',
    'POST /newsletter/subscribe',
    'POST /newsletter/signup',
    'GET /newsletter',
    'GET /newsletter/issues/:n',
    'GET /newsletter/confirm/:token',
    'GET /newsletter/unsubscribe/:token',
    'POST /newsletter/unsubscribe/:token',
    'GET /newsletter/preferences/:token',
    'POST /newsletter/preferences/:token',
    'GET /search',
    'GET /register',
    'POST /register',
    'GET /login',
    'POST /login',
    'POST /logout',
    'GET /login/magic',
    'POST /login/magic',
    'GET /login/magic/:token',
    'GET /verify/:token',
    'GET /password/forgot',
    'POST /password/forgot',
    'GET /password/reset/:token',
    'POST /password/reset/:token',
    'GET /robots.txt',
    'GET /world',
    'GET /ads/:id/click',
    'GET /cables',
    'GET /cables/:id',
    'GET /cables/:id/raw',
    'GET /cables/origin/:slug',
    'GET /cables/year/:year',
    'GET /cables/month/:month',
    'GET /cables/classification/:slug',
    'GET /cables/tag/:tag',
    'GET /livez',
    'GET /readyz',
  ]),
  'api.read': new Set([
    'GET /api/access',
    'GET /api/search',
    'GET /feeds/home.:kind',
    'GET /feeds/sections/:file',
    'GET /feeds/cables/origins/:file',
    'GET /sitemap.xml',
    'GET /sitemaps/:file',
    'GET /sitemap-news.xml',
    'GET /api/cables/:id',
  ]),
};

/** What any member may do: a visitor who posts one of these forms is sent to log in, not refused. */
const SIGN_IN_FORMS = new Set([
  'account.manage',
  'licence.apply',
  'invitation.accept',
  'alerts.manage',
  'alerts.create',
  'press-release.submit',
]);

/** Policies whose refusal hides the thing itself: 404, not 403 (visitors asking for a page still go to log in). */
const HIDDEN = new Set([
  'org.view',
  'org.manage',
  'org.verify-domain',
  'licensing.review',
  'licensing.admin',
  'members.list',
]);

/** Columns that count views, impressions, clicks and use, written every few seconds in the background. */
const COUNTERS = /^(impressions|clicks|views|view_count|last_used_at|last_seen_at)$/;

/** Public routes whose link carries its own credential (a signature): made-up links get 403 from the route. */
const SIGNED_LINKS = new Set(['GET /ads/:id/click', 'HEAD /ads/:id/click']);

/** Every field a form of the site asks for, filled plausibly, so a request that got through would act. */
const PROBE = {
  name: 'Policy probe',
  title: 'Policy probe story',
  teaser: 'A probe.',
  body: 'Probe text long enough to be a story body.',
  section_id: '1',
  status: 'draft',
  url: 'http://127.0.0.1:9/policy-probe.xml',
  domain: 'policy-probe.example',
  cidr: '198.18.0.0/24',
  label: 'Probe',
  email: 'probe@example.org',
  q: 'peru',
  frequency: 'daily',
  kind: 'company',
  tier: 'small',
  contact_email: 'probe@example.org',
  organisation: 'Probe Ltd',
  contact: 'probe@example.org',
  headline: 'Probe ad',
  link_url: 'https://example.org/',
  weight: '1',
  reason: 'Probe',
  intro: 'Probe introduction.',
  item: '1',
  tax_rate: '12',
  reference: 'probe',
  rate: '60',
};

/** Tables a refused request could change: every table but counters written in the background. */
const VOLATILE =
  /^(sessions|page_views|views_daily|usage|search|cables|cable_|sqlite_|kysely_)|_fts/;

describe(`authorisation over the route table (${ENGINE})`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;
  let orgA = 0;
  let orgB = 0;
  let csrf = '';
  const headers = {} as Record<ActorName, Record<string, string>>;
  let ip = 0;
  /** A fresh client address for every request, so per-address rate limits never answer for the policy. */
  const nextIp = () => {
    ip++;
    return `100.${64 + ((ip >> 16) & 63)}.${(ip >> 8) & 255}.${ip & 255}`;
  };
  let tables: string[] = [];

  /** Each table's rows, hashed: `table:hash` lines, so a difference names the table. */
  async function fingerprint(): Promise<string[]> {
    const out: string[] = [];
    for (const t of tables) {
      const rows = await site.db.kysely
        .selectFrom(t as never)
        .selectAll()
        .execute();
      const lines = rows
        .map((r) => JSON.stringify(r, (k, v) => (COUNTERS.test(k) ? undefined : v)))
        .sort();
      out.push(
        `${t}:${lines.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`,
      );
    }
    return out;
  }
  const changed = (a: string[], b: string[]) =>
    a.filter((x, i) => x !== b[i]).map((x) => x.split(':')[0]);

  before(async () => {
    site = await testSite({ DEMO: '1' });
    const db = site.db.kysely;
    const mailer = createMailer(site.config);
    const d = {
      db,
      mailer,
      siteName: site.config.siteName,
      baseUrl: site.config.baseUrl,
      changed: () => worldFor(site.db).clear(),
    };
    const ids = {} as Record<ActorName, number>;
    for (const [who, role] of [
      ['unconfirmedEditor', 'editor'],
      ['reader', 'reader'],
      ['orgMember', 'reader'],
      ['orgAdmin', 'reader'],
      ['otherOrgAdmin', 'reader'],
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
    // An editor whose address is not confirmed (yet) holds no role.
    await db
      .updateTable('members')
      .set({ email_verified_at: null })
      .where('id', '=', ids.unconfirmedEditor)
      .execute();
    const tier = (await listTiers(db))[0];
    orgA = await createOrganisation(
      d,
      { name: 'Organisation A', kind: 'company', tierId: tier.id, contactEmail: 'a@example.org' },
      ids.orgAdmin,
    );
    orgB = await createOrganisation(
      d,
      { name: 'Organisation B', kind: 'company', tierId: tier.id, contactEmail: 'b@example.org' },
      ids.otherOrgAdmin,
    );
    const now = new Date();
    await db
      .insertInto('licences')
      .values({
        organisation_id: orgA,
        tier_id: tier.id,
        status: 'active',
        applied_by: ids.orgAdmin,
        note: '',
        approved_by: ids.admin,
        approved_at: now.toISOString(),
        starts_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 300 * 86_400_000).toISOString(),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .execute();
    // Organisation A is approved by staff (its licence is active), so its invitations count.
    await db
      .updateTable('organisations')
      .set({ approved_at: now.toISOString() })
      .where('id', '=', orgA)
      .execute();
    const inv = await inviteMember(d, orgA, null, 'orgmember@example.org');
    assert.ok(inv.ok, JSON.stringify(inv));
    const joined = await acceptInvitation(d, inv.link.split('/').pop()!, ids.orgMember);
    assert.ok(joined.ok, JSON.stringify(joined));
    const key = await createApiKey(d, orgA, ids.orgAdmin, 'Policy test', '10000');
    assert.ok(key.ok, JSON.stringify(key));
    await mailer.close?.();
    worldFor(site.db).clear();

    // Pages without a session carry no token; a client may keep its own double-submit token
    // (cookie and field agree), which every request below sends so that a refusal is the policy's.
    csrf = 'policy-client-token-' + 'p'.repeat(24);
    const form = (fields: Record<string, string>) =>
      new URLSearchParams({ ...fields, _csrf: csrf }).toString();
    const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' };
    const session = async (url: string, fields: Record<string, string>) => {
      const res = await site.app.inject({
        method: 'POST',
        url,
        remoteAddress: nextIp(),
        headers: {
          ...browser,
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `bs_csrf=${csrf}`,
        },
        payload: form(fields),
      });
      const s = res.cookies.find((c) => c.name === 'bs_session');
      assert.ok(s?.value, `${url} ${JSON.stringify(fields.email)}: ${res.statusCode}`);
      return { ...browser, cookie: `bs_session=${s.value}; bs_csrf=${csrf}`, 'x-csrf-token': csrf };
    };
    headers.anonymous = { ...browser, cookie: `bs_csrf=${csrf}`, 'x-csrf-token': csrf };
    headers.crawler = {
      'user-agent':
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
      cookie: `bs_csrf=${csrf}`,
      'x-csrf-token': csrf,
    };
    headers.apiKey = {
      'user-agent': 'probe-client/1.0',
      authorization: `Bearer ${key.ok ? key.key : ''}`,
      cookie: `bs_csrf=${csrf}`,
      'x-csrf-token': csrf,
    };
    // Registered through the form (which signs no one in), then signed in with the password: address not confirmed.
    const registered = await site.app.inject({
      method: 'POST',
      url: '/register',
      remoteAddress: nextIp(),
      headers: {
        ...browser,
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `bs_csrf=${csrf}`,
      },
      payload: form({ email: 'unconfirmed@example.org', password: PASSWORD }),
    });
    assert.equal(registered.statusCode, 303, registered.body);
    headers.unconfirmed = await session('/login', {
      email: 'unconfirmed@example.org',
      password: PASSWORD,
    });
    for (const who of [
      'unconfirmedEditor',
      'reader',
      'orgMember',
      'orgAdmin',
      'otherOrgAdmin',
      'editor',
      'admin',
    ] as const)
      headers[who] = await session('/login', {
        email: `${who.toLowerCase()}@example.org`,
        password: PASSWORD,
      });

    const all = await db.introspection.getTables();
    tables = all
      .map((t) => t.name)
      .filter((n) => !VOLATILE.test(n))
      .sort();
    assert.ok(tables.includes('sections') && tables.includes('org_domains'), tables.join(','));
    console.log(`tables compared after refused writes: ${tables.join(' ')}`);
  });
  after(async () => {
    await site?.cleanup();
  });

  test('the app refuses to start with a route that names no policy, or an unknown one', async () => {
    for (const config of [undefined, { policy: 'newsroom.everything' }]) {
      const app = Fastify();
      installPolicy(app);
      await assert.rejects(async () => {
        await app.register(async (p) => {
          p.get('/fine', { config: { policy: 'public' } }, async () => 'ok');
          p.post('/admin/forgotten', { config: config as never }, async () => 'ok');
        });
        await app.ready();
      }, /POST \/admin\/forgotten names no authorisation policy/);
      await app.close().catch(() => {});
    }
    const ok = Fastify();
    const registry = installPolicy(ok);
    ok.get('/fine', { config: { policy: 'public' } }, async () => 'ok');
    await ok.ready();
    assert.deepEqual(
      registry.map((r) => `${r.method} ${r.url} ${r.policy}`),
      ['GET /fine public', 'HEAD /fine public'],
    );
    await ok.close();
  });

  test('every route in the router names a policy the table knows', () => {
    const declared = new Map(site.app.routePolicies.map((r) => [`${r.method} ${r.url}`, r.policy]));
    // The router's own list (printRoutes) and the registry filled as routes were added agree.
    const routes = listRoutes(site.app);
    assert.ok(routes.length > 150, `found ${routes.length} routes`);
    assert.equal(
      declared.size,
      routes.length,
      'the registry and the router list the same number of routes',
    );
    for (const [method, url] of routes) {
      // printRoutes merges sibling parameters (`:a|:b`); those are found through the router below.
      if (!url.includes('|'))
        assert.ok(declared.has(`${method} ${url}`), `${method} ${url} has no policy`);
    }
    for (const { method, url, policy } of site.app.routePolicies) {
      assert.ok(site.app.hasRoute({ method: method as 'GET', url }), `${method} ${url} is routed`);
      if (policy === 'public' || policy === 'api.read') {
        const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
        assert.ok(
          OPEN_ROUTES[policy].has(key),
          `${key} is declared ${policy}: review it and add it to OPEN_ROUTES`,
        );
      }
      for (const [open, list] of Object.entries(OPEN_ROUTES))
        if (list.has(`${method} ${url}`))
          assert.equal(
            policy,
            open,
            `${method} ${url} is listed as ${open} but declares ${policy}`,
          );
      assert.ok(
        policy in ALLOWED,
        `${method} ${url} names ${policy}, which this test does not know: add who may do it to ALLOWED`,
      );
    }
    for (const m of ['GET', 'HEAD', 'POST'])
      assert.ok(
        routes.some(([x]) => x === m),
        `${m} routes are walked`,
      );
  });

  test('organisation B is another organisation: its administrator cannot see or manage A, nor A’s see B', async () => {
    const get = (who: ActorName, url: string) =>
      site.app.inject({ url, remoteAddress: nextIp(), headers: headers[who] });
    assert.equal((await get('otherOrgAdmin', `/org/${orgA}`)).statusCode, 404);
    assert.equal((await get('orgAdmin', `/org/${orgB}`)).statusCode, 404);
    assert.equal((await get('otherOrgAdmin', `/org/${orgB}`)).statusCode, 200);
    // Renewing needs the right to manage the organisation named.
    assert.equal((await get('orgAdmin', `/licensing/apply?organisation=${orgB}`)).statusCode, 404);
    assert.equal((await get('orgAdmin', `/licensing/apply?organisation=${orgA}`)).statusCode, 200);
    const before = await site.db.kysely
      .selectFrom('org_domains')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('organisation_id', '=', orgB)
      .executeTakeFirstOrThrow();
    const res = await site.app.inject({
      method: 'POST',
      url: `/org/${orgB}/domains`,
      remoteAddress: nextIp(),
      headers: { ...headers.orgAdmin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ domain: 'a-claims-b.example', _csrf: csrf }).toString(),
    });
    assert.equal(res.statusCode, 404);
    const after = await site.db.kysely
      .selectFrom('org_domains')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('organisation_id', '=', orgB)
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
    // An editor reads an organisation but does not manage it.
    assert.equal((await get('editor', `/org/${orgA}`)).statusCode, 200);
  });
  test('each actor against each route: allowed ones get through, refused ones are refused and change nothing', async () => {
    /** A URL for a route pattern: organisation routes on A, anything else a made-up id or token. */
    const urlOf = (pattern: string) =>
      pattern
        .replace(/^\/org\/:id/, `/org/${orgA}`)
        .replace(/\.:kind$/, '.xml')
        .replace(':number', 'BS-2000-9999')
        .replace(/:(id|n|did|nid|iid|mid|kid|year)\b/g, '999999')
        .replace(':month', '2009-11')
        .replace(/:[A-Za-z]+/g, 'x');
    // Logging out ends the session it is given: tried last.
    const routes = [...site.app.routePolicies].sort(
      (a, b) => Number(a.url === '/logout') - Number(b.url === '/logout'),
    );
    const failures: string[] = [];
    let refusedWrites = 0;
    for (const { method, url: pattern, policy } of routes) {
      const url = urlOf(pattern);
      const fixedUrl = !/:/.test(pattern.replace(/^\/org\/:id/, ''));
      const writes = !['GET', 'HEAD'].includes(method);
      // Refused actors first: the database is compared before and after all of them.
      const refused = ACTORS.filter((a) => !ALLOWED[policy].includes(a));
      const before = writes && refused.length ? await fingerprint() : [];
      for (const who of [...refused, ...ALLOWED[policy]]) {
        const allowed = ALLOWED[policy].includes(who);
        if (writes && allowed && who === ALLOWED[policy][0] && refused.length) {
          refusedWrites += refused.length;
          const diff = changed(before, await fingerprint());
          if (diff.length)
            failures.push(
              `a refused request changed the database (${diff.join(', ')}): ${method} ${url} (${policy}) as one of ${refused.join(', ')}`,
            );
        }
        const res = await site.app.inject({
          method: method as 'GET',
          url,
          remoteAddress: nextIp(),
          headers: writes
            ? { ...headers[who], 'content-type': 'application/x-www-form-urlencoded' }
            : headers[who],
          ...(writes ? { payload: new URLSearchParams({ ...PROBE, _csrf: csrf }).toString() } : {}),
        });
        const s = res.statusCode;
        const toLogin = s === 303 && String(res.headers.location).startsWith('/login?next=');
        const where = `${method} ${url} (${policy}) as ${who}: ${s}${toLogin ? ' → login' : ''}`;
        if (s === 403)
          assert.ok(
            !/did not come from this site|"csrf"/.test(res.body),
            `${where} was refused by the CSRF check, not the policy`,
          );
        if (allowed) {
          if (s === 403 && SIGNED_LINKS.has(`${method} ${pattern}`)) continue;
          if (s === 401 || s === 402 || s === 403 || toLogin)
            failures.push(`refused but allowed: ${where}`);
          // A page at a fixed address opens for whoever may see it.
          else if (
            fixedUrl &&
            (method === 'GET' || method === 'HEAD') &&
            s >= 400 &&
            !(policy === 'api.read' && s === 400)
          )
            failures.push(`allowed but failed: ${where}`);
          else if (s >= 500) failures.push(`server error: ${where}`);
          continue;
        }
        const signedIn = SIGNED_IN.includes(who);
        if (
          !signedIn &&
          policy !== 'api.read' &&
          (method === 'GET' || method === 'HEAD' || SIGN_IN_FORMS.has(policy))
        ) {
          if (!toLogin) failures.push(`not sent to log in: ${where}`);
        } else if (
          HIDDEN.has(policy) &&
          !((policy === 'licensing.admin' || policy === 'members.list') && STAFF.includes(who))
        ) {
          if (s !== 404) failures.push(`not hidden (404): ${where}`);
        } else if (policy === 'api.read') {
          if (s !== 402)
            failures.push(`automated use without a key not refused with 402: ${where}`);
        } else if (s !== 403) failures.push(`not refused (403): ${where}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.join('\n')}`);
    assert.ok(refusedWrites > 200, `${refusedWrites} refused state-changing requests were checked`);
  });
});
