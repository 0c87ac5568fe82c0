/**
 * Worker thread reading documents for a term index build (terms-tokens.ts): its own read-only
 * connection; for each `{ from, to }` in, one TokenBatch out (typed arrays transferred), in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { TokenReader, rangeStatement, type TokenSource } from './terms-tokens.ts';

const { file, source } = workerData as { file: string; source: TokenSource };
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const stmt = rangeStatement(db, source).raw();
const reader = new TokenReader();
const fields = source.cols.length;

parentPort!.on('message', (msg: { from: number; to: number }) => {
  try {
    const rows = (stmt.all(msg.from, msg.to) as unknown[][]).map((r) => ({
      id: Number(r[0]),
      fields: r.slice(1).map((v) => String(v ?? '')),
    }));
    const out = reader.read(msg.from, msg.to, rows, fields);
    parentPort!.postMessage(out, [
      out.ids.buffer,
      out.counts.buffer,
      out.seq.buffer,
    ] as ArrayBuffer[]);
  } catch (err) {
    parentPort!.postMessage({ error: String((err as Error)?.message ?? err) });
  }
});
