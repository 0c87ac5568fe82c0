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
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
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
  let start = 0;
  if (firstBytes[0] === 0xef && firstBytes[1] === 0xbb && firstBytes[2] === 0xbf) start = 3;
  const head = firstBytes.toString('latin1', start, Math.min(firstBytes.length, start + 4096));
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

  // Streams (and auto-detected files opened above) continue here.
  let first: Buffer | null = null;
  if (format === 'auto') {
    const r = await chunks.next();
    first = r.done ? Buffer.alloc(0) : toBuffer(r.value);
    format = detectFormat(opts.name ?? '', first);
  }
  const source = (async function* () {
    if (first) yield first;
    for (;;) {
      const r = await chunks.next();
      if (r.done) return;
      yield toBuffer(r.value);
    }
  })();

  if (format === 'text' || format === 'html') {
    const parts: Buffer[] = [];
    for await (const c of source) parts.push(c);
    const bytes = Buffer.concat(parts);
    yield* format === 'text' ? readTextBytes(bytes, name) : readHtmlBytes(bytes, name);
    return;
  }
  const pos = { index: opts.startIndex ?? 0, line: opts.startLine ?? 1, byte: startByte };
  if (format === 'csv') yield* readCsvChunks(source, name, pos);
  else yield* readJsonlChunks(source, name, pos);
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
  | { kind: 'record'; fields: string[]; end: number }
  | { kind: 'incomplete' }
  | { kind: 'error'; message: string; at: number }
  | { kind: 'blank'; end: number };

/**
 * State-machine parser for one record starting at `start` of `buf`. Scans with indexOf for the
 * only two bytes that matter inside a quoted field (quote, backslash); unescaped runs are decoded
 * straight from the buffer, escaped fields are assembled in a scratch buffer first.
 */
class CsvRecordParser {
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
        return { kind: 'record', fields, end: pos };
      }
      if (buf[pos] === QUOTE) {
        pos++;
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
            if (escaped) {
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
        fields.push(buf.toString('utf8', pos, e));
        pos = e;
      }
      // After a field: separator, end of record or end of input.
      if (pos >= len) {
        if (!final) return { kind: 'incomplete' };
        return { kind: 'record', fields, end: pos };
      }
      const c = buf[pos];
      if (c === COMMA) {
        pos++;
        continue;
      }
      if (c === LF) return { kind: 'record', fields, end: pos + 1 };
      if (c === CR) {
        if (pos + 1 >= len)
          return final ? { kind: 'record', fields, end: pos + 1 } : { kind: 'incomplete' };
        if (buf[pos + 1] === LF) return { kind: 'record', fields, end: pos + 2 };
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

async function* readCsvChunks(
  source: AsyncIterable<Buffer>,
  name: string,
  cur: Cursor,
): AsyncGenerator<ReaderItem> {
  const parser = new CsvRecordParser();
  let buf: Buffer = Buffer.alloc(0);
  let base = cur.byte; // absolute offset of buf[0]
  let pos = 0;
  let resyncFrom = -1; // when >= 0: skipping a malformed record that started at `pos`
  let pendingError: { message: string; line: number } | null = null;
  const it = source[Symbol.asyncIterator]();
  let final = false;

  const makePos = (start: number, end: number, line: number): ReaderPosition => ({
    index: cur.index,
    line,
    byteOffset: base + start,
    byteEnd: base + end,
  });

  for (;;) {
    // Refill: keep the unconsumed tail and append the next chunk.
    if (!final) {
      const r = await it.next();
      if (r.done) {
        final = true;
      } else if (pos >= buf.length) {
        base += buf.length;
        buf = r.value;
        pos = 0;
      } else {
        base += pos;
        buf = Buffer.concat([buf.subarray(pos), r.value]);
        if (resyncFrom >= 0) resyncFrom -= pos;
        pos = 0;
      }
    }
    parser.reset(buf);
    for (;;) {
      if (resyncFrom >= 0) {
        const next = findRowStart(buf, resyncFrom);
        if (next < 0 && !final) {
          // Need more input to find where the next row starts; keep the bad record buffered.
          if (next === -1) resyncFrom = buf.length;
          break;
        }
        const end = next < 0 ? buf.length : next;
        const err = pendingError!;
        yield {
          ok: false,
          error: `${name} row ${cur.index + 1} (line ${err.line}): ${err.message}`,
          position: makePos(pos, end, err.line),
        };
        cur.index++;
        cur.line = err.line + countLines(buf, pos, end);
        pos = end;
        resyncFrom = -1;
        pendingError = null;
        continue;
      }
      if (pos >= buf.length) break;
      const res = parser.parse(pos, final);
      if (res.kind === 'incomplete') {
        if (final) pos = buf.length; // only blank trailing bytes
        break;
      }
      if (res.kind === 'blank') {
        cur.line++;
        pos = res.end;
        continue;
      }
      if (res.kind === 'error') {
        pendingError = { message: res.message, line: cur.line };
        resyncFrom = pos;
        continue;
      }
      if (res.fields.length !== CSV_COLUMNS) {
        // Usually an unescaped quote followed by a comma split a field: skip to the next row start
        // so the rest of the broken row does not turn into a run of bogus records.
        pendingError = {
          message: `expected ${CSV_COLUMNS} fields, found ${res.fields.length}`,
          line: cur.line,
        };
        resyncFrom = pos;
        continue;
      }
      const line = cur.line;
      // `source` names the row by the dump's own sequential id when it has one.
      const rowNo = /^\d+$/.test(res.fields[0]) ? res.fields[0] : String(cur.index + 1);
      const raw = csvRecordToRaw(res.fields, `${name} row ${rowNo}`);
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
    if (final && resyncFrom < 0 && pos >= buf.length) return;
    if (final && resyncFrom < 0) {
      // Leftover we could not make sense of at end of input.
      yield {
        ok: false,
        error: `${name} row ${cur.index + 1} (line ${cur.line}): truncated record at end of input`,
        position: makePos(pos, buf.length, cur.line),
      };
      return;
    }
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
): AsyncGenerator<ReaderItem> {
  let buf: Buffer = Buffer.alloc(0);
  let base = cur.byte;
  let pos = 0;
  const it = source[Symbol.asyncIterator]();
  let final = false;
  for (;;) {
    if (!final) {
      const r = await it.next();
      if (r.done) final = true;
      else if (pos >= buf.length) {
        base += buf.length;
        buf = r.value;
        pos = 0;
      } else {
        base += pos;
        buf = Buffer.concat([buf.subarray(pos), r.value]);
        pos = 0;
      }
    }
    for (;;) {
      if (pos >= buf.length) break;
      let nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        if (!final) break;
        nl = buf.length;
      }
      const end = Math.min(nl + 1, buf.length);
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
    if (final) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain text (one cable per file)

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise; BOM dropped; CRLF/CR → LF. */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
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
