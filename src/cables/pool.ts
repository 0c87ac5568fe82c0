/**
 * A small worker_threads pool that parses and prepares chunks of reader items off the main thread,
 * so that on two cores one core parses while the other writes to the database. With `size` 0, or
 * when a worker cannot start, chunks are prepared on the calling thread instead.
 */
import { Worker } from 'node:worker_threads';
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
  busy: Task | null;
}

export class PreparePool {
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 1;
  private broken = false;

  constructor(
    size: number,
    private readonly hints: ParseHints = {},
  ) {
    for (let i = 0; i < size; i++) {
      try {
        const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { execArgv: process.execArgv });
        const slot: Slot = { worker, busy: null };
        worker.on('message', (msg: { id: number; out?: Prepared[]; error?: string }) => {
          const task = slot.busy;
          slot.busy = null;
          if (task) {
            if (msg.out) task.resolve(msg.out);
            else task.reject(new Error(msg.error ?? 'worker failed'));
          }
          this.pump();
        });
        worker.on('error', () => this.fail(slot));
        worker.on('exit', (code) => {
          if (code !== 0) this.fail(slot);
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

  /** Prepares the items (in order) on a worker, or here when there is none. */
  run(items: ReaderItem[]): Promise<Prepared[]> {
    if (!this.slots.length || this.broken) return Promise.resolve(items.map((i) => prepareItem(i, this.hints)));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, items, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || !this.queue.length) continue;
      const task = this.queue.shift()!;
      slot.busy = task;
      slot.worker.postMessage({ id: task.id, items: task.items, hints: this.hints });
    }
  }

  /** A dead worker: its task and everything queued are prepared here, and the pool stops using workers. */
  private fail(slot: Slot): void {
    this.broken = true;
    const tasks = [...(slot.busy ? [slot.busy] : []), ...this.queue];
    slot.busy = null;
    this.queue = [];
    for (const t of tasks) t.resolve(t.items.map((i) => prepareItem(i, this.hints)));
    this.slots = this.slots.filter((s) => s !== slot);
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
