// Odd cable shapes from FORMAT.md §10, as small invented fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canonicalId,
  parseCable,
  parseClassifiedBy,
  parseDtg,
  parseHeader,
  splitTags,
  splitHeader,
  stepFailures,
  tagKind,
  titlefy,
} from '../../src/cables/parse/index.ts';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cables');
const read = (f: string, enc: BufferEncoding = 'utf8') => readFileSync(path.join(FIX, f), enc);

test('partial extract: body only, section 2 of 3, no header', () => {
  const p = parseCable(
    { body: read('partial-extract.txt'), partial: true },
    { year: 2008, referenceId: '08ANYTOWN123' },
  );
  assert.equal(p.partial, true);
  assert.equal(p.section, 2);
  assert.equal(p.sectionCount, 3);
  assert.equal(p.classification, 'SECRET//NOFORN');
  assert.equal(p.paragraphs[0].number, 5);
  assert.equal(p.paragraphs[0].marking, 'S/NF');
  assert.equal(p.created, null);
  assert.ok(p.warnings.includes('no creation date (DTG) found'));
});

test('fragment without header takes year and own id from hints', () => {
  const p = parseCable(
    { body: read('no-header-fragment.txt') },
    { year: 2005, referenceId: '05ANKARA99' },
  );
  assert.equal(p.referenceId, '05ANKARA99');
  assert.deepEqual(p.references, ['05ANKARA12']);
  assert.deepEqual(p.tags, ['PREL', 'PGOV', 'TU']);
  assert.equal(p.subject, 'FRAGMENT WITHOUT HEADER');
  assert.equal(p.declassify, '2014-01-07');
});

test('Latin-1 CRLF text with pilcrows', () => {
  const text = read('latin1-crlf.txt', 'latin1');
  const { header, body } = splitHeader(text);
  const p = parseCable({ header, body });
  assert.equal(p.created, '2007-01-01T12:00:00Z');
  assert.equal(p.origin, 'Embassy Bogota');
  assert.equal(p.referenceId, '07BOGOTA7');
  assert.equal(p.subject, 'CAFÉ EXPORTS RISE');
  assert.equal(p.title, 'Café Exports Rise');
  assert.deepEqual(
    p.paragraphs.map((x) => x.number),
    [1, 2],
  );
  assert.deepEqual(p.signers, ['BROWNFIELD']);
  assert.ok(!p.body.includes('\r') && !p.body.includes('¶'));
});

test('1970s cable: SUBJ:, two-letter precedence, GP-3 before the signer', () => {
  const { header, body } = splitHeader(read('old-1975-subj.txt'));
  const p = parseCable({ header, body });
  assert.equal(p.created, '1975-11-18T12:05:00Z');
  assert.equal(p.precedence, 'IMMEDIATE');
  assert.equal(p.subject, 'FISHING LICENCE TALKS RESUME');
  assert.deepEqual(p.references, ['75STATE270001']);
  assert.equal(p.declassify, 'GDS');
  assert.deepEqual(p.recipients, [
    { route: null, name: 'SECSTATE WASHDC', precedence: 'IMMEDIATE', mcn: '4410' },
  ]);
  assert.deepEqual(p.signers, ['SMITH']);
  assert.equal(p.classification, 'UNCLASSIFIED');
});

test('UNCLAS E F T O banner and portion marking stripped from subject', () => {
  const p = parseCable({ body: read('unclas-efto.txt') }, { year: 2006 });
  assert.equal(p.classification, 'UNCLASSIFIED');
  assert.equal(p.referenceId, null); // ANYTOWN is not a known post
  assert.equal(p.subject, 'WARDEN MESSAGE: ROAD CLOSURES');
  assert.equal(p.declassify, null);
  assert.deepEqual(p.tags, ['ASEC', 'AMGT']);
});

test('multi-section cable: section marker removed, references with and without year', () => {
  const p = parseCable({ referenceId: '09BERLIN1167', body: read('multi-section.txt') });
  assert.equal(p.section, 1);
  assert.equal(p.sectionCount, 2);
  assert.deepEqual(p.references, ['09BERLIN988', '08BERLIN504']);
  assert.deepEqual(p.classifiedBy, ['Jane Q. Doe']);
  assert.equal(p.summary, 'Talks opened on schedule.');
  assert.deepEqual(
    p.paragraphs.map((x) => x.number),
    [1, 2],
  );
  assert.ok(!p.paragraphs[0].text.includes('00001167'));
  assert.deepEqual(p.signers, ['DOE']);
});

