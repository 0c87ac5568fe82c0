/**
 * The issue as a ready-made MIME message with slots for each reader's own values (address,
 * Message-ID, date and the two signed links). The parts are quoted-printable encoded once per
 * issue; a slot is always set on lines of its own by soft line breaks (`=` CRLF, which decoding
 * removes), so a link of any length is filled in without re-encoding the body. Filling one message
 * is a string join: no MIME tree, no per-message encoding pass.
 */
import { randomBytes } from 'node:crypto';
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, type RenderedIssue } from './email.ts';

export type Slot = 'to' | 'messageId' | 'date' | 'unsubscribe' | 'preferences';
type Piece = string | { slot: Slot; qp: boolean };

export interface MessageTemplate {
  /** Envelope sender (the bare address of MAIL_FROM). */
  envelopeFrom: string;
  fill(values: Record<Slot, string>): string;
}

const MAX = 76;

/** Quoted-printable of one stretch of text starting at column 0; ends with a soft break when the line is open. */
function qp(text: string, last: boolean): string {
  const bytes = Buffer.from(text.replace(/\r\n/g, '\n'), 'utf8');
  let out = '';
  let col = 0;
  const put = (tok: string) => {
    if (col + tok.length > MAX - 1) {
      out += '=\r\n';
      col = 0;
    }
    out += tok;
    col += tok.length;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a) {
      out += '\r\n';
      col = 0;
      continue;
    }
    const atLineEnd = i + 1 === bytes.length || bytes[i + 1] === 0x0a;
    if ((b === 0x20 || b === 0x09) && !atLineEnd) put(String.fromCharCode(b));
    else if (b >= 33 && b <= 126 && b !== 61) put(String.fromCharCode(b));
    else put('=' + b.toString(16).toUpperCase().padStart(2, '0'));
  }
  if (col > 0 && !last) out += '=\r\n';
  return out;
}

/** A value put into a quoted-printable body on lines of its own (then a soft break). */
function qpValue(v: string): string {
  let out = '';
  let col = 0;
  for (const b of Buffer.from(v, 'utf8')) {
    const tok =
      b >= 33 && b <= 126 && b !== 61
        ? String.fromCharCode(b)
        : '=' + b.toString(16).toUpperCase().padStart(2, '0');
    if (col + tok.length > MAX - 1) {
      out += '=\r\n';
      col = 0;
    }
    out += tok;
    col += tok.length;
  }
  return out + '=\r\n';
}

function qpPart(body: string): Piece[] {
  const re = new RegExp(`${UNSUBSCRIBE_PLACEHOLDER}|${PREFERENCES_PLACEHOLDER}`, 'g');
  const pieces: Piece[] = [];
  let at = 0;
  for (const m of body.matchAll(re)) {
    pieces.push(qp(body.slice(at, m.index), false));
    pieces.push({
      slot: m[0] === UNSUBSCRIBE_PLACEHOLDER ? 'unsubscribe' : 'preferences',
      qp: true,
    });
    at = m.index! + m[0].length;
  }
  pieces.push(qp(body.slice(at), true));
  return pieces;
}

function headerValue(name: string, value: string): string {
  const v = /^[\x20-\x7e]*$/.test(value) ? value : mimeFuncs.encodeWords(value, 'Q', 52);
  return mimeFuncs.foldLines(`${name}: ${v}`, 76).replace(/\r?\n/g, '\r\n') + '\r\n';
}

function fromHeader(from: string): { header: string; address: string } {
  const [a] = addressparser(from, { flatten: true }) as { name: string; address: string }[];
  const address = a?.address || from;
  if (!a?.name) return { header: `From: ${address}\r\n`, address };
  const name = /^[\x20-\x7e]*$/.test(a.name)
    ? `"${a.name.replace(/["\\]/g, '\\$&')}"`
    : mimeFuncs.encodeWord(a.name, 'Q', 52);
  return { header: `From: ${name} <${address}>\r\n`, address };
}

/**
 * The message template for one issue and format: `html` gives multipart/alternative (text and
 * HTML), `text` a single plain-text part. `headers` are fixed per issue (List-Id and the like).
 */
export function issueTemplate(
  r: RenderedIssue,
  opts: { from: string; format: 'html' | 'text'; headers: Record<string, string> },
): MessageTemplate {
  const from = fromHeader(opts.from);
  const head: Piece[] = [
    from.header,
    'To: ',
    { slot: 'to', qp: false },
    '\r\n',
    headerValue('Subject', r.subject),
    'Message-ID: ',
    { slot: 'messageId', qp: false },
    '\r\n',
  ];
  head.push(
    'Date: ',
    { slot: 'date', qp: false },
    '\r\n',
    'MIME-Version: 1.0\r\n',
    'List-Unsubscribe: <',
    { slot: 'unsubscribe', qp: false },
    '>\r\n',
  );
  for (const [k, v] of Object.entries(opts.headers)) head.push(headerValue(k, v));
  const partHead = (type: string) =>
    `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
  let pieces: Piece[];
  if (opts.format === 'text') {
    pieces = [...head, partHead('text/plain'), ...qpPart(r.text), '\r\n'];
  } else {
    const boundary = `--_dispatch_${randomBytes(12).toString('hex')}`;
    pieces = [
      ...head,
      `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n`,
      `--${boundary}\r\n`,
      partHead('text/plain'),
      ...qpPart(r.text),
      `\r\n--${boundary}\r\n`,
      partHead('text/html'),
      ...qpPart(r.html),
      `\r\n--${boundary}--\r\n`,
    ];
  }
  // Merge neighbouring fixed strings so filling is one pass over a handful of pieces.
  const merged: Piece[] = [];
  for (const p of pieces) {
    const prev = merged[merged.length - 1];
    if (typeof p === 'string' && typeof prev === 'string') merged[merged.length - 1] = prev + p;
    else merged.push(p);
  }
  return {
    envelopeFrom: from.address,
    fill(values) {
      let out = '';
      for (const p of merged)
        out += typeof p === 'string' ? p : p.qp ? qpValue(values[p.slot]) : values[p.slot];
      return out;
    },
  };
}

/** An RFC 5322 date for the Date header. */
export function mailDate(d = new Date()): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}
