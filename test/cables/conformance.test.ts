// Runs the parser over the shared conformance cases (../shared/cables/cases/parser-cases.json)
// and prints per-field accuracy. The data stays outside the repo; the test skips when absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canonicalId,
  cleanContent,
  parseCable,
  parseClassifiedBy,
  parseDeclassify,
  parseHeader,
  parseReferences,
  parseSigners,
  parseSubject,
  parseSummary,
  parseTags,
  tagKind,
  titlefy,
  type RawCable,
  type Recipient,
} from '../../src/cables/parse/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = path.resolve(repoRoot, '..', 'shared', 'cables');
const CASES = path.join(SHARED, 'cases', 'parser-cases.json');
const JSONL = path.join(SHARED, 'corpus', 'wikileaks_html_cables.jsonl');

interface Case {
  name: string;
  input: string | null;
  expected: Record<string, unknown>;
  params?: Record<string, unknown>;
  cable_id?: string;
  in_corpus?: string;
}

/** Fields whose accuracy we do not assert, with the reason (also in docs/cables.md). */
export const OUT_OF_SCOPE: Record<string, string> = {
  references_typed: 'typed references (email/telcon/report kinds) are not part of the ParsedCable contract',
};

/** Every field with at least this many available cases must reach TARGET. */
const MIN_CASES = 20;
const TARGET = 0.95;

