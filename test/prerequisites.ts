/**
 * What a test needs from the machine (chromium, the shared cable corpus, openssl, a network
 * address) and what happens when it is missing. On a developer's fresh clone such a test is
 * skipped with a message saying what to install; in CI (CI=1, set by .ci/run) every test has to
 * run, so a missing prerequisite fails the run instead of passing it quietly.
 *
 * Kept free of application imports, so unit tests can use it without loading the site.
 */
import type { TestContext } from 'node:test';
import { resolve } from 'node:path';

/** The engine under test: PostgreSQL when DATABASE_URL is set (CI's second run), else SQLite. */
export const ENGINE: 'sqlite' | 'postgres' = process.env.DATABASE_URL ? 'postgres' : 'sqlite';
export const REPO_ROOT = resolve(import.meta.dirname, '..');
/** The shared cable data (read only); `SHARED_CABLES` points elsewhere when the tree is not beside it. */
export const SHARED_CABLES =
  process.env.SHARED_CABLES || resolve(REPO_ROOT, '..', 'shared', 'cables');
/** True in CI, where no test may be skipped for something the machine lacks. */
export const IN_CI = !!process.env.CI && process.env.CI !== '0' && process.env.CI !== 'false';

/** Raised in CI instead of skipping. */
export class MissingPrerequisite extends Error {
  constructor(reason: string) {
    super(`CI=1 runs every test, but this one's prerequisite is missing: ${reason}`);
    this.name = 'MissingPrerequisite';
  }
}

/**
 * The `skip` option for a test that needs something: false when `available`, else `reason` (the
 * test is skipped with that message). In CI a missing prerequisite throws while the file loads,
 * which fails the file.
 */
export function requires(available: unknown, reason: string): string | false {
  if (available) return false;
  if (IN_CI) throw new MissingPrerequisite(reason);
  return reason;
}

/**
 * For a check inside a running test: true when the prerequisite is missing and the test has
 * been marked skipped (the caller returns); in CI it throws, failing the test.
 */
export function skipWithout(t: TestContext, available: unknown, reason: string): boolean {
  if (available) return false;
  if (IN_CI) throw new MissingPrerequisite(reason);
  t.skip(reason);
  return true;
}
