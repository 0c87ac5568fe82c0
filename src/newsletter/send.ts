/**
 * Sending an issue exactly once per subscriber, across crashes, restarts and several processes.
 *
 * `startIssueSend` turns a draft into a sending issue and, in the same transaction, writes one
 * `newsletter_deliveries` row per confirmed subscriber (unique on issue and subscriber). `sendIssue`
 * then claims pending rows in batches (pending → sending, with a lease; PostgreSQL uses
 * FOR UPDATE SKIP LOCKED so processes never claim the same row), sends each message and marks its
 * row sent. Only pending rows are ever claimed, and a row goes back to pending only when the mail
 * server definitely refused the message (a 4xx answer or no connection), so no address is mailed
 * twice. A 'sending' row whose lease expired — its process died between handing the message to
 * the server and recording it — is not resent: it becomes 'unknown' and is reported (see
 * docs/decisions/0004-newsletter-exactly-once.md); its Message-ID is fixed at claim time so it can
 * be looked up in the mail server's log.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import { MailError, type Mailer } from '../platform/mail.ts';
import { backoffMs, sqliteImmediate } from '../platform/jobs.ts';
import { getIssue, issueStats, markBounced, type Issue, type IssueStats } from './store.ts';
import { personalise, renderIssueEmail, type RenderedIssue } from './email.ts';
import { issueTemplate, mailDate, type MessageTemplate } from './mime.ts';
import { linkToken } from './tokens.ts';

export interface SendOptions {
  mailer: Mailer;
  site: { siteName: string; baseUrl: string };
  secret: string;
  workerId?: string;
  /** Rows claimed at once, in one transaction (default 200). */
  batchSize?: number;
  /** Messages in flight at once across the SMTP pool (default 64). */
  concurrency?: number;
  /**
   * Accepted messages are marked sent in batched UPDATEs: at most this many wait for their mark,
   * and none waits longer than markEveryMs (defaults 100 and 200 ms; both far inside the lease).
   */
  markBatch?: number;
  markEveryMs?: number;
  /** How long a claimed row stays ours without a heartbeat (default 2 minutes). */
  leaseMs?: number;
  /** Attempts for temporary failures before a row is marked failed (default 5). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Wait for retries and for rows other processes hold, until the issue is complete (default true). */
  waitForRetries?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SendProgress) => void;
  /** Called with the lease heartbeat (e.g. to renew the job's own lease). */
  heartbeat?: () => Promise<void>;
}

export interface SendProgress {
  sent: number;
  bounced: number;
  failed: number;
  retried: number;
  unknown: number;
  skipped: number;
}

export interface SendReport extends SendProgress {
  issueId: number;
  complete: boolean;
  totals: IssueStats;
}

/**
 * Starts sending: draft or scheduled → sending, with one delivery row per confirmed subscriber
 * (in one transaction). Returns false when the issue was already sending or sent.
 */
export async function startIssueSend(db: Db, issueId: number): Promise<boolean> {
  return db.kysely.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const started = await trx
      .updateTable('newsletter_issues')
      .set({ status: 'sending', updated_at: now })
      .where('id', '=', issueId)
      .where('status', 'in', ['draft', 'scheduled'])
      .returning('id')
      .executeTakeFirst();
    if (!started) return false;
    await trx
      .insertInto('newsletter_deliveries')
      .columns(['issue_id', 'subscriber_id', 'status', 'attempts', 'next_attempt_at', 'updated_at'])
      .expression(
        trx
          .selectFrom('newsletter_subscribers')
          .select([
            sql.lit(issueId).as('issue_id'),
            'id',
            sql.lit('pending').as('status'),
            sql.lit(0).as('attempts'),
            sql.lit(now).as('next_attempt_at'),
            sql.lit(now).as('updated_at'),
          ])
          .where('status', '=', 'confirmed'),
      )
      .onConflict((oc) => oc.columns(['issue_id', 'subscriber_id']).doNothing())
      .execute();
    return true;
  });
}

interface Claimed {
  id: number;
  subscriber_id: number;
  attempts: number;
  message_id: string;
}

async function claimBatch(
  db: Db,
  issueId: number,
  workerId: string,
  n: number,
  leaseMs: number,
  msgDomain: string,
): Promise<Claimed[]> {
  const now = new Date();
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const messageId = sql<string>`coalesce(message_id, ${`<dispatch.${issueId}.`} || cast(subscriber_id as text) || ${`@${msgDomain}>`})`;
  const set = sql`status = 'sending', locked_by = ${workerId}, locked_until = ${until}, attempts = attempts + 1, message_id = ${messageId}, updated_at = ${nowIso}`;
  const pick = sql`select id from newsletter_deliveries where issue_id = ${issueId} and status = 'pending' and next_attempt_at <= ${nowIso} order by id limit ${n}`;
  if (db.engine === 'postgres') {
    const r =
      await sql<Claimed>`update newsletter_deliveries set ${set} where id in (${pick} for update skip locked) returning id, subscriber_id, attempts, message_id`.execute(
        db.kysely,
      );
    return r.rows;
  }
  return sqliteImmediate(
    db,
    async (conn) =>
      (
        await sql<Claimed>`update newsletter_deliveries set ${set} where id in (${pick}) returning id, subscriber_id, attempts, message_id`.execute(
          conn,
        )
      ).rows,
  );
}

