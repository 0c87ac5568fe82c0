/**
 * In-memory facet columns: for every cable and story, the few small values that filters, facets,
 * date sorting and the per-month chart need, in typed arrays indexed by row id. Counting facets over
 * a match set is then a loop over integers (about a millisecond for 50,000 matches) instead of SQL
 * GROUP BY joins. Loaded once per process on first use (a few hundred ms for 251,287 cables) and
 * kept current from `search_changes`, which the index triggers append to. A bulk import leaves its
 * new cables out of that log and bumps `search_state.epoch` at its end, recording where its cables
 * start (`bulk_from_<epoch>`): a process catches up with the cables above that and the logged
 * changes, and reloads everything only without the record or past RELOAD_THRESHOLD documents.
 * A search waits for a small catch-up; a large one goes on beside the searches (CATCH_UP), which
 * see the columns as they were until all of it is put in place at once.
 */
import { bulkLoadFloor, databaseStamp } from './stamp.ts';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { DocKind } from './search-index.ts';
import { readColumnsFile, writeColumnsFile, type ColumnsStamp } from './columns-file.ts';

type TypedColumn = Uint8Array | Uint16Array | Int32Array;

/** The next power-of-two capacity (at least `min`) that holds slot `id`. */
function grownSize(current: number, id: number, min: number): number {
  let size = Math.max(min, current);
  while (size <= id) size *= 2;
  return size;
}

/** A copy of a column in a larger array of the same type. */
function grownColumn<T extends TypedColumn>(a: T, C: new (n: number) => T, size: number): T {
  const b = new C(size);
  b.set(a);
  return b;
}

const NOT_VISIBLE = 0x7fffffff;

