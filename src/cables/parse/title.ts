/** Headline title case for subjects (`titlefy`). */
import { ORGANIZATION_TAGS } from './tables.ts';

const SMALL_WORDS = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'but',
  'by',
  'for',
  'in',
  'nor',
  'of',
  'on',
  'or',
  'the',
  'to',
  'vs',
  'vs.',
  'via',
]);

/** Acronyms and abbreviations kept upper case even when they contain vowels. */
const ACRONYMS = new Set(
  (
    'US USA UK EU UN USG GOI GOJ GOP GOC GOA GOE GOK GOV II III IV NATO OSCE IAEA UNSC UNGA UNSCR NGO NGOS ' +
    'FARC ELN AUC EU3 P5 G8 G20 APEC ASEAN OAS OPEC WTO IMF ISAF AFRICOM SOUTHCOM USSOUTHCOM CENTCOM EUCOM PACOM ' +
    'SLA JEM SWIFT VARIG ROK DPRK PRC ROC MONUC UNIFIL UNMIK GAERC CODEL STAFFDEL SCENESETTER? ' +
    'AIDS HIV TIP PM FM DFM MFA MOD MOI MOJ CIA FBI DEA DOD DOJ DHS USAID NSC AMB? ' +
    'PKK PLO PA HAMAS? FATAH? ANC MDC ZANU-PF SPD CDU CSU FDP OVP PSOE PP PRI PAN PRD ' +
    'GPC TFTP MTCR WMD NPT CTBT FMCT BWC CWC PSI UAE DRC CAR ' +
    'UNHCR UNICEF UNESCO UNDP UNEP UNAMA UNAMI UNAMID UNMIS UNODC UNRWA UNDOF UNOCI MINUSTAH OECD OIC AU ECOWAS SADC ' +
    'IGAD EUFOR KFOR OAU GCC CIS CSTO SCO LAF IDF ISI IRGC MEK KDP PUK KRG LTTE ANP ICC ICJ ICTY ' +
    'OPCW IEA IFAD WFP ILO UNAIDS PEPFAR MCC OPIC USTR DNI ODNI NASA NOAA EPA CFIUS ' +
    'MERCOSUR UNASUR CARICOM SICA AQI AQIM AQAP TTP MILF ' +
    'XXXXXXXXXXXX'
  )
    .split(/\s+/)
    .filter((w) => w && !w.endsWith('?')),
);

/**
 * Organization TAGS (FORMAT.md §7) that are also ordinary words or names written as words
 * (`WHO`, `CARE`, `LOT`, `ARENA`, `Aeroflot`, `Interpol`): the tags of this list that the corpus
 * cables write in lower case or capitalised somewhere. They are title-cased like other words.
 */
const WORD_LIKE_ORGANIZATIONS = new Set(
  (
    'AEC AEROFLOT AI AID AL ALIA AMAL ARAMCO ARC ARCO ARENA BOS CARE CITIBANK COM CONTRIB DEA DIA DOE ' +
    'DOT ED EUN FAO FRELIMO GAO GREENS IAEA ICC IDA INMARSAT INS INT INTERPOL IRS KOC LAB LOT MAS MIR ' +
    'MTCRE NIDA NSC PAN PETROBRAS SEC SELA THY UN UNSC VARIG WHO'
  ).split(' '),
);

/**
 * Acronyms named by the organization TAGS (`ICRC`, `IOM`, `SPLM`, `ETA`): the letter-only tags
 * that are not also words.
 */
const ORGANIZATION_ACRONYMS: ReadonlySet<string> = new Set(
  ORGANIZATION_TAGS.filter((t) => /^[A-Z]{2,}$/.test(t) && !WORD_LIKE_ORGANIZATIONS.has(t)),
);

const VOWEL_RE = /[AEIOUY]/;

/**
 * The two-letter words of English and the name particles and short titles that are written as
 * words (`Al-Qaida`, `De Gaulle`, `Mr`). Any other word of two letters is an abbreviation
 * (`FY`, `DG`, `VP`, `AU`, `IM` in `Ex-IM`): the shape, not a list of the abbreviations. The
 * one-syllable Chinese surnames (`Hu`, `Li`, `Wu`) are names, prefixes of compounds (`Re-`,
 * `Co-`) words. Two letters before an apostrophe that is no possessive ending (`SA'ADA`,
 * `BA'ATH`) begin a word.
 */
const TWO_LETTER_WORDS = new Set(
  (
    'AH AM AN AS AT AX AY BE BY DO EH GO HA HE HI HO IF IN IS IT LO ME MY NO OF OH ON OR OW OX ' +
    'SO TO UP WE YE YO AL EL LA LE DE DI DA DU MR MS DR ST JR SR EX OU LI XI WU HU MA YU XU SU LU ' +
    'RE CO ZU YI AD'
  ).split(' '),
);

