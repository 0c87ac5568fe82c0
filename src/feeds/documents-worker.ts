/**
 * Worker thread that makes sitemaps and feeds (see documents.ts): its own database connection, so
 * the queries over the archive, the XML and the compression stay off the event loop; at a low CPU
 * priority (src/platform/thread-priority.ts), compressing on this thread rather than the shared
 * thread pool, so a rebuild after an import does not take the cores from pages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect, type DbTarget } from '../platform/db.ts';
import { BACKGROUND_NICE, lowerThisThread } from '../platform/thread-priority.ts';
import { makeDocument, readDocument, transferable, type SiteInfo } from './documents.ts';

const nice = lowerThisThread(BACKGROUND_NICE);

const { target, site } = workerData as { target: DbTarget; site: SiteInfo };
const db = await connect(target, { serverNice: BACKGROUND_NICE });
let queue: Promise<unknown> = Promise.resolve();

parentPort!.on(
  'message',
  (msg: { id: number; path: string; now: string } | { id: number; load: string }) => {
    if ('load' in msg) {
      // Reading a stored version for the event loop: not queued behind a build (which may take
      // seconds); its forms are moved to the loop's thread, not copied.
      readDocument(db.kysely, msg.load).then(
        (doc) => {
          if (!doc) return parentPort!.postMessage({ id: msg.id, doc: null });
          const t = transferable(doc);
          parentPort!.postMessage({ id: msg.id, doc: t.doc }, t.move);
        },
        (err) =>
          parentPort!.postMessage({ id: msg.id, error: String((err as Error)?.message ?? err) }),
      );
      return;
    }
    // One build at a time: the connection is this thread's only one.
    queue = queue.then(async () => {
      try {
        const found = await makeDocument(db.kysely, msg.path, site, new Date(msg.now), {
          inThread: true,
        });
        parentPort!.postMessage({ id: msg.id, found, ...(nice === null ? {} : { nice }) });
      } catch (err) {
        parentPort!.postMessage({ id: msg.id, error: String((err as Error)?.message ?? err) });
      }
    });
  },
);
