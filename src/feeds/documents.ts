/**
 * Sitemaps and feeds made ahead of requests. A document (one address: /sitemap.xml,
 * /sitemaps/cables-1.xml, /feeds/home.rss …) is built once, off the event loop (a worker thread
 * with its own database connection and a low CPU priority, where it is also compressed), stored in
 * the `documents` table with its gzip and brotli forms, and served from there with ETag and Last-Modified: serving one is a lookup and a write of bytes
 * made earlier, never a query over the archive or a compression.
 *
 * Freshness: a change (a publish, an edit, an import) marks every document stale; a stale document,
 * or one older than MAX_AGE_MS (scheduled stories appear without an edit), is still served while a
 * new version is made in the background, so a change shows within seconds and at most MAX_AGE_MS
 * after a story's scheduled time. A request for a document not made yet makes it once (single
 * flight: in this process one promise, across processes a lease in the row); other requests wait for
 * that build, up to WAIT_MS, then get 503 with Retry-After.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliCompressSync,
  constants as zlib,
  gzip,
  gzipSync,
  type BrotliOptions,
} from 'node:zlib';
import type { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import client from 'prom-client';
import type { Db } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import { startWorker } from '../platform/workers.ts';
import {
  getSectionBySlug,
  latestStories,
  listSections,
  storyPath,
  type Story,
} from '../stories/store.ts';
import { slugify } from '../stories/markdown.ts';
import {
  atom,
  newsSitemap,
  rss,
  sitemapIndex,
  SITEMAP_MAX_URLS,
  sitemapPages,
  urlset,
  type FeedEntry,
  type FeedMeta,
} from './syndication.ts';

export const FEED_SIZE = 30;
/** A document is remade in the background when it is older than this (even without a change). */
export const MAX_AGE_MS = 10 * 60_000;
/** How long a build may hold its lease before another process may take over. */
const LEASE_MS = 120_000;
/** How long a request waits for a document that another request or process is making. */
const WAIT_MS = 30_000;
/** Rows are looked at again after this long (a change in another process shows within it). */
const CHECK_MS = 2_000;

export interface SiteInfo {
  baseUrl: string;
  siteName: string;
}

export interface Built {
  body: string;
  contentType: string;
}

const XML = 'application/xml; charset=utf-8';
const STATIC_PATHS = ['/', '/world', '/about/licensing', '/terms'];

/** Addresses of documents (validated shape only; whether one exists is the builder's answer). */
export function isDocumentPath(path: string): boolean {
  return (
    path === '/sitemap.xml' ||
    path === '/sitemap-news.xml' ||
    /^\/sitemaps\/(pages|stories|cables)-[1-9]\d{0,5}\.xml$/.test(path) ||
    /^\/feeds\/home\.(rss|atom)$/.test(path) ||
    /^\/feeds\/sections\/[a-z0-9-]{1,100}\.(rss|atom)$/.test(path) ||
    /^\/feeds\/cables\/origins\/[a-z0-9-]{1,100}\.(rss|atom)$/.test(path)
  );
}

function newest(entries: FeedEntry[]): string {
  return entries.reduce((m, e) => (e.updated > m ? e.updated : m), '1970-01-01T00:00:00.000Z');
}

function feed(kind: string, meta: FeedMeta, entries: FeedEntry[], siteName: string): Built {
  return kind === 'rss'
    ? { body: rss(meta, entries), contentType: 'application/rss+xml; charset=utf-8' }
    : { body: atom(meta, entries, siteName), contentType: 'application/atom+xml; charset=utf-8' };
}

/**
 * Builds the document at `path` from the database: its text, or a message when there is no such
 * document (an unknown section or origin, a sitemap page past the last).
 */
