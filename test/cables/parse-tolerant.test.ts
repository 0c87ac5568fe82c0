// Text that strays from the format in the ways unseen cables do (docs/cables.md, "Reading unseen
// cables"). Every fixture is invented; each test names the format rule it holds the parser to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalId,
  findLabel,
  parseCable,
  parseClassifiedBy,
  parseReferences,
  parseSigners,
  parseSubject,
  parseTags,
  splitTags,
  stepFailures,
  titlefy,
} from '../../src/cables/parse/index.ts';

test('field labels: a REF label in the middle of a line with any punctuation before a cable item', () => {
  for (const label of ['REF.', 'REFS,', 'REF -', 'REF;', 'REF:']) {
    assert.deepEqual(
      parseReferences(
        `\nTRADE TALKS ON THE FTAA ${label} (A) 05 LIMA 405; (B) 05 QUITO 402\n`,
        2006,
        null,
      ),
      ['05LIMA405', '05QUITO402'],
      label,
    );
  }
  // without punctuation, or before no cable item, the word is no label
  assert.deepEqual(parseReferences('\nTHE REF MEETS 05 LIMA 405 TODAY\n', 2006, null), []);
  assert.deepEqual(parseReferences('\nTHE REF. WAS THERE\nLIMA 405\n', 2006, null), []);
});

test('field labels: misspelt by a letter, any punctuation after them', () => {
  for (const label of [
    'TAGS;',
    'TAGS,',
    'TAGS:',
    'TAGS.',
    'TAGE:',
    'TGAS:',
    'TAQS;',
    'TAGSS',
    'Tags -',
  ]) {
    assert.deepEqual(
      parseTags(`E.O. 12958: DECL: 01/02/2019\n${label} PREL, PGOV, XY\nSUBJECT: SOMETHING`).tags,
      ['PREL', 'PGOV', 'XY'],
      label,
    );
  }
  for (const label of ['SUBJECT;', 'SUBJECT -', 'SUBJET:', 'SUBJCT:', 'SUJBECT:', 'Subject,']) {
    assert.equal(
      parseSubject(`TAGS: PREL\n${label} A PLAIN SUBJECT\n\n1. (C) Text.`),
      'A PLAIN SUBJECT',
      label,
    );
  }
  for (const label of ['REF;', 'REFS,', 'RFE:', 'REFTEL;', 'Ref(s):']) {
    assert.deepEqual(
      parseReferences(
        `SUBJECT: X\n${label} A. STATE 1234 B. 07 ANYWHERE 5 C. LIMA 66\n\n1. Text`,
        2008,
        null,
      ),
      ['08STATE1234', '08LIMA66'],
      label,
    );
  }
  for (const label of ['Classified By;', 'CLASSIFIED BY,', 'Classified by -', 'Classified By.']) {
    assert.deepEqual(
      parseClassifiedBy(`${label} Political Counselor Jo Roe for reasons 1.4 (b)`, false).names,
      ['Jo Roe'],
      label,
    );
  }
  // a TAGS label in capitals in the middle of a line, with any punctuation, before codes in any case
  for (const label of ['TAGS,', 'TAGS -', 'TAGS;', 'TAGS:'])
    assert.deepEqual(
      parseTags(`E.O. 12958: decl: 01/02/2019 ${label} prel, pgov, xy\nSubject: something`).tags,
      ['PREL', 'PGOV', 'XY'],
      label,
    );
  // ordinary words are not labels
  assert.deepEqual(parseTags('Subject: the TAGS, which we attached, are here').tags, []);
  assert.deepEqual(parseTags('Subject: the TAGS, and so on, are here').tags, []);
  assert.equal(findLabel('THE BAGS: WERE PACKED', 'TAGS'), null);
  assert.equal(findLabel('1. THE REFUGEE: COUNT', 'REF'), null);
  assert.equal(findLabel('We will subject: them', 'SUBJECT'), null);
});

test('fields run together on one line end each other', () => {
  const caption =
    'E.O. 12958: DECL: 01/02/2019 TAGS: PREL PGOV XY SUBJECT: TALKS GO ON; REF: A. STATE 1234 B. LIMA 55\n\n1. (C) Text.';
  assert.deepEqual(parseTags(caption).tags, ['PREL', 'PGOV', 'XY']);
  assert.equal(parseSubject(caption), 'TALKS GO ON');
  assert.deepEqual(parseReferences(caption, 2009, null), ['09STATE1234', '09LIMA55']);
  assert.equal(parseSubject('SUBJECT: TALKS GO ONREF: A. STATE 1234\n\n1. x'), 'TALKS GO ON');
  // a double-spaced caption: the subject goes on after a blank line when its line cannot end it
  assert.equal(
    parseSubject(
      'SUBJECT: FUNDS TO PROTECT THE \n\nRIVERS - REAL PROGRESS \n\nREF: 08 LIMA 1 \n\n1. x',
    ),
    'FUNDS TO PROTECT THE RIVERS - REAL PROGRESS',
  );
  assert.equal(parseSubject('SUBJECT: TALKS AND\n\n1. (C) Text.'), 'TALKS AND');
  // a caption written in mixed case with its fields on one line
  assert.equal(
    parseSubject(
      'E.o. 12958: decl: 01/07/2014 Tags: prel, tu Subject: talks go on\n\n(U) Classified by Ambassador Jo Roe',
    ),
    'talks go on',
  );
  assert.deepEqual(
    parseTags('E.o. 12958: decl: 01/07/2014 Tags: prel, tu Subject: talks go on').tags,
    ['PREL', 'TU'],
  );
  assert.equal(
    parseSubject('SUBJECT: TALKS GO ON Classified By: Ambassador Jo Roe for reasons 1.4 (b)'),
    'TALKS GO ON',
  );
  assert.equal(
    parseSubject('SUBJECT: TALKS GO ON\nE.O. 12958: DECL: 01/02/2019\n\n1. x'),
    'TALKS GO ON',
  );
  // a subject in mixed case glued to a REF label in capitals: the change of case is the boundary
  const glued = 'SUBJECT: Talks with the Minister of RuritaniaREF: A. STATE 1234\n\n1. (C) Text.';
  assert.equal(parseSubject(glued), 'Talks with the Minister of Ruritania');
  assert.deepEqual(parseReferences(glued, 2009, null), ['09STATE1234']);
  assert.equal(
    parseSubject('SUBJECT: Talks in RuritaniaREF A. STATE 1234 B. LIMA 55\n\n1. (C) Text.'),
    'Talks in Ruritania',
  );
  // a word that only contains the letters is no label (`PREFERENCES`)
  assert.equal(
    parseSubject('SUBJECT: TRADE PREFERENCES 2009 TALKS\n\n1. (C) Text.'),
    'TRADE PREFERENCES 2009 TALKS',
  );
  assert.equal(
    parseSubject('SUBJECT: VISIT TO REFUGEE CAMP 12 IN RURITANIA\n\n1. (C) Text.'),
    'VISIT TO REFUGEE CAMP 12 IN RURITANIA',
  );
});

