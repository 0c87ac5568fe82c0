/**
 * The text of a Cablegate story, built from its cable when the page is shown. The cable is stored
 * once (not again as story Markdown); the built text is remembered per story version.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.ts';
import { Lru } from '../platform/cache.ts';
import { parseCable } from './parse/index.ts';
import { rawFromStored, storyDraft } from './prepare.ts';

const built = new Lru<string, string>(500);

/** Markdown of the story that republishes `referenceId`, or null when the cable is not stored. */
export async function cableStoryMarkdown(
  db: Kysely<Database>,
  story: { id: number; updated_at: string; cable_reference_id: string },
): Promise<string | null> {
  const key = `${story.id}:${story.updated_at}`;
  const cached = built.get(key);
  if (cached !== undefined) return cached;
  const row = await db
    .selectFrom('cables')
    .select(['header', 'body', 'source_meta', 'created'])
    .where('reference_id', '=', story.cable_reference_id)
    .executeTakeFirst();
  if (!row) return null;
  const parsed = parseCable(rawFromStored(row), { referenceId: story.cable_reference_id });
  const md = storyDraft(
    { ...parsed, referenceId: story.cable_reference_id },
    row.header,
    row.body,
    row.created,
  ).body;
  built.set(key, md);
  return md;
}
