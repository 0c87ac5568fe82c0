/**
 * Lanes on the search threads (src/search/remote.ts): with two threads, heavy searches go to the
 * heavy thread, which runs at a low CPU priority (its nice value as the kernel has it), and simple
 * searches to the light thread at the process's priority, so a simple search never waits in a
 * thread behind a heavy one. The choice (pickSlot) is pure; the threads are real, on both engines.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pickSlot, WorkerSearcher, type SlotLoad } from '../../src/search/remote.ts';
import {
  BACKGROUND_NICE,
  perThreadPriority,
  threadNice,
} from '../../src/platform/thread-priority.ts';
import { generatedArchive, searchParams as params, type Archive } from './archive.ts';
import { ENGINE } from '../prerequisites.ts';
import type { SearchTiming } from '../../src/search/timing.ts';
import { Rng } from '../../tools/generate-cables.ts';

const slot = (pending: number, heavy = 0, warm = true, running = true): SlotLoad => ({
  running,
  warm,
  pending,
  heavy,
});

describe('pickSlot', () => {
  test('one thread answers both lanes', () => {
    assert.equal(pickSlot('heavy', [slot(3, 3)]), 0);
    assert.equal(pickSlot('light', [slot(3, 3)]), 0);
    assert.equal(pickSlot('light', [slot(0, 0, true, false)]), -1);
    assert.equal(pickSlot('light', []), -1);
  });

  test('a heavy search goes to the least busy heavy thread, never to the light one while a heavy thread runs', () => {
    assert.equal(pickSlot('heavy', [slot(0), slot(5, 5)]), 1);
    assert.equal(pickSlot('heavy', [slot(0), slot(2, 2), slot(1, 1)]), 2);
    assert.equal(
      pickSlot('heavy', [slot(0), slot(1, 1, false), slot(3, 3)]),
      2,
      'a ready one first',
    );
    // No heavy thread running (it died): the light thread answers rather than nobody.
    assert.equal(pickSlot('heavy', [slot(0), slot(0, 0, true, false)]), 0);
  });

  test('a simple search goes to the light thread, or to a thread with nothing in hand when the light one is busy', () => {
    assert.equal(pickSlot('light', [slot(0), slot(0)]), 0);
    assert.equal(pickSlot('light', [slot(1), slot(0)]), 1, 'the idle heavy thread helps');
    assert.equal(pickSlot('light', [slot(1), slot(1, 1)]), 0, 'never behind a heavy search');
    assert.equal(pickSlot('light', [slot(4), slot(1, 0)]), 0, 'nor behind a busy thread');
    assert.equal(pickSlot('light', [slot(1), slot(2, 2), slot(0)]), 2);
    assert.equal(pickSlot('light', [slot(0, 0, true, false), slot(2, 2)]), 1, 'light thread gone');
    // Still loading its index: a ready idle thread answers instead (the loading one would go to
    // the database, slowly); with none ready, the light thread.
    assert.equal(pickSlot('light', [slot(0, 0, false), slot(0)]), 1);
    assert.equal(pickSlot('light', [slot(0, 0, false), slot(0, 0, false)]), 0);
  });

  test('seeded random loads: a simple search never lands where a heavy search is in hand while the light thread runs', () => {
    const rng = new Rng(14);
    for (let n = 0; n < 2000; n++) {
      const slots = Array.from({ length: 2 + rng.int(3) }, () => {
        const pending = rng.int(4);
        return slot(pending, rng.int(pending + 1), rng.int(5) > 0, rng.int(6) > 0);
      });
      // Heavy searches only ever on heavy threads here.
      slots[0].heavy = 0;
      const light = pickSlot('light', slots);
      const heavy = pickSlot('heavy', slots);
      const running = slots.some((s) => s.running);
      assert.equal(light >= 0, running);
      assert.equal(heavy >= 0, running);
      if (light >= 0) assert.ok(slots[light].running);
      if (slots[0].running && light > 0)
        assert.equal(slots[light].pending, 0, JSON.stringify(slots));
      if (slots.slice(1).some((s) => s.running)) assert.ok(heavy > 0, JSON.stringify(slots));
    }
  });
});

describe(`search threads by lane on ${ENGINE}`, () => {
  let archive: Archive;
  let pair: WorkerSearcher;

  before(async () => {
    archive = await generatedArchive(200, 8);
    pair = new WorkerSearcher(archive.site.db, {
      termsFile: join(archive.dir, 'search-terms.bin'),
      workers: 2,
    });
    pair.start();
  });

  after(async () => {
    await pair?.close();
    await archive?.cleanup();
  });

  test('the heavy thread runs at a low priority, the light one at the process’s', async () => {
    // The threads say their nice value once started; a search waits for that.
    await pair.search(params({ q: 'government' }));
    await pair.search(params({ q: 'gov* OR min*' }), {}, 'heavy');
    const [light, heavy] = pair.status();
    assert.ok(light.running && heavy.running);
    if (perThreadPriority) {
      assert.equal(light.nice, threadNice());
      assert.equal(heavy.nice, Math.max(BACKGROUND_NICE, threadNice() ?? 0));
    } else {
      assert.equal(light.nice, null);
      assert.equal(heavy.nice, null);
    }
  });

  test('heavy searches are answered by the heavy thread; a simple search sent meanwhile by the light one', async () => {
    const before = pair.status().map((s) => s.answered);
    // Four heavy searches in hand on the heavy thread, then a simple one: it goes to the light
    // thread (the choice is made when it is sent, while the four are in hand).
    const heavy = ['gov* OR min*', 'sec* OR pol*', 'ele* OR mil*', 'eco* OR pre*'].map((q) =>
      pair.search(params({ q }), {}, 'heavy'),
    );
    const timing: SearchTiming = {};
    const light = await pair.search(params({ q: 'embassy' }), {}, 'light', timing);
    assert.ok(light.ok);
    // Where its time went comes back from the thread: the light thread answered it.
    assert.equal(timing.slot, 0);
    assert.ok(timing.threadMs !== undefined && timing.postMs !== undefined, JSON.stringify(timing));
    assert.ok(timing.databaseMs !== undefined, 'its hits were read from the database');
    const outs = await Promise.all(heavy);
    for (const o of outs) assert.ok(o.ok, JSON.stringify(o));
    const after = pair.status().map((s) => s.answered);
    assert.deepEqual(
      after.map((a, i) => ({ light: a.light - before[i].light, heavy: a.heavy - before[i].heavy })),
      [
        { light: 1, heavy: 0 },
        { light: 0, heavy: 4 },
      ],
    );
  });
});
