/**
 * The archive at the front door and the staff tools: the main navigation links the cable archive,
 * the home page's archive box counts the cables and links browse pages that answer, Cablegate
 * stories and the search page link the archive; staff (and only staff) get an "Admin" link, and
 * the admin navigation shows each tool to exactly those the tool's route lets in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { signedIn } from '../stories/helpers.ts';
import { ADMIN_LINKS, adminLinksFor } from '../../src/web/admin-nav.tsx';
import { isCableHeading } from '../../src/cables/views.tsx';
import { can, type Actor } from '../../src/platform/policy.ts';
import { countCables } from '../../src/cables/store.ts';

let site: Awaited<ReturnType<typeof testSite>>;

before(async () => {
  site = await testSite({ DEMO: '1', JOBS: '0' });
});
after(() => site?.cleanup());

async function get(url: string, cookie?: string) {
  return site.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

test(`the main navigation links the cable archive (${ENGINE})`, async () => {
  const res = await get('/');
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<nav class="sections"[^]*?<a href="\/cables"[^>]*>\s*Cables\s*<\/a>/);
  const archive = await get('/cables/09LIMA1669');
  assert.match(archive.body, /<a href="\/cables" aria-current="page">/);
});

test(`the home page box counts the cables and links pages that answer (${ENGINE})`, async () => {
  const total = await countCables(site.db.kysely);
  assert.ok(total > 0, 'the demo content has cables');
  const res = await get('/');
  const box = /<section class="archive-box"[^]*?<\/section>/.exec(res.body)?.[0];
  assert.ok(box, 'the home page has the archive box');
  assert.match(box, new RegExp(`<strong>${total}</strong> diplomatic cable`));
  assert.match(box, /<form class="archive-search" method="get" action="\/search"/);
  assert.match(box, /<input type="hidden" name="kind" value="cable"\/>/);
  const links = [...box.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(
    links.some((l) => l.startsWith('/cables/origin/')),
    'an embassy link',
  );
  assert.ok(
    links.some((l) => /^\/cables\/month\/\d{4}-\d{2}$/.test(l)),
    'a month link',
  );
  for (const l of links) assert.equal((await get(l)).statusCode, 200, l);
  const search = await get('/search?kind=cable&q=peru');
  assert.equal(search.statusCode, 200);
  assert.match(search.body, /09LIMA1669/);
});

test(`a Cablegate story and the search page link the archive (${ENGINE})`, async () => {
  const story = await site.db.kysely
    .selectFrom('stories')
    .innerJoin('sections', 'sections.id', 'stories.section_id')
    .select([
      'stories.id',
      'stories.slug',
      'stories.published_at',
      'sections.slug as section_slug',
      'stories.cable_reference_id',
    ])
    .where('stories.cable_reference_id', 'is not', null)
    .executeTakeFirstOrThrow();
  const { storyPath } = await import('../../src/stories/store.ts');
  const res = await get(storyPath(story));
  assert.equal(res.statusCode, 200);
  assert.match(
    res.body,
    new RegExp(
      `<p class="archive-link"><a href="/cables/${story.cable_reference_id}">Read the original cable in the archive</a>`,
    ),
  );
  const search = await get('/search?q=peru');
  assert.match(search.body, /class="search-archive-link"[^]*?href="\/cables"/);
});

test(`staff get an Admin link in the header, readers and visitors do not (${ENGINE})`, async () => {
  const editor = await signedIn(site.db.kysely, 'desk@example.org', 'editor');
  const reader = await signedIn(site.db.kysely, 'someone@example.org', 'reader');
  const adminLink = /<a class="admin-link" href="\/admin"/;
  assert.match((await get('/', editor.cookie)).body, adminLink);
  assert.doesNotMatch((await get('/', reader.cookie)).body, adminLink);
  assert.doesNotMatch((await get('/')).body, adminLink);
  // Every staff page carries the same navigation, the newsletter editor and licensing included.
  for (const href of ['/admin', '/admin/licensing', '/newsletter/editor', '/admin/feeds']) {
    const page = await get(href, editor.cookie);
    assert.equal(page.statusCode, 200, href);
    const nav = /<nav class="admin-nav"[^]*?<\/nav>/.exec(page.body)?.[0] ?? '';
    for (const l of [
      '/admin/stories/new',
      '/admin/sections',
      '/admin/press-releases',
      '/admin/cables',
      '/admin/feeds',
      '/admin/ads',
      '/newsletter/editor',
      '/admin/licensing',
    ])
      assert.match(nav, new RegExp(`href="${l}"`), `${href} links ${l}`);
    assert.match(
      nav,
      new RegExp(`href="${href}" aria-current="page"`),
      `${href} is marked current`,
    );
  }
});

test(`each admin link names the policy of its route, and shows to exactly those it lets in (${ENGINE})`, async () => {
  for (const link of ADMIN_LINKS) {
    const route = site.app.routePolicies.find((r) => r.method === 'GET' && r.url === link.href);
    assert.ok(route, `a GET route answers ${link.href}`);
    assert.equal(link.policy, route.policy, `${link.href} is shown under the route's own policy`);
  }
  const members = (['reader', 'editor', 'admin'] as const).flatMap((role) =>
    [true, false].map((confirmed) => ({
      id: 1,
      email: 'x@example.org',
      role,
      confirmed,
      declaredUse: null,
      workOrganisation: null,
    })),
  );
  for (const m of [null, ...members]) {
    const actor: Actor = m
      ? { kind: 'member', id: 1, email: m.email, role: m.role, confirmed: m.confirmed }
      : { kind: 'anonymous' };
    const shown = adminLinksFor(m).map((l) => l.href);
    const allowed = ADMIN_LINKS.filter((l) => can(actor, l.policy)).map((l) => l.href);
    assert.deepEqual(shown, allowed);
  }
  assert.deepEqual(adminLinksFor(null), []);
  assert.equal(
    adminLinksFor(members.find((m) => m.role === 'editor' && !m.confirmed)!).length,
    0,
    'an unconfirmed editor holds no role',
  );
  const editorSees = adminLinksFor(members.find((m) => m.role === 'editor' && m.confirmed)!).map(
    (l) => l.href,
  );
  assert.equal(editorSees.includes('/admin/licensing'), true);
  assert.equal(
    editorSees.includes('/admin/users'),
    false,
    'the list of accounts is for administrators',
  );
  assert.equal(
    adminLinksFor(members.find((m) => m.role === 'admin' && m.confirmed)!).length,
    ADMIN_LINKS.length,
  );
});

test(`administrators find every account on /admin/users; editors are refused (${ENGINE})`, async () => {
  const admin = await signedIn(site.db.kysely, 'chief@example.org', 'admin');
  const editor = await signedIn(site.db.kysely, 'sub@example.org', 'editor');
  const page = await get('/admin/users', admin.cookie);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<h1>Users<\/h1>/);
  assert.match(page.body, /<a href="\/admin\/users" aria-current="page">Users<\/a>/);
  for (const email of ['chief@example.org', 'sub@example.org'])
    assert.match(page.body, new RegExp(`<td class="url">${email}</td>`));
  const found = await get('/admin/users?q=CHIEF', admin.cookie);
  assert.match(found.body, /chief@example\.org/);
  assert.doesNotMatch(found.body, /sub@example\.org/);
  assert.equal((await get('/admin/users', editor.cookie)).statusCode, 403);
  assert.doesNotMatch((await get('/admin', editor.cookie)).body, /href="\/admin\/users"/);
  assert.match((await get('/admin', admin.cookie)).body, /href="\/admin\/users"/);
});

test('a capitals line at the end of a cable paragraph is a heading; sentences and markings are not', () => {
  assert.equal(isCableHeading('PERU: A GOOD FRIEND IN THE REGION'), true);
  assert.equal(isCableHeading('SECURITY COOPERATION'), true);
  assert.equal(isCableHeading('END SUMMARY.'), false);
  assert.equal(isCableHeading('Peru: a good friend'), false);
  assert.equal(isCableHeading('(C)'), false);
  assert.equal(isCableHeading('A'), false);
  assert.equal(isCableHeading('LINE ONE\nLINE TWO'), false);
});

test(`the cable page shows such a heading between paragraph boxes (${ENGINE})`, async () => {
  const res = await get('/cables/09LIMA1669');
  assert.equal(res.statusCode, 200);
  const p1 = /<div id="p1"[^]*?<\/div><\/div>/.exec(res.body)?.[0] ?? '';
  assert.ok(p1, 'paragraph 1 is there');
  assert.doesNotMatch(p1, /GOOD FRIEND IN THE REGION/);
  assert.match(
    res.body,
    /<\/div><\/div><h2 class="cable-heading">PERU: A GOOD FRIEND IN THE REGION<\/h2><div id="p2"/,
  );
});
