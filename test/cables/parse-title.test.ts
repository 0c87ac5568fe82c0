// Title case by the shape of words (src/cables/parse/title.ts): invented subjects, with the cases
// where each rule must apply and where it must not. Needs no shared data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubject, titlefy } from '../../src/cables/parse/index.ts';
import { GEO_TAG_NAMES, STATIONS } from '../../src/cables/parse/tables.ts';

test('title case: abbreviations told by an opening or closing pair no word has', () => {
  // openings: KS, PD, MF, GT, CD, SB; closings: SG, KP, DP, SD, SF, CC
  assert.equal(
    titlefy("KSA'S PDVSA DEAL WITH MFA AND GTMO CDA ON SBU"),
    "KSA's PDVSA Deal With MFA and GTMO CDA on SBU",
  );
  assert.equal(
    titlefy('USG, AKP, IDP AND ASD ON ANSF AND IPCC'),
    'USG, AKP, IDP and ASD on ANSF and IPCC',
  );
  // plurals and an X before a consonant
  assert.equal(titlefy('IDPS AND EXBS TRAINING'), 'IDPS and EXBS Training');
  // the pairs of English words and of names written in English are words
  assert.equal(
    titlefy('TSVANGIRAI, MBEKI, NKUNDA AND DMITRY IN TBILISI AND GDANSK'),
    'Tsvangirai, Mbeki, Nkunda and Dmitry in Tbilisi and Gdansk',
  );
  assert.equal(
    titlefy('TKESHELASHVILI IN SFAX AND TLAXCALA WITH GELOWICZ'),
    'Tkeshelashvili in Sfax and Tlaxcala With Gelowicz',
  );
  assert.equal(
    titlefy('SADR, FAHD, HIZB, BILDT, MARX, RAPP, KERR AND HAJJ'),
    'Sadr, Fahd, Hizb, Bildt, Marx, Rapp, Kerr and Hajj',
  );
  assert.equal(
    titlefy('STRENGTHS OF THE SCHMIDT PLAN; PSALMS AND RHYTHMS'),
    'Strengths of the Schmidt Plan; Psalms and Rhythms',
  );
  // words shortened by dropping letters, with or without an apostrophe
  assert.equal(
    titlefy("GOV'T AND INT'L TALKS; GOVT, INTL AND DEPT MGMT; GOV. SMITH"),
    "Gov't and Int'l Talks; Govt, Intl and Dept Mgmt; Gov. Smith",
  );
  // contractions, an apostrophe inside a word, Mc names
  assert.equal(
    titlefy("IT DOESN'T MATTER: SHI'ITE CLERIC MEETS MCCAIN"),
    "It Doesn't Matter: Shi'ite Cleric Meets McCain",
  );
});

test("title case: abbreviations of four letters or more that read like words, by the cables' usage", () => {
  assert.equal(
    titlefy("FATA, EULEX AND MANPADS: SRAP MEETS COAS; POTUS'S SECDEF ON THE SOFA"),
    "FATA, EULEX and MANPADS: SRAP Meets COAS; POTUS's SECDEF on the SOFA",
  );
  assert.equal(titlefy('US-ROYG COIN TALKS WITH SEDENA'), 'US-ROYG COIN Talks With SEDENA');
  // the plural of such an abbreviation or of one of the acronym list
  assert.equal(titlefy('CODELS AND UNSCRS ON FATA'), 'CODELS and UNSCRS on FATA');
  // one letter three times running (an abbreviation with a numeral in it); roman numerals stay
  assert.equal(titlefy('RIZK ON UNIIIC EXTENSION'), 'Rizk on UNIIIC Extension');
  assert.equal(titlefy('III CORPS AT THE XIII SUMMIT'), 'III Corps at the XIII Summit');
  // where the list must not apply: names and words of the same shape, plurals of three-letter
  // abbreviations that are words (`PANS`, `CARS`), and the words written in lower case
  assert.equal(
    titlefy('GAZA AND LIMA: PANS, CARS AND COINS'),
    'Gaza and Lima: Pans, Cars and Coins',
  );
  assert.equal(titlefy('a coin on the sofa in the mist'), 'A Coin on the Sofa in the Mist');
  assert.equal(titlefy('Coin, sofa and grad'), 'Coin, Sofa and Grad');
});

