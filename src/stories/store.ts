/**
 * Stories and sections storage. Every query works on SQLite and PostgreSQL through Kysely.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { SectionsTable, StoriesTable } from './schema.ts';
import { nowIso, precompiled } from '../platform/db.ts';
import { slugify } from './markdown.ts';

export type Section = Selectable<SectionsTable>;
export type StoryRow = Selectable<StoriesTable>;

/** A story as pages and feeds use it: the row with its section and source names. */
export interface Story extends StoryRow {
  section_slug: string;
  section_name: string;
  source_name: string | null;
  source_url: string | null;
}

export const CABLEGATE_SLUG = 'cablegate';

type DB = Kysely<Database>;

/** Stories with their section and source names: the row every story list shows. */
export function storyQuery(db: DB) {
  return db
    .selectFrom('stories')
    .innerJoin('sections', 'sections.id', 'stories.section_id')
    .leftJoin('sources', 'sources.id', 'stories.source_id')
    .selectAll('stories')
    .select([
      'sections.slug as section_slug',
      'sections.name as section_name',
      'sources.name as source_name',
      'sources.url as source_url',
    ]);
}

export async function listSections(db: DB): Promise<Section[]> {
  return db.selectFrom('sections').selectAll().orderBy('position').orderBy('name').execute();
}

export async function getSectionBySlug(db: DB, slug: string): Promise<Section | undefined> {
  return db.selectFrom('sections').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Published stories, newest first, optionally within one section. */
export async function latestStories(
  db: DB,
  opts: {
    limit: number;
    offset?: number;
    sectionId?: number;
    featured?: boolean;
    excludeIds?: number[];
    now?: string;
  },
): Promise<Story[]> {
  let q = storyQuery(db)
    .where('stories.status', '=', 'published')
    .where('stories.published_at', '<=', opts.now ?? nowIso());
  if (opts.sectionId !== undefined) q = q.where('stories.section_id', '=', opts.sectionId);
  if (opts.featured) q = q.where('stories.featured', '=', 1);
  if (opts.excludeIds?.length) q = q.where('stories.id', 'not in', opts.excludeIds);
  // Lead stories come in the editors' order (lead_position), then newest first.
  if (opts.featured) q = q.orderBy(sql`coalesce(stories.lead_position, 1000000)`);
  return (await q
    .orderBy('stories.published_at', 'desc')
    .orderBy('stories.id', 'desc')
    .limit(opts.limit)
    .offset(opts.offset ?? 0)
    .execute()) as Story[];
}

export async function countPublished(db: DB, sectionId?: number, now = nowIso()): Promise<number> {
  let q = db
    .selectFrom('stories')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', '=', 'published')
    .where('published_at', '<=', now);
  if (sectionId !== undefined) q = q.where('section_id', '=', sectionId);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function getStory(db: DB, id: number): Promise<Story | undefined> {
  return (await storyById(db, id))[0] as Story | undefined;
}

// Run by every story page: compiled once, not built and compiled each time.
const storyById = precompiled(1, (db, id: number) => storyQuery(db).where('stories.id', '=', id));

/** What a story page needs before its kept render can be used: its address, visibility and version. */
export type StoryHead = Pick<
  Story,
  'id' | 'slug' | 'status' | 'published_at' | 'updated_at' | 'section_slug'
>;

/** The story's head only (no text, no source): what a signed-in member's kept page is checked by. */
export async function getStoryHead(db: DB, id: number): Promise<StoryHead | undefined> {
  return (await storyHeadById(db, id))[0];
}

const storyHeadById = precompiled(1, (db, id: number) =>
  db
    .selectFrom('stories')
    .innerJoin('sections', 'sections.id', 'stories.section_id')
    .select([
      'stories.id',
      'stories.slug',
      'stories.status',
      'stories.published_at',
      'stories.updated_at',
      'sections.slug as section_slug',
    ])
    .where('stories.id', '=', id),
);

/** Published and visible now (the public can read it). */
export function isVisible(
  story: Pick<StoryRow, 'status' | 'published_at'>,
  now = nowIso(),
): boolean {
  return story.status === 'published' && story.published_at <= now;
}

/** The permanent URL: /stories/<section>/<yyyy>/<mm>/<id>-<slug>. */
export function storyPath(
  story: Pick<Story, 'id' | 'slug' | 'section_slug' | 'published_at'>,
): string {
  const yyyy = story.published_at.slice(0, 4);
  const mm = story.published_at.slice(5, 7);
  return `/stories/${story.section_slug}/${yyyy}/${mm}/${story.id}-${story.slug}`;
}

export async function ensureSection(
  db: DB,
  s: { slug: string; name: string; description?: string; position?: number },
): Promise<Section> {
  const existing = await getSectionBySlug(db, s.slug);
  if (existing) return existing;
  return db
    .insertInto('sections')
    .values({
      slug: s.slug,
      name: s.name,
      description: s.description ?? '',
      position: s.position ?? 0,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function ensureSource(
  db: DB,
  name: string,
  url: string | null = null,
): Promise<number> {
  const existing = await db
    .selectFrom('sources')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirst();
  if (existing) return existing.id;
  const row = await db
    .insertInto('sources')
    .values({ name, url })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface NewStory {
  sectionId: number;
  title: string;
  body: string;
  teaser?: string;
  slug?: string;
  sourceId?: number | null;
  author?: string | null;
  status?: StoryRow['status'];
  featured?: boolean;
  isDemo?: boolean;
  cableReferenceId?: string | null;
  publishedAt?: string;
}

export async function createStory(db: DB, s: NewStory): Promise<number> {
  const now = nowIso();
  const row = await db
    .insertInto('stories')
    .values({
      section_id: s.sectionId,
      slug: s.slug ?? slugify(s.title),
      title: s.title,
      teaser: s.teaser ?? '',
      body: s.body,
      source_id: s.sourceId ?? null,
      author: s.author ?? null,
      status: s.status ?? 'published',
      featured: s.featured ? 1 : 0,
      is_demo: s.isDemo ? 1 : 0,
      cable_reference_id: s.cableReferenceId ?? null,
      published_at: s.publishedAt ?? now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Changes a story; a new title gives a new slug, and the old URL then redirects with 301. */
export async function updateStory(db: DB, id: number, patch: Partial<NewStory>): Promise<void> {
  const values: Partial<Record<keyof StoriesTable, unknown>> = { updated_at: nowIso() };
  if (patch.title !== undefined) {
    values.title = patch.title;
    values.slug = patch.slug ?? slugify(patch.title);
  }
  if (patch.body !== undefined) values.body = patch.body;
  if (patch.teaser !== undefined) values.teaser = patch.teaser;
  if (patch.status !== undefined) values.status = patch.status;
  if (patch.featured !== undefined) values.featured = patch.featured ? 1 : 0;
  if (patch.sectionId !== undefined) values.section_id = patch.sectionId;
  if (patch.publishedAt !== undefined) values.published_at = patch.publishedAt;
  if (patch.sourceId !== undefined) values.source_id = patch.sourceId;
  if (patch.author !== undefined) values.author = patch.author;
  await db
    .updateTable('stories')
    .set(values as never)
    .where('id', '=', id)
    .execute();
}
