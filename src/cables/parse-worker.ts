/** Worker thread of the import's parse pool: prepares chunks of reader items (see pool.ts). */
import { parentPort } from 'node:worker_threads';
import { prepareItem } from './prepare.ts';
import type { ReaderItem } from './readers.ts';
import type { ParseHints } from './parse/index.ts';

parentPort!.on('message', (msg: { id: number; items: ReaderItem[]; hints: ParseHints }) => {
  try {
    parentPort!.postMessage({ id: msg.id, out: msg.items.map((i) => prepareItem(i, msg.hints)) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: String((err as Error)?.stack ?? err) });
  }
});
