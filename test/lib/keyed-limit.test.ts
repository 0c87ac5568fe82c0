import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedLimiter } from '../../src/lib/keyed-limit.ts';

test('a key gets `max` uses in any window, then none until the oldest falls out of it', () => {
  const l = new KeyedLimiter(3, 1000);
  assert.deepEqual(
    [0, 100, 200, 300].map((t) => l.take('a', t)),
    [true, true, true, false],
  );
  assert.ok(l.take('b', 300), 'keys are counted apart');
  assert.equal(l.take('a', 999), false);
  assert.equal(l.take('a', 1000), true, 'the use at 0 has left the window');
  assert.equal(
    l.take('a', 1001),
    false,
    'refused uses are not counted, but the window still holds three',
  );
  assert.equal(l.take('a', 1101), true);
  // A clock set back does not hand out more.
  assert.equal(l.take('a', 0), false);
});

test('the number of keys stays bounded', () => {
  const l = new KeyedLimiter(1, 60_000, 100);
  for (let i = 0; i < 1000; i++) l.take(`k${i}`, i);
  assert.ok(l.size <= 101, `${l.size} keys kept`);
  assert.equal(l.take('k999', 1000), false, 'the most recent keys are kept');
});
