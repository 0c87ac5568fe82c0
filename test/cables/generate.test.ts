import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCables, STATIONS, writeGeneratedCsv } from '../../tools/generate-cables.ts';
import { csvDateToIso, readAllCables } from '../../src/cables/readers.ts';
import type { RawCable } from '../../src/cables/parse/types.ts';
import { requires } from '../prerequisites.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared', 'cables');
const tablesPath = path.join(shared, 'tables.json');

const tmp = mkdtempSync(path.join(tmpdir(), 'cable-gen-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

async function readGenerated(
  count: number,
  seed: number,
): Promise<{ text: string; cables: RawCable[] }> {
  const file = path.join(tmp, `g-${count}-${seed}.csv`);
  await writeGeneratedCsv(file, { count, seed });
  const items = await readAllCables(file);
  const cables = items.map((it) => {
    if (!it.ok) assert.fail(it.error);
    return it.raw;
  });
  return { text: readFileSync(file, 'utf8'), cables };
}

test('same seed gives the same bytes; another seed gives others', async () => {
  const a = [...generateCables({ count: 300, seed: 42 })].join('');
  const b = [...generateCables({ count: 300, seed: 42 })].join('');
  const c = [...generateCables({ count: 300, seed: 43 })].join('');
  assert.equal(sha(a), sha(b));
  assert.notEqual(sha(a), sha(c));
  // A prefix of a longer run is not required to match (dates are spread over `count`), but the
  // file writer must produce exactly the generator's rows.
  const file = path.join(tmp, 'det.csv');
  const res = await writeGeneratedCsv(file, { count: 300, seed: 42 });
  assert.equal(res.rows, 300);
  assert.equal(res.bytes, Buffer.byteLength(a));
  assert.equal(sha(readFileSync(file)), sha(a));
});

test('rows parse back: sequential ids, chronological dates, consistent headers', async () => {
  const { text, cables } = await readGenerated(2000, 1);
  assert.equal(cables.length, 2000);
  const lines = text.split('\n');
  assert.ok(lines[0].startsWith('"1","12/28/1966 18:48","66BUENOSAIRES'));
  let prev = '';
  const seen = new Set<string>();
  const months = [
    'JAN',
    'FEB',
    'MAR',
    'APR',
    'MAY',
    'JUN',
    'JUL',
    'AUG',
    'SEP',
    'OCT',
    'NOV',
    'DEC',
  ];
  cables.forEach((c, i) => {
    assert.equal(c.source, `g-2000-1.csv row ${i + 1}`);
    const iso = csvDateToIso(c.created!);
    assert.ok(iso, c.created);
    assert.ok(iso >= prev, `row ${i + 1} out of order`);
    assert.ok(iso >= '1966-12-28T18:48:00Z' && iso <= '2010-02-28T23:59:00Z', iso);
    prev = iso;
    const m = /^(\d{2})([A-Z]+?)(\d+)$/.exec(c.referenceId!);
    assert.ok(m, c.referenceId);
    assert.equal(m[1], iso.slice(2, 4));
    assert.ok(!seen.has(c.referenceId!), `duplicate id ${c.referenceId}`);
    for (const r of c.references!)
      assert.ok(seen.has(r), `${c.referenceId} refers to ${r}, not an earlier cable`);
    assert.ok(c.references!.length <= 5);
    seen.add(c.referenceId!);
    if (c.header) {
      // The DTG equals the created column.
      const dtg = /^[ZOPR](?: [ZOPR])? (\d{2})(\d{2})(\d{2})Z ([A-Z]{3}) (\d{2})$/m.exec(c.header);
      assert.ok(dtg, c.header);
      assert.equal(`${dtg[1]}T${dtg[2]}:${dtg[3]}`, `${iso.slice(8, 10)}T${iso.slice(11, 16)}`);
      assert.equal(months.indexOf(dtg[4]) + 1, Number(iso.slice(5, 7)));
      assert.match(c.header, /^FM [A-Z]/m);
    }
    assert.match(
      c.body,
      /^(UNCLAS|UNCLASSIFIED|CONFIDENTIAL|SECRET|C O N F I D E N T I A L|S E C R E T)\b/,
    );
    assert.match(c.body, /^TAGS:? [A-Z]{2,4}/m);
    assert.match(c.body, /^SUBJECT: \S/m);
    assert.match(c.body, /^E\.?O\.? \d{5}/m);
  });
});

test('realistic shape: classification mix, modern cables, captions and sizes', async () => {
  const { text, cables } = await readGenerated(3000, 5);
  const counts = new Map<string, number>();
  for (const c of cables) counts.set(c.classification!, (counts.get(c.classification!) ?? 0) + 1);
  const share = (p: string) =>
    [...counts].filter(([k]) => k.startsWith(p)).reduce((a, [, n]) => a + n, 0) / cables.length;
  assert.ok(Math.abs(share('UNCLASSIFIED') - 0.53) < 0.04, `unclassified ${share('UNCLASSIFIED')}`);
  assert.ok(
    Math.abs(share('CONFIDENTIAL') - 0.405) < 0.04,
    `confidential ${share('CONFIDENTIAL')}`,
  );
  assert.ok(Math.abs(share('SECRET') - 0.062) < 0.02, `secret ${share('SECRET')}`);
  assert.ok(
    (counts.get('SECRET//NOFORN') ?? 0) > 0 &&
      (counts.get('UNCLASSIFIED//FOR OFFICIAL USE ONLY') ?? 0) > 0,
  );

  const recent = cables.filter((c) => Number(csvDateToIso(c.created!)!.slice(0, 4)) >= 2004).length;
  assert.ok(recent / cables.length > 0.8, `only ${recent} cables from 2004 on`);
  const origins = new Map<string, number>();
  for (const c of cables) origins.set(c.origin!, (origins.get(c.origin!) ?? 0) + 1);
  const top = [...origins]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([o]) => o);
  assert.ok(top.includes('Secretary of State') && top.includes('Embassy Ankara'), top.join(', '));
  assert.ok(origins.size > 50);

  for (const c of cables) {
    if (c.classification!.startsWith('UNCLASSIFIED')) continue;
    const year = Number(csvDateToIso(c.created!)!.slice(0, 4));
    assert.match(c.body, /(Classified By|CLASSIFIED BY):? [\s\S]{0,140}?1\.[45]/i, c.referenceId);
    if (year >= 1995) assert.match(c.body, /^E\.?O\.? 12958:? DECL: \d/m, c.referenceId);
  }
  const modern = cables.filter((c) => c.header!.startsWith('VZCZC'));
  assert.ok(modern.length > cables.length * 0.85);
  for (const c of modern.slice(0, 200)) {
    assert.match(c.header!, /^VZCZC[A-Z]{3}\d{4}\n(ZZ|OO|PP|RR) R[A-Z]+/);
    assert.match(c.header!, /\nDE R[A-Z]+ #\d{4}(\/01)? \d{7}\n/);
    assert.match(c.header!, /\nTO (RUEHC\/SECSTATE WASHDC|R[A-Z]+\/\S)/);
  }
  const withRefs = cables.filter((c) => c.references!.length > 0);
  assert.ok(withRefs.length > cables.length * 0.4);
  assert.ok(withRefs.some((c) => /^REF: A\. .+\n {5}B\. /m.test(c.body)));
  assert.ok(
    cables.some((c) => /SECTION 01 OF 0[2-9]/.test(c.body) && /\d{8} {2}002 OF 0\d\d/.test(c.body)),
  );
  assert.ok(cables.some((c) => /Summary: .*/.test(c.body) && /End Summary\./.test(c.body)));
  assert.ok(text.includes('\\"') && text.includes("\\'"), 'quotes are escaped in the dump style');

  // Sizes: log-normal, ≈6.3 KB per row on average (251,287 rows ≈ 1.6 GB).
  const avg = Buffer.byteLength(text) / cables.length;
  assert.ok(avg > 5200 && avg < 7500, `average row ${avg.toFixed(0)} bytes`);
  const sizes = cables.map((c) => c.body.length).sort((a, b) => a - b);
  assert.ok(sizes[Math.floor(sizes.length * 0.99)] > 4 * sizes[Math.floor(sizes.length / 2)]);
});

test('word frequencies are Zipf-like', () => {
  const freq = new Map<string, number>();
  for (const row of generateCables({ count: 400, seed: 9 })) {
    for (const w of row.toLowerCase().match(/[a-z]+/g) ?? []) freq.set(w, (freq.get(w) ?? 0) + 1);
  }
  const ranked = [...freq.values()].sort((a, b) => b - a);
  assert.ok(freq.size > 2000, `${freq.size} distinct words`);
  // Rank-frequency falls off roughly like 1/rank.
  const r = (k: number) => ranked[k - 1] / ranked[0];
  assert.ok(r(10) < 0.35 && r(10) > 0.03, `r10=${r(10)}`);
  assert.ok(r(100) < 0.06, `r100=${r(100)}`);
  assert.ok(r(1000) < 0.01, `r1000=${r(1000)}`);
  assert.equal([...freq].sort((a, b) => b[1] - a[1])[0][0], 'the');
});

test(
  'embedded station codes are real codes',
  {
    skip: requires(
      existsSync(tablesPath),
      `no ${tablesPath} (the shared corpus is not beside this tree)`,
    ),
  },
  () => {
    const tables = JSON.parse(readFileSync(tablesPath, 'utf8')) as { stations: string[] };
    const known = new Set(tables.stations);
    for (const s of STATIONS) assert.ok(known.has(s.code), s.code);
    assert.ok(STATIONS.length >= 60);
  },
);
