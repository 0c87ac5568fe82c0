/**
 * Bulk loads of content (a cable import). A feature that keeps data derived from content row by
 * row (search: its full-text index) may put that off while a load runs and catch up once at its
 * end, in committed batches. It names a module exporting `bulkLoad: BulkLoadHook` in its manifest
 * (`Feature.bulkLoad`, see src/platform/feature.ts); src/features.ts registers those modules here,
 * and a loader runs `loadBulkLoadHooks()`. Modules, not functions, so that a load running on a
 * worker thread (which loads no feature) imports the same hooks there: the loader passes
 * `bulkLoadModules()` on to the thread.
 */
import type { Transaction } from 'kysely';
import type { Db, Engine, Pace } from './db.ts';
import type { Database } from './schema.ts';

export interface BulkLoadProgress {
  /** Rows caught up with so far, of `total`. */
  done: number;
  total: number;
}

export interface BulkLoadAfterOptions {
  onProgress?: (p: BulkLoadProgress) => void;
  /**
   * The data directory of a site that is not running (a load from the command line): the hook may
   * also write there what the site loads at start, so the site need not rebuild it.
   */
  startFilesDir?: string | null;
  /** PostgreSQL, a load on a running site: the pace its batches keep (see Pace in ./db.ts). */
  pace?: Pace | null;
}

export interface BulkLoadHook {
  name: string;
  /** Before the first batch: rows loaded from now on may be left for `after`. */
  before(db: Db): Promise<void>;
  /**
   * Optional, at the start of each batch's transaction (on the loader's connection): returns what
   * to run in the same transaction once the batch's rows are written, before it commits. Search
   * marks there the changes the batch logged as a bulk writer's, which searches do not wait for.
   */
  batch?(trx: Transaction<Database>, engine: Engine): Promise<() => Promise<void>>;
  /**
   * After the last batch (and after a failed load, for what it committed): catches up with the
   * rows loaded since `before`, in committed batches; a later `after` finishes an interrupted one.
   */
  after(db: Db, opts?: BulkLoadAfterOptions): Promise<{ done: number; wrote?: string[] }>;
}

/** The URL of a module exporting `bulkLoad` (see moduleEntry in src/platform/workers.ts). */
export type BulkLoadModule = string;

const modules: BulkLoadModule[] = [];

/** Registers a feature's hook module (src/features.ts does, for every manifest naming one). */
export function addBulkLoadModule(url: BulkLoadModule): void {
  if (!modules.includes(url)) modules.push(url);
}

/** The registered hook modules, in registration order. */
export function bulkLoadModules(): BulkLoadModule[] {
  return [...modules];
}

/** The hooks of `urls` (default: the registered modules), loaded. */
export async function loadBulkLoadHooks(
  urls: readonly BulkLoadModule[] = modules,
): Promise<BulkLoadHook[]> {
  return Promise.all(
    urls.map(async (url) => {
      const m = (await import(url)) as { bulkLoad?: BulkLoadHook };
      if (!m.bulkLoad) throw new Error(`${url} exports no bulkLoad hook`);
      return m.bulkLoad;
    }),
  );
}

/** Runs every hook's `before`, in order. */
export async function beforeBulkLoad(hooks: readonly BulkLoadHook[], db: Db): Promise<void> {
  for (const h of hooks) await h.before(db);
}

/**
 * At a batch's start, inside its transaction: every hook's `batch`; what it returns runs, in the
 * same transaction, once the batch's rows are written.
 */
export async function startBulkBatch(
  hooks: readonly BulkLoadHook[],
  trx: Transaction<Database>,
  engine: Engine,
): Promise<() => Promise<void>> {
  const ends: (() => Promise<void>)[] = [];
  for (const h of hooks) if (h.batch) ends.push(await h.batch(trx, engine));
  return async () => {
    for (const end of ends) await end();
  };
}

/** Runs every hook's `after`, in order; the rows they caught up with, added up, and the files written. */
export async function afterBulkLoad(
  hooks: readonly BulkLoadHook[],
  db: Db,
  opts: BulkLoadAfterOptions = {},
): Promise<{ done: number; wrote: string[] }> {
  let done = 0;
  const wrote: string[] = [];
  for (const h of hooks) {
    const r = await h.after(db, opts);
    done += r.done;
    wrote.push(...(r.wrote ?? []));
  }
  return { done, wrote };
}