export async function buildDocument(
  db: Kysely<Database>,
  path: string,
  site: SiteInfo,
  now = new Date(),
): Promise<Built | { missing: string }> {
  const base = site.baseUrl;
  const nowIso = now.toISOString();
  const storyEntries = (stories: Story[]): FeedEntry[] =>
    stories.map((s) => ({
      id: base + storyPath(s),
      title: s.title,
      url: base + storyPath(s),
      summary: s.teaser,
      published: s.published_at,
      updated: s.updated_at,
      author: s.author ?? s.source_name,
      category: s.section_name,
    }));

  let m = /^\/feeds\/home\.(rss|atom)$/.exec(path);
  if (m) {
    const entries = storyEntries(await latestStories(db, { limit: FEED_SIZE, now: nowIso }));
    return feed(
      m[1],
      {
        title: site.siteName,
        description: 'The latest stories.',
        link: base + '/',
        self: base + path,
        updated: newest(entries),
      },
      entries,
      site.siteName,
    );
  }
  m = /^\/feeds\/sections\/([a-z0-9-]+)\.(rss|atom)$/.exec(path);
  if (m) {
    const section = await getSectionBySlug(db, m[1]);
    if (!section) return { missing: 'There is no such section.' };
    const entries = storyEntries(
      await latestStories(db, { limit: FEED_SIZE, sectionId: section.id, now: nowIso }),
    );
    const meta = {
      title: `${site.siteName}: ${section.name}`,
      description: section.description || `The latest from ${section.name}.`,
      link: `${base}/sections/${section.slug}`,
      self: base + path,
      updated: newest(entries),
    };
    return feed(m[2], meta, entries, site.siteName);
  }
  m = /^\/feeds\/cables\/origins\/([a-z0-9-]+)\.(rss|atom)$/.exec(path);
  if (m) {
    const origins = await db.selectFrom('cables').select('origin').distinct().execute();
    const origin = origins.map((o) => o.origin).find((o) => slugify(o) === m![1]);
    if (!origin) return { missing: 'There are no cables from that origin.' };
    const cables = await db
      .selectFrom('cables')
      .select([
        'reference_id',
        'title',
        'subject',
        'summary',
        'created',
        'updated_at',
        'origin',
        'classification',
      ])
      .where('origin', '=', origin)
      .orderBy('created', 'desc')
      .limit(FEED_SIZE)
      .execute();
    const entries: FeedEntry[] = cables.map((c) => ({
      id: `${base}/cables/${encodeURIComponent(c.reference_id)}`,
      url: `${base}/cables/${encodeURIComponent(c.reference_id)}`,
      title: `${c.reference_id}: ${c.title || c.subject}`,
      summary: c.summary ?? c.subject,
      published: c.created,
      updated: c.updated_at,
      author: c.origin,
      category: c.classification,
    }));
    const meta = {
      title: `${site.siteName}: cables from ${origin}`,
      description: `Diplomatic cables sent from ${origin}.`,
      link: `${base}/cables`,
      self: base + path,
      updated: newest(entries),
    };
    return feed(m[2], meta, entries, site.siteName);
  }

  async function counts() {
    const [stories, cables, sections] = await Promise.all([
      db
        .selectFrom('stories')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'published')
        .where('published_at', '<=', nowIso)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('cables')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
      listSections(db),
    ]);
    return {
      pages: STATIC_PATHS.length + sections.length,
      stories: Number(stories.n),
      cables: Number(cables.n),
    };
  }
  async function urlsOf(
    kind: string,
    page: number,
    size: number,
  ): Promise<{ loc: string; lastmod?: string | null }[]> {
    const offset = (page - 1) * size;
    if (kind === 'pages') {
      const sections = await listSections(db);
      return [...STATIC_PATHS, ...sections.map((s) => `/sections/${s.slug}`)]
        .slice(offset, offset + size)
        .map((p) => ({ loc: base + p }));
    }
    if (kind === 'stories') {
      const rows = await db
        .selectFrom('stories')
        .innerJoin('sections', 'sections.id', 'stories.section_id')
        .select([
          'stories.id',
          'stories.slug',
          'stories.published_at',
          'stories.updated_at',
          'sections.slug as section_slug',
        ])
        .where('stories.status', '=', 'published')
        .where('stories.published_at', '<=', nowIso)
        .orderBy('stories.id')
        .limit(size)
        .offset(offset)
        .execute();
      return rows.map((s) => ({ loc: base + storyPath(s), lastmod: s.updated_at }));
    }
    const rows = await db
      .selectFrom('cables')
      .select(['reference_id', 'updated_at'])
      .orderBy('id')
      .limit(size)
      .offset(offset)
      .execute();
    return rows.map((c) => ({
      loc: `${base}/cables/${encodeURIComponent(c.reference_id)}`,
      lastmod: c.updated_at,
    }));
  }

  if (path === '/sitemap.xml') {
    const c = await counts();
    if (c.pages + c.stories + c.cables <= SITEMAP_MAX_URLS) {
      const all = [
        ...(await urlsOf('pages', 1, SITEMAP_MAX_URLS)),
        ...(await urlsOf('stories', 1, SITEMAP_MAX_URLS)),
        ...(await urlsOf('cables', 1, SITEMAP_MAX_URLS)),
      ];
      return { body: urlset(all), contentType: XML };
    }
    return {
      body: sitemapIndex(sitemapPages(c).map((p) => `${base}/sitemaps/${p.kind}-${p.page}.xml`)),
      contentType: XML,
    };
  }
  m = /^\/sitemaps\/(pages|stories|cables)-(\d{1,6})\.xml$/.exec(path);
  if (m) {
    const urls = await urlsOf(m[1], Number(m[2]), SITEMAP_MAX_URLS);
    if (!urls.length && m[2] !== '1') return { missing: 'There is no such sitemap page.' };
    return { body: urlset(urls), contentType: XML };
  }
  if (path === '/sitemap-news.xml') {
    const since = new Date(now.getTime() - 48 * 3600_000).toISOString();
    const stories = (await latestStories(db, { limit: 1000, now: nowIso })).filter(
      (s) => s.published_at >= since,
    );
    return {
      body: newsSitemap(
        site.siteName,
        stories.map((s) => ({
          url: base + storyPath(s),
          title: s.title,
          published: s.published_at,
        })),
      ),
      contentType: XML,
    };
  }
  return { missing: 'There is no such document.' };
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Builds the document and stores it with its compressed forms (a missing document deletes its row).
 * Returns false when there is no such document. `inThread` compresses on the calling thread (the
 * document worker, at its low priority) instead of Node's shared thread pool, which runs at the
 * process's priority (see src/platform/thread-priority.ts).
 */
