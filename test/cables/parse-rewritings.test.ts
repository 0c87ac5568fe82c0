// The tuning inputs of the shared conformance cases rewritten the ways the format varies (FORMAT.md
// §4: a Classified By line cut at the published width, offices before a dash of any form, title
// words with a damaged letter, `for` damaged before `reasons`; §2/§6: a station damaged in an id,
// a section or address prefix, an id padded with zeros): the parser must read each rewriting as it
// reads the input as written. Only tuning-part cases are rewritten (test/cables/split.ts). The data
// stays outside the repo; the test skips when it is absent.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { partOf } from './split.ts';
import {
  canonicalId,
  editDistance,
  normalizeStation,
  parseClassifiedBy,
  parseReferences,
  parseSigners,
  parseSubject,
  parseTags,
  titlefy,
} from '../../src/cables/parse/index.ts';
import { STATION_ALIASES, STATIONS } from '../../src/cables/parse/tables.ts';
import { ORGANIZATION_ACRONYMS } from '../../src/cables/parse/title.ts';
import { SHARED_CABLES, skipWithout } from '../prerequisites.ts';

const CASES = path.join(SHARED_CABLES, 'cases', 'parser-cases.json');

let casesRead: Case[] | null = null;

/** The expected results, read once for all the tests of this file; null (the test skipped) without them. */
function casesOrSkip(t: TestContext): Case[] | null {
  if (skipWithout(t, existsSync(CASES), `${SHARED_CABLES} not found`)) return null;
  return (casesRead ??= JSON.parse(readFileSync(CASES, 'utf8')) as Case[]);
}

interface Case {
  name: string;
  input: string | null;
  expected: Record<string, unknown>;
  params?: Record<string, unknown>;
}

/** A seeded generator (the rewritings are the same on every run). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** Words of office as the format writes them (FORMAT.md §4.8), the ones damaged by a rewriting. */
const CLEAN_OFFICE_WORDS = new Set(
  (
    'AMBASSADOR COUNSELOR COUNSELLOR POLITICAL ECONOMIC OFFICER MINISTER DIRECTOR DEPUTY CHIEF ' +
    'MISSION CHARGE AFFAIRES ACTING SECRETARY ASSISTANT CONSUL GENERAL PRINCIPAL SECTION ' +
    'COORDINATOR REPRESENTATIVE SPECIAL SENIOR ADVISOR MANAGEMENT REGIONAL COMMERCIAL DEFENSE'
  ).split(' '),
);

const OFFICE_WORDS = [
  'Acting',
  'Deputy',
  'Political',
  'Counselor',
  'Regional',
  'Affairs',
  'Section',
];

