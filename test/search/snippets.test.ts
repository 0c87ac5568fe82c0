/**
 * Snippets and highlighting (src/search/service.ts): the extract is found by scanning only around
 * the first match; it must equal the straightforward version (flatten the whole text, split into
 * words) on any text, which is kept here as the oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MARK_END, MARK_START } from '../../src/search/search-index.ts';
import { highlightHtml, markedHtml, snippetHtml } from '../../src/search/service.ts';

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
function oracleHighlight(text: string, words: string[]): string {
  if (!words.length) return escapeHtml(text);
  const alt = words
    .filter((w) => w.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alt})[\\p{L}\\p{N}]*`, 'giu');
  return markedHtml(text.replace(re, (m) => MARK_START + m + MARK_END));
}
function oracleLead(text: string, words = 40): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const parts = t.split(' ');
  return parts.length > words ? parts.slice(0, words).join(' ') + ' …' : t;
}
function oracleSnippet(text: string, highlight: string[], words = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!highlight.length) return escapeHtml(oracleLead(flat, words));
  const alt = [...highlight]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  const m = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alt})`, 'iu').exec(flat);
  if (!m) return oracleHighlight(oracleLead(flat, words), highlight);
  const back = Math.floor(words / 3);
  let start = 0;
  for (let i = m.index - 1, c = 0; i >= 0; i--) {
    if (flat.charCodeAt(i) === 32 && ++c === back + 1) {
      start = i + 1;
      break;
    }
  }
  let end = flat.length;
  for (let i = start, c = 0; i < flat.length; i++) {
    if (flat.charCodeAt(i) === 32 && ++c === words) {
      end = i;
      break;
    }
  }
  return oracleHighlight(
    (start > 0 ? '… ' : '') + flat.slice(start, end) + (end < flat.length ? ' …' : ''),
    highlight,
  );
}

const WORDS = [
  'terror',
  'terrorism',
  'Lima',
  'peru',
  'minister',
  'the',
  'a<b>',
  'x&y',
  'Ünïcode',
  '2009',
  'path',
];
const SPACES = [' ', '  ', '\n', '\t', '\u00a0', ' \n ', '\u2003'];
const textArb = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SPACES)), { maxLength: 160 })
  .chain((parts) =>
    fc.tuple(fc.constant(parts), fc.constantFrom('', ' ', '\n  '), fc.constantFrom('', ' ', '\n')),
  )
  .map(
    ([parts, lead, tail]) =>
      lead +
      parts
        .map(([w, s]) => w + s)
        .join('')
        .trimEnd() +
      tail,
  );
const highlightArb = fc.array(
  fc.constantFrom('terror', 'lima', 'peru', 'minist', 'path', 'zzz', 'a'),
  { maxLength: 3 },
);

test('snippetHtml equals flattening the whole text, for any text and highlight list', () => {
  fc.assert(
    fc.property(textArb, highlightArb, fc.constantFrom(5, 12, 40), (text, highlight, words) => {
      assert.equal(snippetHtml(text, highlight, words), oracleSnippet(text, highlight, words));
    }),
    { numRuns: 1500 },
  );
});

test('highlightHtml marks word starts and escapes the rest', () => {
  fc.assert(
    fc.property(textArb, highlightArb, (text, highlight) => {
      assert.equal(highlightHtml(text, highlight), oracleHighlight(text, highlight));
    }),
    { numRuns: 500 },
  );
  assert.equal(
    highlightHtml('Terrorism in Lima <b>', ['terror', 'lima']),
    '<mark>Terrorism</mark> in <mark>Lima</mark> &lt;b&gt;',
  );
});

test('snippetHtml finds the first word start after letters of any script, and texts that lower-case longer', () => {
  for (const [text, words] of [
    ['Üterror then terror', ['terror']],
    ['𝐀terror 𝐀 terror', ['terror']],
    ['İstanbul İzmir terror TERRORISM', ['terror', 'izmir']],
    ['x9lima 9lima lima', ['lima', '9lima']],
    ['ΑΘΗΝΑ αθηνα', ['αθηνα']],
  ] as [string, string[]][])
    assert.equal(snippetHtml(text, words, 40), oracleSnippet(text, words, 40), text);
});

test('highlightHtml marks through the rest of the word in any script, and only at word starts', () => {
  for (const [text, words] of [
    ['Üterror then terrorïsm𝐀x terror', ['terror']],
    ['x9lima 9lima lima-peru LIMA2009', ['lima', '9lima']],
    ['İstanbul İzmir terror', ['terror', 'izmir']],
    ['<b>minister</b> & ministers', ['minist']],
  ] as [string, string[]][])
    assert.equal(highlightHtml(text, words), oracleHighlight(text, words), text);
});