export async function makeDocument(
  db: Kysely<Database>,
  path: string,
  site: SiteInfo,
  now = new Date(),
  opts: { inThread?: boolean } = {},
): Promise<boolean> {
  const built = await buildDocument(db, path, site, now);
  if ('missing' in built) {
    await db.deleteFrom('documents').where('path', '=', path).execute();
    return false;
  }
  const body = Buffer.from(built.body, 'utf8');
  const brOpts: BrotliOptions = {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
  };
  const [gz, br] = opts.inThread
    ? [gzipSync(body, { level: 6 }), brotliCompressSync(body, brOpts)]
    : await Promise.all([gzipAsync(body, { level: 6 }), brotliAsync(body, brOpts)]);
  const etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  const row = {
    content_type: built.contentType,
    etag,
    body,
    body_gzip: gz,
    body_br: br,
    built_at: now.toISOString(),
    building_until: null,
  };
  await db
    .insertInto('documents')
    .values({ path, ...row, stale: 0 })
    // A change during the build (stale = 2) leaves the new version stale: it may predate the change.
    .onConflict((oc) =>
      oc.column('path').doUpdateSet({
        ...row,
        stale: sql<number>`case when documents.stale = 2 then 1 else 0 end`,
      }),
    )
    .execute();
  return true;
}

