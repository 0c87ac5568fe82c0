/**
 * Sphinx as the peer of the search bench (`npm run bench -- search --vs sphinx`). Nothing is
 * installed here: when Debian's `sphinxsearch` is present (`indexer`, `searchd` on the PATH) the
 * cables of the bench's own database are written as a tsvpipe source (title and body as fields,
 * origin, classification, year, month and the tags as attributes), indexed with English stemming
 * and word prefixes, and served by `searchd` on a free local port, asked through SphinxQL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../src/platform/db.ts';
import { freePort } from '../test/helpers.ts';
import { CableColumns } from '../src/search/columns.ts';
import { canonicalClassifications } from '../src/search/query.ts';

/** The install hint printed when Sphinx is missing. */
export const SPHINX_INSTALL =
  "Sphinx is not installed: `apt-get install -y sphinxsearch` (Debian's package provides `indexer` and `searchd`), then run this bench again.";

/** True when Debian's sphinxsearch tools are on the PATH. */
export function sphinxInstalled(): boolean {
  return ['indexer', 'searchd'].every(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0,
  );
}

/** Ids the bench's queries use for attribute values (Sphinx filters and counts integers). */
export interface SphinxDictionary {
  origins: string[];
  /** Station code of each origin (`LIMA`), for filter values that name the station. */
  stations: string[];
  classes: string[];
  tags: string[];
}

function dictionaryId(list: string[], index: Map<string, number>, value: string): number {
  let i = index.get(value);
  if (i === undefined) {
    i = list.length + 1; // 0 is "none" in Sphinx attributes
    list.push(value);
    index.set(value, i);
  }
  return i;
}

/** A field for a tsvpipe row: Sphinx reads tabs and line ends as separators, so they become spaces. */
function tsvText(s: string | null): string {
  return (s ?? '').replace(/[\t\r\n\\]/g, ' ');
}

/**
 * Writes every cable of `db` as tsvpipe rows (id, title, body, origin_id, class_id, year, month,
 * tags) and returns the attribute dictionaries and the number of rows.
 */
