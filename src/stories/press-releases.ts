/**
 * Press releases: any member submits; editors approve (published as written into a section), edit,
 * or reject with a reason. Releases are written in Markdown (markdown.ts). A release from a licensed
 * organisation keeps its links and images (its Markdown, or HTML, is stored as sanitised HTML) and
 * goes to the top of the queue; any other is kept as plain text with links removed, its Markdown
 * formatting (bold, paragraphs, lists, tables) rendered when it is published. The submitter is mailed when the release is published or rejected.
 */
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../platform/schema.ts';
import type { Mailer } from '../platform/mail.ts';
import { nowIso } from '../platform/db.ts';
import type { PressReleasesTable } from './schema.ts';
import { plainSummary, sanitizeRichHtml, toPlainText } from './sanitize.ts';
import { renderMarkdown } from './markdown.ts';
import { createStory, ensureSource, getStory, storyPath } from './store.ts';

export type PressRelease = Selectable<PressReleasesTable>;
type DB = Kysely<Database>;

const text = (max: number, what: string) =>
  z
    .string({ message: `Enter the ${what}.` })
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(max, `Keep the ${what} under ${max.toLocaleString('en-US')} characters.`);

export const releaseSchema = z.object({
  title: text(200, 'title'),
  body: text(50_000, 'text of the release'),
  organisation: text(200, 'organisation'),
  contact: text(300, 'press contact'),
  section_id: z.coerce.number().int().positive().nullable().catch(null),
});

export type ReleaseInput = z.infer<typeof releaseSchema>;

/**
 * The stored body: for a licensed organisation its Markdown (HTML accepted) rendered and sanitised,
 * else plain text without links, whose Markdown formatting is rendered when it is shown.
 */
export function releaseBody(body: string, licensed: boolean): string {
  return licensed ? sanitizeRichHtml(renderMarkdown(body)) : toPlainText(body);
}

/** What a release will look like once published (the live preview of the submission form). */
export function releasePreview(body: string, licensed: boolean): string {
  const stored = releaseBody(body, licensed);
  return renderMarkdown(releaseStoryBody({ body: stored, licensed: licensed ? 1 : 0 }));
}

