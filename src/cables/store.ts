/**
 * Cable archive storage: batch upserts by canonical reference id (the content hash decides new /
 * updated / unchanged; earlier texts go to cable_versions), references and tags, the Cablegate
 * story of each cable, and the queries behind the archive pages. Same queries on both engines.
 *
 * Copies of one cable under different WikiLeaks ids map to one canonical id and so to one row.
 * Every distinct text of a cable is kept: the last one read is current, earlier ones are versions.
 * A text seen before for that cable (current or any earlier version) counts as unchanged, so
 * importing the same files again, in any order of runs, changes nothing.
 */
import { CompiledQuery, PostgresAdapter, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { CablesTable } from './schema.ts';
import type { Prepared } from './prepare.ts';
import { CABLEGATE_SLUG, ensureSection, ensureSource } from '../stories/store.ts';
import { slugify } from '../stories/markdown.ts';

type DB = Kysely<Database>;
export type Cable = Selectable<CablesTable>;
export type PreparedCable = Extract<Prepared, { ok: true }>;

export const ARCHIVE_SOURCE = 'Broadsheet cable archive';

export interface StoreContext {
  sectionId: number;
  sourceId: number;
}

export interface BatchResult {
  inserted: string[];
  updated: string[];
  unchanged: string[];
}

/** The Cablegate section and the archive source every cable story belongs to (created if missing). */
export async function storeContext(db: DB): Promise<StoreContext> {
  const section = await ensureSection(db, {
    slug: CABLEGATE_SLUG,
    name: 'Cablegate',
    description: 'Diplomatic cables, republished in full with their metadata.',
    position: 2,
  });
  const sourceId = await ensureSource(db, ARCHIVE_SOURCE, null);
  return { sectionId: section.id, sourceId };
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bulk statements. A batch is written with a few large multi-row statements whose SQL is built
// here (not through the query builder, whose compile time grows with every value) and whose row
// counts come from a small fixed set (`sizes`), so SQLite's prepared-statement cache keeps reusing
// the same dozen statements for the whole import.

type Engine = 'sqlite' | 'postgres';

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMS = 30000;
/** Rows per multi-row INSERT of cables (each row carries a cable's text). */
export const INSERT_ROWS = 500;
/** Keys per `IN (…)` lookup. */
const LOOKUP_KEYS = 1000;

function engineOf(db: DB): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Splits `n` into statement sizes: as many `max` as fit, then the rest in powers of two
 * (so every statement has one of about log2(max) + 1 shapes).
 */
function sizes(n: number, max: number): number[] {
  const out: number[] = [];
  while (n >= max) {
    out.push(max);
    n -= max;
  }
  for (let p = 1 << 30; p >= 1; p >>= 1) if (n & p) out.push(p);
  return out;
}

const texts = new Map<string, string>();

function placeholders(engine: Engine, rows: number, width: number): string {
  const groups: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const ph: string[] = [];
    for (let c = 0; c < width; c++) ph.push(engine === 'postgres' ? `$${n++}` : '?');
    groups.push(width === 1 ? ph[0] : `(${ph.join(', ')})`);
  }
  return groups.join(', ');
}

/** `insert into table (cols) values (…), (…) tail`, cached by shape. */
function insertText(
  engine: Engine,
  table: string,
  columns: readonly string[],
  rows: number,
  tail: string,
): string {
  const key = `i|${engine}|${table}|${rows}|${tail}`;
  let t = texts.get(key);
  if (t === undefined) {
    t = `insert into ${table} (${columns.join(', ')}) values ${placeholders(engine, rows, columns.length)}${tail}`;
    texts.set(key, t);
  }
  return t;
}

/** Inserts rows (arrays in `columns` order) with as few statements as the parameter limit allows. */
async function insertRows(
  db: DB,
  engine: Engine,
  table: string,
  columns: readonly string[],
  rows: unknown[][],
  tail = '',
  maxRows = Infinity,
): Promise<void> {
  const per = Math.max(1, Math.min(maxRows, Math.floor(MAX_PARAMS / columns.length)));
  let i = 0;
  for (const n of sizes(rows.length, per)) {
    const params: unknown[] = [];
    for (let r = i; r < i + n; r++) for (const v of rows[r]) params.push(v);
    i += n;
    await db.executeQuery(CompiledQuery.raw(insertText(engine, table, columns, n, tail), params));
  }
}

/**
 * Adds new cables to `cable_counts` (per origin and per month, for the home page's archive box):
 * one upsert per batch. Edits and deletes of stored cables are counted by triggers (migration 0103).
 */
async function countNew(db: DB, engine: Engine, inserts: PreparedCable[]): Promise<void> {
  if (!inserts.length) return;
  const counts = new Map<string, number>();
  for (const i of inserts)
    for (const k of [`origin\u0000${i.cable.origin}`, `month\u0000${i.cable.month}`])
      counts.set(k, (counts.get(k) ?? 0) + 1);
  await insertRows(
    db,
    engine,
    'cable_counts',
    ['facet', 'key', 'n'],
    [...counts].map(([k, n]) => [...k.split('\u0000'), n]),
    ' on conflict (facet, key) do update set n = cable_counts.n + excluded.n',
  );
}

interface Existing {
  id: number;
  reference_id: string;
  content_hash: string;
  version: number;
}

/** The stored id, hash and version of each of `ids` that is in the archive. */
async function existingCables(
  db: DB,
  engine: Engine,
  ids: string[],
): Promise<Map<string, Existing>> {
  const out = new Map<string, Existing>();
  let i = 0;
  for (const n of sizes(ids.length, LOOKUP_KEYS)) {
    const key = `s|${engine}|${n}`;
    let text = texts.get(key);
    if (text === undefined) {
      text = `select id, reference_id, content_hash, version from cables where reference_id in (${placeholders(engine, n, 1)})`;
      texts.set(key, text);
    }
    const r = await db.executeQuery<Existing>(CompiledQuery.raw(text, ids.slice(i, i + n)));
    i += n;
    for (const row of r.rows)
      out.set(row.reference_id, { ...row, id: Number(row.id), version: Number(row.version) });
  }
  return out;
}

const CABLE_COLUMNS = [
  'reference_id',
  'wikileaks_id',
  'origin',
  'station',
  'created',
  'year',
  'month',
  'released',
  'classification',
  'precedence',
  'subject',
  'title',
  'tags',
  'summary',
  'declassify',
  'parsed',
  'header',
  'body',
  'partial',
  'content_hash',
  'source_meta',
  'version',
  'imported_at',
  'updated_at',
] as const;

const STORY_COLUMNS = [
  'section_id',
  'slug',
  'title',
  'teaser',
  'body',
  'source_id',
  'author',
  'status',
  'featured',
  'is_demo',
  'cable_reference_id',
  'published_at',
  'created_at',
  'updated_at',
] as const;

function cableValues(c: PreparedCable['cable'], now: string): unknown[] {
  return [
    c.reference_id,
    c.wikileaks_id,
    c.origin,
    c.station,
    c.created,
    c.year,
    c.month,
    c.released,
    c.classification,
    c.precedence,
    c.subject,
    c.title,
    c.tags,
    c.summary,
    c.declassify,
    c.parsed,
    c.header,
    c.body,
    c.partial,
    c.content_hash,
    c.source_meta,
    1,
    now,
    now,
  ];
}

/**
 * Stores prepared cables. Call it inside a transaction (the importer commits each batch together
 * with its file offset). A reference id that repeats within `items` is handled in order.
 */
export async function storeCables(
  db: DB,
  items: PreparedCable[],
  ctx: StoreContext,
  now = new Date().toISOString(),
): Promise<BatchResult> {
  const result: BatchResult = { inserted: [], updated: [], unchanged: [] };
  const engine = engineOf(db);
  let part: PreparedCable[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.cable.reference_id)) {
      await storeUnique(db, engine, part, ctx, now, result);
      part = [];
      seen.clear();
    }
    seen.add(it.cable.reference_id);
    part.push(it);
  }
  if (part.length) await storeUnique(db, engine, part, ctx, now, result);
  return result;
}

