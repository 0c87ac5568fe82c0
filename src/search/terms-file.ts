/**
 * The term index (terms.ts) as one binary blob: what a worker thread hands back after a build and
 * what is kept in DATA_DIR so a restart loads the index in a second instead of rebuilding it for
 * minutes. The blob is stamped with where in the database's history it was built (an instance id,
 * the bulk-import epoch and the change-log position); the loader catches up from `search_changes`.
 *
 * Layout: "BSTERMS" + format byte, a little-endian u32 header length, the header as JSON (term
 * names, surface words, counts, and where each array lives), padding to 8 bytes, then the arrays,
 * each at a 4-byte aligned offset. Decoding makes views into the blob (no copies).
 */
import { open, rename, writeFile, unlink } from 'node:fs/promises';
import { KindPostings } from './terms-postings.ts';
import type { Stamp } from './stamp.ts';
import type { DocKind } from './search-index.ts';

/** Where in the database's history a snapshot was taken (stamp.ts). */
export type { Stamp };

const MAGIC = 'BSTERMS';
const FORMAT = 4;

export interface Snapshot {
  stamp: Stamp;
  postings: Record<DocKind, KindPostings>;
  /** Surface word → term ids, per kind. */
  surface: Record<DocKind, Map<string, number[]>>;
  /** The blob it was decoded from (its arrays are views into it). */
  blob?: Uint8Array;
  /** Per kind, when the blob had them: the dictionaries in name order (see SortedWords). */
  sorted?: Record<DocKind, SortedWords>;
}

/** A kind's term names and surface words in code-unit order, for word-start lookups. */
export interface SortedWords {
  /** Term ids, ordered by their names. */
  order: Int32Array;
  /** Surface words (their term ids are in the surface map), in order. */
  words: string[];
}

/** Compares strings by UTF-16 code units (the order startsWith ranges are contiguous in). */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The dictionaries of a kind in name order. */
export function sortWords(names: string[], surface: Map<string, number[]>): SortedWords {
  const order = Int32Array.from(names.keys());
  const ids = Array.from(order).sort((x, y) => byCodeUnits(names[x], names[y]));
  order.set(ids);
  return { order, words: [...surface.keys()].sort(byCodeUnits) };
}

type ArrayKind = 'u32' | 'i32' | 'u8' | 'f32';
type Ref = [kind: ArrayKind, offset: number, length: number] | null;

interface KindHeader {
  nDocs: number;
  totalLen: number;
  terms: string[];
  df: number[];
  present: Ref;
  len: Ref;
  /** Per term: [dense, cum, ids, freq, champion ids, champion weights]. */
  arrays: Ref[][];
  /** Champion lists: the list length they were made for, and per term the avgdl (null: none). */
  champsSize: number;
  champAvgdl: (number | null)[];
  /** Tracked adjacent pairs: their keys and bitmaps. */
  pairKeys: number[];
  pairBits: Ref[];
  surface: [string, number[]][];
  /**
   * The term ids in the order of their names, and whether `surface` is in the order of its words
   * (so a word start finds its words by binary search). Absent in files written before: the
   * order is then made on first use.
   */
  order?: Ref;
  surfaceSorted?: boolean;
}

interface Header {
  stamp: Stamp;
  kinds: Record<DocKind, KindHeader>;
}

type Typed = Uint32Array | Int32Array | Uint8Array | Float32Array;

/**
 * The blob of a snapshot; `shared`: in a SharedArrayBuffer, so other threads can be handed the
 * same memory (a posted SharedArrayBuffer is not copied).
 */
