/**
 * Fair queueing in front of the search threads (src/search/fair-queue.ts): per-client FIFO queues
 * served round-robin, bounded per client and in all; the scheduler runs at most `slots` tasks and
 * never lets one client's queued searches get more than one turn ahead of another client's.
 * Seeded random operation sequences are checked against a simple model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FairQueue, FairScheduler, QueueFull } from '../../src/search/fair-queue.ts';

test('round-robin between clients, FIFO within one, bounded per client and in all', () => {
  const q = new FairQueue<string>(2, 5);
  assert.equal(q.push('a', 'a1'), 'queued');
  assert.equal(q.push('a', 'a2'), 'queued');
  assert.equal(q.push('a', 'a3'), 'client-full');
  assert.equal(q.push('b', 'b1'), 'queued');
  assert.equal(q.push('c', 'c1'), 'queued');
  assert.equal(q.push('c', 'c2'), 'queued');
  assert.equal(q.push('d', 'd1'), 'full');
  assert.equal(q.size, 5);
  const order: string[] = [];
  for (let x = q.shift(); x; x = q.shift()) order.push(x.item);
  assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'c2']);
  assert.equal(q.size, 0);
  assert.equal(q.shift(), undefined);
});

test('remove takes a waiting item out and keeps the rotation', () => {
  const q = new FairQueue<string>(3);
  q.push('a', 'a1');
  q.push('a', 'a2');
  q.push('b', 'b1');
  assert.equal(q.remove('a', 'a1'), true);
  assert.equal(q.remove('a', 'zz'), false);
  assert.equal(q.remove('b', 'b1'), true);
  assert.equal(q.clients, 1);
  assert.deepEqual(q.shift(), { client: 'a', item: 'a2' });
  assert.equal(q.size, 0);
});

test('seeded random pushes and shifts: between two turns of a client every other client has at most one', () => {
  const op = fc.oneof(
    fc.record({ push: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
    fc.constant({ shift: true as const }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), (ops, per) => {
      const q = new FairQueue<number>(per, 12);
      const model = new Map<string, number[]>();
      let n = 0;
      let total = 0;
      /** Clients served since each client's last turn (reset at its turn). */
      const since = new Map<string, Map<string, number>>();
      for (const o of ops) {
        if ('push' in o) {
          const mine = model.get(o.push) ?? [];
          const r = q.push(o.push, n);
          const expected = mine.length >= per ? 'client-full' : total >= 12 ? 'full' : 'queued';
          assert.equal(r, expected);
          if (r === 'queued') {
            mine.push(n);
            model.set(o.push, mine);
            total++;
            // A client that starts waiting counts turns from now.
            if (mine.length === 1) since.set(o.push, new Map());
          }
          n++;
        } else {
          const x = q.shift();
          if (!total) {
            assert.equal(x, undefined);
            continue;
          }
          assert.ok(x);
          const mine = model.get(x.client)!;
          assert.equal(x.item, mine.shift(), 'first in, first out within a client');
          total--;
          if (!mine.length) model.delete(x.client);
          for (const [c, seen] of since) {
            if (c === x.client) continue;
            if (!model.has(c)) continue;
            const k = (seen.get(x.client) ?? 0) + 1;
            assert.ok(k <= 1, `${x.client} was served twice while ${c} waited`);
            seen.set(x.client, k);
          }
          since.set(x.client, new Map());
        }
        assert.equal(q.size, total);
      }
    }),
    { seed: 1405, numRuns: 300 },
  );
});

