/**
 * Payable invoices: payment instructions from the PAYMENT_* settings on the HTML invoice, the PDF
 * and the mail; a plain "contact …" (and a warning for staff) when none are set; the PDF prints
 * Polish, Cyrillic and Greek names with its embedded font; one overdue reminder per invoice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { ENGINE, testSite } from '../helpers.ts';
import { signedIn } from '../stories/helpers.ts';
import { ConfigError, ibanValid, loadConfig } from '../../src/config.ts';
import { paymentInstructions, paymentLines } from '../../src/licensing/payment.ts';
import { invoicePdf, invoiceView } from '../../src/licensing/invoice.ts';
import {
  applyForLicence,
  approveApplication,
  type LicensingDeps,
} from '../../src/licensing/service.ts';
import { remindOverdueInvoices } from '../../src/licensing/overdue.ts';
import type { MailMessage } from '../../src/platform/mail.ts';

const PAY = {
  PAYMENT_ACCOUNT_HOLDER: 'Broadsheet Media Ltd',
  PAYMENT_IBAN: 'DE89 3704 0044 0532 0130 00',
  PAYMENT_BIC: 'COBADEFFXXX',
  PAYMENT_LINK: 'https://pay.example/broadsheet',
  PAYMENT_TERMS_DAYS: '14',
  BILLING_CONTACT: 'accounts@broadsheet.example',
};

test('payment settings: IBAN checked, printed in groups; nothing set means "contact"', () => {
  assert.ok(ibanValid('DE89370400440532013000'));
  assert.ok(!ibanValid('DE89370400440532013001'));
  assert.throws(() => loadConfig({ PAYMENT_IBAN: 'DE00 1234' }), ConfigError);
  assert.throws(() => loadConfig({ PAYMENT_LINK: 'http://pay.example' }), /PAYMENT_LINK/);
  const c = loadConfig(PAY);
  assert.equal(c.payment.termsDays, 14);
  const pi = paymentInstructions(c.payment, 'BS-2026-0007');
  assert.ok(pi.configured);
  assert.deepEqual(pi.bank, [
    ['Account holder', 'Broadsheet Media Ltd'],
    ['IBAN', 'DE89 3704 0044 0532 0130 00'],
    ['BIC', 'COBADEFFXXX'],
  ]);
  assert.equal(pi.link, 'https://pay.example/broadsheet?invoice=BS-2026-0007');
  const none = paymentInstructions(
    loadConfig({ BILLING_CONTACT: 'billing@x.example' }).payment,
    'BS-2026-0007',
  );
  assert.equal(none.configured, false);
  assert.deepEqual(paymentLines(none, '19 December 2026'), [
    'Payment is due by 19 December 2026. To pay, contact billing@x.example and quote BS-2026-0007: we will send you the payment details.',
  ]);
});

/** Every Unicode code point the PDF's embedded fonts map glyphs to (their ToUnicode tables). */
function pdfUnicode(pdf: Buffer): { fonts: string[]; chars: Set<string> } {
  const raw = pdf.toString('latin1');
  const fonts = [...raw.matchAll(/\/BaseFont \/([A-Z]{6}\+[\w-]+)/g)].map((m) => m[1]);
  const chars = new Set<string>();
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const end = raw.indexOf('endstream', start);
    let text: string;
    try {
      text = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      continue;
    }
    if (!text.includes('beginbfrange') && !text.includes('beginbfchar')) continue;
    for (const h of text.matchAll(/<([0-9a-fA-F]{4})>/g))
      chars.add(String.fromCodePoint(parseInt(h[1], 16)));
  }
  return { fonts, chars };
}

