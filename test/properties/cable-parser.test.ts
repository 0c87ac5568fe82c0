/**
 * Properties of the cable parser on random text and on real cables mutated line by line and byte
 * by byte: it never throws, a parsed reference id is canonical (canonicalising it again changes
 * nothing) and every date is ISO 8601 or null. Real cables come from ../shared/cables/corpus;
 * without it only the generated inputs run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  parseCable,
  canonicalId,
  stepFailures,
  type ParsedCable,
  type RawCable,
} from '../../src/cables/parse/index.ts';
import { readAllCables } from '../../src/cables/readers.ts';
import { SHARED_CABLES, skipWithout } from '../prerequisites.ts';

const CORPUS = join(SHARED_CABLES, 'corpus');
/** Fixed, so a failure is reproducible and the tests never fail by chance; `CABLE_PROPERTY_SEED` tries another. */
const SEED = Number(process.env.CABLE_PROPERTY_SEED ?? 20261205);
const ID_RE = /^\d{2}[A-Z]{4,17}\d{1,7}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkParsed(p: ParsedCable, what: string): void {
  assert.ok(p && Array.isArray(p.warnings), what);
  // any step that threw is a failure, whatever step it was
  assert.deepEqual(stepFailures(p), [], `${what}: a parser step failed`);
  if (p.referenceId !== null) {
    assert.match(p.referenceId, ID_RE, what);
    assert.equal(
      canonicalId(p.referenceId),
      p.referenceId,
      `${what}: canonical id is a fixed point`,
    );
  }
  for (const [name, v] of [
    ['created', p.created],
    ['released', p.released],
  ] as const) {
    if (v === null) continue;
    assert.match(v, TIMESTAMP_RE, `${what}: ${name}`);
    assert.ok(!Number.isNaN(Date.parse(v)), `${what}: ${name} ${v} is a real instant`);
  }
  if (p.declassify !== null && typeof p.declassify === 'string' && DAY_RE.test(p.declassify)) {
    assert.ok(!Number.isNaN(Date.parse(p.declassify)), `${what}: declassify ${p.declassify}`);
  }
  for (const r of p.references) assert.equal(typeof r, 'string', `${what}: reference`);
}

/** Pieces real cables are made of, so random texts reach deep into the parser. */
const FRAGMENTS = [
  'R 021937Z JUN 09\n',
  'FM AMEMBASSY LIMA\n',
  'TO SECSTATE WASHDC IMMEDIATE 1234\n',
  'INFO RUEHBO/AMEMBASSY BOGOTA 0001\n',
  'C O N F I D E N T I A L SECTION 01 OF 03 LIMA 001669 \n',
  'UNCLAS SECTION 02 OF 02 STATE 012345\n',
  'S E C R E T NOFORN\n',
  'SIPDIS\n',
  'E.O. 12958: DECL: 06/02/2019\n',
  'EO 12958 DECL: 11/29/10 \n',
  'TAGS: PGOV, PREL, PTER, PE, OVIP (OBAMA, BARACK)\n',
  'SUBJECT: SCENESETTER FOR USSOUTHCOM \n',
  'REF: A. 09 LIMA 1234 B. STATE 56789 C. 08LIMA00001\n',
  'Classified By: Ambassador P. Michael McKinley for reasons 1.4 (b) and (d)\n',
  '1. (C) Summary: ',
  '2. (SBU) ',
  '¶3. (U) ',
  'End Summary.\n',
  'MCKINLEY\n',
  '-------\n',
  'PAGE 02 LIMA 01669 021937Z\n',
  '\r\n',
  '\n\n',
  ' ',
  '09LIMA1669',
  '1/2/2009 3:04',
  '&amp;&#39;&#x41;',
  '\u0000',
  '\u00a0',
  '\uFFFD',
  '((((',
  '))))',
  ':',
  '.',
];

const textArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...FRAGMENTS),
      fc.string({ maxLength: 12 }),
      fc.string({ maxLength: 8, unit: 'binary' }),
    ),
    { maxLength: 60 },
  )
  .map((xs) => xs.join(''));

const rawArb: fc.Arbitrary<RawCable> = fc.record(
  {
    source: fc.constant('generated'),
    referenceId: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        '09LIMA1669',
        '09 lima 001669',
        '66STATE1',
        '10USUNNEWYORK123',
        '09LIMA0',
        '99ZZZZ1',
        '',
      ),
    ),
    created: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('6/2/2009 19:37', '2009-06-02 19:37', '13/45/2009 99:99', '2/30/2009 1:00'),
    ),
    released: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('2010-12-08 21:09', '2010-02-30 25:61'),
    ),
    origin: fc.string({ maxLength: 20 }),
    classification: fc.string({ maxLength: 20 }),
    header: textArb,
    body: textArb,
    partial: fc.boolean(),
    mediaUrls: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }),
  },
  { requiredKeys: ['body'] },
);