/** After a change: every stored document is remade on its next request (served meanwhile). */
export async function markDocumentsStale(db: Kysely<Database>): Promise<void> {
  // 2 marks a document whose build is running: it is made again after that build.
  await db
    .updateTable('documents')
    .set({ stale: sql<number>`case when building_until is null then 1 else 2 end` })
    .where('stale', '<>', 2)
    .execute();
}

/**
 * A stored document's row as served: its forms as they are in the database (null: not made yet,
 * or removed). Run by the builder thread for the event loop (DocumentStore.get), so reading
 * megabytes of a sitemap's forms does not hold the loop (on SQLite the read is synchronous; on
 * PostgreSQL the bytea's text is decoded where the query runs).
 */
export async function readDocument(
  db: Kysely<Database>,
  path: string,
): Promise<StoredDocument | null> {
  const r = await db
    .selectFrom('documents')
    .selectAll()
    .where('path', '=', path)
    .executeTakeFirst();
  if (!r || !r.etag || !r.body) return null;
  return {
    path,
    contentType: r.content_type,
    etag: r.etag,
    builtAt: r.built_at,
    body: r.body,
    gzip: r.body_gzip ?? null,
    br: r.body_br ?? null,
  };
}

/**
 * The memory of a document's forms, each in an ArrayBuffer of its own, to be moved to another
 * thread (transferred, not copied). A form sharing its memory (a pooled buffer) is copied first.
 */
export function transferable(doc: StoredDocument): { doc: StoredDocument; move: ArrayBuffer[] } {
  const move: ArrayBuffer[] = [];
  const own = (b: Buffer): Buffer => {
    const whole =
      b.byteOffset === 0 &&
      b.byteLength === b.buffer.byteLength &&
      b.buffer instanceof ArrayBuffer &&
      !move.includes(b.buffer);
    // A typed array's copy has memory of its own (Buffer.from may take a slice of a shared pool).
    const out = whole ? b : Buffer.from(new Uint8Array(b).buffer);
    move.push(out.buffer as ArrayBuffer);
    return out;
  };
  return {
    doc: {
      ...doc,
      body: own(doc.body),
      gzip: doc.gzip && own(doc.gzip),
      br: doc.br && own(doc.br),
    },
    move,
  };
}

/** A document as it arrives from another thread (its forms as plain Uint8Arrays): Buffers on the same memory. */
export function received(doc: StoredDocument): StoredDocument {
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    ...doc,
    body: buf(doc.body),
    gzip: doc.gzip && buf(doc.gzip),
    br: doc.br && buf(doc.br),
  };
}

export interface StoredDocument {
  path: string;
  contentType: string;
  etag: string;
  builtAt: string;
  body: Buffer;
  gzip: Buffer | null;
  br: Buffer | null;
}

interface Cached {
  doc: StoredDocument;
  checkedAt: number;
}

/** The document worker's answer to a build (`found`) or a read (`doc`), or its failure. */
interface WorkerAnswer {
  id: number;
  found?: boolean;
  doc?: StoredDocument | null;
  error?: string;
  nice?: number;
}

/** Builds documents: on a worker thread with its own connection, or here when none can start. */
class Builder {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 1;
  /** Requests sent to the worker thread (a build or a read), by id: what its answer settles. */
  private pending = new Map<number, { answer(msg: WorkerAnswer): void; reject(e: Error): void }>();
  /** The worker thread's nice value once it said (null: not known, or not per thread here). */
  nice: number | null = null;
  /** Documents read on the worker thread (tests). */
  threadLoads = 0;

  constructor(
    private readonly db: Db,
    private readonly site: SiteInfo,
    private readonly useWorker: boolean,
  ) {}