test('title case: plurals of abbreviations with a lower-case s say nothing of the subject', () => {
  assert.equal(titlefy('NGOs AND IDPs MEET MPs'), 'NGOs and IDPs Meet MPs');
  assert.equal(titlefy("THE NGOs' ROLE"), "The NGOs' Role");
  // a subject in mixed case stays one
  assert.equal(titlefy('Meeting with NGOs on aid'), 'Meeting With NGOs on Aid');
  assert.equal(titlefy('Talks with the PM and NGOs'), 'Talks With the PM and NGOs');
});

test('title case: words the source joined at a colon, semicolon, comma or bracket', () => {
  assert.equal(
    titlefy('REQUEST FOR INFORMATION:CRITICAL FOREIGN DEPENDENCIES'),
    'Request for Information:Critical Foreign Dependencies',
  );
  assert.equal(titlefy('IRAN:THE NEXT STEP; IRAQ,AND SYRIA'), 'Iran:The Next Step; Iraq,and Syria');
  assert.equal(titlefy('(C)IRAN TALKS WITH KSA;GCC'), '(C)Iran Talks With KSA;GCC');
  // where it must not apply: times, a possessive the source wrote with a comma, addresses
  assert.equal(titlefy('MEETING AT 12:30'), 'Meeting at 12:30');
  assert.equal(titlefy('SARKOZY,S VISIT'), "Sarkozy's Visit");
  assert.equal(titlefy('SEE HTTP://WWW.STATE.GOV'), 'See HTTP://WWW.STATE.GOV');
});

test('title case: `Mc` before a name in capitals in a subject in capitals', () => {
  assert.equal(titlefy("CODEL McCAIN'S VISIT"), "CODEL McCain's Visit");
  assert.equal(titlefy('McCAIN AND MCCONNELL'), 'McCain and McConnell');
  // a subject in mixed case keeps what it writes; other words in mixed case stay as written
  assert.equal(titlefy('Senator McCAIN visits'), 'Senator McCAIN Visits');
  assert.equal(titlefy('DoD AND McCAIN ON GoI'), 'DoD and McCain on GoI');
});

test('title case: three letters in capitals are an abbreviation unless a word', () => {
  assert.equal(titlefy('DAS SMITH MEETS CEO OF FCO ON HEU'), 'DAS Smith Meets CEO of FCO on HEU');
  // English words and name words of three letters, months, GO words
  assert.equal(
    titlefy('NEW OIL WAR: KEY FEW WHO GOT HIM OUT BY SEP'),
    'New Oil War: Key Few Who Got Him Out by Sep',
  );
  assert.equal(titlefy('ABU ALI AND KIM LEE BIN'), 'Abu Ali and Kim Lee Bin');
  // common English words the corpus does not use
  assert.equal(titlefy('AN OWL AT THE ZOO WITH INK'), 'An Owl at the Zoo With Ink');
  // a subject in lower case writes its words as words: three letters stay words there, an
  // unpronounceable word is still an abbreviation
  assert.equal(titlefy('das kapital and the zka'), 'Das Kapital and the ZKA');
});

test('title case: US/UN before an abbreviation, bureaus, letters before a slash, dotted letters', () => {
  assert.equal(
    titlefy('USNATO, UNHCR AND USTR UNDER A NEW UNIT'),
    'USNATO, UNHCR and USTR Under a New Unit',
  );
  assert.equal(titlefy('EUR A/S GORDON MEETS A/DCM'), 'EUR A/S Gordon Meets A/DCM');
  assert.equal(titlefy('Meeting with A/S Roe'), 'Meeting With A/S Roe');
  assert.equal(titlefy('the p.m. meets u.s. envoy'), 'The P.M. Meets U.S. Envoy');
  assert.equal(titlefy('BAN KI-MOON AND KIM JONG-IL'), 'Ban Ki-Moon and Kim Jong-Il');
});

test('title case: a mixed-case subject keeps its particles in lower case before a name', () => {
  assert.equal(
    titlefy('Rio de Janeiro: Sheikh Abdullah bin Zayed visits'),
    'Rio de Janeiro: Sheikh Abdullah bin Zayed Visits',
  );
  // not in a subject in capitals, not before a word in lower case
  assert.equal(titlefy('RIO DE JANEIRO'), 'Rio De Janeiro');
  assert.equal(titlefy('Talks on de facto rule'), 'Talks on De Facto Rule');
});

