/**
 * What the page-cache tests share: the demo's first Cablegate story, and what they read back after
 * serving a page (the story's views and all ad impressions).
 */
import type { Db } from '../../src/platform/db.ts';
import type { testSite } from '../helpers.ts';
import { flushViews } from '../../src/platform/page-views.ts';
import { adServer } from '../../src/ads/serve.ts';

/** Flushes the buffered counts, then reads the story's views and the ads' impressions. */
export async function viewAndAdCounts(
  db: Db,
  storyId: number,
): Promise<{ views: number; impressions: number }> {
  await flushViews(db.kysely);
  await adServer({ db }).counter.flush();
  const views = await db.kysely
    .selectFrom('views_daily')
    .select((eb) => eb.fn.sum<number | string>('views').as('n'))
    .where('kind', '=', 'story')
    .where('item_id', '=', storyId)
    .executeTakeFirst();
  const ads = await db.kysely
    .selectFrom('ads')
    .select((eb) => eb.fn.sum<number | string>('impressions').as('n'))
    .executeTakeFirst();
  return { views: Number(views?.n ?? 0), impressions: Number(ads?.n ?? 0) };
}

/** The address and id of the first Cablegate story the demo home page links to. */
export async function firstCablegateStory(
  site: Awaited<ReturnType<typeof testSite>>,
): Promise<{ storyPath: string; storyId: number }> {
  const home = await site.app.inject('/');
  const storyPath = /href="(\/stories\/cablegate\/[^"]+)"/.exec(home.body)![1];
  return { storyPath, storyId: Number(/\/(\d+)-/.exec(storyPath)![1]) };
}