test('reference lists: years in other places, originator aliases, printout lines', () => {
  const refs = (s: string, own: string | null = null) => parseReferences(s, 2009, own);
  // a year in parentheses after the serial, two or four digits
  assert.deepEqual(refs('REF: A. STATE 1234 (2007) B. LIMA 55 (08) C. LIMA 66'), [
    '07STATE1234',
    '08LIMA55',
    '09LIMA66',
  ]);
  // the parenthesised year belongs to the item before it, never to the next one
  assert.deepEqual(refs('REF: LIMA 1; BOGOTA 2 (08) LIMA 3'), ['09LIMA1', '08BOGOTA2', '09LIMA3']);
  // a two-digit year glued to the station, or prefixed to the serial
  assert.deepEqual(refs('REF: A. 07STATE 1234 B. STATE 06-55'), ['07STATE1234', '06STATE55']);
  // a year written apart between the station and the serial, or after the serial and a slash
  assert.deepEqual(refs('REF: A. STATE 07 1234 B. STATE 2006 4567 C. LIMA 00789/08 D. LIMA 55'), [
    '07STATE1234',
    '06STATE4567',
    '08LIMA789',
    '09LIMA55',
  ]);
  // the same after a station of two or three words or an alias
  assert.deepEqual(
    refs(
      'REF: A. ABU DHABI 07 1234 B. NEW DELHI 06-55 C. SECSTATE WASHDC 08-99 D. BUENOS AIRES 321',
    ),
    ['07ABUDHABI1234', '06NEWDELHI55', '08STATE99', '09BUENOSAIRES321'],
  );
  // an originator followed by the city it sits in, and another name of a station with a damaged letter
  const notes: string[] = [];
  assert.deepEqual(
    parseReferences(
      'REF: A. SECSTATE WASHINGTON 1234 B. SECDEF WASHINGTON DC 55 C. SECSTAT 77 D. 08 SECSTATE WASH DC 88',
      2009,
      null,
      notes,
    ),
    ['09STATE1234', '09SECDEF55', '09STATE77', '08STATE88'],
  );
  assert.deepEqual(notes, ['reference station "SECSTAT" read as STATE']);
  // four digits that open the next item are its year, not a serial after a year
  assert.deepEqual(refs('REF: LIMA 55 2007 STATE 1234; LAHORE 25 07 NEW DELHI 12'), [
    '09LIMA55',
    '07STATE1234',
    '09LAHORE25',
    '07NEWDELHI12',
  ]);
  // the date of the cited cable after its serial gives its year (FORMAT.md §6: the item names that
  // cable), and two numbers after a station without a year are not read as one
  assert.deepEqual(refs('REF: A. STATE 1234 OF 03/05/07 B. LIMA 12 AND 34'), [
    '07STATE1234',
    '09LIMA12',
    '09LIMA34',
  ]);
  // the cited cable's date after its serial, in the forms cables write a date
  assert.deepEqual(
    refs(
      'REF: A. STATE 12345 OF 03/04/08 B. LIMA 456 DTD 12 MAR 07 C. QUITO 789 DATED MARCH 4, 2006 ' +
        'D. BOGOTA 1011 (5/6/05) E. STATE 1213, DATED 150910Z DEC 04 F. LIMA 1415 OF 2003-02-01',
    ),
    ['08STATE12345', '07LIMA456', '06QUITO789', '05BOGOTA1011', '04STATE1213', '03LIMA1415'],
  );
  // a date that belongs to another document after the item, or after a bare comma (it may open the
  // next item), is not the item's
  assert.deepEqual(refs('REF: STATE 12345 10/15/07 E-MAIL FROM POL; LIMA 678, 3/4/06'), [
    '09STATE12345',
    '09LIMA678',
  ]);
  // a date newer than the citing cable, a day before a month after a short number, a date with no
  // year: the citing cable's year
  assert.deepEqual(
    refs('REF: A. LIMA 1234 OF 5/6/10 B. STATE 55 12 MAY 08 C. QUITO 77 OF 04 MAR'),
    ['09LIMA1234', '09STATE55', '09QUITO77'],
  );
  // an id written whole with a prefix or a damaged station is read as canonicalId reads it
  assert.deepEqual(refs('REF: A. 08AMEMBASSYCOPENHAGEN13 B. 10EFTOBANDARSERIBEGAWAN24'), [
    '08COPENHAGEN13',
    '10BANDARSERIBEGAWAN24',
  ]);
  // an item marked `B-` ends the e-mail item before it; a page number of the printout between
  // blank lines inside the list is neither a serial nor the end of the list
  assert.deepEqual(refs('REF: A- POL E-MAIL OF 10/01/08 B- LIMA 286 C- STATE 12'), [
    '09LIMA286',
    '09STATE12',
  ]);
  assert.deepEqual(refs('REF: A. LIMA 2799 AND\n\n- 2 -\n\n2764 B. STATE 5\n\n3\n\nC. QUITO 7'), [
    '09LIMA2799',
    '09LIMA2764',
    '09STATE5',
    '09QUITO7',
  ]);
  // no year anywhere: the citing cable's, from its own id when the year is not given
  assert.deepEqual(parseReferences('REF: A. STATE 12 B. 06 LIMA 3', null, '07LIMA5'), [
    '07STATE12',
    '06LIMA3',
  ]);
  // an item letter glued to the year or the station
  assert.deepEqual(refs('REF: A.08 STATE 1234 B.LIMA 55 C.2007 BOGOTA 3'), [
    '08STATE1234',
    '09LIMA55',
    '07BOGOTA3',
  ]);
  // originator aliases (tables.json station_aliases)
  assert.deepEqual(refs('REF: A. SECSTATE 1234 B. SECSTATE WASHDC 5678 C. 08 USUN 9'), [
    '09STATE1234',
    '09STATE5678',
    '08USUNNEWYORK9',
  ]);
  // station and serial written together, a unique abbreviation of the station
  assert.deepEqual(refs('REF: A) LIMA 725 B) LIMA743 C) 05 CASA 12'), [
    '09LIMA725',
    '09LIMA743',
    '05CASABLANCA12',
  ]);
  // a page break of the printout inside the list: page head, repeated banner, blank lines
  const printout =
    'REF: A. STATE 1234\n     B. LIMA 55\n\n\nCONFIDENTIAL\n\nPAGE 02        LIMA  01700  021000Z\n\n     C. LIMA 66\n     D. BOGOTA 77\n\nClassified By: x';
  assert.deepEqual(refs(printout), ['09STATE1234', '09LIMA55', '09LIMA66', '09BOGOTA77']);
  const banner =
    'REF: A. STATE 1234\nB. LIMA 55\nC O N F I D E N T I A L SECTION 02 OF 03 LIMA 001700\nC. LIMA 66\n\n1. (C) x';
  assert.deepEqual(refs(banner), ['09STATE1234', '09LIMA55', '09LIMA66']);
  // items numbered at the start of a line are not numbered paragraphs
  assert.deepEqual(
    refs('REF: 1. STATE 1234\n2. LIMA 55\n3. 07 BOGOTA 6 (NOTAL)\n\n1. (C) The talks: LIMA 77.'),
    ['09STATE1234', '09LIMA55', '07BOGOTA6'],
  );
  // a banner in lower case (`S e c r e t section 02 of 03 riyadh 000182`) is a printout line too
  assert.deepEqual(
    refs('REF: A. KABUL 500\nS e c r e t section 02 of 03 riyadh 000182\nB. KABUL 501\n\n1. (C) x'),
    ['09KABUL500', '09KABUL501'],
  );
  // blank lines left by a page break do not end the list when the next item follows them
  assert.deepEqual(refs('REF: A. KABUL 500\n \n \n \nB. KABUL 501\n\n\n\nThe talks went on.'), [
    '09KABUL500',
    '09KABUL501',
  ]);
  const marker = parseCable({
    referenceId: '10RIYADH182',
    body:
      'C O N F I D E N T I A L SECTION 01 OF 03 RIYADH 000182 \n \nE.O. 12958: DECL: 02/10/2020 \nTAGS: PREL SA \n' +
      'SUBJECT: VISIT \n \nREF: A. KABUL 500 \n \nRIYADH 00000182  001.2 OF 003 \n \n \nB. KABUL 501 \n \n' +
      'Classified By: Ambassador James B. Smith for reasons 1.4 (B) and (D) \n \n1. (C) Text.\n',
  });
  assert.deepEqual(marker.references, ['10KABUL500', '10KABUL501']);
  // the list goes on after a page head on the same line
  assert.deepEqual(
    refs(
      'REF: A. STATE 1\n CONFIDENTIAL\nPAGE 02 LIMA 01700 01 OF 02 082030Z  B. LIMA 2\nClassified By: x',
    ),
    ['09STATE1', '09LIMA2'],
  );
});

test('reference lists: a year after the serial, a mark, a comma or a message word between station and serial', () => {
  const refs = (s: string, year = 2009) => parseReferences(s, year, null);
  // a year written apart after the serial, ending its item: two or four digits
  assert.deepEqual(refs('REF: LIMA 00123 99, QUITO 0456 01, BOGOTA 789 2005'), [
    '99LIMA123',
    '01QUITO456',
    '05BOGOTA789',
  ]);
  assert.deepEqual(refs('REF: A. LIMA 00123 08 AND 456'), ['08LIMA123', '08LIMA456']);
  // not when it would be newer than the citing cable, or more than twenty years older
  assert.deepEqual(refs('REF: LIMA 123 10', 2009), ['09LIMA123']);
  assert.deepEqual(refs('REF: LIMA 123 1985', 2009), ['09LIMA123']);
  // not when the item goes on after it (the next item's year, a date)
  assert.deepEqual(refs('REF: LIMA 123 07 STATE 456'), ['09LIMA123', '07STATE456']);
  assert.deepEqual(refs('REF: LIMA 123 12 MAY 2009'), ['09LIMA123']);
  // a portion mark between the station and the serial is the item's marking
  assert.deepEqual(refs('REF: LIMA (C)00123, BUENOS AIRES (S//NF) 456, STATE (SBU) 78'), [
    '09LIMA123',
    '09BUENOSAIRES456',
    '09STATE78',
  ]);
  // a comma between the station and the serial, as a colon may stand there
  assert.deepEqual(refs('REF: QUITO 12, QUITO, 345, STATE: 6789'), [
    '09QUITO12',
    '09QUITO345',
    '09STATE6789',
  ]);
  // after a comma, a year is not a serial, and a serial after another serial is not the station's
  assert.deepEqual(refs('REF: MEETINGS IN QUITO, 2008'), []);
  assert.deepEqual(refs('REF: STATE 12345, 67890'), ['09STATE12345']);
  // a word naming the kind of message between the station and the serial
  assert.deepEqual(
    refs('REF: QUITO CABLES 0123 AND 0456 (2008), STATE TEL 789, LIMA REFTEL NO. 55 ; BERN MSG 66'),
    ['09QUITO123', '08QUITO456', '09STATE789', '09LIMA55', '09BERN66'],
  );
  // a message known by its DTG is still no serial
  assert.deepEqual(refs('REF: SECDEF MSG 301601Z SEP 08'), []);
});

