/**
 * What the home page says about the cable archive: how many cables, the embassies that sent the
 * most and the latest months. Read through the shared caches (`services.shared.archive`), so the
 * counts are at most a few seconds old.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';

type DB = Kysely<Database>;

export interface ArchiveSummary {
  total: number;
  /** The origins with most cables, most first. */
  origins: { key: string; count: number }[];
  /** The latest months that have cables, latest first (YYYY-MM). */
  months: { key: string; count: number }[];
  /** First and last month of the archive (YYYY-MM), null when it is empty. */
  span: { from: string; to: string } | null;
}

/**
 * Read from `cable_counts` (kept by the import and by triggers on edits and deletes), so the box
 * costs a few index reads, not a GROUP BY over every cable.
 */
export async function archiveSummary(db: DB, origins = 8, months = 6): Promise<ArchiveSummary> {
  const counts = (facet: 'origin' | 'month') =>
    db
      .selectFrom('cable_counts')
      .select(['key', 'n'])
      .where('facet', '=', facet)
      .where('n', '>', 0);
  const [total, byOrigin, byMonth, span] = await Promise.all([
    db
      .selectFrom('cable_counts')
      .select((eb) => eb.fn.sum<number | string | null>('n').as('n'))
      .where('facet', '=', 'month')
      .executeTakeFirst(),
    counts('origin').orderBy('n', 'desc').orderBy('key').limit(origins).execute(),
    counts('month').orderBy('key', 'desc').limit(months).execute(),
    db
      .selectFrom('cable_counts')
      .select((eb) => [eb.fn.min('key').as('from'), eb.fn.max('key').as('to')])
      .where('facet', '=', 'month')
      .where('n', '>', 0)
      .executeTakeFirst(),
  ]);
  return {
    total: Number(total?.n ?? 0),
    origins: byOrigin.map((r) => ({ key: String(r.key), count: Number(r.n) })),
    months: byMonth.map((r) => ({ key: String(r.key), count: Number(r.n) })),
    span: span?.from && span.to ? { from: String(span.from), to: String(span.to) } : null,
  };
}

/**
 * Counts `cable_counts` again from the cables (for loaders that insert rows without the store,
 * such as the benchmarks' fast loader).
 */
export async function recountArchive(db: DB): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('cable_counts').execute();
    for (const facet of ['origin', 'month'] as const)
      await trx
        .insertInto('cable_counts')
        .columns(['facet', 'key', 'n'])
        .expression((eb) =>
          eb
            .selectFrom('cables')
            .select([eb.val(facet).as('facet'), `${facet} as key`, eb.fn.countAll().as('n')])
            .groupBy(facet),
        )
        .execute();
  });
}