  private start(): Worker | null {
    if (this.worker || this.broken || !this.useWorker) return this.worker;
    try {
      const w = startWorker(import.meta.url, './documents-worker.ts', {
        workerData: { target: this.db.target, site: this.site },
      });
      w.unref();
      w.on('message', (msg: WorkerAnswer) => {
        if (msg.nice !== undefined) this.nice = msg.nice;
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.answer(msg);
      });
      const fail = (err: Error) => {
        if (this.worker !== w) return;
        this.worker = null;
        this.broken = true;
        this.rejectAll(err);
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`document worker exited with code ${code}`)));
      this.worker = w;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }

  make(path: string, now: Date): Promise<boolean> {
    const w = this.start();
    if (!w) return makeDocument(this.db.kysely, path, this.site, now);
    return this.ask(w, { path, now: now.toISOString() }, (msg) => !!msg.found);
  }

  /**
   * Reads a stored document on the worker thread (its forms moved here, not copied), or here when
   * no thread can start.
   */
  load(path: string): Promise<StoredDocument | null> {
    const w = this.start();
    if (!w) return readDocument(this.db.kysely, path);
    return this.ask(w, { load: path }, (msg) => {
      this.threadLoads++;
      return msg.doc ? received(msg.doc) : null;
    });
  }

  /** Sends the worker a request; its answer settles the promise, read by `read`. */
  private ask<T>(w: Worker, request: object, read: (msg: WorkerAnswer) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { answer: (msg) => resolve(read(msg)), reject });
      w.postMessage({ id, ...request });
    });
  }

  private rejectAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.broken = true;
    this.rejectAll(new Error('closed'));
    if (w) await w.terminate();
  }
}

/** Builds started by this process, by kind of document and outcome (made, missing, failed). */
function buildsCounter(): client.Counter<'kind' | 'outcome'> {
  const name = 'broadsheet_document_builds_total';
  return (
    (client.register.getSingleMetric(name) as client.Counter<'kind' | 'outcome'> | undefined) ??
    new client.Counter({
      name,
      help: 'Sitemaps and feeds made by this process, by kind and outcome.',
      labelNames: ['kind', 'outcome'],
    })
  );
}

function kindOf(path: string): string {
  if (path.startsWith('/sitemaps/')) return path.replace(/^\/sitemaps\/([a-z]+)-.*$/, 'sitemap-$1');
  if (path.startsWith('/feeds/sections/')) return 'feed-section';
  if (path.startsWith('/feeds/cables/origins/')) return 'feed-origin';
  if (path.startsWith('/feeds/home.')) return 'feed-home';
  return path === '/sitemap-news.xml' ? 'sitemap-news' : 'sitemap';
}

export interface DocumentStoreOptions {
  /** Build on a worker thread (default true; false builds on this thread, for tests and tools). */
  worker?: boolean;
  clock?: () => number;
  /** Called (and awaited) once per build this process starts, after it took the lease (tests). */
  onBuild?: (path: string) => void | Promise<void>;
}

export class DocumentStore {
  private cache = new Map<string, Cached>();
  private inflight = new Map<string, Promise<boolean>>();
  private builder: Builder;
  private readonly now: () => number;
  readonly owner = Math.random().toString(36).slice(2);

  constructor(
    private readonly db: Db,
    site: SiteInfo,
    private readonly opts: DocumentStoreOptions = {},
  ) {
    this.builder = new Builder(db, site, opts.worker ?? true);
    this.now = opts.clock ?? Date.now;
  }

  /** The document builder's thread: its nice value (null: none yet, or not per thread here). */
  get builderNice(): number | null {
    return this.builder.nice;
  }