function loadCorpus(): Map<string, RawCable> {
  const map = new Map<string, RawCable>();
  if (!existsSync(JSONL)) return map;
  for (const line of readFileSync(JSONL, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const id = String(r.reference_id);
    // keyed by the canonical id too, so a case naming the repaired id finds a malformed record
    const keys = [id, canonicalId(id)].filter((k): k is string => !!k);
    if (keys.every((k) => map.has(k))) continue;
    const raw: RawCable = {
      source: String(r.source ?? id),
      referenceId: id,
      created: r.created as string,
      released: r.released as string,
      origin: r.origin as string,
      classification: r.classification as string,
      header: (r.header as string) ?? '',
      body: (r.body as string) ?? '',
      partial: !!r.partial,
      mediaUrls: (r.media_urls as string[]) ?? [],
    };
    for (const k of keys) if (!map.has(k)) map.set(k, raw);
  }
  return map;
}

function fieldOf(c: Case): string {
  const g = c.name.split('/')[0];
  if (g === 'references_ng') return 'references_typed';
  if (g.startsWith('references')) return 'references';
  if (g.startsWith('tags') || g === 'tags_raw') return 'tags';
  if (g.startsWith('subject')) return 'subject';
  if (g.startsWith('classified_by')) return 'classified_by';
  if (g.startsWith('signers')) return 'signers';
  if (g.startsWith('decl_date')) return 'decl_date';
  if (g.startsWith('canonical_id')) return 'canonical_id';
  if (g.startsWith('media_urls')) return 'media_urls';
  return g; // summary, recipients, info_recipients, titlefy, clean_content, tag_kind, by_id
}

const recip = (rs: Recipient[]) =>
  rs.map((r) => ({ route: r.route, name: r.name, precedence: r.precedence, mcn: r.mcn, excluded: !!r.excluded }));

/**
 * The cases list a collective's exclusions inside it (`excluded: [names]`); the parser gives each
 * excluded post as its own entry with `excluded: true` right after the collective. Same facts.
 */
function flattenExpected(rs: (Omit<Recipient, 'excluded'> & { excluded?: string[] | boolean })[]): Recipient[] {
  const out: Recipient[] = [];
  for (const r of rs) {
    out.push({ route: r.route, name: r.name, precedence: r.precedence, mcn: r.mcn });
    if (Array.isArray(r.excluded)) {
      for (const name of r.excluded) out.push({ route: null, name, precedence: null, mcn: null, excluded: true });
    }
  }
  return out;
}

/** Compares one case; returns [field, ok][] (a by_id case may check several fields). */
export function runCase(c: Case, corpus: Map<string, RawCable>): [string, boolean | null, unknown][] {
  const p = c.params ?? {};
  const e = c.expected;
  const field = fieldOf(c);
  let raw: RawCable | undefined;
  if (c.input === null) {
    // every null-input case is looked up in the corpus by its cable id (as given, then canonical)
    raw = c.cable_id ? corpus.get(c.cable_id) ?? corpus.get(canonicalId(c.cable_id) ?? '') : undefined;
    if (!raw) return [[field, null, undefined]];
  }
  const year = typeof p.year === 'number' ? p.year : undefined;
  const own = typeof p.own_reference_id === 'string' ? canonicalId(p.own_reference_id) : null;
  const parsed = raw ? parseCable(raw, { year }) : null;
  const input = c.input ?? '';
  const eq = (a: unknown, b: unknown) => {
    try {
      assert.deepStrictEqual(a, b);
      return true;
    } catch {
      return false;
    }
  };
  switch (field) {
    case 'references_typed':
      return [[field, false, null]];
    case 'references': {
      const got = parsed ? parsed.references : parseReferences(input, year ?? null, own);
      return [[field, eq(got, e.references), got]];
    }
    case 'tags': {
      const got = parsed ? parsed.tags : parseTags(input, p.canonicalize !== false).tags;
      return [[field, eq(got, e.tags), got]];
    }
    case 'subject': {
      const got = parsed ? parsed.subject : parseSubject(input, p.strip_portion_marking !== false);
      return [[field, eq(got, e.subject), got]];
    }
    case 'summary': {
      const got = parsed ? parsed.summary : parseSummary(input);
      return [[field, eq(got ?? '', e.summary ?? ''), got]];
    }
    case 'classified_by': {
      const got = parsed
        ? parsed.classifiedBy
        : parseClassifiedBy(input, p.normalize_name === true).names;
      return [[field, eq(got, e.classified_by), got]];
    }
    case 'signers': {
      const got = parsed
        ? p.canonicalize === false
          ? parseSigners(raw!.body, false)
          : parsed.signers
        : parseSigners(input, p.canonicalize !== false);
      return [[field, eq(got, e.signers), got]];
    }
    case 'recipients':
    case 'info_recipients': {
      const h = parseHeader(parsed ? raw!.header ?? '' : input);
      const got = recip(field === 'recipients' ? h.recipients : h.infoRecipients);
      const exp = recip(flattenExpected(e[field] as Parameters<typeof flattenExpected>[0]));
      return [[field, eq(got, exp), got]];
    }
    case 'decl_date': {
      const got = parsed ? parsed.declassify : parseDeclassify(input);
      return [[field, eq(got, e.nondisclosure_deadline ?? null), got]];
    }
    case 'canonical_id': {
      const got = canonicalId(input);
      return [[field, eq(got, e.canonical_id), got]];
    }
    case 'titlefy': {
      const got = titlefy(input);
      return [[field, eq(got, e.titlefied_subject), got]];
    }
    case 'clean_content': {
      const got = cleanContent(input);
      return [[field, eq(got, e.clean_content), got]];
    }
    case 'tag_kind': {
      const got = tagKind(input);
      return [[field, eq(got, e.tag_kind), got]];
    }
    case 'media_urls':
      return [[field, eq(parsed!.mediaUrls, e.media_urls), parsed!.mediaUrls]];
    case 'by_id': {
      const res: [string, boolean | null, unknown][] = [];
      if ('transmission_id' in e) res.push(['transmission_id', parsed!.transmissionId === e.transmission_id, parsed!.transmissionId]);
      if ('canonical_id' in e) res.push(['canonical_id', parsed!.referenceId === e.canonical_id, parsed!.referenceId]);
      if ('is_partial' in e) res.push(['is_partial', parsed!.partial === e.is_partial, parsed!.partial]);
      if ('tags' in e) res.push(['tags', eq(parsed!.tags, e.tags), parsed!.tags]);
      if ('signers' in e) res.push(['signers', eq(parsed!.signers, e.signers), parsed!.signers]);
      return res;
    }
    default:
      return [[field, false, 'unknown case group']];
  }
}

test('conformance: parser-cases.json field accuracy', (t) => {
  if (!existsSync(CASES)) {
    t.skip(`${SHARED} not found`);
    return;
  }
  const cases = JSON.parse(readFileSync(CASES, 'utf8')) as Case[];
  const corpus = loadCorpus();
  const stats = new Map<string, { cases: number; passed: number; unavailable: number }>();
  const failures: string[] = [];
  for (const c of cases) {
    for (const [field, ok, got] of runCase(c, corpus)) {
      const s = stats.get(field) ?? { cases: 0, passed: 0, unavailable: 0 };
      stats.set(field, s);
      if (ok === null) {
        s.unavailable++;
        continue;
      }
      s.cases++;
      if (ok) s.passed++;
      else if (!(field in OUT_OF_SCOPE)) failures.push(`${c.name}: got ${JSON.stringify(got)} expected ${JSON.stringify(c.expected)}`);
    }
  }
  const rows = [...stats.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const lines = ['field                 cases  passed  accuracy  (not available)'];
  for (const [f, s] of rows) {
    const acc = s.cases ? ((100 * s.passed) / s.cases).toFixed(1) : '-';
    lines.push(`${f.padEnd(20)} ${String(s.cases).padStart(6)} ${String(s.passed).padStart(7)} ${String(acc).padStart(8)} % ${String(s.unavailable).padStart(6)}`);
  }
  console.log(lines.join('\n'));
  if (process.env.CABLES_VERBOSE) console.log(failures.join('\n'));
  for (const [f, s] of rows) {
    if (f in OUT_OF_SCOPE || s.cases < MIN_CASES) continue;
    assert.ok(s.passed / s.cases >= TARGET, `${f}: ${s.passed}/${s.cases} below ${TARGET * 100} %`);
  }
});
