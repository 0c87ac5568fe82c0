/**
 * Cable readers: turn files (or streams) into RawCable records.
 *
 * Formats:
 *  - csv   the cables.csv dump (8 double-quoted columns, MySQL-dump escaping), streamed
 *  - jsonl one JSON object per line (WikiLeaks page extracts)
 *  - text  one cable per file (PlusD/partner text dumps; UTF-8 or Latin-1, CRLF)
 *  - html  one WikiLeaks cable page
 *
 * Every reader yields ReaderItem values: a bad record becomes an `{ok: false}` item carrying its
 * position, and reading goes on with the next record.
 *
 * Bounded and linear: a csv record or jsonl line that does not fit the bytes read so far is collected
 * as a list of chunks and joined once (never re-joined per chunk), and a csv field or jsonl line
 * larger than `maxFieldBytes` is refused as its record's error without being kept in memory. A
 * byte-order mark (UTF-8, UTF-16 LE/BE) is honoured in every format; UTF-16 csv/jsonl is converted
 * to UTF-8 as it streams, and its positions are then offsets in that UTF-8 text.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { RawCable } from './parse/types.ts';

export type CableFormat = 'csv' | 'jsonl' | 'text' | 'html';

export interface ReaderPosition {
  /** 0-based ordinal of the record in the input (error items count too). */
  index: number;
  /** 1-based line on which the record starts. */
  line: number;
  /** Byte offset of the first byte of the record. */
  byteOffset: number;
  /** Byte offset just past the record (and its line terminator): where the next record starts. */
  byteEnd: number;
}

export type ReaderItem =
  | { ok: true; raw: RawCable; position: ReaderPosition }
  | { ok: false; error: string; position: ReaderPosition };

export interface ReadOptions {
  format?: 'auto' | CableFormat;
  /** Name used in messages and `source` (defaults to the file's base name, or "input"). */
  name?: string;
  /**
   * csv / jsonl: begin at this byte offset, which must be a record boundary reported earlier
   * (a `byteEnd`, or a `byteOffset`). For a stream input the stream is taken to start there
   * already: the value only shifts the reported offsets.
   */
  startByte?: number;
  /** Index / line of the record at `startByte`, so that resumed positions stay absolute. */
  startIndex?: number;
  startLine?: number;
  /** Read size for files (bytes). */
  chunkSize?: number;
  /**
   * Largest csv field, jsonl line or text/html file (bytes, default MAX_FIELD_BYTES): a larger one
   * is its record's error and reading goes on.
   */
  maxFieldBytes?: number;
  /** Work counters (bytes copied into joined buffers, bytes handed to the record parser). */
  stats?: ReaderStats;
}

/** The chunks of a byte stream, one at a time; `final` once the stream has ended. */
function chunkSource(source: AsyncIterable<Buffer>): {
  read(): Promise<Buffer | null>;
  readonly final: boolean;
} {
  const it = source[Symbol.asyncIterator]();
  let final = false;
  return {
    async read() {
      const r = await it.next();
      if (r.done) {
        final = true;
        return null;
      }
      return r.value;
    },
    get final() {
      return final;
    },
  };
}

/** Default for `maxFieldBytes`. */
export const MAX_FIELD_BYTES = 16 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

/** The byte-order mark at the start of `b`, if any. */
export function byteOrderMark(b: Uint8Array): { encoding: TextEncoding; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf8', length: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf16le', length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf16be', length: 2 };
  return null;
}

/** UTF-16 bytes (no mark, even length) as text. */
function decodeUtf16(b: Uint8Array, encoding: 'utf16le' | 'utf16be'): string {
  const even = Buffer.from(b.buffer, b.byteOffset, b.byteLength - (b.byteLength % 2));
  if (encoding === 'utf16le') return even.toString('utf16le');
  return Buffer.from(even).swap16().toString('utf16le');
}