test('reference lists: O for a zero, an item split after a glued year, a post named city first', () => {
  const refs = (s: string, own: string | null = null) => parseReferences(s, 2009, own);
  // the letter O for a zero in a serial, a year, a parenthesised year or a year glued to the station
  assert.deepEqual(
    refs('REF: A. CAPETOWN O00840 B. NAHA 9O9 C. MUMBAI 245 (2O05) D. O4MOSCOW 153 E. LIMA 5 (O3)'),
    ['09CAPETOWN840', '09NAHA909', '05MUMBAI245', '04MOSCOW153', '03LIMA5'],
  );
  // a word that only starts with O is not a number (`01OSAKAKOBE` keeps its letter)
  assert.deepEqual(refs('REF: 01OSAKAKOBE 92 ; OSLO 7'), ['01OSAKAKOBE92', '09OSLO7']);
  // a year glued to the station, the serial on the next line
  assert.deepEqual(refs('REF: A. 05KUWAIT\n000245\nB. 09KOLKATA\n590\n\nClassified By: x'), [
    '05KUWAIT245',
    '09KOLKATA590',
  ]);
  // an office post written city first (`DUBAI RPO` is RPODUBAI), with a note
  const notes: string[] = [];
  assert.deepEqual(parseReferences('REF: DUBAI RPO 378', 2009, '09RPODUBAI379', notes), [
    '09RPODUBAI378',
  ]);
  assert.deepEqual(notes, ['reference station "DUBAI RPO" read as RPODUBAI']);
  assert.deepEqual(refs('REF: A. BRUSSELS USEU 12 B. LIMA POL 5'), ['09USEUBRUSSELS12']);
});

test('reference lists: words of the cable are not damaged stations; years from a DTG or before AND', () => {
  const refs = (s: string) => parseReferences(s, 2010, null);
  // PARAS is one letter from PARIS and CABLES from NAPLES, but they are words of the cable
  assert.deepEqual(refs('REF: A. LIMA 123 (PARAS 3-4) B. LIMA 456 (CABLES 12 AND 13)'), [
    '10LIMA123',
    '10LIMA456',
  ]);
  // a damaged station is still read (`PARRIS`)
  assert.deepEqual(refs('REF: PARRIS 77'), ['10PARIS77']);
  // the year with a hyphen or slash on either side of the serial, four digits glued to the station
  assert.deepEqual(
    refs('REF: A. STATE-08-1234 B. LIMA/07/55 C. BOGOTA 1234-06 D. QUITO 77/2005 E. 2004STATE99'),
    ['08STATE1234', '07LIMA55', '06BOGOTA1234', '05QUITO77', '04STATE99'],
  );
  // also when station, serial and year are all joined by hyphens or slashes
  assert.deepEqual(refs('REF: A. STATE-1234-08 B. LIMA/1234/07 C. 07-QUITO-77'), [
    '08STATE1234',
    '07LIMA1234',
    '07QUITO77',
  ]);
  // a date is not a year: LIMA 03/05/07 is no reference, a range of serials keeps the cable's year
  assert.deepEqual(refs('REF: A. LIMA E-MAIL 03/05/07 B. STATE 1234-1236'), ['10STATE1234']);
  // the DTG of the cited cable after its serial gives the item's year
  assert.deepEqual(refs('REF: A. STATE 1234 (DTG 311200Z DEC 09) B. STATE 5678 (091234Z FEB 10)'), [
    '09STATE1234',
    '10STATE5678',
  ]);
  // a serial after AND shares the station also when the year of the item before is in parentheses
  assert.deepEqual(refs('REF: STATE 1234 (2009) AND 5678 (2008)'), ['09STATE1234', '08STATE5678']);
});

test('reference lists end where the cable goes on: paragraphs, headings, caption fields', () => {
  const refs = (s: string) => parseReferences(s, 2009, null);
  const after = [
    '(SBU) Post met officials in Rome 12 times.', // a paragraph opened by its portion mark
    '(C) Post met officials in Rome 12 times.',
    '1.(C) Post met officials in Rome 12 times.', // numbered, no space before the mark
    '\u00b61. (C) Rome 12', // the paragraph sign of the web pages
    'I. SUMMARY\n\nROME 12', // a summary heading
    'BACKGROUND\n----------\n\nRome 12', // a heading above a rule
    'SENSITIVE BUT UNCLASSIFIED, PLEASE PROTECT ACCORDINGLY. Rome 12.',
    'This is an action request. See Rome 12.',
    'TAGS: PREL\nSUBJECT: MEETING IN ROME 12 MAY', // the caption goes on
  ];
  for (const a of after) assert.deepEqual(refs(`REF: STATE 1234\n\n${a}`), ['09STATE1234'], a);
  // the handling line also ends a list on the same line
  assert.deepEqual(refs('REF: STATE 1234 Sensitive but unclassified - entire text. Rome 12'), [
    '09STATE1234',
  ]);
  // an item opened by a one-letter mark is still an item
  assert.deepEqual(refs('REF: (A) STATE 1234\n(B) LIMA 55\n(C) Sao Paulo 42\n\n(C) The talks.'), [
    '09STATE1234',
    '09LIMA55',
    '09SAOPAULO42',
  ]);
  // a caption written twice (cut short, then whole): the second REF list is read too
  const twice =
    'SUBJECT: MEETING\nREF: A. KABUL 673\n\n\nS e c r e t section 01 of 03 kabul 000693\n\n' +
    'E.o. 12958: decl: 02/25/2020\nTags: pgov, af\nSubject: meeting\n\nRef: a. kabul 673\nb. 09 kabul 3068\n\n' +
    'Classified By: Deputy Director Ann Roe for Reasons 1.4(b) and (d)\n';
  assert.deepEqual(parseReferences(twice, 2010, null), ['10KABUL673', '09KABUL3068']);
});

test("the citing cable's own banner inside a REF list gives no reference", () => {
  const refs = (s: string) => parseReferences(s, 2009, null);
  // a list cut short, then the caption again reflowed onto one line after its banner
  assert.deepEqual(
    refs(
      'SUBJECT: TALKS\n\nREF: A) STATE 85123 B) STATE 96102 ...\n\n' +
        'S E C R E T QUITO 000733 SIPDIS E.O. 12958: DECL: 03/04/2019 TAGS: PGOV PREL\n' +
        'STATE 96102 Classified By:',
    ),
    ['09STATE85123', '09STATE96102'],
  );
  // in the middle of a list on one line, unspaced, lower case, with a section and a caveat
  for (const banner of [
    'S E C R E T SECTION 02 OF 03 QUITO 000733',
    'CONFIDENTIAL QUITO 000733',
    'c o n f i d e n t i a l section 02 of 03 quito 000733',
    'SECRET//NOFORN SAO PAULO 000733',
    'UNCLAS E F T O QUITO 000733',
  ])
    assert.deepEqual(
      refs(`REF: A. STATE 1234 B. LIMA 55 ${banner} C. BOGOTA 77`),
      ['09STATE1234', '09LIMA55', '09BOGOTA77'],
      banner,
    );
  // a page head with the routing indicator and serial of the transmission, and the banner
  for (const head of [
    'PAGE 02 RUEHXX0123 C O N F I D E N T I A L QUITO 000123',
    'PAGE 02 RUEHXX0123 S E C R E T',
  ])
    assert.deepEqual(
      refs(`REF: A. STATE 1234\n\n\n\n${head}\n\nB. LIMA 55\n\n1. (C) Text.`),
      ['09STATE1234', '09LIMA55'],
      head,
    );
  // a classification word before an item letter, or words that are not a station, take nothing
  assert.deepEqual(refs('REF: A. SECRET B. LIMA 12'), ['09LIMA12']);
  assert.deepEqual(refs('REF: A. SECRETARY LIMA 12'), ['09LIMA12']);
  // an item naming the classification of its cable is not a banner: no spaced letters, no section,
  // an unpadded serial and no caveat or line end after it
  assert.deepEqual(refs('REF: A. UNCLASSIFIED STATE 1234 B. LIMA 55'), ['09STATE1234', '09LIMA55']);
});

