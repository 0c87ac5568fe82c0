// Typed references (FORMAT.md §6): every REF item with its kind and mark. Fixtures are invented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCable,
  parseReferences,
  parseTypedReferences,
  splitItems,
  stepFailures,
  type TypedReference,
} from '../../src/cables/parse/index.ts';

const typed = (text: string, year = 2009, own: string | null = '09LIMA500') =>
  parseTypedReferences(text, year, own);
const cable = (value: string, bullet: string | null = null): TypedReference => ({
  kind: 'cable',
  value,
  bullet,
});

test('typed refs: lettered items in every mark the format uses', () => {
  for (const list of [
    'REF: A. LIMA 12 B. STATE 3456',
    'REF: A) LIMA 12 B) STATE 3456',
    'REF: (A) LIMA 12 (B) STATE 3456',
    'REF: [A] LIMA 12 [B] STATE 3456',
    'REF: A - LIMA 12\n     B - STATE 3456',
    'REF: A. LIMA 12\n     ¶B. STATE 3456',
    'REF A LIMA 12 REF B STATE 3456',
  ])
    assert.deepEqual(typed(list), [cable('09LIMA12', 'A'), cable('09STATE3456', 'B')], list);
  // numbered items
  assert.deepEqual(typed('REF: (1) LIMA 12 (2) 08 STATE 3456'), [
    cable('09LIMA12', '1'),
    cable('08STATE3456', '2'),
  ]);
  // unmarked items, one after a semicolon, then marked ones
  assert.deepEqual(typed('REF: 08 STATE 1; A. A)QUITO 2; B. B) BOGOTA 3'), [
    cable('08STATE1'),
    cable('09QUITO2', 'A'),
    cable('09BOGOTA3', 'B'),
  ]);
});

test('typed refs: a mark written twice is one mark; a repeated letter is a new item', () => {
  assert.deepEqual(typed('REF: A. REF A STATE 1 B. REF B LIMA 2'), [
    cable('09STATE1', 'A'),
    cable('09LIMA2', 'B'),
  ]);
  // the web pages' letters over the cable's own: the first mark counts
  assert.deepEqual(typed('REF: A. (A) QUITO 5\nB. (B) QUITO 6'), [
    cable('09QUITO5', 'A'),
    cable('09QUITO6', 'B'),
  ]);
  assert.deepEqual(typed('REF: A) LIMA 3 B) ROE-DOE EMAIL 5/11/09 B) LIMA 4'), [
    cable('09LIMA3', 'A'),
    { kind: 'email', value: 'ROE-DOE EMAIL 5/11/09', bullet: 'B' },
    cable('09LIMA4', 'B'),
  ]);
});

test('typed refs: initials are not marks, a list starts at A', () => {
  assert.deepEqual(typed('REF: E-mails J. Roe-K. Doe'), [
    { kind: 'email', value: 'E-mails J. Roe-K. Doe', bullet: null },
  ]);
  assert.deepEqual(
    splitItems('B. LIMA 1 C. LIMA 2').map((i) => i.bullet),
    [null],
  );
});

test('typed refs: other documents keep their words as written', () => {
  assert.deepEqual(
    typed(
      'REF: A. ROE/DOE TELCON 02/16/2009\nB. ROE E-MAIL OF 3/4\nC. 2008 HUMAN RIGHTS REPORT\n' +
        'D. 9 FAM 41.1\nE. IIR 6 123 4567 09\nF. OSC EUP20090101950001\nG. MAY 1 ROE-DOE LETTER\n' +
        'H. ROE-DOE MEMCON\nI. STATE-LIMA SVTC MAY 9\nJ. SECDEF MSG DTG 301601Z SEP 08\n' +
        'K. LIMA POINTS JULY 15\nL. TD-314/12345-09\nM. ROE-DOE PHONECON 5/6/09\n' +
        'N. PHONE CONVERSATION ROE/DOE',
    ),
    [
      { kind: 'telcon', value: 'ROE/DOE TELCON 02/16/2009', bullet: 'A' },
      { kind: 'email', value: 'ROE E-MAIL OF 3/4', bullet: 'B' },
      { kind: 'report', value: '2008 HUMAN RIGHTS REPORT', bullet: 'C' },
      { kind: 'book', value: '9 FAM 41.1', bullet: 'D' },
      { kind: 'report', value: 'IIR 6 123 4567 09', bullet: 'E' },
      { kind: 'report', value: 'OSC EUP20090101950001', bullet: 'F' },
      { kind: 'letter', value: 'MAY 1 ROE-DOE LETTER', bullet: 'G' },
      { kind: 'memo', value: 'ROE-DOE MEMCON', bullet: 'H' },
      { kind: 'telcon', value: 'STATE-LIMA SVTC MAY 9', bullet: 'I' },
      { kind: 'cable', value: 'SECDEF MSG DTG 301601Z SEP 08', bullet: 'J' },
      { kind: 'other', value: 'LIMA POINTS JULY 15', bullet: 'K' },
      { kind: 'report', value: 'TD-314/12345-09', bullet: 'L' },
      { kind: 'telcon', value: 'ROE-DOE PHONECON 5/6/09', bullet: 'M' },
      { kind: 'telcon', value: 'PHONE CONVERSATION ROE/DOE', bullet: 'N' },
    ],
  );
  // a document word that is the cited cable's subject leaves it a cable
  assert.deepEqual(typed('REF: A. LIMA 123 (EMAIL) B. STATE 45: REPORT OF THE TALKS'), [
    cable('09LIMA123', 'A'),
    cable('09STATE45', 'B'),
  ]);
  // a cable and a document in one item, apart
  assert.deepEqual(typed('REF: STATE 1234 AND ROE EMAIL OF 5/5/09'), [
    cable('09STATE1234'),
    { kind: 'email', value: 'ROE EMAIL OF 5/5/09', bullet: null },
  ]);
});

