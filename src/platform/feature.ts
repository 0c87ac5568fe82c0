/**
 * The one way a feature plugs in: a manifest exported from `src/<feature>/index.ts` and listed in
 * `src/features.ts`. `app.ts`, `server.ts`, `cli.ts` and the migration runner iterate that list;
 * nothing else names a feature.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Migration } from 'kysely';
import type { Db, Engine } from './db.ts';
import type { Command } from './cli.ts';
import type { JobHandler, Schedule } from './jobs.ts';
import type { Services, SharedCaches } from './services.ts';
import type { BulkLoadModule } from './bulk-load.ts';
import type { AccountRemovalCheck } from './account-removal.ts';

export interface FeatureJobs {
  handlers: Record<string, JobHandler>;
  schedules: Schedule[];
}

export interface Feature {
  /** Also the name of its Fastify plugin, which other plugins list in `dependencies`. */
  name: string;
  /**
   * Its routes, as a Fastify plugin wrapped with `fastify-plugin` (named `name`, declaring the
   * plugins it needs). It reads the shared services from the instance's decorators.
   */
  plugin?: FastifyPluginAsync;
  /**
   * Hooks that run on every request before the authorisation policy (who is asking: the session,
   * the access decision). Installed on the root instance in list order.
   */
  requestHooks?: (app: FastifyInstance) => void;
  /** Its migrations by name (names carry the feature's number range; see docs/ARCHITECTURE.md). */
  migrations?: (engine: Engine) => Record<string, Migration>;
  /** Its per-process caches (see SharedCaches). */
  shared?: (db: Db, ttlMs: number) => Partial<SharedCaches>;
  /** Called after any change of published content (to mark what it derives from content stale). */
  contentChanged?: (db: Db) => void;
  /**
   * A module exporting `bulkLoad` (src/platform/bulk-load.ts): what it does before and after a
   * bulk load of content, such as a cable import, also on the import's worker thread.
   */
  bulkLoad?: BulkLoadModule;
  /**
   * Whether a member's account may be deleted, and what of this feature's rows about them go with it
   * (src/platform/account-removal.ts).
   */
  accountRemoval?: AccountRemovalCheck;
  /** Its background work: job handlers by kind and their schedules. */
  jobs?: (services: Services) => FeatureJobs;
  /** Its `broadsheet` commands (loaded only when the CLI runs). */
  commands?: () => Promise<Command[]>;
}
