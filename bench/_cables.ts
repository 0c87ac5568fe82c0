/**
 * Loads cables for benchmarks and tests without the importer: reader → parser → rows inserted in
 * batched transactions, with the search index deferred and built afterwards (as an import does).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../src/platform/schema.ts';
import type { Db } from '../src/platform/db.ts';
import { readCables } from '../src/cables/readers.ts';
import { parseCable, type RawCable } from '../src/cables/parse/index.ts';
import { deferCableIndex, indexCablesAfterImport } from '../src/search/search-index.ts';
import { recountArchive } from '../src/cables/summary.ts';

export type CableInsert = Parameters<ReturnType<Kysely<Database>['insertInto']>['values']>[0] &
  Record<string, unknown>;

/** The `cables` row for one raw cable, or null when it has no usable id or date. */
export function cableRow(raw: RawCable): { row: Record<string, unknown>; tags: string[] } | null {
  const p = parseCable(raw);
  if (!p.referenceId || !p.created) return null;
  const { body, ...rest } = p;
  const now = new Date().toISOString();
  return {
    row: {
      reference_id: p.referenceId,
      wikileaks_id: p.wikileaksId,
      origin: p.origin ?? p.station ?? 'Unknown',
      station: p.station ?? 'UNKNOWN',
      created: p.created,
      year: Number(p.created.slice(0, 4)),
      month: p.created.slice(0, 7),
      released: p.released,
      classification: p.classification ?? 'UNCLASSIFIED',
      precedence: p.precedence,
      subject: p.subject,
      title: p.title,
      tags: p.tags.length ? ` ${p.tags.join(' ')} ` : '',
      summary: p.summary,
      declassify: p.declassify,
      parsed: JSON.stringify({ ...rest, paragraphs: undefined }),
      header: raw.header ?? '',
      body: raw.body,
      partial: p.partial ? 1 : 0,
      content_hash: createHash('sha256')
        .update((raw.header ?? '') + body)
        .digest('hex'),
      version: 1,
      imported_at: now,
      updated_at: now,
    },
    tags: [...new Set(p.tags)],
  };
}

export async function insertCables(
  db: Kysely<Database>,
  rows: NonNullable<ReturnType<typeof cableRow>>[],
): Promise<void> {
  if (!rows.length) return;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 50) {
      const part = rows.slice(i, i + 50);
      await trx
        .insertInto('cables')
        .values(part.map((r) => r.row) as never)
        .onConflict((oc) => oc.column('reference_id').doNothing())
        .execute();
      const tags = part.flatMap((r) =>
        r.tags.map((tag) => ({ reference_id: r.row.reference_id as string, tag })),
      );
      if (tags.length)
        await trx
          .insertInto('cable_tags')
          .values(tags)
          .onConflict((oc) => oc.doNothing())
          .execute();
    }
  });
}

/** Loads up to `limit` cables from a file; returns how many rows were inserted and the seconds taken. */
/** How many cables the database holds (a bench loads the corpus only when it has fewer). */
export async function cableCount(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('cables')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function loadCables(
  db: Db,
  file: string,
  opts: { limit?: number; batch?: number; onProgress?: (n: number) => void } = {},
): Promise<{ loaded: number; loadSeconds: number; indexSeconds: number }> {
  const t0 = performance.now();
  await deferCableIndex(db);
  let batch: NonNullable<ReturnType<typeof cableRow>>[] = [];
  let n = 0;
  for await (const item of readCables(file)) {
    if (!item.ok) continue;
    const r = cableRow(item.raw);
    if (!r) continue;
    batch.push(r);
    if (batch.length >= (opts.batch ?? 2000)) {
      await insertCables(db.kysely, batch);
      n += batch.length;
      batch = [];
      opts.onProgress?.(n);
    }
    if (opts.limit && n + batch.length >= opts.limit) break;
  }
  await insertCables(db.kysely, batch);
  n += batch.length;
  // Rows inserted here bypass the store, which keeps the home page's counts.
  await recountArchive(db.kysely);
  const t1 = performance.now();
  await indexCablesAfterImport(db);
  return {
    loaded: n,
    loadSeconds: (t1 - t0) / 1000,
    indexSeconds: (performance.now() - t1) / 1000,
  };
}