describe(`invoices on ${ENGINE}`, () => {
  let site: Awaited<ReturnType<typeof testSite>>;
  before(async () => {
    site = await testSite({ DEMO: '0', JOBS: '0', ...PAY });
  });
  after(() => site.cleanup());

  async function invoiceFor(name: string, d: LicensingDeps, email: string) {
    const m = await signedIn(site.db.kysely, email, 'reader');
    const a = await applyForLicence(d, m.memberId, {
      name,
      kind: 'company',
      note: '',
      tier: 'small',
      contact_email: email,
    });
    assert.ok(a.ok, !a.ok ? a.message : '');
    const r = await approveApplication(d, a.licenceId, null);
    assert.ok(r.ok, !r.ok ? r.message : '');
    return { invoice: r.invoice, member: m };
  }

  test('the invoice, its PDF and its mail say how to pay; the PDF prints Łódź, Cyrillic and Greek', async () => {
    const mails: MailMessage[] = [];
    const d: LicensingDeps = {
      db: site.db.kysely,
      mailer: {
        kind: 'file',
        send: async (m) => (mails.push(m), { id: 'x' }) as never,
        close: async () => {},
      },
      siteName: 'Broadsheet',
      baseUrl: site.config.baseUrl,
      payment: site.config.payment,
    };
    const name = 'Łódź Media — Москва Пресс — Αθήνα Τύπος';
    const { invoice, member } = await invoiceFor(name, d, 'office@lodz.example');
    assert.equal(Date.parse(invoice.due_at) - Date.parse(invoice.issued_at), 14 * 86_400_000);
    const mail = mails.find((m) => m.subject.includes(invoice.number))!;
    assert.match(mail.text, /IBAN: DE89 3704 0044 0532 0130 00/);
    assert.match(mail.text, new RegExp(`quote ${invoice.number} as the payment reference`));
    assert.match(mail.text, /Pay online: https:\/\/pay\.example\/broadsheet\?invoice=/);

    const page = await site.app.inject({
      url: `/licensing/invoices/${invoice.number}`,
      headers: { cookie: member.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /How to pay/);
    assert.match(page.body, /DE89 3704 0044 0532 0130 00/);
    assert.match(page.body, /COBADEFFXXX/);
    assert.match(page.body, /Pay online/);

    const org = await site.db.kysely
      .selectFrom('organisations')
      .selectAll()
      .where('id', '=', invoice.organisation_id)
      .executeTakeFirstOrThrow();
    const pdf = await invoicePdf(
      invoiceView(invoice, org),
      'Broadsheet',
      site.config.baseUrl,
      paymentInstructions(site.config.payment, invoice.number),
    );
    const { fonts, chars } = pdfUnicode(pdf);
    assert.ok(
      fonts.some((f) => f.includes('DejaVuSans')),
      fonts.join(', '),
    );
    assert.ok(!pdf.toString('latin1').includes('/Helvetica'), 'no built-in font left');
    for (const ch of 'ŁódźМоскваПрсΑθήναΤύπος' + 'DE89')
      assert.ok(chars.has(ch), `glyph for ${ch} in the PDF`);
    const served = await site.app.inject({
      url: `/licensing/invoices/${invoice.number}.pdf`,
      headers: { cookie: member.cookie },
    });
    assert.equal(served.statusCode, 200);
    assert.ok(pdfUnicode(served.rawPayload).chars.has('Ł'));
  });

  test('an overdue invoice is reminded exactly once, however often and concurrently the job runs', async () => {
    const mails: MailMessage[] = [];
    const d: LicensingDeps = {
      db: site.db.kysely,
      mailer: {
        kind: 'file',
        send: async (m) => (mails.push(m), { id: 'x' }) as never,
        close: async () => {},
      },
      siteName: 'Broadsheet',
      baseUrl: site.config.baseUrl,
      payment: site.config.payment,
    };
    // Invoices of the other tests are not this test's business.
    await site.db.kysely
      .updateTable('invoices')
      .set({ reminded_at: new Date().toISOString() })
      .execute();
    const { invoice } = await invoiceFor('Late Payers Ltd', d, 'late@payers.example');
    const { invoice: paid } = await invoiceFor('Prompt Payers Ltd', d, 'prompt@payers.example');
    await site.db.kysely
      .updateTable('invoices')
      .set({ status: 'paid', paid_at: new Date().toISOString() })
      .where('id', '=', paid.id)
      .execute();
    mails.length = 0;
    const before = new Date(Date.parse(invoice.due_at) - 3_600_000);
    assert.deepEqual(await remindOverdueInvoices(d, before), []);
    const afterDue = new Date(Date.parse(invoice.due_at) + 86_400_000);
    const runs = await Promise.all([
      remindOverdueInvoices(d, afterDue),
      remindOverdueInvoices(d, afterDue),
    ]);
    assert.deepEqual(runs.flat(), [invoice.number]);
    assert.deepEqual(await remindOverdueInvoices(d, new Date(afterDue.getTime() + 86_400_000)), []);
    assert.equal(mails.length, 1);
    assert.equal(mails[0].to, 'late@payers.example');
    assert.match(mails[0].subject, new RegExp(`Reminder: invoice ${invoice.number}`));
    assert.match(mails[0].text, /IBAN: DE89/);
  });

  test('a refused mail releases the claim: the reminder goes the next day', async () => {
    let fail = true;
    const mails: MailMessage[] = [];
    const d: LicensingDeps = {
      db: site.db.kysely,
      mailer: {
        kind: 'file',
        send: async (m) => {
          if (fail) throw new Error('421 try later');
          mails.push(m);
          return { id: 'x' } as never;
        },
        close: async () => {},
      },
      siteName: 'Broadsheet',
      baseUrl: site.config.baseUrl,
      payment: site.config.payment,
    };
    fail = false;
    const { invoice } = await invoiceFor('Flaky Mail GmbH', d, 'flaky@mail.example');
    await site.db.kysely
      .updateTable('invoices')
      .set({ reminded_at: new Date().toISOString() })
      .where('id', '!=', invoice.id)
      .execute();
    mails.length = 0;
    fail = true;
    const due = new Date(Date.parse(invoice.due_at) + 86_400_000);
    assert.deepEqual(await remindOverdueInvoices(d, due), []);
    fail = false;
    assert.deepEqual(await remindOverdueInvoices(d, new Date(due.getTime() + 86_400_000)), [
      invoice.number,
    ]);
    assert.equal(mails.length, 1);
  });

  test('staff are told plainly when no payment details are set; the invoice then says whom to contact', async () => {
    const bare = await testSite({
      DEMO: '0',
      JOBS: '0',
      BILLING_CONTACT: 'billing@broadsheet.example',
    });
    try {
      const editor = await signedIn(bare.db.kysely, 'desk@broadsheet.example', 'editor');
      const queue = await bare.app.inject({
        url: '/admin/licensing',
        headers: { cookie: editor.cookie },
      });
      assert.match(queue.body, /No payment details are set/);
      const m = await signedIn(bare.db.kysely, 'buyer@org.example', 'reader');
      const d: LicensingDeps = {
        db: bare.db.kysely,
        mailer: { kind: 'file', send: async () => ({ id: 'x' }) as never, close: async () => {} },
        siteName: 'Broadsheet',
        baseUrl: bare.config.baseUrl,
        payment: bare.config.payment,
      };
      const a = await applyForLicence(d, m.memberId, {
        name: 'Org',
        kind: 'company',
        note: '',
        tier: 'small',
        contact_email: 'buyer@org.example',
      });
      assert.ok(a.ok);
      const r = await approveApplication(d, a.licenceId, null);
      assert.ok(r.ok);
      const page = await bare.app.inject({
        url: `/licensing/invoices/${r.invoice.number}`,
        headers: { cookie: m.cookie },
      });
      assert.match(page.body, /To pay, contact billing@broadsheet\.example and quote/);
      assert.doesNotMatch(page.body, /No payment details are set/);
      const staffView = await bare.app.inject({
        url: `/licensing/invoices/${r.invoice.number}`,
        headers: { cookie: editor.cookie },
      });
      assert.match(staffView.body, /No payment details are set/);
    } finally {
      await bare.cleanup();
    }
  });
});
