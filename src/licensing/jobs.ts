/**
 * Licensing jobs. A daily schedule (`licensing.daily`) finds licences 30 and 7 days before their
 * end and at their end, and enqueues one reminder job per licence, end date and kind with a unique
 * key, so each reminder goes once however often the daily job runs; it also marks ended licences
 * expired, and mails each invoice that passed its due date unpaid one reminder (overdue.ts).
 * `licensing.alerts` runs saved-search alerts (daily ones every day, weekly ones every
 * seventh day).
 */
import type { Services } from '../platform/services.ts';
import type { Db } from '../platform/db.ts';
import { enqueue, schedule, type JobHandler, type Schedule } from '../platform/jobs.ts';
import type { Config } from '../config.ts';
import { reminderDue, sendReminder, type LicensingDeps, type ReminderKind } from './service.ts';
import { runAlerts, searchAlertSource, type AlertSource } from './alerts.ts';
import { worldFor } from './world.ts';
import { remindOverdueInvoices } from './overdue.ts';

export const DAILY_JOB = 'licensing.daily';
export const REMINDER_JOB = 'licensing.reminder';
export const ALERTS_JOB = 'licensing.alerts';

const DAY_MS = 86_400_000;

export function reminderKey(licenceId: number, expiresAt: string, kind: ReminderKind): string {
  return `licence-reminder:${licenceId}:${expiresAt}:${kind}`;
}

/** Enqueues the reminders due at `now`; returns how many new reminder jobs were created. */
export async function enqueueReminders(db: Db, now = new Date()): Promise<number> {
  const horizon = new Date(now.getTime() + 30 * DAY_MS).toISOString();
  const due = await db.kysely
    .selectFrom('licences')
    .select(['id', 'expires_at'])
    .where('status', '=', 'active')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', horizon)
    .execute();
  let created = 0;
  for (const l of due) {
    const kind = reminderDue(new Date(l.expires_at!), now);
    if (!kind) continue;
    const r = await enqueue(
      db,
      REMINDER_JOB,
      { licenceId: l.id, kind },
      { uniqueKey: reminderKey(l.id, l.expires_at!, kind) },
    );
    if (r.created) created++;
    if (kind === 'expired') {
      await db.kysely
        .updateTable('licences')
        .set({ status: 'expired', updated_at: now.toISOString() })
        .where('id', '=', l.id)
        .where('status', '=', 'active')
        .execute();
    }
  }
  if (due.some((l) => Date.parse(l.expires_at!) <= now.getTime())) worldFor(db).clear();
  return created;
}

export function licensingDeps(
  services: Services,
  extra: Partial<LicensingDeps> = {},
): LicensingDeps {
  return {
    db: services.db.kysely,
    mailer: services.mailer,
    siteName: services.config.siteName,
    baseUrl: services.config.baseUrl,
    payment: services.config.payment,
    changed: () => worldFor(services.db).clear(),
    ...extra,
  };
}

export function licensingJobHandlers(
  services: Services,
  opts: { now?: () => Date; alerts?: AlertSource } = {},
): Record<string, JobHandler> {
  const now = opts.now ?? (() => new Date());
  const deps = licensingDeps(services, { now });
  return {
    [DAILY_JOB]: async () => {
      await enqueueReminders(services.db, now());
      await remindOverdueInvoices(deps, now());
    },
    [REMINDER_JOB]: async (payload: { licenceId: number; kind: ReminderKind }) => {
      await sendReminder(deps, payload.licenceId, payload.kind);
    },
    [ALERTS_JOB]: async () => {
      await runAlerts(deps, services.db, opts.alerts ?? searchAlertSource(services.db), now());
    },
  };
}

/** Licensing's part of the process's job worker (merged in src/server.ts). */
export function jobHandlers(services: Services): Record<string, JobHandler> {
  return licensingJobHandlers(services);
}

/** Reminders at 06:00 and search alerts at 07:00 every day, in SCHEDULE_TZ. */
export function jobSchedules(config: Config): Schedule[] {
  return [
    schedule(DAILY_JOB, { hour: 6, minute: 0 }, config.scheduleTz),
    schedule(ALERTS_JOB, { hour: 7, minute: 0 }, config.scheduleTz),
  ];
}