test('title case: a small word before a hyphen is part of a compound word', () => {
  assert.equal(
    titlefy('THE ON-GOING TALKS AND AN IN-DEPTH LOOK AT A BY-ELECTION'),
    'The On-Going Talks and an In-Depth Look at a By-Election',
  );
  // a small word on its own, or before a spaced dash, stays small
  assert.equal(titlefy('TALKS ON - THE PLAN OF A TO B'), 'Talks on - The Plan of a to B');
});

test('title case: a double hyphen written against the word before it opens a phrase', () => {
  assert.equal(titlefy('GOI-- AND THE KSA'), 'GOI-- And the KSA');
  assert.equal(titlefy('A PLAN-- OF SORTS'), 'A Plan-- Of Sorts');
  // a single hyphen does not
  assert.equal(titlefy('ANTI- AND PRO-US'), 'Anti- and Pro-US');
});

test('subject: an E.O. or TAGS line run into its end ends it, TAGS only before TAG codes', () => {
  const caption = (s: string) => `UNCLAS LIMA 001234\n\nSUBJECT: ${s}\n\n1. (U) Text.\n`;
  assert.equal(
    parseSubject(caption('PARSERTITLE TALKS E.O. 12958: DECL: 1/1/2019')),
    'PARSERTITLE TALKS',
  );
  assert.equal(parseSubject(caption('PARSERTITLE TALKS TAGS: PREL, PE')), 'PARSERTITLE TALKS');
  assert.equal(parseSubject(caption('PARSERTITLE TALKS Tags: kdem br')), 'PARSERTITLE TALKS');
  // the first paragraph or its summary run into it, or a field after a dash
  assert.equal(parseSubject(caption('PARSERTITLE TALKS 1.(C) THE TEXT')), 'PARSERTITLE TALKS');
  assert.equal(parseSubject(caption('PARSERTITLE TALKS (C) SUMMARY: TEXT')), 'PARSERTITLE TALKS');
  assert.equal(
    parseSubject(caption('PARSERTITLE TALKS -- CLASSIFIED BY: AMB ANN ROE, REASONS 1.4 (B)')),
    'PARSERTITLE TALKS',
  );
  // a summary without a portion mark or number may be the subject's own word
  assert.equal(
    parseSubject(caption('PARSERTITLE WEEKLY SUMMARY: TALKS')),
    'PARSERTITLE WEEKLY SUMMARY: TALKS',
  );
  // the label glued to the TAGS line before it
  assert.equal(
    parseSubject('UNCLAS LIMA 001234\nTAGS: PREL PESUBJECT: PARSERTITLE TALKS\n\n1. (U) Text.\n'),
    'PARSERTITLE TALKS',
  );
  // the word TAGS in a subject is no label
  assert.equal(
    parseSubject(caption('PARSERTITLE PRICE TAGS RISE IN LIMA')),
    'PARSERTITLE PRICE TAGS RISE IN LIMA',
  );
  assert.equal(parseSubject(caption('PARSERTITLE TAGS: US AND EU')), 'PARSERTITLE TAGS: US AND EU');
});

test('title case: the names of the tables are words, the office codes among the stations are not', () => {
  const inner = (w: string) => titlefy(`THE ${w} THE`).split(' ')[1];
  // every word of the countries of the geographic TAGS (FORMAT.md §7)
  for (const name of Object.values(GEO_TAG_NAMES))
    for (const w of name.toUpperCase().split(/[\s,()]+/))
      if (/^[A-Z]{3,}$/.test(w)) assert.notEqual(inner(w), w, `${w} (${name})`);
  // the stations (FORMAT.md §2): the cities are words; what stays in capitals is an office's code
  // (`USNATO`, `USOSCE`, `RPODUBAI`, `CDC`, `WASHDC`, `SECDEF`)
  const caps = STATIONS.filter((s) => inner(s) === s);
  for (const s of caps) assert.match(s, /^(?:US|CD|RPO|FS|SECDEF$)|DC$/, s);
  assert.ok(caps.includes('USNATO') && caps.length < 20, caps.join(' '));
});