test('a subject running into a REF label without a colon: both fields are read', () => {
  const cases: [string, string, string[]][] = [
    ['SUBJECT: TALKS. REF A. LIMA 123 B. STATE 456', 'TALKS.', ['09LIMA123', '09STATE456']],
    ['SUBJECT: TALKS REF (A) LIMA 123', 'TALKS', ['09LIMA123']],
    ['SUBJECT: TALKS REF LIMA 123', 'TALKS', ['09LIMA123']],
    ['SUBJECT: TALKS REF - 08 LIMA 123', 'TALKS', ['08LIMA123']],
    [
      'SUBJECT: (C/NF) TALKS IN THE UK PRIMEREF: A. LONDON 1939  B. LONDON 1704',
      'TALKS IN THE UK PRIME',
      ['09LONDON1939', '09LONDON1704'],
    ],
  ];
  for (const [text, subject, refs] of cases) {
    assert.equal(parseSubject(text), subject, text);
    assert.deepEqual(parseReferences(text, 2009, null), refs, text);
  }
  // written Ref, before a marked item; and a bare item letter at the end of a wrapped line
  assert.deepEqual(
    parseReferences('Subject: Uninsured Fleet Ref A) London 002351 B) State 069339', 2010, null),
    ['10LONDON2351', '10STATE69339'],
  );
  assert.deepEqual(parseReferences('SUBJECT: THE COUNT - YET REF A\nWELLINGTON 721', 2006, null), [
    '06WELLINGTON721',
  ]);
  // a REF word not followed by an item is part of the subject
  assert.equal(parseSubject('SUBJECT: THE REF COUNT IS UP'), 'THE REF COUNT IS UP');
  assert.deepEqual(parseReferences('SUBJECT: THE REF COUNT IS UP', 2009, null), []);
});

test('reference items that name another kind of document, and dates, cite no cable', () => {
  const refs = (s: string) => parseReferences(s, 2009, null);
  // the words of an e-mail, telcon, memcon, letter or report item are not read as a cable
  assert.deepEqual(refs('REF: A. EMAIL FROM POL/LIMA 12 JAN 09 B. STATE 1234'), ['09STATE1234']);
  assert.deepEqual(refs('REF: A. OSC REPORT EUP20080707950031 (MOSCOW 12) B. STATE 1'), [
    '09STATE1',
  ]);
  assert.deepEqual(refs('REF: A. LETTER FROM AMBASSADOR TO MINISTER, LIMA 12 MAY B. STATE 1'), [
    '09STATE1',
  ]);
  // the item ends at AND, a comma or semicolon, a line end or the next lettered item
  assert.deepEqual(refs('REF: JONES EMAIL 5/5 AND LIMA 55; C. TELCON 12/1/08, D LIMA 66'), [
    '09LIMA55',
    '09LIMA66',
  ]);
  // a cable that mentions an e-mail after its serial is still a cable
  assert.deepEqual(refs('REF: A. LIMA 123 (EMAIL) B. STATE 456'), ['09LIMA123', '09STATE456']);
  // a day before a month, and numbers around a slash, are dates
  assert.deepEqual(refs('REF: A. TELCON WITH BOGOTA 12 MAY B. LIMA 55 C. PARIS 12/5'), [
    '09LIMA55',
  ]);
});

test('caption fields and signers as the other distributions write them: CRLF, entities, no-break spaces', () => {
  const caption =
    'E.O. 12958: DECL: 12/01/2019\nTAGS: PREL, PGOV,\n  ECON\nSUBJECT: TALKS ON THE\nBORDER \n \n' +
    'Classified By: Political Counselor Jo\nanna Roe for reasons 1.4 (b)\n\n1. (C) Text.';
  const body = '2. (C) More text.\n\nROE\n';
  const read = (c: string, b: string) => ({
    tags: parseTags(c).tags,
    subject: parseSubject(c),
    names: parseClassifiedBy(c, false).names,
    signers: parseSigners(b),
  });
  const want = {
    tags: ['PREL', 'PGOV', 'ECON'],
    subject: 'TALKS ON THE BORDER',
    names: ['Joanna Roe'],
    signers: ['ROE'],
  };
  assert.deepEqual(read(caption, body), want);
  for (const f of [
    (s: string) => s.replace(/\n/g, '\r\n'),
    (s: string) => s.replace(/\n/g, '&#x000A;'),
    (s: string) => s.replace(/\n/g, '\\\n'),
    (s: string) => s.replace(/ /g, '\u00a0'),
  ])
    assert.deepEqual(read(f(caption), f(body)), want, f(caption));
});

test('reference lists as the other distributions write them: entities, CRLF, double spacing', () => {
  const refs = (s: string) => parseReferences(s, 2004, null);
  const list =
    'REF: A. OTTAWA 2258\n\n     B. (B) OTTAWA 1245\n     C. 03\n\nHANOI 2323 D. HCMC 196';
  const want = ['04OTTAWA2258', '04OTTAWA1245', '03HANOI2323', '04HOCHIMINHCITY196'];
  assert.deepEqual(refs(list), want);
  // newlines as entities (the web pages), CRLF, csv backslash-newlines, no-break spaces
  assert.deepEqual(refs(list.replace(/\n/g, '&#x000A;')), want);
  assert.deepEqual(refs(list.replace(/\n/g, '\r\n')), want);
  assert.deepEqual(refs(list.replace(/\n/g, '\\\n')), want);
  assert.deepEqual(refs(list.replace(/ /g, '\u00a0')), want);
  // double spaced: every line followed by a blank one
  assert.deepEqual(refs(list.replace(/\n/g, '\n \n')), want);
  // a page head in lower case inside the list
  assert.deepEqual(
    refs('REF: A. STATE 40721\n confidential\npage 02 rome 01196 01 of 02 082030z  B. ROME 1098'),
    ['04STATE40721', '04ROME1098'],
  );
  // written on one line (a reflowed text): a page head inside the list, a corrected-copy line after it,
  // a REF label without a colon before a bare item letter
  assert.deepEqual(
    refs('REF: A. STATE 40721 CONFIDENTIAL PAGE 02 ROME 01196 01 OF 02 082030Z B. ROME 1098'),
    ['04STATE40721', '04ROME1098'],
  );
  assert.deepEqual(refs('REF: Panama 01764 C O R R E C T E D COPY OF PANAMA 1957 - TEXT'), [
    '04PANAMA1764',
  ]);
  assert.deepEqual(
    refs('SUBJECT: NOT DOWN FOR THE COUNT - YET REF A WELLINGTON 721 B WELLINGTON 690'),
    ['04WELLINGTON721', '04WELLINGTON690'],
  );
  // a one-letter item mark before a station of words that open sentences is an item, not a paragraph
  assert.deepEqual(
    refs('REF: (A) THE HAGUE 109\n(B) THE HAGUE 108\n(C) THE HAGUE 097\n(D) 09 THE HAGUE 759'),
    ['04THEHAGUE109', '04THEHAGUE108', '04THEHAGUE97', '09THEHAGUE759'],
  );
  // an item that runs over lines after two blank lines: a second mark, or a number within three lines
  assert.deepEqual(
    refs(
      'REF: A. (A) PARIS\n7682 AND PREVIOUS\n\n\nB. (B) EMBASSY\nPARIS DAILY REPORT\n\nC. (C) PARIS\n7527',
    ),
    ['04PARIS7682', '04PARIS7527'],
  );
  assert.deepEqual(refs('REF: A. LIMA 1\n\n\nB. 08\nLIMA\n2'), ['04LIMA1', '08LIMA2']);
  // a serial padded to eight digits as in a section marker; a section marker inside the list, also
  // broken over lines, is the citing cable's own serial, not a reference
  assert.deepEqual(refs('REF: A. 08 BEIJING 00000123 B. LIMA 5'), ['08BEIJING123', '04LIMA5']);
  assert.deepEqual(refs('REF: 2009 CAIRO 2394 LIMA 00001234 002 OF 003 2009 CAIRO 491'), [
    '09CAIRO2394',
    '09CAIRO491',
  ]);
  assert.deepEqual(
    refs('REF: A) 05 SAO PAULO 703; B) 05 SAO PAUL 614 SAO PAULO 00000161\n001.3 OF 005'),
    ['05SAOPAULO703', '05SAOPAULO614'],
  );
  // a REF heading underlined by a rule: the list starts after the rule
  assert.deepEqual(refs('REFERENCES\n----------\nA. LIMA 1\nB. LIMA 2\n\n1. (C) x'), [
    '04LIMA1',
    '04LIMA2',
  ]);
  // prose after two blank lines still ends the list
  assert.deepEqual(refs('REF: LIMA 1\n\n\nTHE 2009 ELECTIONS IN ROME 5 PROVINCES'), ['04LIMA1']);
});