test('never throws on garbage, and no step fails on it', () => {
  for (const body of [
    '',
    '\u0000\u0000',
    'SUBJECT:',
    'TAGS:',
    '1.',
    'Classified By:',
    'x'.repeat(50000),
  ]) {
    const p = parseCable({ body });
    assert.deepEqual(stepFailures(p), [], JSON.stringify(body.slice(0, 20)));
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const p = parseCable({ body: null as any, header: 42 as any });
  assert.ok(p.warnings.includes('the header is not text; it was ignored'));
  assert.deepEqual(stepFailures(p), []);
});

test('ids, DTG, names, kinds, titles', () => {
  assert.equal(canonicalId('05RIO123'), '05RIODEJANEIRO123');
  assert.equal(canonicalId('09EFTOLONDON2468'), '09LONDON2468');
  assert.equal(canonicalId('08ECTION01OF02MANAMA492'), '08MANAMA492');
  assert.equal(canonicalId('07SOIA828'), '07SOFIA828');
  assert.equal(canonicalId('7575LIBREVILLE1895'), '75LIBREVILLE1895');
  assert.equal(canonicalId('90STATE255577TOSEC140323'), '90STATE255577');
  assert.equal(canonicalId('garbage'), null);
  assert.equal(parseDtg('110944Z SEP 07'), '2007-09-11T09:44:00Z');
  assert.equal(parseDtg('320000Z SEP 07'), null);
  assert.deepEqual(
    parseClassifiedBy(
      '1. (U) CLASSIFIED BY THOMAS W. SIMONS, JR., AMBASSADOR.\nREASON: 1.5 (B), (C) AND (D).',
    ).names,
    ['Thomas W. Simons, Jr.'],
  );
  assert.equal(tagKind('KIPR'), 'program');
  assert.equal(tagKind('OBAMA, BARACK'), 'person');
  assert.equal(
    titlefy('BACK TO THE FUTURE? QADHAFI CALLS FOR CHANGE'),
    'Back to the Future? Qadhafi Calls for Change',
  );
});

test('classified by: three-word names after a title, bare middle initial, split words', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  assert.deepEqual(names('Classified By: Econ Officer Anna Maria Example for reasons 1.4 (b)'), [
    'Anna Maria Example',
  ]);
  assert.deepEqual(names('Classified By: Acting Director Jane \n Q Sample for reasons 1.4 (d)'), [
    'Jane Q Sample',
  ]);
  assert.deepEqual(names('Classified By: Acting DCM/John Sample for reasons 1.4 (b)'), [
    'John Sample',
  ]);
  assert.deepEqual(names('Classified By: Political Counselor John Sample f \nor reasons 1.4 (b)'), [
    'John Sample',
  ]);
  assert.deepEqual(names("Classified By: Charge d'Affaires John Sample under Se \nction 1.5 b/d"), [
    'John Sample',
  ]);
  assert.deepEqual(names('CLASSIFIED BY AMBASSADOR JOHN Q. SAMPLE II FR REASONS 1.4 (B)'), [
    'JOHN Q. SAMPLE II',
  ]);
  assert.deepEqual(names('Classified By: Envoy for Freedonia and Sylvania Jane Q. Sample'), [
    'Jane Q. Sample',
  ]);
  assert.deepEqual(
    names('Classified By: Economical and Political Chief Jo Sample; reasons 1.4 (b)'),
    ['Jo Sample'],
  );
  assert.deepEqual(names('Classified By: Minister-Counselor Jo Sample for reasons 1.4 (b)'), [
    'Jo Sample',
  ]);
  // all-capital leftovers are not taken for a third name
  assert.deepEqual(names('Classified By: LTC JOHN SAMPLE for reasons 1.4 (b)'), ['JOHN SAMPLE']);
});

test('tags: person in parentheses, multi-word tags, glued suffixes, short words', () => {
  assert.deepEqual(splitTags('ovip (sample, john q.), prel, pgov'), [
    'OVIP',
    'SAMPLE, JOHN Q.',
    'PREL',
    'PGOV',
  ]);
  assert.deepEqual(splitTags('PREL HUMAN RIGHTS MEDIA REACTION REPORT'), [
    'PREL',
    'HUMAN RIGHTS',
    'MEDIA REACTION REPORT',
  ]);
  assert.deepEqual(splitTags('PREL MEETINGS WITH AMBASSADOR NEW ZEALAND'), [
    'PREL',
    'MEETINGS WITH AMBASSADOR',
    'NEW ZEALAND',
  ]);
  assert.deepEqual(splitTags('MARR LABORS HUMAN RIGHTSPOLMIL'), [
    'MARR',
    'LABORS',
    'HUMAN RIGHTS',
    'POL',
    'MIL',
  ]);
  assert.deepEqual(splitTags('PGOV POL FOREIGN POL'), ['PGOV', 'POL', 'FOREIGN POL']);
  assert.deepEqual(splitTags('PGOV TIP IN RURITANIA'), ['PGOV', 'TIP IN RURITANIA']);
  assert.deepEqual(splitTags('PREL FARM REFORM RURITANIAN POLITICS'), [
    'PREL',
    'FARM REFORM',
    'RURITANIAN POLITICS',
  ]);
});

test('XMT: posts excluded from a collective follow it with excluded: true', () => {
  const h = parseHeader(
    'FM AMEMBASSY ANYTOWN\nTO RUEHC/SECSTATE WASHDC IMMEDIATE 1234\nRUEHZZ/SAMPLE POSTS COLLECTIVE\nXMT/AMEMBASSY ONE\nAMEMBASSY TWO\nINFO XMT AMEMBASSY THREE',
  );
  assert.deepEqual(h.recipients, [
    { route: 'RUEHC', name: 'SECSTATE WASHDC', precedence: 'IMMEDIATE', mcn: '1234' },
    { route: 'RUEHZZ', name: 'SAMPLE POSTS COLLECTIVE', precedence: null, mcn: null },
    { route: null, name: 'AMEMBASSY ONE', precedence: null, mcn: null, excluded: true },
    { route: null, name: 'AMEMBASSY TWO', precedence: null, mcn: null, excluded: true },
  ]);
  assert.deepEqual(h.infoRecipients, []);
});
