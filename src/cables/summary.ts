/**
 * What the home page says about the cable archive: how many cables, the embassies that sent the
 * most and the latest months. Read through the shared caches (`services.shared.archive`), so the
 * counts are at most a few seconds old.
 */
import { sql, type Kysely } from 'kysely';
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

export async function archiveSummary(db: DB, origins = 8, months = 6): Promise<ArchiveSummary> {
  const [total, byOrigin, byMonth, span] = await Promise.all([
    db
      .selectFrom('cables')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('cables')
      .select(['origin', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('origin')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('origin')
      .limit(origins)
      .execute(),
    db
      .selectFrom('cables')
      .select(['month', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('month')
      .orderBy('month', 'desc')
      .limit(months)
      .execute(),
    db
      .selectFrom('cables')
      .select((eb) => [eb.fn.min('month').as('from'), eb.fn.max('month').as('to')])
      .executeTakeFirst(),
  ]);
  return {
    total: Number(total.n),
    origins: byOrigin.map((r) => ({ key: String(r.origin), count: Number(r.n) })),
    months: byMonth.map((r) => ({ key: String(r.month), count: Number(r.n) })),
    span: span?.from && span.to ? { from: String(span.from), to: String(span.to) } : null,
  };
}