/** A task the test finishes by hand. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}
const tick = () => new Promise((r) => setImmediate(r));

test("the scheduler runs at most `slots` tasks; a second client goes before the first one's backlog", async () => {
  const s = new FairScheduler<string>(1, 3);
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const task = (name: string) => () => {
    started.push(name);
    const g = gate();
    gates.set(name, g);
    return g.p.then(() => name);
  };
  const results = ['a1', 'a2', 'a3', 'a4'].map((n) => s.run('a', task(n)));
  const b = s.run('b', task('b1'));
  await assert.rejects(
    s.run('a', task('a6')),
    (e: unknown) => e instanceof QueueFull && e.scope === 'client',
  );
  assert.deepEqual(started, ['a1']);
  assert.equal(s.active, 1);
  assert.equal(s.waiting, 4);
  assert.equal(s.waitingFor('a'), 3);
  gates.get('a1')!.open();
  await tick();
  assert.deepEqual(started, ['a1', 'a2'], 'a was first in the rotation');
  gates.get('a2')!.open();
  await tick();
  assert.deepEqual(
    started,
    ['a1', 'a2', 'b1'],
    "b waited for one of a's searches, not all of them",
  );
  gates.get('b1')!.open();
  assert.equal(await b, 'b1');
  await tick();
  gates.get('a3')!.open();
  await tick();
  gates.get('a4')!.open();
  assert.deepEqual(await Promise.all(results), ['a1', 'a2', 'a3', 'a4']);
  assert.equal(s.active, 0);
  assert.equal(s.waiting, 0);
});

test('a failing task frees its slot; an aborted waiting task never runs', async () => {
  const s = new FairScheduler<number>(1, 2);
  const g = gate();
  const first = s.run('a', () => g.p.then(() => Promise.reject(new Error('boom'))));
  const ac = new AbortController();
  let ran = false;
  const second = s.run(
    'b',
    async () => {
      ran = true;
      return 2;
    },
    ac.signal,
  );
  const third = s.run('c', async () => 3);
  ac.abort(new Error('went away'));
  await assert.rejects(second, /went away/);
  g.open();
  await assert.rejects(first, /boom/);
  assert.equal(await third, 3);
  assert.equal(ran, false);
  assert.equal(s.active, 0);
});

test('heavy searches take every slot but one: a simple search from anyone starts at once', async () => {
  const s = new FairScheduler<string>(2, 4);
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const task = (name: string) => () => {
    started.push(name);
    const g = gate();
    gates.set(name, g);
    return g.p.then(() => name);
  };
  // Eight clients each send a heavy search: one runs, the others wait their turn.
  const heavy = Array.from({ length: 8 }, (_, i) =>
    s.run(`abuser${i}`, task(`h${i}`), undefined, 'heavy'),
  );
  assert.equal(s.heavySlots, 1);
  assert.deepEqual(started, ['h0']);
  assert.equal(s.waiting, 7);
  // A reader's simple search takes the slot kept free.
  const light = s.run('reader', task('l1'), undefined, 'light');
  assert.deepEqual(started, ['h0', 'l1']);
  gates.get('l1')!.open();
  assert.equal(await light, 'l1');
  // When a heavy search ends, the next client's heavy search starts, still leaving one slot.
  gates.get('h0')!.open();
  await tick();
  assert.deepEqual(started, ['h0', 'l1', 'h1']);
  assert.equal(s.active, 1);
  // With both lanes waiting, the simple search goes first.
  const l2 = s.run('reader', task('l2'), undefined, 'light');
  const l3 = s.run('reader2', task('l3'), undefined, 'light');
  assert.deepEqual(started, ['h0', 'l1', 'h1', 'l2'], 'l2 took the free slot');
  gates.get('h1')!.open();
  await tick();
  assert.deepEqual(started, ['h0', 'l1', 'h1', 'l2', 'l3'], 'light before the next heavy');
  gates.get('l2')!.open();
  gates.get('l3')!.open();
  await Promise.all([l2, l3]);
  await tick();
  for (let i = 2; i < 8; i++) {
    await tick();
    gates.get(`h${i}`)!.open();
  }
  assert.deepEqual(await Promise.all(heavy), ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7']);
});

test("one client's bound counts its searches waiting in both lanes", async () => {
  const s = new FairScheduler<number>(1, 2);
  const g = gate();
  const running = s.run('a', () => g.p.then(() => 0), undefined, 'heavy');
  const waiting = [s.run('a', async () => 1, undefined, 'heavy'), s.run('a', async () => 2)];
  await assert.rejects(
    s.run('a', async () => 3),
    (e: unknown) => e instanceof QueueFull && e.scope === 'client',
  );
  g.open();
  assert.deepEqual(await Promise.all([running, ...waiting]), [0, 1, 2]);
});
