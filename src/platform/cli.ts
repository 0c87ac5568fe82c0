/** The shape of a CLI command; features list theirs in their manifest and src/cli.ts runs them. */
import type { Db } from './db.ts';
import type { MigrationReport } from './migrations.ts';
import type { MigrationCatalogue } from './services.ts';

/** What src/cli.ts hands every command: the site's migrations (features name no other feature). */
export interface CommandContext {
  /** Applies every pending migration of every feature. */
  migrate(db: Db): Promise<MigrationReport>;
  migrations: MigrationCatalogue;
}

export interface Command {
  /** e.g. `cables import` */
  name: string;
  usage: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[], ctx: CommandContext): Promise<number>;
}

export class UsageError extends Error {}