test('reference stations with one damaged letter are read when only one station is that close', () => {
  const refs = (s: string) => parseReferences(s, 2009, null);
  assert.deepEqual(refs('REF: A. BANGOK 55 B. LIAM 44 C. BUENOS AIRS 12 D. NAIROB 9'), [
    '09BANGKOK55',
    '09LIMA44',
    '09BUENOSAIRES12',
    '09NAIROBI9',
  ]);
  // BERN and BONN are both one letter from BENN (and BENIN one letter longer): no guess
  assert.deepEqual(refs('REF: A. BENN 55'), []);
  // a short station with a letter dropped; a long one with a letter dropped near its start is the
  // nearest station, not the station its end spells (`USEBRUSSELS` is not BRUSSELS)
  assert.deepEqual(refs('REF: A. LMA 55 B. KBUL 44 C. USEBRUSSELS 12 D. UNVIEVIENA 3'), [
    '09LIMA55',
    '09KABUL44',
    '09USEUBRUSSELS12',
    '09UNVIEVIENNA3',
  ]);
  // months and short words of the cable are not short stations
  assert.deepEqual(refs('REF: LIMA E-MAIL OF MAR 12; PART 2'), []);
  // a damaged station is reported
  const p = parseCable({
    referenceId: '09LIMA1700',
    body: 'UNCLAS LIMA 001700\n\nSUBJECT: X\nREF: BANGOK 55\n\n1. Text.\n\nROE\n',
  });
  assert.deepEqual(p.references, ['09BANGKOK55']);
  assert.ok(
    p.warnings.includes('reference station "BANGOK" read as BANGKOK'),
    p.warnings.join('; '),
  );
});

test('reference ids: a letter changed or dropped, a section prefix with damaged letters', () => {
  assert.equal(canonicalId('09LMA123'), '09LIMA123');
  assert.equal(canonicalId('09NAIROB123'), '09NAIROBI123');
  assert.equal(canonicalId('09SECT1ON01OF02LIMA123'), '09LIMA123');
  assert.equal(canonicalId('09SECTION1OF2LIMA123'), '09LIMA123');
  assert.equal(canonicalId('09S1CTION01OF02LIMA12'), '09LIMA12');
  // a letter O for a zero in the year or the serial
  assert.equal(canonicalId('O9LIMA123'), '09LIMA123');
  assert.equal(canonicalId('09LIMA1O69'), '09LIMA1069');
  // a zero or a one among the station's letters for the letter it looks like
  assert.equal(canonicalId('090TTAWA12'), '09OTTAWA12');
  assert.equal(canonicalId('09BRAS1LIA7'), '09BRASILIA7');
  assert.equal(canonicalId('09SECTION01OF02QUIT05'), '09QUITO5');
  // never more than seven digits
  assert.equal(canonicalId('00LIMA1000O000'), null);
  // two stations equally close: not guessed
  assert.equal(canonicalId('09BENN123'), null);
  // a damaged letter in the office part of a post's code: the post, not the city its end spells
  assert.equal(canonicalId('07USEBRUSSELS2'), '07USEUBRUSSELS2');
  assert.equal(canonicalId('07USAUBRUSSELS2'), '07USEUBRUSSELS2');
  assert.equal(canonicalId('06AITAIPEI26'), '06AITTAIPEI26');
  assert.equal(canonicalId('05UNESCOPARISFX1'), '05UNESCOPARISFR1');
  // junk in front of a whole station name is still dropped
  assert.equal(canonicalId('09SIFIEDABUJA12'), '09ABUJA12');
  // the same ids written whole in a REF list, with a note
  const notes: string[] = [];
  assert.deepEqual(
    parseReferences('REF: A. 09SECTION01OF02LIMA1234 B. 08SECT1ON1OF2BOGOTA55', 2010, null, notes),
    ['09LIMA1234', '08BOGOTA55'],
  );
  assert.ok(
    notes.includes('reference id given as "09SECTION01OF02LIMA1234"; read as 09LIMA1234'),
    notes.join('\n'),
  );
});

test('reference ids written whole and damaged the ways of the malformed ids are repaired', () => {
  const notes: string[] = [];
  assert.deepEqual(
    parseReferences(
      'REF: A. 09LMA123 B. 06MADRID002583ZFR2585 C. 85NOFORNMOGADISHU1643',
      2009,
      null,
      notes,
    ),
    ['09LIMA123', '06MADRID2583', '85MOGADISHU1643'],
  );
  assert.ok(
    notes.includes('reference id given as "06MADRID002583ZFR2585"; read as 06MADRID2583'),
    notes.join('; '),
  );
  // report numbers are not ids
  assert.deepEqual(
    parseReferences('REF: A. OSC EUP20080707950031 B. DAR-T TS-323-08A', 2009, null),
    [],
  );
});

test('classified by: a particle of the surname capitalised or in capitals is no given name', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  assert.deepEqual(names('Classified By: A/S Vann H. Van Roe. Reason 1.5 (D)'), [
    'Vann H. Van Roe',
  ]);
  assert.deepEqual(names('Classified By: PolOff Ana Maria De la Roe, reasons 1.4 b,d'), [
    'Ana Maria De la Roe',
  ]);
  assert.deepEqual(names('CLASSIFIED BY: POLCOUNS JOHN VAN DER ROE FOR REASONS 1.4 (B,D)'), [
    'JOHN VAN DER ROE',
  ]);
  assert.deepEqual(parseClassifiedBy('CLASSIFIED BY: DCM JOHN DEL ROE, 1.4 (B)').names, [
    'John Del Roe',
  ]);
  // where it must not apply: a particle inside an office is no part of the name, a surname
  // written like a particle is the surname, and a word before a given name is not taken with it
  assert.deepEqual(names('Classified By: Charge de Affaires John Roe, reasons 1.4 (b)'), [
    'John Roe',
  ]);
  assert.deepEqual(names('Classified By: DCM John Le, reasons 1.4 (b)'), ['John Le']);
  assert.deepEqual(names('Classified By: Economic Counselor Ann Roe, 1.4 (b)'), ['Ann Roe']);
});

test('classified by: broken words, damaged titles, offices glued by a dash, digits for letters', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  // an initial whose period became a comma (character damage of the source system)
  assert.deepEqual(names('Classified By: DCM Ann Q, Roe, Reason 1.4 (b) (d)'), ['Ann Q. Roe']);
  assert.deepEqual(parseClassifiedBy('Classified By: DCM Ann Q, Roe, Reason 1.4 (b)').names, [
    'Ann Q. Roe',
  ]);
  // not before a word of office or a suffix
  assert.deepEqual(names('Classified By: Ann Q, Political Officer, POL; REASON: 1.4(B)'), [
    'Ann Q',
  ]);
  assert.deepEqual(names('Classified By: Ann Roe, Jr., reasons 1.4(b)'), ['Ann Roe, Jr.']);
  assert.deepEqual(names('Classified By: Deputy Coordinator Ann Z\nee for reasons 1.4 (b)'), [
    'Ann Zee',
  ]);
  assert.deepEqual(names('Classified By: Deputy Coordinator Ann Z ee for reasons 1.4 (b)'), [
    'Ann Zee',
  ]);
  assert.deepEqual(names('Classified By: Political Officer Jo\nanna Roe for reasons 1.4 (b)'), [
    'Joanna Roe',
  ]);
  assert.deepEqual(names('Classified By: Ambassdor Roe for reasons 1.4 (b)'), ['Roe']);
  assert.deepEqual(names('Classified By: Politcal Counselour Jo Roe for reasons 1.4 (b)'), [
    'Jo Roe',
  ]);
  assert.deepEqual(names('CLASSIFIED BY: DCM - JOHN ROE, REASONS 1.4 (B)'), ['JOHN ROE']);
  assert.deepEqual(names('CLASSIFIED BY: A/DCM-JOHN ROE, REASONS 1.4 (B)'), ['JOHN ROE']);
  assert.deepEqual(names('CLASSIFIED BY POL-ECON CHIEF JOHN Q. ROE F0R REASONS 1.4 (B) AND (D)'), [
    'JOHN Q. ROE',
  ]);
  assert.deepEqual(names('Classified By: Ambassador Jo Roe f0r reas0ns 1.4 (b)'), ['Jo Roe']);
  assert.deepEqual(names('CLASSIFIED BY: AMBASSADOR ANN R\nOE FOR REASONS 1.4 (B)'), ['ANN ROE']);
  assert.deepEqual(names('Classified By: Ambassador Ann Roe fo\nr reasons 1.4 (b)'), ['Ann Roe']);
  assert.deepEqual(names('Classified By: Ambassador Ann Roe fro reasons 1.4 (b)'), ['Ann Roe']);
  assert.deepEqual(names('Classified By: Poloff-Ann Roe for reasons 1.4 (b)'), ['Ann Roe']);
  assert.deepEqual(
    names('Classified By: Acting Political Counselor Jo Ann Roe for reasons 1.4 (b)'),
    ['Jo Ann Roe'],
  );
  // a misspelt label
  assert.deepEqual(names('Classifed By: Ambassador Jo Roe for reasons 1.4 (b)'), ['Jo Roe']);
  assert.deepEqual(names('CLASIFIED BY; AMBASSADOR JO ROE FOR REASONS 1.4 (B)'), ['JO ROE']);
  // lower-case words after a break stay words
  assert.deepEqual(names('Classified By: Ambassador Jo Roe\nfor reasons 1.4 (b)'), ['Jo Roe']);
});

