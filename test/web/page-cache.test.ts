/**
 * The page cache in front of the story and home routes (`fromPageCache`, src/platform/http.ts): a
 * reader without a session is answered with the page the last such reader got, before the route
 * reads anything, until shown data changes (contentChanged, a shared cache emptied) or
 * SHARED_TTL_MS passes; such an answer still counts the story's view and the ad's impression; a
 * signed-in member, a reader with a one-time message and a reader an organisation is recognised
 * for never get it. And a member's page in gzip, joined from segments compressed once, decodes to
 * exactly the page with their token.
 */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ENGINE, testSite } from '../helpers.ts';
import { gzipWithTokens } from '../../src/platform/http.ts';
import { SHARED_TTL_MS } from '../../src/platform/cache.ts';
import { firstCablegateStory, viewAndAdCounts } from './counts.ts';
import { addNetwork, createOrganisation, grantLicence } from '../../src/licensing/service.ts';
import { licensingDeps } from '../../src/licensing/jobs.ts';
import { worldFor } from '../../src/licensing/world.ts';
import { sharedData } from '../../src/app.ts';
import { createMailer } from '../../src/platform/mail.ts';
import { signedIn } from '../stories/helpers.ts';
import { storiesChanged } from '../../src/stories/admin-auth.ts';
import { seededRandom } from '../seeded.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