/** Rows whose process died mid-send: never resent blindly, recorded as 'unknown'. */
export async function sweepExpired(
  db: Kysely<Database>,
  issueId: number,
  now = new Date(),
): Promise<number> {
  const r = await db
    .updateTable('newsletter_deliveries')
    .set({
      status: 'unknown',
      last_error:
        'The sending process stopped after claiming this message; it may or may not have been delivered.',
      updated_at: now.toISOString(),
    })
    .where('issue_id', '=', issueId)
    .where('status', '=', 'sending')
    .where('locked_until', '<', now.toISOString())
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

/** True when the error proves the message was not accepted (so it may be tried again). */
export function definitelyNotSent(err: unknown): boolean {
  if (err instanceof MailError) {
    if (err.responseCode !== null) return err.responseCode >= 400 && err.responseCode < 500;
    if (
      err.command === 'CONN' ||
      ['ECONNECTION', 'EAUTH', 'EDNS', 'ETLS', 'EENVELOPE'].includes(err.code ?? '')
    )
      return true;
    return /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Greeting never received/.test(err.message);
  }
  // Not from the SMTP transport (e.g. the file outbox could not write): nothing left the process.
  return !(err instanceof Error && /socket|timeout/i.test(err.message));
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function sendIssue(db: Db, issueId: number, opts: SendOptions): Promise<SendReport> {
  const k = db.kysely;
  const workerId =
    opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const batchSize = opts.batchSize ?? 200;
  const concurrency = opts.concurrency ?? 64;
  const markBatch = opts.markBatch ?? 100;
  const leaseMs = opts.leaseMs ?? 120_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const wait = opts.waitForRetries ?? true;
  const progress: SendProgress = {
    sent: 0,
    bounced: 0,
    failed: 0,
    retried: 0,
    unknown: 0,
    skipped: 0,
  };
  const issue = await getIssue(k, issueId);
  if (!issue) throw new Error(`There is no issue with id ${issueId}.`);
  const rendered = renderIssueEmail(issue, opts.site);
  const msgDomain = new URL(opts.site.baseUrl).hostname || 'localhost';
  const unsubBase = `${opts.site.baseUrl}/newsletter/unsubscribe/`;
  const prefsBase = `${opts.site.baseUrl}/newsletter/preferences/`;
  const listHeaders = {
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': `${issueListId(opts.site.siteName)} <dispatch.${msgDomain}>`,
  };
  // The issue is rendered and MIME-encoded once per format; each message only fills in its reader's values.
  const raw =
    opts.mailer.sendRaw && opts.mailer.from ? opts.mailer.sendRaw.bind(opts.mailer) : null;
  const templates: Record<'html' | 'text', MessageTemplate> | null = raw
    ? {
        html: issueTemplate(rendered, {
          from: opts.mailer.from!,
          format: 'html',
          headers: listHeaders,
        }),
        text: issueTemplate(rendered, {
          from: opts.mailer.from!,
          format: 'text',
          headers: listHeaders,
        }),
      }
    : null;

  const heartbeat = async () => {
    await k
      .updateTable('newsletter_deliveries')
      .set({ locked_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('issue_id', '=', issueId)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'sending')
      .execute();
    await opts.heartbeat?.();
  };
  const timer = setInterval(
    () => void heartbeat().catch(() => {}),
    Math.max(100, Math.floor(leaseMs / 3)),
  );

  // Rows whose message the server accepted, waiting for their batched 'sent' mark. They stay
  // 'sending' under this process's lease (renewed by the heartbeat) until the mark is written, so
  // no other sender can take them; if this process dies first they become 'unknown', exactly as a
  // row whose single UPDATE had not run yet would. The wait is bounded by markBatch/markEveryMs,
  // which are far shorter than the lease.
  let toMark: number[] = [];
  let marking: Promise<void> = Promise.resolve();
  const flushMarks = () => {
    if (!toMark.length) return marking;
    const ids = toMark;
    toMark = [];
    const at = new Date().toISOString();
    // A failed mark leaves its rows 'sending' (later 'unknown'); it must not stop later marks.
    marking = marking
      .catch(() => {})
      .then(() =>
        k
          .updateTable('newsletter_deliveries')
          .set({
            status: 'sent',
            sent_at: at,
            last_error: null,
            locked_until: null,
            updated_at: at,
          })
          .where('id', 'in', ids)
          .where('locked_by', '=', workerId)
          .where('status', 'in', ['sending', 'unknown'])
          .execute()
          .then(() => {}),
      );
    return marking;
  };
  const markTimer = setInterval(
    () => void flushMarks().catch(() => {}),
    Math.max(20, opts.markEveryMs ?? 200),
  );

  const finish = async (id: number, values: Record<string, unknown>) => {
    await k
      .updateTable('newsletter_deliveries')
      .set({ ...values, locked_until: null, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', 'in', ['sending', 'unknown'])
      .execute();
  };

  async function deliver(
    row: Claimed,
    sub: { id: number; email: string; status: string; format: 'html' | 'text' } | undefined,
  ) {
    if (!sub || sub.status !== 'confirmed') {
      await finish(row.id, {
        status: 'skipped',
        last_error: sub ? `subscriber is ${sub.status}` : 'subscriber was deleted',
      });
      progress.skipped++;
      return;
    }
    const unsubscribe = unsubBase + linkToken(opts.secret, 'unsubscribe', sub.id, issueId);
    const preferences = prefsBase + linkToken(opts.secret, 'preferences', sub.id);
    try {
      if (raw && templates) {
        const message = templates[sub.format === 'text' ? 'text' : 'html'].fill({
          to: sub.email,
          messageId: row.message_id,
          date: mailDate(),
          unsubscribe,
          preferences,
        });
        await raw({ from: templates.html.envelopeFrom, to: sub.email, raw: message });
      } else {
        const body = personalise(rendered, { unsubscribe, preferences }, sub.format);
        await opts.mailer.send({
          to: sub.email,
          subject: rendered.subject,
          text: body.text,
          html: body.html,
          messageId: row.message_id,
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, ...listHeaders },
        });
      }
    } catch (err) {
      const message = String((err as Error)?.message ?? err).slice(0, 500);
      if (err instanceof MailError && err.permanent) {
        await finish(row.id, { status: 'bounced', last_error: message });
        await markBounced(k, sub.id, message);
        progress.bounced++;
      } else if (!definitelyNotSent(err)) {
        await finish(row.id, { status: 'unknown', last_error: message });
        progress.unknown++;
      } else if (row.attempts >= maxAttempts) {
        await finish(row.id, { status: 'failed', last_error: message });
        progress.failed++;
      } else {
        const next = new Date(
          Date.now() +
            backoffMs(row.attempts, opts.retryBaseMs ?? 30_000, opts.retryMaxMs ?? 600_000),
        ).toISOString();
        await finish(row.id, {
          status: 'pending',
          locked_by: null,
          next_attempt_at: next,
          last_error: message,
        });
        progress.retried++;
      }
      return;
    }
    toMark.push(row.id);
    progress.sent++;
    if (toMark.length >= markBatch) await flushMarks();
  }

  let complete = false;
  try {
    progress.unknown += await sweepExpired(k, issueId);
    while (!opts.signal?.aborted) {
      const batch = await claimBatch(db, issueId, workerId, batchSize, leaseMs, msgDomain);
      if (batch.length) {
        const subs = await k
          .selectFrom('newsletter_subscribers')
          .select(['id', 'email', 'status', 'format'])
          .where(
            'id',
            'in',
            batch.map((b) => b.subscriber_id),
          )
          .execute();
        const byId = new Map(subs.map((s) => [s.id, s]));
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(concurrency, batch.length) }, async () => {
            while (next < batch.length) {
              const row = batch[next++];
              await deliver(row, byId.get(row.subscriber_id));
            }
          }),
        );
        await flushMarks();
        opts.onProgress?.({ ...progress });
        continue;
      }
      const open = await k
        .selectFrom('newsletter_deliveries')
        .select([
          'status',
          (eb) => eb.fn.countAll<number | string>().as('n'),
          (eb) => eb.fn.min('next_attempt_at').as('next'),
        ])
        .where('issue_id', '=', issueId)
        .where('status', 'in', ['pending', 'sending'])
        .groupBy('status')
        .execute();
      if (!open.length) {
        await k
          .updateTable('newsletter_issues')
          .set({
            status: 'sent',
            sent_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          })
          .where('id', '=', issueId)
          .where('status', '=', 'sending')
          .execute();
        complete = true;
        break;
      }
      if (!wait) break;
      // Retries not yet due, or rows another process holds: wait, then look again.
      const pending = open.find((o) => o.status === 'pending');
      const dueIn = pending ? new Date(String(pending.next)).getTime() - Date.now() : 1000;
      await sleep(Math.max(50, Math.min(dueIn, 1000)), opts.signal);
      progress.unknown += await sweepExpired(k, issueId);
    }
  } finally {
    clearInterval(markTimer);
    await flushMarks().catch(() => {});
    clearInterval(timer);
  }
  const totals = (await issueStats(k, [issueId])).get(issueId)!;
  return { issueId, complete, totals, ...progress };
}

function issueListId(siteName: string): string {
  return `"${siteName.replace(/"/g, '')} — The Monday Dispatch"`;
}

/** Sends one issue to one address as a test (no delivery row, links marked as a test). */
export async function sendTest(
  issue: Issue,
  to: string,
  opts: Pick<SendOptions, 'mailer' | 'site'>,
): Promise<void> {
  const r: RenderedIssue = renderIssueEmail(issue, opts.site);
  const body = personalise(
    r,
    {
      unsubscribe: `${opts.site.baseUrl}/newsletter`,
      preferences: `${opts.site.baseUrl}/newsletter`,
    },
    'html',
  );
  await opts.mailer.send({ to, subject: `[Test] ${r.subject}`, text: body.text, html: body.html });
}
