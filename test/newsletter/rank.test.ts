import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCandidates, rankDigest, score, type Candidate } from '../../src/newsletter/rank.ts';
import { weekKey } from '../../src/newsletter/compose.ts';
import { linkToken, verifyLink } from '../../src/newsletter/tokens.ts';

let nextId = 1;
const c = (over: Partial<Candidate>): Candidate => ({
  kind: 'story',
  id: nextId++,
  title: 't',
  section: 'News',
  teaser: '',
  path: '/x',
  publishedAt: '2026-11-20T00:00:00.000Z',
  views: 0,
  pick: false,
  ...over,
});
const opts = { maxStories: 3, maxCables: 2, perSection: 2 };

test('stories rank by views; a pick counts double and leads among the unread', () => {
  const a = c({ views: 10 });
  const b = c({ views: 30 });
  const p = c({ views: 12, pick: true });
  const quiet = c({ views: 0, pick: true, section: 'World' });
  const r = rankDigest({ stories: [a, b, p, quiet], cables: [] }, { ...opts, perSection: 3 });
  assert.deepEqual(
    r.stories.map((s) => s.id),
    [b.id, p.id, a.id],
  );
  assert.equal(score(p), 25);
  assert.equal(score(quiet), 1);
  assert.ok(compareCandidates(quiet, c({ views: 0 })) < 0);
});

test('ties go to the newer story, then the lower id', () => {
  const old = c({ views: 5, publishedAt: '2026-11-01T00:00:00.000Z' });
  const recent = c({ views: 5, publishedAt: '2026-11-21T00:00:00.000Z' });
  const twinA = c({ views: 1 });
  const twinB = c({ views: 1 });
  const r = rankDigest(
    { stories: [twinB, old, twinA, recent], cables: [] },
    { ...opts, maxStories: 4 },
  );
  assert.deepEqual(
    r.stories.map((s) => s.id),
    [recent.id, old.id, twinA.id, twinB.id],
  );
});

test('at most perSection from one section while others have candidates; empty places are still filled', () => {
  const news = [c({ views: 100 }), c({ views: 90 }), c({ views: 80 })];
  const world = c({ views: 1, section: 'World' });
  const r = rankDigest({ stories: [...news, world], cables: [] }, opts);
  assert.deepEqual(
    r.stories.map((s) => s.id),
    [news[0].id, news[1].id, world.id],
  );
  const onlyNews = rankDigest({ stories: news, cables: [] }, opts);
  assert.equal(onlyNews.stories.length, 3, 'the cap never leaves places empty');
});

test('a quiet week is topped up with the latest stories, never repeating one', () => {
  const only = c({ views: 2 });
  const latest = [
    c({ publishedAt: '2026-11-25T00:00:00.000Z' }),
    only,
    c({ publishedAt: '2026-11-24T00:00:00.000Z' }),
    c({ publishedAt: '2026-11-01T00:00:00.000Z' }),
  ];
  const r = rankDigest({ stories: [only], cables: [], fallback: latest }, opts);
  assert.deepEqual(
    r.stories.map((s) => s.id),
    [only.id, latest[0].id, latest[2].id],
  );
  const empty = rankDigest({ stories: [], cables: [], fallback: latest }, opts);
  assert.equal(empty.stories.length, 3);
  assert.deepEqual(rankDigest({ stories: [], cables: [] }, opts).stories, []);
});

test('cables: only those read this week, most-read first, limited; duplicates dropped', () => {
  const x = c({ kind: 'cable', views: 3, section: 'Cable archive' });
  const y = c({ kind: 'cable', views: 9, section: 'Cable archive' });
  const z = c({ kind: 'cable', views: 0, section: 'Cable archive' });
  const w = c({ kind: 'cable', views: 1, section: 'Cable archive' });
  const r = rankDigest({ stories: [], cables: [x, y, z, w, y] }, opts);
  assert.deepEqual(
    r.cables.map((s) => s.id),
    [y.id, x.id],
  );
});

test('week keys follow ISO 8601 in the newsletter time zone', () => {
  assert.equal(weekKey(new Date('2026-11-29T18:00:00Z'), 'Pacific/Auckland'), '2026-W49'); // Monday 30 Nov in Auckland
  assert.equal(weekKey(new Date('2026-11-29T18:00:00Z'), 'UTC'), '2026-W48'); // still Sunday in UTC
  assert.equal(weekKey(new Date('2027-01-03T18:00:00Z'), 'Pacific/Auckland'), '2027-W01');
  assert.equal(weekKey(new Date('2020-12-28T12:00:00Z'), 'UTC'), '2020-W53');
  assert.equal(weekKey(new Date('2021-01-03T12:00:00Z'), 'UTC'), '2020-W53');
});

test('signed links verify only for their purpose, subscriber and issue', () => {
  const t = linkToken('secret', 'unsubscribe', 42, 7);
  assert.deepEqual(verifyLink('secret', 'unsubscribe', t), { subscriberId: 42, issueId: 7 });
  assert.equal(verifyLink('other', 'unsubscribe', t), null);
  assert.equal(verifyLink('secret', 'preferences', t), null);
  assert.equal(verifyLink('secret', 'unsubscribe', t.replace('42.', '43.')), null);
  assert.equal(verifyLink('secret', 'unsubscribe', 'garbage'), null);
  const p = linkToken('secret', 'confirm', 5);
  assert.deepEqual(verifyLink('secret', 'confirm', p), { subscriberId: 5, issueId: null });
});
