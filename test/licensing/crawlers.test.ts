/**
 * Search-engine ranges: the shipped data is honest and valid, published lists are read strictly,
 * and `broadsheet crawlers refresh` replaces an engine's ranges only with a list it could read.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SHIPPED_SEARCH_ENGINES,
  SearchEngineRanges,
  fetchPublishedList,
  parsePublishedList,
  parseSearchEngineFile,
  searchEngineSource,
} from '../../src/licensing/crawlers.ts';
import { SEARCH_ENGINES } from '../../src/licensing/agents.ts';
import { crawlerLists, orgsCommands } from '../../src/licensing/cli.ts';
import { commandContext } from '../../src/features.ts';

describe('search-engine ranges', () => {
  test('the shipped file names every search engine, says where each list comes from, and seeds only documented ranges', () => {
    const f = parseSearchEngineFile(readFileSync(SHIPPED_SEARCH_ENGINES, 'utf8'));
    const names = new Set(f.engines.map((e) => e.name));
    for (const [, name] of SEARCH_ENGINES) assert.ok(names.has(name), `${name} is listed`);
    for (const e of f.engines) {
      assert.ok(e.source.length > 0, `${e.name} says where its ranges come from`);
      if (e.url) assert.match(e.url, /^https:\/\//, `${e.name} list is fetched over https`);
      if (e.fetchedAt === null)
        assert.doesNotMatch(e.source, /^Fetched/, `${e.name} is not claimed to be fetched`);
    }
    assert.match(f.about.join(' '), /broadsheet crawlers refresh/);
    const google = f.engines.find((e) => e.name === 'Googlebot')!;
    assert.deepEqual(google.ranges, ['66.249.64.0/19']);
  });

  test('a name is believed only inside its own ranges', () => {
    const r = new SearchEngineRanges([
      { name: 'Googlebot', ranges: ['66.249.64.0/19', '2001:4860:4801::/48'] },
      { name: 'Bingbot', ranges: ['157.55.39.0/24'] },
    ]);
    assert.equal(r.verifies('Googlebot', '66.249.66.1'), true);
    assert.equal(r.verifies('Googlebot', '2001:4860:4801:10::1'), true);
    assert.equal(r.verifies('Googlebot', '66.249.96.0'), false);
    assert.equal(r.verifies('Googlebot', '157.55.39.1'), false);
    assert.equal(r.verifies('Bingbot', '157.55.39.1'), true);
    assert.equal(r.verifies('YandexBot', '66.249.66.1'), false);
    assert.equal(r.verifies('Googlebot', 'not an address'), false);
  });

  test('published lists are read strictly', () => {
    const list = JSON.stringify({
      creationTime: '2026-11-30T00:00:00',
      prefixes: [
        { ipv4Prefix: '66.249.64.0/27' },
        { ipv6Prefix: '2001:4860:4801:10::/64' },
        { ipv4Prefix: '66.249.64.0/27' },
      ],
    });
    assert.deepEqual(parsePublishedList(list), {
      ranges: ['66.249.64.0/27', '2001:4860:4801:10::/64'],
      creationTime: '2026-11-30T00:00:00',
    });
    assert.deepEqual(parsePublishedList('["192.0.2.0/24"]').ranges, ['192.0.2.0/24']);
    assert.throws(() => parsePublishedList('<html>'), /not JSON/);
    assert.throws(() => parsePublishedList('{"prefixes": []}'), /empty/);
    assert.throws(
      () => parsePublishedList('{"prefixes": [{"ipv4Prefix": "0.0.0.0/0"}]}'),
      /too wide/,
    );
    assert.throws(
      () => parsePublishedList('{"prefixes": [{"ipv4Prefix": "66.249.64.0/33"}]}'),
      /not a network range/,
    );
    assert.throws(() => parsePublishedList('{"other": 1}'), /prefixes/);
  });

  test('only https lists are fetched', async () => {
    await assert.rejects(fetchPublishedList('http://example.com/list.json'), /https only/);
    await assert.rejects(fetchPublishedList('file:///etc/passwd'), /https only/);
  });

  test('`crawlers refresh` writes fetched lists and keeps the ranges of lists it could not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broadsheet-crawlers-'));
    const saved = { fetch: crawlerLists.fetch, dataDir: process.env.DATA_DIR, log: console.log };
    const out: string[] = [];
    try {
      process.env.DATA_DIR = dir;
      console.log = (...a: unknown[]) => void out.push(a.join(' '));
      const asked: string[] = [];
      crawlerLists.fetch = async (url) => {
        asked.push(url);
        if (url.includes('googlebot'))
          return JSON.stringify({
            creationTime: '2026-12-01T00:00:00',
            prefixes: [{ ipv4Prefix: '66.249.64.0/27' }, { ipv4Prefix: '192.178.4.0/27' }],
          });
        if (url.includes('bing')) return '{"prefixes": "nope"}';
        throw new Error('the server answered 503');
      };
      const cmd = orgsCommands.find((c) => c.name === 'crawlers refresh')!;
      // Every list unreachable: nothing is written (a copy would hide later updates of the shipped file).
      const working = crawlerLists.fetch;
      crawlerLists.fetch = async () => {
        throw Object.assign(new Error('fetch failed'), { cause: { code: 'ENOTFOUND' } });
      };
      assert.equal(await cmd.run([], commandContext), 1);
      assert.match(
        out.join('\n'),
        /Googlebot: could not refresh from https:\/\/\S+: fetch failed \(ENOTFOUND\)/,
      );
      assert.equal(existsSync(join(dir, 'search-engines.json')), false);
      crawlerLists.fetch = working;
      const code = await cmd.run([], commandContext);
      assert.equal(code, 1, 'some lists failed');
      assert.ok(asked.every((u) => u.startsWith('https://')));
      const written = parseSearchEngineFile(readFileSync(join(dir, 'search-engines.json'), 'utf8'));
      const google = written.engines.find((e) => e.name === 'Googlebot')!;
      assert.deepEqual(google.ranges, ['66.249.64.0/27', '192.178.4.0/27']);
      assert.ok(google.fetchedAt);
      assert.match(
        google.source,
        /^Fetched from https:\/\/developers\.google\.com\/.* \(list created 2026-12-01T00:00:00\)\.$/,
      );
      const bing = written.engines.find((e) => e.name === 'Bingbot')!;
      assert.equal(bing.fetchedAt, null, 'an unreadable list leaves the engine as it was');
      assert.match(out.join('\n'), /Bingbot: could not refresh/);
      // The site reads the refreshed copy in DATA_DIR.
      const ranges = searchEngineSource(dir)();
      assert.equal(ranges.verifies('Googlebot', '192.178.4.1'), true);
      assert.equal(ranges.verifies('Googlebot', '66.249.66.1'), false);
      // A broken copy keeps what was loaded before.
      writeFileSync(join(dir, 'search-engines.json'), '{');
      const errors: unknown[] = [];
      const src = searchEngineSource(dir, 0, (e) => errors.push(e));
      assert.equal(
        src().verifies('Googlebot', '66.249.66.1'),
        true,
        'falls back to the shipped ranges',
      );
      assert.equal(errors.length, 1);
    } finally {
      crawlerLists.fetch = saved.fetch;
      console.log = saved.log;
      if (saved.dataDir === undefined) delete process.env.DATA_DIR;
      else process.env.DATA_DIR = saved.dataDir;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
