/**
 * Properties of link handling (src/stories/links.ts, used by the Markdown renderer and the HTML
 * sanitiser), checked against the WHATWG URL parser (`new URL`, what browsers implement): whatever
 * href or src the site renders, a browser resolving it against the site's origin reaches exactly the
 * target the raw address named, that target is http(s) or mailto (images: https), and an address
 * written without a scheme of its own never leaves the site. Inputs are seeded random mixtures of
 * the pieces that change how addresses are read (slashes, backslashes, dots, schemes, controls,
 * percent-escapes, entities).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDocument } from 'htmlparser2';
import { safeHref, isExternal, browserTrim } from '../../src/stories/links.ts';
import markdownIt from 'markdown-it';
import { renderMarkdown } from '../../src/stories/markdown.ts';
import { sanitizeRichHtml } from '../../src/stories/sanitize.ts';
import { stripControlChars } from '../../src/platform/stored-text.ts';

const SEED = 20261205;
const ORIGINS = [
  'https://news.example',
  'http://localhost:3000',
  'https://a.broadsheet.invalid',
  'http://b.broadsheet.invalid:8080',
];
const PIECES = [
  '/',
  '/',
  '\\',
  '\\',
  '.',
  '..',
  ':',
  '//',
  'http',
  'https',
  'HTTPS',
  'mailto',
  'javascript',
  'data',
  'file',
  'evil.example',
  'news.example',
  'a',
  'x',
  '%2f',
  '%5C',
  '%2e',
  '@',
  '#',
  '?',
  '=',
  '&',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u001f',
  '\u00a0',
  'ê',
  ':80',
  'user:pw@',
];
const HTML_PIECES = [
  ...PIECES,
  '&#92;',
  '&#x2F;',
  '&Tab;',
  '&NewLine;',
  '&colon;',
  '&#0;',
  '&#x5c;',
  '&sol;',
  '&amp;',
];

const rawArb = fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }).map((xs) => xs.join(''));
const htmlRawArb = fc
  .array(fc.constantFrom(...HTML_PIECES), { maxLength: 10 })
  .map((xs) => xs.join(''));

function resolve(href: string, origin: string): URL | null {
  try {
    return new URL(href, origin + '/');
  } catch {
    return null;
  }
}

/** The property for one rendered address `out` of the raw address `raw` (as the browser reads it). */
function assertFaithful(raw: string, out: string | null, kind: 'link' | 'image'): void {
  if (out === null) return;
  assert.equal(out, browserTrim(out), `rendered address has edge controls: ${JSON.stringify(out)}`);
  assert.ok(
    !/[\t\n\r]/.test(out),
    `rendered address has tabs or line breaks: ${JSON.stringify(out)}`,
  );
  for (const origin of ORIGINS) {
    const target = resolve(raw, origin);
    const got = resolve(out, origin);
    assert.ok(
      target && got,
      `${JSON.stringify(raw)} → ${JSON.stringify(out)} does not parse against ${origin}`,
    );
    assert.equal(
      got.href,
      target.href,
      `${JSON.stringify(raw)} → ${JSON.stringify(out)} against ${origin}`,
    );
    if (kind === 'image')
      assert.equal(got.protocol, 'https:', `image ${JSON.stringify(raw)} → ${out}`);
    else
      assert.ok(
        ['http:', 'https:', 'mailto:'].includes(got.protocol),
        `${JSON.stringify(raw)} → ${out}`,
      );
    assert.ok(!got.username && !got.password, `credentials in ${out}`);
    if (!isExternal(out))
      assert.equal(
        got.origin,
        origin,
        `${JSON.stringify(raw)} → ${JSON.stringify(out)} leaves ${origin}`,
      );
  }
  if (isExternal(out)) {
    // An absolute address means the same thing on every origin.
    const all = new Set(ORIGINS.map((o) => resolve(out, o)!.href));
    assert.equal(all.size, 1, out);
  } else if (kind === 'link') {
    assert.ok(
      /^(\/(?!\/)|#)/.test(out),
      `relative address must be a path or a fragment: ${JSON.stringify(out)}`,
    );
  }
}

function attrs(html: string, tag: string, name: string): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  const walk = (n: {
    type?: string;
    name?: string;
    attribs?: Record<string, string>;
    children?: unknown[];
  }) => {
    if (n.type === 'tag' && n.name === tag) out.push(n.attribs?.[name]);
    for (const c of (n.children ?? []) as (typeof n)[]) walk(c);
  };
  walk(parseDocument(html, { decodeEntities: true }) as never);
  return out;
}