test('typed refs: a bare serial is the citing post’s; a year alone is not a serial', () => {
  assert.deepEqual(typed('REF: A) 6307 B) STATE 2857', 2003, '03ANKARA6322'), [
    cable('03ANKARA6307', 'A'),
    cable('03STATE2857', 'B'),
  ]);
  assert.deepEqual(typed('REF: A. LIMA DAILY REPORT FOR MAY 17\n\nB. 2006'), [
    { kind: 'report', value: 'LIMA DAILY REPORT FOR MAY 17', bullet: 'A' },
  ]);
  // without the citing cable nothing is guessed
  assert.deepEqual(typed('REF: A) 6307', 2003, null), []);
});

test('typed refs: prose after the list is not an item; repeats and the cable itself are dropped', () => {
  assert.deepEqual(
    typed('REF: A. QUITO 7\nB. QUITO 8\n\nFROM THE DESK\n\nI commend the reporting of the post.'),
    [cable('09QUITO7', 'A'), cable('09QUITO8', 'B')],
  );
  assert.deepEqual(typed('REF: A. LIMA 500 B. QUITO 8 C. QUITO 8 AND PREVIOUS'), [
    cable('09QUITO8', 'B'),
  ]);
});

test('typed refs: a station code that canonical ids write another way is kept as cited', () => {
  assert.deepEqual(typed('REF: A) Taipei 3393 B) AIT TAIPEI 12', 2005, null), [
    cable('05TAIPEI3393', 'A'),
    cable('05AITTAIPEI12', 'B'),
  ]);
  assert.deepEqual(parseReferences('REF: A) Taipei 3393', 2005, null), ['05AITTAIPEI3393']);
});

test('typed refs: a cable item with its year after the serial, a mark, a comma or a message word inside', () => {
  assert.deepEqual(typed('REF: QUITO 00123 99, QUITO 0456 01', 2002, '02QUITO700'), [
    cable('99QUITO123'),
    cable('01QUITO456'),
  ]);
  assert.deepEqual(
    typed('REF: A. BOGOTA (C)00123 B. QUITO, 456 C. QUITO CABLES 0789 AND 0790 (2008)'),
    [
      cable('09BOGOTA123', 'A'),
      cable('09QUITO456', 'B'),
      cable('09QUITO789', 'C'),
      cable('08QUITO790', 'C'),
    ],
  );
});

test('typed refs: the label written again before the first mark, on one line or reflowed', () => {
  for (const list of [
    'Ref:  Ref A) Quito 12 B) Quito 0345',
    'REF: REF A) QUITO 12 B) QUITO 0345',
    'Refs: Ref (A) Quito 12 (B) Quito 0345',
    'SUBJECT: Talks  Ref:  Ref A) Quito 12 B) Quito 0345  1. (U) Text',
  ])
    assert.deepEqual(typed(list), [cable('09QUITO12', 'A'), cable('09QUITO345', 'B')], list);
  // an item's message word, serial and year in parentheses wrapped onto the next lines
  assert.deepEqual(typed('REF: QUITO CABLES\n0123 AND 0456\n(2008)'), [
    cable('09QUITO123'),
    cable('08QUITO456'),
  ]);
});

test('typed refs: in the parser output and the API shape, beside references', () => {
  const body =
    'C O N F I D E N T I A L LIMA 000500\n\nE.O. 12958: DECL: 12/01/2019\nTAGS: PREL, PE\n' +
    'SUBJECT: TALKS\n\nREF: A. LIMA 12 B. ROE-DOE E-MAIL 11/30/09 C. 08 STATE 77\n\n' +
    'Classified By: Ambassador Ann Roe for reasons 1.4 (b) and (d)\n\n1. (C) Text.\n\nROE\n';
  const p = parseCable({ referenceId: '09LIMA500', body });
  assert.deepEqual(stepFailures(p), []);
  assert.deepEqual(p.references, ['09LIMA12', '08STATE77']);
  assert.deepEqual(p.typedReferences, [
    cable('09LIMA12', 'A'),
    { kind: 'email', value: 'ROE-DOE E-MAIL 11/30/09', bullet: 'B' },
    cable('08STATE77', 'C'),
  ]);
  assert.deepEqual(parseCable({ body: 'no list here' }).typedReferences, []);
});
