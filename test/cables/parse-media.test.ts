// Press-article addresses given with a cable (src/cables/parse/media.ts): read as web addresses a
// browser opens, or left out, with a note for each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCable, readMediaUrls } from '../../src/cables/parse/index.ts';

test('media addresses: the scheme written twice is read once; a bare host and its slash are one', () => {
  const r = readMediaUrls([
    'http://http://www.example-news.de/',
    'http://http://www.example-news.de',
    'http://https://www.example-paper.co.uk/world/2010/nov/28/cables',
    'HTTP://WWW.EXAMPLE-DAILY.SE/nyheter/article1.ab',
    '  http://example-times.com/a?b=1#c  ',
  ]);
  assert.deepEqual(r.urls, [
    'http://www.example-news.de',
    'https://www.example-paper.co.uk/world/2010/nov/28/cables',
    'http://www.example-daily.se/nyheter/article1.ab',
    'http://example-times.com/a?b=1#c',
  ]);
  assert.deepEqual(r.notes, [
    'media address "http://http://www.example-news.de/" read as http://www.example-news.de',
    'media address "http://http://www.example-news.de" read as http://www.example-news.de',
    'media address "http://https://www.example-paper.co.uk/world/2010/nov/28/cables" read as https://www.example-paper.co.uk/world/2010/nov/28/cables',
  ]);
});

test('media addresses: what a browser would not open as a web page is left out and noted', () => {
  const r = readMediaUrls([
    'javascript:alert(1)',
    'data:text/html,<b>x</b>',
    'http://user:secret@example-news.de/',
    '/cable/2009/09/09BERLIN1162.html',
    'http://localhost/',
    'http://exa mple.de/',
    'ftp://example-news.de/file',
    '',
    42,
    null,
  ]);
  assert.deepEqual(r.urls, []);
  assert.equal(r.notes.length, 7);
  for (const n of r.notes) assert.match(n, /^media address ".*" is not a web address; left out$/);
  assert.deepEqual(readMediaUrls(undefined), { urls: [], notes: [] });
});

test('media addresses: parseCable gives the read addresses and says what it did', () => {
  const p = parseCable({
    referenceId: '09LIMA1669',
    body: 'UNCLAS LIMA 001669\n\nSUBJECT: A TEST\n\n1. Text.\n',
    mediaUrls: ['http://http://www.example-news.de/', 'javascript:void(0)'],
  });
  assert.deepEqual(p.mediaUrls, ['http://www.example-news.de']);
  assert.ok(
    p.warnings.includes(
      'media address "http://http://www.example-news.de/" read as http://www.example-news.de',
    ),
  );
  assert.ok(
    p.warnings.includes('media address "javascript:void(0)" is not a web address; left out'),
  );
  // none given, none read, nothing said
  const q = parseCable({ referenceId: '09LIMA1669', body: 'UNCLAS LIMA 001669\n' });
  assert.deepEqual(q.mediaUrls, []);
  assert.ok(!q.warnings.some((w) => w.startsWith('media address')));
});