test('signers: a surname of two words opened by a particle; end markers are not signers', () => {
  assert.deepEqual(parseSigners('Text.\n\nVAN DER BERG\n'), ['VAN DER BERG']);
  assert.deepEqual(parseSigners('Text.\n\nDE LA CRUZ\n'), ['DE LA CRUZ']);
  assert.deepEqual(parseSigners('Text.\n\nST. JOHN\n'), ['ST. JOHN']);
  // Portuguese, French, Arabic particles and a second particle (`VAN DEN`), in capitals or not
  for (const name of ['DOS REIS', 'DAS COSTA', 'DES ROCHES', 'ABU ROE', 'IBN ROE', 'VAN DEN ROE'])
    assert.deepEqual(parseSigners(`Text.\n\n${name}\n`), [name], name);
  assert.deepEqual(parseSigners('Text.\n\nDos Reis\n', false), ['Dos Reis']);
  // a surname broken after its particle is one surname
  assert.deepEqual(parseSigners('Text.\n\nVAN\nROE\n\nNNNN'), ['VAN ROE']);
  assert.deepEqual(parseSigners('Text.\n\nDE LA\nROE\n'), ['DE LA ROE']);
  // two surnames without a particle are two signers
  assert.deepEqual(parseSigners('Text.\n\nROE DOE\n'), ['ROE', 'DOE']);
  // ... unless the two words are one surname the signer table knows, glued or hyphenated
  assert.deepEqual(parseSigners('Text.\n\nTHOMPSON JONES\n'), ['THOMPSON-JONES']);
  assert.deepEqual(parseSigners('Text.\n\nSCHREIBER HUGHES\n'), ['SCHREIBERHUGHES']);
  assert.deepEqual(parseSigners('Text.\n\nTHOMPSON JONES\n', false), ['THOMPSON JONES']);
  // particles in lower case, and a serial line or a rule of `=` after the name
  assert.deepEqual(parseSigners('Text.\n\nvan Roe\n'), ['VAN ROE']);
  assert.deepEqual(parseSigners('Text.\n\nde la Roe\n', false), ['de la Roe']);
  assert.deepEqual(parseSigners('Text.\n\nROE\n#1234\n'), ['ROE']);
  assert.deepEqual(parseSigners('Text.\n\nROE\n==========END OF CABLE==========\n'), ['ROE']);
  // a suffix is no second signer, and neither is the surname printed twice
  assert.deepEqual(parseSigners('Text.\n\nROE JR\n'), ['ROE']);
  assert.deepEqual(parseSigners('Text.\n\nROE ROE\n\nNNNN'), ['ROE']);
  assert.deepEqual(
    parseSigners(
      'Text.\n\nROE\n\nDeclassified/Released US Department of State EO Systematic Review 30 JUN 2005\n\nNNN',
    ),
    ['ROE'],
  );
  assert.deepEqual(parseSigners('Text.\n\nCOMMENT\n'), []);
  // a page number after the signer; a particle broken over lines after any of its words; a
  // surname written capitalised with its parts
  assert.deepEqual(parseSigners('Text.\n\nROE\n\n- 3 -\n'), ['ROE']);
  assert.deepEqual(parseSigners('Text.\n\nROE\n\n3\n'), ['ROE']);
  // spaced banners, handling lines, end-of-document lines and page numbers `N of M` after it
  for (const junk of [
    'S E C R E T',
    'SENSITIVE BUT UNCLASSIFIED',
    'END OF DOCUMENT',
    '(END)',
    '- 3 of 3 -',
  ])
    assert.deepEqual(parseSigners(`Text.\n\nROE\n\n${junk}\n`), ['ROE'], junk);
  assert.deepEqual(parseSigners('Text.\n\nDE\nLA ROE\n', false), ['DE LA ROE']);
  assert.deepEqual(parseSigners('Text.\nBrown-Roe\n', false), ['Brown-Roe']);
  // two family names joined by `Y` or `E` are one surname; a hyphenated surname broken after its
  // hyphen is joined, a word broken in the text before the signer is not
  assert.deepEqual(parseSigners('Text.\n\nGARCIA Y ROE\n'), ['GARCIA Y ROE']);
  assert.deepEqual(parseSigners('Text.\n\nSousa e Roe\n', false), ['Sousa e Roe']);
  assert.deepEqual(parseSigners('Text.\n\nBROWN-\nROE\n'), ['BROWN-ROE']);
  assert.deepEqual(parseSigners('Text with a word cut at a hyph-\nen.\n\nROE\n'), ['ROE']);
  assert.deepEqual(parseSigners('Text.\n\nROE Y\n'), []);
  assert.deepEqual(parseSigners("Text.\nO'Roe\n"), ["O'ROE"]);
  assert.deepEqual(parseSigners('Text.\nMcRoe\n'), ['MCROE']);
});

test('signers: the surname on the line of the last sentence or of the web site, where the source joined lines', () => {
  assert.deepEqual(parseSigners('Text.\nIt went well, we think. Roe'), ['ROE']);
  assert.deepEqual(parseSigners('Text.\nIt went well, we think. Roe', false), ['Roe']);
  assert.deepEqual(parseSigners('Text.\nWe will follow up. End Comment. ROE\n'), ['ROE']);
  assert.deepEqual(parseSigners('He said it was “a good start.” McRoe'), ['MCROE']);
  assert.deepEqual(parseSigners('SIPRNET website. ********** ******* ROE'), ['ROE']);
  for (const site of [
    'Visit Roeland’s Classified Website: http://www.state.sgov.gov/p/eur/roeland/index.c fm ROE',
    'Visit Roeland’s Classified Website: http://www.state.sgov.gov/p/eur/roeland/index. cfm Roe',
    'Visit Roeland’s Classified Website: http://www.intelink.sgov.gov/wiki/Portal:Unit ed_Roeland ROE',
    'Visit Roeland’s Classified Website: http://www.intelink.sgov.gov/wiki/Portal:Roeland Roe',
  ])
    assert.deepEqual(parseSigners(`Text.\n\n${site}\n`), ['ROE'], site);
  // where they must not apply: a word of a sentence the text cut short (written in lower case in
  // the text, or a word of the cable's own), a name after an initial, a site line with no name
  assert.deepEqual(parseSigners('We think this helps. This'), []);
  assert.deepEqual(parseSigners('The end is near. End'), []);
  assert.deepEqual(parseSigners('Point of contact is RSO David J. Roe'), []);
  // (a surname in capitals after an abbreviation with full stops is one)
  assert.deepEqual(parseSigners('It will be resettled in the U.S. ROE'), ['ROE']);
  assert.deepEqual(parseSigners('Roe met Doe. The meeting went well. XXXXXXXXXXXX'), []);
  assert.deepEqual(
    parseSigners(
      'Text.\n\nVisit Roeland’s Classified Website: http://www.state.sgov.gov/p/eur/roe/\n',
    ),
    [],
  );
});

test('subject: portion marks of the format stripped, with caveats after a slash or a space', () => {
  for (const m of ['(C NF)', '(S//REL USA, ISAF)', '(U//FOUO)', '(C) -', '(SBU):'])
    assert.equal(parseSubject(`SUBJECT: ${m} PARSERWORD TALKS\n\n`), 'PARSERWORD TALKS', m);
  // a parenthesis that is no portion mark stays
  assert.equal(
    parseSubject('SUBJECT: (CORRECTED) PARSERWORD TALKS\n\n'),
    '(CORRECTED) PARSERWORD TALKS',
  );
});

