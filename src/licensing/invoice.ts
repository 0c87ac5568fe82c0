/**
 * Invoice presentation: the figures of a stored invoice, and its PDF (pdfkit). The PDF embeds
 * DejaVu Sans (the `dejavu-fonts-ttf` package), which covers Latin, Greek and Cyrillic, so any
 * organisation's name and address print as written (the built-in Helvetica cannot print "Łódź").
 * pdfkit is loaded when the first invoice PDF is made: it is the slowest package to load (fonts,
 * compression tables), and most processes never make one.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PaymentInstructions } from './payment.ts';
import { paymentLines } from './payment.ts';
import { formatMoney, type InvoiceLine } from './pricing.ts';
import type { InvoiceRow, OrganisationRow } from './store.ts';
import { formatDay } from './service.ts';

export interface InvoiceView {
  number: string;
  status: string;
  issued: string;
  due: string;
  paid: string | null;
  organisation: { name: string; contact: string };
  lines: Array<{ description: string; quantity: number; unit: string; amount: string }>;
  subtotal: string;
  taxRate: string;
  tax: string;
  total: string;
}

export function invoiceView(inv: InvoiceRow, org: OrganisationRow): InvoiceView {
  const lines = JSON.parse(inv.lines) as InvoiceLine[];
  const m = (c: number) => formatMoney(c, inv.currency);
  return {
    number: inv.number,
    status: inv.status,
    issued: formatDay(inv.issued_at),
    due: formatDay(inv.due_at),
    paid: inv.paid_at ? formatDay(inv.paid_at) : null,
    organisation: { name: org.name, contact: org.contact_email },
    lines: lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unit: m(l.unitPriceCents),
      amount: m(l.quantity * l.unitPriceCents),
    })),
    subtotal: m(inv.subtotal_cents),
    taxRate: `${inv.tax_rate} %`,
    tax: m(inv.tax_cents),
    total: m(inv.total_cents),
  };
}

const fontDir = join(
  dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);
export const PDF_FONTS = {
  regular: join(fontDir, 'DejaVuSans.ttf'),
  bold: join(fontDir, 'DejaVuSans-Bold.ttf'),
};

/** The invoice as a one-page A4 PDF, with how to pay it. */
export async function invoicePdf(
  v: InvoiceView,
  siteName: string,
  baseUrl: string,
  pay: PaymentInstructions,
): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 56,
      info: { Title: `Invoice ${v.number}`, Author: siteName },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('Sans', PDF_FONTS.regular);
    doc.registerFont('Sans-Bold', PDF_FONTS.bold);
    doc.font('Sans-Bold').fontSize(20).text(siteName);
    doc.font('Sans').fontSize(9).fillColor('#555').text(baseUrl);
    doc.moveDown(1.5).fillColor('#000').font('Sans-Bold').fontSize(16).text(`Invoice ${v.number}`);
    doc.font('Sans').fontSize(10).moveDown(0.5);
    doc.text(`Issued: ${v.issued}`);
    doc.text(`Due: ${v.due}`);
    doc.text(`Status: ${v.status === 'paid' ? `paid on ${v.paid}` : v.status}`);
    doc.moveDown(1).font('Sans-Bold').text('Bill to');
    doc.font('Sans').text(v.organisation.name).text(v.organisation.contact);
    doc.moveDown(1.5);
    const x = { desc: 56, qty: 340, unit: 390, amount: 470 };
    const row = (cells: [string, string, string, string], bold = false) => {
      const y = doc.y;
      doc.font(bold ? 'Sans-Bold' : 'Sans');
      doc.text(cells[0], x.desc, y, { width: 275 });
      const after = doc.y;
      doc.text(cells[1], x.qty, y, { width: 40, align: 'right' });
      doc.text(cells[2], x.unit, y, { width: 70, align: 'right' });
      doc.text(cells[3], x.amount, y, { width: 70, align: 'right' });
      doc.y = Math.max(after, doc.y) + 4;
      doc.x = x.desc;
    };
    row(['Description', 'Qty', 'Unit price', 'Amount'], true);
    for (const l of v.lines) row([l.description, String(l.quantity), l.unit, l.amount]);
    doc.moveDown(0.5);
    row(['Subtotal', '', '', v.subtotal]);
    row([`Tax at ${v.taxRate}`, '', '', v.tax]);
    row(['Total', '', '', v.total], true);
    doc
      .moveDown(1.5)
      .font('Sans-Bold')
      .fontSize(11)
      .fillColor('#000')
      .text('How to pay', x.desc, doc.y);
    doc.font('Sans').fontSize(10).moveDown(0.3);
    for (const [label, value] of pay.bank)
      doc.text(`${label}: ${value}`, x.desc, doc.y, { width: 480 });
    if (pay.bank.length)
      doc.text(`Payment reference: ${pay.reference}`, x.desc, doc.y, { width: 480 });
    doc.moveDown(0.5).fontSize(9).fillColor('#333');
    // The bank details are listed above; the lines add the due date, link, notes and contact.
    for (const line of paymentLines(pay, v.due).filter((l) => !l.startsWith('By bank transfer:')))
      doc.text(line, x.desc, doc.y, { width: 480 }).moveDown(0.3);
    doc
      .fillColor('#555')
      .text(
        'The licence runs for twelve months from the day the payment is recorded.',
        x.desc,
        doc.y,
        { width: 480 },
      );
    doc.end();
  });
}
