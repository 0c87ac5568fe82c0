/** A real SMTP server for tests and benchmarks: records (or just counts) what it accepts. */
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  to: string;
  raw: string;
}

export interface Sink {
  port: number;
  url: string;
  messages: SinkMessage[];
  /** Accepted messages per recipient. */
  counts: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

export async function startSink(
  opts: { keep?: boolean; rcpt?: (address: string) => number | null } = {},
): Promise<Sink> {
  const messages: SinkMessage[] = [];
  const counts = new Map<string, number>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 1000,
    onRcptTo(address, _session, cb) {
      const code = opts.rcpt?.(address.address) ?? null;
      if (code)
        return cb(
          Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), {
            responseCode: code,
          }),
        );
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => opts.keep !== false && chunks.push(d));
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) {
          counts.set(r.address, (counts.get(r.address) ?? 0) + 1);
          if (opts.keep !== false)
            messages.push({ to: r.address, raw: Buffer.concat(chunks).toString('utf8') });
        }
        total++;
        cb();
      });
    },
  });
  // A sender killed mid-message resets its connections (ECONNRESET): expected here, not a failure.
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    counts,
    total: () => total,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Decodes a quoted-printable body enough to find links in it. */
export function decodeQp(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}: (.*)$`, 'mi').exec(head);
  return m?.[1];
}
