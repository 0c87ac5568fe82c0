/**
 * The services every feature shares (configuration, database, mail, per-process caches, the
 * clock), set once on the root Fastify instance as typed decorators by `servicesPlugin`.
 *
 * The platform names no feature: the caches and the options features need are interfaces that
 * each feature extends by declaration merging (stories adds `sections` to `SharedCaches`,
 * members adds `passwordParams` to `ServiceOptions`).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Migration } from 'kysely';
import type { Config } from '../config.ts';
import type { Db, Engine } from './db.ts';
import type { Mailer } from './mail.ts';
import type { AccountRemovalView } from './account-removal.ts';

/**
 * Per-process, seconds-long caches of what every page shows (see cache.ts). Each feature adds its
 * own entries (`declare module '../platform/services.ts' { interface SharedCaches { … } }`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SharedCaches {}

/** A shared cache: read through, forgotten after a change. */
export interface SharedCache<T> {
  get(): Promise<T>;
  clear(): void;
}

/** What tests may set that configuration does not. Features add their own options here. */
export interface ServiceOptions {
  /** The clock of time-based limits (members' mail per address); tests move it. */
  clock?: () => Date;
}

/** Every feature's migrations for an engine, by name (assembled from the feature list). */
export type MigrationCatalogue = (engine: Engine) => Record<string, Migration>;

export interface Services extends ServiceOptions {
  config: Config;
  db: Db;
  /** Per-process, seconds-long caches of what every page shows. */
  shared: SharedCaches;
  /** Outgoing mail (SMTP, or the file outbox). */
  mailer: Mailer;
  /**
   * Called after any change of published content: features that keep derived copies (the stored
   * sitemaps and feeds) mark them stale. Assembled from the feature list.
   */
  contentChanged?: () => void;
  /**
   * Whether a member's account may be deleted and what goes with it, from every feature
   * (src/platform/account-removal.ts). Assembled from the feature list.
   */
  accountRemoval?: (memberId: number) => Promise<AccountRemovalView>;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    shared: SharedCaches;
    mailer: Mailer;
    /** Every migration this build knows (readiness reports the ones not applied). */
    migrations: MigrationCatalogue;
    contentChanged: () => void;
    accountRemoval: (memberId: number) => Promise<AccountRemovalView>;
    /** Test-settable options (clock, password hash cost): see ServiceOptions. */
    serviceOptions: ServiceOptions;
  }
}

export const SERVICES_PLUGIN = 'broadsheet-services';

/** Sets the shared services on the root instance; every feature plugin depends on it. */
export const servicesPlugin = fp(
  async (
    app: FastifyInstance,
    services: Services & {
      migrations: MigrationCatalogue;
      contentChanged: () => void;
      accountRemoval: (memberId: number) => Promise<AccountRemovalView>;
    },
  ) => {
    const { config, db, shared, mailer, migrations, contentChanged, accountRemoval, ...options } =
      services;
    app.decorate('config', config);
    app.decorate('db', db);
    app.decorate('shared', shared);
    app.decorate('mailer', mailer);
    app.decorate('migrations', migrations);
    app.decorate('contentChanged', contentChanged);
    app.decorate('accountRemoval', accountRemoval);
    app.decorate('serviceOptions', options);
  },
  { name: SERVICES_PLUGIN, fastify: '5.x' },
);

/** The shared services as one value, for code that hands them on (jobs, helpers, route factories). */
export function servicesOf(app: FastifyInstance): Services {
  return {
    ...app.serviceOptions,
    config: app.config,
    db: app.db,
    shared: app.shared,
    mailer: app.mailer,
    contentChanged: app.contentChanged,
    accountRemoval: app.accountRemoval,
  };
}
