/**
 * Partner feeds decoded by their declared charset: an ISO-8859-1 feed (declared in the HTTP header
 * or only in the XML declaration) and a windows-1252 one show "São Paulo" and curly quotes, not
 * replacement characters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { addFeed, getFeed } from '../../src/feeds/store.ts';
import { pollFeed } from '../../src/feeds/poll.ts';
import { contentTypeCharset, decodeFeed, xmlDeclaredEncoding } from '../../src/feeds/charset.ts';
import { parseOutboundAllow } from '../../src/platform/outbound.ts';
import { feedServer } from '../stories/helpers.ts';

const LIMITS = {
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  maxRedirects: 5,
  allow: parseOutboundAllow('127.0.0.1'),
};

const rss = (encoding: string | null, title: string) =>
  `<?xml version="1.0"${encoding ? ` encoding="${encoding}"` : ''}?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link><description>d</description>
<item><guid>sp1</guid><title>${title}</title><link>https://wire.example/sp1</link><description>Notícias de São Paulo</description><pubDate>${new Date().toUTCString()}</pubDate></item>
</channel></rss>`;

test('decodeFeed: header charset, then XML declaration, then UTF-8; BOMs win', () => {
  const latin1 = Buffer.from(rss('ISO-8859-1', 'São Paulo'), 'latin1');
  assert.equal(contentTypeCharset('application/rss+xml; charset="iso-8859-1"'), 'iso-8859-1');
  assert.equal(xmlDeclaredEncoding(latin1), 'ISO-8859-1');
  assert.match(decodeFeed(latin1, 'application/rss+xml'), /São Paulo/);
  assert.match(decodeFeed(latin1, 'text/xml; charset=ISO-8859-1'), /São Paulo/);
  // windows-1252: 0x93/0x94 are curly quotes there (C1 controls in strict ISO-8859-1).
  const cp1252 = Buffer.concat([
    Buffer.from('<?xml version="1.0" encoding="windows-1252"?><t>'),
    Buffer.from([0x93, 0x53, 0xe3, 0x6f, 0x94]),
    Buffer.from('</t>'),
  ]);
  assert.match(decodeFeed(cp1252, null), /“São”/);
  assert.match(
    decodeFeed(Buffer.from(rss(null, 'São Paulo'), 'utf8'), 'application/xml'),
    /São Paulo/,
  );
  assert.match(
    decodeFeed(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('São')]),
      'text/xml; charset=iso-8859-1',
    ),
    /^São$/,
  );
  assert.match(
    decodeFeed(Buffer.from('<?xml version="1.0" encoding="no-such-charset"?><t>São</t>'), null),
    /São/,
  );
});

describe(`an ISO-8859-1 partner feed on ${ENGINE}`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;
  let srv: Awaited<ReturnType<typeof feedServer>>;
  before(async () => {
    site = await testSite({ DEMO: '0', JOBS: '0' });
    srv = await feedServer((req, res) => {
      const header = req.url === '/header';
      res.writeHead(200, {
        'content-type': header ? 'application/rss+xml; charset=ISO-8859-1' : 'application/rss+xml',
      });
      res.end(Buffer.from(rss(header ? null : 'ISO-8859-1', 'Chuva em São Paulo'), 'latin1'));
    });
  });
  after(async () => {
    await srv.close();
    await site.cleanup();
  });

  for (const path of ['/header', '/declaration'])
    test(`is stored as "São Paulo" (charset in the ${path.slice(1)})`, async () => {
      const db = site.db.kysely;
      const f = (await getFeed(
        db,
        await addFeed(db, `Wire ${path}`, srv.url + path, new Date().toISOString()),
      ))!;
      const r = await pollFeed(db, f, LIMITS);
      assert.equal(r.status, 'updated');
      const item = await db
        .selectFrom('partner_items')
        .select(['title', 'summary'])
        .where('feed_id', '=', f.id)
        .executeTakeFirstOrThrow();
      assert.equal(item.title, 'Chuva em São Paulo');
      assert.equal(item.summary, 'Notícias de São Paulo');
    });
});
