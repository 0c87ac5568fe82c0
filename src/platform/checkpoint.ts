/**
 * WAL checkpoints off the event loop (SQLite). The server's connection never checkpoints itself
 * (`wal_autocheckpoint = 0`, see ConnectOptions.checkpointInBackground in db.ts): with SQLite's
 * default, the commit that finds the WAL past 1,000 pages copies it into the database file and
 * syncs it, synchronously, on whatever connection committed. During an import (which writes the
 * WAL on its own thread) that was the event loop's next small write: a job claim or a page-view
 * count then held every request for as long as the copy took.
 *
 * Here a timer looks at the WAL's size every second (an asynchronous stat) and, once it has grown
 * past the size SQLite's own default checkpoints at, has a thread of its own (started then, at
 * background priority, with its own connection) run a PASSIVE checkpoint, which never waits for
 * readers or writers. A folded-in WAL keeps its size (SQLite writes it again from the start), so
 * past the threshold every tick checkpoints; one with nothing new to copy costs next to nothing.
 */
import { stat } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { startWorker } from './workers.ts';

/** WAL size past which it is folded back in (SQLite's default: 1,000 pages of 4 KiB). */
export const CHECKPOINT_WAL_BYTES = 1000 * 4096;
export const CHECKPOINT_EVERY_MS = 1000;

export interface Checkpointer {
  /** Checkpoints now if the WAL is past the threshold (what the timer does every tick). */
  tick(): Promise<void>;
  /** Checkpoints the worker ran (each one reported back). */
  readonly checkpoints: number;
  stop(): Promise<void>;
}

export function startCheckpointer(
  file: string,
  opts: { everyMs?: number; walBytes?: number } = {},
): Checkpointer {
  const walBytes = opts.walBytes ?? CHECKPOINT_WAL_BYTES;
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  let checkpoints = 0;
  let pending: (() => void) | null = null;

  function thread(): Worker {
    if (worker) return worker;
    const w = startWorker(import.meta.url, './checkpoint-worker.ts', { workerData: { file } });
    // A checkpoint that fails is tried again at the next tick; the thread never keeps the process alive.
    w.on('error', () => {});
    w.on('message', () => {
      checkpoints++;
      const done = pending;
      pending = null;
      done?.();
    });
    exited = new Promise<void>((resolve) =>
      w.once('exit', () => {
        if (worker === w) worker = null;
        pending?.();
        pending = null;
        resolve();
      }),
    );
    w.unref();
    return (worker = w);
  }

  async function tick(): Promise<void> {
    if (busy || stopped) return;
    busy = true;
    try {
      const size = await stat(`${file}-wal`).then(
        (s) => s.size,
        () => 0,
      );
      if (size < walBytes || stopped) return;
      const w = thread();
      // Held only while a checkpoint is in hand, so the process does not end under it.
      w.ref();
      await new Promise<void>((resolve) => {
        pending = resolve;
        w.postMessage('checkpoint');
      });
      // stop() holds it until it has exited.
      if (!stopped) w.unref();
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void tick(), opts.everyMs ?? CHECKPOINT_EVERY_MS);
  timer.unref();
  return {
    tick,
    get checkpoints() {
      return checkpoints;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (worker) {
        worker.ref();
        worker.postMessage('stop');
      }
      await exited;
    },
  };
}