export async function writeSphinxSource(
  db: Db,
  file: string,
): Promise<{ dict: SphinxDictionary; rows: number }> {
  const dict: SphinxDictionary = { origins: [], stations: [], classes: [], tags: [] };
  const idx = { origins: new Map(), classes: new Map(), tags: new Map() } as Record<
    keyof SphinxDictionary,
    Map<string, number>
  >;
  const out = createWriteStream(file);
  const k = db.kysely;
  const maxId = Number(
    (await sql<{ m: number | null }>`select max(id) as m from cables`.execute(k)).rows[0]?.m ?? 0,
  );
  let rows = 0;
  for (let from = 0; from < maxId; from += 5000) {
    const part = await k
      .selectFrom('cables')
      .select([
        'id',
        'title',
        'body',
        'origin',
        'station',
        'classification',
        'year',
        'created',
        'tags',
      ])
      .where('id', '>', from)
      .where('id', '<=', from + 5000)
      .orderBy('id')
      .execute();
    let chunk = '';
    for (const r of part) {
      const tagIds = String(r.tags ?? '')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((t) => dictionaryId(dict.tags, idx.tags, t));
      const month =
        Number(String(r.created).slice(0, 4)) * 12 + Number(String(r.created).slice(5, 7)) - 1;
      const origin = dictionaryId(dict.origins, idx.origins, r.origin as string);
      dict.stations[origin - 1] ??= r.station as string;
      chunk +=
        [
          r.id,
          tsvText(r.title as string | null),
          tsvText(r.body as string | null),
          origin,
          dictionaryId(dict.classes, idx.classes, r.classification as string),
          r.year,
          month,
          [...new Set(tagIds)].join(','),
        ].join('\t') + '\n';
      rows++;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { dict, rows };
}

/** sphinx.conf for one index of the cables, served on `port` (SphinxQL only). */
export function sphinxConf(dir: string, port: number): string {
  return `source cables
{
  type = tsvpipe
  tsvpipe_command = cat ${join(dir, 'cables.tsv')}
  tsvpipe_field = title
  tsvpipe_field = body
  tsvpipe_attr_uint = origin_id
  tsvpipe_attr_uint = class_id
  tsvpipe_attr_uint = year
  tsvpipe_attr_uint = month
  tsvpipe_attr_multi = tags
}

index cables
{
  source = cables
  path = ${join(dir, 'cables')}
  docinfo = extern
  dict = keywords
  morphology = stem_en
  min_prefix_len = 3
  min_word_len = 1
}

indexer
{
  mem_limit = 512M
}

searchd
{
  listen = 127.0.0.1:${port}:mysql41
  log = ${join(dir, 'searchd.log')}
  pid_file = ${join(dir, 'searchd.pid')}
  binlog_path =
  workers = threads
  max_children = 16
}
`;
}

export interface SphinxIndex {
  dir: string;
  dict: SphinxDictionary;
  rows: number;
  /** Seconds spent writing the source and running `indexer` (0 when an earlier index was reused). */
  sourceSeconds: number;
  indexSeconds: number;
}

/**
 * The Sphinx index of `db`'s cables in `dir`: reused when an earlier run indexed the same cables
 * (same count and largest id, kept in dir/stamp.json), otherwise written and indexed again.
 */
export async function sphinxIndex(db: Db, dir: string): Promise<SphinxIndex> {
  mkdirSync(dir, { recursive: true });
  const { rows } = await sql<{ n: number | string; m: number | string | null }>`
    select count(*) as n, max(id) as m from cables`.execute(db.kysely);
  const stamp = { format: 2, count: Number(rows[0]?.n ?? 0), maxId: Number(rows[0]?.m ?? 0) };
  const stampFile = join(dir, 'stamp.json');
  if (existsSync(stampFile) && existsSync(join(dir, 'cables.spa'))) {
    const kept = JSON.parse(readFileSync(stampFile, 'utf8')) as typeof stamp & {
      dict: SphinxDictionary;
    };
    if (kept.format === stamp.format && kept.count === stamp.count && kept.maxId === stamp.maxId)
      return { dir, dict: kept.dict, rows: kept.count, sourceSeconds: 0, indexSeconds: 0 };
  }
  const t0 = performance.now();
  const source = await writeSphinxSource(db, join(dir, 'cables.tsv'));
  const t1 = performance.now();
  writeFileSync(join(dir, 'sphinx.conf'), sphinxConf(dir, 9306));
  const r = spawnSync('indexer', ['--config', join(dir, 'sphinx.conf'), '--all'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`indexer failed:\n${r.stdout}\n${r.stderr}`);
  const t2 = performance.now();
  writeFileSync(stampFile, JSON.stringify({ ...stamp, dict: source.dict }));
  return {
    dir,
    dict: source.dict,
    rows: source.rows,
    sourceSeconds: (t1 - t0) / 1000,
    indexSeconds: (t2 - t1) / 1000,
  };
}

export interface SphinxServer {
  port: number;
  child: ChildProcess;
  /** Resident set size of searchd, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** Starts `searchd` in the foreground on a free port and waits until SphinxQL answers. */
export async function startSearchd(index: SphinxIndex): Promise<SphinxServer> {
  const port = await freePort();
  const conf = join(index.dir, 'searchd.conf');
  writeFileSync(conf, sphinxConf(index.dir, port));
  const child = spawn('searchd', ['--config', conf, '--console'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const mysql = await import('mysql2/promise');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port });
      await c.query('SHOW STATUS');
      await c.end();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error('searchd did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    port,
    child,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A bench query (`/api/search?q=…&origin=…`) as SphinxQL with the same facets, or an error. */
export function sphinxQuery(url: string, dict: SphinxDictionary): string | { error: string } {
  const params = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const q = params.get('q') ?? '';
  // The bench's query text is words, one quoted phrase or one prefix: SphinxQL's extended syntax
  // reads all three the same way (words are ANDed). Quotes stay; other specials are escaped.
  const match = q.replace(/[\\'()|\-!@~/^$<=&]/g, (c) => `\\\\${c}`);
  const where = [`MATCH('${match}')`];
  // The filter values name the same cables as Broadsheet's filters: an origin by its name, place
  // or station (every origin so named), a classification level with its caveated markings.
  const origins = new CableColumns();
  dict.origins.forEach((origin, i) =>
    origins.set(i, {
      origin,
      station: dict.stations[i] ?? '',
      classification: '',
      created: '',
      tags: '',
    }),
  );
  for (const [key, value] of params) {
    if (key === 'q') continue;
    let ids: number[] = [];
    if (key === 'origin') ids = origins.originIds(value).map((i) => i + 1);
    else if (key === 'classification') {
      const marks = canonicalClassifications(value) ?? [];
      ids = dict.classes.flatMap((c, i) => ((marks as string[]).includes(c) ? [i + 1] : []));
    } else if (key === 'tag') {
      const i = dict.tags.indexOf(value.toUpperCase());
      if (i >= 0) ids = [i + 1];
    } else if (key === 'year' && /^\d{4}$/.test(value)) ids = [Number(value)];
    else return { error: `the Sphinx bench does not translate ${key}=${value}` };
    if (!ids.length) return { error: `no ${key} ${value} in the Sphinx index` };
    const attr =
      key === 'origin'
        ? 'origin_id'
        : key === 'classification'
          ? 'class_id'
          : key === 'tag'
            ? 'tags'
            : 'year';
    where.push(`${attr} IN (${ids.join(',')})`);
  }
  return (
    `SELECT id FROM cables WHERE ${where.join(' AND ')} LIMIT 20 OPTION ranker=bm25, max_matches=1000` +
    ' FACET origin_id ORDER BY COUNT(*) DESC LIMIT 30' +
    ' FACET class_id ORDER BY COUNT(*) DESC LIMIT 30' +
    ' FACET tags ORDER BY COUNT(*) DESC LIMIT 30' +
    ' FACET year ORDER BY COUNT(*) DESC LIMIT 100' +
    ' FACET month ORDER BY month ASC LIMIT 1000'
  );
}
