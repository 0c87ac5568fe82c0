import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientToken, csrfFrom, ENGINE, testSite } from '../helpers.ts';
import { decodeQp, header, startSink, type Sink } from './smtp-sink.ts';
import { newsletterService } from '../../src/newsletter/service.ts';
import { getSubscriber } from '../../src/newsletter/store.ts';
import { flushViews, recordView } from '../../src/platform/page-views.ts';
import { createStory, getSectionBySlug } from '../../src/stories/store.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`newsletter on ${ENGINE}: subscribe, confirm, digest, unsubscribe, bounces`, () => {
  let site: Site;
  let sink: Sink;
  let seedPath: string;
  const rcptCodes = new Map<string, number>();
  const tempFailures = new Map<string, number>();
  before(async () => {
    sink = await startSink({
      rcpt: (a) => {
        const left = tempFailures.get(a) ?? 0;
        if (left > 0) {
          tempFailures.set(a, left - 1);
          return 451;
        }
        return rcptCodes.get(a) ?? null;
      },
    });
    site = await testSite({
      DEMO: '1',
      JOBS: '0',
      SMTP_URL: sink.url,
      BASE_URL: 'http://news.test',
    });
    site.app.addHook('onRequest', async (req) => {
      const m = req.headers['x-test-member'];
      if (typeof m === 'string') (req as unknown as { member: unknown }).member = JSON.parse(m);
    });
    const row = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'slug'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    seedPath = `/stories/cablegate/2009/11/${row.id}-${row.slug}`;
  });
  after(async () => {
    await site.cleanup();
    await sink.close();
  });

  const form = (
    url: string,
    payload: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    site.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(payload).toString(),
    });
  const mailsTo = (addr: string) => sink.messages.filter((m) => m.to === addr);
  const linkIn = (raw: string, path: string) => {
    const m = new RegExp(`http://news\\.test(${path}[A-Za-z0-9_.-]+)`).exec(decodeQp(raw));
    assert.ok(m, `no ${path} link in the mail`);
    return m[1];
  };
  const editor = {
    'x-test-member': JSON.stringify({
      id: 1,
      email: 'editor@news.test',
      role: 'editor',
      emailVerified: true,
    }),
  };

  async function subscribeAndConfirm(email: string): Promise<number> {
    // The story page's box carries no token for a reader without a session.
    const { token, cookie } = clientToken();
    const res = await form(
      '/newsletter/subscribe',
      { email, _csrf: token, return_to: seedPath },
      { cookie },
    );
    assert.equal(res.statusCode, 200, res.body);
    const mail = mailsTo(email).at(-1)!;
    const confirm = await site.app.inject(linkIn(mail.raw, '/newsletter/confirm/'));
    assert.equal(confirm.statusCode, 200);
    const row = await site.db.kysely
      .selectFrom('newsletter_subscribers')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'confirmed');
    return row.id;
  }

  test('sign-up sends a confirmation; repeats make no duplicate rows; the link confirms', async () => {
    // The story page's box carries no token for a reader without a session.
    const { token, cookie } = clientToken();
    const res = await form(
      '/newsletter/subscribe',
      { email: 'Ann@Example.org', _csrf: token, return_to: seedPath },
      { cookie },
    );
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /ann@example.org is on the list/);
    const first = mailsTo('ann@example.org');
    assert.equal(first.length, 1);
    assert.match(
      header(first[0].raw, 'Subject')!,
      /Confirm your subscription to The Monday Dispatch/,
    );
    const again = await form(
      '/newsletter/subscribe',
      { email: 'ann@example.org', _csrf: token },
      { cookie },
    );
    assert.match(again.body, /already on our list/);
    assert.match(again.body, /sent the confirmation email again/);
    assert.equal(mailsTo('ann@example.org').length, 2);
    const n = await site.db.kysely
      .selectFrom('newsletter_subscribers')
      .select('id')
      .where('email', '=', 'ann@example.org')
      .execute();
    assert.equal(n.length, 1);
    const bad = await form('/newsletter/subscribe', { email: 'ann@', _csrf: token }, { cookie });
    assert.equal(bad.statusCode, 400);
    // A forged confirmation link is refused.
    const link = linkIn(first[0].raw, '/newsletter/confirm/');
    assert.equal(
      (await site.app.inject(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).statusCode,
      404,
    );
    assert.equal((await site.app.inject(link)).statusCode, 200);
    assert.equal((await site.app.inject(link)).statusCode, 200, 'confirming twice is harmless');
    const row = await site.db.kysely
      .selectFrom('newsletter_subscribers')
      .selectAll()
      .where('email', '=', 'ann@example.org')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'confirmed');
    assert.ok(row.confirmed_at);
    const confirmedAgain = await form(
      '/newsletter/subscribe',
      { email: 'ann@example.org', _csrf: token },
      { cookie },
    );
    assert.match(confirmedAgain.body, /already on our list/);
    assert.equal(
      mailsTo('ann@example.org').length,
      2,
      'no mail for an address that is already confirmed',
    );
  });

  test('the footer form works by origin on cached pages, and falls back to the sign-up page', async () => {
    const home = await site.app.inject('/');
    assert.match(home.body, /action="\/newsletter\/signup"/);
    const ok = await form(
      '/newsletter/signup',
      { email: 'footer@example.org' },
      { origin: 'http://news.test' },
    );
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /footer@example.org is on the list/);
    const foreign = await form(
      '/newsletter/signup',
      { email: 'victim@example.org' },
      { origin: 'http://evil.test' },
    );
    assert.equal(foreign.statusCode, 200);
    assert.match(foreign.body, /press Subscribe to finish/);
    assert.match(foreign.body, /value="victim@example.org"/);
    assert.equal(mailsTo('victim@example.org').length, 0);
  });

  test('the digest goes to confirmed subscribers once, with one-click unsubscribe headers', async () => {
    const ann = (
      await site.db.kysely
        .selectFrom('newsletter_subscribers')
        .selectAll()
        .where('email', '=', 'ann@example.org')
        .executeTakeFirstOrThrow()
    ).id;
    const bob = await subscribeAndConfirm('bob@example.org');
    // The week's stories, with views: the most-read leads.
    const news = (await getSectionBySlug(site.db.kysely, 'news'))!;
    const popular = await createStory(site.db.kysely, {
      sectionId: news.id,
      title: 'A much-read story',
      body: 'Text.',
      teaser: 'Everyone read this.',
    });
    for (let i = 0; i < 19; i++)
      await site.app
        .inject(`/stories/${popular}`)
        .then((r) => site.app.inject(r.headers.location as string));
    await recordView(site.db, 'story', popular);
    await flushViews(site.db.kysely); // page views are buffered in memory and written every few seconds
    const views = await site.db.kysely
      .selectFrom('views_daily')
      .selectAll()
      .where('item_id', '=', popular)
      .executeTakeFirstOrThrow();
    assert.equal(views.views, 20);

    const svc = newsletterService({ config: site.config, db: site.db });
    try {
      const issue = await svc.nextIssue();
      assert.equal(issue.number, 1);
      assert.equal(issue.items[0].title, 'A much-read story');
      assert.equal(issue.items[0].views, 20);
      const report = await svc.send(issue.id);
      assert.ok(report.complete);
      assert.equal(report.sent, 2, 'ann and bob; the footer address is not confirmed');
      const digestsTo = (a: string) =>
        mailsTo(a).filter((m) => /Monday Dispatch, /.test(header(m.raw, 'Subject') ?? ''));
      assert.equal(digestsTo('ann@example.org').length, 1);
      assert.equal(digestsTo('bob@example.org').length, 1);
      assert.equal(digestsTo('footer@example.org').length, 0);
      const raw = digestsTo('bob@example.org')[0].raw;
      const body = decodeQp(raw);
      assert.match(
        header(raw, 'List-Unsubscribe')!,
        /^<http:\/\/news\.test\/newsletter\/unsubscribe\/\d+\.\d+\.[A-Za-z0-9_-]{22}>$/,
      );
      assert.equal(header(raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
      assert.match(header(raw, 'Content-Type')!, /multipart\/alternative/);
      assert.match(body, /Content-Type: text\/plain/);
      assert.match(body, /<table role="presentation"/);
      assert.doesNotMatch(body, /<link|<script|class=/, 'inline styles only');
      assert.match(body, /A much-read story/);
      assert.match(body, /TOP STORIES OF THE WEEK/);
      // Sending again (a second run, a restart) mails nobody twice.
      const again = await svc.send(issue.id);
      assert.equal(again.sent, 0);
      assert.equal(digestsTo('bob@example.org').length, 1);
      // The issue is public.
      const pub = await site.app.inject('/newsletter/issues/1');
      assert.equal(pub.statusCode, 200);
      assert.match(pub.body, /A much-read story/);
      assert.match((await site.app.inject('/newsletter')).body, /href="\/newsletter\/issues\/1"/);
      assert.equal((await site.app.inject('/newsletter/issues/2')).statusCode, 404);

      // One-click unsubscribe: a POST without CSRF token, as mail clients send it (RFC 8058).
      const unsubUrl = header(raw, 'List-Unsubscribe')!
        .slice(1, -1)
        .replace('http://news.test', '');
      const oneClick = await form(unsubUrl, { 'List-Unsubscribe': 'One-Click' });
      assert.equal(oneClick.statusCode, 200);
      assert.match(oneClick.body, /bob@example.org is unsubscribed/);
      const bobRow = await getSubscriber(site.db.kysely, bob);
      assert.equal(bobRow?.status, 'unsubscribed');
      assert.equal(bobRow?.unsubscribed_issue_id, issue.id);
      // A forged one is refused and changes nothing.
      assert.equal(
        (await form(unsubUrl.replace(`/${bob}.`, `/${ann}.`), { 'List-Unsubscribe': 'One-Click' }))
          .statusCode,
        404,
      );
      assert.equal((await getSubscriber(site.db.kysely, ann))?.status, 'confirmed');
      // Preferences through the signed link: plain text only.
      const prefs = linkIn(digestsTo('ann@example.org')[0].raw, '/newsletter/preferences/');
      const prefsPage = await site.app.inject(prefs);
      assert.equal(prefsPage.statusCode, 200);
      assert.doesNotMatch(prefsPage.body, /name="_csrf"/, 'no token on a page without a session');
      const c = clientToken();
      assert.equal(
        (await form(prefs, { format: 'text', subscribed: '1' }, { cookie: c.cookie })).statusCode,
        403,
        'CSRF token required',
      );
      const saved = await form(
        prefs,
        { format: 'text', subscribed: '1', _csrf: c.token },
        { cookie: c.cookie },
      );
      assert.equal(saved.statusCode, 303);
      assert.equal((await getSubscriber(site.db.kysely, ann))?.format, 'text');
    } finally {
      await svc.close();
    }
  });

  test('a permanent 5xx marks the address bounced and it is never mailed again; a 4xx is retried', async () => {
    const gone = await subscribeAndConfirm('gone@example.org');
    const busy = await subscribeAndConfirm('busy@example.org');
    rcptCodes.set('gone@example.org', 550);
    tempFailures.set('busy@example.org', 2);
    const svc = newsletterService({ config: site.config, db: site.db });
    try {
      const { issueForSlot } = await import('../../src/newsletter/compose.ts');
      const issue = await issueForSlot(site.db.kysely, new Date('2027-01-04T18:00:00Z'), {
        timeZone: 'Pacific/Auckland',
        siteName: 'Broadsheet',
      });
      const report = await svc.send(issue.id, { retryBaseMs: 100, retryMaxMs: 200 });
      assert.ok(report.complete);
      assert.equal(report.bounced, 1);
      assert.equal(report.retried, 2, 'the 4xx was retried');
      assert.equal((await getSubscriber(site.db.kysely, gone))?.status, 'bounced');
      const busyDelivery = await site.db.kysely
        .selectFrom('newsletter_deliveries')
        .selectAll()
        .where('issue_id', '=', issue.id)
        .where('subscriber_id', '=', busy)
        .executeTakeFirstOrThrow();
      assert.equal(busyDelivery.status, 'sent');
      assert.equal(busyDelivery.attempts, 3);
      assert.equal(
        mailsTo('busy@example.org').filter((m) =>
          /Monday Dispatch, /.test(header(m.raw, 'Subject') ?? ''),
        ).length,
        1,
      );
      rcptCodes.delete('gone@example.org');
      const next = await issueForSlot(site.db.kysely, new Date('2027-01-11T18:00:00Z'), {
        timeZone: 'Pacific/Auckland',
        siteName: 'Broadsheet',
      });
      const r2 = await svc.send(next.id);
      assert.ok(r2.complete);
      assert.equal(
        mailsTo('gone@example.org').filter((m) =>
          /Monday Dispatch, /.test(header(m.raw, 'Subject') ?? ''),
        ).length,
        0,
        'never mailed again',
      );
      const goneRows = await site.db.kysely
        .selectFrom('newsletter_deliveries')
        .select('status')
        .where('subscriber_id', '=', gone)
        .where('issue_id', '=', next.id)
        .execute();
      assert.deepEqual(goneRows, [], 'a bounced address is not even a recipient');
    } finally {
      await svc.close();
    }
  });

  test('editor routes: visitors are sent to log in, readers get 403; editors preview, edit, test, schedule and send', async () => {
    const news = (await getSectionBySlug(site.db.kysely, 'news'))!;
    const visitor = await site.app.inject('/newsletter/editor');
    assert.equal(visitor.statusCode, 303);
    assert.equal(visitor.headers.location, '/login?next=/newsletter/editor');
    assert.equal(
      (
        await site.app.inject({
          url: '/newsletter/editor',
          headers: {
            'x-test-member': JSON.stringify({
              id: 2,
              role: 'reader',
              email: 'r@x.org',
              emailVerified: true,
            }),
          },
        })
      ).statusCode,
      403,
    );
    const dash = await site.app.inject({ url: '/newsletter/editor', headers: editor });
    assert.equal(dash.statusCode, 200);
    assert.match(dash.body, /Subscribers/);
    assert.match(dash.body, /Bounced/);
    const { token, cookie } = csrfFrom(dash);
    const h = { ...editor, cookie };
    // As if a week had passed since the first issue went out: "next issue" is a new one.
    await site.db.kysely
      .updateTable('newsletter_issues')
      .set({ week_key: 'past-week' })
      .where('number', '=', 1)
      .execute();
    const compose = await form('/newsletter/editor/compose', { _csrf: token }, h);
    assert.equal(compose.statusCode, 303);
    const issuePath = compose.headers.location as string;
    const id = Number(issuePath.split('/').pop());
    assert.equal((await site.app.inject({ url: issuePath, headers: editor })).statusCode, 200);
    const html = await site.app.inject({ url: `${issuePath}/email.html`, headers: editor });
    assert.match(html.headers['content-security-policy'] as string, /style-src 'unsafe-inline'/);
    assert.equal(
      (await form(`${issuePath}/intro`, { _csrf: token, intro: 'Hello from the desk.' }, h))
        .statusCode,
      303,
    );
    // Made after the issue was composed, so the issue cannot already hold it whatever the
    // composer's fallback picks.
    const extraStory = await createStory(site.db.kysely, {
      sectionId: news.id,
      title: 'Added by hand',
      body: 'Text.',
      publishedAt: '2020-01-01T00:00:00.000Z',
    });
    const seedStory = seedPath.split('/').pop()!.split('-')[0];
    const popularId = () => String(extraStory);
    const added = await form(
      `${issuePath}/items/add`,
      { _csrf: token, item: '/stories/news/2026/11/' + popularId() },
      h,
    );
    assert.equal(added.statusCode, 303, added.body);
    assert.equal(
      (await form(`${issuePath}/items/add`, { _csrf: token, item: seedStory }, h)).statusCode,
      400,
      'no duplicates',
    );
    assert.equal(
      (await form(`${issuePath}/items/add`, { _csrf: token, item: 'nonsense' }, h)).statusCode,
      400,
    );
    const page = await site.app.inject({ url: issuePath, headers: editor });
    assert.match(page.body, /Hello from the desk./);
    const count = (page.body.match(/aria-label="Remove /g) ?? []).length;
    assert.equal(
      (await form(`${issuePath}/items/remove`, { _csrf: token, index: '0' }, h)).statusCode,
      303,
    );
    assert.equal(
      (
        (await site.app.inject({ url: issuePath, headers: editor })).body.match(
          /aria-label="Remove /g,
        ) ?? []
      ).length,
      count - 1,
    );
    const tests = mailsTo('editor@news.test').length;
    assert.equal((await form(`${issuePath}/test`, { _csrf: token }, h)).statusCode, 303);
    assert.equal(mailsTo('editor@news.test').length, tests + 1);
    assert.equal(
      (await form(`${issuePath}/schedule`, { _csrf: token, at: '2001-01-01T07:00' }, h)).statusCode,
      400,
    );
    assert.equal(
      (await form(`${issuePath}/schedule`, { _csrf: token, at: '2099-03-02T07:00' }, h)).statusCode,
      303,
    );
    const job = await site.db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'newsletter.send')
      .executeTakeFirstOrThrow();
    assert.equal(job.run_at, '2099-03-01T18:00:00.000Z', '07:00 in Auckland (NZDT)');
    assert.equal((await form(`${issuePath}/send`, { _csrf: token }, h)).statusCode, 303);
    const { startWorker } = await import('../../src/platform/jobs.ts');
    const { newsletterJobs } = await import('../../src/newsletter/service.ts');
    const svc = newsletterService({ config: site.config, db: site.db });
    const worker = startWorker({ db: site.db }, newsletterJobs(svc).handlers, { poll: false });
    assert.equal(await worker.drain(), 1, 'the send-now job ran; the scheduled one is not due');
    await worker.stop();
    await svc.close();
    const issue = await site.db.kysely
      .selectFrom('newsletter_issues')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(issue.status, 'sent');
    assert.equal(
      (await form(`${issuePath}/intro`, { _csrf: token, intro: 'Too late' }, h)).statusCode,
      409,
    );
    const dash2 = await site.app.inject({ url: '/newsletter/editor', headers: editor });
    assert.match(dash2.body, new RegExp(`>${issue.subject}</a>`));
  });
});