test('a page with token slots in gzip decodes to its segments joined with the token', () => {
  const rnd = seededRandom(17);
  const alphabet = 'abc <>"&é€\n_-0123456789';
  const text = (n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
  const cases: { segments: string[]; token: string }[] = [
    { segments: ['', ''], token: 'x'.repeat(32) },
    { segments: ['only one'], token: 'unused' },
    { segments: ['a', '', 'b'], token: '' },
    // A token longer than one stored block (65,535 bytes).
    { segments: ['head', 'tail'], token: 't'.repeat(70_000) },
  ];
  for (let i = 0; i < 40; i++) {
    const n = 1 + Math.floor(rnd() * 5);
    cases.push({
      segments: Array.from({ length: n }, () => text(Math.floor(rnd() * 5000))),
      token: text(Math.floor(rnd() * 64)),
    });
  }
  for (const c of cases) {
    const hit: { segments: string[]; deflated?: never } = { segments: c.segments };
    const want = c.segments.join(c.token);
    // Twice: the second time from the pieces compressed the first time.
    for (let k = 0; k < 2; k++) {
      const got = gunzipSync(gzipWithTokens(hit, c.token)).toString('utf8');
      assert.equal(got, want);
    }
    const other = c.token.length ? 'Z'.repeat(c.token.length) : 'Q';
    assert.equal(
      gunzipSync(gzipWithTokens(hit, other)).toString('utf8'),
      c.segments.join(other),
      'another token, the same pieces',
    );
  }
});

describe(`the page cache in front of page routes (${ENGINE})`, () => {
  let site: Site;
  let storyPath: string;
  let storyId: number;
  const now = Date.now();
  let clock = now;
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

  const anonymous = (url: string, headers: Record<string, string> = {}, ip = '198.51.100.1') =>
    site.app.inject({ url, remoteAddress: ip, headers });

  /** Changes the story's title in the database only, telling the site nothing. */
  const retitle = async (title: string) => {
    // An edit moves updated_at, as the newsroom's does (the render is keyed by it).
    clock += 1000;
    await site.db.kysely
      .updateTable('stories')
      .set({ title, updated_at: new Date(clock).toISOString() })
      .where('id', '=', storyId)
      .execute();
  };

  test('a reader without a session gets the kept page until shown data changes or it expires', async () => {
    const first = await anonymous(storyPath);
    assert.equal(first.statusCode, 200);
    await retitle('Silently retitled one');
    const kept = await anonymous(storyPath);
    assert.equal(kept.body, first.body, 'answered from the page cache, not rendered again');
    assert.equal(kept.headers.etag, first.headers.etag);
    assert.equal(kept.headers['cache-control'], first.headers['cache-control']);
    assert.equal(kept.headers['last-modified'], first.headers['last-modified']);
    assert.equal(
      (await anonymous(storyPath, { 'if-none-match': String(first.headers.etag) })).statusCode,
      304,
    );
    const head = await site.app.inject({ method: 'HEAD', url: storyPath });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers.etag, first.headers.etag);

    // A change the site is told about shows at once.
    site.app.contentChanged();
    const changed = await anonymous(storyPath);
    assert.match(changed.body, /Silently retitled one/);
    assert.notEqual(changed.headers.etag, first.headers.etag);

    // One it is not told about (another process's) shows once the kept page expires.
    await retitle('Silently retitled two');
    assert.doesNotMatch((await anonymous(storyPath)).body, /Silently retitled two/);
    clock += SHARED_TTL_MS - 1000;
    assert.match((await anonymous(storyPath)).body, /Silently retitled two/);

    // The home page too, after what every newsroom change runs.
    const home = await anonymous('/');
    await retitle('Silently retitled three');
    assert.equal((await anonymous('/')).body, home.body);
    storiesChanged({ shared: site.app.shared, contentChanged: site.app.contentChanged });
    assert.match((await anonymous('/')).body, /Silently retitled three/);

    // An emptied shared cache alone (the sections, the ads, the licensing world) is a change too.
    const story = await anonymous(storyPath);
    site.app.shared.sections.clear();
    await retitle('Silently retitled four');
    assert.notEqual((await anonymous(storyPath)).body, story.body);
  });

  test('a page answered from the cache still counts its view and its ad', async () => {
    site.app.contentChanged();
    const counts = () => viewAndAdCounts(site.db, storyId);
    const before = await counts();
    const first = await anonymous(storyPath);
    const adsOnPage = first.body.split('class="ad-slot"').length - 1;
    assert.ok(adsOnPage > 0, 'the demo story shows an ad');
    for (let i = 0; i < 4; i++) assert.equal((await anonymous(storyPath)).body, first.body);
    const afterwards = await counts();
    assert.equal(afterwards.views - before.views, 5, 'five views, four from the cache');
    assert.equal(afterwards.impressions - before.impressions, 5 * adsOnPage);
  });

  test('members, one-time messages and readers an organisation is recognised for never get the kept page', async () => {
    const mailer = createMailer(site.config);
    const d = licensingDeps({
      config: site.config,
      db: site.db,
      shared: sharedData(site.db),
      mailer,
    });
    const org = await createOrganisation(
      d,
      { name: 'Kept Pages Office', kind: 'company', tierId: 'small', contactEmail: 'it@kept.test' },
      null,
    );
    await addNetwork(d, org, '192.0.2.0/24');
    await grantLicence(d, org, 'small');
    await mailer.close?.();
    worldFor(site.db).clear();

    const kept = await anonymous(storyPath);
    assert.equal((await anonymous(storyPath)).body, kept.body);
    assert.doesNotMatch(kept.body, /Kept Pages Office/);

    const office = await anonymous(storyPath, {}, '192.0.2.10');
    assert.equal(office.statusCode, 200);
    assert.match(office.body, /Kept Pages Office/, 'the organisation’s own page');
    assert.equal(office.headers['cache-control'], 'private, no-cache');
    // And the page kept for everyone is still everyone's.
    assert.doesNotMatch((await anonymous(storyPath)).body, /Kept Pages Office/);

    const m = await signedIn(site.db.kysely, 'kept-pages@example.org', 'reader');
    const member = await site.app.inject({ url: storyPath, headers: { cookie: m.cookie } });
    assert.equal(member.headers['cache-control'], 'private, no-cache');
    assert.match(member.body, new RegExp(`name="_csrf" value="${m.csrf}"`));
    assert.notEqual(member.body, kept.body);

    const message = Buffer.from(
      JSON.stringify({ kind: 'ok', message: 'Your one-time note' }),
    ).toString('base64url');
    const flashed = await anonymous(storyPath, { cookie: `flash=${message}` });
    assert.match(flashed.body, /Your one-time note/);
    assert.equal(flashed.headers['cache-control'], 'no-store');
    assert.doesNotMatch((await anonymous(storyPath)).body, /Your one-time note/);
  });

  test('a member’s page in gzip is their page with their token', async () => {
    const m = await signedIn(site.db.kysely, 'kept-pages-gzip@example.org', 'reader');
    const plain = await site.app.inject({ url: storyPath, headers: { cookie: m.cookie } });
    const gz = await site.app.inject({
      url: storyPath,
      headers: { cookie: m.cookie, 'accept-encoding': 'br, gzip' },
    });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), plain.body);
    assert.notEqual(gz.headers.etag, plain.headers.etag, 'one validator per encoding');
    const again = await site.app.inject({
      url: storyPath,
      headers: {
        cookie: m.cookie,
        'accept-encoding': 'gzip',
        'if-none-match': String(gz.headers.etag),
      },
    });
    assert.equal(again.statusCode, 304);
  });
});
