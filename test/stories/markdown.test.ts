import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  markdownToText,
  renderMarkdown,
  renderMarkdownBlocks,
  slugify,
} from '../../src/stories/markdown.ts';
import { releasePreview } from '../../src/stories/press-releases.ts';

const md = (s: string) => renderMarkdown(s).replace(/\n/g, '');

test('bold, blank-line paragraphs, nested emphasis and escapes', () => {
  assert.equal(md('**Lima**'), '<p><strong>Lima</strong></p>');
  assert.equal(
    md('one\ntwo\n\nthree'),
    '<p>onetwo</p><p>three</p>'.replace('onetwo', 'one\ntwo').replace(/\n/g, ''),
  );
  assert.equal(renderMarkdown('one\n\nthree').match(/<p>/g)?.length, 2);
  assert.equal(md('**b *i***'), '<p><strong>b <em>i</em></strong></p>');
  assert.equal(md('\\*not italic\\*'), '<p>*not italic*</p>');
});

test('links whose address holds parentheses, numbered lists and tables', () => {
  assert.equal(
    md('See [Lima](https://en.wikipedia.org/wiki/Lima_(Peru)).'),
    '<p>See <a href="https://en.wikipedia.org/wiki/Lima_(Peru)" rel="noopener">Lima</a>.</p>',
  );
  assert.equal(md('1. one\n2. two\n3. three'), '<ol><li>one</li><li>two</li><li>three</li></ol>');
  assert.equal(md('4. four\n5. five'), '<ol start="4"><li>four</li><li>five</li></ol>');
  assert.equal(
    md('| City | Cables |\n| --- | ---: |\n| Lima | 1,669 |'),
    '<table><thead><tr><th>City</th><th>Cables</th></tr></thead><tbody><tr><td>Lima</td><td>1,669</td></tr></tbody></table>',
  );
});

test('raw HTML and scripts are stripped; javascript: and protocol-relative links keep their words only', () => {
  const html = renderMarkdown(
    'Hi <script>alert(1)</script><b onclick="x()">b</b>\n\n<style>p{}</style>\n\n<iframe src="https://evil.example"></iframe>',
  );
  for (const bad of ['<script', 'alert(1)', 'onclick', '<style', 'evil.example'])
    assert.ok(!html.includes(bad), `${bad}: ${html}`);
  assert.match(html, /<b>b<\/b>/);
  assert.equal(md('[x](javascript:alert(1))'), '<p>x</p>');
  assert.equal(
    md('[x](JaVaScRiPt:alert%281%29) [y](//evil.example) ![i](javascript:x)'),
    '<p>x y i</p>',
  );
  assert.equal(
    md('[f](#p3) [m](mailto:desk@ok.example)'),
    '<p><a href="#p3">f</a> <a href="mailto:desk@ok.example" rel="noopener">m</a></p>',
  );
});

test('numbered cable paragraphs keep their anchors; headings sit under the page title', () => {
  const html = md(
    '```\nDE RUEHPE #1669\n```\n\n# Peru\n\n1. (C) First\nline.\n\n2\\. Second.\n\n3. (S/NF) Third.\n\nPlain.',
  );
  assert.equal(
    html,
    '<pre><code>DE RUEHPE #1669</code></pre><h2>Peru</h2><p id="p1">1. (C) Firstline.</p><p id="p2">2. Second.</p><p id="p3">3. (S/NF) Third.</p><p>Plain.</p>'.replace(
      'Firstline',
      'First' + 'line',
    ),
  );
});

test('the story body is cut into top-level blocks so the ad slot can sit after the third paragraph', () => {
  const blocks = renderMarkdownBlocks('a\n\n## b\n\n- c\n- d\n\ne\n\nf');
  assert.deepEqual(
    blocks.map((b) => [b.paragraph, b.html.replace(/\n/g, '')]),
    [
      [true, '<p>a</p>'],
      [false, '<h2>b</h2>'],
      [false, '<ul><li>c</li><li>d</li></ul>'],
      [true, '<p>e</p>'],
      [true, '<p>f</p>'],
    ],
  );
});

test('a trusted html fence goes through the sanitiser', () => {
  const html = renderMarkdown(
    'Intro\n\n```html\n<p>Hi <img src=x onerror=alert(1)></p><script>bad()</script>\n```\n',
  );
  assert.match(html, /<div class="release-html"><p>Hi <\/p><\/div>/);
  assert.ok(!html.includes('onerror') && !html.includes('script'), html);
});

test('press releases: a licensed release keeps its Markdown form, a plain one its formatting without links', () => {
  const licensed = releasePreview(
    '**Lima**, said [the embassy](https://pe.example).\n\nSecond paragraph.',
    true,
  );
  assert.match(licensed, /<strong>Lima<\/strong>/);
  assert.match(licensed, /<a href="https:\/\/pe.example" rel="noopener nofollow">the embassy<\/a>/);
  assert.equal(licensed.match(/<p>/g)?.length, 2);
  const plain = releasePreview(
    '**Lima**, said [the embassy](https://pe.example).\n\nSecond paragraph.\n\n~~~html\n<script>x</script>\n~~~',
    false,
  );
  assert.match(plain, /<strong>Lima<\/strong>, said the embassy\./);
  assert.equal(plain.match(/<p>/g)?.length, 2);
  assert.ok(
    !plain.includes('pe.example') && !plain.includes('<script') && !plain.includes('release-html'),
    plain,
  );
});

test('markdownToText: the words, lists and tables as text, addresses when asked', () => {
  assert.equal(markdownToText('## H\n\nA **b**.'), 'H\n\nA b.');
  assert.equal(
    markdownToText(
      'Read [the report](https://r.example/a_(b)).\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |',
      { links: true },
    ),
    'Read the report (https://r.example/a_(b)).\n\n1. one\n2. two\n\na | b\n1 | 2',
  );
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
