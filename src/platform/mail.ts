/**
 * Outgoing mail. With SMTP_URL set, nodemailer sends over SMTP with a connection pool; without it,
 * every message is written as an .eml file to DATA_DIR/outbox so a fresh install works anywhere and
 * a developer can read what the site would have sent.
 *
 * TLS (smtps://, or STARTTLS when the server offers it) always verifies the server's certificate
 * and name, unless SMTP_TLS_INSECURE=1 says otherwise (a warning is emitted when the mailer is
 * made). With a user name in SMTP_URL and a server other than this machine, STARTTLS is required:
 * the password is never sent in clear, even if someone on the path strips the STARTTLS offer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** Overrides MAIL_FROM. */
  from?: string;
  /** A Message-ID chosen by the caller (e.g. to trace a message in the mail server's log). */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  /** The .eml file for the file outbox; null over SMTP. */
  file: string | null;
}

/** A failed send. `permanent` is true for 5xx answers (the address must not be mailed again). */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode: number | null,
    /** nodemailer's error code (ECONNECTION, ETIMEDOUT, EENVELOPE, EMESSAGE …) and SMTP command, when known. */
    readonly code: string | null = null,
    readonly command: string | null = null,
  ) {
    super(message);
  }
}

/** A message already in MIME form (headers and body, CRLF line ends), with its envelope. */
export interface RawMail {
  from: string;
  to: string;
  raw: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  send(msg: MailMessage): Promise<SentMail>;
  /** MAIL_FROM, for callers that build their own MIME message (the newsletter). */
  readonly from?: string;
  /** Sends a prebuilt message as it is: no MIME composition or encoding per message. */
  sendRaw?(msg: RawMail): Promise<SentMail>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** Concurrent SMTP connections (default 5). */
  maxConnections?: number;
  /** Messages per second across the pool; 0 = unlimited (default). */
  ratePerSecond?: number;
}

export function createMailer(
  config: Pick<Config, 'smtpUrl' | 'dataDir' | 'mailFrom'> &
    Partial<Pick<Config, 'smtpTlsInsecure'>>,
  opts: MailerOptions = {},
): Mailer {
  if (config.smtpUrl) {
    const insecure = config.smtpTlsInsecure === true;
    if (insecure) warnInsecure();
    return smtpMailer(config.smtpUrl, config.mailFrom, opts, insecure);
  }
  return fileMailer(join(config.dataDir, 'outbox'), config.mailFrom);
}

export const INSECURE_TLS_WARNING =
  "SMTP_TLS_INSECURE is set: the SMTP server's certificate is not verified, so anyone on the network path can read the mail and the SMTP password. Use it only for a test server.";

let warned = false;
/** Once per process, when the first mailer is made (at start). */
function warnInsecure(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(INSECURE_TLS_WARNING, { code: 'BROADSHEET_SMTP_TLS_INSECURE' });
}

/** This machine: mail to it never crosses a network, so a plain connection is no exposure. */
function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function smtpMailer(url: string, from: string, opts: MailerOptions, insecure: boolean): Mailer {
  const u = new URL(url);
  const transport = nodemailer.createTransport({
    pool: true,
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
    secure: u.protocol === 'smtps:',
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: Infinity,
    ...(opts.ratePerSecond ? { rateDelta: 1000, rateLimit: opts.ratePerSecond } : {}),
    // Certificates are verified (name and chain) unless the operator turned it off explicitly.
    tls: { rejectUnauthorized: !insecure, minVersion: 'TLSv1.2' },
    // A password goes to another machine only inside TLS: no silent fallback to plain text.
    requireTLS: u.protocol === 'smtp:' && Boolean(u.username) && !isLocalHost(u.hostname),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // Without TCP_NODELAY each message waits on Nagle's algorithm and delayed ACKs (~40 ms), which
    // caps a connection near 20 messages/s; with it a pooled connection sends hundreds a second.
    ...(u.protocol === 'smtp:' ? { getSocket: noDelaySocket } : {}),
  } as nodemailer.TransportOptions);
  const fail = (err: unknown): never => {
    const e = err as Error & { responseCode?: number; code?: string; command?: string };
    const code = typeof e.responseCode === 'number' ? e.responseCode : null;
    throw new MailError(
      e.message,
      code !== null && code >= 500 && code < 600,
      code,
      e.code ?? null,
      e.command ?? null,
    );
  };
  return {
    kind: 'smtp',
    from,
    async sendRaw(msg) {
      try {
        const info = await transport.sendMail({
          envelope: { from: msg.from, to: [msg.to] },
          raw: msg.raw,
        });
        return { messageId: info.messageId, file: null };
      } catch (err) {
        return fail(err);
      }
    },
    async send(msg) {
      try {
        // A fixed text encoding spares nodemailer a scan of every body to choose one.
        const info = await transport.sendMail({
          from: msg.from ?? from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          headers: msg.headers,
          messageId: msg.messageId,
          textEncoding: 'quoted-printable',
        } as nodemailer.SendMailOptions);
        return { messageId: info.messageId, file: null };
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string; command?: string };
        const code = typeof e.responseCode === 'number' ? e.responseCode : null;
        throw new MailError(
          e.message,
          code !== null && code >= 500 && code < 600,
          code,
          e.code ?? null,
          e.command ?? null,
        );
      }
    },
    async close() {
      transport.close();
    },
  };
}

function noDelaySocket(
  opts: { host: string; port: number },
  cb: (err: Error | null, socket?: { connection: Socket }) => void,
): void {
  const socket = connectTcp(opts.port, opts.host);
  socket.setNoDelay(true);
  const onError = (err: Error) => cb(err);
  socket.once('error', onError);
  socket.once('connect', () => {
    socket.removeListener('error', onError);
    cb(null, { connection: socket });
  });
}

function fileMailer(dir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });
  return {
    kind: 'file',
    from,
    async sendRaw(msg) {
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = join(dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      writeFileSync(file, msg.raw);
      return { messageId: /^Message-ID: (.*)$/im.exec(msg.raw)?.[1].trim() ?? '', file };
    },
    async send(msg) {
      mkdirSync(dir, { recursive: true });
      const info = await transport.sendMail({
        from: msg.from ?? from,
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        headers: msg.headers,
        messageId: msg.messageId,
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = join(dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      writeFileSync(file, info.message as Buffer);
      return { messageId: info.messageId, file };
    },
    async close() {},
  };
}