export function encodeSnapshot(s: Snapshot, shared = false): Uint8Array {
  const parts: Typed[] = [];
  let size = 0;
  const put = (a: Typed | null): Ref => {
    if (!a) return null;
    size = (size + 3) & ~3;
    const ref: Ref = [
      a instanceof Uint32Array
        ? 'u32'
        : a instanceof Int32Array
          ? 'i32'
          : a instanceof Float32Array
            ? 'f32'
            : 'u8',
      size,
      a.length,
    ];
    parts.push(a);
    size += a.byteLength;
    return ref;
  };
  const kinds = {} as Record<DocKind, KindHeader>;
  for (const kind of ['cable', 'story'] as const) {
    const p = s.postings[kind];
    const given = s.sorted?.[kind];
    const sorted =
      given &&
      given.order.length === p.termNames.length &&
      given.words.length === s.surface[kind].size
        ? given
        : sortWords(p.termNames, s.surface[kind]);
    kinds[kind] = {
      nDocs: p.nDocs,
      totalLen: p.totalLen,
      terms: p.termNames,
      df: p.df,
      present: put(p.present),
      len: put(p.len),
      arrays: p.termNames.map((_, t) => [
        put(p.dense[t]),
        put(p.cum[t]),
        put(p.ids[t]),
        put(p.freq[t]),
        put(p.champs[t]?.ids ?? null),
        put(p.champs[t]?.w ?? null),
      ]),
      champsSize: p.champsSize,
      champAvgdl: p.termNames.map((_, t) => p.champs[t]?.avgdl ?? null),
      pairKeys: [...p.pairs.keys()],
      pairBits: [...p.pairs.values()].map(put),
      surface: sorted.words.map((w) => [w, s.surface[kind].get(w)!]),
      order: put(sorted.order),
      surfaceSorted: true,
    };
  }
  const header = Buffer.from(JSON.stringify({ stamp: s.stamp, kinds } satisfies Header), 'utf8');
  const start = (MAGIC.length + 1 + 4 + header.length + 7) & ~7;
  const out = new Uint8Array(
    shared ? new SharedArrayBuffer(start + size) : new ArrayBuffer(start + size),
  );
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  out[MAGIC.length] = FORMAT;
  new DataView(out.buffer).setUint32(MAGIC.length + 1, header.length, true);
  out.set(header, MAGIC.length + 5);
  // Second pass: copy each array to the offset put() gave it.
  let at = 0;
  for (const a of parts) {
    at = (at + 3) & ~3;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + at);
    at += a.byteLength;
  }
  return out;
}

/** The snapshot in a blob, or null when it is not one (another format, truncated). */
export function decodeSnapshot(blob: Uint8Array): Snapshot | null {
  const steps = decodeSteps(blob);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * decodeSnapshot() in steps of a few thousand terms, letting the thread's other work (the searches
 * answered from the database while the index loads) run between them.
 */