/** The story body (Markdown subset) a release is published as. */
export function releaseStoryBody(r: Pick<PressRelease, 'body' | 'licensed'>): string {
  if (r.licensed) {
    // A line starting with ``` would end the fence early; as entities it reads the same.
    return '```html\n' + r.body.replace(/^([ \t]*)```/gm, '$1&#96;&#96;&#96;') + '\n```';
  }
  // Plain text: no fences (which could open an HTML block), no Markdown links.
  return r.body.replace(/^\s*(?:`{3,}|~{3,}).*$/gm, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
}

export async function submitRelease(
  db: DB,
  who: { memberId: number; email: string; licensed: boolean },
  input: unknown,
): Promise<{ ok: true; id: number } | { ok: false; message: string }> {
  const r = releaseSchema.safeParse(input);
  if (!r.success) return { ok: false, message: r.error.issues[0].message };
  const body = releaseBody(r.data.body, who.licensed);
  if (!body.trim())
    return { ok: false, message: 'The release has no text left once markup is removed.' };
  const now = nowIso();
  const row = await db
    .insertInto('press_releases')
    .values({
      member_id: who.memberId,
      email: who.email,
      title: toPlainText(r.data.title).replace(/\s+/g, ' ') || r.data.title,
      body,
      licensed: who.licensed ? 1 : 0,
      organisation: r.data.organisation,
      contact: r.data.contact,
      section_id: r.data.section_id,
      status: 'pending',
      reason: null,
      story_id: null,
      decided_by: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ok: true, id: row.id };
}

/** Pending releases: licensed organisations first, then oldest first. */
export async function releaseQueue(db: DB, limit = 200): Promise<PressRelease[]> {
  return db
    .selectFrom('press_releases')
    .selectAll()
    .where('status', '=', 'pending')
    .orderBy('licensed', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function recentDecisions(db: DB, limit = 20): Promise<PressRelease[]> {
  return db
    .selectFrom('press_releases')
    .selectAll()
    .where('status', '!=', 'pending')
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
}

export async function countPendingReleases(db: DB): Promise<number> {
  const r = await db
    .selectFrom('press_releases')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function getRelease(db: DB, id: number): Promise<PressRelease | undefined> {
  return db.selectFrom('press_releases').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function editRelease(
  db: DB,
  id: number,
  input: unknown,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const rel = await getRelease(db, id);
  if (!rel || rel.status !== 'pending')
    return { ok: false, message: 'That release is no longer in the queue.' };
  const r = releaseSchema.safeParse(input);
  if (!r.success) return { ok: false, message: r.error.issues[0].message };
  await db
    .updateTable('press_releases')
    .set({
      title: r.data.title,
      body: releaseBody(r.data.body, rel.licensed === 1),
      organisation: r.data.organisation,
      contact: r.data.contact,
      section_id: r.data.section_id,
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
  return { ok: true };
}

export interface DecisionDeps {
  db: DB;
  mailer: Mailer;
  siteName: string;
  baseUrl: string;
  log?: { warn(obj: unknown, msg?: string): void };
}

export async function approveRelease(
  d: DecisionDeps,
  id: number,
  editorId: number,
  sectionId: number,
): Promise<
  { ok: true; storyId: number; path: string; mailed: boolean } | { ok: false; message: string }
> {
  const rel = await getRelease(d.db, id);
  if (!rel || rel.status !== 'pending')
    return { ok: false, message: 'That release is no longer in the queue.' };
  const section = await d.db
    .selectFrom('sections')
    .select('id')
    .where('id', '=', sectionId)
    .executeTakeFirst();
  if (!section) return { ok: false, message: 'Choose a section to publish the release in.' };
  const storyId = await d.db.transaction().execute(async (trx) => {
    const sourceId = await ensureSource(trx, rel.organisation);
    const storyId = await createStory(trx, {
      sectionId,
      title: rel.title,
      body: releaseStoryBody(rel),
      teaser: plainSummary(rel.licensed ? toPlainText(rel.body) : rel.body, 220),
      sourceId,
      status: 'published',
    });
    const n = await trx
      .updateTable('press_releases')
      .set({
        status: 'published',
        story_id: storyId,
        decided_by: editorId,
        section_id: sectionId,
        reason: null,
        updated_at: nowIso(),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(n.numUpdatedRows) !== 1) throw new Error('release already decided');
    return storyId;
  });
  const story = (await getStory(d.db, storyId))!;
  const path = storyPath(story);
  let mailed = true;
  try {
    await d.mailer.send({
      to: rel.email,
      subject: `Published: ${rel.title}`,
      text: `Your press release "${rel.title}" has been published on ${d.siteName}:\n\n${d.baseUrl}${path}\n\nThank you for sending it.\n`,
    });
  } catch (err) {
    mailed = false;
    d.log?.warn({ err }, 'could not mail the press-release submitter');
  }
  return { ok: true, storyId, path, mailed };
}

export async function rejectRelease(
  d: DecisionDeps,
  id: number,
  editorId: number,
  reason: unknown,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (!why) return { ok: false, message: 'Give a reason for the submitter.' };
  if (why.length > 2000) return { ok: false, message: 'Keep the reason under 2,000 characters.' };
  const rel = await getRelease(d.db, id);
  if (!rel || rel.status !== 'pending')
    return { ok: false, message: 'That release is no longer in the queue.' };
  await d.db
    .updateTable('press_releases')
    .set({ status: 'rejected', reason: why, decided_by: editorId, updated_at: nowIso() })
    .where('id', '=', id)
    .execute();
  await d.mailer
    .send({
      to: rel.email,
      subject: `Not published: ${rel.title}`,
      text: `Your press release "${rel.title}" was not published on ${d.siteName}.\n\nThe editors' reason:\n${why}\n`,
    })
    .catch((err) => d.log?.warn({ err }, 'could not mail the press-release submitter'));
  return { ok: true };
}
