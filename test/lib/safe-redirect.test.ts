import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { safeRedirect } from '../../src/lib/safe-redirect.ts';

const ORIGINS = [
  'https://news.example',
  'http://127.0.0.1:3000',
  'https://broadsheet.example:8443',
];

/** Where a browser goes for a Location header `value` sent by a page at `origin`. */
function resolve(value: string, origin: string): URL {
  return new URL(value, origin + '/some/page?x=1');
}

test('return addresses that leave the site, however they are written, fall back', () => {
  const hostile = [
    '/\t/evil.example/phish',
    '/%09/evil.example/phish'.replace('%09', '\t'),
    '/\n/evil.example',
    '/\r\n/evil.example',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\/evil.example',
    '/\\/evil.example',
    ' //evil.example',
    '\t//evil.example',
    'https://evil.example/',
    'http:evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/..//evil.example',
    '/./%2e%2e//evil.example'.replace('%2e%2e', '..'),
    '/a/../..//evil.example',
    '/\u0000/evil.example',
    '/\u000b/evil.example',
    '',
    '/'.padEnd(2001, 'a'),
  ];
  for (const x of hostile) {
    assert.equal(safeRedirect(x, '/account'), '/account', JSON.stringify(x));
  }
  for (const x of [undefined, null, 42, ['/a'], { toString: () => '/a' }])
    assert.equal(safeRedirect(x), '/');
});

test('paths on the site are kept, normalised as a browser reads them', () => {
  assert.equal(safeRedirect('/terms'), '/terms');
  assert.equal(
    safeRedirect('/invitations/abc_DEF-123?x=1#top'),
    '/invitations/abc_DEF-123?x=1#top',
  );
  assert.equal(safeRedirect('/search?q=peru%20lima&page=2'), '/search?q=peru%20lima&page=2');
  // Percent-encoded slashes and tabs stay encoded: the browser does not decode them into a host.
  assert.equal(safeRedirect('/%09/evil.example/phish'), '/%09/evil.example/phish');
  assert.equal(safeRedirect('/%2F%2Fevil.example'), '/%2F%2Fevil.example');
  assert.equal(safeRedirect('/a/./b/../c'), '/a/c');
  assert.equal(safeRedirect('/caf\u00e9'), '/caf%C3%A9');
});

test('property: for any string, the answer stays on the site and is the path it resolves to', () => {
  const pieces = fc.constantFrom(
    '/',
    '//',
    '\\',
    '\t',
    '\n',
    '\r',
    ' ',
    '.',
    '..',
    '%2e',
    '%2F',
    '%09',
    '%5C',
    '@',
    ':',
    '?',
    '#',
    'evil.example',
    'http:',
    'https://',
    'a',
    '\u0000',
    '\u3002',
    'é',
  );
  const tricky = fc.array(pieces, { maxLength: 12 }).map((a) => a.join(''));
  const any = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    tricky,
    tricky.map((s) => '/' + s),
  );
  fc.assert(
    fc.property(any, fc.constantFrom(...ORIGINS), (input, origin) => {
      const out = safeRedirect(input, '/account');
      const u = resolve(out, origin);
      assert.equal(u.origin, origin, `${JSON.stringify(input)} → ${out}`);
      assert.equal(u.pathname + u.search + u.hash, out, `${JSON.stringify(input)} → ${out}`);
      // Whatever was accepted is a fixed point.
      assert.equal(safeRedirect(out, '/account'), out);
    }),
    { seed: 20261205, numRuns: 5000 },
  );
});