async function storeUnique(
  db: DB,
  engine: Engine,
  items: PreparedCable[],
  ctx: StoreContext,
  now: string,
  result: BatchResult,
): Promise<void> {
  const existing = await existingCables(
    db,
    engine,
    items.map((i) => i.cable.reference_id),
  );
  const changed = items.filter((i) => {
    const e = existing.get(i.cable.reference_id);
    return e && e.content_hash !== i.cable.content_hash;
  });
  const known = new Set<string>();
  for (const part of chunks(changed, 500)) {
    const ids = part.map((i) => existing.get(i.cable.reference_id)!.id);
    const rows = await db
      .selectFrom('cable_versions')
      .select(['cable_id', 'content_hash'])
      .where('cable_id', 'in', ids)
      .execute();
    for (const r of rows) known.add(`${r.cable_id}:${r.content_hash}`);
  }

  const inserts: PreparedCable[] = [];
  const updates: PreparedCable[] = [];
  for (const it of items) {
    const e = existing.get(it.cable.reference_id);
    if (!e) inserts.push(it);
    else if (
      e.content_hash === it.cable.content_hash ||
      known.has(`${e.id}:${it.cable.content_hash}`)
    )
      result.unchanged.push(it.cable.reference_id);
    else updates.push(it);
  }

  // New cables: a few large multi-row inserts.
  await insertRows(
    db,
    engine,
    'cables',
    CABLE_COLUMNS,
    inserts.map((i) => cableValues(i.cable, now)),
    '',
    INSERT_ROWS,
  );
  await countNew(db, engine, inserts);
  // Changed texts: keep the current one as a version, then replace it.
  for (const it of updates) {
    const e = existing.get(it.cable.reference_id)!;
    await db
      .insertInto('cable_versions')
      .columns(['cable_id', 'version', 'content_hash', 'header', 'body', 'parsed', 'replaced_at'])
      .expression((eb) =>
        eb
          .selectFrom('cables')
          .select([
            'id',
            'version',
            'content_hash',
            'header',
            'body',
            'parsed',
            eb.val(now).as('replaced_at'),
          ])
          .where('id', '=', e.id),
      )
      .execute();
    await db
      .updateTable('cables')
      .set({ ...it.cable, version: e.version + 1, updated_at: now })
      .where('id', '=', e.id)
      .execute();
  }

  const written = [...inserts, ...updates];
  if (updates.length) {
    const ids = updates.map((u) => u.cable.reference_id);
    for (const part of chunks(ids, 500)) {
      await db.deleteFrom('cable_references').where('from_id', 'in', part).execute();
      await db.deleteFrom('cable_tags').where('reference_id', 'in', part).execute();
    }
  }
  const refs: unknown[][] = [];
  const tags: unknown[][] = [];
  for (const w of written) {
    const id = w.cable.reference_id;
    w.references.forEach((to, position) => refs.push([id, to, position]));
    for (const tag of w.tags) tags.push([id, tag]);
  }
  await insertRows(
    db,
    engine,
    'cable_references',
    ['from_id', 'to_id', 'position'],
    refs,
    ' on conflict do nothing',
  );
  await insertRows(
    db,
    engine,
    'cable_tags',
    ['reference_id', 'tag'],
    tags,
    ' on conflict do nothing',
  );

  // Each cable is also a Cablegate story (one per cable: stories.cable_reference_id is unique).
  // The story's text is rendered from the cable (src/cables/story.ts): stored and indexed once.
  await insertRows(
    db,
    engine,
    'stories',
    STORY_COLUMNS,
    inserts.map((i) => [
      ctx.sectionId,
      i.story.slug,
      i.story.title,
      i.story.teaser,
      '',
      ctx.sourceId,
      null,
      'published',
      0,
      0,
      i.cable.reference_id,
      i.story.published_at,
      now,
      now,
    ]),
    ' on conflict (cable_reference_id) do nothing',
  );
  for (const it of updates) {
    await db
      .updateTable('stories')
      .set({ title: it.story.title, slug: it.story.slug, teaser: it.story.teaser, updated_at: now })
      .where('cable_reference_id', '=', it.cable.reference_id)
      .execute();
  }
  result.inserted.push(...inserts.map((i) => i.cable.reference_id));
  result.updated.push(...updates.map((i) => i.cable.reference_id));
}

