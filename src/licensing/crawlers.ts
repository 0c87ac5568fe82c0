/**
 * Search engines recognised by where they connect from, not by what they call themselves. The
 * ranges are data (data/search-engines.json, or a refreshed copy in DATA_DIR); a client naming a
 * search engine in its User-Agent is that engine only from one of the engine's ranges. Refreshing
 * fetches each engine's published JSON list (https only, with a time and size limit).
 */
import { outboundFetch } from '../platform/outbound.ts';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CidrMatcher, parseCidr } from '../lib/cidr.ts';

export const SHIPPED_SEARCH_ENGINES = join(import.meta.dirname, 'data', 'search-engines.json');
export const SEARCH_ENGINES_FILE = 'search-engines.json';

const engineSchema = z.object({
  name: z.string().min(1),
  url: z.string().nullable(),
  source: z.string(),
  fetchedAt: z.string().nullable(),
  ranges: z.array(z.string()),
});
const fileSchema = z.object({
  about: z.array(z.string()).default([]),
  engines: z.array(engineSchema),
});
export type SearchEngineFile = z.infer<typeof fileSchema>;
export type SearchEngineEntry = z.infer<typeof engineSchema>;

/** Which engine names a client may use from which addresses. */
export class SearchEngineRanges {
  private byName = new Map<string, CidrMatcher<true>>();
  constructor(engines: ReadonlyArray<{ name: string; ranges: readonly string[] }>) {
    for (const e of engines) {
      const m = this.byName.get(e.name) ?? new CidrMatcher<true>();
      for (const r of e.ranges) m.add(r, true);
      this.byName.set(e.name, m);
    }
  }
  /** True when `ip` lies in one of the published ranges of the engine called `name`. */
  verifies(name: string, ip: string): boolean {
    return this.byName.get(name)?.has(ip) ?? false;
  }
}

/** Parses and checks a ranges file; every range must be a valid CIDR no wider than /8 (/19 for IPv6). */
export function parseSearchEngineFile(text: string): SearchEngineFile {
  const f = fileSchema.parse(JSON.parse(text));
  for (const e of f.engines) {
    for (const r of e.ranges) {
      const p = parseCidr(r);
      if (!p.ok) throw new Error(`${e.name}: ${r} is not a network range (${p.error})`);
      if (
        (p.value.family === 4 && p.value.prefix < 8) ||
        (p.value.family === 6 && p.value.prefix < 19)
      )
        throw new Error(`${e.name}: ${r} is too wide`);
    }
  }
  return f;
}

/** The refreshed copy in DATA_DIR when there is one, else the file shipped with the code. */
export function searchEnginesPath(dataDir: string): string {
  const local = join(dataDir, SEARCH_ENGINES_FILE);
  return existsSync(local) ? local : SHIPPED_SEARCH_ENGINES;
}

/**
 * The ranges of a data directory, re-read when the file changes (checked at most every `checkMs`).
 * A file that cannot be read or parsed keeps the ranges loaded before (or the shipped ones).
 */
export function searchEngineSource(
  dataDir: string,
  checkMs = 60_000,
  onError?: (err: unknown) => void,
): () => SearchEngineRanges {
  let current: SearchEngineRanges | null = null;
  let stamp = '';
  let checkedAt = 0;
  const load = (path: string) =>
    new SearchEngineRanges(parseSearchEngineFile(readFileSync(path, 'utf8')).engines);
  return () => {
    const now = Date.now();
    if (current && now - checkedAt < checkMs) return current;
    checkedAt = now;
    const path = searchEnginesPath(dataDir);
    try {
      const st = statSync(path);
      const s = `${path}|${st.mtimeMs}|${st.size}`;
      if (s !== stamp || !current) {
        current = load(path);
        stamp = s;
      }
    } catch (err) {
      onError?.(err);
      if (!current) current = load(SHIPPED_SEARCH_ENGINES);
    }
    return current;
  };
}

/**
 * The ranges in an engine's published list. The engines publish `{ "creationTime", "prefixes":
 * [{ "ipv4Prefix": "…" } | { "ipv6Prefix": "…" }] }`; a plain array of CIDR strings is accepted too.
 */
