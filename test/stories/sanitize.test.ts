import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainSummary, sanitizeRichHtml, toPlainText } from '../../src/stories/sanitize.ts';
import { renderMarkdown } from '../../src/stories/markdown.ts';
import { releaseStoryBody } from '../../src/stories/press-releases.ts';
import { jsonLd } from '../../src/stories/meta.tsx';

test('rich HTML keeps formatting, links and images but loses scripts, handlers, javascript: links and foreign iframes', () => {
  const out = sanitizeRichHtml(
    '<p onclick="x()">Hello <strong>world</strong> <a href="https://ngo.example/report" onmouseover="x()">report</a> <a href="javascript:alert(1)">bad</a></p>' +
      '<script>alert(1)</script><img src="https://ngo.example/a.png" onerror="alert(1)" alt="A"><img src="javascript:alert(1)">' +
      '<iframe src="https://evil.example/frame"></iframe><iframe src="//evil.example/x"></iframe><style>body{}</style><form action="/x"><input></form>',
  );
  assert.match(out, /<strong>world<\/strong>/);
  assert.match(out, /<a href="https:\/\/ngo.example\/report" rel="noopener nofollow">report<\/a>/);
  assert.match(out, /<img src="https:\/\/ngo.example\/a.png" alt="A" \/>/);
  for (const bad of [
    '<script',
    'onclick',
    'onerror',
    'onmouseover',
    'javascript:',
    'evil.example',
    '<style',
    '<form',
    '<input',
  ])
    assert.ok(!out.includes(bad), `${bad} removed: ${out}`);
});

test('plain text removes every tag, link address and bare URL', () => {
  const t = toPlainText(
    '<p>Visit <a href="https://x.example">our site</a> or www.spam.example and http://a.example/b now.</p><p>[click](https://y.example) &amp; more<script>alert(1)</script></p>',
  );
  assert.equal(t, 'Visit our site or and now.\nclick & more');
  assert.equal(plainSummary('<b>one</b> two three four five six', 15), 'one two three…');
});

test('an html block in a story body is sanitised when rendered; plain releases cannot open one', () => {
  const html = renderMarkdown(
    'Intro\n\n```html\n<p>Hi <img src=x onerror=alert(1)></p><script>bad()</script>\n```\n',
  );
  assert.match(html, /release-html/);
  assert.ok(!html.includes('onerror') && !html.includes('script'), html);
  const plain = releaseStoryBody({
    body: 'Text\n```html\n<script>x</script>\n```\n~~~html\n<b>y</b>\n~~~\n[a](https://b.example)',
    licensed: 0,
  });
  const rendered = renderMarkdown(plain);
  assert.ok(
    !rendered.includes('release-html') &&
      !rendered.includes('<pre') &&
      !rendered.includes('<script'),
    rendered,
  );
  assert.ok(!plain.includes('https://b.example'));
  const licensed = releaseStoryBody({ body: '<p>a</p>\n```\n<p>b</p>', licensed: 1 });
  assert.equal(renderMarkdown(licensed).match(/release-html/g)?.length, 1);
});

test('JSON-LD cannot close its script element', () => {
  const s = jsonLd({ headline: '</script><script>alert(1)</script> & \u2028' });
  assert.ok(!s.includes('</') && !s.includes('<') && !s.includes('&'));
  assert.equal(JSON.parse(s).headline, '</script><script>alert(1)</script> & \u2028');
});