// ---------------------------------------------------------------------------------------------
// Queries for the archive pages

export async function getCable(db: DB, referenceId: string): Promise<Cable | undefined> {
  return db
    .selectFrom('cables')
    .selectAll()
    .where('reference_id', '=', referenceId)
    .executeTakeFirst();
}

export async function cableVersions(
  db: DB,
  cableId: number,
): Promise<{ version: number; replaced_at: string }[]> {
  return db
    .selectFrom('cable_versions')
    .select(['version', 'replaced_at'])
    .where('cable_id', '=', cableId)
    .orderBy('version')
    .execute();
}

export interface CableLink {
  reference_id: string;
  title: string | null;
  created: string | null;
  /** False when the archive does not hold the cable. */
  held: boolean;
}

/**
 * The cable page's reference queries, each a lookup by one of `cable_references`' indexes (its
 * key from `from_id`, `cable_references_to` on `to_id`) joined to the cables by their unique
 * reference: a few rows each, run on the event loop (SQLite). Kept as builders so a test can
 * read their plans.
 */
export const referenceQueries = {
  out: (db: DB, referenceId: string) =>
    db
      .selectFrom('cable_references as r')
      .leftJoin('cables as c', 'c.reference_id', 'r.to_id')
      .select(['r.to_id', 'c.title', 'c.created', 'c.id'])
      .where('r.from_id', '=', referenceId)
      .orderBy('r.position'),
  by: (db: DB, referenceId: string, limit: number) =>
    db
      .selectFrom('cable_references as r')
      .innerJoin('cables as c', 'c.reference_id', 'r.from_id')
      .select(['c.reference_id', 'c.title', 'c.created'])
      .where('r.to_id', '=', referenceId)
      .orderBy('c.created')
      .orderBy('c.reference_id')
      .limit(limit),
  citedBy: (db: DB, referenceId: string) =>
    db
      .selectFrom('cable_references as r')
      .innerJoin('cables as c', 'c.reference_id', 'r.from_id')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('r.to_id', '=', referenceId),
};

