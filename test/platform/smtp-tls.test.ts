/**
 * SMTP over TLS: the server's certificate is verified unless SMTP_TLS_INSECURE says otherwise, and a
 * password never crosses the network in clear. The test servers use smtp-server's built-in
 * self-signed certificate, which must be refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces, tmpdir } from 'node:os';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createMailer, INSECURE_TLS_WARNING, MailError } from '../../src/platform/mail.ts';
import { loadConfig } from '../../src/config.ts';
import { requires } from '../prerequisites.ts';

interface Received {
  to: string;
  secure: boolean;
}

async function server(options: SMTPServerOptions, host = '127.0.0.1') {
  const received: Received[] = [];
  const logins: string[] = [];
  const srv = new SMTPServer({
    authOptional: true,
    logger: false,
    ...options,
    onAuth(auth, _session, cb) {
      logins.push(`${auth.username}:${auth.password}`);
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo[0].address, secure: session.secure });
        cb();
      });
    },
  });
  srv.on('error', () => {});
  await new Promise<void>((r) => srv.listen(0, host, r));
  const port = (srv.server.address() as { port: number }).port;
  return { port, received, logins, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

const base = { dataDir: tmpdir(), mailFrom: 'news@example.org' };
const msg = {
  to: 'reader@example.org',
  subject: 'Your sign-in link',
  text: 'https://news.example/login/magic/secret',
};

test('SMTP_TLS_INSECURE is off unless set, and is read as a boolean', () => {
  assert.equal(loadConfig({}).smtpTlsInsecure, false);
  assert.equal(loadConfig({ SMTP_TLS_INSECURE: '1' }).smtpTlsInsecure, true);
  assert.throws(() => loadConfig({ SMTP_TLS_INSECURE: 'maybe' }), /SMTP_TLS_INSECURE/);
});

test('STARTTLS with a certificate that does not verify: nothing is sent', async () => {
  const smtp = await server({});
  const mailer = createMailer({ ...base, smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
  try {
    await assert.rejects(mailer.send(msg), (e: unknown) => e instanceof MailError && !e.permanent);
    assert.equal(smtp.received.length, 0);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('implicit TLS (smtps://) with a certificate that does not verify: nothing is sent, the password stays', async () => {
  const smtp = await server({ secure: true });
  const mailer = createMailer({ ...base, smtpUrl: `smtps://mailer:s3cret@127.0.0.1:${smtp.port}` });
  try {
    await assert.rejects(mailer.send(msg), MailError);
    assert.equal(smtp.received.length, 0);
    assert.deepEqual(smtp.logins, []);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('the former ?tls=strict still verifies', async () => {
  const smtp = await server({});
  const mailer = createMailer({ ...base, smtpUrl: `smtp://127.0.0.1:${smtp.port}?tls=strict` });
  try {
    await assert.rejects(mailer.send(msg), MailError);
    assert.equal(smtp.received.length, 0);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('SMTP_TLS_INSECURE=1 sends over unverified TLS and warns once', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const smtp = await server({});
  const mailer = createMailer({
    ...base,
    smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
    smtpTlsInsecure: true,
  });
  const again = createMailer({
    ...base,
    smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
    smtpTlsInsecure: true,
  });
  try {
    await mailer.send(msg);
    assert.deepEqual(
      smtp.received,
      [{ to: 'reader@example.org', secure: true }],
      'STARTTLS was still used',
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings.filter((w) => w.message === INSECURE_TLS_WARNING).length, 1);
  } finally {
    process.off('warning', onWarning);
    await mailer.close();
    await again.close();
    await smtp.close();
  }
});

test('a plain local server without STARTTLS still works (development relays, test servers)', async () => {
  const smtp = await server({ disabledCommands: ['STARTTLS'] });
  const mailer = createMailer({ ...base, smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
  try {
    await mailer.send(msg);
    assert.deepEqual(smtp.received, [{ to: 'reader@example.org', secure: false }]);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

const lan = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

test(
  'a password is never sent in clear to another machine, even when STARTTLS is not offered',
  { skip: requires(lan, 'this machine has no non-loopback IPv4 address') },
  async () => {
    const smtp = await server({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true }, lan);
    const mailer = createMailer({ ...base, smtpUrl: `smtp://mailer:s3cret@${lan}:${smtp.port}` });
    try {
      await assert.rejects(mailer.send(msg), MailError);
      assert.deepEqual(smtp.logins, [], 'no AUTH was attempted');
      assert.equal(smtp.received.length, 0);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  },
);
