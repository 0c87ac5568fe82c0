/** Archive pages over HTTP (app.inject) on the engine under test. */
import { flushViews } from '../../src/platform/page-views.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE, SHARED_CABLES, testSite } from '../helpers.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { importCables } from '../../src/cables/importer.ts';
import { parseCable } from '../../src/cables/parse/index.ts';
import { requires } from '../prerequisites.ts';
import { CABLE_PAGE_SIZE } from '../../src/cables/routes.ts';

type Site = Awaited<ReturnType<typeof testSite>>;

describe(`cable archive pages on ${ENGINE}`, () => {
  let site: Site;
  let dir: string;
  let other: string;
  before(async () => {
    site = await testSite();
    dir = mkdtempSync(join(tmpdir(), 'broadsheet-pages-'));
    const file = join(dir, 'c.csv');
    // 200 synthetic cables (enough for a classification to fill two pages) plus one that cites the demo cable and one the archive lacks (and, below, one that strays from the format).
    const rows = [...generateCables({ count: 200, seed: 21 })];
    writeFileSync(file, rows.join(''));
    const s = await importCables(site.db, [file], { workers: 0 });
    assert.equal(s.skipped, 0);
    const citing = `"9001","12/2/2009 10:00","09LIMA1700","Embassy Lima","SECRET//NOFORN","09LIMA1669,09LIMA1234","R 021000Z DEC 09\nFM AMEMBASSY LIMA\nTO SECSTATE WASHDC","S E C R E T LIMA 001700\n\nNOFORN\n\nE.O. 12958: DECL: 2010/01/01\nTAGS: PREL, PE\nSUBJECT: FOLLOW-UP ON THE SOUTHCOM VISIT\n\nREF: A. LIMA 1669 B. LIMA 1234\n\nClassified By: Ambassador for reasons 1.4 (b) and (d)\n\n1. (S/NF) First paragraph of the follow-up.\n\n2. (U) Second paragraph.\n\nMCKINLEY\n"\n`;
    writeFileSync(join(dir, 'citing.csv'), citing);
    const c = await importCables(site.db, [join(dir, 'citing.csv')], { workers: 0 });
    assert.equal(c.new, 1, JSON.stringify(c));
    other = '09LIMA1700';
    // a cable whose caption strays from the format: its page says how it was read
    const strays = `"9002","12/3/2009 10:00","09LIMA1701","Embassy Lima","CONFIDENTIAL","","R 031000Z DEC 09\nFM AMEMBASSY LIMA\nTO SECSTATE WASHDC","C O N F I D E N T I A L LIMA 001701\n\nE.O. 12958: DECL: 2019/12/03\nTAGE; PREL, PE\nSUBJECT: A SECOND FOLLOW-UP\n\nREF: A. LIMA 1669 B. BANGOK 12 C. ROE-DOE E-MAIL 11/30/09\n\nClassified By: Ambassador for reasons 1.4 (b) and (d)\n\n1. (C) Text of the follow-up.\n\nMCKINLEY\n"\n`;
    writeFileSync(join(dir, 'strays.csv'), strays);
    assert.equal((await importCables(site.db, [join(dir, 'strays.csv')], { workers: 0 })).new, 1);
    // a cable whose source names the press articles it appears in (the WikiLeaks page's row)
    const media = {
      reference_id: '09LIMA1702',
      created: '2009-12-04 10:00',
      classification: 'UNCLASSIFIED',
      origin: 'Embassy Lima',
      header: 'R 041000Z DEC 09\nFM AMEMBASSY LIMA\nTO SECSTATE WASHDC',
      body: 'UNCLAS LIMA 001702\n\nE.O. 12958: N/A\nTAGS: PREL, PE\nSUBJECT: A CABLE IN THE PRESS\n\n1. Text.\n\nMCKINLEY\n',
      media_urls: [
        'http://http://www.example-news.de/',
        'javascript:alert(1)',
        'https://www.example-paper.co.uk/world/2010/nov/28/us-embassy-cables',
      ],
    };
    writeFileSync(join(dir, 'media.jsonl'), JSON.stringify(media) + '\n');
    assert.equal((await importCables(site.db, [join(dir, 'media.jsonl')], { workers: 0 })).new, 1);
  });
  after(async () => {
    await site.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the demo cable has its page: metadata, marked paragraphs, references in, neighbours', async () => {
    const res = await site.app.inject('/cables/09LIMA1669');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    for (const s of [
      '<h1>Scenesetter for USSOUTHCOM Commander, General Douglas M. Fraser</h1>',
      '>Reference id</th>',
      '25 November 2009, 20:48 UTC',
      'CONFIDENTIAL//NOFORN',
      'Embassy Lima',
      'ROUTINE',
      'href="/cables/tag/PREL"',
      'External political relations',
      'P. Michael McKinley',
      '1.4(a)',
      '25 Nov 2019 — has passed',
      'id="p3"',
      'href="#p3"',
      'class="cable-para mark-c mark-nf"',
      '(C/NF)',
      'Confidential, no foreign nationals (NOFORN)',
      'href="/cables/09LIMA1669/raw"',
      '>Referenced by</h2>',
      `href="/cables/${other}"`,
      'rel="next"',
      'Read as a story',
      'type="application/ld+json"',
      'property="og:title"',
    ]) {
      assert.ok(html.includes(s), `missing: ${s}`);
    }
    // The view is counted for the newsletter's most-read cables.
    await flushViews(site.db.kysely);
    const views = await site.db.kysely
      .selectFrom('views_daily')
      .selectAll()
      .where('kind', '=', 'cable')
      .execute();
    assert.ok(views.length >= 1);
  });

  test('references out are linked when held and marked when not', async () => {
    const res = await site.app.inject(`/cables/${other}`);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('href="/cables/09LIMA1669"'));
    assert.match(res.body, /09LIMA1234<\/span> <span class="meta">\(not in the archive\)/);
    assert.ok(res.body.includes('class="cable-para mark-s mark-nf"'));
    assert.ok(res.body.includes('rel="prev"'), 'previous cable from Embassy Lima');
  });

  test('the page and the API show how the cable was read: every guess is listed', async () => {
    const page = await site.app.inject('/cables/09LIMA1701');
    assert.equal(page.statusCode, 200);
    const details =
      /<details class="cable-reading"><summary>How this cable was read \((\d+) notes?\)<\/summary>([^]*?)<\/details>/.exec(
        page.body,
      );
    assert.ok(details, 'the page has a "how this cable was read" disclosure');
    const api = (await site.app.inject('/api/cables/09LIMA1701')).json() as {
      warnings: string[];
      tags: string[];
      references: string[];
      typedReferences: { kind: string; value: string; bullet: string | null }[];
    };
    assert.deepEqual(api.tags, ['PREL', 'PE']);
    assert.deepEqual(api.references, ['09LIMA1669', '09BANGKOK12']);
    // every item of the REF list, the e-mail too, with its kind and letter
    assert.deepEqual(api.typedReferences, [
      { kind: 'cable', value: '09LIMA1669', bullet: 'A' },
      { kind: 'cable', value: '09BANGKOK12', bullet: 'B' },
      { kind: 'email', value: 'ROE-DOE E-MAIL 11/30/09', bullet: 'C' },
    ]);
    for (const w of [
      'the TAGS label is written "TAGE;"; read as TAGS',
      'reference station "BANGOK" read as BANGKOK',
      'no Classified By line found',
    ]) {
      assert.ok(api.warnings.includes(w), `API warnings lack: ${w}`);
      assert.ok(details[2].includes(w.replace(/"/g, '&quot;')), `page lacks: ${w}`);
    }
    assert.equal(Number(details[1]), api.warnings.length);
    // a cable read without guesses says so
    const demo = await site.app.inject('/cables/09LIMA1669');
    const demoApi = (await site.app.inject('/api/cables/09LIMA1669')).json() as {
      warnings: string[];
    };
    if (!demoApi.warnings.length) assert.ok(demo.body.includes('nothing was guessed'));
    else assert.ok(demo.body.includes(`How this cable was read (${demoApi.warnings.length} note`));
  });

  test('the press articles a cable appears in are linked; an address no browser opens is not', async () => {
    const page = await site.app.inject('/cables/09LIMA1702');
    assert.equal(page.statusCode, 200);
    const row = /<th scope="row">Appears in<\/th><td>([^]*?)<\/td>/.exec(page.body);
    assert.ok(row, 'the facts table has an "Appears in" row');
    const links = [...row[1].matchAll(/<a href="([^"]*)" rel="([^"]*)"[^>]*>([^<]*)<\/a>/g)];
    assert.deepEqual(
      links.map((l) => [l[1], l[3]]),
      [
        ['http://www.example-news.de', 'example-news.de'],
        [
          'https://www.example-paper.co.uk/world/2010/nov/28/us-embassy-cables',
          'example-paper.co.uk/world/2010/nov/28/us-embassy-cables',
        ],
      ],
    );
    for (const l of links) assert.match(l[2], /\bnofollow\b/);
    assert.ok(!page.body.includes('href="javascript:'));
    const api = (await site.app.inject('/api/cables/09LIMA1702')).json() as {
      mediaUrls: string[];
      warnings: string[];
    };
    assert.deepEqual(api.mediaUrls, [
      'http://www.example-news.de',
      'https://www.example-paper.co.uk/world/2010/nov/28/us-embassy-cables',
    ]);
    assert.ok(
      api.warnings.includes(
        'media address "http://http://www.example-news.de/" read as http://www.example-news.de',
      ),
    );
    assert.ok(
      api.warnings.includes('media address "javascript:alert(1)" is not a web address; left out'),
    );
    // a cable whose source names no article has no such row
    const plain = await site.app.inject('/cables/09LIMA1700');
    assert.ok(!plain.body.includes('>Appears in<'));
  });

  test('raw text, JSON API, canonical redirects and 404s', async () => {
    const raw = await site.app.inject('/cables/09LIMA1669/raw');
    assert.equal(raw.statusCode, 200);
    assert.equal(raw.headers['content-type'], 'text/plain; charset=utf-8');
    assert.ok(raw.body.startsWith('VZCZCXYZ0001'));
    assert.ok(raw.body.includes('C O N F I D E N T I A L LIMA 001669'));

    const api = await site.app.inject('/api/cables/09LIMA1669');
    assert.equal(api.statusCode, 200);
    const json = api.json();
    assert.deepEqual(Object.keys(json).sort(), Object.keys(parseCable({ body: '' })).sort());
    assert.equal(json.referenceId, '09LIMA1669');
    assert.equal(json.paragraphs[2].number, 3);

    for (const [from, to] of [
      ['/cables/09lima01669', '/cables/09LIMA1669'],
      ['/cables/09lima1669/raw', '/cables/09LIMA1669/raw'],
      ['/api/cables/09lima1669', '/api/cables/09LIMA1669'],
    ]) {
      const r = await site.app.inject(from);
      assert.equal(r.statusCode, 301, from);
      assert.equal(r.headers.location, to);
    }
    const missing = await site.app.inject('/api/cables/09LIMA9999');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'not_found');
    assert.equal((await site.app.inject('/cables/09LIMA9999')).statusCode, 404);
    assert.equal((await site.app.inject('/cables/not-a-cable')).statusCode, 404);
  });

  test('the browse page: chart bars link to months; origins A–Z, years, classifications and tags with counts', async () => {
    const res = await site.app.inject('/cables');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.ok(html.includes('204 cables'));
    assert.match(html, /<svg[^>]*role="img"/);
    assert.match(html, /<a href="\/cables\/month\/2009-11"><rect /);
    assert.ok(html.includes('href="/cables/year/2009"'));
    assert.ok(html.includes('href="/cables/origin/embassy-lima"'));
    assert.ok(html.includes('href="/cables/classification/confidential-noforn"'));
    assert.ok(html.includes('href="/cables/tag/PREL"'));
    const origins = [...html.matchAll(/href="\/cables\/origin\/[^"]+">([^<]+)<\/a>/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(
      origins,
      [...origins].sort((a, b) => a.localeCompare(b, 'en')),
      'origins are A–Z',
    );
  });

  test('listings paginate and validate ?page', async () => {
    const f = await site.app.inject('/cables');
    const year = /href="\/cables\/year\/(\d{4})">\d{4}<\/a> <span class="count">(\d+)/.exec(
      f.body,
    )!;
    const lists = [
      '/cables/origin/embassy-lima',
      `/cables/year/${year[1]}`,
      '/cables/month/2009-11',
      '/cables/classification/confidential-noforn',
      '/cables/tag/PREL',
    ];
    for (const url of lists) {
      const r = await site.app.inject(url);
      assert.equal(r.statusCode, 200, url);
      assert.ok(r.body.includes('class="cable-list"'), url);
    }
    // The largest classification of the 202 cables fills more than one page.
    const [slug, count] = [
      ...f.body.matchAll(
        /href="\/cables\/classification\/([a-z0-9-]+)">[^<]+<\/a> <span class="count">(\d+)/g,
      ),
    ]
      .map((m) => [m[1], Number(m[2])] as const)
      .sort((a, b) => b[1] - a[1])[0];
    assert.ok(count > CABLE_PAGE_SIZE, `${slug}: ${count} cables`);
    const pages = Math.ceil(count / CABLE_PAGE_SIZE);
    const ids = (body: string) =>
      [...body.matchAll(/href="\/cables\/(\d{2}[A-Z][A-Z0-9]+)"/g)].map((m) => m[1]);
    const p1 = await site.app.inject(`/cables/classification/${slug}`);
    assert.equal(p1.statusCode, 200);
    assert.ok(p1.body.includes(`Page 1 of ${pages}`), 'page 1 says how many pages there are');
    assert.ok(p1.body.includes('rel="next"') && !p1.body.includes('rel="prev"'));
    const p2 = await site.app.inject(`/cables/classification/${slug}?page=2`);
    assert.equal(p2.statusCode, 200);
    assert.ok(p2.body.includes(`Page 2 of ${pages}`));
    assert.ok(p2.body.includes('rel="prev"'));
    assert.equal(p2.body.includes('rel="next"'), pages > 2);
    const first = new Set(ids(p1.body));
    assert.equal(first.size, CABLE_PAGE_SIZE, 'a full first page');
    const second = ids(p2.body);
    assert.equal(new Set(second).size, Math.min(CABLE_PAGE_SIZE, count - CABLE_PAGE_SIZE));
    assert.ok(
      second.every((id) => !first.has(id)),
      'page 2 continues where page 1 stopped',
    );
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const r = await site.app.inject(`/cables/tag/PREL?page=${bad}`);
      assert.equal(r.statusCode, 400, bad);
    }
    assert.equal((await site.app.inject('/cables/tag/PREL?page=999')).statusCode, 404);
    assert.equal((await site.app.inject('/cables/month/2009-13')).statusCode, 400);
    assert.equal((await site.app.inject('/cables/year/09')).statusCode, 400);
    assert.equal((await site.app.inject('/cables/origin/nowhere-at-all')).statusCode, 404);
    const lower = await site.app.inject('/cables/tag/prel');
    assert.equal(lower.statusCode, 301);
    assert.equal(lower.headers.location, '/cables/tag/PREL');
  });

  test('the story of an imported cable links to its cable page', async () => {
    const story = await site.db.kysely
      .selectFrom('stories')
      .select(['id', 'title', 'updated_at'])
      .where('cable_reference_id', '=', other)
      .executeTakeFirstOrThrow();
    assert.equal(story.title, 'Cablegate: Follow-Up on the SOUTHCOM Visit');
    const page = await site.app.inject(`/stories/${story.id}`);
    const html = (await site.app.inject(page.headers.location as string)).body;
    assert.ok(html.includes(`href="/cables/${other}"`));
  });
});

