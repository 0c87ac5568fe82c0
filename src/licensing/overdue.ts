/**
 * The overdue reminder: each open invoice past its due date is mailed one reminder, exactly once
 * however often (and in however many processes) the daily job runs. The invoice is claimed first
 * (`reminded_at` set where it was null, one row changed or none), and only the claimer mails; a
 * mail the server refused releases the claim so the next day tries again.
 */
import { formatMoney } from './pricing.ts';
import { overdueInvoiceMail } from './mails.ts';
import { paymentInstructions, paymentLines } from './payment.ts';
import { formatDay, paymentOf, type LicensingDeps } from './service.ts';

/** Mails the reminders due at `now`; returns the invoice numbers reminded. */
export async function remindOverdueInvoices(d: LicensingDeps, now = new Date()): Promise<string[]> {
  const at = now.toISOString();
  const due = await d.db
    .selectFrom('invoices')
    .innerJoin('organisations', 'organisations.id', 'invoices.organisation_id')
    .select([
      'invoices.id',
      'invoices.number',
      'invoices.total_cents',
      'invoices.currency',
      'invoices.due_at',
      'organisations.name',
      'organisations.contact_email',
    ])
    .where('invoices.status', '=', 'open')
    .where('invoices.due_at', '<', at)
    .where('invoices.reminded_at', 'is', null)
    .orderBy('invoices.id')
    .execute();
  const sent: string[] = [];
  for (const inv of due) {
    const claim = await d.db
      .updateTable('invoices')
      .set({ reminded_at: at })
      .where('id', '=', inv.id)
      .where('status', '=', 'open')
      .where('reminded_at', 'is', null)
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) !== 1) continue;
    const dueDate = formatDay(inv.due_at);
    const msg = overdueInvoiceMail(
      inv.contact_email,
      { siteName: d.siteName, baseUrl: d.baseUrl.replace(/\/+$/, '') },
      {
        organisation: inv.name,
        number: inv.number,
        total: formatMoney(inv.total_cents, inv.currency),
        dueDate,
        payment: paymentLines(paymentInstructions(paymentOf(d), inv.number), dueDate),
      },
    );
    try {
      await d.mailer.send(msg);
      sent.push(inv.number);
    } catch (err) {
      d.log?.warn({ err, invoice: inv.number }, 'overdue invoice reminder could not be sent');
      await d.db
        .updateTable('invoices')
        .set({ reminded_at: null })
        .where('id', '=', inv.id)
        .execute();
    }
  }
  return sent;
}
