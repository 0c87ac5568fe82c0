/**
 * The newsletter's services for routes, jobs and the command line: one mail transport per process
 * (pooled, rate-limited by NEWSLETTER_RATE), the link secret, and the named operations
 * (compose the next issue, send it) that all three call.
 */
import type { Config } from '../config.ts';
import type { Db } from '../platform/db.ts';
import { createMailer, type Mailer } from '../platform/mail.ts';
import { enqueue, schedule, type JobHandler, type Schedule } from '../platform/jobs.ts';
import { ISSUE_SCHEDULE, issueForSlot, nextIssueSlot } from './compose.ts';
import { sendIssue, startIssueSend, type SendOptions, type SendReport } from './send.ts';
import { getIssue, type Issue } from './store.ts';
import { linkSecret } from './tokens.ts';

export interface NewsletterService {
  config: Config;
  db: Db;
  site: { siteName: string; baseUrl: string };
  mailer(): Mailer;
  secret(): Promise<string>;
  /** The issue for the next Monday, composed if needed. */
  nextIssue(now?: Date): Promise<Issue>;
  /** Starts (or resumes) sending and runs until the issue is complete. */
  send(issueId: number, opts?: Partial<SendOptions>): Promise<SendReport>;
  /** Queues the send for a worker (now or at `at`). */
  queueSend(issueId: number, at?: Date): Promise<void>;
  close(): Promise<void>;
}

export function newsletterService(base: { config: Config; db: Db }): NewsletterService {
  const { config, db } = base;
  let mailer: Mailer | null = null;
  let secret: Promise<string> | null = null;
  const site = { siteName: config.siteName, baseUrl: config.baseUrl };
  const svc: NewsletterService = {
    config,
    db,
    site,
    mailer() {
      mailer ??= createMailer(config, { maxConnections: 8, ratePerSecond: config.newsletterRate });
      return mailer;
    },
    secret() {
      secret ??= linkSecret(db.kysely).catch((err) => {
        secret = null;
        throw err;
      });
      return secret;
    },
    async nextIssue(now = new Date()) {
      return issueForSlot(db.kysely, nextIssueSlot(now, config.newsletterTz), {
        timeZone: config.newsletterTz,
        siteName: config.siteName,
        now,
      });
    },
    async send(issueId, opts = {}) {
      await startIssueSend(db, issueId);
      return sendIssue(db, issueId, {
        mailer: svc.mailer(),
        site,
        secret: await svc.secret(),
        ...opts,
      });
    },
    async queueSend(issueId, at) {
      const runAt = at ?? new Date();
      await enqueue(
        db,
        'newsletter.send',
        { issueId, at: at ? at.toISOString() : null },
        { runAt, uniqueKey: `newsletter.send:${issueId}:${at ? at.toISOString() : 'now'}` },
      );
    },
    async close() {
      await mailer?.close();
      mailer = null;
    },
  };
  return svc;
}

/**
 * The newsletter's part of the process's job worker (merged in src/server.ts). Each run gets its
 * own service, so its SMTP pool is closed when the job ends.
 */
export function jobHandlers(base: { config: Config; db: Db }): Record<string, JobHandler> {
  const wrap =
    (kind: string): JobHandler =>
    async (payload, ctx) => {
      const svc = newsletterService(base);
      try {
        await newsletterJobs(svc).handlers[kind](payload, ctx);
      } finally {
        await svc.close();
      }
    };
  return {
    'newsletter.weekly': wrap('newsletter.weekly'),
    'newsletter.send': wrap('newsletter.send'),
  };
}

export function jobSchedules(config: Config): Schedule[] {
  return [schedule('newsletter.weekly', ISSUE_SCHEDULE, config.newsletterTz)];
}

/** Job handlers and the Monday schedule for one service (tests drive these directly). */
export function newsletterJobs(svc: NewsletterService): {
  handlers: Record<string, JobHandler>;
  schedules: Schedule[];
} {
  return {
    schedules: [schedule('newsletter.weekly', ISSUE_SCHEDULE, svc.config.newsletterTz)],
    handlers: {
      // Monday 07:00: compose this week's issue (unless editors already did) and send it, unless
      // an editor scheduled it for another time.
      'newsletter.weekly': async (payload: { scheduledFor?: string }, ctx) => {
        const slot = payload.scheduledFor ? new Date(payload.scheduledFor) : new Date();
        const issue = await issueForSlot(svc.db.kysely, slot, {
          timeZone: svc.config.newsletterTz,
          siteName: svc.config.siteName,
        });
        if (issue.status === 'scheduled' || issue.status === 'sent') return;
        await svc.send(issue.id, { signal: ctx.signal, heartbeat: ctx.heartbeat });
      },
      'newsletter.send': async (payload: { issueId: number; at?: string | null }, ctx) => {
        const issue = await getIssue(svc.db.kysely, payload.issueId);
        if (!issue || issue.status === 'sent') return;
        // A rescheduled issue: this job was for the old time.
        if (issue.status === 'scheduled' && payload.at && issue.scheduled_for !== payload.at)
          return;
        if (issue.status === 'draft' && payload.at) return; // unscheduled since
        await svc.send(issue.id, { signal: ctx.signal, heartbeat: ctx.heartbeat });
      },
    },
  };
}