export function parsePublishedList(body: string): {
  ranges: string[];
  creationTime: string | null;
} {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('the list is not JSON');
  }
  let raw: unknown[];
  let creationTime: string | null = null;
  if (Array.isArray(json)) raw = json;
  else if (
    json &&
    typeof json === 'object' &&
    Array.isArray((json as { prefixes?: unknown }).prefixes)
  ) {
    const o = json as { prefixes: unknown[]; creationTime?: unknown };
    raw = o.prefixes.map((p) =>
      p && typeof p === 'object'
        ? ((p as Record<string, unknown>).ipv4Prefix ?? (p as Record<string, unknown>).ipv6Prefix)
        : p,
    );
    if (typeof o.creationTime === 'string') creationTime = o.creationTime;
  } else throw new Error('the list has no "prefixes"');
  const ranges: string[] = [];
  for (const r of raw) {
    if (typeof r !== 'string') throw new Error('an entry of the list is not a range');
    const p = parseCidr(r.trim());
    if (!p.ok) throw new Error(`${r} is not a network range (${p.error})`);
    if (
      (p.value.family === 4 && p.value.prefix < 8) ||
      (p.value.family === 6 && p.value.prefix < 19)
    )
      throw new Error(`${p.value.cidr} is too wide to be a crawler's range`);
    ranges.push(p.value.cidr);
  }
  if (ranges.length === 0) throw new Error('the list is empty');
  return { ranges: [...new Set(ranges)], creationTime };
}

export type ListFetcher = (url: string) => Promise<string>;

export const LIST_LIMITS = { timeoutMs: 15_000, maxBytes: 1024 * 1024 };

/**
 * GET over https through the site's one outbound fetch (public addresses only, checked after DNS
 * and on every redirect hop), with a time limit for the whole exchange and a size cap.
 */
export async function fetchPublishedList(url: string, limits = LIST_LIMITS): Promise<string> {
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new Error(`refused ${u.protocol} (https only)`);
  const res = await outboundFetch(u.href, {
    headers: { accept: 'application/json', 'user-agent': 'Broadsheet crawler ranges' },
    timeoutMs: limits.timeoutMs,
    maxBytes: limits.maxBytes,
    maxRedirects: 3,
  });
  if (!res.url.startsWith('https:'))
    throw new Error('it redirects to an address that is not https://');
  if (res.status !== 200) throw new Error(`the server answered ${res.status}`);
  return res.body.toString('utf8');
}

export interface RefreshReport {
  file: SearchEngineFile;
  lines: string[];
  failures: number;
  /** Engines whose list was fetched and read. */
  refreshed: number;
}

/** A fetch error in words: undici's "fetch failed" hides the reason in `cause`. */
function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/**
 * Fetches every engine's list. An engine whose list cannot be fetched or read keeps the ranges it
 * had, and the report says why; an engine without a list is left as it is.
 */
export async function refreshSearchEngines(
  file: SearchEngineFile,
  fetcher: ListFetcher,
  now: Date,
): Promise<RefreshReport> {
  const lines: string[] = [];
  let failures = 0;
  let refreshed = 0;
  const engines: SearchEngineEntry[] = [];
  for (const e of file.engines) {
    if (!e.url) {
      engines.push(e);
      lines.push(`${e.name}: no published list; ${e.ranges.length} range(s) kept.`);
      continue;
    }
    try {
      const { ranges, creationTime } = parsePublishedList(await fetcher(e.url));
      const when = now.toISOString();
      engines.push({
        ...e,
        ranges,
        fetchedAt: when,
        source: `Fetched from ${e.url} on ${when}${creationTime ? ` (list created ${creationTime})` : ''}.`,
      });
      lines.push(`${e.name}: ${ranges.length} range(s) from ${e.url}.`);
      refreshed++;
    } catch (err) {
      failures++;
      engines.push(e);
      lines.push(
        `${e.name}: could not refresh from ${e.url}: ${reason(err)}; ${e.ranges.length} range(s) kept.`,
      );
    }
  }
  return { file: { ...file, engines }, lines, failures, refreshed };
}

/** Writes the file whole or not at all (temporary file, then rename). */
export function writeSearchEngineFile(path: string, file: SearchEngineFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n');
  renameSync(tmp, path);
}