/** Rewritings of one Classified By input whose names are `names`: [kind, text, compare upper-cased]. */
function rewriteClassifiedBy(
  input: string,
  name: string,
  rnd: () => number,
): [string, string, boolean][] {
  const out: [string, string, boolean][] = [];
  const label = /classified\s+by/i.exec(input);
  if (!label) return out;
  const at = input.indexOf(name, label.index);
  if (at < 0) return out;
  const after = input.slice(at + name.length);
  // the label's paragraph on one line, office words added in front of the name until a name word
  // crosses column 69-71, then cut every that many characters wherever the cut falls
  const ls = input.lastIndexOf('\n', label.index) + 1;
  let pe = input.indexOf('\n\n', label.index);
  if (pe < 0) pe = input.length;
  let para = input.slice(ls, pe).replace(/[ \t]*\n[ \t]*/g, ' ');
  let na = para.indexOf(name, label.index - ls);
  const upper = name === name.toUpperCase();
  const shift = 66 - Math.floor(rnd() * 4) - Math.floor(name.length / 2);
  for (let i = 0; na >= 0 && na < shift && i < 12; i++) {
    const w = OFFICE_WORDS[i % OFFICE_WORDS.length];
    const ins = (upper ? w.toUpperCase() : w) + ' ';
    para = para.slice(0, na) + ins + para.slice(na);
    na += ins.length;
  }
  if (na >= 0 && !/\n\s*\d\.|summary/i.test(input.slice(at, pe))) {
    for (let col = Math.max(69, na + 1); col <= Math.min(71, na + name.length - 1); col++) {
      if (!/[A-Za-z]/.test(para[col - 1]) || !/[A-Za-z]/.test(para[col])) continue;
      let cut = '';
      for (let k = 0; k < para.length; k += col) cut += (k ? '\n' : '') + para.slice(k, k + col);
      out.push(['cut at the published width', input.slice(0, ls) + cut + input.slice(pe), false]);
      break;
    }
  }
  if (/^[\s,]*for\b/i.test(after)) {
    // an office before a dash of any form, the name in capitals
    for (const office of ['DCM', 'CDA', 'A/DCM', 'PolOff', 'Amb.', 'PO']) {
      for (const dash of ['-', ' - ', ' -', '- ', '--', ' -- ']) {
        const text = `${input.slice(0, label.index)}Classified By: ${office}${dash}${name.toUpperCase()}${after}`;
        out.push([`office ${office}${dash}`, text, true]);
      }
    }
    // `for` damaged before `reasons` as written (one damaged word at a time)
    if (/^[\s,]*for\s+reasons?\b/i.test(after))
      for (const f of ['F0R', 'f0r', 'FR', 'FPR', 'fro']) {
        const text = input.slice(0, at + name.length) + after.replace(/for/i, f);
        out.push([`"${f}"`, text, false]);
      }
  }
  // the name's last word broken by a line break after each of its letters, also with a hyphen
  // (the name as written stays the same: a break inside a word is no space)
  const lastWord = /([A-Za-z][A-Za-z'’-]*)$/.exec(name);
  if (lastWord && lastWord[1].length >= 3 && /^[\s,.;]*(?:for|reasons?)\b/i.test(after)) {
    const w = lastWord[1];
    const wAt = at + name.length - w.length;
    // (in mixed case: a word in capitals broken anywhere reads as two words, and is joined only
    // where the published width cuts it, as the cut rewriting above checks)
    for (let k = 1; k < w.length && w !== w.toUpperCase(); k++) {
      if (/['’-]/.test(w[k - 1]) || /['’-]/.test(w[k])) continue;
      for (const brk of ['\n', '-\n']) {
        if (brk === '-\n' && w[k] === w[k].toUpperCase()) continue;
        out.push([
          `last word broken "${w.slice(0, k)}${JSON.stringify(brk).slice(1, -1)}${w.slice(k)}"`,
          input.slice(0, wAt + k) + brk + input.slice(wAt + k),
          false,
        ]);
      }
    }
  }
  // each office word before the name damaged once (a letter dropped, changed, doubled or swapped)
  const before = input.slice(label.index + label[0].length, at);
  const words = /[A-Za-z]{5,}/g;
  let w: RegExpExecArray | null;
  while ((w = words.exec(before))) {
    const word = w[0];
    // (only words of office written as they are: a damaged one damaged again is two damages)
    if (!CLEAN_OFFICE_WORDS.has(word.toUpperCase()) || before[w.index + word.length] === '.')
      continue;
    const k = 1 + Math.floor(rnd() * (word.length - 2));
    const kind = Math.floor(rnd() * 4);
    const e = word === word.toUpperCase() ? 'E' : 'e';
    const damaged =
      kind === 0
        ? word.slice(0, k) + word.slice(k + 1)
        : kind === 1
          ? word.slice(0, k) +
            (word[k].toLowerCase() === 'e' ? (e === 'E' ? 'A' : 'a') : e) +
            word.slice(k + 1)
          : kind === 2
            ? word.slice(0, k) + word[k] + word.slice(k)
            : word.slice(0, k) + word[k + 1] + word[k] + word.slice(k + 2);
    const off = label.index + label[0].length + w.index;
    out.push([
      `office word "${damaged}"`,
      input.slice(0, off) + damaged + input.slice(off + word.length),
      false,
    ]);
  }
  return out;
}

test('rewritings of the tuning Classified By inputs read the same names', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(16);
  const failures: string[] = [];
  let tried = 0;
  const cutTried = { n: 0 };
  let brokenTried = 0;
  for (const c of cases) {
    if (!c.name.startsWith('classified_by/') || c.input == null || partOf(c.name) !== 'tuning')
      continue;
    const normalize = c.params?.normalize_name === true;
    const read = (s: string) => parseClassifiedBy(s, normalize).names;
    const base = read(c.input);
    if (!base.length || JSON.stringify(base) !== JSON.stringify(c.expected.classified_by)) continue;
    for (const [kind, text, caseless] of rewriteClassifiedBy(c.input, base[0], rnd)) {
      tried++;
      if (kind.startsWith('cut')) cutTried.n++;
      if (kind.startsWith('last word broken')) brokenTried++;
      const got = read(text);
      const same = caseless
        ? JSON.stringify(got.map((x) => x.toUpperCase())) ===
          JSON.stringify(base.map((x) => x.toUpperCase()))
        : JSON.stringify(got) === JSON.stringify(base);
      if (!same)
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(base)}`);
    }
  }
  t.diagnostic(
    `${tried} rewritings (${cutTried.n} cut at the published width, ${brokenTried} with the last ` +
      `word broken over lines), ${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 60)) t.diagnostic(f);
  // the rewritings exist (a rewriting that finds nothing to rewrite would make the test vacuous)
  assert.ok(
    tried > 1000 && cutTried.n > 50 && brokenTried > 500,
    `only ${tried} rewritings, ${cutTried.n} cuts, ${brokenTried} broken words`,
  );
  assert.deepEqual(failures, []);
});

/**
 * Words of rank or office as posts write them before the name (FORMAT.md §4.8, §9): spelt out,
 * abbreviated, run together, in French, in capitals; and the reasons after the name in the forms
 * of the three orders.
 */
const OFFICES = [
  'Ambassador',
  'Amb.',
  'AMB',
  'Charge d’Affaires, a.i.',
  "Charg d'Affaires",
  'Chargé d’Affaires',
  'CDA',
  'A/DCM',
  'Deputy Chief of Mission',
  'PolCouns',
  'Pol/Econ Chief',
  'POLECON CHIEF',
  'EconCouns',
  'ConGen',
  'Consul General',
  'CG',
  'Principal Officer',
  'Acting Political Counselor',
  'Political Minister-Counselor',
  'Polmiloff',
  'Deputy Political Counselor',
  'Acting DCM',
  'Political Section Chief',
  'RSO',
];
/** Names of the shapes the format gives (FORMAT.md §4.8: initials, suffixes, particles, `Mc`, `O'`). */
const NAMES = [
  'J. Roe',
  'J.R. Roe',
  'John Q. Roe',
  'Mary-Ann Roe-Smith',
  "Ann O'Neill",
  'Ann McRoe',
  'R. Ann Roe',
  'Ann Roe, Jr.',
  'Ann Roe III',
  'Ann van Roe',
  'Ann de la Roe',
  'A. B. Roe',
  // particles capitalised (`Van Diepen`, `Del Monte`, `De la Cruz`)
  'Ann Van Roe',
  'Ann Del Roe',
  'Ann De la Roe',
  'J. Van Der Roe',
];
const REASONS = [
  ' for reasons 1.4 (b) and (d).',
  ' for Reasons 1.4(b,d)',
  ', reasons 1.4 (b) and (d)',
  '; REASON: 1.4(B), (D)',
  '. Reason: 1.4 (d)',
  ' Reasons: 1.4 (b) and (d)',
  ' under 1.4(b) and (d)',
  ' per E.O. 12958, 1.4 (b),(d)',
  ' (1.4 b, d)',
  ', E.O. 12958, reasons 1.4(b)(d)',
];

test('rewritings of the tuning Classified By inputs: other words of office, other reasons', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const bad = new Map<string, number>();
  for (const c of cases) {
    if (!c.name.startsWith('classified_by/') || c.input == null || partOf(c.name) !== 'tuning')
      continue;
    const normalize = c.params?.normalize_name === true;
    const read = (s: string) => parseClassifiedBy(s, normalize).names;
    const base = read(c.input);
    if (base.length !== 1 || JSON.stringify(base) !== JSON.stringify(c.expected.classified_by))
      continue;
    const label = /classified\s+by\s*:?/i.exec(c.input);
    if (!label) continue;
    const name = base[0];
    const at = c.input.indexOf(name, label.index);
    if (at < 0) continue;
    const head = c.input.slice(0, label.index) + 'Classified By: ';
    const after = c.input.slice(at + name.length);
    const reasonEnd = /^[^\n]*?(?:\(\s*[a-h]\s*\)|\b[a-h]\s*\)?)\.?[ \t]*(?=\n|$)/i.exec(after);
    const tail = reasonEnd ? after.slice(reasonEnd[0].length) : null;
    const check = (kind: string, text: string) => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const got = read(text);
      if (JSON.stringify(got) !== JSON.stringify(base)) {
        bad.set(kind, (bad.get(kind) ?? 0) + 1);
        failures.push(
          `${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(base)} in ${JSON.stringify(text.slice(label.index, label.index + 90))}`,
        );
      }
    };
    for (const o of OFFICES) check(`office "${o}"`, `${head}${o} ${name}${after}`);
    // other names in the name's place, after the title as written
    for (const other of NAMES) {
      const text = c.input.slice(0, at) + other + after;
      kinds.set('name', (kinds.get('name') ?? 0) + 1);
      const got = read(text);
      if (JSON.stringify(got) !== JSON.stringify([other])) {
        bad.set('name', (bad.get('name') ?? 0) + 1);
        failures.push(
          `${c.name} (name "${other}"): ${JSON.stringify(got)} in ${JSON.stringify(text.slice(label.index, label.index + 90))}`,
        );
      }
    }
    if (tail != null) for (const r of REASONS) check(`reason "${r}"`, `${head}${name}${r}${tail}`);
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} Classified By rewritings (${[...kinds].map(([k, n]) => `${k} ${n}/${bad.get(k) ?? 0}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 60)) t.diagnostic(f);
  assert.ok(total > 3000 && (kinds.get('name') ?? 0) > 1000, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

test('rewritings of the tuning ids: a damaged or cut station, section and address prefixes, padding', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(2);
  const failures: string[] = [];
  let tried = 0;
  let inList = 0;
  for (const c of cases) {
    if (!c.name.startsWith('canonical_id') || c.input == null || partOf(c.name) !== 'tuning')
      continue;
    const base = canonicalId(c.input);
    if (!base || base !== c.expected.canonical_id) continue;
    const m = /^(\d{2})([A-Z]+)(\d+)$/.exec(base);
    if (!m) continue;
    const [, year, station, serial] = m;
    const forms = [
      `${year}SECTION01OF02${station}${serial}`,
      `${year}SECTON02OF03${station}${serial}`,
      `${year}EFTO${station}${serial}`,
      `${year}AMEMBASSY${station}${serial}`,
      `${year}${station}${serial.padStart(6, '0')}`,
      // the year with its century
      `${Number(year) > 30 ? 19 : 20}${year}${station}${serial}`,
    ];
    // a four-letter station with one letter changed, where no other station is as close
    if (station.length === 4) {
      const k = 1 + Math.floor(rnd() * 3);
      const changed = String.fromCharCode(65 + ((station.charCodeAt(k) - 65 + 7) % 26));
      const d = station.slice(0, k) + changed + station.slice(k + 1);
      const near = STATIONS.filter((s) => editDistance(d, s, 1) <= 1);
      if (near.length === 1 && near[0] === station) forms.push(`${year}${d}${serial}`);
    }
    // one letter dropped or changed, where no other station is as close
    if (station.length >= 5) {
      const k = 1 + Math.floor(rnd() * (station.length - 2));
      const changed = String.fromCharCode(65 + ((station.charCodeAt(k) - 65 + 7) % 26));
      for (const d of [
        station.slice(0, k) + station.slice(k + 1),
        station.slice(0, k) + changed + station.slice(k + 1),
      ]) {
        const near = STATIONS.filter((s) => editDistance(d, s, 1) <= 1);
        if (near.length === 1 && near[0] === station) {
          forms.push(`${year}${d}${serial}`, `${year}SECTION01OF02${d}${serial}`);
        }
      }
    }
    // the station cut short after four letters or more, where one station begins so and no other
    // is as near by damaged letters (one for five letters or fewer, two for longer: `09PORTAU12`;
    // `08NAIRO12` is CAIRO with a letter changed before it is NAIROBI cut short)
    for (let n = 4; n < station.length; n++) {
      const cut = station.slice(0, n);
      if (STATIONS.filter((s) => s.startsWith(cut)).length !== 1) continue;
      const max = cut.length <= 5 ? 1 : 2;
      if (STATIONS.some((s) => editDistance(cut, s, max) <= max)) continue;
      if (rnd() < 0.5) forms.push(`${year}${cut}${serial}`);
    }
    for (const f of forms) {
      tried++;
      const got = canonicalId(f);
      if (got !== base) failures.push(`${c.name}: ${f} read as ${got}, not ${base}`);
      // the same id written whole as an item of a REF list
      inList++;
      const listed = parseReferences(
        `REF: A. ${f}\nB. PARSERWORD E-MAIL`,
        (Number(year) > 30 ? 1900 : 2000) + Number(year),
        null,
      );
      if (JSON.stringify(listed) !== JSON.stringify([base]))
        failures.push(`${c.name}: REF item ${f} read as ${JSON.stringify(listed)}, not ${base}`);
    }
  }
  t.diagnostic(
    `${tried} id rewritings (each also as a REF item), ${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(tried > 300, `only ${tried} rewritings`);
  assert.deepEqual(failures, []);
});

/** The tuning cases of one kind whose input the parser reads as expected, with that reading. */
function tuningCases<T>(
  cases: Case[],
  prefix: string,
  read: (c: Case, input: string) => T,
  expected: (c: Case) => unknown,
): { c: Case; base: T; read: (input: string) => T }[] {
  const out: { c: Case; base: T; read: (input: string) => T }[] = [];
  for (const c of cases) {
    if (c.name.split('/')[0] !== prefix || c.input == null || partOf(c.name) !== 'tuning') continue;
    const base = read(c, c.input);
    if (JSON.stringify(base) !== JSON.stringify(expected(c))) continue;
    out.push({ c, base, read: (input) => read(c, input) });
  }
  return out;
}

/** One letter of `word` damaged (dropped, changed, doubled or two swapped), chosen by `rnd`. */
function damage(word: string, rnd: () => number): string {
  const k = 1 + Math.floor(rnd() * (word.length - 2));
  const kind = Math.floor(rnd() * 4);
  const upper = word === word.toUpperCase();
  const other = word[k].toUpperCase() === 'E' ? 'A' : 'E';
  const repl = upper ? other : other.toLowerCase();
  return kind === 0
    ? word.slice(0, k) + word.slice(k + 1)
    : kind === 1
      ? word.slice(0, k) + repl + word.slice(k + 1)
      : kind === 2
        ? word.slice(0, k) + word[k] + word.slice(k)
        : word.slice(0, k) + word[k + 1] + word[k] + word.slice(k + 2);
}

/** A field of the caption before each label, invented (FORMAT.md §4 gives the order). */
const PREVIOUS_FIELD: Record<string, string> = {
  TAGS: 'E.O. 12958: DECL: 01/07/2019',
  SUBJECT: 'TAGS: PREL, PGOV',
  REF: 'SUBJECT: PARSERWORD TRADE TALKS',
  SUB: 'TAGS: PREL, PGOV',
  'CLASSIFIED BY': 'SUBJECT: PARSERWORD BUDGET TALKS',
};

/** The punctuation the format puts after a field label (FORMAT.md §4), none included. */
const LABEL_PUNCTUATION = [':', ';', ',', '.', ' -', ''];

/**
 * Rewritings of the field labels of one caption: each label (TAGS, SUBJECT, REF, Classified By at
 * a line start) followed by every punctuation, damaged once before a colon or a semicolon, and
 * glued to the line before it (the field before runs into it).
 */
function rewriteLabels(input: string, rnd: () => number): [string, string][] {
  const out: [string, string][] = [];
  const label =
    /^([ \t]*)(TAGS|Tags|SUBJECT|Subject|SUBJ|REFTEL|Reftel|REFS|Refs|REF|Ref|Classified By|CLASSIFIED BY|Classified by)\b[ \t]*[:;,.-]?[ \t]*/gm;
  let m: RegExpExecArray | null;
  while ((m = label.exec(input))) {
    const word = m[2];
    const before = input.slice(0, m.index) + m[1];
    const after = input.slice(m.index + m[0].length);
    if (!/^\S/.test(after)) continue;
    for (const p of LABEL_PUNCTUATION) out.push([`${word}${p}`, `${before}${word}${p} ${after}`]);
    // (one damaged letter in a word of four letters or more; in `Classified By`, in its first word)
    const first = word.split(' ')[0];
    if (first.length >= 4)
      for (const p of [':', ';']) {
        const d = damage(first, rnd) + word.slice(first.length);
        out.push([`damaged ${d}${p}`, `${before}${d}${p} ${after}`]);
      }
    // glued to the line before it, when that line holds a field's text, or else to the field
    // that comes before it in a caption (FORMAT.md §4: E.O., TAGS, SUBJECT, REF, Classified By)
    const prevEnd = before.length - m[1].length - 1;
    if (prevEnd > 0 && input[prevEnd] === '\n' && /\S[ \t]*$/.test(input.slice(0, prevEnd))) {
      const head = input.slice(0, prevEnd).replace(/[ \t]+$/, '');
      out.push([`${word} glued`, `${head} ${word}: ${after}`]);
    } else {
      const field =
        PREVIOUS_FIELD[word.toUpperCase()] ?? PREVIOUS_FIELD[word.toUpperCase().slice(0, 3)];
      out.push([`${word} glued`, `${input.slice(0, m.index)}${field} ${word}: ${after}`]);
    }
  }
  return out;
}

test('rewritings of the tuning captions: field labels misspelt, punctuated, glued', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(7);
  const groups = [
    ...tuningCases(
      cases,
      'tags',
      (c, s) => parseTags(s, c.params?.canonicalize !== false).tags,
      (c) => c.expected.tags,
    ),
    ...tuningCases(
      cases,
      'subject',
      (c, s) => parseSubject(s, c.params?.strip_portion_marking !== false),
      (c) => c.expected.subject,
    ),
    ...tuningCases(
      cases,
      'references',
      (c, s) =>
        parseReferences(
          s,
          typeof c.params?.year === 'number' ? c.params.year : null,
          typeof c.params?.own_reference_id === 'string'
            ? canonicalId(c.params.own_reference_id)
            : null,
        ),
      (c) => c.expected.references,
    ),
    ...tuningCases(
      cases,
      'classified_by',
      (c, s) => parseClassifiedBy(s, c.params?.normalize_name === true).names,
      (c) => c.expected.classified_by,
    ),
  ];
  const failures: string[] = [];
  const tried = new Map<string, number>();
  let glued = 0;
  let damaged = 0;
  for (const { c, base, read } of groups) {
    for (const [kind, text] of rewriteLabels(c.input!, rnd)) {
      if (kind.endsWith('glued')) glued++;
      else if (kind.startsWith('damaged ')) damaged++;
      const field = c.name.split('/')[0];
      tried.set(field, (tried.get(field) ?? 0) + 1);
      const got = read(text);
      if (JSON.stringify(got) !== JSON.stringify(base))
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(base)}`);
    }
  }
  const total = [...tried.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} label rewritings (${[...tried].map(([f, n]) => `${f} ${n}`).join(', ')}), ` +
      `${damaged} with a damaged label, ${glued} glued to the line before; ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(total > 1000 && damaged > 200 && glued > 200, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

const MONTHS = 'JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC'.split(' ');

/** Aliases of each station in the reference tables (`SECSTATE` for STATE), letters only. */
const ALIASES_OF = new Map<string, string[]>();
for (const [alias, station] of Object.entries(STATION_ALIASES)) {
  if (!/^[A-Z]{4,}$/.test(alias) || !STATIONS.includes(station)) continue;
  if (normalizeStation(alias, false) !== station) continue;
  ALIASES_OF.set(station, [...(ALIASES_OF.get(station) ?? []), alias]);
}

interface RefItem {
  /** Where the item's text starts and ends in the input (year, station words, serial). */
  start: number;
  end: number;
  year: string;
  station: string;
  stationText: string;
  serial: string;
}

/**
 * The items of a REF list written `[YY|YYYY] STATION SERIAL`, found in `input` for each reference
 * the parser read (`base`): the station words just before the serial that name the station.
 */
function refItems(input: string, base: string[], citing: number | null): RefItem[] {
  const items: RefItem[] = [];
  for (const id of base) {
    const m = /^(\d{2})([A-Z]+)(\d+)$/.exec(id);
    if (!m) continue;
    const [, yy, station, serial] = m;
    const at = new RegExp(`(?<![\\d/.-])0*${serial}(?![\\d/]|-\\d)`, 'g');
    let s: RegExpExecArray | null;
    while ((s = at.exec(input))) {
      const lineStart = input.lastIndexOf('\n', s.index) + 1;
      const before = input.slice(lineStart, s.index);
      const words = /((?:[A-Za-z]+[ \t]+){1,3})$/.exec(before);
      if (!words) continue;
      const list = words[1].trim().split(/[ \t]+/);
      let found = -1;
      for (let n = 1; n <= list.length; n++)
        if (normalizeStation(list.slice(-n).join('').toUpperCase(), false) === station) {
          found = n;
          break;
        }
      if (found < 0) continue;
      const stationText = list.slice(-found).join(' ');
      let start = lineStart + before.lastIndexOf(stationText);
      const y = /(?:^|[\s;,.)])(\d{2}|\d{4})[ \t]+$/.exec(input.slice(lineStart, start));
      if (y) {
        if (y[1].slice(-2) !== yy) continue;
        start -= y[0].length - (/^[\s;,.)]/.test(y[0]) ? 1 : 0);
      } else if (citing == null || String(citing % 100).padStart(2, '0') !== yy) continue;
      items.push({ start, end: s.index + s[0].length, year: yy, station, stationText, serial });
      break;
    }
  }
  return items;
}

/** Rewritings of a REF list: item marks, the year's positions, aliases, printout lines. */
function rewriteReferences(
  input: string,
  base: string[],
  citing: number | null,
  own: string | null,
  rnd: () => number,
): [string, string][] {
  const out: [string, string][] = [];
  const items = refItems(input, base, citing);
  for (const it of items) {
    const full = Number(it.year) > 30 ? `19${it.year}` : `20${it.year}`;
    const st = it.stationText;
    const month = MONTHS[Math.floor(rnd() * 12)];
    const day = 1 + Math.floor(rnd() * 28);
    const forms: [string, string][] = [
      ['two-digit year before', `${it.year} ${st} ${it.serial}`],
      ['four-digit year before', `${full} ${st} ${it.serial}`],
      ['year in parentheses', `${st} ${it.serial} (${full})`],
      ['two-digit year in parentheses', `${st} ${it.serial} (${it.year})`],
      // (a serial of one digit after a year and a hyphen is not read: `QUITO 10-5`)
      ...(it.serial.length >= 2
        ? ([['year on the serial', `${st} ${it.year}-${it.serial}`]] as [string, string][])
        : []),
      ['date after', `${st} ${it.serial} OF ${1 + Math.floor(rnd() * 12)}/${day}/${it.year}`],
      ['DTD date after', `${st} ${it.serial} DTD ${day} ${month} ${it.year}`],
    ];
    const aliases = ALIASES_OF.get(it.station) ?? [];
    if (aliases.length) {
      const a = aliases[Math.floor(rnd() * aliases.length)];
      forms.push([`alias ${a}`, `${it.year} ${a} ${it.serial}`]);
      forms.push([`alias ${a} with the year after`, `${a} ${it.serial} (${full})`]);
    }
    // the station written in capitals and capitalised, the serial padded, the item broken after
    // the station
    const cap = st.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
    forms.push(['capitalised station', `${it.year} ${cap} ${it.serial}`]);
    forms.push(['padded serial', `${it.year} ${st} ${it.serial.padStart(6, '0')}`]);
    forms.push(['broken after the station', `${it.year} ${st}\n${it.serial}`]);
    // the station (one word of five letters or more) with one letter dropped or changed, where no
    // other station is as close (before a serial of two digits or more: a damaged word before one
    // digit is not read as a station, `PARAS 3`)
    if (/^[A-Z]{5,}$/.test(st) && it.serial.length >= 2) {
      const k = 1 + Math.floor(rnd() * (st.length - 2));
      const changed = String.fromCharCode(65 + ((st.charCodeAt(k) - 65 + 7) % 26));
      for (const d of [
        st.slice(0, k) + st.slice(k + 1),
        st.slice(0, k) + changed + st.slice(k + 1),
      ]) {
        const near = STATIONS.filter((x) => editDistance(d, x, 1) <= 1);
        if (near.length === 1 && near[0] === it.station)
          forms.push(['damaged station', `${it.year} ${d} ${it.serial}`]);
      }
    }
    for (const [kind, f] of forms)
      out.push([`${kind} (${it.station})`, input.slice(0, it.start) + f + input.slice(it.end)]);
  }
  // item marks: `A.` `(A)` `A)` `A-`, all the list's marks at once, when they run A, B, C, …
  const marks = [...input.matchAll(/(?<=^|[\s;,])\(?([A-Z])[.)](?=[ \t]*\S)/g)];
  const letters = marks.map((m) => m[1]).join('');
  if (marks.length >= 2 && 'ABCDEFGHIJKLMNOP'.startsWith(letters)) {
    for (const shape of ['(X)', 'X)', 'X-', 'X.']) {
      let text = '';
      let last = 0;
      for (const m of marks) {
        text += input.slice(last, m.index) + shape.replace('X', m[1]);
        last = m.index! + m[0].length;
      }
      out.push([`marks ${shape}`, text + input.slice(last)]);
    }
  }
  // lines of the original printout between two items (a page break inside the list)
  if (items.length >= 2) {
    const sorted = [...items].sort((a, b) => a.start - b.start);
    const from = sorted[0].end;
    const to = sorted[sorted.length - 1].start;
    const nl = input.indexOf('\n', from);
    const at = nl >= 0 && nl < to ? nl : /[ \t]/.exec(input.slice(from, to)) ? from : -1;
    if (at >= 0) {
      const ownStation = own ? (/^\d{2}([A-Z]+)\d+$/.exec(own)?.[1] ?? 'LIMA') : 'LIMA';
      const junk = [
        `UNCLAS SECTION 02 OF 03 ${ownStation} 001234`,
        'CONFIDENTIAL',
        `C O N F I D E N T I A L SECTION 02 OF 03 ${ownStation} 001234`,
        `PAGE 02 ${ownStation} 01234 021000Z`,
        `${ownStation} 00001234 002 OF 003`,
        '- 2 -',
        '2',
      ];
      for (const j of junk)
        out.push([`printout line "${j}"`, `${input.slice(0, at)}\n\n${j}\n\n${input.slice(at)}`]);
    }
  }
  return out;
}

/** The tuning REF lists the parser reads as expected, with their citing year, own id and reading. */
function tuningRefLists(cases: Case[]) {
  const out: { c: Case; input: string; year: number | null; own: string | null; base: string[] }[] =
    [];
  for (const c of cases) {
    if (!c.name.startsWith('references') || c.input == null || partOf(c.name) !== 'tuning')
      continue;
    if (!Array.isArray(c.expected.references)) continue;
    const year = typeof c.params?.year === 'number' ? c.params.year : null;
    const own =
      typeof c.params?.own_reference_id === 'string'
        ? canonicalId(c.params.own_reference_id)
        : null;
    const base = parseReferences(c.input, year, own);
    if (JSON.stringify(base) !== JSON.stringify(c.expected.references)) continue;
    out.push({ c, input: c.input, year, own, base });
  }
  return out;
}

test('rewritings of the tuning REF lists: marks, years, aliases, printout lines', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(11);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  for (const { c, input, year, own, base } of tuningRefLists(cases)) {
    const single = rewriteReferences(input, base, year, own, rnd);
    // pairs: an item rewritten, then the list's marks or a printout line rewritten on top of it
    const pairs: [string, string][] = [];
    const itemForms = single.filter(([k]) => !/^(?:marks|printout)/.test(k));
    for (let n = 0; n < 6 && itemForms.length; n++) {
      const [k1, t1] = itemForms[Math.floor(rnd() * itemForms.length)];
      const second = rewriteReferences(t1, base, year, own, rnd).filter(([k]) =>
        /^(?:marks|printout)/.test(k),
      );
      if (!second.length) continue;
      const [k2, t2] = second[Math.floor(rnd() * second.length)];
      pairs.push([`pair: ${k1} + ${k2}`, t2]);
    }
    for (const [kind, text] of [...single, ...pairs]) {
      const k = kind.startsWith('pair')
        ? 'pair'
        : kind.replace(/ \(.*$|".*"/g, '').replace(/^alias .*/, 'alias');
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const got = parseReferences(text, year, own);
      if (JSON.stringify(got) !== JSON.stringify(base))
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(base)}`);
    }
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} REF-list rewritings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 60)) t.diagnostic(f);
  assert.ok(total > 800 && (kinds.get('printout line ') ?? 0) > 100, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

/**
 * Harder rewritings of the REF items: what the format and the archive add to an item that names
 * no other cable (FORMAT.md §6, §10).
 */
function rewriteReferenceItems(
  input: string,
  base: string[],
  citing: number | null,
  rnd: () => number,
): [string, string][] {
  const out: [string, string][] = [];
  for (const it of refItems(input, base, citing)) {
    const st = it.stationText;
    const full = Number(it.year) > 30 ? `19${it.year}` : `20${it.year}`;
    const day = 1 + Math.floor(rnd() * 28);
    const month = MONTHS[Math.floor(rnd() * 12)];
    const forms: [string, string][] = [
      ['NOTAL after', `${it.year} ${st} ${it.serial} (NOTAL)`],
      ['NOTAL bare after', `${it.year} ${st} ${it.serial} NOTAL`],
      ['EXDIS after', `${it.year} ${st} ${it.serial} (EXDIS)`],
      ['number sign', `${it.year} ${st} #${it.serial}`],
      ['NO.', `${it.year} ${st} NO. ${it.serial}`],
      ['lower case station', `${it.year} ${st.toLowerCase()} ${it.serial}`],
      ['date before', `${day} ${month} ${it.year} ${st} ${it.serial}`],
      ['slash date before', `${1 + Math.floor(rnd() * 12)}/${day}/${it.year} ${st} ${it.serial}`],
      ['year with apostrophe', `'${it.year} ${st} ${it.serial}`],
      ['FY year', `${st} ${it.serial} OF ${month} ${day}, ${full}`],
      ['station and serial glued, year', `${it.year}${st.replace(/ /g, '')}${it.serial}`],
      ['station with a colon', `${it.year} ${st}: ${it.serial}`],
      ['serial with a full stop', `${it.year} ${st} ${it.serial}.`],
      [
        'SECSTATE WASHDC',
        it.station === 'STATE'
          ? `${it.year} SECSTATE WASHDC ${it.serial}`
          : `${it.year} ${st} ${it.serial}`,
      ],
    ];
    // an embassy's station with its PLAD word in front (FORMAT.md §9)
    if (!/^(?:STATE|US|UN|AIT|IRANRPO|RPO)/.test(it.station))
      forms.push(['AMEMBASSY before', `${it.year} AMEMBASSY ${st} ${it.serial}`]);
    if (it.serial.length === 1)
      forms.push(['year on a one-digit serial', `${st} ${it.year}-${it.serial}`]);
    for (const [kind, f] of forms)
      out.push([`${kind} (${it.station})`, input.slice(0, it.start) + f + input.slice(it.end)]);
  }
  // separators between the list's marks: `A:`, `A/`, `[A]`, `A -`, lower-case `a.`, `(a)`
  const marks = [...input.matchAll(/(?<=^|[\s;,])\(?([A-Z])[.)](?=[ \t]*\S)/g)];
  const letters = marks.map((m) => m[1]).join('');
  if (marks.length >= 2 && 'ABCDEFGHIJKLMNOP'.startsWith(letters)) {
    for (const shape of ['X:', '[X]', 'X -', 'x.', '(x)', 'x)', 'REF X:', 'X.-']) {
      let text = '';
      let last = 0;
      for (const m of marks) {
        text +=
          input.slice(last, m.index) + shape.replace(/x/, m[1].toLowerCase()).replace('X', m[1]);
        last = m.index! + m[0].length;
      }
      out.push([`marks ${shape}`, text + input.slice(last)]);
    }
  }
  return out;
}

test('rewritings of the tuning REF lists: what the format adds to an item, other marks', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(17);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const bad = new Map<string, number>();
  for (const { c, input, year, own, base } of tuningRefLists(cases)) {
    for (const [kind, text] of rewriteReferenceItems(input, base, year, rnd)) {
      const k = kind.replace(/ \(.*$/, '');
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const got = parseReferences(text, year, own);
      if (JSON.stringify(got) !== JSON.stringify(base)) {
        bad.set(k, (bad.get(k) ?? 0) + 1);
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(base)}`);
      }
    }
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} REF-item rewritings (${[...kinds].map(([k, n]) => `${k} ${n}/${bad.get(k) ?? 0}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 60)) t.diagnostic(f);
  assert.ok(total > 2000, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

/** Lines the printout or the archive adds after a cable's signer (FORMAT.md §5). */
const TRAILING_JUNK = [
  'CONFIDENTIAL',
  '                       UNCLASSIFIED',
  'NNNN',
  'End Cable Text',
  'Declassified/Released US Department of State EO Systematic Review 30 JUN 2006',
  'NOTE BY OC/T: HEADING AS RECEIVED. CORRECTION TO FOLLOW.',
  'PAGE 03 LIMA 01234 021000Z',
  'LIMA 00001234 003 OF 003',
  '- 3 -',
  '3',
  '#1234',
  'BT',
  'S E C R E T',
  'C O N F I D E N T I A L',
  'SENSITIVE BUT UNCLASSIFIED',
  'END OF DOCUMENT',
  '(END)',
  '- 3 of 3 -',
  '3/3',
];

/** Particles that open a surname of two words (`VAN VOORST`, `DE LA CRUZ`). */
const PARTICLE_SURNAMES = ['VAN', 'DE LA', 'ST.', 'AL', 'DEL', 'VON'];

test('rewritings of the tuning signers: surnames of two words, trailing junk lines', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(5);
  const failures: string[] = [];
  let tried = 0;
  let twoWords = 0;
  for (const { c, base, read } of tuningCases(
    cases,
    'signers',
    (c, s) => parseSigners(s, c.params?.canonicalize !== false),
    (c) => c.expected.signers,
  )) {
    const input = c.input!;
    const check = (kind: string, text: string, want: string[]) => {
      tried++;
      const got = read(text);
      if (JSON.stringify(got) !== JSON.stringify(want))
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(want)}`);
    };
    // one, two or three junk lines after the text, blank lines around them or not
    for (const j of TRAILING_JUNK) check(`junk "${j}"`, `${input.trimEnd()}\n\n${j}\n`, base);
    for (let n = 0; n < 3; n++) {
      const a = TRAILING_JUNK[Math.floor(rnd() * TRAILING_JUNK.length)];
      const b = TRAILING_JUNK[Math.floor(rnd() * TRAILING_JUNK.length)];
      check(`junk "${a}", "${b}"`, `${input.trimEnd()}\n${a}\n\n${b}\n \n`, base);
    }
    // the surname (one, on a line of its own) of two words, on one line or broken after the particle
    if (base.length !== 1) continue;
    const name = base[0];
    const at = input.search(new RegExp(`(?<=^|\\n)[ \\t]*${name}\\b[#.]*[ \\t]*(?=\\n|$)`, 'i'));
    if (at < 0) continue;
    const written = input.slice(at).match(new RegExp(name, 'i'))![0];
    const offset = input.indexOf(written, at);
    for (const p of PARTICLE_SURNAMES) {
      const upper = written === written.toUpperCase();
      const particle = upper ? p : p[0] + p.slice(1).toLowerCase();
      const want = [`${particle} ${written}`];
      const canon = c.params?.canonicalize !== false;
      const expect = canon ? want.map((w) => w.toUpperCase()) : want;
      // (on one line, or broken after each word of the particle)
      const breaks = [
        particle + ' ',
        ...[...particle.matchAll(/ /g)].map(
          (b) => particle.slice(0, b.index) + '\n' + particle.slice(b.index! + 1) + ' ',
        ),
        particle + '\n',
      ];
      for (const written2 of breaks) {
        twoWords++;
        check(
          `surname "${written2}${written}"`,
          input.slice(0, offset) + written2 + input.slice(offset),
          expect,
        );
      }
    }
    // the surname capitalised, or joined to another by a hyphen, as the mixed-case cables write it
    const cap = written[0].toUpperCase() + written.slice(1).toLowerCase();
    const canon = c.params?.canonicalize !== false;
    for (const form of [cap, `Brown-${cap}`, `${written}-SMITH`]) {
      twoWords++;
      check(
        `surname "${form}"`,
        input.slice(0, offset) + form + input.slice(offset + written.length),
        [canon ? form.toUpperCase() : form],
      );
    }
    // two family names joined by `Y`/`E`, and a hyphenated surname broken after its hyphen
    const upperName = written === written.toUpperCase();
    for (const [form, read] of [
      upperName
        ? [`GARCIA Y ${written}`, `GARCIA Y ${written}`]
        : [`Garcia y ${cap}`, `Garcia y ${cap}`],
      upperName
        ? [`SOUSA E ${written}`, `SOUSA E ${written}`]
        : [`Sousa e ${cap}`, `Sousa e ${cap}`],
      [`BROWN-\n${written}`, `BROWN-${written}`],
      [`Brown-\n${cap}`, `Brown-${cap}`],
    ]) {
      twoWords++;
      check(
        `surname "${form}"`,
        input.slice(0, offset) + form + input.slice(offset + written.length),
        [canon ? read.toUpperCase() : read],
      );
    }
  }
  t.diagnostic(
    `${tried} signer rewritings (${twoWords} with a surname of two words), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(tried > 200 && twoWords > 100, `only ${tried} rewritings`);
  assert.deepEqual(failures, []);
});

/**
 * Lines the posts and the sources of the archive put after the signer (FORMAT.md §5, §10): the
 * post's classified web site, its address broken over lines, a rule of stars, a line of the
 * scraper's database, a headline the source cut short, a redaction (FORMAT.md §5).
 */
const CLOSING_LINES = [
  "Visit London's Classified Website: http://www.intelink.sgov.gov/wiki/Portal:United_Kingdom",
  '"Visit Ankara\'s Classified Web Site at http://www.intelink.s\ngov.gov/wiki/Portal:Turkey"',
  'Please visit Paris’ Classified Website at: http://www.state.sgov.gov/p/eur/paris/index.cfm',
  '********************************************* *\nhttp://www.state.sgov.gov/p/nea/kuwait/',
  "SELECT * FROM `cable` WHERE `id` = '12345' ORDER BY `date` ASC",
  'MINISTERS MEET ON THE ...',
  'XXXXXXXXXXXX',
];

/** The line of a post's classified web site as the sources that join lines write it. */
const SITE_LINES = [
  "Visit London's Classified Website: http://www.intelink.sgov.gov/wiki/Portal:Unit ed_Kingdom",
  'Please visit Paris’ Classified Website at: http://www.state.sgov.gov/p/eur/paris/index.c fm',
  "Visit London's Classified Website: http://www.state.sgov.gov/p/eur/london/index. cfm",
  'Visit Ankara’s Classified Web Site at http://www.intelink.sgov.gov/wiki/Portal:Turkey',
];

test('rewritings of the tuning signers: closing lines, a name after an end marker, other cases', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  for (const { c, base, read } of tuningCases(
    cases,
    'signers',
    (c, s) => parseSigners(s, c.params?.canonicalize !== false),
    (c) => c.expected.signers,
  )) {
    if (base.length !== 1) continue;
    const input = c.input!;
    const canon = c.params?.canonicalize !== false;
    const check = (kind: string, text: string, want: string[]) => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const got = read(text);
      if (JSON.stringify(got) !== JSON.stringify(want))
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(want)}`);
    };
    for (const j of CLOSING_LINES) check('closing line', `${input.trimEnd()}\n${j}\n`, base);
    // the surname on a line of its own, with what the text ends with before it
    const name = base[0];
    const at = input.search(new RegExp(`(?<=^|\\n)[ \\t]*${name}\\b[#.]*[ \\t]*(?=\\n|$)`, 'i'));
    if (at < 0) continue;
    const written = input.slice(at).match(new RegExp(name, 'i'))![0];
    const offset = input.indexOf(written, at);
    const lineEnd = input.indexOf('\n', offset);
    const end = lineEnd < 0 ? input.length : lineEnd;
    const put = (line: string) => input.slice(0, at) + line + input.slice(end);
    const want = (w: string) => [canon ? w.toUpperCase() : w];
    // after an end marker on the same line (FORMAT.md §5: `END TEXT`, a quoted cable's `UNQUOTE`)
    if (written === written.toUpperCase())
      for (const marker of ['END TEXT.', 'End Text.', 'END TEXT', 'UNQUOTE', 'MINIMIZE CONSIDERED'])
        check('after an end marker', put(`${marker} ${written}`), base);
    // in lower case, printed twice in two cases, with a suffix in lower case, with a date after it
    const lower = written.toLowerCase();
    const cap = written[0].toUpperCase() + written.slice(1).toLowerCase();
    check('in lower case', put(`\n${lower}`), want(lower));
    check(
      'twice, in two cases',
      put(`${written.toUpperCase()} ${cap}`),
      want(written.toUpperCase()),
    );
    check('twice, on two lines', put(`${cap}\n${lower}`), want(cap));
    check('a suffix in lower case', put(`${written} jr`), base);
    check('a date after it', put(`${written} 2008-01-08`), base);
    // a capitalised surname with a particle glued to it (`LeBaron`, `DeLisi`)
    for (const p of ['Le', 'De', 'Van'])
      check('a particle glued', put(`${p}${cap}`), want(`${p}${cap}`));
    // the lines joined by the source: the surname at the end of the last sentence's line, in
    // capitals or capitalised, and after the address of the post's web site
    const before = input.slice(0, at).trimEnd();
    if (/[.!?)"”]$/.test(before) && !/[\s.][A-Z]\.$/.test(before))
      for (const form of [written.toUpperCase(), cap])
        check(
          'after the last sentence',
          `${before} ${form}${input.slice(end)}`,
          want(canon ? form.toUpperCase() : form),
        );
    for (const site of SITE_LINES)
      for (const form of [written.toUpperCase(), cap])
        check(
          'after the web site',
          put(`${site} ${form}`),
          want(canon ? form.toUpperCase() : form),
        );
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} signer rewritings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(total > 300, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

/** TAG codes of 5 FAH-3 by shape (FORMAT.md §7): subject and program codes, country codes. */
const CODE_SHAPED = /^(?:[A-Z]{4}|[A-Z]{2})$/;

test('rewritings of the tuning TAGS lines: the next field run in or glued, codes parted by slashes', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  for (const { c, base, read } of tuningCases(
    cases,
    'tags',
    (c, s) => parseTags(s, c.params?.canonicalize !== false).tags,
    (c) => c.expected.tags,
  )) {
    const input = c.input!;
    const lm = /^([ \t]*)(TAGS?\b[^\n]*)$/im.exec(input);
    if (!base.length || !lm) continue;
    const line = lm[2].replace(/[ \t]+$/, '');
    // (only a TAGS line read whole on its own: a line ending in a comma goes on on the next)
    if (JSON.stringify(read(line)) !== JSON.stringify(base)) continue;
    const at = lm.index + lm[1].length;
    const put = (l: string) => input.slice(0, at) + l + input.slice(at + lm[2].length);
    const check = (kind: string, text: string) => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const got = read(text);
      if (JSON.stringify(got) !== JSON.stringify(base))
        failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for ${JSON.stringify(base)}`);
    };
    // the next field of the caption on the same line, after a space or glued to the last tag
    for (const next of [
      'SUBJECT: TALKS ON TRADE',
      'SUBJECT TALKS ON TRADE',
      'SUBJ: TALKS ON TRADE',
      'Subject: Talks on trade',
      'E.O. 12958: DECL: 1/1/2019',
      'Classified By: Ann Roe, reasons 1.4 (b)',
      'REF: STATE 1234',
    ])
      check('next field run in', put(`${line} ${next}`));
    for (const next of ['SUBJECT: TALKS ON TRADE', 'SUBJ: TALKS'])
      check('subject glued', put(`${line}${next}`));
    // codes parted by slashes instead of spaces or commas (only lines of codes)
    const body = line.replace(/^TAGS?[ \t]*:?[ \t]*/i, '');
    const codes = body.split(/[\s,]+/).filter(Boolean);
    if (codes.length >= 2 && codes.every((w) => CODE_SHAPED.test(w.toUpperCase())))
      check('slashes', put(`${line.slice(0, line.length - body.length)}${codes.join('/')}`));
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} TAGS rewritings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(total > 200, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

test('rewritings of the tuning subjects for title case: acronyms with an ending, double hyphens', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  for (const { c, base } of tuningCases(
    cases,
    'titlefy',
    (_, s) => titlefy(s),
    (c) => c.expected.titlefied_subject,
  )) {
    const words = c.input!.trim().split(/\s+/);
    const outs = base.split(' ');
    if (words.length !== outs.length) continue;
    const check = (kind: string, ws: string[], want: string[]) => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const got = titlefy(ws.join(' '));
      if (got !== want.join(' '))
        failures.push(`${c.name} (${kind}): "${got}" for "${want.join(' ')}"`);
    };
    const upper = words.join(' ') === words.join(' ').toUpperCase();
    for (let i = 0; i < words.length; i++) {
      // an acronym the subject keeps in capitals, with a possessive ending
      if (/^[A-Z]{2,}$/.test(words[i]) && outs[i] === words[i] && upper) {
        const ws = [...words];
        const want = [...outs];
        ws[i] += "'S";
        want[i] += "'s";
        check("acronym's", ws, want);
      }
      // two words joined by a double hyphen (a dash): the second opens a phrase
      if (
        i + 1 < words.length &&
        /^[A-Za-z]+$/.test(words[i]) &&
        /^[A-Za-z]+$/.test(words[i + 1])
      ) {
        const ws = [...words.slice(0, i), `${words[i]}--${words[i + 1]}`, ...words.slice(i + 2)];
        const second = outs[i + 1][0].toUpperCase() + outs[i + 1].slice(1);
        const want = [...outs.slice(0, i), `${outs[i]}--${second}`, ...outs.slice(i + 2)];
        check('double hyphen', ws, want);
        // two words the source joined at a colon (the second opens a phrase) or a comma
        const glue = (kind: string, mark: string, w2: string) =>
          check(
            kind,
            [...words.slice(0, i), `${words[i]}${mark}${words[i + 1]}`, ...words.slice(i + 2)],
            [...outs.slice(0, i), `${outs[i]}${mark}${w2}`, ...outs.slice(i + 2)],
          );
        if (upper) {
          glue('glued colon', ':', second);
          glue('glued comma', ',', outs[i + 1]);
        }
      }
    }
    // a word written in mixed case on purpose, before the last word
    if (words.length >= 3 && upper) {
      const n = words.length - 1;
      check('DoD', [...words.slice(0, n), 'DoD', words[n]], [...outs.slice(0, n), 'DoD', outs[n]]);
      // `Mc` written before a name in capitals, as subjects in capitals write it
      check(
        'McNAME',
        [...words.slice(0, n), "McCAIN'S", words[n]],
        [...outs.slice(0, n), "McCain's", outs[n]],
      );
    }
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} title rewritings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(total > 100 && (kinds.get("acronym's") ?? 0) > 5, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});

/**
 * Abbreviations with vowels that no list of title.ts names, told by their letters alone (the kinds
 * issue 16 names: an impossible opening or closing pair, an X before a consonant, three letters that
 * are no word).
 */
const SHAPE_ACRONYMS = ['KSA', 'PDVSA', 'EXBS', 'DAS', 'MFA', 'USG', 'ANSF', 'GTMO', 'HEU'];

/**
 * Abbreviations of four letters or more that read like words, kept in capitals by the cables'
 * usage (title.ts `LONG_ABBREVIATIONS`), and plurals of the acronym list.
 */
const USAGE_ACRONYMS = ['FATA', 'EULEX', 'MANPADS', 'SRAP', 'SECDEF', 'ROYG', 'SOFA', 'CODELS'];

/** The forms an abbreviation takes in a subject: possessive, dashes, brackets, quotes, compounds. */
const ACRONYM_FORMS: [string, (a: string) => string, (a: string) => string][] = [
  ['bare', (a) => a, (a) => a],
  ["'S", (a) => `${a}'S`, (a) => `${a}'s`],
  ['’S', (a) => `${a}’S`, (a) => `${a}’s`],
  ['--', (a) => `${a}--`, (a) => `${a}--`],
  ['(…)', (a) => `(${a})`, (a) => `(${a})`],
  ['"…":', (a) => `"${a}":`, (a) => `"${a}":`],
  ['/US', (a) => `${a}/US`, (a) => `${a}/US`],
  ['-BASED', (a) => `${a}-BASED`, (a) => `${a}-Based`],
  ["'S--", (a) => `${a}'S--`, (a) => `${a}'s--`],
];

test('rewritings of the tuning subjects for title case: abbreviations of the tables and of shape, in every form; already title-cased', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(11);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const tableAcronyms = [...ORGANIZATION_ACRONYMS].filter((a) => a.length >= 3);
  for (const { c, base } of tuningCases(
    cases,
    'titlefy',
    (_, s) => titlefy(s),
    (c) => c.expected.titlefied_subject,
  )) {
    const words = c.input!.trim().split(/\s+/);
    const outs = base.split(' ');
    const check = (kind: string, input: string, want: string) => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const got = titlefy(input);
      if (got !== want) failures.push(`${c.name} (${kind}): "${got}" for "${want}"`);
    };
    // the title, title-cased again, is itself; so is the subject with curly apostrophes
    check('title again', base, base);
    if (/'/.test(c.input!))
      check('curly apostrophe', c.input!.replace(/'/g, '’'), base.replace(/'/g, '’'));
    if (words.length !== outs.length) continue;
    const upper = c.input! === c.input!.toUpperCase();
    if (!upper) continue;
    // an abbreviation in place of each plain word (not the first or last: those stay capitalised
    // as words and as abbreviations alike), in each form
    for (let i = 1; i < words.length - 1; i++) {
      if (!/^[A-Z]+$/.test(words[i])) continue;
      for (const [form, write, read] of ACRONYM_FORMS) {
        const table = tableAcronyms[Math.floor(rnd() * tableAcronyms.length)];
        const shape = SHAPE_ACRONYMS[Math.floor(rnd() * SHAPE_ACRONYMS.length)];
        const usage = USAGE_ACRONYMS[Math.floor(rnd() * USAGE_ACRONYMS.length)];
        for (const [kind, a] of [
          ['table acronym', table],
          ['shape acronym', shape],
          ['usage acronym', usage],
        ]) {
          const ws = [...words];
          const want = [...outs];
          ws[i] = write(a);
          want[i] = read(a);
          // a double hyphen or a colon opens a phrase: the word after it is capitalised
          if ((form.endsWith('--') || form.endsWith(':')) && i + 1 < outs.length)
            want[i + 1] = outs[i + 1][0].toUpperCase() + outs[i + 1].slice(1);
          check(`${kind} ${form}`, ws.join(' '), want.join(' '));
        }
      }
    }
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} title rewritings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(
    total > 500 &&
      (kinds.get('shape acronym bare') ?? 0) > 50 &&
      (kinds.get('usage acronym bare') ?? 0) > 50 &&
      (kinds.get('title again') ?? 0) > 10,
    `only ${total} rewritings`,
  );
  assert.deepEqual(failures, []);
});

test('rewritings of the tuning subjects: wrapped at other widths, a portion mark, a REF list run in', (t) => {
  const cases = casesOrSkip(t);
  if (!cases) return;
  const rnd = random(3);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  for (const { c, base, read } of tuningCases(
    cases,
    'subject',
    (c, s) => parseSubject(s, c.params?.strip_portion_marking !== false),
    (c) => c.expected.subject,
  )) {
    const input = c.input!;
    const label = /^([ \t]*)(SUBJECT|Subject|SUBJ)[ \t]*:[ \t]*/m.exec(input);
    if (!label || !base) continue;
    const from = label.index + label[0].length;
    // the subject's lines up to the blank line or the next field
    const rest = input.slice(from);
    const stop =
      /\n[ \t]*\n|\n[ \t]*(?:REF|Ref|Classified|CLASSIFIED|E\.O\.|1\.)|REF:|Classified By/.exec(
        rest,
      );
    const subjText = rest.slice(0, stop ? stop.index : rest.length);
    if (subjText.replace(/\s+/g, ' ').trim() !== base) continue;
    const after = rest.slice(subjText.length);
    const words = base.split(' ');
    const check = (kind: string, text: string) => {
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const got = read(text);
      if (got !== base) failures.push(`${c.name} (${kind}): ${JSON.stringify(got)} for "${base}"`);
    };
    const head = input.slice(0, from);
    // wrapped at a random width between 20 and 60 characters, with trailing spaces as cables have
    for (let n = 0; n < 3; n++) {
      const width = 20 + Math.floor(rnd() * 40);
      let lines: string[] = [''];
      for (const w of words) {
        const cur = lines[lines.length - 1];
        if (cur && cur.length + 1 + w.length > width) lines.push(w);
        else lines[lines.length - 1] = cur ? `${cur} ${w}` : w;
      }
      check('wrapped', `${head}${lines.join(' \n')}${after.startsWith('\n') ? '' : '\n'}${after}`);
    }
    // a REF list run into the subject's last line, with and without a colon
    for (const r of ['REF: A. STATE 1234 B. LIMA 55', 'REF A. STATE 1234', 'REF: STATE 1234'])
      check('REF run in', `${head}${base} ${r}\n\n${after.trimStart()}`);
    // the E.O. or TAGS line run into it, as a caption reflowed in another order writes them
    for (const r of [
      'E.O. 12958: DECL: 12/31/2019',
      'EO 12958 DECL: 1/1/19',
      'TAGS: PREL PGOV PE',
      'TAGS PREL, KDEM, BR',
      'Tags: prel, pgov',
    ])
      check('caption field run in', `${head}${base} ${r}\n\n${after.trimStart()}`);
    // the first paragraph or its summary run into it, as a reflowed text writes them
    for (const r of [
      '1. (C) THE TEXT.',
      '1.(SBU) Text.',
      '(C) SUMMARY: TEXT.',
      '(S/NF) Summary: Text.',
    ])
      check('paragraph run in', `${head}${base} ${r}\n\n${after.trimStart()}`);
    // the label glued to the end of the line before it (a TAGS line: `… PESUBJECT: …`)
    const glued = head.replace(/[ \t]*\n[ \t]*(?=SUBJECT[ \t]*:[ \t]*$)/, '');
    if (glued !== head && /[A-Z]$/.test(glued.slice(0, glued.lastIndexOf('SUBJECT'))))
      check('label glued', `${glued}${subjText}${after}`);
    // a portion mark before the subject (stripped when the case strips it)
    if (c.params?.strip_portion_marking !== false)
      for (const m of [
        '(C)',
        '(SBU)',
        '(S/NF)',
        '(U)',
        '(C NF)',
        '(S//REL USA, ISAF)',
        '(C) -',
        '(SBU):',
      ])
        check('portion mark', `${head}${m} ${subjText}${after}`);
  }
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${total} subject rewritings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${failures.length} read otherwise`,
  );
  for (const f of failures.slice(0, 40)) t.diagnostic(f);
  assert.ok(total > 100, `only ${total} rewritings`);
  assert.deepEqual(failures, []);
});
