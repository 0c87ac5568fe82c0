import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createMailer, MailError } from '../../src/platform/mail.ts';

test('without SMTP_URL mail goes to the file outbox', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bs-mail-'));
  try {
    const mailer = createMailer({
      smtpUrl: null,
      dataDir,
      mailFrom: 'Broadsheet <news@example.org>',
    });
    assert.equal(mailer.kind, 'file');
    const sent = await mailer.send({
      to: 'reader@example.org',
      subject: 'Hello',
      text: 'Plain body',
      html: '<p>HTML body</p>',
      headers: { 'List-Unsubscribe': '<https://x/u>' },
    });
    const files = readdirSync(join(dataDir, 'outbox'));
    assert.equal(files.length, 1);
    assert.equal(sent.file, join(dataDir, 'outbox', files[0]));
    const eml = readFileSync(sent.file!, 'utf8');
    assert.match(eml, /^To: reader@example.org$/m);
    assert.match(eml, /^Subject: Hello$/m);
    assert.match(eml, /^List-Unsubscribe: <https:\/\/x\/u>$/m);
    assert.match(eml, /Plain body/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('over SMTP a 5xx answer is a permanent failure and a 4xx a temporary one', async () => {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('gone@'))
        return cb(Object.assign(new Error('No such user'), { responseCode: 550 }));
      if (address.address.startsWith('busy@'))
        return cb(Object.assign(new Error('Try later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (d) => (data += d));
      stream.on('end', () => {
        received.push(`${session.envelope.rcptTo[0].address}\n${data}`);
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  const mailer = createMailer({
    smtpUrl: `smtp://127.0.0.1:${port}`,
    dataDir: tmpdir(),
    mailFrom: 'news@example.org',
  });
  try {
    await mailer.send({ to: 'ok@example.org', subject: 'S', text: 'T' });
    assert.equal(received.length, 1);
    assert.match(received[0], /^ok@example.org/);
    await assert.rejects(
      mailer.send({ to: 'gone@example.org', subject: 'S', text: 'T' }),
      (e: unknown) => e instanceof MailError && e.permanent && e.responseCode === 550,
    );
    await assert.rejects(
      mailer.send({ to: 'busy@example.org', subject: 'S', text: 'T' }),
      (e: unknown) => e instanceof MailError && !e.permanent && e.responseCode === 451,
    );
  } finally {
    await mailer.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
