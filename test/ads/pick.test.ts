import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickByWeight } from '../../src/ads/store.ts';

test('ads are picked in proportion to their weight', () => {
  const ads = [
    { id: 'a', weight: 1 },
    { id: 'b', weight: 3 },
  ];
  assert.equal(pickByWeight(ads, 0)?.id, 'a');
  assert.equal(pickByWeight(ads, 0.2499)?.id, 'a');
  assert.equal(pickByWeight(ads, 0.25)?.id, 'b');
  assert.equal(pickByWeight(ads, 0.9999)?.id, 'b');
  assert.equal(pickByWeight([], 0.5), null);
  assert.equal(pickByWeight([{ id: 'z', weight: 0 }], 0.5), null);
});
