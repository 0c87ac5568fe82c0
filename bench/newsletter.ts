/**
 * Newsletter send benchmark: one issue to N confirmed subscribers (default 100,000) through a
 * local smtp-server sink running in its own process, with the real service (claims, send log,
 * per-recipient links, nodemailer pool). Prints messages/s, total seconds and peak RSS.
 *
 *   npm run bench -- newsletter [subscribers] [connections]
 * Uses SQLite in a temporary directory, or PostgreSQL when DATABASE_URL is set.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { connect } from '../src/platform/db.ts';
import { migrate } from '../src/features.ts';
import { newsletterService } from '../src/newsletter/service.ts';
import { issueForSlot } from '../src/newsletter/compose.ts';
import { loadDemoContent } from '../src/demo.ts';
import { createMailer } from '../src/platform/mail.ts';

const N = Number(process.argv[2] ?? 100_000);
const CONNECTIONS = Number(process.argv[3] ?? 8);

const sink = fork(join(import.meta.dirname, '_sink.ts'), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const port = await new Promise<number>((resolve) =>
  sink.stdout!.on('data', (d) => {
    const m = /port (\d+)/.exec(String(d));
    if (m) resolve(Number(m[1]));
  }),
);
const sinkStats = () =>
  new Promise<{ total: number; cpuMs: number }>(
    (resolve) => (
      sink.once('message', (m: { total: number; cpuMs: number }) => resolve(m)),
      sink.send('count')
    ),
  );

const dataDir = mkdtempSync(join(tmpdir(), 'bs-bench-nl-'));
let schema: string | null = null;
let databaseUrl = process.env.DATABASE_URL ?? '';
if (databaseUrl) {
  const pg = (await import('pg')).default;
  schema = `bench_nl_${process.pid}`;
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  databaseUrl += `${databaseUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
}
const config = loadConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  SMTP_URL: `smtp://127.0.0.1:${port}`,
  LOG_LEVEL: 'silent',
  BASE_URL: 'https://broadsheet.example',
});
const db = await connect(config);
try {
  await migrate(db);
  await loadDemoContent(db.kysely);
  const now = new Date().toISOString();
  const t0 = Date.now();
  for (let i = 0; i < N; i += 1000) {
    await db.kysely
      .insertInto('newsletter_subscribers')
      .values(
        Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
          email: `reader${i + j}@example.org`,
          status: 'confirmed' as const,
          source: 'bench',
          created_at: now,
          updated_at: now,
          confirmed_at: now,
        })),
      )
      .execute();
  }
  console.log(
    `${N.toLocaleString('en')} confirmed subscribers inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s (${config.engine})`,
  );

  const svc = newsletterService({ config, db });
  // A pool of the requested size (the service's default is 8 connections).
  const mailer = createMailer(config, {
    maxConnections: CONNECTIONS,
    ratePerSecond: config.newsletterRate,
  });
  svc.mailer = () => mailer;
  const issue = await issueForSlot(db.kysely, new Date(Date.now() + 86_400_000), {
    timeZone: config.newsletterTz,
    siteName: config.siteName,
  });
  const sinkBefore = await sinkStats();
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  let last = 0;
  const report = await svc.send(issue.id, {
    concurrency: CONNECTIONS * 8,
    onProgress: (p) => {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      console.log(
        `  ${p.sent.toLocaleString('en')} sent, ${(p.sent / ((Date.now() - start) / 1000)).toFixed(0)}/s`,
      );
    },
  });
  const secs = (Date.now() - start) / 1000;
  await mailer.close();
  const cpu = process.cpuUsage(cpu0);
  const sinkAfter = await sinkStats();
  const received = sinkAfter.total;
  const senderCpuMs = (cpu.user + cpu.system) / 1000;
  const sinkCpuMs = sinkAfter.cpuMs - sinkBefore.cpuMs;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `Newsletter: ${report.sent.toLocaleString('en')} messages in ${secs.toFixed(1)} s = ${(report.sent / secs).toFixed(0)} messages/s; sink received ${received.toLocaleString('en')}; complete: ${report.complete}`,
  );
  console.log(
    `CPU per message: sender ${((senderCpuMs / report.sent) * 1000).toFixed(0)} µs, SMTP sink ${((sinkCpuMs / report.sent) * 1000).toFixed(0)} µs`,
  );
  console.log(
    `peak RSS (sender process): ${rssMb.toFixed(0)} MB; ${CONNECTIONS} SMTP connections; engine ${config.engine}; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}); Node ${process.version}`,
  );
} finally {
  await db.close();
  sink.kill();
  rmSync(dataDir, { recursive: true, force: true });
  if (schema) {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}