test('title case: acronyms inside words, ordinals, words written in mixed case on purpose', () => {
  assert.equal(titlefy("UNHCR'S REPORT ON THE 3RD CAMP"), "UNHCR's Report on the 3rd Camp");
  assert.equal(titlefy('IRAQ--GOI’S NEW PLAN'), 'Iraq--GOI’s New Plan');
  assert.equal(titlefy('SCENESETTER FOR DoD VISIT'), 'Scenesetter for DoD Visit');
  assert.equal(
    titlefy("MEETING WITH DoD's TEAM IN THE 1990S"),
    "Meeting With DoD's Team in the 1990s",
  );
  // a subject written in mixed case keeps its capitals
  assert.equal(titlefy('Iraq: GoI and KRG talks'), 'Iraq: GoI and KRG Talks');
  // words written in mixed case on purpose, and possessive endings, do not make a subject in
  // capitals a mixed-case one, however many of its words they are
  assert.equal(titlefy('DoD AND MoD TALKS'), 'DoD and MoD Talks');
  assert.equal(titlefy("GoI's RESPONSE"), "GoI's Response");
  assert.equal(titlefy("PM's VISIT"), "PM's Visit");
  assert.equal(titlefy('DoD and MoD talks'), 'DoD and MoD Talks');
  // acronyms named by the organization TAGS keep their capitals, also with an apostrophe or after a
  // double hyphen; those that are also words are title-cased like words
  assert.equal(titlefy("ICRC'S ROLE--IOM AND ETA"), "ICRC's Role--IOM and ETA");
  assert.equal(titlefy('WHO CARES ABOUT A LOT'), 'Who Cares About a Lot');
  assert.equal(titlefy('AEROFLOT AND INTERPOL'), 'Aeroflot and Interpol');
  // a possessive ending after a word with dots, a plus or another apostrophe, or after a word in
  // mixed case, is written in lower case; the word keeps the case its shape gives it
  assert.equal(
    titlefy("U.S.'S AND P5+1'S OFFER TO AL-QA'IDA'S FOES"),
    "U.S.'s and P5+1's Offer to Al-Qa'ida's Foes",
  );
  assert.equal(titlefy("MoD'S PLAN--GOI'S REPLY"), "MoD's Plan--GOI's Reply");
  // a double hyphen is a dash: the word after it opens a phrase and is capitalised, as after a
  // spaced dash (`CABINET - AN OVERVIEW` → `Cabinet - An Overview`)
  assert.equal(titlefy('GOI--AND THE US: NATO--A NEW START'), 'GOI--And the US: NATO--A New Start');
  // … and only the subject's last word is its last; a single hyphen joins one word
  assert.equal(titlefy('TALKS WITH CHINA AND--RUSSIA'), 'Talks With China and--Russia');
  assert.equal(titlefy('LABOUR LOSES BY-ELECTION'), 'Labour Loses By-Election');
});

test('title case: abbreviations and names told by their shape', () => {
  // two letters that are no English word are an abbreviation; name particles and titles are words
  assert.equal(titlefy('FY-2011 PLAN FOR DG VISIT'), 'FY-2011 Plan for DG Visit');
  assert.equal(titlefy('MR HU MEETS AL-ZAWAHRI IN RE-RUN'), 'Mr Hu Meets Al-Zawahri in Re-Run');
  // two letters before an apostrophe that is no possessive begin a word
  assert.equal(titlefy("BA'ATHIST TALKS IN SA'ADA"), "Ba'athist Talks in Sa'ada");
  // roman numerals
  assert.equal(titlefy('KING FAHD VI AND PHASE XIV'), 'King Fahd VI and Phase XIV');
  // "government of" + a letter, not the three words of that shape
  assert.equal(titlefy("GOZ'S PLAN: WE GOT IT"), "GOZ's Plan: We Got It");
  // an apostrophe damaged into a comma is a possessive ending
  assert.equal(titlefy('THE MINISTER,S TRIP AND USG,S VIEW'), "The Minister's Trip and USG's View");
  // one-letter prefixes with an apostrophe, and Mc names
  assert.equal(titlefy("O'HARA AND D'AMATO SEE MCKINLEY"), "O'Hara and D'Amato See McKinley");
  // the last word is capitalised like the first
  assert.equal(titlefy('WHAT THE PLAN STANDS FOR'), 'What the Plan Stands For');
});

test('tags: two codes written together split by their shape', () => {
  assert.deepEqual(splitTags('KDEMAF, PRELPGOV, UNESCO'), ['KDEM', 'AF', 'PREL', 'PGOV', 'UNESCO']);
  // an unknown six-letter word stays as written
  assert.deepEqual(splitTags('PREL, ABCDEF'), ['PREL', 'ABCDEF']);
});

test('tags: the head of a later page of the printout ends the TAGS line', () => {
  // the caption is on the first page: text after a page head is another page's, not tags
  assert.deepEqual(
    parseTags(
      'TAGS: PREL, PGOV, ECON, UNCLASSIFIED    PAGE 02   RURITA  00123  01 OF 02  041033Z RUPREL, ETRD\nSUBJECT: X',
    ).tags,
    ['PREL', 'PGOV', 'ECON'],
  );
  assert.deepEqual(
    parseTags('TAGS: PREL, PGOV, PAGE 03 LIMA 04567 021000Z KDEM\nSUBJECT: X').tags,
    ['PREL', 'PGOV'],
  );
  // in lower case too (a cable written in lower case throughout)
  assert.deepEqual(
    parseTags('tags: prel, pgov, unclassified page 02 lima 04567 01 of 02 021000z kdem\nsubject: x')
      .tags,
    ['PREL', 'PGOV'],
  );
});

test('classified by: a word broken by a line break anywhere inside it, a damaged for after the name', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  // the first piece is not taken for a word of office written in capitals (`Pe` is not `PE`)
  assert.deepEqual(names('Classified By: Ambassador Ann Pe\nterson for reasons 1.4 (b)'), [
    'Ann Peterson',
  ]);
  // a broken word that ends a sentence, and one with a capital inside it
  assert.deepEqual(names('Classified By: DCM Ann Kim-Sc\nott. Reason 1.4 (b) and (d).'), [
    'Ann Kim-Scott',
  ]);
  assert.deepEqual(names('Classified By: A/DCM D.C. McCu\nllough, reason 1.4 (b)'), [
    'D.C. McCullough',
  ]);
  // `for` with a digit for a letter or its letters swapped, on the next line
  assert.deepEqual(names('Classified By: Counselor Ann Roe \nf0r reasons 1.4 (b)'), ['Ann Roe']);
  assert.deepEqual(names('Classified By: Counselor Ann Roe \nfro reasons 1.4 (b)'), ['Ann Roe']);
  assert.deepEqual(names('CLASSIFIED BY: COUNSELOR ANN ROE \n FRO 12958 1.4 B, D'), ['ANN ROE']);
});

test('classified by: three names in capitals after a word of office', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  assert.deepEqual(names('CLASSIFIED BY: ACTING DCM\nJOHN PAUL SAMPLE FOR REASON 1.4 (D).'), [
    'JOHN PAUL SAMPLE',
  ]);
  // a first word that may be an office cut short or abbreviated is not a given name
  assert.deepEqual(names('CLASSIFIED BY: POL COUN JOHN SAMPLE FOR REASONS 1.4 (B)'), [
    'JOHN SAMPLE',
  ]);
  assert.deepEqual(names('Classified By: Acting MC Jo Sample, Reasons 1.4 (b)'), ['Jo Sample']);
  assert.deepEqual(names('CLASSIFIED BY: DCM MC JOHN SAMPLE, REASONS 1.4 (B)'), ['JOHN SAMPLE']);
});

test('classified by: a line cut at the published width inside a word is joined', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  // 70 characters on the label's line, cut inside the surname, in capitals and in mixed case
  const caps = 'CLASSIFIED BY: ACTING REGIONAL AFFAIRS SECTION CHIEF JOHN OLIVER SAMPL';
  assert.equal(caps.length, 70);
  assert.deepEqual(names(`${caps}\nEMAN FOR REASONS 1.4 (B)`), ['JOHN OLIVER SAMPLEMAN']);
  const mixed = 'Classified By: Deputy Political Section Chief for Regional Affair Ann S';
  assert.equal(mixed.length, 71);
  assert.deepEqual(names(`${mixed}\nample, reasons 1.4 (b)`), ['Ann Sample']);
  // a whole `for` on the next line is no part of the name
  const whole = 'Classified By: Deputy Political Section Chief for Regional Affairs Jo Roe';
  assert.deepEqual(names(`${whole}\nfor reasons 1.4 (b)`), ['Jo Roe']);
  // `for` + a word in `r` ends the name only when the word may be a damaged `reasons`
  assert.deepEqual(names('Classified By: Counselor for Relations Jo Roe for resons 1.4 (b)'), [
    'Jo Roe',
  ]);
  // a shorter line wrapped at a word boundary keeps its two words apart
  assert.deepEqual(names('CLASSIFIED BY: POLITICAL COUNSELOR ANN\nROE FOR REASONS 1.4 (B)'), [
    'ANN ROE',
  ]);
});

test('classified by: offices before a dash, glued to an initial, abbreviated by dropped letters', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  // a name after a dash that follows words of office has room for two given names, as after a title
  assert.deepEqual(names('Classified By: POL/ECON - MARY ANN SAMPLE for reasons 1.4 (b)'), [
    'MARY ANN SAMPLE',
  ]);
  // an office glued by a hyphen to an initial
  assert.deepEqual(names('Classified By: DCM-J. PAUL SAMPLE FOR REASONS 1.4 (B)'), [
    'J. PAUL SAMPLE',
  ]);
  // a word of office written with letters left out is still a word of office
  assert.deepEqual(
    names('Classified By: Political Minister Counsl Jo Sample for reasons 1.4 (b)'),
    ['Jo Sample'],
  );
  // a word of office of five letters with one letter dropped
  assert.deepEqual(names('Classified By: Political Chef Jo Sample for reasons 1.4 (b)'), [
    'Jo Sample',
  ]);
  assert.deepEqual(names('Classified By: Acting Econ Concilor Jo Sample for reasons 1.4 (d)'), [
    'Jo Sample',
  ]);
});

