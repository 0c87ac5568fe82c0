/**
 * What deleting a member's account means for the press releases they sent (src/platform/
 * account-removal.ts): the submissions go with the account (the foreign key cascades); a story
 * published from one stays, as the newsroom's.
 */
import type { Db } from '../platform/db.ts';
import { counted, type RemovalView } from '../platform/account-removal.ts';

export async function storiesRemoval(db: Db, memberId: number): Promise<RemovalView> {
  const rows = await db.kysely
    .selectFrom('press_releases')
    .select(['status', 'story_id'])
    .where('member_id', '=', memberId)
    .execute();
  if (!rows.length) return { refusal: null, removes: [] };
  const published = rows.filter((r) => r.story_id !== null).length;
  return {
    refusal: null,
    removes: [
      `${counted(rows.length, 'press release')} you sent` +
        (published
          ? ` (the ${counted(published, 'story', 'stories')} published from them stay)`
          : ''),
    ],
  };
}
