/**
 * The cables' facet columns (columns.ts) kept in a file beside the term index
 * (DATA_DIR/search-columns.bin), so a search thread starts without reading every cable row: about
 * 14 bytes per cable plus two per tag (4 MB at 251,287 cables), read in one go into typed arrays.
 *
 * Layout: "BSCOLS" and a format byte, the header's length (uint32, little-endian), a JSON header
 * (stamp, sizes, the dictionaries: origins, stations, classifications, tags), then the arrays
 * present, origin, cls, minute, month, tag start, tag data, each starting on a 4-byte boundary.
 * The stamp says which database, epoch and change-log position the columns were read at: a file
 * of another database or epoch is not used, and the changes since its position are applied on
 * top of it (as after any sync).
 */
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import type { CableColumns } from './columns.ts';
import type { Stamp } from './stamp.ts';

const MAGIC = 'BSCOLS';
const FORMAT = 1;

/** Which database (its search_state instance id), bulk-import epoch and change-log position. */
export type ColumnsStamp = Stamp;

interface Header {
  stamp: ColumnsStamp;
  size: number;
  count: number;
  tagCount: number;
  origins: string[];
  stations: string[];
  classes: string[];
  tags: string[];
}

const align4 = (n: number) => (n + 3) & ~3;

/** The cable columns and their stamp as one buffer (see the module comment for the layout). */
export function encodeCableColumns(c: CableColumns, stamp: ColumnsStamp): Uint8Array {
  const flat = c.flatTags();
  const size = c.size;
  // Changed cables' tags are not in the flat arrays: written from tagsOf().
  const tagStart = new Int32Array(size + 1);
  const tagData = new Uint16Array(flat.start[size] + 1024);
  let n = 0;
  let data = tagData;
  for (let id = 0; id < size; id++) {
    tagStart[id] = n;
    const t = c.tagsOf(id);
    if (n + t.length > data.length) {
      const bigger = new Uint16Array(Math.max(data.length * 2, n + t.length));
      bigger.set(data);
      data = bigger;
    }
    data.set(t, n);
    n += t.length;
  }
  tagStart[size] = n;
  const header: Header = {
    stamp,
    size,
    count: c.count,
    tagCount: n,
    origins: c.origins.values,
    stations: c.origins.values.map((_, i) => c.stations[i] ?? ''),
    classes: c.classes.values,
    tags: c.tagDict.values,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const arrays: ArrayBufferView[] = [
    c.present.subarray(0, size),
    c.origin.subarray(0, size),
    c.cls.subarray(0, size),
    c.minute.subarray(0, size),
    c.month.subarray(0, size),
    tagStart,
    data.subarray(0, n),
  ];
  let total = align4(MAGIC.length + 1 + 4 + json.length);
  for (const a of arrays) total = align4(total + a.byteLength);
  const out = new Uint8Array(total);
  const b = Buffer.from(out.buffer);
  b.write(MAGIC, 0, 'latin1');
  out[MAGIC.length] = FORMAT;
  b.writeUInt32LE(json.length, MAGIC.length + 1);
  out.set(json, MAGIC.length + 5);
  let at = align4(MAGIC.length + 5 + json.length);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = align4(at + a.byteLength);
  }
  return out;
}

/**
 * The cable columns and stamp of a buffer made by encodeCableColumns, put into `c` (new and
 * empty), or null when it is not one.
 */
export function decodeCableColumns(
  blob: Uint8Array,
  c: CableColumns,
): { stamp: ColumnsStamp; columns: CableColumns } | null {
  try {
    const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (
      blob.byteOffset % 4 !== 0 ||
      b.length < MAGIC.length + 5 ||
      b.toString('latin1', 0, MAGIC.length) !== MAGIC ||
      b[MAGIC.length] !== FORMAT
    )
      return null;
    const len = b.readUInt32LE(MAGIC.length + 1);
    const h = JSON.parse(b.toString('utf8', MAGIC.length + 5, MAGIC.length + 5 + len)) as Header;
    let at = blob.byteOffset + align4(MAGIC.length + 5 + len);
    const take = <T>(
      C: { new (buf: ArrayBuffer, off: number, n: number): T; BYTES_PER_ELEMENT: number },
      n: number,
    ): T => {
      if (at - blob.byteOffset + n * C.BYTES_PER_ELEMENT > blob.byteLength)
        throw new Error('short');
      const a = new C(blob.buffer as ArrayBuffer, at, n);
      at = align4(at + n * C.BYTES_PER_ELEMENT);
      return a;
    };
    const size = h.size;
    c.size = size;
    c.present = take(Uint8Array, size);
    c.origin = take(Uint16Array, size);
    c.cls = take(Uint8Array, size);
    c.minute = take(Int32Array, size);
    c.month = take(Int32Array, size);
    const start = take(Int32Array, size + 1);
    const data = take(Uint16Array, h.tagCount);
    if (start[size] !== h.tagCount) return null;
    c.count = h.count;
    h.origins.forEach((o, i) => {
      c.origins.id(o);
      c.stations[i] = h.stations[i];
    });
    for (const v of h.classes) c.classes.id(v);
    for (const v of h.tags) c.tagDict.id(v);
    c.flat = { start, data, over: new Uint8Array(size), changed: 0 };
    return { stamp: h.stamp, columns: c };
  } catch {
    return null;
  }
}

/** Reads the file whole (null when it is missing, damaged or not a columns file). */
export async function readColumnsFile(
  file: string,
  into: CableColumns,
): Promise<{ stamp: ColumnsStamp; columns: CableColumns } | null> {
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const blob = new Uint8Array(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await fh.read(blob, got, size - got, got);
        if (!bytesRead) return null;
        got += bytesRead;
      }
      return decodeCableColumns(blob, into);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

/** Writes the columns next to their final name, then renames: a reader never sees half a file. */
export async function writeColumnsFile(
  file: string,
  c: CableColumns,
  stamp: ColumnsStamp,
): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, encodeCableColumns(c, stamp));
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
