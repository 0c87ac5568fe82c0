// The REF list grammar over generated lists: every combination of label, item marker, year
// position, separator, trailing note, non-cable item, damage and list end that FORMAT.md §6 and
// docs/cables.md describe is read to the ids it names. Seeded, so a failure names its list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReferences } from '../../src/cables/parse/index.ts';
import { STATIONS, STATION_ALIASES } from '../../src/cables/parse/tables.ts';
import { seededRandom } from '../seeded.ts';

/** Station names as cables write them with spaces. */
const SPACED: Record<string, string> = {
  BUENOSAIRES: 'BUENOS AIRES',
  SAOPAULO: 'SAO PAULO',
  THEHAGUE: 'THE HAGUE',
  NEWDELHI: 'NEW DELHI',
  TELAVIV: 'TEL AVIV',
  PORTAUPRINCE: 'PORT AU PRINCE',
  ADDISABABA: 'ADDIS ABABA',
  SANJOSE: 'SAN JOSE',
  KUALALUMPUR: 'KUALA LUMPUR',
  RIODEJANEIRO: 'RIO DE JANEIRO',
  USUNNEWYORK: 'USUN NEW YORK',
  HONGKONG: 'HONG KONG',
  ABUDHABI: 'ABU DHABI',
};
const LABELS = [
  'REF:',
  'REFS:',
  'REF(S):',
  'Ref:',
  'Refs:',
  'REFTEL:',
  'REFTELS:',
  'Ref(s):',
  'REF',
  'REF;',
  'REFERENCE:',
  'REF: REF:',
  'Reftel:',
];
const MARKERS = [
  'A.',
  'A)',
  '(A)',
  '[A]',
  'A',
  'A.)',
  'A:',
  'a.',
  '(a)',
  'A. A)',
  'A. (A)',
  'REF A:',
  'A -',
];
const SEPARATORS = [' ', '  ', '; ', ', ', '\n', '\n     ', '\n\n', '\n \n     ', ';\n', ' \u00b6'];
const ENDS = [
  '',
  '\n',
  '\n\nClassified By: Ambassador Ann Roe for reasons 1.4 (b) and (d).\n',
  '\n\n1. (C) Summary: The minister said ROME 55 things.\n',
  '\n\n1.(C) The minister said ROME 55 things.\n',
  '\n\n(SBU) The minister said ROME 55 things.\n',
  '\n\nSUMMARY\n-------\nROME 55\n',
  '\nCLASSIFIED BY: Ann Roe, Charge, REASON 1.4(B)\n',
  '\n\nSENSITIVE BUT UNCLASSIFIED - ENTIRE TEXT\nROME 55\n',
];
const NON_CABLE = [
  'JONES-SMITH E-MAIL 05/11/07',
  'TELCON 12/1/08',
  'MEMCON OF JAN 5',
  'OSC EUP20080707950031',
  'CAIRO IIR 6 899 0149 10',
  'SECDEF MSG DTG 301601Z SEP 08',
  '9 FAM 40.1',
  'EMBASSY PARIS DAILY REPORT FOR OCTOBER 28',
];
const NOTES = [' (NOTAL)', ' AND PREVIOUS', ' (EXDIS)', ' (PARAS 3-4)'];

function list(r: () => number): { text: string; want: string[] } {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const stations = STATIONS.filter((s) => !STATION_ALIASES[s]);
  const marker = pick(MARKERS);
  const count = 1 + Math.floor(r() * 5);
  const items: string[] = [];
  const want: string[] = [];
  for (let i = 0; i < count; i++) {
    const letter = String.fromCharCode(65 + i);
    const m =
      count === 1 && r() < 0.5
        ? ''
        : marker.replace(/A/g, letter).replace(/a/g, letter.toLowerCase());
    let body: string;
    if (r() < 0.12) body = pick(NON_CABLE);
    else {
      const st = pick(stations);
      const name = SPACED[st] && r() < 0.7 ? SPACED[st] : st;
      const written =
        r() < 0.2 ? name.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase()) : name;
      const serial = String(1 + Math.floor(r() * (r() < 0.5 ? 999 : 199999)));
      const padded = r() < 0.2 ? serial.padStart(6, '0') : serial;
      const year = r() < 0.5 ? null : 2000 + Math.floor(r() * 10);
      const yy = year ? String(year % 100).padStart(2, '0') : '';
      const glued = written.replace(/ /g, '');
      const forms = [
        `${yy} ${written} ${padded}`,
        `${year} ${written} ${padded}`,
        `${yy}${glued} ${padded}`,
        `${yy}-${glued}-${padded}`,
        `${written} ${padded} (${yy})`,
        `${written} ${padded} (${year})`,
        `${written} ${padded} (DTG 011200Z JAN ${yy})`,
      ];
      body = year ? pick(forms) : `${written} ${padded}`;
      // damage: the letter O for a zero in the number, or the serial on the next line
      if (r() < 0.1) body = body.replace(/0(?=\d*$)/, 'O');
      else if (r() < 0.1) body = body.replace(/ (\d+)$/, '\n$1');
      if (r() < 0.15) body += pick(NOTES);
      const id = (year ? yy : '09') + st + serial;
      if (!want.includes(id)) want.push(id);
    }
    items.push(m ? (r() < 0.2 && /[.)]$/.test(m) ? `${m}${body}` : `${m} ${body}`) : body);
    // a page break of the printout after the first item
    if (i === 0 && count > 1 && r() < 0.1)
      items.push('\n CONFIDENTIAL\nPAGE 02 LIMA 01196 01 OF 02 082030Z\n');
  }
  let text = `SUBJECT: TALKS\n\n${pick(LABELS)} ${items.join(pick(SEPARATORS))}${pick(ENDS)}`;
  if (r() < 0.05) text = text.toLowerCase();
  return { text, want };
}

test('generated REF lists are read to the ids they name', () => {
  const r = seededRandom(20261205);
  const failures: string[] = [];
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const { text, want } = list(r);
    const got = parseReferences(text, 2009, null);
    try {
      assert.deepEqual(got, want);
    } catch {
      failures.push(
        `${JSON.stringify(text)}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`,
      );
    }
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${n} lists misread`);
});