  /** The stored document (made now if there is none yet), or a message when there is no such one. */
  async get(path: string): Promise<StoredDocument | { missing: string } | { busy: true }> {
    const t = this.now();
    const cached = this.cache.get(path);
    if (cached && t - cached.checkedAt < CHECK_MS) return cached.doc;
    const row = await this.db.kysely
      .selectFrom('documents')
      .select(['etag', 'built_at', 'stale', 'building_until'])
      .where('path', '=', path)
      .executeTakeFirst();
    if (row && row.etag) {
      if (row.stale || t - Date.parse(row.built_at) > MAX_AGE_MS)
        this.refresh(path, row.building_until);
      if (cached && cached.doc.etag === row.etag) {
        cached.checkedAt = t;
        return cached.doc;
      }
      const doc = await this.load(path);
      if (doc) {
        this.remember(path, doc, t);
        return doc;
      }
    }
    // Not made yet (or just removed): make it once, everyone else waits for that.
    const deadline = t + WAIT_MS;
    for (;;) {
      const found = await this.build(path);
      if (found === false) {
        this.cache.delete(path);
        return { missing: 'There is no such document.' };
      }
      const doc = await this.load(path);
      if (doc) {
        this.remember(path, doc, this.now());
        return doc;
      }
      // Another process holds the lease: wait for its version.
      if (this.now() >= deadline) return { busy: true };
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private remember(path: string, doc: StoredDocument, t: number): void {
    if (this.cache.size > 2000) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(path, { doc, checkedAt: t });
  }

  /** A new version's forms, read on the builder's thread (megabytes for a sitemap). */
  private load(path: string): Promise<StoredDocument | null> {
    return this.builder.load(path);
  }

  /** Documents read on the builder's thread so far (tests). */
  get threadLoads(): number {
    return this.builder.threadLoads;
  }

  /** A new version in the background (the current one is served meanwhile). */
  private refresh(path: string, lease: string | null): void {
    if (this.inflight.has(path)) return;
    if (lease && Date.parse(lease) > this.now()) return; // another process is making it
    this.build(path).catch(() => {});
  }

  /**
   * Makes the document once in this process, under the row's lease across processes. Resolves
   * true (made or being made elsewhere), false (no such document).
   */
  private build(path: string): Promise<boolean> {
    const running = this.inflight.get(path);
    if (running) return running;
    const p = (async () => {
      const now = new Date(this.now());
      const until = new Date(now.getTime() + LEASE_MS).toISOString();
      // Claim the lease: a placeholder row for a new document, or the row when no lease is held.
      await this.db.kysely
        .insertInto('documents')
        .values({
          path,
          content_type: XML,
          etag: '',
          body: null,
          body_gzip: null,
          body_br: null,
          built_at: now.toISOString(),
          stale: 1,
          building_until: null,
        })
        .onConflict((oc) => oc.column('path').doNothing())
        .execute();
      const claimed = await this.db.kysely
        .updateTable('documents')
        .set({ building_until: until })
        .where('path', '=', path)
        .where((eb) =>
          eb.or([eb('building_until', 'is', null), eb('building_until', '<', now.toISOString())]),
        )
        // Still wanted: not made yet, stale, or too old (another process may have just made it).
        .where((eb) =>
          eb.or([
            eb('etag', '=', ''),
            eb('stale', '>', 0),
            eb('built_at', '<', new Date(now.getTime() - MAX_AGE_MS).toISOString()),
          ]),
        )
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return true; // made, or being made, elsewhere
      await this.opts.onBuild?.(path);
      const counted = buildsCounter();
      try {
        const found = await this.builder.make(path, now);
        counted.inc({ kind: kindOf(path), outcome: found ? 'made' : 'missing' });
        return found;
      } catch (err) {
        counted.inc({ kind: kindOf(path), outcome: 'failed' });
        await this.db.kysely
          .updateTable('documents')
          .set({ building_until: null })
          .where('path', '=', path)
          .execute()
          .catch(() => {});
        throw err;
      }
    })().finally(() => this.inflight.delete(path));
    this.inflight.set(path, p);
    return p;
  }

  /** Resolves once no build started here is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight.values()]);
  }

  /** Forgets what this process remembers (after a change made here). */
  forget(): void {
    this.cache.clear();
  }

  close(): Promise<void> {
    return this.builder.close();
  }
}