/** How many stored cables refer to this one. */
export async function citedByCount(db: DB, referenceId: string): Promise<number> {
  const row = await referenceQueries.citedBy(db, referenceId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Cables this one refers to, in the order its REF line gives them. */
export async function referencesOut(db: DB, referenceId: string): Promise<CableLink[]> {
  const rows = await referenceQueries.out(db, referenceId).execute();
  return rows.map((r) => ({
    reference_id: r.to_id,
    title: r.title,
    created: r.created,
    held: r.id !== null,
  }));
}

/** Cables that refer to this one, oldest first. */
export async function referencedBy(db: DB, referenceId: string, limit = 200): Promise<CableLink[]> {
  const rows = await referenceQueries.by(db, referenceId, limit).execute();
  return rows.map((r) => ({ ...r, held: true }));
}

/** The previous and next cable from the same origin, by creation time. */
export async function neighbours(
  db: DB,
  cable: Pick<Cable, 'id' | 'origin' | 'created'>,
): Promise<{ prev?: CableLink; next?: CableLink }> {
  const base = db
    .selectFrom('cables')
    .select(['reference_id', 'title', 'created'])
    .where('origin', '=', cable.origin);
  const [prev, next] = await Promise.all([
    base
      // The bound on `created` alone lets the (origin, created) index start at the cable instead of
      // walking the origin's cables from its newest (tens of ms on the event loop for a big origin).
      .where('created', '<=', cable.created)
      .where((eb) => eb.or([eb('created', '<', cable.created), eb('id', '<', cable.id)]))
      .orderBy('created', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
    base
      .where('created', '>=', cable.created)
      .where((eb) => eb.or([eb('created', '>', cable.created), eb('id', '>', cable.id)]))
      .orderBy('created')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return { prev: prev && { ...prev, held: true }, next: next && { ...next, held: true } };
}

export interface Count {
  key: string;
  count: number;
}

async function grouped(db: DB, column: 'origin' | 'month' | 'classification'): Promise<Count[]> {
  const rows = await db
    .selectFrom('cables')
    .select([column, (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(column)
    .orderBy(column)
    .execute();
  return rows.map((r) => ({
    key: String((r as Record<string, unknown>)[column]),
    count: Number(r.n),
  }));
}

export interface Facets {
  total: number;
  origins: Count[];
  months: Count[];
  years: Count[];
  classifications: Count[];
  tags: Count[];
}

/** Counts for the browse page: by origin (A–Z), month, year, classification and tag (most used first). */
export async function facets(db: DB, tagLimit = 120): Promise<Facets> {
  const [origins, months, classifications, tagRows] = await Promise.all([
    grouped(db, 'origin'),
    grouped(db, 'month'),
    grouped(db, 'classification'),
    db
      .selectFrom('cable_tags')
      .select(['tag', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('tag')
      .orderBy((eb) => eb.fn.countAll(), 'desc')
      .orderBy('tag')
      .limit(tagLimit)
      .execute(),
  ]);
  const years = new Map<string, number>();
  for (const m of months)
    years.set(m.key.slice(0, 4), (years.get(m.key.slice(0, 4)) ?? 0) + m.count);
  return {
    total: origins.reduce((a, o) => a + o.count, 0),
    origins: origins.sort((a, b) => a.key.localeCompare(b.key, 'en')),
    months,
    years: [...years].map(([key, count]) => ({ key, count })),
    classifications,
    tags: tagRows.map((t) => ({ key: t.tag, count: Number(t.n) })),
  };
}

export type CableFilter =
  | { kind: 'origin'; value: string }
  | { kind: 'year'; value: number }
  | { kind: 'month'; value: string }
  | { kind: 'classification'; value: string }
  | { kind: 'tag'; value: string };

export type CableListItem = Pick<
  Cable,
  'reference_id' | 'title' | 'subject' | 'created' | 'origin' | 'classification'
>;

function filtered(db: DB, f: CableFilter) {
  const q = db.selectFrom('cables');
  switch (f.kind) {
    case 'origin':
      return q.where('origin', '=', f.value);
    case 'year':
      return q.where('year', '=', f.value);
    case 'month':
      return q.where('month', '=', f.value);
    case 'classification':
      return q.where('classification', '=', f.value);
    case 'tag':
      return q.where('reference_id', 'in', (eb) =>
        eb.selectFrom('cable_tags').select('cable_tags.reference_id').where('tag', '=', f.value),
      );
  }
}

export async function listCables(
  db: DB,
  f: CableFilter,
  limit: number,
  offset: number,
): Promise<{ items: CableListItem[]; total: number }> {
  const [items, total] = await Promise.all([
    filtered(db, f)
      .select(['reference_id', 'title', 'subject', 'created', 'origin', 'classification'])
      .orderBy('created', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    filtered(db, f)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

/** URL slug of an origin or classification (`Embassy Lima` → `embassy-lima`, `SECRET//NOFORN` → `secret-noforn`). */
export function facetSlug(value: string): string {
  return slugify(value) || value.toLowerCase();
}

export async function countCables(db: DB): Promise<number> {
  const r = await db
    .selectFrom('cables')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