export async function decodeSnapshotYielding(blob: Uint8Array): Promise<Snapshot | null> {
  const steps = decodeSteps(blob);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Decodes a blob, pausing (yield) every DECODE_STEP terms. */
const DECODE_STEP = 2048;
function* decodeSteps(blob: Uint8Array): Generator<void, Snapshot | null> {
  if (blob.byteOffset % 8 !== 0) blob = blob.slice();
  const whole = blob;
  if (
    blob.length < MAGIC.length + 5 ||
    Buffer.from(blob.buffer, blob.byteOffset, MAGIC.length).toString('latin1') !== MAGIC ||
    blob[MAGIC.length] !== FORMAT
  )
    return null;
  const headerLen = new DataView(blob.buffer, blob.byteOffset).getUint32(MAGIC.length + 1, true);
  if (MAGIC.length + 5 + headerLen > blob.length) return null;
  let header: Header;
  try {
    header = JSON.parse(
      Buffer.from(blob.buffer, blob.byteOffset + MAGIC.length + 5, headerLen).toString('utf8'),
    ) as Header;
  } catch {
    return null;
  }
  const start = blob.byteOffset + ((MAGIC.length + 5 + headerLen + 7) & ~7);
  const end = blob.byteOffset + blob.length;
  const view = (ref: Ref): Typed | null => {
    if (!ref) return null;
    const [kind, offset, length] = ref;
    const bytes = kind === 'u8' ? length : length * 4;
    if (start + offset + bytes > end) throw new RangeError('truncated');
    if (kind === 'u32') return new Uint32Array(blob.buffer, start + offset, length);
    if (kind === 'i32') return new Int32Array(blob.buffer, start + offset, length);
    if (kind === 'f32') return new Float32Array(blob.buffer, start + offset, length);
    return new Uint8Array(blob.buffer, start + offset, length);
  };
  try {
    const postings = {} as Record<DocKind, KindPostings>;
    const surface = {} as Record<DocKind, Map<string, number[]>>;
    const sorted = {} as Record<DocKind, SortedWords>;
    let allSorted = true;
    for (const kind of ['cable', 'story'] as const) {
      const k = header.kinds[kind];
      const p = new KindPostings();
      p.nDocs = k.nDocs;
      p.totalLen = k.totalLen;
      p.present = (view(k.present) as Uint32Array | null) ?? new Uint32Array(0);
      p.len = (view(k.len) as Int32Array | null) ?? new Int32Array(0);
      for (let t = 0; t < k.terms.length; t++) {
        if (t % DECODE_STEP === DECODE_STEP - 1) yield;
        const name = k.terms[t];
        p.termIds.set(name, t);
        p.termNames.push(name);
        const [dense, cum, ids, freq, champIds, champW] = k.arrays[t];
        p.dense.push(view(dense) as Uint32Array | null);
        p.cum.push(view(cum) as Uint32Array | null);
        p.ids.push(view(ids) as Int32Array | null);
        p.freq.push((view(freq) as Uint8Array | null) ?? new Uint8Array(0));
        p.df.push(k.df[t]);
        const avgdl = k.champAvgdl[t];
        if (avgdl !== null)
          p.champs[t] = {
            ids: view(champIds) as Int32Array,
            w: view(champW) as Float32Array,
            avgdl,
          };
      }
      p.champsSize = k.champsSize;
      k.pairKeys.forEach((key, i) => p.pairs.set(key, view(k.pairBits[i]) as Uint32Array));
      postings[kind] = p;
      surface[kind] = new Map(k.surface);
      const order = k.order ? (view(k.order) as Int32Array) : null;
      if (order && order.length === k.terms.length && k.surfaceSorted)
        sorted[kind] = { order, words: k.surface.map(([w]) => w) };
      else allSorted = false;
    }
    return {
      stamp: header.stamp,
      postings,
      surface,
      blob: whole,
      ...(allSorted ? { sorted } : {}),
    };
  } catch {
    return null;
  }
}

/** Writes the blob next to its final name, then renames it: a reader never sees half a file. */
export async function writeSnapshotFile(file: string, blob: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, blob);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/**
 * The stamp of the snapshot kept in `file`, read from the start of its header only (the header
 * begins with it), or null when there is none or it cannot be read. Lets a reader skip reading and
 * decoding a whole file that belongs to another epoch (after a bulk import, say).
 */
export async function readSnapshotStamp(file: string): Promise<Stamp | null> {
  try {
    const fh = await open(file, 'r');
    try {
      const head = new Uint8Array(1024);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      const b = Buffer.from(head.buffer, 0, bytesRead);
      if (
        bytesRead < MAGIC.length + 5 ||
        b.toString('latin1', 0, MAGIC.length) !== MAGIC ||
        b[MAGIC.length] !== FORMAT
      )
        return null;
      const text = b.toString('utf8', MAGIC.length + 5);
      const m = /^\{"stamp":(\{[^{}]*\})/.exec(text);
      if (!m) return null;
      const s = JSON.parse(m[1]) as Stamp;
      return typeof s.instance === 'number' &&
        typeof s.epoch === 'number' &&
        typeof s.seq === 'number' &&
        (s.engine === 'sqlite' || s.engine === 'postgres')
        ? s
        : null;
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

/**
 * The bytes of the snapshot kept in `file`, or null when it cannot be read whole. They are read
 * into shared memory, so the other search threads can be handed them without a copy; not decoded
 * nor checked here (decodeSnapshot does that).
 */
export async function readSnapshotBlob(file: string): Promise<Uint8Array | null> {
  let blob: Uint8Array;
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      blob = new Uint8Array(new SharedArrayBuffer(size));
      for (let at = 0; at < size;) {
        const { bytesRead } = await fh.read(blob, at, size - at, at);
        if (bytesRead === 0) return null;
        at += bytesRead;
      }
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  return blob;
}
