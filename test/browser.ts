/**
 * Browser tests drive Debian's chromium with playwright-core; every browser test launches it the
 * same way and saves its screenshots under test-output/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, requires } from './prerequisites.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];
export const OUT = join(REPO_ROOT, 'test-output');
/** The `skip` option of a browser test: false when chromium is there (see test/prerequisites.ts). */
export const NO_CHROMIUM: string | false = requires(
  existsSync(CHROMIUM),
  `${CHROMIUM} is not installed (apt-get install chromium)`,
);
