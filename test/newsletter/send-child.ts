/**
 * Child process for the exactly-once tests: sends one issue with the real service, printing a line
 * per batch. The parent kills it part-way or runs two at once. Env: the site's variables plus
 * ISSUE_ID, LEASE_MS.
 */
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/platform/db.ts';
import { newsletterService } from '../../src/newsletter/service.ts';

const config = loadConfig();
const db = await connect(config);
const svc = newsletterService({ config, db });
const report = await svc.send(Number(process.env.ISSUE_ID), {
  leaseMs: Number(process.env.LEASE_MS ?? 2000),
  batchSize: 50,
  concurrency: 8,
  onProgress: (p) => console.log(`progress ${p.sent}`),
});
console.log(
  `done ${JSON.stringify({ sent: report.sent, unknown: report.unknown, complete: report.complete })}`,
);
await svc.close();
await db.close();
