/** Pasted links, shortened queries and page positions (src/search/forgiving.ts): pure logic. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalId } from '../../src/cables/parse/ids.ts';
import { aroundPosition, pageState, pastedLink, shortQuery } from '../../src/search/forgiving.ts';

describe('pastedLink', () => {
  const cable = (referenceId: string) => ({ kind: 'cable' as const, referenceId });
  const story = (id: number) => ({ kind: 'story' as const, id });
  const cases: Array<[string, ReturnType<typeof pastedLink>]> = [
    ['http://localhost:3000/cables/09LIMA1669', cable('09LIMA1669')],
    ['https://news.example.org/cables/09LIMA1669', cable('09LIMA1669')],
    ['https://news.example.org:8443/archive/cables/09lima1669/', cable('09LIMA1669')],
    ['  /cables/09LIMA1669  ', cable('09LIMA1669')],
    ['localhost:8080/cables/09LIMA1669?x=1#p3', cable('09LIMA1669')],
    ['//example.org/cables/09LIMA1669/raw', cable('09LIMA1669')],
    ['http://127.0.0.1:4000/stories/cablegate/2009/11/42-cablegate-peru', story(42)],
    ['/stories/news/2026/12/7-a-story', story(7)],
    ['example.org/stories/7', story(7)],
    ['/stories/7-a-title', story(7)],
    ['http://[::1]:3000/stories/7', story(7)],
    ['/cables', null],
    ['/cables/origin/lima', null],
    ['/cables/year/2009', null],
    ['/stories/news', null],
    ['http://example.org/', null],
    ['origin:lima', null],
    ['09LIMA1669', null],
    ['peru /cables/09LIMA1669', null],
    ['/cables/%zz', null],
    ['', null],
  ];
  for (const [q, want] of cases)
    it(JSON.stringify(q), () => assert.deepEqual(pastedLink(q, canonicalId), want));

  it('never throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (q) => {
        const r = pastedLink(q, canonicalId);
        assert.ok(r === null || r.kind === 'cable' || r.kind === 'story');
      }),
      { seed: 15, numRuns: 2000 },
    );
  });
});

describe('shortQuery', () => {
  it('keeps short queries, collapsing spaces', () => {
    assert.equal(shortQuery('  shining \n path  '), 'shining path');
  });
  it('cuts long ones at a word boundary with an ellipsis', () => {
    const long = 'nuclear '.repeat(700);
    const s = shortQuery(long);
    assert.ok(s.length <= 60, s);
    assert.match(s, /^nuclear( nuclear)+…$/);
  });
  it('cuts a single long word', () => {
    assert.equal(shortQuery('x'.repeat(5000), 10), 'xxxxxxxxx…');
  });
});

describe('aroundPosition', () => {
  it('keeps a short query whole', () => {
    assert.deepEqual(aroundPosition('peru -', 5), { before: 'peru ', at: '-', after: '' });
  });
  it('shows only the surroundings of a position in a long query', () => {
    const q = 'a'.repeat(1000) + '"' + 'b'.repeat(1000);
    const r = aroundPosition(q, 1000, 10);
    assert.deepEqual(r, { before: '…' + 'a'.repeat(10), at: '"', after: 'b'.repeat(10) + '…' });
  });
});

describe('pageState', () => {
  it('counts pages and says when a page is past the end', () => {
    assert.deepEqual(pageState(0, 10, 1), { pages: 1, past: false });
    assert.deepEqual(pageState(35, 10, 4), { pages: 4, past: false });
    assert.deepEqual(pageState(35, 10, 5), { pages: 4, past: true });
    assert.deepEqual(pageState(10, 10, 2), { pages: 1, past: true });
  });
});
