/**
 * How an invoice is paid, from the PAYMENT_* settings (config.ts): bank transfer details, the
 * reference to quote (the invoice number), the due date, an optional payment link, and whom to ask.
 * Pure: the HTML invoice, the PDF and the mails all print what `paymentInstructions` returns.
 */
import type { PaymentSettings } from '../config.ts';

export interface PaymentInstructions {
  /** False when no way to pay is set: the invoice then tells the reader whom to contact. */
  configured: boolean;
  /** Bank transfer details as label/value pairs (empty when none are set). */
  bank: Array<[string, string]>;
  /** What to quote with the payment. */
  reference: string;
  /** Free-text instructions (other ways to pay). */
  note: string;
  /** Where to pay online, or null. */
  link: string | null;
  contact: string;
}

/** The IBAN in groups of four, as printed on paper. */
export function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

export function paymentInstructions(
  p: PaymentSettings,
  invoiceNumber: string,
): PaymentInstructions {
  const bank: Array<[string, string]> = [];
  if (p.iban) {
    if (p.accountHolder) bank.push(['Account holder', p.accountHolder]);
    if (p.bank) bank.push(['Bank', p.bank]);
    bank.push(['IBAN', formatIban(p.iban)]);
    if (p.bic) bank.push(['BIC', p.bic]);
  }
  return {
    configured: bank.length > 0 || p.instructions !== '' || p.link !== '',
    bank,
    reference: invoiceNumber,
    note: p.instructions,
    link: p.link
      ? `${p.link}${p.link.includes('?') ? '&' : '?'}invoice=${encodeURIComponent(invoiceNumber)}`
      : null,
    contact: p.contact,
  };
}

/** The instructions as lines of plain text (mails, the PDF). */
export function paymentLines(pi: PaymentInstructions, due: string): string[] {
  if (!pi.configured)
    return [
      `Payment is due by ${due}. To pay, contact ${pi.contact} and quote ${pi.reference}: we will send you the payment details.`,
    ];
  const lines = [
    `Payment is due by ${due}. Please quote ${pi.reference} as the payment reference.`,
  ];
  if (pi.bank.length)
    lines.push(`By bank transfer: ${pi.bank.map(([k, v]) => `${k}: ${v}`).join('; ')}.`);
  if (pi.link) lines.push(`Pay online: ${pi.link}`);
  if (pi.note) lines.push(pi.note);
  lines.push(`Questions about this invoice: ${pi.contact}.`);
  return lines;
}

/** The sentence staff see when no payment details are set. */
export const NO_PAYMENT_DETAILS =
  'No payment details are set, so invoices cannot say how to pay: they ask the organisation to contact you instead. Set PAYMENT_IBAN (with PAYMENT_ACCOUNT_HOLDER and PAYMENT_BIC), PAYMENT_LINK or PAYMENT_INSTRUCTIONS and restart the site (see docs/operations.md, "Getting paid").';
