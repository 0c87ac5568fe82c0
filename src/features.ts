/**
 * Every feature of the site, in the order they are installed: request hooks and page parts apply in
 * this order (members' session before licensing's access decision), plugins register after the
 * plugins they depend on, and `broadsheet help` lists commands in this order.
 * Adding a feature: make `src/<feature>/index.ts` export its manifest (src/platform/feature.ts)
 * and add it to this list.
 */
import type { Feature, FeatureJobs } from './platform/feature.ts';
import type { Db } from './platform/db.ts';
import type { Command, CommandContext } from './platform/cli.ts';
import { migrate as runMigrations, migrationCatalogue } from './platform/migrations.ts';
import type { MigrationCatalogue, Services, SharedCaches } from './platform/services.ts';
import type { JobHandler } from './platform/jobs.ts';
import { dataChanged, SHARED_TTL_MS } from './platform/cache.ts';
import { addBulkLoadModule } from './platform/bulk-load.ts';
import { joinRemovalViews, type AccountRemovalView } from './platform/account-removal.ts';
import { ops } from './platform/index.ts';
import { web } from './web/index.ts';
import { stories } from './stories/index.ts';
import { cables } from './cables/index.ts';
import { search } from './search/index.ts';
import { members } from './members/index.ts';
import { licensing } from './licensing/index.ts';
import { newsletter } from './newsletter/index.ts';
import { feeds } from './feeds/index.ts';
import { ads } from './ads/index.ts';

export const features: readonly Feature[] = [
  web,
  stories,
  members,
  cables,
  newsletter,
  licensing,
  search,
  feeds,
  ads,
  ops,
];

// What features do around a bulk load of content (src/platform/bulk-load.ts).
for (const f of features) if (f.bulkLoad) addBulkLoadModule(f.bulkLoad);

/** Every feature's migrations, by name. */
export const migrationsFor: MigrationCatalogue = migrationCatalogue(
  features.flatMap((f) => (f.migrations ? [f.migrations] : [])),
);

/** Applies every pending migration of every feature. */
export function migrate(db: Db) {
  return runMigrations(db, migrationsFor);
}

/** What every command is handed (src/cli.ts). */
export const commandContext: CommandContext = { migrate, migrations: migrationsFor };

/** The per-process caches every feature contributes (sections, partner items, ads). */
export function sharedData(db: Db, ttlMs = SHARED_TTL_MS): SharedCaches {
  return Object.assign({}, ...features.map((f) => f.shared?.(db, ttlMs) ?? {})) as SharedCaches;
}

/**
 * What runs after any content change: pages kept for readers without a session are not answered
 * again (src/platform/http.ts `fromPageCache`), then each feature's `contentChanged`.
 */
export function contentChangedFor(db: Db): () => void {
  const listeners = features.flatMap((f) => (f.contentChanged ? [f.contentChanged] : []));
  return () => {
    dataChanged();
    for (const l of listeners) l(db);
  };
}

/** Every feature's answer on deleting a member's account (src/platform/account-removal.ts). */
export function accountRemovalFor(db: Db): (memberId: number) => Promise<AccountRemovalView> {
  const checks = features.flatMap((f) => (f.accountRemoval ? [f.accountRemoval] : []));
  return async (memberId) =>
    joinRemovalViews(await Promise.all(checks.map((c) => c(db, memberId))));
}

/**
 * This process's one job worker (JOBS=0 turns it off) runs every feature's job handlers and
 * schedules, merged here.
 */
export function featureJobs(services: Services): FeatureJobs {
  const parts = features.flatMap((f) => (f.jobs ? [f.jobs(services)] : []));
  const handlers: Record<string, JobHandler> = {};
  for (const p of parts) {
    for (const [kind, h] of Object.entries(p.handlers)) {
      if (handlers[kind]) throw new Error(`two features handle the job kind ${kind}`);
      handlers[kind] = h;
    }
  }
  return { handlers, schedules: parts.flatMap((p) => p.schedules) };
}

/** Every feature's `broadsheet` commands. */
export async function featureCommands(): Promise<Command[]> {
  const lists = await Promise.all(features.map((f) => f.commands?.() ?? Promise.resolve([])));
  return lists.flat();
}