export interface ReaderStats {
  bytesCopied: number;
  bytesParsed: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const CSV_COLUMNS = 8;

// ---------------------------------------------------------------------------------------------
// Format detection

/** Guess the format of a file from its name and its first bytes. */
export function detectFormat(path: string, firstBytes: Buffer): CableFormat {
  const bom = byteOrderMark(firstBytes);
  const head =
    bom && bom.encoding !== 'utf8'
      ? decodeUtf16(firstBytes.subarray(2, 2 + 8192), bom.encoding)
      : firstBytes.toString(
          'latin1',
          bom ? 3 : 0,
          Math.min(firstBytes.length, (bom ? 3 : 0) + 4096),
        );
  const trimmed = head.replace(/^\s+/, '');
  // Strong content signatures first.
  if (/^"\d+","/.test(trimmed)) return 'csv';
  if (
    /^<(!doctype|html|head|body|div|h3|table)\b/i.test(trimmed) ||
    /<h3>\s*Viewing cable/i.test(head)
  )
    return 'html';
  if (/^\{\s*"/.test(trimmed)) return 'jsonl';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.txt') return 'text';
  if (trimmed.startsWith('{')) return 'jsonl';
  if (/<table\s+class=['"]cable['"]/i.test(head)) return 'html';
  return 'text';
}

// ---------------------------------------------------------------------------------------------
// Dates

/** `12/28/1966 18:48` (cables.csv, UTC) → `1966-12-28T18:48:00Z`; null when malformed. */
export function csvDateToIso(value: string): string | null {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$/.exec(
    value,
  );
  if (!m) return null;
  const mo = Number(m[1]);
  const d = Number(m[2]);
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${m[3]}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}Z`;
}

// ---------------------------------------------------------------------------------------------
// Entry point

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('unsupported stream chunk type');
}

/** Read cables from a file path or a byte stream. */
export async function* readCables(
  input: string | NodeJS.ReadableStream,
  opts: ReadOptions = {},
): AsyncGenerator<ReaderItem> {
  const path = typeof input === 'string' ? input : '';
  const name = opts.name ?? (path ? basename(path) : 'input');
  let format = opts.format ?? 'auto';
  const startByte = opts.startByte ?? 0;
  const chunkSize = opts.chunkSize ?? 1 << 20;
  const limit = Math.max(1, opts.maxFieldBytes ?? MAX_FIELD_BYTES);
  const stats = opts.stats ?? { bytesCopied: 0, bytesParsed: 0 };

  let chunks: AsyncIterator<unknown>;
  if (typeof input === 'string') {
    if (format === 'auto') {
      const fh = await open(input, 'r');
      try {
        const probe = Buffer.alloc(4096);
        const { bytesRead } = await fh.read(probe, 0, probe.length, startByte);
        format = detectFormat(input, probe.subarray(0, bytesRead));
      } finally {
        await fh.close();
      }
    }
    if (format === 'text' || format === 'html') {
      const { size } = await stat(input);
      if (size > limit) {
        yield wholeInputTooLarge(name, size, limit);
        return;
      }
      const bytes = await readFile(input);
      yield* format === 'text' ? readTextBytes(bytes, name) : readHtmlBytes(bytes, name);
      return;
    }
    chunks = createReadStream(input, { start: startByte, highWaterMark: chunkSize })[
      Symbol.asyncIterator
    ]();
  } else {
    chunks = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  // The first bytes: enough to see a byte-order mark (at the start of the input) and to sniff the
  // format of a stream.
  const want = format === 'auto' ? 4096 : 3;
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < want) {
    const r = await chunks.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = toBuffer(r.value);
    head.push(b);
    headLength += b.length;
  }
  let first = head.length === 1 ? head[0] : Buffer.concat(head, headLength);
  if (format === 'auto') format = detectFormat(opts.name ?? '', first);
  const bom = startByte === 0 ? byteOrderMark(first) : null;
  if (bom) first = first.subarray(bom.length);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    if (ended) return;
    for (;;) {
      const r = await chunks.next();
      if (r.done) return;
      yield toBuffer(r.value);
    }
  };
  const source = bom && bom.encoding !== 'utf8' ? utf16ToUtf8(rest(), bom.encoding) : rest();

  if (format === 'text' || format === 'html') {
    // One cable per input, bounded like a field (the mark was read off above; UTF-16 is now UTF-8).
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of source) {
      size += c.length;
      if (size <= limit) parts.push(c);
    }
    if (size > limit) {
      yield wholeInputTooLarge(name, size, limit);
      return;
    }
    const bytes = Buffer.concat(parts);
    yield* format === 'text' ? readTextBytes(bytes, name) : readHtmlBytes(bytes, name);
    return;
  }
  // UTF-16 input is read as the UTF-8 text it converts to: positions count that text's bytes.
  const byte = bom ? (bom.encoding === 'utf8' ? bom.length : 0) : startByte;
  const pos = { index: opts.startIndex ?? 0, line: opts.startLine ?? 1, byte };
  if (format === 'csv') yield* readCsvChunks(source, name, pos, limit, stats);
  else yield* readJsonlChunks(source, name, pos, limit, stats);
}

function wholeInputTooLarge(name: string, size: number, limit: number): ReaderItem {
  return {
    ok: false,
    error: `${name}: the file is larger than ${formatBytes(limit)}`,
    position: { index: 0, line: 1, byteOffset: 0, byteEnd: size },
  };
}

/** UTF-16 chunks (mark removed) as UTF-8 chunks; characters split across chunks are kept whole. */
async function* utf16ToUtf8(
  source: AsyncIterable<Buffer>,
  encoding: 'utf16le' | 'utf16be',
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder('utf-16le', { ignoreBOM: true });
  let carry: Buffer | null = null;
  for await (const chunk of source) {
    // A copy: the byte swap below must not touch the caller's buffer.
    const b: Buffer = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
    const even = b.length - (b.length % 2);
    carry = even < b.length ? b.subarray(even) : null;
    const units = b.subarray(0, even);
    if (encoding === 'utf16be') units.swap16();
    const text = decoder.decode(units, { stream: true });
    if (text) yield Buffer.from(text, 'utf8');
  }
  const tail = decoder.decode();
  if (tail) yield Buffer.from(tail, 'utf8');
}

/** Convenience: read every item of an input into an array (small inputs only). */
export async function readAllCables(
  input: string | NodeJS.ReadableStream,
  opts: ReadOptions = {},
): Promise<ReaderItem[]> {
  const out: ReaderItem[] = [];
  for await (const item of readCables(input, opts)) out.push(item);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CSV (cables.csv, MySQL-dump escaping)

interface Cursor {
  index: number;
  line: number;
  byte: number;
}

type RecordResult =
  /** `tooLong`: the 1-based number of a field over the size limit (its value is left empty). */
  | { kind: 'record'; fields: string[]; end: number; tooLong?: number }
  | { kind: 'incomplete' }
  | { kind: 'error'; message: string; at: number }
  | { kind: 'blank'; end: number };

/**
 * State-machine parser for one record starting at `start` of `buf`. Scans with indexOf for the
 * only two bytes that matter inside a quoted field (quote, backslash); unescaped runs are decoded
 * straight from the buffer, escaped fields are assembled in a scratch buffer first.
 */
class CsvRecordParser {
  constructor(private readonly maxField: number) {}
  private buf: Buffer = Buffer.alloc(0);
  private len = 0;
  private nextQuote = -1;
  private nextBackslash = -1;
  private scratch = Buffer.allocUnsafe(1 << 16);
  private w = 0;

  reset(buf: Buffer): void {
    this.buf = buf;
    this.len = buf.length;
    this.nextQuote = -1;
    this.nextBackslash = -1;
  }

  private findQuote(from: number): number {
    if (this.nextQuote < from) {
      const i = this.buf.indexOf(QUOTE, from);
      this.nextQuote = i < 0 ? this.len : i;
    }
    return this.nextQuote;
  }

  private findBackslash(from: number): number {
    if (this.nextBackslash < from) {
      const i = this.buf.indexOf(BACKSLASH, from);
      this.nextBackslash = i < 0 ? this.len : i;
    }
    return this.nextBackslash;
  }

  private append(from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.ensure(n);
    this.buf.copy(this.scratch, this.w, from, to);
    this.w += n;
  }

  private appendByte(b: number): void {
    this.ensure(1);
    this.scratch[this.w++] = b;
  }

  private ensure(n: number): void {
    if (this.w + n <= this.scratch.length) return;
    let size = this.scratch.length * 2;
    while (size < this.w + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.scratch.copy(next, 0, 0, this.w);
    this.scratch = next;
  }

  parse(start: number, final: boolean): RecordResult {
    const buf = this.buf;
    const len = this.len;
    const fields: string[] = [];
    let tooLong = 0;
    let pos = start;
    if (pos < len && (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF))) {
      return { kind: 'blank', end: buf[pos] === LF ? pos + 1 : pos + 2 };
    }
    if (pos < len && buf[pos] === CR && pos + 1 >= len && !final) return { kind: 'incomplete' };
    for (;;) {
      if (pos >= len) {
        if (!final) return { kind: 'incomplete' };
        if (fields.length === 0) return { kind: 'incomplete' };
        fields.push('');
        return { kind: 'record', fields, end: pos, tooLong };
      }
      if (buf[pos] === QUOTE) {
        pos++;
        const fieldStart = pos;
        let seg = pos;
        let escaped = false;
        this.w = 0;
        let value: string | null = null;
        while (value === null) {
          const q = this.findQuote(pos);
          const b = this.findBackslash(pos);
          if (b < q) {
            // An escape sequence.
            if (b + 1 >= len) {
              return final
                ? { kind: 'error', message: 'unterminated quoted field', at: len }
                : { kind: 'incomplete' };
            }
            escaped = true;
            this.append(seg, b);
            const e = buf[b + 1];
            pos = b + 2;
            switch (e) {
              case LF:
                this.appendByte(LF);
                break;
              case SPACE:
              case CR: {
                // `\` + spaces + newline is a line continuation: keep just the newline.
                let k = b + 1;
                while (k < len && buf[k] === SPACE) k++;
                if (k < len && buf[k] === CR && k + 1 < len && buf[k + 1] === LF) k++;
                if (k >= len && !final) return { kind: 'incomplete' };
                if (k < len && buf[k] === LF) {
                  this.appendByte(LF);
                  pos = k + 1;
                } else {
                  this.appendByte(e);
                }
                break;
              }
              case 0x6e: // n
                this.appendByte(LF);
                break;
              case 0x72: // r
                this.appendByte(CR);
                break;
              case 0x74: // t
                this.appendByte(0x09);
                break;
              case 0x30: // 0
                this.appendByte(0);
                break;
              default:
                // \" \' \\ and anything else: the character itself.
                this.appendByte(e);
            }
            seg = pos;
          } else if (q < len) {
            if (q - fieldStart > this.maxField) {
              // Refused: not decoded (the record becomes an error).
              if (!tooLong) tooLong = fields.length + 1;
              value = '';
            } else if (escaped) {
              this.append(seg, q);
              value = this.scratch.toString('utf8', 0, this.w);
            } else {
              value = buf.toString('utf8', seg, q);
            }
            pos = q + 1;
          } else {
            return final
              ? { kind: 'error', message: 'unterminated quoted field', at: len }
              : { kind: 'incomplete' };
          }
        }
        fields.push(value);
      } else {
        // Unquoted field (not produced by the dump, accepted leniently): up to `,` or newline.
        let k = pos;
        while (k < len && buf[k] !== COMMA && buf[k] !== LF && buf[k] !== QUOTE) k++;
        if (k < len && buf[k] === QUOTE) {
          return {
            kind: 'error',
            message: `stray quote in unquoted field ${fields.length + 1}`,
            at: k,
          };
        }
        if (k >= len && !final) return { kind: 'incomplete' };
        let e = k;
        if (e > pos && buf[e - 1] === CR && (e >= len || buf[e] === LF)) e--;
        if (e - pos > this.maxField && !tooLong) tooLong = fields.length + 1;
        fields.push(e - pos > this.maxField ? '' : buf.toString('utf8', pos, e));
        pos = e;
      }
      // After a field: separator, end of record or end of input.
      if (pos >= len) {
        if (!final) return { kind: 'incomplete' };
        return { kind: 'record', fields, end: pos, tooLong };
      }
      const c = buf[pos];
      if (c === COMMA) {
        pos++;
        continue;
      }
      if (c === LF) return { kind: 'record', fields, end: pos + 1, tooLong };
      if (c === CR) {
        if (pos + 1 >= len)
          return final ? { kind: 'record', fields, end: pos + 1, tooLong } : { kind: 'incomplete' };
        if (buf[pos + 1] === LF) return { kind: 'record', fields, end: pos + 2, tooLong };
      }
      const shown = JSON.stringify(buf.toString('utf8', pos, Math.min(len, pos + 12)));
      return {
        kind: 'error',
        message: `unexpected ${shown} after field ${fields.length} (unescaped quote?)`,
        at: pos,
      };
    }
  }
}

/** Start of the next plausible csv row (`"<digits>","` at a line start) after `from`; -1 if none. */
function findRowStart(buf: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const nl = buf.indexOf(LF, i);
    if (nl < 0) return -1;
    let k = nl + 1;
    if (buf[k] === QUOTE) {
      k++;
      const d0 = k;
      while (k < buf.length && buf[k] >= 0x30 && buf[k] <= 0x39) k++;
      if (k > d0 && buf[k] === QUOTE && buf[k + 1] === COMMA && buf[k + 2] === QUOTE) return nl + 1;
      if (k + 3 > buf.length) return -2; // cannot tell yet
    } else if (k >= buf.length) {
      return -2;
    }
    i = nl + 1;
  }
}

function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  let i = buf.indexOf(LF, from);
  while (i >= 0 && i < to) {
    n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

function csvRecordToRaw(fields: string[], source: string): RawCable | string {
  if (fields.length !== CSV_COLUMNS)
    return `expected ${CSV_COLUMNS} fields, found ${fields.length}`;
  const [, created, referenceId, origin, classification, refs, header, body] = fields;
  return {
    source,
    referenceId,
    created,
    origin,
    classification,
    references: refs === '' ? [] : refs.split('|').filter((r) => r !== ''),
    header,
    body,
  };
}

const S_FIELD = 0; // at the start of a field
const S_UNQUOTED = 1;
const S_QUOTED = 2;
const S_ESCAPE = 3; // after a backslash inside quotes
const S_CLOSED = 4; // after a field's closing quote
const S_CLOSED_CR = 5; // after a closing quote and a CR

/**
 * Finds where a csv record ends when it does not fit the bytes read so far: fed chunk after chunk,
 * it looks at each byte once and keeps its state in between, so a record of any length costs one
 * pass, and the chunks are joined once, when it is known to be complete. It also measures fields:
 * once one grows past the limit the record is refused and its bytes need not be kept; the scanner
 * then only looks for the record's end (leniently, as nothing of it will be parsed).
 */
class CsvRecordScanner {
  private state = S_FIELD;
  private field = 1;
  private fieldBytes = 0;
  /** Line feeds seen in this record (its terminator included). */
  lines = 0;
  /** The 1-based number of the first field over the limit, or 0. */
  tooLong = 0;

  constructor(private readonly limit: number) {}

  reset(): void {
    this.state = S_FIELD;
    this.field = 1;
    this.fieldBytes = 0;
    this.lines = 0;
    this.tooLong = 0;
  }

  private grow(): void {
    if (++this.fieldBytes > this.limit && !this.tooLong) this.tooLong = this.field;
  }

  private nextField(): void {
    this.field++;
    this.fieldBytes = 0;
    this.state = S_FIELD;
  }

  /**
   * Scans `buf` from `from`. Returns the index just past the record's line feed; or, before a field
   * is too long, just past a byte that makes the record malformed (the parser reports it then);
   * or -1 when the record goes on past `buf`.
   */
  scan(buf: Buffer, from: number): number {
    for (let i = from; i < buf.length; i++) {
      const c = buf[i];
      if (c === LF) this.lines++;
      switch (this.state) {
        case S_FIELD:
          if (c === QUOTE) this.state = S_QUOTED;
          else if (c === COMMA) this.nextField();
          else if (c === LF) return i + 1;
          else {
            this.state = S_UNQUOTED;
            this.grow();
          }
          break;
        case S_UNQUOTED:
          if (c === COMMA) this.nextField();
          else if (c === LF) return i + 1;
          else if (c === QUOTE && !this.tooLong) return i + 1;
          else this.grow();
          break;
        case S_QUOTED:
          if (c === QUOTE) this.state = S_CLOSED;
          else {
            if (c === BACKSLASH) this.state = S_ESCAPE;
            this.grow();
          }
          break;
        case S_ESCAPE:
          this.state = S_QUOTED;
          this.grow();
          break;
        case S_CLOSED:
        case S_CLOSED_CR:
          if (c === COMMA && this.state === S_CLOSED) this.nextField();
          else if (c === LF) return i + 1;
          else if (c === CR && this.state === S_CLOSED) this.state = S_CLOSED_CR;
          else if (!this.tooLong) return i + 1;
          else this.state = S_UNQUOTED;
          break;
      }
    }
    return -1;
  }
}

async function* readCsvChunks(
  source: AsyncIterable<Buffer>,
  name: string,
  cur: Cursor,
  limit: number,
  stats: ReaderStats,
): AsyncGenerator<ReaderItem> {
  const parser = new CsvRecordParser(limit);
  const scanner = new CsvRecordScanner(limit);
  let buf: Buffer = Buffer.alloc(0);
  let base = cur.byte; // absolute offset of buf[0]
  let pos = 0;
  let resyncFrom = -1; // when >= 0: skipping a malformed record, looking for a row start from here
  /** The malformed record being skipped: its message, first line, start and the lines dropped so far. */
  let pendingError: { message: string; line: number; start: number; lines: number } | null = null;
  const input = chunkSource(source);
  const tooLarge = (field: number) => `field ${field} is larger than ${formatBytes(limit)}`;

  const makePos = (start: number, end: number, line: number): ReaderPosition => ({
    index: cur.index,
    line,
    byteOffset: base + start,
    byteEnd: base + end,
  });

  for (;;) {
    parser.reset(buf);
    for (;;) {
      if (resyncFrom >= 0) {
        const next = findRowStart(buf, resyncFrom);
        if (next < 0 && !input.final) break; // need more input to find where the next row starts
        const end = next < 0 ? buf.length : next;
        const err = pendingError!;
        yield {
          ok: false,
          error: `${name} row ${cur.index + 1} (line ${err.line}): ${err.message}`,
          position: {
            index: cur.index,
            line: err.line,
            byteOffset: err.start,
            byteEnd: base + end,
          },
        };
        cur.index++;
        cur.line = err.line + err.lines + countLines(buf, pos, end);
        pos = end;
        resyncFrom = -1;
        pendingError = null;
        continue;
      }
      if (pos >= buf.length) break;
      const res = parser.parse(pos, input.final);
      stats.bytesParsed +=
        (res.kind === 'record' || res.kind === 'blank' ? res.end : buf.length) - pos;
      if (res.kind === 'incomplete') {
        if (input.final) pos = buf.length; // only blank trailing bytes
        break;
      }
      if (res.kind === 'blank') {
        cur.line++;
        pos = res.end;
        continue;
      }
      if (res.kind === 'error') {
        pendingError = { message: res.message, line: cur.line, start: base + pos, lines: 0 };
        resyncFrom = pos;
        continue;
      }
      if (res.fields.length !== CSV_COLUMNS) {
        // Usually an unescaped quote followed by a comma split a field: skip to the next row start
        // so the rest of the broken row does not turn into a run of bogus records.
        pendingError = {
          message: `expected ${CSV_COLUMNS} fields, found ${res.fields.length}`,
          line: cur.line,
          start: base + pos,
          lines: 0,
        };
        resyncFrom = pos;
        continue;
      }
      const line = cur.line;
      // `source` names the row by the dump's own sequential id when it has one.
      const rowNo = /^\d+$/.test(res.fields[0]) ? res.fields[0] : String(cur.index + 1);
      const raw = res.tooLong
        ? tooLarge(res.tooLong)
        : csvRecordToRaw(res.fields, `${name} row ${rowNo}`);
      if (typeof raw === 'string') {
        yield {
          ok: false,
          error: `${name} row ${cur.index + 1} (line ${line}): ${raw}`,
          position: makePos(pos, res.end, line),
        };
      } else {
        yield { ok: true, raw, position: makePos(pos, res.end, line) };
      }
      cur.index++;
      cur.line += countLines(buf, pos, res.end);
      pos = res.end;
    }
    if (input.final) {
      if (resyncFrom < 0 && pos < buf.length) {
        // Leftover we could not make sense of at end of input.
        yield {
          ok: false,
          error: `${name} row ${cur.index + 1} (line ${cur.line}): truncated record at end of input`,
          position: makePos(pos, buf.length, cur.line),
        };
      }
      return;
    }

    // More input is needed.
    if (resyncFrom >= 0) {
      // Skipping a malformed record: only the bytes from its last line break on can still matter.
      const lastNl = buf.lastIndexOf(LF);
      const keep = lastNl >= resyncFrom ? lastNl : buf.length;
      pendingError!.lines += countLines(buf, pos, keep);
      const chunk = await input.read();
      const tail = buf.subarray(keep);
      base += keep;
      buf = chunk ? Buffer.concat([tail, chunk]) : tail;
      stats.bytesCopied += chunk ? buf.length : 0;
      pos = 0;
      resyncFrom = 0;
      continue;
    }
    if (pos >= buf.length) {
      const chunk = await input.read();
      base += buf.length;
      buf = chunk ?? Buffer.alloc(0);
      pos = 0;
      continue;
    }
    // A record that goes on past the buffer: collect chunks until the scanner sees its end, then
    // join them once.
    scanner.reset();
    const recordLine = cur.line;
    const recordStart = base + pos;
    let lastPart = buf.subarray(pos);
    let lastStart = recordStart; // absolute offset of lastPart[0]
    const parts: Buffer[] = [lastPart];
    let size = lastPart.length;
    let end = scanner.scan(lastPart, 0);
    if (end >= 0 && !scanner.tooLong) {
      // The parser and the scanner disagree about this record: give the parser one more chunk.
      end = -1;
      const chunk = await input.read();
      if (chunk) {
        parts.push(chunk);
        size += chunk.length;
      }
    } else {
      while (end < 0) {
        const chunk = await input.read();
        if (!chunk) break;
        lastStart += lastPart.length;
        lastPart = chunk;
        end = scanner.scan(chunk, 0);
        if (scanner.tooLong) {
          // Refused: nothing of it is kept; the scan goes on to its end.
          parts.length = 0;
          size = 0;
        } else {
          parts.push(chunk);
          size += chunk.length;
        }
      }
    }
    if (!scanner.tooLong) {
      base = recordStart;
      buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      if (parts.length > 1) stats.bytesCopied += size;
      pos = 0;
      continue;
    }
    const recordEnd = end >= 0 ? lastStart + end : lastStart + lastPart.length;
    yield {
      ok: false,
      error: `${name} row ${cur.index + 1} (line ${recordLine}): ${tooLarge(scanner.tooLong)}`,
      position: { index: cur.index, line: recordLine, byteOffset: recordStart, byteEnd: recordEnd },
    };
    cur.index++;
    cur.line += scanner.lines;
    buf = end >= 0 ? lastPart.subarray(end) : Buffer.alloc(0);
    base = recordEnd;
    pos = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON lines

function strOrUndef(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function jsonToRaw(obj: unknown, source: string): RawCable | string {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'not a JSON object';
  const o = obj as Record<string, unknown>;
  const body = o.body ?? o.content;
  if (typeof body !== 'string') return 'missing "body"';
  const raw: RawCable = { source, body };
  const referenceId = strOrUndef(o.reference_id ?? o.referenceId ?? o.id);
  if (referenceId !== undefined) raw.referenceId = referenceId;
  for (const key of ['created', 'released', 'origin', 'classification', 'header'] as const) {
    const v = strOrUndef(o[key]);
    if (v !== undefined) raw[key] = v;
  }
  const refs = o.references;
  if (Array.isArray(refs)) raw.references = refs.filter((r): r is string => typeof r === 'string');
  else if (typeof refs === 'string') raw.references = refs === '' ? [] : refs.split('|');
  if (typeof o.partial === 'boolean') raw.partial = o.partial;
  const media = o.media_urls ?? o.mediaUrls;
  if (Array.isArray(media)) raw.mediaUrls = media.filter((u): u is string => typeof u === 'string');
  return raw;
}

async function* readJsonlChunks(
  source: AsyncIterable<Buffer>,
  name: string,
  cur: Cursor,
  limit: number,
  stats: ReaderStats,
): AsyncGenerator<ReaderItem> {
  let buf: Buffer = Buffer.alloc(0);
  let base = cur.byte;
  let pos = 0;
  const input = chunkSource(source);
  const tooLarge = (start: number, end: number): ReaderItem => ({
    ok: false,
    error: `${name} line ${cur.line}: the line is larger than ${formatBytes(limit)}`,
    position: { index: cur.index, line: cur.line, byteOffset: start, byteEnd: end },
  });
  for (;;) {
    for (;;) {
      if (pos >= buf.length) break;
      let nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        if (!input.final) break;
        nl = buf.length;
      }
      const end = Math.min(nl + 1, buf.length);
      if (nl - pos > limit) {
        yield tooLarge(base + pos, base + end);
        cur.index++;
        cur.line++;
        pos = end;
        continue;
      }
      stats.bytesParsed += end - pos;
      const text = buf
        .toString('utf8', pos, nl)
        .replace(/^\uFEFF/, '')
        .trim();
      if (text !== '') {
        const position: ReaderPosition = {
          index: cur.index,
          line: cur.line,
          byteOffset: base + pos,
          byteEnd: base + end,
        };
        const where = `${name} line ${cur.line}`;
        let parsed: unknown;
        let error: string | null = null;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          error = `${where}: bad JSON (${(e as Error).message})`;
        }
        if (error === null) {
          const raw = jsonToRaw(parsed, where);
          if (typeof raw === 'string') yield { ok: false, error: `${where}: ${raw}`, position };
          else yield { ok: true, raw, position };
        } else {
          yield { ok: false, error, position };
        }
        cur.index++;
      }
      cur.line++;
      pos = end;
    }
    if (input.final) return;
    if (pos >= buf.length) {
      const chunk = await input.read();
      base += buf.length;
      buf = chunk ?? Buffer.alloc(0);
      pos = 0;
      continue;
    }
    // A line that goes on past the buffer: collect chunks up to one with a line feed, join once.
    const lineStart = base + pos;
    let lastPart = buf.subarray(pos);
    let lastStart = lineStart;
    const parts: Buffer[] = [lastPart];
    let size = lastPart.length;
    let refused = size > limit;
    let nl = -1;
    while (nl < 0) {
      const chunk = await input.read();
      if (!chunk) break;
      lastStart += lastPart.length;
      lastPart = chunk;
      nl = chunk.indexOf(LF);
      if (!refused && size + (nl < 0 ? chunk.length : nl) > limit) refused = true;
      if (refused) {
        parts.length = 0;
        size = 0;
      } else {
        parts.push(chunk);
        size += chunk.length;
      }
    }
    if (!refused) {
      base = lineStart;
      buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      if (parts.length > 1) stats.bytesCopied += size;
      pos = 0;
      continue;
    }
    const lineEnd = nl >= 0 ? lastStart + nl + 1 : lastStart + lastPart.length;
    yield tooLarge(lineStart, lineEnd);
    cur.index++;
    cur.line++;
    buf = nl >= 0 ? lastPart.subarray(nl + 1) : Buffer.alloc(0);
    base = lineEnd;
    pos = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain text (one cable per file)

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-16 when the bytes start with its byte-order mark; otherwise UTF-8 when they are valid UTF-8,
 * Latin-1 if not; the mark dropped; CRLF/CR → LF.
 */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  const bom = byteOrderMark(bytes);
  if (bom && bom.encoding !== 'utf8') {
    text = decodeUtf16(bytes.subarray(bom.length), bom.encoding);
  } else {
    try {
      text = utf8Strict.decode(bytes);
    } catch {
      text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.replace(/\r\n?/g, '\n');
}

const ID_FROM_NAME = /^(\d{2}[A-Z][A-Z0-9]{2,40}\d)$/;
const HEADER_START =
  /^(INFO\s+[A-Z]+-00\b|VZCZ[A-Z]+\d+|[ZOPR](?: [ZOPR])? \d{6}Z [A-Z]{3} \d{2,4}\b|(?:ZZ|OO|PP|RR)(?: [A-Z0-9]+)+\s*$|DE R[A-Z]+ #|FM [A-Z])/;
const BODY_START =
  /^\s*(UNCLAS|CONFIDENTIAL|SECRET|TOP SECRET|LIMITED OFFICIAL USE|C O N F|S E C R E T|U N C L|T O P|SIPDIS|E\.?O\.? ?1\d{4}|TAGS|SUBJECT|SUBJ\b|[A-Z][a-z]+day, \d{1,2} [A-Z][a-z]+ \d{4})/i;

/** Split cable text into routing header and body when it starts with an ACP-127 header. */
export function splitHeaderBody(text: string): { header: string; body: string } {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (i >= lines.length || !HEADER_START.test(lines[i].trim())) {
    return { header: '', body: lines.slice(i).join('\n') };
  }
  const start = i;
  for (; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '') {
      // A blank line ends the header unless routing lines go on after it (the Washington
      // `INFO LOG-00 …` distribution block is followed by a blank line, then the DTG).
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === '') j++;
      if (
        j < lines.length &&
        HEADER_START.test(lines[j].trim()) &&
        !BODY_START.test(lines[j].trim())
      ) {
        i = j - 1;
        continue;
      }
      break;
    }
    // A banner or caption line ends the header (checked once routing lines have begun, so a
    // header's own format lines are not mistaken for it).
    if (i > start && BODY_START.test(t) && !/^[A-Z0-9]+\//.test(t)) break;
  }
  const header = lines.slice(start, i).join('\n').replace(/\s+$/, '');
  while (i < lines.length && lines[i].trim() === '') i++;
  return { header, body: lines.slice(i).join('\n') };
}

function* readTextBytes(bytes: Buffer, name: string): Generator<ReaderItem> {
  const text = decodeText(bytes);
  const { header, body } = splitHeaderBody(text);
  const raw: RawCable = { source: name, header, body };
  const stem = basename(name).replace(/\.[^.]*$/, '');
  if (ID_FROM_NAME.test(stem)) raw.referenceId = stem;
  yield { ok: true, raw, position: { index: 0, line: 1, byteOffset: 0, byteEnd: bytes.length } };
}

// ---------------------------------------------------------------------------------------------
// WikiLeaks HTML page

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  para: '\u00b6',
  sect: '\u00a7',
  eacute: '\u00e9',
  egrave: '\u00e8',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
};

export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, ent: string) => {
    if (ent[0] === '#') {
      const code =
        ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff) return m;
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[ent] ?? NAMED_ENTITIES[ent.toLowerCase()] ?? m;
  });
}

/** Text of an HTML fragment: paragraph anchors dropped, tags stripped, entities decoded. */
function htmlText(fragment: string): string {
  return decodeEntities(
    fragment
      .replace(/<a\s+[^>]*id=['"]?par\d+['"]?[^>]*>[\s\S]*?<\/a>/gi, '')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  );
}

function cellTexts(rowHtml: string, tag: 'td' | 'th'): string[] {
  const re = tag === 'td' ? /<td\b[^>]*>([\s\S]*?)<\/td>/gi : /<th\b[^>]*>([\s\S]*?)<\/th>/gi;
  const out: string[] = [];
  for (const m of rowHtml.matchAll(re)) out.push(htmlText(m[1]).replace(/\s+/g, ' ').trim());
  return out;
}

const PARTIAL_NOTE = /partial extract of the original cable/i;

export function parseWikileaksHtml(html: string, name: string): RawCable | string {
  const raw: RawCable = { source: name, body: '' };
  const h3 = /<h3>\s*Viewing cable\s+([^,<\s]+)\s*,?([\s\S]*?)<\/h3>/i.exec(html);
  const tableStart = html.search(/<table\s+class=['"]cable['"]/i);
  let tableEnd = -1;
  if (tableStart >= 0) {
    tableEnd = html.indexOf('</table>', tableStart);
    const table = html.slice(tableStart, tableEnd < 0 ? undefined : tableEnd);
    const heads = cellTexts(table, 'th').map((h) => h.toLowerCase());
    const rows = [...table.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)].map((m) =>
      cellTexts(m[1], 'td'),
    );
    const data = rows.find((r) => r.length >= 5) ?? [];
    const col = (label: string, fallback: number): string | undefined => {
      const i = heads.indexOf(label);
      const v = data[i >= 0 ? i : fallback];
      return v === undefined || v === '' ? undefined : v;
    };
    const id = col('reference id', 0);
    if (id !== undefined) raw.referenceId = id;
    const created = col('created', 1);
    if (created !== undefined) raw.created = created;
    const released = col('released', 2);
    if (released !== undefined) raw.released = released;
    const cls = col('classification', 3);
    if (cls !== undefined) raw.classification = cls;
    const origin = col('origin', 4);
    if (origin !== undefined) raw.origin = origin;
  }
  if (raw.referenceId === undefined && h3) raw.referenceId = h3[1];
  if (raw.referenceId === undefined && tableStart < 0)
    return 'no cable table or "Viewing cable" heading';

  // Media URLs: links after "Appears in these articles".
  const mediaAt = html.search(/Appears in these articles/i);
  raw.mediaUrls = [];
  if (mediaAt >= 0) {
    const ends = ['</table>', '</div>', '<pre', '<code']
      .map((t) => html.indexOf(t, mediaAt))
      .filter((i) => i >= 0);
    const region = html.slice(mediaAt, ends.length ? Math.min(...ends) : undefined);
    for (const m of region.matchAll(/href\s*=\s*(?:'([^']*)'|"([^"]*)")/gi)) {
      const url = decodeEntities(m[1] ?? m[2]);
      if (/^https?:\/\//i.test(url) && !raw.mediaUrls.includes(url)) raw.mediaUrls.push(url);
    }
  }

  const pres = [
    ...html.slice(Math.max(0, tableStart)).matchAll(/<pre\b[^>]*>([\s\S]*?)<\/pre>/gi),
  ].map((m) => htmlText(m[1]).replace(/\r\n?/g, '\n').replace(/^\n+/, '').replace(/\s+$/, ''));
  if (pres.length === 0) return 'no <pre> block with cable text';
  if (pres.length === 1) {
    raw.header = '';
    raw.body = pres[0];
    raw.partial = true;
  } else {
    const partial = PARTIAL_NOTE.test(pres[0]);
    raw.header = partial ? '' : pres[0];
    raw.body = pres[pres.length - 1];
    raw.partial = partial;
  }
  return raw;
}

function* readHtmlBytes(bytes: Buffer, name: string): Generator<ReaderItem> {
  const html = decodeText(bytes);
  const res = parseWikileaksHtml(html, name);
  const position: ReaderPosition = { index: 0, line: 1, byteOffset: 0, byteEnd: bytes.length };
  if (typeof res === 'string') yield { ok: false, error: `${name}: ${res}`, position };
  else yield { ok: true, raw: res, position };
}
