/**
 * A small worker_threads pool that parses and prepares chunks of reader items off the main thread,
 * so that on two cores the workers parse while the main thread writes to the database. With `size`
 * 0, or when a worker cannot start, chunks are prepared on the calling thread instead.
 *
 * Tasks are posted to a worker as soon as they are submitted (to the one with the fewest pending),
 * not when it asks for more: the main thread spends long stretches inside synchronous SQLite
 * commits, and a worker that had to wait for the main thread to hand it its next chunk would sit
 * idle for all of them. The caller bounds the number of tasks in flight.
 *
 * Workers start through src/platform/workers.ts (which makes them load under tsx too).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/workers.ts';
import { prepareItem, type Prepared } from './prepare.ts';
import type { ReaderItem } from './readers.ts';
import type { ParseHints } from './parse/index.ts';

interface Task {
  id: number;
  items: ReaderItem[];
  resolve(v: Prepared[]): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  /** Tasks posted to this worker, oldest first (a worker answers in the order it was sent). */
  pending: Map<number, Task>;
}

export class PreparePool {
  private slots: Slot[] = [];
  private nextId = 1;
  private broken = false;

  constructor(
    size: number,
    private readonly hints: ParseHints = {},
  ) {
    for (let i = 0; i < size; i++) {
      try {
        const worker = startWorker(import.meta.url, './parse-worker.ts');
        const slot: Slot = { worker, pending: new Map() };
        worker.on('message', (msg: { id: number; out?: Prepared[]; error?: string }) => {
          const task = slot.pending.get(msg.id);
          if (!task) return;
          slot.pending.delete(msg.id);
          if (msg.out) task.resolve(msg.out);
          else task.reject(new Error(msg.error ?? 'worker failed'));
        });
        worker.on('error', (err) => this.fail(slot, err));
        worker.on('exit', (code) => {
          if (code !== 0) this.fail(slot, new Error(`exited with code ${code}`));
        });
        this.slots.push(slot);
      } catch {
        this.broken = true;
      }
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** True once a worker failed (or could not start) and chunks are prepared on the calling thread. */
  get degraded(): boolean {
    return this.broken;
  }

  /** Prepares the items (in order) on a worker, or here when there is none. */
  run(items: ReaderItem[]): Promise<Prepared[]> {
    if (!this.slots.length || this.broken)
      return Promise.resolve(items.map((i) => prepareItem(i, this.hints)));
    let slot = this.slots[0];
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    return new Promise((resolve, reject) => {
      const task: Task = { id: this.nextId++, items, resolve, reject };
      slot.pending.set(task.id, task);
      slot.worker.postMessage({ id: task.id, items, hints: this.hints });
    });
  }

  /** A dead worker: its tasks are prepared here, and the pool stops using workers. */
  private fail(slot: Slot, err: Error): void {
    if (!this.slots.includes(slot)) return;
    if (!this.broken)
      process.emitWarning(
        `cable parse worker failed, preparing on the main thread instead: ${err.message}`,
      );
    this.broken = true;
    const tasks = [...slot.pending.values()];
    slot.pending.clear();
    this.slots = this.slots.filter((s) => s !== slot);
    for (const t of tasks) t.resolve(t.items.map((i) => prepareItem(i, this.hints)));
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
