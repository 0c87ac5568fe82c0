/** `broadsheet newsletter preview` and `broadsheet newsletter send [--now]`. */
import { loadConfig } from '../config.ts';
import { connect } from '../platform/db.ts';
import { UsageError, type Command, type CommandContext } from '../platform/cli.ts';
import { personalise, renderIssueEmail } from './email.ts';
import { newsletterService, type NewsletterService } from './service.ts';
import { updateIssue } from './store.ts';
import { NEWSLETTER_NAME } from './views.tsx';

async function withService<T>(
  ctx: CommandContext,
  fn: (svc: NewsletterService) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const db = await connect(config);
  const svc = newsletterService({ config, db });
  try {
    await ctx.migrate(db);
    return await fn(svc);
  } finally {
    await svc.close();
    await db.close();
  }
}

function progressLine(done: number, total: number, started: number): string {
  const secs = (Date.now() - started) / 1000;
  const rate = done / Math.max(secs, 0.001);
  const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(0)}/s ETA ${eta.toFixed(0)}s`;
}

export const newsletterCommands: Command[] = [
  {
    name: 'newsletter preview',
    usage: 'broadsheet newsletter preview [--html]',
    summary: `Print the next issue of ${NEWSLETTER_NAME} (plain text, or its HTML part).`,
    async run(args, ctx) {
      const html = args.includes('--html');
      if (args.some((a) => a !== '--html'))
        throw new UsageError(`unknown option: ${args.find((a) => a !== '--html')}`);
      return withService(ctx, async (svc) => {
        const issue = await svc.nextIssue();
        const body = personalise(
          renderIssueEmail(issue, svc.site),
          { unsubscribe: '(unsubscribe link)', preferences: '(preferences link)' },
          'html',
        );
        if (html) console.log(body.html);
        else
          console.log(
            `Subject: ${issue.subject}\nIssue: No. ${issue.number} (${issue.week_key}, ${issue.status})\n\n${body.text}`,
          );
        return 0;
      });
    },
  },
  {
    name: 'newsletter send',
    usage: 'broadsheet newsletter send [--now]',
    summary:
      'Queue the next issue for its Monday send time, or with --now send it from here (resumes an interrupted send).',
    async run(args, ctx) {
      const now = args.includes('--now');
      if (args.some((a) => a !== '--now'))
        throw new UsageError(`unknown option: ${args.find((a) => a !== '--now')}`);
      return withService(ctx, async (svc) => {
        const issue = await svc.nextIssue();
        if (issue.status === 'sent') {
          console.log(`Issue ${issue.number} (${issue.week_key}) was already sent; nothing to do.`);
          return 0;
        }
        if (!now) {
          if (issue.status === 'sending') {
            console.log(
              `Issue ${issue.number} is being sent; use --now to help or resume from here.`,
            );
            return 0;
          }
          const at = new Date(issue.scheduled_for ?? Date.now());
          await updateIssue(svc.db.kysely, issue.id, {
            status: 'scheduled',
            scheduled_for: at.toISOString(),
          });
          await svc.queueSend(issue.id, at);
          console.log(
            `Issue ${issue.number} is scheduled for ${at.toISOString()}; the site's job worker sends it.`,
          );
          return 0;
        }
        const started = Date.now();
        const tty = process.stderr.isTTY;
        let last = 0;
        const report = await svc.send(issue.id, {
          onProgress: (p) => {
            if (Date.now() - last < 500) return;
            last = Date.now();
            const line = progressLine(
              p.sent + p.bounced + p.failed + p.unknown + p.skipped,
              0,
              started,
            );
            if (tty) process.stderr.write(`\r${line.replace(/\/0 .*ETA.*$/, '')}`);
          },
        });
        if (tty) process.stderr.write('\n');
        const t = report.totals;
        console.log(
          `Issue ${issue.number}: ${report.complete ? 'complete' : 'not complete yet'}. This run sent ${report.sent} in ${((Date.now() - started) / 1000).toFixed(1)} s.` +
            ` All recipients: ${t.recipients}; sent ${t.sent}, bounced ${t.bounced}, failed ${t.failed}, unknown ${t.unknown}, skipped ${t.skipped}, pending ${t.pending}.`,
        );
        if (t.unknown)
          console.log(
            `${t.unknown} message(s) are 'unknown': a sending process stopped after handing them to the mail server. They are not resent; see the editors' dashboard.`,
          );
        return report.complete ? 0 : 1;
      });
    },
  },
];