/** Minutes since 1970 for an ISO timestamp (NaN-safe: 0). */
export function isoMinutes(iso: string): number {
  const t = Date.parse(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  return Number.isFinite(t) ? Math.floor(t / 60000) : 0;
}

/** Month number (year * 12 + month - 1) of a minute value. */
export function minuteMonth(minute: number): number {
  const d = new Date(minute * 60000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

class Dictionary {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(value: string): number {
    let i = this.ids.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.ids.set(value, i);
    }
    return i;
  }
  get(value: string): number | undefined {
    return this.ids.get(value);
  }
}

const EMPTY_TAGS = new Uint16Array(0);

/** The flat tag arrays are made again once this many cables changed since (tests lower it). */
export const FLAT_TAGS = { rebuildAfter: 20000 };

export class CableColumns {
  size = 0;
  present = new Uint8Array(0);
  origin = new Uint16Array(0);
  cls = new Uint8Array(0);
  minute = new Int32Array(0);
  /** Year and month as year * 12 + month - 1. */
  month = new Int32Array(0);
  tags: Uint16Array[] = [];
  count = 0;
  readonly origins = new Dictionary();
  /** Station code per origin id (`LIMA`), for the `origin:lima` spelling. */
  readonly stations: string[] = [];
  readonly classes = new Dictionary();
  readonly tagDict = new Dictionary();

  /** Tags flattened for tight loops (built on first use); ids set or removed since are in `over`. */
  flat: { start: Int32Array; data: Uint16Array; over: Uint8Array; changed: number } | null = null;

  /**
   * Every cable's tags in one array: tag ids of `id` are data[start[id] .. start[id + 1]), unless
   * over[id] is set (changed since: read tags[id]). Rebuilt after many changes. Once it is made,
   * `tags` keeps only the cables changed since (the flat arrays hold everyone else's).
   */
  flatTags(): { start: Int32Array; data: Uint16Array; over: Uint8Array } {
    if (
      this.flat &&
      this.flat.changed < FLAT_TAGS.rebuildAfter &&
      this.flat.over.length >= this.size
    )
      return this.flat;
    const start = new Int32Array(this.size + 1);
    let n = 0;
    for (let id = 0; id < this.size; id++) {
      start[id] = n;
      n += this.tagsOf(id).length;
    }
    start[this.size] = n;
    const data = new Uint16Array(n);
    for (let id = 0; id < this.size; id++) {
      const t = this.tagsOf(id);
      if (t.length) data.set(t, start[id]);
    }
    this.flat = { start, data, over: new Uint8Array(this.size), changed: 0 };
    this.tags = [];
    return this.flat;
  }

  /** Tag ids of cable `id`. */
  tagsOf(id: number): Uint16Array {
    const f = this.flat;
    if (f && id < f.over.length && !f.over[id])
      return f.data.subarray(f.start[id], f.start[id + 1]);
    return this.tags[id] ?? EMPTY_TAGS;
  }

  /** Bumped on every set/remove (what searches keep from the columns is keyed by it). */
  version = 0;

  /**
   * The whole archive's counts (origins, classifications, tags, months), counted once when first
   * asked for and then kept exact by every set and remove (the old values out, the new in), so a
   * catch-up's part costs the counts only its own cables instead of a count of every cable.
   */
  private sums: CableTotals | null = null;

  /** The whole archive's counts (see `sums`); the arrays reach every id of the dictionaries. */
  totals(): CableTotals {
    if (!this.sums) this.sums = recountTotals(this);
    const s = this.sums;
    s.origin = grownCounts(s.origin, this.origins.values.length + 1);
    s.cls = grownCounts(s.cls, this.classes.values.length + 1);
    s.tag = grownCounts(s.tag, this.tagDict.values.length + 1);
    return s;
  }

  /** Takes cable `id` (present) off the kept counts, or adds it back (`by` 1). */
  private count1(id: number, by: 1 | -1): void {
    const s = this.sums;
    if (!s) return;
    s.origin = grownCounts(s.origin, this.origin[id] + 1);
    s.origin[this.origin[id]] += by;
    s.cls = grownCounts(s.cls, this.cls[id] + 1);
    s.cls[this.cls[id]] += by;
    const tags = this.tagsOf(id);
    for (let t = 0; t < tags.length; t++) {
      s.tag = grownCounts(s.tag, tags[t] + 1);
      s.tag[tags[t]] += by;
    }
    const m = this.month[id];
    const n = (s.months.get(m) ?? 0) + by;
    if (n) s.months.set(m, n);
    else s.months.delete(m);
  }

  /** Called after tags[id] was set: the flat arrays no longer hold this cable's tags. */
  private touched(id: number): void {
    this.version++;
    const f = this.flat;
    if (!f) return;
    if (id >= f.over.length) {
      // A new cable past the flat arrays' end: they grow (empty for the new ids), so the tags of
      // every other cable, which only they hold, stay where they are.
      const size = Math.max(this.size, id + 1);
      const start = new Int32Array(size + 1);
      start.set(f.start);
      start.fill(f.start[f.start.length - 1], f.start.length);
      const over = new Uint8Array(size);
      over.set(f.over);
      f.start = start;
      f.over = over;
    }
    if (!f.over[id]) f.changed++;
    f.over[id] = 1;
  }

  ensure(id: number): void {
    if (id < this.size) return;
    const size = grownSize(this.size, id, 1024);
    const grow = <T extends TypedColumn>(a: T, C: new (n: number) => T) => grownColumn(a, C, size);
    this.present = grow(this.present, Uint8Array);
    this.origin = grow(this.origin, Uint16Array);
    this.cls = grow(this.cls, Uint8Array);
    this.minute = grow(this.minute, Int32Array);
    this.month = grow(this.month, Int32Array);
    this.size = size;
  }

  set(
    id: number,
    r: { origin: string; station: string; classification: string; created: string; tags: string },
  ): void {
    this.ensure(id);
    if (!this.present[id]) this.count++;
    else this.count1(id, -1);
    this.present[id] = 1;
    const o = this.origins.id(r.origin);
    this.stations[o] ??= r.station;
    this.origin[id] = o;
    this.cls[id] = this.classes.id(r.classification);
    const m = isoMinutes(r.created);
    this.minute[id] = m;
    this.month[id] = minuteMonth(m);
    const codes = r.tags.trim() ? r.tags.trim().split(/\s+/) : [];
    this.tags[id] = codes.length ? Uint16Array.from(codes, (c) => this.tagDict.id(c)) : EMPTY_TAGS;
    this.touched(id);
    this.count1(id, 1);
  }

  remove(id: number): void {
    if (id < this.size && this.present[id]) {
      this.count1(id, -1);
      this.present[id] = 0;
      this.tags[id] = EMPTY_TAGS;
      this.touched(id);
      this.count--;
    }
  }

  /** Origin ids a filter value names: the origin (`embassy lima`), its station (`lima`), or the place. */
  originIds(value: string): number[] {
    const v = value.toLowerCase().trim();
    const squashed = v.replace(/[\s.'-]+/g, '');
    const out: number[] = [];
    this.origins.values.forEach((name, i) => {
      const n = name.toLowerCase();
      const place = n.replace(
        /^(?:american\s+|us\s+)?(?:embassy|consulate general|consulate|mission|usmission|office|interests section)\s+(?:to\s+(?:the\s+)?)?/,
        '',
      );
      const st = (this.stations[i] ?? '').toLowerCase();
      if (n === v || place === v || st === squashed || place.replace(/[\s.'-]+/g, '') === squashed)
        out.push(i);
    });
    return out;
  }
}

/** The whole archive's counts by origin, classification and tag id, and by month. */
export interface CableTotals {
  origin: Int32Array;
  cls: Int32Array;
  tag: Int32Array;
  /** Cables per month (year * 12 + month - 1); months without cables are absent. */
  months: Map<number, number>;
}

function grownCounts(a: Int32Array, n: number): Int32Array {
  if (a.length >= n) return a;
  const out = new Int32Array(Math.max(n, a.length * 2));
  out.set(a);
  return out;
}

/** The whole archive's counts, counted from every present cable. */
export function recountTotals(c: CableColumns): CableTotals {
  const origin = new Int32Array(c.origins.values.length + 1);
  const cls = new Int32Array(c.classes.values.length + 1);
  const tag = new Int32Array(c.tagDict.values.length + 1);
  const months = new Map<number, number>();
  // The flat tag arrays, read in place (tagsOf() would make a view per cable).
  const { start, data, over } = c.flatTags();
  for (let id = 0; id < c.size; id++) {
    if (!c.present[id]) continue;
    origin[c.origin[id]]++;
    cls[c.cls[id]]++;
    if (over[id]) {
      const tags = c.tagsOf(id);
      for (let t = 0; t < tags.length; t++) tag[tags[t]]++;
    } else for (let x = start[id], end = start[id + 1]; x < end; x++) tag[data[x]]++;
    const m = c.month[id];
    months.set(m, (months.get(m) ?? 0) + 1);
  }
  return { origin, cls, tag, months };
}

export class StoryColumns {
  size = 0;
  present = new Uint8Array(0);
  section = new Uint16Array(0);
  /** Publication minute, or NOT_VISIBLE for drafts and unpublished stories. */
  visibleFrom = new Int32Array(0);
  minute = new Int32Array(0);
  month = new Int32Array(0);
  readonly sections = new Dictionary();
  readonly cableRef = new Map<number, string>();
  /**
   * Row id of a Cablegate story's cable (0: not a Cablegate story, or its cable is not in the
   * archive). Such a story is not a search document of its own: its cable stands for it.
   */
  cable = new Int32Array(0);
  count = 0;
  /** Bumped on every set/remove (what is built from the columns is keyed by it). */
  version = 0;
  private cableIndex: { version: number; start: Int32Array; ids: Int32Array } | null = null;

  /**
   * The stories naming each cable as theirs (`cable`), grouped by cable: the story ids of cable
   * `c` are ids[start[c] .. start[c + 1]) (for c below start.length - 1; none above). Built by one
   * counting pass when first asked for after a change.
   */
  byCable(): { start: Int32Array; ids: Int32Array } {
    if (this.cableIndex && this.cableIndex.version === this.version) return this.cableIndex;
    let top = 0;
    let n = 0;
    for (let id = 0; id < this.size; id++)
      if (this.present[id] && this.cable[id] > 0) {
        n++;
        if (this.cable[id] > top) top = this.cable[id];
      }
    const start = new Int32Array(top + 2);
    for (let id = 0; id < this.size; id++)
      if (this.present[id] && this.cable[id] > 0) start[this.cable[id] + 1]++;
    for (let c = 1; c < start.length; c++) start[c] += start[c - 1];
    const ids = new Int32Array(n);
    const next = start.slice(0, top + 1);
    for (let id = 0; id < this.size; id++)
      if (this.present[id] && this.cable[id] > 0) ids[next[this.cable[id]]++] = id;
    this.cableIndex = { version: this.version, start, ids };
    return this.cableIndex;
  }

  ensure(id: number): void {
    if (id < this.size) return;
    const size = grownSize(this.size, id, 64);
    const grow = <T extends TypedColumn>(a: T, C: new (n: number) => T) => grownColumn(a, C, size);
    this.present = grow(this.present, Uint8Array);
    this.section = grow(this.section, Uint16Array);
    this.visibleFrom = grow(this.visibleFrom, Int32Array);
    this.minute = grow(this.minute, Int32Array);
    this.month = grow(this.month, Int32Array);
    this.cable = grow(this.cable, Int32Array);
    this.size = size;
  }

  set(id: number, r: StoryRow): void {
    this.ensure(id);
    this.version++;
    if (!this.present[id]) this.count++;
    this.present[id] = 1;
    this.section[id] = this.sections.id(r.section);
    const m = isoMinutes(r.published_at);
    this.minute[id] = m;
    this.month[id] = minuteMonth(m);
    this.visibleFrom[id] = r.status === 'published' ? m : NOT_VISIBLE;
    if (r.cable_reference_id) this.cableRef.set(id, r.cable_reference_id);
    else this.cableRef.delete(id);
    this.cable[id] = r.cable_id ?? 0;
  }

  remove(id: number): void {
    if (id < this.size && this.present[id]) {
      this.version++;
      this.present[id] = 0;
      this.cableRef.delete(id);
      this.cable[id] = 0;
      this.count--;
    }
  }

  /** Visible now: published, and the publication time has come (to the minute). */
  visible(id: number, nowMinute: number): boolean {
    return this.present[id] === 1 && this.visibleFrom[id] <= nowMinute;
  }
}

interface CableRow {
  id: number;
  origin: string;
  station: string;
  classification: string;
  created: string;
  tags: string;
}
interface StoryRow {
  id: number;
  section: string;
  status: string;
  published_at: string;
  cable_reference_id: string | null;
  /** The row id of the cable named by cable_reference_id, when the archive holds it. */
  cable_id: number | null;
}

/** Above this many changed documents a full reload is cheaper than row-by-row updates. */
const RELOAD_THRESHOLD = 50000;

/**
 * How a search waits for the catch-up with the change log (tests change these): up to `inline`
 * changed documents it waits (an edit is found by the next search); above that, or above
 * `bulkInline` (0) when a bulk writer logged any of them (an upload's batch:
 * `search_changes.bulk`) and its load is still going on (such a catch-up is then put in place
 * at most every `bulkEveryMs`, reading what the load logged meanwhile), once the columns were
 * loaded, it answers from the documents as they were while the catch-up goes on beside it, and
 * the catch-up's documents appear in parts of `swapPart` cables (each part at once, in the
 * columns and the term index together; the logged stories with the last). The catch-up reads `step`
 * documents a query; its work between two yields (tokenising, stemming) takes at most about
 * `sliceMs`, and at each yield it lets the thread's searches go first: while this thread has a
 * search in hand it waits for it, up to `searchWaitMs` (so a steady flow of searches slows the
 * catch-up but does not stop it). A simple search therefore waits behind at most one slice of a
 * catch-up, in the thread's message queue or between two of its own queries. `gate`, when set, is
 * awaited just before each part's swap (tests hold a catch-up open with it).
 */
export const CATCH_UP: {
  inline: number;
  bulkInline: number;
  bulkEveryMs: number;
  step: number;
  swapPart: number;
  sliceMs: number;
  searchWaitMs: number;
  gate: (() => Promise<void>) | null;
} = {
  inline: 100,
  bulkInline: 0,
  bulkEveryMs: 10_000,
  step: 25,
  swapPart: 2000,
  sliceMs: 4,
  searchWaitMs: 50,
  gate: null,
};

/**
 * The searches this thread has in hand, and the slices of a long catch-up beside them (one per
 * thread: each search thread loads this module once). SearchService counts its searches here; a
 * catch-up asks `due()` inside its loops and calls `yield()` when its slice is used up.
 */
export class CatchUpSlices {
  private inHand = 0;
  private idle: (() => void)[] = [];
  private sliceStart: number;
  /** Yields taken, and how many of them waited for a search in hand (for tests and operators). */
  readonly stats = { yields: 0, waitedForSearch: 0 };

  constructor(private readonly now: () => number = () => performance.now()) {
    this.sliceStart = now();
  }

  /** A search of this thread starts; `end()` when it has its answer. */
  begin(): void {
    this.inHand++;
  }
  end(): void {
    if (this.inHand > 0) this.inHand--;
    if (this.inHand === 0) for (const w of this.idle.splice(0)) w();
  }
  /** Searches in hand now. */
  get searches(): number {
    return this.inHand;
  }
  /** The current slice's time is used up: the catch-up should yield. */
  due(): boolean {
    return this.now() - this.sliceStart >= CATCH_UP.sliceMs;
  }
  /**
   * Lets the thread's queued messages run, then, while a search is in hand, waits for the thread's
   * searches to end (at most CATCH_UP.searchWaitMs); a new slice starts after.
   */
  async yield(): Promise<void> {
    this.stats.yields++;
    await new Promise((r) => setImmediate(r));
    if (this.inHand > 0) {
      this.stats.waitedForSearch++;
      await new Promise<void>((r) => {
        const timer = setTimeout(() => {
          const i = this.idle.indexOf(done);
          if (i >= 0) this.idle.splice(i, 1);
          r();
        }, CATCH_UP.searchWaitMs);
        const done = () => {
          clearTimeout(timer);
          r();
        };
        this.idle.push(done);
      });
    }
    this.sliceStart = this.now();
  }
  /** Yields when the slice is used up (inside a catch-up's loops). */
  async maybeYield(): Promise<void> {
    if (this.due()) await this.yield();
  }
}

/** This thread's searches and catch-up slices. */
export const catchUpSlices = new CatchUpSlices();

/** Lets a search thread's queued messages and searches go first between slices of a catch-up. */
export function yieldToOthers(): Promise<void> {
  return catchUpSlices.yield();
}

/**
 * Told about what sync() saw, in order: a full reload, or documents that changed. `prepare` reads
 * what it needs (it may take long, yielding to searches) and returns what puts it in place, called
 * together with the columns' own changes, synchronously, so a search sees all of a catch-up or none.
 */
export interface ColumnsListener {
  reloaded(): void;
  prepare(kind: DocKind, ids: number[], background: boolean): Promise<() => void>;
}

export class FacetColumns {
  readonly listeners: ColumnsListener[] = [];
  /**
   * Awaited after each part of a large catch-up is put in place (before the next part is read):
   * work that a swap makes stale and that is better done again here than in front of the next
   * search (the search service works out its most recently asked searches again: decision 0006).
   */
  readonly afterSwap: (() => Promise<void>)[] = [];
  cables = new CableColumns();
  stories = new StoryColumns();
  private seq = -1;
  private epoch = -1;
  private syncing: Promise<void> | null = null;
  /** Resolves when the running sync goes on in the background (searches stop waiting for it). */
  private backgrounded: Promise<void> | null = null;
  private goBackground: (() => void) | null = null;

  /** Where the cables' columns came from on the last reload: their file, or the database. */
  lastLoad: 'file' | 'database' | null = null;
  /** Full reloads and incremental catch-ups done so far (for tests and operators). */
  readonly stats = { reloads: 0, catchUps: 0, background: 0, bulk: 0, parts: 0 };

  /**
   * `file`: where the cable columns are kept between runs (columns-file.ts): a reload reads them
   * from it when it belongs to this database and epoch, and writes it after reading the rows.
   */
  constructor(
    private readonly db: Db,
    private readonly file: string | null = null,
  ) {}

  /** True once the columns were loaded (a search can be answered from them). */
  get loaded(): boolean {
    return this.epoch !== -1;
  }

  /** Brings the columns up to date with the database (one cheap query when nothing changed). */
  sync(): Promise<void> {
    if (!this.syncing) {
      this.backgrounded = new Promise((r) => (this.goBackground = r));
      this.syncing = this.doSync().finally(() => {
        this.syncing = null;
        this.catchingUp = false;
        this.goBackground?.();
        this.goBackground = null;
      });
    }
    return this.syncing;
  }

  /**
   * What a search waits for: the sync when the columns were never loaded or the catch-up is small
   * (CATCH_UP.inline), else only until the catch-up has been found large: the search is then
   * answered from the columns (and term index) as they are, and the catch-up goes on.
   */
  forSearch(): Promise<void> {
    const p = this.sync();
    if (!this.loaded) return p;
    return Promise.race([p, this.backgrounded!]);
  }

  /** A large catch-up (or a reload) is going on beside the searches. */
  catchingUp = false;
  /** When the last catch-up holding a running load's changes was put in place (performance.now()). */
  private lastBulk = -Infinity;

  /** The sync from here on runs beside searches (they stop waiting for it). */
  private background(): void {
    this.stats.background++;
    this.catchingUp = true;
    this.goBackground?.();
  }

  private async doSync(): Promise<void> {
    const k = this.db.kysely;
    const { rows } = await sql<{
      seq: number | string;
      kind: string;
      doc_id: number | string;
      bulk: number | string;
    }>`
      select seq, kind, doc_id, bulk from (select seq, kind, doc_id, bulk from search_changes where seq > ${this.seq} order by seq limit ${RELOAD_THRESHOLD + 1}) c
      union all select -1 as seq, 'epoch' as kind, value as doc_id, 0 as bulk from search_state where key = 'epoch'
      union all select -2 as seq, 'loading' as kind, value as doc_id, 0 as bulk from search_state where key = 'cables_indexed_upto'`.execute(
      k,
    );
    const epochRow = rows.find((r) => r.kind === 'epoch');
    const epoch = Number(epochRow?.doc_id ?? 0);
    // A bulk load is going on (from its first batch to the end of its indexing).
    const loading = rows.some((r) => r.kind === 'loading');
    const changes = rows.filter((r) => r.kind !== 'epoch' && r.kind !== 'loading');
    // Cables a bulk load (or several) left out of the change log since this process last looked.
    let unlogged: number[] = [];
    if (epoch !== this.epoch) {
      const above = this.epoch === -1 ? null : await this.bulkLoadedSince(this.epoch, epoch);
      if (above === null || above.length + changes.length > RELOAD_THRESHOLD) {
        if (this.loaded) this.background();
        // Columns from their file are as of its change-log position: the changes since are applied now.
        if ((await this.reload()) === 'file') return this.doSync();
        return;
      }
      unlogged = above;
    } else if (changes.length > RELOAD_THRESHOLD) {
      if (this.loaded) this.background();
      if ((await this.reload()) === 'file') return this.doSync();
      return;
    }
    if (!changes.length && !unlogged.length) {
      this.epoch = epoch;
      return;
    }
    const cableIds = [
      ...new Set([
        ...changes.filter((r) => r.kind === 'cable').map((r) => Number(r.doc_id)),
        ...unlogged,
      ]),
    ].sort((a, b) => a - b);
    const storyIds = [
      ...new Set(changes.filter((r) => r.kind === 'story').map((r) => Number(r.doc_id))),
    ].sort((a, b) => a - b);
    const lastSeq = changes.length ? Math.max(...changes.map((r) => Number(r.seq))) : this.seq;
    // While a bulk load goes on, its batches' logged changes (an upload's) go beside the searches
    // however few: only an editor's few changes are waited for. Once it has ended, a search waits
    // for a small catch-up as before (an import of a few cables is found by the next search).
    const bulk = loading && changes.some((r) => Number(r.bulk) === 1);
    const large =
      cableIds.length + storyIds.length > (bulk ? CATCH_UP.bulkInline : CATCH_UP.inline);
    if (bulk && CATCH_UP.bulkEveryMs > 0) {
      // During a load its changes are put in place at most every bulkEveryMs: each swap empties
      // what searches keep (kept answers, whole-archive counts, the term index's prefix and
      // phrase caches), so one every few hundred milliseconds left readers' searches cold. What a load logs
      // meanwhile is read after the wait, in the same catch-up.
      // (Checked every 100 ms, so a changed setting applies to a wait under way.)
      const due = () => this.lastBulk + CATCH_UP.bulkEveryMs - performance.now();
      if (due() > 0) {
        this.background();
        for (let wait = due(); wait > 0; wait = due())
          await new Promise((r) => setTimeout(r, Math.min(wait, 100)));
        return this.doSync();
      }
    }
    if (large) this.background();
    if (bulk) this.stats.bulk++;
    const step = large ? Math.max(1, CATCH_UP.step) : 500;
    // A large catch-up is put in place in parts of `swapPart` cables (the logged stories with the
    // last), each read, prepared and put in place whole: a search sees every part's cables in the
    // columns and the term index together, or none of them. One synchronous step for an upload's
    // 20,000 cables held the thread for 400-600 ms at full size, and a reader's search waited.
    const partSize = Math.max(
      1,
      large && CATCH_UP.swapPart > 0 ? CATCH_UP.swapPart : cableIds.length,
    );
    const parts: number[][] = [];
    for (let i = 0; i < cableIds.length; i += partSize) parts.push(cableIds.slice(i, i + partSize));
    if (!parts.length) parts.push([]);
    // The rows of `ids`, read `step` at a time (a large catch-up lets the searches go first between
    // two reads), into `sets`, and the ids no longer found (removed) into `gone`.
    const readRows = async <R extends { id: number }>(
      ids: number[],
      read: (part: number[]) => Promise<R[]>,
      sets: R[],
      gone: number[],
      alsoFor?: (part: number[]) => Promise<void>,
    ): Promise<void> => {
      for (let i = 0; i < ids.length; i += step) {
        const part = ids.slice(i, i + step);
        const found = await read(part);
        const seen = new Set(found.map((r) => r.id));
        sets.push(...found);
        for (const id of part) if (!seen.has(id)) gone.push(id);
        if (alsoFor) await alsoFor(part);
        if (large) await yieldToOthers();
      }
    };
    for (let n = 0; n < parts.length; n++) {
      const last = n === parts.length - 1;
      const partIds = parts[n];
      const partStories = last ? storyIds : [];
      // Read first, put in place at the end (below): a search meanwhile sees the columns as they were.
      const cableSets: CableRow[] = [];
      const cableGone: number[] = [];
      const storySets: StoryRow[] = [];
      const storyGone: number[] = [];
      await readRows(
        partIds,
        (part) => this.cableRows(part),
        cableSets,
        cableGone,
        // The Cablegate stories of added cables: their cable stands for them from now on.
        async (part) => void storySets.push(...(await this.storyRows(null, part))),
      );
      await readRows(partStories, (part) => this.storyRows(part), storySets, storyGone);
      const apply: (() => void)[] = [];
      for (const l of this.listeners) {
        apply.push(await l.prepare('cable', partIds, large));
        apply.push(await l.prepare('story', partStories, large));
      }
      if (CATCH_UP.gate) await CATCH_UP.gate();
      // The swap: synchronous, so no search sees part of it.
      for (const r of cableSets) this.cables.set(r.id, r);
      for (const id of cableGone) this.cables.remove(id);
      for (const r of storySets) this.stories.set(r.id, r);
      for (const id of storyGone) this.stories.remove(id);
      for (const a of apply) a();
      // What searches derive from the columns and a large catch-up outdates (the flat tag arrays
      // past their limit, the stories by cable) is made again here, in the same step, rather
      // than inside the next search (at full size a reader's search just after an upload's
      // catch-up took 348 ms in the thread; these were among what it had to make again). The
      // flat arrays in the part that takes them past their limit; the stories by cable with the
      // last part (a search in between that needs them makes them).
      if (large && this.cables.flat) this.cables.flatTags();
      if (last && large) this.stories.byCable();
      if (large) for (const h of this.afterSwap) await h().catch(() => {});
      if (!last) {
        this.stats.parts++;
        await yieldToOthers();
      }
    }
    this.seq = Math.max(this.seq, lastSeq);
    this.epoch = epoch;
    this.stats.catchUps++;
    if (bulk) this.lastBulk = performance.now();
  }

  /**
   * The cables bulk loads between epochs `from` and `to` left out of the change log: every cable
   * above the lowest recorded start now, and those this process holds above it (deleted since).
   * Null when an epoch in between has no record (a process then reloads).
   */
  private async bulkLoadedSince(from: number, to: number): Promise<number[] | null> {
    const low = await bulkLoadFloor(this.db, from, to);
    if (low === undefined || low === null) return null;
    const { rows: ids } = await sql<{ id: number | string }>`
      select id from cables where id > ${low} order by id limit ${RELOAD_THRESHOLD + 1}`.execute(
      this.db.kysely,
    );
    const out = new Set(ids.map((r) => Number(r.id)));
    const c = this.cables;
    for (let id = low + 1; id < c.size; id++) if (c.present[id]) out.add(id);
    return [...out];
  }

  private async cableRows(ids: number[] | null): Promise<CableRow[]> {
    let q = this.db.kysely
      .selectFrom('cables')
      .select(['id', 'origin', 'station', 'classification', 'created', 'tags']);
    if (ids) q = q.where('id', 'in', ids);
    return (await q.execute()) as CableRow[];
  }

  /**
   * Story rows: these ids, or (`ofCables`) the Cablegate stories of these cables, or all (`range`:
   * those with ids in (from, to]).
   */
  private async storyRows(
    ids: number[] | null,
    ofCables?: number[],
    range?: [from: number, to: number],
  ): Promise<StoryRow[]> {
    let q = this.db.kysely
      .selectFrom('stories')
      .innerJoin('sections', 'sections.id', 'stories.section_id')
      .leftJoin('cables', 'cables.reference_id', 'stories.cable_reference_id')
      .select([
        'stories.id as id',
        'sections.slug as section',
        'stories.status as status',
        'stories.published_at as published_at',
        'stories.cable_reference_id as cable_reference_id',
        'cables.id as cable_id',
      ]);
    if (ids) q = q.where('stories.id', 'in', ids);
    if (ofCables) q = q.where('cables.id', 'in', ofCables);
    if (range) q = q.where('stories.id', '>', range[0]).where('stories.id', '<=', range[1]);
    return (await q.execute()) as StoryRow[];
  }

  /** This database's instance id (made on first use, as the term index does), epoch and position. */
  private stamp(): Promise<ColumnsStamp> {
    return databaseStamp(this.db);
  }

  /**
   * The cable columns kept in the file, when they were read from this database at its present
   * epoch and at most RELOAD_THRESHOLD changes ago (null otherwise).
   */
  private async kept(
    now: ColumnsStamp,
  ): Promise<{ stamp: ColumnsStamp; columns: CableColumns } | null> {
    if (!this.file) return null;
    const got = await readColumnsFile(this.file, new CableColumns());
    if (
      !got ||
      got.stamp.instance !== now.instance ||
      got.stamp.epoch !== now.epoch ||
      got.stamp.engine !== now.engine ||
      got.stamp.seq > now.seq
    )
      return null;
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from (select seq from search_changes where seq > ${got.stamp.seq} limit ${RELOAD_THRESHOLD + 1}) c`.execute(
      this.db.kysely,
    );
    return Number(rows[0]?.n ?? 0) > RELOAD_THRESHOLD ? null : got;
  }

  /**
   * Reads everything again (first use, or after a bulk import): the cables from the columns file
   * when it is current (the changes since its position are then still to apply: 'file'), or from
   * their rows ('database', after which the file is written).
   */
  async reload(): Promise<'file' | 'database'> {
    const k = this.db.kysely;
    // Read the change position first: anything written while loading is applied again on the next sync.
    const now = await this.stamp();
    const kept = await this.kept(now);
    const stories = new StoryColumns();
    let cables: CableColumns;
    if (kept) cables = kept.columns;
    else {
      cables = new CableColumns();
      // Cables in id ranges so a quarter of a million rows never sit in memory twice at once.
      const maxId = Number(
        (await sql<{ m: number | null }>`select max(id) as m from cables`.execute(k)).rows[0]?.m ??
          0,
      );
      if (maxId) cables.ensure(maxId);
      // A reload beside searches (the columns in place answer them) reads in parts and lets them
      // run in between. The first load lets the thread's messages in between its parts too: until
      // it is done, plain text searches are answered from the database (early.ts).
      const beside = this.loaded;
      const part = 10000;
      for (let from = 0; from < maxId; from += part) {
        const rows = (await k
          .selectFrom('cables')
          .select(['id', 'origin', 'station', 'classification', 'created', 'tags'])
          .where('id', '>', from)
          .where('id', '<=', from + part)
          .execute()) as CableRow[];
        for (const r of rows) cables.set(r.id, r);
        if (beside) await yieldToOthers();
        else await new Promise((r) => setImmediate(r));
      }
      cables.flatTags();
    }
    // In id ranges too: with a Cablegate story per cable there are as many stories as cables.
    const maxStory = Number(
      (await sql<{ m: number | null }>`select max(id) as m from stories`.execute(k)).rows[0]?.m ??
        0,
    );
    for (let from = 0; from < maxStory; from += 50000) {
      for (const r of await this.storyRows(null, undefined, [from, from + 50000]))
        stories.set(r.id, r);
      if (!this.loaded) await new Promise((r) => setImmediate(r));
    }
    this.cables = cables;
    this.stories = stories;
    this.seq = kept ? kept.stamp.seq : now.seq;
    this.epoch = now.epoch;
    this.lastLoad = kept ? 'file' : 'database';
    this.stats.reloads++;
    if (!kept && this.file) await writeColumnsFile(this.file, cables, now).catch(() => {});
    for (const l of this.listeners) l.reloaded();
    return this.lastLoad;
  }

  /** Ids (ascending) of every document of a kind. */
  allIds(kind: DocKind): Int32Array {
    const c = kind === 'cable' ? this.cables : this.stories;
    const out = new Int32Array(c.count);
    let n = 0;
    for (let i = 0; i < c.size && n < out.length; i++) if (c.present[i]) out[n++] = i;
    return n === out.length ? out : out.subarray(0, n);
  }
}