const CORPUS = join(SHARED_CABLES, 'corpus', 'wikileaks_html_cables.jsonl');

test(
  `the shared corpus imports and its cable pages render (${ENGINE})`,
  {
    skip: requires(
      existsSync(CORPUS),
      `${CORPUS} is absent: the shared cable corpus is not on this machine`,
    ),
    timeout: 600_000,
  },
  async () => {
    const site = await testSite({ DEMO: '0' });
    try {
      const s = await importCables(site.db, [CORPUS]);
      assert.ok(s.new > 1200, JSON.stringify({ ...s, files: undefined }));
      assert.equal(s.new + s.updated + s.unchanged + s.skipped, 1373);
      const again = await importCables(site.db, [CORPUS]);
      assert.equal(again.new + again.updated, 0);
      const ids = await site.db.kysely
        .selectFrom('cables')
        .select('reference_id')
        .orderBy('reference_id')
        .limit(1000)
        .execute();
      for (const { reference_id } of [
        ids[0],
        ids[Math.floor(ids.length / 2)],
        ids[ids.length - 1],
      ]) {
        const r = await site.app.inject(`/cables/${reference_id}`);
        assert.equal(r.statusCode, 200, reference_id);
        assert.ok(r.body.includes('class="cable-meta"'));
        const api = await site.app.inject(`/api/cables/${reference_id}`);
        assert.equal(api.json().referenceId, reference_id);
      }
      const browse = await site.app.inject('/cables');
      assert.equal(browse.statusCode, 200);
    } finally {
      await site.cleanup();
    }
  },
);
