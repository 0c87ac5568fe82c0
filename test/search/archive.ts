/**
 * Shared set-up of the search tests that need a generated archive: a test site on the engine under
 * test holding generated cables, a scratch directory removed with it, and waiting for a service's
 * term index (built in a worker thread after the first search).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSite } from '../helpers.ts';
import { loadCables } from '../../bench/_cables.ts';
import { writeGeneratedCsv } from '../../tools/generate-cables.ts';
import { parseSearchParams, type SearchParams } from '../../src/search/query.ts';
import type { SearchService } from '../../src/search/service.ts';
import { deferCableIndex, indexCablesAfterImport } from '../../src/search/search-index.ts';

export type Site = Awaited<ReturnType<typeof testSite>>;

export interface Archive {
  site: Site;
  /** Scratch directory (index files and the like), removed by cleanup(). */
  dir: string;
  cleanup(): Promise<void>;
}

/** A site (no demo content) with `count` generated cables of `seed`, loaded as an import does. */
export async function generatedArchive(count: number, seed: number): Promise<Archive> {
  const site = await testSite({ DEMO: '0' });
  const dir = mkdtempSync(join(tmpdir(), 'bs-archive-'));
  const csv = join(dir, 'cables.csv');
  await writeGeneratedCsv(csv, { count, seed });
  await loadCables(site.db, csv);
  return {
    site,
    dir,
    async cleanup() {
      await site.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Search parameters from query-string fields (10 per page unless given); they must parse. */
export function searchParams(raw: Record<string, string>): SearchParams {
  const p = parseSearchParams({ size: '10', ...raw });
  assert.ok(p.ok, JSON.stringify(raw));
  return p.value;
}

/**
 * Searches once (which starts the term index) and waits until the index is ready: however long
 * the build takes on a busy machine, up to ten minutes.
 */
export async function termIndexReady(svc: SearchService): Promise<void> {
  await svc.search(searchParams({ q: 'warmup' }));
  for (let i = 0; i < 12_000 && !svc.terms!.ready('cable'); i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(svc.terms!.ready('cable'), 'the term index is ready');
}

/**
 * A bulk load as the importer makes one: `n` new cables copied from stored ones with `word` in their
 * titles (left out of the change log), ids from `nextId`, and one stored cable changed meanwhile
 * (logged); then the index is brought up to date as after an import. Returns the new cables' ids.
 */
export async function bulkLoadCables(
  db: Site['db'],
  n: number,
  word: string,
  nextId: () => string,
  index: Parameters<typeof indexCablesAfterImport>[1] = {},
): Promise<number[]> {
  const k = db.kysely;
  await deferCableIndex(db);
  const rows = await k.selectFrom('cables').selectAll().orderBy('id').limit(n).execute();
  const ids: number[] = [];
  for (const r of rows) {
    const { id: _id, ...rest } = r as Record<string, unknown> & { id: number };
    const got = await k
      .insertInto('cables')
      .values({
        ...rest,
        reference_id: nextId(),
        title: `${word} ${String(rest.title ?? '')}`,
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(got.id);
  }
  await k
    .updateTable('cables')
    .set({ body: `${word}logged note from the desk.` })
    .where('id', '=', rows[rows.length - 1].id)
    .execute();
  await indexCablesAfterImport(db, index);
  return ids;
}
