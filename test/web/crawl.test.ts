/**
 * Crawl test: as an anonymous visitor, a reader, an organisation's administrator and an editor,
 * chromium at phone width (390 px) follows every same-origin link from the home page and from
 * /admin (GET only, a bounded number of pages, never log-out, unsubscribe or one-time links) and
 * fails on any 5xx, any dead link, any page without a <title> and an <h1>, and any page wider
 * than the window.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite, listenLocal } from '../helpers.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, OUT } from '../browser.ts';
import { personas, type Persona } from './personas.ts';

let site: Awaited<ReturnType<typeof testSite>>;
let base: string;
let people: Persona[];

before(async () => {
  site = await testSite({ DEMO: '1', JOBS: '0' });
  base = await listenLocal(site);
  people = await personas(site.db.kysely, site.config);
  mkdirSync(OUT, { recursive: true });
});
after(() => site?.cleanup());

/** Pages per person, and visits per path shape (digits stand for any number). */
const MAX_PAGES = 60;
const MAX_PER_SHAPE = 2;

/** Links a crawler must not follow: they change state, spend a token or leave the HTML site. */
const SKIP = [
  /^\/logout/,
  /unsubscribe/,
  /^\/newsletter\/(?:confirm|manage|u)\//,
  /^\/verify\//,
  /^\/login\/magic\//,
  /^\/password\/reset\//,
  /^\/invitations?\//,
  /^\/ads\/\d+\/click/,
  /^\/(?:assets|feeds|sitemaps?)[/.]/,
  /^\/api\//,
  /\.(?:rss|atom|xml|txt|json|pdf|csv|png|svg|ico)(?:$|\?)/,
  /^\/cables\/[^/]+\/raw$/,
  /^\/(?:metrics|healthz|livez|readyz)$/,
];

function shape(path: string): string {
  return path.replace(/\d+/g, 'N');
}

interface Visit {
  url: string;
  status: number;
  title: string;
  h1: number;
  width: number;
  html: boolean;
  links: string[];
}

for (const who of ['anonymous', 'reader', 'organisation admin', 'editor'] as const) {
  test(
    `${who}: every page reachable from / and /admin answers, has a title and an h1, and fits 390 px (${ENGINE})`,
    { skip: NO_CHROMIUM },
    async (t) => {
      const person = people.find((p) => p.name === who)!;
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
        if (person.token)
          await context.addCookies([{ name: 'bs_session', value: person.token, url: base }]);
        // Only what the page itself is: no images, fonts or scripts from elsewhere slow the crawl.
        await context.route(/\/ads\/\d+\/(?:click|view)/, (r) => r.abort());
        const page = await context.newPage();
        const queue: string[] = ['/', '/admin'];
        const seen = new Set(queue);
        const shapes = new Map<string, number>();
        const problems: string[] = [];
        const from = new Map<string, string>();
        let visited = 0;
        while (queue.length && visited < MAX_PAGES) {
          const path = queue.shift()!;
          const s = shape(path.split('?')[0]) + (path.includes('?') ? '?' : '');
          if ((shapes.get(s) ?? 0) >= MAX_PER_SHAPE) continue;
          shapes.set(s, (shapes.get(s) ?? 0) + 1);
          visited++;
          const res = await page.goto(base + path, { waitUntil: 'load' });
          const status = res?.status() ?? 0;
          const html = /text\/html/.test(res?.headers()['content-type'] ?? '');
          const v: Visit = html
            ? ((await page.evaluate(`(() => ({
              title: document.title.trim(),
              h1: document.querySelectorAll('h1').length,
              width: document.documentElement.scrollWidth,
              links: Array.from(document.querySelectorAll('a[href]')).map((a) => a.href),
            }))()`)) as Visit)
            : ({ title: '', h1: 0, width: 0, links: [] } as unknown as Visit);
          const where = `${path}${from.has(path) ? ` (linked from ${from.get(path)})` : ''}`;
          if (status >= 500) problems.push(`${where}: ${status}`);
          else if (status === 404) problems.push(`${where}: 404, a dead link`);
          if (!html) continue;
          if (!v.title) problems.push(`${where}: no <title>`);
          if (v.h1 === 0) problems.push(`${where}: no <h1>`);
          if (v.width > 390) {
            // Name the widest element, and keep a picture of the page, to say what to fix.
            const culprit = await page.evaluate(`(() => {
            let worst = null, right = 0;
            for (const el of document.body.querySelectorAll('*')) {
              const r = el.getBoundingClientRect().right;
              if (r > right + 0.5) { right = r; worst = el; }
            }
            return worst ? worst.tagName.toLowerCase() + (worst.className ? '.' + String(worst.className).split(' ').join('.') : '') : '?';
          })()`);
            problems.push(`${where}: ${v.width} px wide at 390 px (widest: ${culprit})`);
            await page.screenshot({
              path: join(OUT, `crawl-wide-${ENGINE}-${visited}.png`),
              fullPage: true,
            });
          }
          for (const href of v.links) {
            let u: URL;
            try {
              u = new URL(href);
            } catch {
              continue;
            }
            if (u.origin !== base) continue;
            const next = u.pathname + u.search;
            if (seen.has(next) || SKIP.some((re) => re.test(next))) continue;
            seen.add(next);
            from.set(next, path);
            queue.push(next);
          }
        }
        t.diagnostic(`${who}: ${visited} pages visited, ${seen.size} links seen`);
        assert.ok(visited >= 10, `only ${visited} pages were reachable`);
        // Staff reach the partner feeds, and each feed's edit page, from /admin.
        if (who === 'editor')
          for (const re of [/^\/admin\/feeds$/, /^\/admin\/feeds\/\d+\/edit$/])
            assert.ok(
              [...shapes.keys()].some((s) => re.test(s.replace(/N/g, '1'))),
              `the editor reached ${re}`,
            );
        assert.deepEqual(problems, [], `${who}: ${problems.length} problems in ${visited} pages`);
      } finally {
        await browser.close();
      }
    },
  );
}
