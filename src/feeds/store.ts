/** Partner items: headlines from partner newsrooms shown in the World Headlines box. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, PartnerItemsTable } from '../platform/schema.ts';

export type PartnerItem = Selectable<PartnerItemsTable>;

export async function latestPartnerItems(db: Kysely<Database>, limit = 4): Promise<PartnerItem[]> {
  return db
    .selectFrom('partner_items')
    .selectAll()
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