type Mutation =
  | { op: 'delete'; at: number; n: number }
  | { op: 'duplicate'; at: number }
  | { op: 'swap'; a: number; b: number }
  | { op: 'garbage'; at: number; bytes: string }
  | { op: 'truncate'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    op: fc.constant('garbage' as const),
    at: fc.nat(),
    bytes: fc.string({ minLength: 1, maxLength: 16, unit: 'binary' }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Applies line and byte mutations to a text (positions wrap around its length). */
export function mutate(text: string, mutations: Mutation[]): string {
  let s = text;
  for (const m of mutations) {
    const lines = s.split('\n');
    switch (m.op) {
      case 'delete':
        lines.splice(m.at % lines.length, m.n);
        s = lines.join('\n');
        break;
      case 'duplicate': {
        const i = m.at % lines.length;
        lines.splice(i, 0, lines[i]);
        s = lines.join('\n');
        break;
      }
      case 'swap': {
        const a = m.a % lines.length;
        const b = m.b % lines.length;
        [lines[a], lines[b]] = [lines[b], lines[a]];
        s = lines.join('\n');
        break;
      }
      case 'garbage': {
        const i = s.length ? m.at % (s.length + 1) : 0;
        s = s.slice(0, i) + m.bytes + s.slice(i);
        break;
      }
      case 'truncate':
        s = s.slice(0, s.length ? m.at % (s.length + 1) : 0);
        break;
    }
  }
  return s;
}

async function corpus(): Promise<RawCable[]> {
  const out: RawCable[] = [];
  const take = async (file: string) => {
    for (const item of await readAllCables(file))
      if (item.ok) out.push((item as { raw: RawCable }).raw);
  };
  await take(join(CORPUS, 'wikileaks_html_cables.jsonl'));
  const textDir = join(CORPUS, 'raw-text');
  if (existsSync(textDir))
    for (const f of readdirSync(textDir).sort()) await take(join(textDir, f));
  if (existsSync(join(CORPUS, 'cables_sample.csv'))) await take(join(CORPUS, 'cables_sample.csv'));
  return out;
}

describe('cable parser properties', () => {
  it('random texts and fields never make it throw; ids are canonical and dates ISO or null', () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        checkParsed(parseCable(raw), JSON.stringify(raw).slice(0, 300));
      }),
      { numRuns: 1500, seed: SEED },
    );
  });

  it('canonicalId is a fixed point on its own output', () => {
    const idLike = fc
      .tuple(
        fc.integer({ min: 0, max: 99 }),
        fc.constantFrom(
          'LIMA',
          'lima',
          'STATE',
          'USUNNEWYORK',
          'BAGHDAD',
          'PARIS',
          'xx',
          'RIODEJANEIR',
        ),
        fc.constantFrom('', ' ', '0', '00'),
        fc.integer({ min: 0, max: 9999999 }),
        fc.string({ maxLength: 4 }),
      )
      .map(([y, st, pad, n, tail]) => `${String(y).padStart(2, '0')}${st}${pad}${n}${tail}`);
    fc.assert(
      fc.property(fc.oneof(idLike, fc.string({ maxLength: 30 })), (s) => {
        const c = canonicalId(s);
        if (c === null) return;
        assert.match(c, ID_RE, s);
        assert.equal(canonicalId(c), c, s);
      }),
      { numRuns: 5000, seed: SEED },
    );
  });

  it('real cables, mutated (lines deleted, duplicated, swapped; garbage injected; truncated), never make it throw', async (t) => {
    if (
      skipWithout(
        t,
        existsSync(join(CORPUS, 'wikileaks_html_cables.jsonl')),
        `${CORPUS} not found: the shared cable corpus is needed for the mutation test`,
      )
    )
      return;
    const raws = await corpus();
    assert.ok(raws.length > 100);
    for (const raw of raws) checkParsed(parseCable(raw), raw.source ?? 'corpus');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: raws.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (i, muts, headerToo) => {
          const raw = raws[i];
          const mutated: RawCable = {
            ...raw,
            body: mutate(raw.body, muts),
            header: headerToo && raw.header ? mutate(raw.header, muts) : raw.header,
          };
          checkParsed(parseCable(mutated), `${raw.source} ${JSON.stringify(muts)}`);
          // Without any given id the parser falls back to the banner: still canonical.
          checkParsed(
            parseCable({ body: mutated.body, header: mutated.header }),
            `${raw.source} (no id) ${JSON.stringify(muts)}`,
          );
        },
      ),
      { numRuns: 800, seed: SEED },
    );
  });
});
