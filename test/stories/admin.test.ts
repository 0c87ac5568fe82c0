import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ENGINE, testSite } from '../helpers.ts';
import { adsForSection, pickByWeight } from '../../src/ads/store.ts';
import { sitemapPages } from '../../src/feeds/syndication.ts';
import { adServer } from '../../src/ads/serve.ts';
import { FORM, form, signedIn } from './helpers.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (n) => ['item', 'entry', 'url', 'sitemap', 'link'].includes(n),
});

describe(`the newsroom on ${ENGINE}`, () => {
  let site: Site;
  let editor: Awaited<ReturnType<typeof signedIn>>;
  let reader: Awaited<ReturnType<typeof signedIn>>;
  before(async () => {
    site = await testSite({ DEMO: '1', JOBS: '0' });
    editor = await signedIn(site.db.kysely, 'editor@example.org', 'editor');
    reader = await signedIn(site.db.kysely, 'reader@example.org', 'reader');
  });
  after(() => site.cleanup());

  const post = (
    url: string,
    who: { cookie: string; csrf: string } | null,
    fields: Record<string, string | string[]>,
    csrf = true,
  ) =>
    site.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...(who ? { cookie: who.cookie } : {}) },
      payload: form({ ...fields, ...(csrf && who ? { _csrf: who.csrf } : {}) }),
    });

  test('editors only: anonymous visitors are sent to log in, readers get 403, editors get the dashboard', async () => {
    for (const url of [
      '/admin',
      '/admin/stories/new',
      '/admin/sections',
      '/admin/press-releases',
      '/admin/feeds',
      '/admin/ads',
      '/admin/cables',
    ]) {
      const anon = await site.app.inject(url);
      assert.equal(anon.statusCode, 303, url);
      const to = new URL(String(anon.headers.location), 'http://site.test');
      assert.deepEqual([to.pathname, to.searchParams.get('next')], ['/login', url]);
      const r = await site.app.inject({ url, headers: { cookie: reader.cookie } });
      assert.equal(r.statusCode, 403, url);
      assert.match(r.body, /The newsroom is for editors/);
      const e = await site.app.inject({ url, headers: { cookie: editor.cookie } });
      assert.equal(e.statusCode, 200, url);
      assert.match(e.headers['cache-control'] as string, /^(private|no-store)/);
    }
    const r = await post('/admin/stories', reader, {
      title: 'x',
      body: 'y',
      section_id: '1',
      status: 'published',
    });
    assert.equal(r.statusCode, 403);
  });

  test('every newsroom form needs the CSRF token', async () => {
    for (const url of [
      '/admin/stories',
      '/admin/stories/1',
      '/admin/preview',
      '/admin/leads',
      '/admin/sections',
      '/admin/sections/order',
      '/admin/press-releases/1/approve',
      '/admin/press-releases/1/reject',
      '/admin/press-releases/1/edit',
      '/admin/feeds',
      '/admin/feeds/1/poll',
      '/admin/feeds/1/delete',
      '/admin/ads',
      '/admin/ads/1',
      '/admin/ads/1/delete',
      '/press-releases',
    ]) {
      const r = await post(url, editor, { title: 'x' }, false);
      assert.equal(r.statusCode, 403, url);
      assert.match(r.body, /did not come from this site, or has expired/, url);
    }
    const up = await site.app.inject({
      method: 'POST',
      url: '/admin/cables',
      headers: { cookie: editor.cookie, 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x--\r\n',
    });
    assert.equal(up.statusCode, 403);
    assert.match(up.body, /did not come from this site, or has expired/);
  });

  test('an editor writes, previews, schedules, publishes and unpublishes a story; the home page shows it at once', async () => {
    const news = await site.db.kysely
      .selectFrom('sections')
      .select('id')
      .where('slug', '=', 'news')
      .executeTakeFirstOrThrow();
    const preview = await post('/admin/preview', editor, {
      body: '## Head\n\nSome **bold** [link](https://a.example) <script>x</script>',
    });
    assert.equal(preview.statusCode, 200);
    assert.match(
      preview.body,
      /<h2>Head<\/h2>\n<p>Some <strong>bold<\/strong> <a href="https:\/\/a.example" rel="noopener">link<\/a> <\/p>/,
    );
    const noJs = await post('/admin/stories', editor, {
      title: 'Harbour reopens',
      body: 'Ships are back.',
      section_id: String(news.id),
      status: 'published',
      intent: 'preview',
    });
    assert.equal(noJs.statusCode, 200);
    assert.match(noJs.body, /<p>Ships are back.<\/p>/);
    const future = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    const saved = await post('/admin/stories', editor, {
      title: 'Harbour reopens',
      teaser: 'Ships return',
      body: 'Ships are back.',
      section_id: String(news.id),
      status: 'published',
      published_at: future,
      featured: '1',
      source: 'Port Authority',
      intent: 'save',
    });
    assert.equal(saved.statusCode, 303);
    const id = Number(/\/admin\/stories\/(\d+)\/edit/.exec(saved.headers.location as string)![1]);
    const dash = await site.app.inject({ url: '/admin', headers: { cookie: editor.cookie } });
    assert.match(dash.body, /<strong>1<\/strong> scheduled/);
    assert.ok(
      !(await site.app.inject('/')).body.includes('Harbour reopens'),
      'scheduled: not on the home page yet',
    );
    const now = new Date(Date.now() - 60_000).toISOString().slice(0, 16);
    await post(`/admin/stories/${id}`, editor, {
      title: 'Harbour reopens',
      teaser: 'Ships return',
      body: 'Ships are back.',
      section_id: String(news.id),
      status: 'published',
      published_at: now,
      featured: '1',
      intent: 'save',
    });
    const home = await site.app.inject('/');
    assert.match(home.body, /Harbour reopens/);
    // Curating: first lead.
    const leads = await site.db.kysely
      .selectFrom('stories')
      .select('id')
      .where('featured', '=', 1)
      .execute();
    await post(
      '/admin/leads',
      editor,
      Object.fromEntries(
        leads.flatMap((l) => [
          [`pos_${l.id}`, l.id === id ? '1' : '5'],
          [`keep_${l.id}`, '1'],
        ]),
      ),
    );
    assert.match(
      (await site.app.inject('/')).body,
      /<article class="lead"><h2><a href="[^"]+">Harbour reopens/,
    );
    await post(`/admin/stories/${id}`, editor, {
      title: 'Harbour reopens',
      body: 'Ships are back.',
      section_id: String(news.id),
      status: 'unpublished',
      published_at: now,
      intent: 'save',
    });
    assert.ok(!(await site.app.inject('/')).body.includes('Harbour reopens'));
    const bad = await post('/admin/stories', editor, {
      title: '',
      body: 'x',
      section_id: String(news.id),
      status: 'published',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Write a headline/);
  });

  test('sections: add one and reorder; the navigation follows', async () => {
    const r = await post('/admin/sections', editor, {
      name: 'Science & Health',
      description: 'Research',
    });
    assert.equal(r.statusCode, 303);
    const s = await site.db.kysely
      .selectFrom('sections')
      .selectAll()
      .where('slug', '=', 'science-and-health')
      .executeTakeFirstOrThrow();
    const all = await site.db.kysely.selectFrom('sections').selectAll().execute();
    await post(
      '/admin/sections/order',
      editor,
      Object.fromEntries(
        all.flatMap((x) => [
          [`pos_${x.id}`, x.id === s.id ? '0' : String(x.position + 1)],
          [`name_${x.id}`, x.name],
          [`desc_${x.id}`, x.description],
        ]),
      ),
    );
    const nav = (await site.app.inject('/')).body;
    assert.ok(nav.indexOf('/sections/science-and-health') < nav.indexOf('/sections/news'));
  });

  test('press releases: unlicensed submitters get plain text; editors approve, edit or reject; the submitter is mailed', async () => {
    const form0 = await site.app.inject({
      url: '/press-releases/new',
      headers: { cookie: reader.cookie },
    });
    assert.match(
      form0.body,
      /keep their Markdown formatting \(bold, paragraphs, lists, tables\) but lose links and images/,
    );
    const news = await site.db.kysely
      .selectFrom('sections')
      .select('id')
      .where('slug', '=', 'news')
      .executeTakeFirstOrThrow();
    const r = await post('/press-releases', reader, {
      title: 'New clinic opens',
      body: '<p>Our <a href="https://ngo.example">clinic</a> opens.</p><script>alert(1)</script> See https://ngo.example/more',
      organisation: 'Health NGO',
      contact: 'press@ngo.example',
      section_id: String(news.id),
    });
    assert.equal(r.statusCode, 303);
    const rel = await site.db.kysely
      .selectFrom('press_releases')
      .selectAll()
      .where('title', '=', 'New clinic opens')
      .executeTakeFirstOrThrow();
    assert.equal(rel.body, 'Our clinic opens.\nSee');
    assert.equal(rel.licensed, 0);
    const empty = await post('/press-releases', reader, {
      title: '',
      body: 'x',
      organisation: 'o',
      contact: 'c',
    });
    assert.equal(empty.statusCode, 400);
    // A second one is rejected with a reason.
    await post('/press-releases', reader, {
      title: 'Spam release',
      body: 'Buy now',
      organisation: 'Spam Ltd',
      contact: 'x',
    });
    const spam = await site.db.kysely
      .selectFrom('press_releases')
      .selectAll()
      .where('title', '=', 'Spam release')
      .executeTakeFirstOrThrow();
    const queue = await site.app.inject({
      url: '/admin/press-releases',
      headers: { cookie: editor.cookie },
    });
    assert.match(queue.body, /New clinic opens/);
    const noReason = await post(`/admin/press-releases/${spam.id}/reject`, editor, { reason: ' ' });
    assert.equal(noReason.statusCode, 400);
    assert.equal(
      (
        await post(`/admin/press-releases/${spam.id}/reject`, editor, {
          reason: 'Advertising is not news.',
        })
      ).statusCode,
      303,
    );
    assert.equal(
      (
        await post(`/admin/press-releases/${rel.id}/edit`, editor, {
          title: 'Clinic opens in the north',
          body: 'Our clinic opens.',
          organisation: 'Health NGO',
          contact: 'press@ngo.example',
          section_id: String(news.id),
        })
      ).statusCode,
      303,
    );
    const ok = await post(`/admin/press-releases/${rel.id}/approve`, editor, {
      section_id: String(news.id),
    });
    assert.equal(ok.statusCode, 303);
    const done = await site.db.kysely
      .selectFrom('press_releases')
      .selectAll()
      .where('id', '=', rel.id)
      .executeTakeFirstOrThrow();
    assert.equal(done.status, 'published');
    const story = await site.app.inject(`/stories/${done.story_id}`);
    const page = await site.app.inject(story.headers.location as string);
    assert.match(page.body, /<h1>Clinic opens in the north<\/h1>/);
    assert.match(page.body, /Health NGO/);
    const outbox = join(site.config.dataDir, 'outbox');
    const mails = existsSync(outbox)
      ? readdirSync(outbox).map((f) => readFileSync(join(outbox, f), 'utf8'))
      : [];
    assert.ok(
      mails.some(
        (m) =>
          /Subject: Published: Clinic opens in the north/.test(m) &&
          /To: reader@example.org/.test(m),
      ),
    );
    assert.ok(
      mails.some(
        (m) => /Subject: Not published: Spam release/.test(m) && /Advertising is not news/.test(m),
      ),
    );
    assert.equal(
      (
        await post(`/admin/press-releases/${rel.id}/approve`, editor, {
          section_id: String(news.id),
        })
      ).statusCode,
      400,
      'no second publication',
    );
  });

  test('a licensed release keeps sanitised links and images and is rendered through the trusted-HTML block', async () => {
    const news = await site.db.kysely
      .selectFrom('sections')
      .select('id')
      .where('slug', '=', 'news')
      .executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const { submitRelease, approveRelease } = await import('../../src/stories/press-releases.ts');
    const r = await submitRelease(
      site.db.kysely,
      { memberId: reader.memberId, email: 'reader@example.org', licensed: true },
      {
        title: 'Licensed report',
        body: '<p>Read <a href="https://org.example/r" onclick="x()">the report</a><img src="https://org.example/c.png" onerror="x()" alt="Chart"></p><iframe src="https://evil.example"></iframe>',
        organisation: 'Licensed Org',
        contact: 'c',
        section_id: news.id,
      },
    );
    assert.ok(r.ok);
    const first = await site.db.kysely
      .selectFrom('press_releases')
      .select(['id', 'licensed'])
      .where('status', '=', 'pending')
      .orderBy('licensed', 'desc')
      .orderBy('created_at')
      .executeTakeFirstOrThrow();
    assert.equal(first.licensed, 1, 'licensed releases go to the top of the queue');
    const a = await approveRelease(
      {
        db: site.db.kysely,
        mailer: {
          kind: 'file',
          send: async () => ({ messageId: 'x', file: null }),
          close: async () => {},
        },
        siteName: 'Broadsheet',
        baseUrl: '',
      },
      r.ok ? r.id : 0,
      editor.memberId,
      news.id,
    );
    assert.ok(a.ok);
    const page = await site.app.inject(a.ok ? a.path : '/');
    assert.match(
      page.body,
      /<div class="release-html"><p>Read <a href="https:\/\/org.example\/r" rel="noopener nofollow">the report<\/a><img src="https:\/\/org.example\/c.png" alt="Chart" \/><\/p><\/div>/,
    );
    assert.ok(
      !page.body.includes('evil.example') &&
        !page.body.includes('onerror') &&
        !page.body.includes('onclick'),
    );
    void now;
  });

  test('ads: rotation by weight within target sections; impressions counted in batches; clicks through a signed redirect', async () => {
    const ads = [
      { id: 1, weight: 1, sections: '' },
      { id: 2, weight: 3, sections: ' news ' },
      { id: 3, weight: 5, sections: ' explainers ' },
    ];
    assert.deepEqual(
      adsForSection(ads, 'news').map((a) => a.id),
      [1, 2],
    );
    assert.deepEqual(
      adsForSection(ads, null).map((a) => a.id),
      [1],
    );
    const counts = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const a = pickByWeight(adsForSection(ads, 'news'), (i + 0.5) / 400)!;
      counts.set(a.id, (counts.get(a.id) ?? 0) + 1);
    }
    assert.deepEqual([counts.get(1), counts.get(2), counts.get(3)], [100, 300, undefined]);

    const news = await site.db.kysely
      .selectFrom('sections')
      .select('id')
      .where('slug', '=', 'news')
      .executeTakeFirstOrThrow();
    await site.db.kysely.deleteFrom('ads').execute();
    const created = await post('/admin/ads', editor, {
      kind: 'text',
      headline: 'Explainer ad',
      body: 'Only in explainers',
      link_url: 'https://ads.example/x',
      weight: '5',
      sections: 'explainers',
    });
    assert.equal(created.statusCode, 303);
    await post('/admin/ads', editor, {
      kind: 'text',
      headline: 'News ad',
      body: 'Read more news',
      link_url: 'https://ads.example/news',
      weight: '2',
      sections: 'news',
    });
    const badAd = await post('/admin/ads', editor, {
      kind: 'text',
      headline: 'Bad',
      link_url: 'javascript:alert(1)',
      weight: '1',
    });
    assert.equal(badAd.statusCode, 400);
    // A news story gets only the news ad.
    const story = await site.db.kysely
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .select(['stories.id'])
      .where('sections.slug', '=', 'news')
      .where('stories.status', '=', 'published')
      .executeTakeFirstOrThrow();
    const loc = (await site.app.inject(`/stories/${story.id}`)).headers.location as string;
    let html = '';
    for (let i = 0; i < 5; i++) {
      html = (await site.app.inject(loc)).body;
      assert.match(html, /News ad/);
      assert.ok(!html.includes('Explainer ad'));
    }
    const newsAd = await site.db.kysely
      .selectFrom('ads')
      .selectAll()
      .where('headline', '=', 'News ad')
      .executeTakeFirstOrThrow();
    assert.equal(
      Number(newsAd.impressions),
      0,
      'impressions are written in batches, not per page view',
    );
    await adServer(site).counter.flush();
    const after = await site.db.kysely
      .selectFrom('ads')
      .selectAll()
      .where('id', '=', newsAd.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(after.impressions), 5);
    const href = /<a href="(\/ads\/\d+\/click\?sig=[^"]+)" rel="sponsored noopener">/
      .exec(html)![1]
      .replace(/&amp;/g, '&');
    const click = await site.app.inject(href);
    assert.equal(click.statusCode, 302);
    assert.equal(click.headers.location, 'https://ads.example/news');
    for (const bad of [
      href.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`),
      `/ads/${newsAd.id}/click`,
      `/ads/${newsAd.id}/click?sig=${'x'.repeat(32)}`,
    ]) {
      const r = await site.app.inject(bad);
      assert.equal(r.statusCode, 403, bad);
    }
    const counted = await site.db.kysely
      .selectFrom('ads')
      .selectAll()
      .where('id', '=', newsAd.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(counted.clicks), 1);
    // Section lists show the ad after the third item.
    const section = await site.app.inject('/sections/news');
    if ((section.body.match(/<li><h3>/g) ?? []).length >= 3)
      assert.match(section.body, /(<li><h3>.*?<\/li>){3}<li class="ad-item">/s);
    void news;
  });

  test('feeds out validate as RSS 2.0 and Atom 1.0; every page announces them; sitemaps, news sitemap and robots.txt', async () => {
    for (const url of [
      '/feeds/home.rss',
      '/feeds/sections/news.rss',
      '/feeds/sections/cablegate.rss',
    ]) {
      const r = await site.app.inject(url);
      assert.equal(r.statusCode, 200, url);
      assert.match(r.headers['content-type'] as string, /application\/rss\+xml/);
      assert.equal(XMLValidator.validate(r.body), true);
      const doc = xml.parse(r.body);
      assert.equal(doc.rss['@_version'], '2.0');
      const ch = doc.rss.channel;
      for (const k of ['title', 'link', 'description']) assert.ok(ch[k], `${url} channel ${k}`);
      assert.ok(ch.item.length > 0);
      for (const it of ch.item) {
        assert.ok(it.title || it.description);
        assert.ok(!Number.isNaN(Date.parse(it.pubDate)));
        assert.match(it.link[0], /^http:\/\/127.0.0.1:3000\/stories\//);
      }
    }
    for (const url of ['/feeds/home.atom', '/feeds/sections/explainers.atom']) {
      const r = await site.app.inject(url);
      assert.match(r.headers['content-type'] as string, /application\/atom\+xml/);
      assert.equal(XMLValidator.validate(r.body), true);
      const f = xml.parse(r.body).feed;
      assert.equal(f['@_xmlns'], 'http://www.w3.org/2005/Atom');
      for (const k of ['id', 'title', 'updated']) assert.ok(f[k], `${url} feed ${k}`);
      assert.ok(f.author?.name);
      assert.ok(f.link.some((l: any) => l['@_rel'] === 'self'));
      for (const e of f.entry) {
        for (const k of ['id', 'title', 'updated']) assert.ok(e[k], `${url} entry ${k}`);
        assert.match(e.updated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
        assert.ok(e.link.some((l: any) => l['@_rel'] === 'alternate' && l['@_href']));
      }
    }
    assert.equal((await site.app.inject('/feeds/sections/nope.rss')).statusCode, 404);
    assert.equal((await site.app.inject('/feeds/home.json')).statusCode, 404);

    const home = (await site.app.inject('/')).body;
    assert.match(
      home,
      /<link rel="alternate" type="application\/rss\+xml" title="Broadsheet: Latest stories \(RSS\)" href="http:\/\/127.0.0.1:3000\/feeds\/home.rss"\/>/,
    );
    assert.match(home, /type="application\/atom\+xml"/);
    const section = (await site.app.inject('/sections/news')).body;
    assert.match(section, /href="http:\/\/127.0.0.1:3000\/feeds\/sections\/news.rss"/);

    const sm = await site.app.inject('/sitemap.xml');
    assert.equal(XMLValidator.validate(sm.body), true);
    const urls = xml.parse(sm.body).urlset.url.map((u: any) => u.loc);
    assert.ok(urls.includes('http://127.0.0.1:3000/'));
    assert.ok(
      urls.some((u: string) => /\/stories\/cablegate\/2009\/11\/\d+-cablegate-scenesetter/.test(u)),
    );
    assert.equal(urls.length, new Set(urls).size);
    assert.deepEqual(sitemapPages({ pages: 3, stories: 120_001, cables: 0 }, 50_000), [
      { kind: 'pages', page: 1 },
      { kind: 'stories', page: 1 },
      { kind: 'stories', page: 2 },
      { kind: 'stories', page: 3 },
      { kind: 'cables', page: 1 },
    ]);
    const part = await site.app.inject('/sitemaps/stories-1.xml');
    assert.equal(XMLValidator.validate(part.body), true);
    const news = await site.app.inject('/sitemap-news.xml');
    assert.equal(XMLValidator.validate(news.body), true);
    const newsUrls = xml.parse(news.body).urlset.url ?? [];
    assert.ok(newsUrls.length >= 1, 'demo stories from the last hours are in the news sitemap');
    assert.ok(
      newsUrls.every((u: any) => u['news:news']['news:publication']['news:name'] === 'Broadsheet'),
    );
    assert.ok(!news.body.includes('cablegate-scenesetter'), 'a 2009 story is not news');
    const robots = await site.app.inject('/robots.txt');
    assert.match(robots.body, /^Sitemap: http:\/\/127.0.0.1:3000\/sitemap.xml$/m);
    assert.match(robots.body, /^Disallow: \/admin$/m);
  });

  test('story pages carry Open Graph, Twitter and JSON-LD NewsArticle metadata and a canonical URL', async () => {
    const row = await site.db.kysely
      .selectFrom('stories')
      .select(['id'])
      .where('cable_reference_id', '=', '09LIMA1669')
      .executeTakeFirstOrThrow();
    const loc = (await site.app.inject(`/stories/${row.id}`)).headers.location as string;
    const html = (await site.app.inject(loc)).body;
    assert.match(html, new RegExp(`<link rel="canonical" href="http://127.0.0.1:3000${loc}"/>`));
    assert.match(html, /<meta property="og:type" content="article"\/>/);
    assert.match(html, /<meta name="twitter:card" content="summary"\/>/);
    const ld = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1];
    const data = JSON.parse(ld);
    assert.equal(data['@type'], 'NewsArticle');
    assert.equal(data.mainEntityOfPage['@id'], `http://127.0.0.1:3000${loc}`);
    assert.equal(data.datePublished, '2009-11-25T20:48:00.000Z');
  });
});