test('classified by: a dash of any form after offices, abbreviated offices, damaged label words', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  for (const dash of ['-', ' - ', ' -', '- ', '--', ' -- '])
    for (const office of ['DCM', 'PolOff', 'A/DCM', 'Amb.', 'PO'])
      assert.deepEqual(
        names(`Classified By: ${office}${dash}JOHN Q. SAMPLE for reasons 1.4 (b)`),
        ['JOHN Q. SAMPLE'],
        office + dash,
      );
  // `for` with a damaged middle letter before `reasons`
  assert.deepEqual(names('Classified By: DCM Jo Sample fpr reasons 1.4 (b)'), ['Jo Sample']);
  // an office abbreviated with a full stop, or with two letters swapped
  assert.deepEqual(names('Classified By: A E/MIN CONS. JOHN SAMPLE, REASONS 1.4(B)'), [
    'JOHN SAMPLE',
  ]);
  assert.deepEqual(names('Classified By: Minister Cousnel Ann Sample for reasons 1.4 (b)'), [
    'Ann Sample',
  ]);
  // the label glued, broken over a line, with digits for letters, or `By` damaged before a colon
  for (const label of [
    'ClassifiedBy:',
    'Classified\nBy:',
    'C1assified By:',
    'CLASSIFIED 8Y:',
    'Classified Bu:',
  ])
    assert.deepEqual(
      names(`${label} Ambassador Jo Sample for reasons 1.4 (b)`),
      ['Jo Sample'],
      label,
    );
  // names in capitals normalised: a one-letter prefix with an apostrophe keeps both capitals
  assert.deepEqual(
    parseClassifiedBy("Classified By: COUNSELOR JOHN D'AMATO FOR REASONS 1.4 (B)").names,
    ["John D'Amato"],
  );
  // a word that is not the label is not read as one
  assert.deepEqual(names('Classification By: Ambassador Jo Sample for reasons 1.4 (b)'), []);
  assert.deepEqual(names('Classified Bu Ambassador Jo Sample for reasons 1.4 (b)'), []);
});

test('a whole cable with every kind of damage: fields read, guesses reported, no step failed', () => {
  const body = [
    'C O N F I D E N T I A L LIMA 001700',
    '',
    'E.O. 12958: DECL: 2019/01/01',
    'TAGE; PREL, PE',
    'SUBJET: TALKS RESUME',
    'REF: A. LIMA 1669 B. BANGOK 12',
    '     C. STATE 55',
    '',
    'CONFIDENTIAL',
    '',
    'PAGE 02        LIMA  01700  021000Z',
    '',
    '     D. LIAM 77',
    '',
    'Clasified By: Ambassador Jane Roe for reasons 1.4 (b) and (d)',
    '',
    '1. (C) Text.',
    '',
    'ROE',
    '',
  ].join('\n');
  const p = parseCable({ referenceId: '09LIMA01700', body });
  assert.deepEqual(stepFailures(p), []);
  assert.deepEqual(p.tags, ['PREL', 'PE']);
  assert.equal(p.subject, 'TALKS RESUME');
  assert.deepEqual(p.references, ['09LIMA1669', '09BANGKOK12', '09STATE55', '09LIMA77']);
  assert.deepEqual(p.classifiedBy, ['Jane Roe']);
  assert.deepEqual(p.signers, ['ROE']);
  for (const w of [
    'reference id given as "09LIMA01700"; read as 09LIMA1700',
    'the TAGS label is written "TAGE;"; read as TAGS',
    'the SUBJECT label is written "SUBJET:"; read as SUBJECT',
    'page-break lines of the printout inside the REF list were skipped',
    'reference station "BANGOK" read as BANGKOK',
    'reference station "LIAM" read as LIMA',
    'the Classified By label is written "Clasified By"; read as Classified By',
  ]) {
    assert.ok(p.warnings.includes(w), `missing warning: ${w}\n${p.warnings.join('\n')}`);
  }
});

test('reference lists: a number word, a caveat, a date before the station, a year on a one-digit serial', () => {
  const refs = (s: string, year = 2009) => parseReferences(s, year, null);
  // `NO.` or `NR` between the station and the serial, as `#` may stand there
  assert.deepEqual(refs('REF: A. STATE NO. 1234 B. LIMA NR 55 C. QUITO NO.66 D. BERN #77'), [
    '09STATE1234',
    '09LIMA55',
    '09QUITO66',
    '09BERN77',
  ]);
  // ... not after a word that names no station, and `NO` as a word is no number sign
  assert.deepEqual(refs('REF: A. TALKING POINTS NO. 3 B. LIMA 55'), ['09LIMA55']);
  // a distribution caption after the serial does not part a serial after AND from its station
  assert.deepEqual(refs('REF: BRASILIA 2799 (NOTAL) AND 2764, STATE 12 EXDIS AND 13'), [
    '09BRASILIA2799',
    '09BRASILIA2764',
    '09STATE12',
    '09STATE13',
  ]);
  // a day before a month after AND is a date, not a serial of the station before
  assert.deepEqual(refs('REF: SECSTATE 113408 AND 16 MAR 05 STATE 113635'), [
    '09STATE113408',
    '05STATE113635',
  ]);
  // the date of the cited cable before its station gives the item's year ...
  assert.deepEqual(refs('REF: A. 3/5/07 STATE 1234 B. 11/30/2008 BUENOS AIRES 55'), [
    '07STATE1234',
    '08BUENOSAIRES55',
  ]);
  // ... not when it is newer than the citing cable, names no station or belongs to the item before
  assert.deepEqual(refs('REF: A. 3/5/10 STATE 1234 B. 3/5/08 TALKS 55'), ['09STATE1234']);
  assert.deepEqual(refs('REF: A. LIMA 123 OF 3/5/07 LIMA 00000456 001 OF 002'), ['07LIMA123']);
  // a year on a serial of one digit (`QUITO 10-5`) when the citing cable may cite that year
  assert.deepEqual(refs('REF: QUITO 10-5; 09 QUITO 841', 2010), ['10QUITO5', '09QUITO841']);
  assert.deepEqual(refs('REF: LIMA 12-5', 2009), ['09LIMA12']);
  // (with a slash it stays a date, and a word of the cable is no station)
  assert.deepEqual(refs('REF: A. PARAS 3-4 B. LIMA 08/5'), []);
});

test('classified by: officers written the State way, accents, initials after an office, reasons in parentheses', () => {
  const names = (s: string) => parseClassifiedBy(s, false).names;
  // an office's abbreviations run together before OFF are one word of office
  assert.deepEqual(names('Classified By: Polmiloff S.K. Roe. Reason: 1.5(D)'), ['S.K. Roe']);
  assert.deepEqual(names('Classified By: PolEconOff Jo Ann Roe for reasons 1.4 (b)'), [
    'Jo Ann Roe',
  ]);
  // ... but a surname that ends in -off is a surname
  assert.deepEqual(names('Classified By: Ambassador Ann Orloff for reasons 1.4 (b)'), [
    'Ann Orloff',
  ]);
  // a title with an accent and a typographic apostrophe: three names after it are one name
  assert.deepEqual(names('Classified By: Chargé d’Affaires Mary Ann Roe for reasons 1.4(b)'), [
    'Mary Ann Roe',
  ]);
  // an office and an initial parted by a slash, an office in capitals before initials
  assert.deepEqual(names('Classified By: Acting DCM/J. Roe for reasons 1.4 (b and d)'), ['J. Roe']);
  assert.deepEqual(names('Classified By: IPO A.B. Roe for reasons 1.4 (b)'), ['A.B. Roe']);
  // ... not a name written in capitals, nor a bare initial after a given name
  assert.deepEqual(names('Classified By: JOHN J. ROE for reasons 1.4 (b)'), ['JOHN J. ROE']);
  assert.deepEqual(names('Classified By: Patricia A McNerney for reasons 1.4 (b)'), [
    'Patricia A McNerney',
  ]);
  // the reasons in parentheses right after the name end it
  assert.deepEqual(names('Classified By: Glyn T. Davies (1.4 b, d)'), ['Glyn T. Davies']);
});

test('tags: codes parted by slashes, a subject label glued to the last tag', () => {
  const tags = (s: string) => parseTags(s).tags;
  assert.deepEqual(tags('TAGS: KCRM/KWMN/ASEC/PHUM/BA\nSUBJECT: X'), [
    'KCRM',
    'KWMN',
    'ASEC',
    'PHUM',
    'BA',
  ]);
  // an office written with a slash is no pair of codes
  assert.ok(tags('TAGS: KTIP, G/TIP, PHUM').includes('G/TIP'));
  // a SUBJECT label glued to the last tag ends the tags; a word that only ends in SUBJ does not
  assert.deepEqual(tags('TAGS: PREL PGOVSUBJECT: TALKS ON TRADE'), ['PREL', 'PGOV']);
  assert.deepEqual(tags('TAGS: PREL, IRSUBJ: TALKS'), ['PREL', 'IR']);
});
