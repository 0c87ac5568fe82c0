/**
 * Pages kept for signed-in members (`fromMemberPageCache`, src/platform/http.ts): a member's story
 * and home pages are kept per member, page version and page context, with their CSRF token filled in
 * per request. The session is read on every request, so a signed-out, expired or revoked session
 * never gets a kept page, a changed role or another member is another page, a story edit shows at
 * once (its version is read first), other shown data when the site is told or SHARED_TTL_MS passes;
 * a kept page still counts its view and its ad.
 */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ENGINE, testSite } from '../helpers.ts';
import { SHARED_TTL_MS } from '../../src/platform/cache.ts';
import { firstCablegateStory, viewAndAdCounts } from './counts.ts';
import { form, FORM, signedIn } from '../stories/helpers.ts';
import { storiesChanged } from '../../src/stories/admin-auth.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`pages kept for signed-in members (${ENGINE})`, () => {
  let site: Site;
  let storyPath: string;
  let storyId: number;
  let clock = Date.now();
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0' });
    ({ storyPath, storyId } = await firstCablegateStory(site));
    // The clock stands still unless a test moves it: nothing here depends on how fast it runs.
    mock.method(Date, 'now', () => clock);
  });
  after(async () => {
    mock.restoreAll();
    await site.cleanup();
  });

  const get = (url: string, cookie: string, headers: Record<string, string> = {}) =>
    site.app.inject({ url, headers: { cookie, ...headers } });

  /** Edits the story's title in the database only, telling the site nothing. */
  const retitle = async (title: string) => {
    // An edit moves updated_at, as the newsroom's does.
    clock += 1000;
    await site.db.kysely
      .updateTable('stories')
      .set({ title, updated_at: new Date(clock).toISOString() })
      .where('id', '=', storyId)
      .execute();
  };

  test('a member’s story page is kept for them; an edit shows at once, other changes when told or on expiry', async () => {
    const m = await signedIn(site.db.kysely, 'kept-member@example.org', 'reader');
    const first = await get(storyPath, m.cookie);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-control'], 'private, no-cache');
    assert.match(first.body, /kept-member@example\.org/);

    // Other shown data changed without the site being told (as in another process): the kept page.
    const reword = (headline: string) =>
      site.db.kysely.updateTable('ads').set({ headline }).where('kind', '=', 'text').execute();
    await reword('Quietly reworded ad one');
    const kept = await get(storyPath, m.cookie);
    assert.equal(kept.body, first.body, 'answered from the kept page');
    assert.equal(kept.headers.etag, first.headers.etag);
    assert.equal(kept.headers['last-modified'], first.headers['last-modified']);
    assert.equal(
      (await get(storyPath, m.cookie, { 'if-none-match': String(first.headers.etag) })).statusCode,
      304,
    );
    // Told of it (an emptied shared cache), the site fills the page again.
    site.app.shared.ads.clear();
    assert.match((await get(storyPath, m.cookie)).body, /Quietly reworded ad one/);
    // Not told, it shows once the kept page expires.
    await reword('Quietly reworded ad two');
    assert.doesNotMatch((await get(storyPath, m.cookie)).body, /Quietly reworded ad two/);
    clock += SHARED_TTL_MS;
    assert.match((await get(storyPath, m.cookie)).body, /Quietly reworded ad two/);

    // An edit moves the story's version: it shows at once, told or not (as in another process).
    await retitle('Edited in another process');
    const edited = await get(storyPath, m.cookie);
    assert.match(edited.body, /Edited in another process/);
    assert.notEqual(edited.headers.etag, first.headers.etag);
    // Unpublished in another process: gone at once.
    await site.db.kysely
      .updateTable('stories')
      .set({ status: 'draft' })
      .where('id', '=', storyId)
      .execute();
    assert.equal((await get(storyPath, m.cookie)).statusCode, 404);
    await site.db.kysely
      .updateTable('stories')
      .set({ status: 'published' })
      .where('id', '=', storyId)
      .execute();
    assert.equal((await get(storyPath, m.cookie)).statusCode, 200);
  });

  test('each member gets their own page with their own token, in gzip too', async () => {
    const a = await signedIn(site.db.kysely, 'kept-a@example.org', 'reader');
    const b = await signedIn(site.db.kysely, 'kept-b@example.org', 'reader');
    for (let i = 0; i < 2; i++) {
      const pa = await get(storyPath, a.cookie);
      const pb = await get(storyPath, `bs_session=${b.token}; bs_csrf=${'d'.repeat(40)}`);
      assert.match(pa.body, /kept-a@example\.org/);
      assert.doesNotMatch(pa.body, /kept-b@example\.org/);
      assert.match(pb.body, /kept-b@example\.org/);
      assert.doesNotMatch(pb.body, /kept-a@example\.org/);
      assert.match(pa.body, new RegExp(`name="_csrf" value="${a.csrf}"`));
      assert.match(pb.body, new RegExp(`name="_csrf" value="${'d'.repeat(40)}"`));
      assert.doesNotMatch(pb.body, new RegExp(a.csrf));
      assert.notEqual(pa.headers.etag, pb.headers.etag);
    }
    // The same member in another browser (another CSRF cookie): that browser's token.
    const other = await get(storyPath, `bs_session=${a.token}; bs_csrf=${'e'.repeat(40)}`);
    assert.match(other.body, new RegExp(`name="_csrf" value="${'e'.repeat(40)}"`));
    assert.doesNotMatch(other.body, new RegExp(a.csrf));
    // A browser without a CSRF cookie is given one, and the page carries it.
    const fresh = await get(storyPath, `bs_session=${a.token}`);
    const issued = /bs_csrf=([^;]+)/.exec(String(fresh.headers['set-cookie']))?.[1];
    assert.ok(issued, 'a CSRF cookie is set');
    assert.match(fresh.body, new RegExp(`name="_csrf" value="${issued}"`));
    // gzip, kept and joined with the token, decodes to the same page.
    const plain = await get(storyPath, a.cookie);
    for (let i = 0; i < 2; i++) {
      const gz = await get(storyPath, a.cookie, { 'accept-encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), plain.body);
    }
  });

  test('a signed-out or revoked session never gets a kept page', async () => {
    const m = await signedIn(site.db.kysely, 'kept-leaving@example.org', 'reader');
    assert.match((await get(storyPath, m.cookie)).body, /kept-leaving@example\.org/);
    assert.match((await get(storyPath, m.cookie)).body, /kept-leaving@example\.org/);
    const out = await site.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: m.cookie, ...FORM, origin: site.config.baseUrl },
      payload: form({ _csrf: m.csrf }),
    });
    assert.equal(out.statusCode, 303);
    const after = await get(storyPath, m.cookie);
    assert.equal(after.statusCode, 200);
    assert.doesNotMatch(after.body, /kept-leaving@example\.org/);
    assert.doesNotMatch(after.body, new RegExp(m.csrf));
    assert.match(after.headers['cache-control'] as string, /^public/);

    const r = await signedIn(site.db.kysely, 'kept-revoked@example.org', 'reader');
    assert.match((await get(storyPath, r.cookie)).body, /kept-revoked@example\.org/);
    assert.match((await get(storyPath, r.cookie)).body, /kept-revoked@example\.org/);
    await site.db.kysely.deleteFrom('sessions').where('member_id', '=', r.memberId).execute();
    const revoked = await get(storyPath, r.cookie);
    assert.doesNotMatch(revoked.body, /kept-revoked@example\.org/);
    assert.doesNotMatch(revoked.body, new RegExp(r.csrf));

    const e = await signedIn(site.db.kysely, 'kept-expired@example.org', 'reader');
    assert.match((await get(storyPath, e.cookie)).body, /kept-expired@example\.org/);
    assert.match((await get('/', e.cookie)).body, /kept-expired@example\.org/);
    await site.db.kysely
      .updateTable('sessions')
      // Long past (the session hook reads the real clock, not this file's).
      .set({ expires_at: '2020-01-01T00:00:00.000Z' })
      .where('member_id', '=', e.memberId)
      .execute();
    assert.doesNotMatch((await get(storyPath, e.cookie)).body, /kept-expired@example\.org/);
    assert.doesNotMatch((await get('/', e.cookie)).body, /kept-expired@example\.org/);
  });

  test('a changed role or an unconfirmed address is another page', async () => {
    const m = await signedIn(site.db.kysely, 'kept-promoted@example.org', 'reader');
    for (const url of [storyPath, '/']) {
      assert.doesNotMatch((await get(url, m.cookie)).body, /class="admin-link"/);
      assert.doesNotMatch((await get(url, m.cookie)).body, /class="admin-link"/);
    }
    await site.db.kysely
      .updateTable('members')
      .set({ role: 'editor' })
      .where('id', '=', m.memberId)
      .execute();
    for (const url of [storyPath, '/'])
      assert.match((await get(url, m.cookie)).body, /class="admin-link"/, url);
    // Unconfirmed, the editor holds no role: no staff link.
    await site.db.kysely
      .updateTable('members')
      .set({ email_verified_at: null })
      .where('id', '=', m.memberId)
      .execute();
    for (const url of [storyPath, '/'])
      assert.doesNotMatch((await get(url, m.cookie)).body, /class="admin-link"/, url);
  });

  test('a member’s home page shows a newsroom change at once', async () => {
    const m = await signedIn(site.db.kysely, 'kept-home@example.org', 'reader');
    const home = await get('/', m.cookie);
    assert.match(home.body, /kept-home@example\.org/);
    await retitle('Retitled for the home page');
    assert.equal((await get('/', m.cookie)).body, home.body, 'kept until the site is told');
    storiesChanged({ shared: site.app.shared, contentChanged: site.app.contentChanged });
    assert.match((await get('/', m.cookie)).body, /Retitled for the home page/);
  });

  test('a kept page still counts its view and its ad', async () => {
    site.app.contentChanged();
    const m = await signedIn(site.db.kysely, 'kept-counted@example.org', 'reader');
    const counts = () => viewAndAdCounts(site.db, storyId);
    const before = await counts();
    const first = await get(storyPath, m.cookie);
    const adsOnPage = first.body.split('class="ad-slot"').length - 1;
    assert.ok(adsOnPage > 0, 'the demo story shows a member an ad');
    for (let i = 0; i < 4; i++) assert.equal((await get(storyPath, m.cookie)).body, first.body);
    const afterwards = await counts();
    assert.equal(afterwards.views - before.views, 5, 'five views, four from the kept page');
    assert.equal(afterwards.impressions - before.impressions, 5 * adsOnPage);
  });
});
