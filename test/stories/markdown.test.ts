import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToText, parseInline, parseMarkdown, slugify } from '../../src/stories/markdown.ts';

test('blocks: headings, pre, lists, quotes and numbered cable paragraphs with anchors', () => {
  const blocks = parseMarkdown(
    '```\nDE RUEHPE #1669\nR 252048Z NOV 09\n```\n\n## Peru\n\n1. (C) First\nline.\n\n- one\n- two\n  continued\n\n> said\n\nPlain.',
  );
  assert.deepEqual(
    blocks.map((b) => b.type),
    ['pre', 'heading', 'paragraph', 'list', 'quote', 'paragraph'],
  );
  assert.equal((blocks[0] as { text: string }).text, 'DE RUEHPE #1669\nR 252048Z NOV 09');
  const p = blocks[2] as { id: string; number: number; content: { text: string }[] };
  assert.equal(p.id, 'p1');
  assert.equal(p.number, 1);
  assert.equal(p.content[0].text, '1. (C) First line.');
  assert.equal((blocks[3] as { items: unknown[][] }).items.length, 2);
  assert.equal((blocks[5] as { id: string | null }).id, null);
});

test('inline: bold, italic and only safe links', () => {
  assert.deepEqual(parseInline('a **b** *c* [d](/about/licensing)'), [
    { type: 'text', text: 'a ' },
    { type: 'strong', text: 'b' },
    { type: 'text', text: ' ' },
    { type: 'em', text: 'c' },
    { type: 'text', text: ' ' },
    { type: 'link', text: 'd', href: '/about/licensing' },
  ]);
  assert.deepEqual(parseInline('[x](javascript:alert(1))'), [
    { type: 'text', text: 'x' },
    { type: 'text', text: ')' },
  ]);
  assert.deepEqual(parseInline('[x](//evil.example)'), [{ type: 'text', text: 'x' }]);
});

test('inline links are read as a browser reads them: backslash and scheme-relative forms leave no link', () => {
  for (const href of [
    '/\\evil.example/x',
    '\\\\evil.example',
    '/\\/evil.example',
    '\\/evil.example',
    'http:evil.example',
    'JaVaScRiPt:alert%281%29',
  ])
    assert.deepEqual(parseInline(`[site](${href})`), [{ type: 'text', text: 'site' }], href);
  assert.deepEqual(parseInline('[p](/a/../b?c#d) [m](mailto:desk@ok.example) [f](#p3)'), [
    { type: 'link', text: 'p', href: '/b?c#d' },
    { type: 'text', text: ' ' },
    { type: 'link', text: 'm', href: 'mailto:desk@ok.example' },
    { type: 'text', text: ' ' },
    { type: 'link', text: 'f', href: '#p3' },
  ]);
});

test('markdownToText keeps the words', () => {
  assert.equal(markdownToText('## H\n\nA **b**.'), 'H\n\nA b.');
});

test('slugify', () => {
  assert.equal(
    slugify('Cablegate: Scenesetter for USSOUTHCOM Commander, General Douglas M. Fraser'),
    'cablegate-scenesetter-for-ussouthcom-commander-general-douglas-m-fraser',
  );
  assert.equal(slugify('Café & Crème — déjà vu'), 'cafe-and-creme-deja-vu');
  assert.equal(slugify('!!!'), 'story');
  assert.ok(slugify('word '.repeat(40)).length <= 80);
});