/** Roman numerals made of I, V, X and L (`II`, `VI`, `XIV`, `XL`): regnal and section numbers. */
const ROMAN_RE = /^(?:XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;
/** Roman-numeral shapes that are names (two-letter ones are in `TWO_LETTER_WORDS`). */
const ROMAN_WORDS = new Set(['LIV', 'LIX', 'LXI']);

/**
 * "Government of" + the country's letter (`GOI`, `GON`, `GOB`): the cables' shorthand. The three
 * English words of that shape are words.
 */
const GOVERNMENT_RE = /^GO[A-Z]$/;
const GO_WORDS = new Set(['GOT', 'GOD', 'GOO']);

function isAcronym(core: string): boolean {
  const u = core.toUpperCase();
  // ordinals and decades (`9TH`, `21ST`, `1990S`) are words, not acronyms
  if (/^\d+(?:S|ST|ND|RD|TH)$/.test(u)) return false;
  if (ACRONYMS.has(u) || ORGANIZATION_ACRONYMS.has(u)) return true;
  if (/^X{3,}$/.test(u)) return true;
  if (/\d/.test(u) && /[A-Z]/.test(u)) return true;
  if (u.length === 2 && TWO_LETTER_WORDS.has(u)) return false;
  if (u.length >= 2 && /^[A-Z]+$/.test(u) && !VOWEL_RE.test(u)) return true;
  if (u.length === 2 && /^[A-Z]+$/.test(u)) return true;
  if (u.length >= 2 && ROMAN_RE.test(u) && !ROMAN_WORDS.has(u)) return true;
  if (GOVERNMENT_RE.test(u) && !GO_WORDS.has(u)) return true;
  return false;
}

const ASCII_RE = /^[\x00-\x7f]*$/;
/** A possessive ending (`'S`, `’s`) at the end of a word, before closing punctuation. */
const POSSESSIVE_TAIL_RE = /(['’])([Ss])([^\p{L}\p{N}]*)$/u;
const WORD_RE = /^([^\p{L}\p{N}]*)([\p{L}\p{N}]+)((?:['’]\p{L}+)?)([^\p{L}\p{N}]*)$/u;
const WORD_ASCII_RE = /^([^A-Za-z0-9]*)([A-Za-z0-9]+)((?:'[A-Za-z]+)?)([^A-Za-z0-9]*)$/;

function capitalize(w: string): string {
  const i = ASCII_RE.test(w) ? w.search(/[A-Za-z]/) : w.search(/\p{L}/u);
  if (i < 0) return w;
  return w.slice(0, i) + w[i].toUpperCase() + w.slice(i + 1);
}

/** One part of a compound word (`idx` = its position among the `-`/`/`-separated parts). */
function titlePart(
  p: string,
  idx: number,
  first: boolean,
  afterBreak: boolean,
  keepCaps: boolean,
): string {
  if (p === '-' || p === '/' || !p) return p;
  // ASCII words (nearly all) take the cheaper non-Unicode patterns, with the same result
  const ascii = ASCII_RE.test(p);
  const m = (ascii ? WORD_ASCII_RE : WORD_RE).exec(p);
  if (!m) {
    // a possessive ending after a word of another shape (`U.S.'S`, `P5+1'S`, `QA'IDA'S`): the word
    // as its shape says, the ending in lower case
    const poss = POSSESSIVE_TAIL_RE.exec(p);
    if (poss && poss.index > 0)
      return (
        titlePart(p.slice(0, poss.index), idx, first, afterBreak, keepCaps) +
        poss[1] +
        poss[2].toLowerCase() +
        poss[3]
      );
    return p;
  }
  const pre = m[1];
  const core = m[2];
  const poss = m[3];
  const post = m[4];
  // a word written in mixed case on purpose (`DoD`, `GoI`, `McCain`) stays as written
  const mixed = ascii
    ? /[a-z]/.test(core) && /[A-Z]/.test(core.slice(1))
    : /\p{Ll}/u.test(core) && /\p{Lu}/u.test(core.slice(1));
  if (mixed) return pre + core + (poss.length === 2 ? poss.toLowerCase() : poss) + post;
  const innerApostrophe = core.length === 2 && poss.length > 2;
  if (
    (innerApostrophe ? ACRONYMS.has(core.toUpperCase()) : isAcronym(core)) ||
    (keepCaps && core.length > 1 && core === core.toUpperCase() && /[A-Z]/.test(core))
  )
    return pre + core.toUpperCase() + poss.toLowerCase() + post;
  // a name with a prefix of one letter and an apostrophe (`O'NEILL`, `D'ALEMA`): both parts
  // are capitalised, the second is no possessive ending
  if (/^[DLO]$/i.test(core) && poss.length > 3)
    return pre + core.toUpperCase() + poss[0] + capitalize(poss.slice(1).toLowerCase()) + post;
  const lower = core.toLowerCase();
  // Scottish and Irish names (`MCCAIN` → `McCain`): `Mc` is no English word's beginning
  if (/^mc[a-z]{3,}$/.test(lower))
    return pre + 'Mc' + capitalize(lower.slice(2)) + poss.toLowerCase() + post;
  const isFirst = (first || afterBreak) && idx === 0;
  if (!isFirst && idx === 0 && SMALL_WORDS.has(lower) && !pre)
    return pre + lower + poss.toLowerCase() + post;
  // a word that starts with a digit (`9th`, `1990s`) has no capital to give
  return pre + (/^\d/.test(lower) ? lower : capitalize(lower)) + poss.toLowerCase() + post;
}

/** One word (no spaces), possibly with punctuation, hyphens or slashes. */
function titleWord(
  word: string,
  first: boolean,
  last: boolean,
  afterBreak: boolean,
  keepCaps: boolean,
): string {
  // an apostrophe the source system turned into a comma (FORMAT.md §10: `SARKOZY,S`, `POST,S`)
  // is a possessive ending, put back
  if (word.includes(',')) word = word.replace(DAMAGED_POSSESSIVE_RE, "$1'$2");
  if (!word.includes('--')) return titleCompound(word, first || last, afterBreak, keepCaps);
  // a double hyphen is a dash between two words: the word after it opens a phrase, and only the
  // last word of the subject is its last (`… CHINA AND--RUSSIA` → `… China and--Russia`)
  const segs = word.split('--');
  let out = '';
  for (let k = 0; k < segs.length; k++) {
    if (k) out += '--';
    const edge = (k === 0 && first) || (k === segs.length - 1 && last);
    out += titleCompound(segs[k], edge, k > 0 || afterBreak, keepCaps);
  }
  return out;
}

/** One word or compound of words joined by `-` or `/` (`Dual-Use`, `TFTP/SWIFT`, `By-Election`). */
function titleCompound(
  word: string,
  edge: boolean,
  afterBreak: boolean,
  keepCaps: boolean,
): string {
  if (!word.includes('-') && !word.includes('/'))
    return titlePart(word, 0, edge, afterBreak, keepCaps);
  const parts = word.split(/([-/])/);
  let out = '';
  for (let idx = 0; idx < parts.length; idx++)
    out += titlePart(parts[idx], idx, edge, afterBreak, keepCaps);
  return out;
}

const WS_RE = /\s+/;
const DAMAGED_POSSESSIVE_RE = /^(.*[A-Za-z]),([Ss])(?![A-Za-z0-9])/;

/**
 * A word written in mixed case on purpose: a capital after a lower-case letter (`DoD`, `GoI`,
 * `McCain`, `BoG`); a possessive ending (`PM's`) does not make a word mixed.
 */
const INNER_CAPITAL_RE = /[a-z\u00df-\u00ff][A-Z\u00c0-\u00de]/;
const POSSESSIVE_END_RE = /['’][sS]\W*$/;

/**
 * Whether most words with letters hold a lower-case letter (the subject is not written in
 * capitals). Words written in mixed case on purpose (`DoD`) and possessive endings (`PM's`) say
 * nothing about how the rest of the subject is written and are not counted: `DoD AND MoD TALKS` is
 * a subject in capitals around two such words.
 */
function mixedCaseText(words: string[]): boolean {
  let lettered = 0;
  let lower = 0;
  for (let w of words) {
    if (!/[A-Za-z\u00c0-\u024f]/.test(w)) continue;
    if (INNER_CAPITAL_RE.test(w)) continue;
    if (POSSESSIVE_END_RE.test(w)) w = w.replace(POSSESSIVE_END_RE, '');
    lettered++;
    if (/[a-z\u00df-\u00ff]/.test(w)) lower++;
  }
  return lower > 0 && lower * 2 >= lettered;
}
const BREAK_END_RE = /[:;?!]$/;

/** `BACK TO THE FUTURE? QADHAFI CALLS FOR ...` → `Back to the Future? Qadhafi Calls for ...`. */
export function titlefy(subject: string): string {
  const s = subject.trim();
  if (!s) return '';
  const words = s.split(WS_RE);
  // a subject written in mixed case keeps its capitals (they are acronyms); one written in
  // capitals with a few mixed-case words (`DoD`) is title-cased around them
  const keepCaps = mixedCaseText(words);
  let afterBreak = false;
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (i > 0) out += ' ';
    // the last word is capitalised like the first (`What It Stands For`)
    out += titleWord(w, i === 0, i === words.length - 1, afterBreak, keepCaps);
    afterBreak = BREAK_END_RE.test(w) || w === '-' || w === '--';
  }
  return out;
}