describe('links are read as a browser reads them', () => {
  it('known shapes', () => {
    const cases: [string, string | null][] = [
      ['/\\evil.example/x', null],
      ['\\\\evil.example', null],
      ['//evil.example/x', null],
      ['/\t/evil.example', null],
      [' \u0000//evil.example', null],
      ['http:evil.example', null],
      // Absolute whatever the page: an external link like any other, written as browsers read it.
      ['https:/\\evil.example', 'https://evil.example/'],
      ['javascript:alert(1)', null],
      ['java\tscript:alert(1)', null],
      ['data:text/html,x', null],
      ['https://user:pw@evil.example/', null],
      ['/.//evil.example/x', '/.//evil.example/x'],
      ['/about/licensing', '/about/licensing'],
      ['../../x?y=1#z', '/x?y=1#z'],
      ['#p3', '#p3'],
      ['https://ok.example', 'https://ok.example'],
      ['https:\\\\ok.example\\r', 'https://ok.example/r'],
      ['mailto:desk@ok.example', 'mailto:desk@ok.example'],
    ];
    for (const [raw, want] of cases) assert.equal(safeHref(raw), want, raw);
    assert.equal(safeHref('http://ok.example/a.png', 'image'), null);
    assert.equal(safeHref('/a.png', 'image'), null);
    assert.equal(safeHref('https://ok.example/a.png', 'image'), 'https://ok.example/a.png');
    assert.equal(safeHref('https://ok.example/', 'frame'), null);
    assert.equal(safeHref('/embed/1', 'frame'), '/embed/1');
  });

  it('safeHref: the rendered address reaches exactly the raw target, on every origin', () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        assertFaithful(raw, safeHref(raw), 'link');
        assertFaithful(raw, safeHref(raw, 'image'), 'image');
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('Markdown: every rendered href reaches the target the author wrote, or the link is text', () => {
    // The destination as CommonMark reads it (backslash escapes and entities undone), unchecked.
    const reader = markdownIt();
    reader.validateLink = () => true;
    reader.normalizeLink = (url) => url;
    fc.assert(
      fc.property(rawArb, (raw) => {
        const html = renderMarkdown(`See [the link](${raw}) now.`);
        const link = reader
          .parse(`See [the link](${raw}) now.`, {})
          .flatMap((t) => t.children ?? [])
          .find((t) => t.type === 'link_open');
        const written = link ? String(link.attrGet('href') ?? '') : null;
        const hrefs = attrs(html, 'a', 'href');
        if (written !== null && safeHref(written) !== null) {
          assert.equal(hrefs.length, 1, html);
          assertFaithful(written, hrefs[0]!, 'link');
        } else {
          assert.equal(hrefs.length, 0, `${JSON.stringify(raw)} rendered ${html}`);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('sanitised HTML: a/href and img/src reach the target the browser would have read from the input', () => {
    fc.assert(
      fc.property(htmlRawArb, (raw) => {
        const input = `<p><a href="${raw.replace(/"/g, '&quot;')}">x</a><img src="${raw.replace(/"/g, '&quot;')}" alt="i"></p>`;
        // Submitted HTML loses its control characters first (as all stored text does).
        const browserValue = attrs(stripControlChars(input), 'a', 'href')[0] ?? '';
        const out = sanitizeRichHtml(input);
        for (const href of attrs(out, 'a', 'href'))
          if (href !== undefined) assertFaithful(browserValue, href, 'link');
        for (const src of attrs(out, 'img', 'src')) {
          assert.ok(src !== undefined, `an image without an address survived: ${out}`);
          assertFaithful(browserValue, src, 'image');
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
