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
    'US USA UK EU UN USG GOI GOJ GOP GOC GOA GOE GOK II III IV NATO OSCE IAEA UNSC UNGA UNSCR NGO NGOS ' +
    'FARC ELN AUC EU3 P5 G8 G20 APEC ASEAN OAS OPEC WTO IMF ISAF AFRICOM SOUTHCOM USSOUTHCOM CENTCOM EUCOM PACOM ' +
    'SLA JEM SWIFT VARIG ROK DPRK PRC ROC MONUC UNIFIL UNMIK GAERC CODEL STAFFDEL SCENESETTER? ' +
    'AIDS HIV TIP PM FM DFM MFA MOD MOI MOJ CIA FBI DEA DOD DOJ DHS USAID NSC AMB? ' +
    'PKK PLO PA HAMAS? FATAH? ANC MDC ZANU-PF SPD CDU CSU FDP OVP PSOE PP PRI PAN PRD ' +
    'GPC TFTP MTCR WMD NPT CTBT FMCT BWC CWC PSI UAE DRC CAR ' +
    'UNHCR UNICEF UNESCO UNDP UNEP UNAMA UNAMI UNAMID UNMIS UNODC UNRWA UNDOF UNOCI MINUSTAH OECD OIC AU ECOWAS SADC ' +
    'IGAD EUFOR KFOR OAU GCC CIS CSTO SCO LAF IDF ISI IRGC MEK KDP PUK KRG LTTE ANP ICC ICJ ICTY ' +
    'OPCW IEA IFAD WFP ILO UNAIDS PEPFAR MCC OPIC USTR DNI ODNI NASA NOAA EPA CFIUS USDA USAF ' +
    'MERCOSUR UNASUR CARICOM SICA AQI AQIM AQAP TTP MILF ' +
    // the Department's bureaus as distribution lines name them (FORMAT.md §4.3: `DEPT FOR WHA/BSC`)
    'EUR WHA NEA SCA EAP ISN INR DRL OES EEB PRM INL ECA ' +
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
export const ORGANIZATION_ACRONYMS: ReadonlySet<string> = new Set(
  ORGANIZATION_TAGS.filter((t) => /^[A-Z]{2,}$/.test(t) && !WORD_LIKE_ORGANIZATIONS.has(t)),
);

const VOWEL_RE = /[AEIOUY]/;

/**
 * The two-letter words of English and the name particles and short titles that are written as
 * words (`Al-Qaida`, `De Gaulle`, `Mr`). Any other word of two letters is an abbreviation
 * (`FY`, `DG`, `VP`, `AU`, `IM` in `Ex-IM`): the shape, not a list of the abbreviations. The
 * one-syllable Chinese surnames (`Hu`, `Li`, `Wu`) and the Korean name syllables of two letters
 * (`Ban Ki-Moon`, `Kim Jong-Il`) are names, prefixes of compounds (`Re-`,
 * `Co-`) words. Two letters before an apostrophe that is no possessive ending (`SA'ADA`,
 * `BA'ATH`) begin a word.
 */
const TWO_LETTER_WORDS = new Set(
  (
    'AH AM AN AS AT AX AY BE BY DO EH GO HA HE HI HO IF IN IS IT LO ME MY NO OF OH ON OR OW OX ' +
    'SO TO UP WE YE YO AL EL LA LE DE DI DA DU MR MS DR ST JR SR EX OU LI XI WU HU MA YU XU SU LU ' +
    'RE CO ZU YI AD IL KI'
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

/**
 * Pairs of consonants that open English words (`BL`, `STR`'s `ST`, `SCH`'s `SC`) or names written
 * in English from other languages (`KH`, `ZH`, `TS`, `MB`, `NG`, `DZ`, `DM`, `GD`, `TB`: Khartoum,
 * Zhou, Tsvangirai, Mbeki, Nguyen, Dzhokhar, Dmitry, Gdansk, Tbilisi). A word in capitals opened by
 * any other pair (`KSA`, `PDVSA`, `MFA`, `NSA`, `GTMO`, `CDA`) cannot be read aloud as a word and is
 * an abbreviation. Y counts as a vowel.
 */
const ONSETS = new Set(
  (
    'BL BR CH CL CR DR DW FL FR GL GN GR KL KN KR PH PL PR PS PT PN SC SH SK SL SM SN SP ST SW SQ ' +
    'TH TR TW WH WR QU ' +
    'BH BJ CV CZ DH DJ DM DN DV DZ GB GD GH GW HR HT HW JH KG KH KW LH LJ LL MB MK ML MN MR MS MW ' +
    'ND NG NH NJ NK NZ PF RH RW SR SV SZ TB TS TZ VL VR XH ZH ZL ZV ZW ' +
    'SF TL HM ZB ZD LV KV GV TK'
  ).split(' '),
);

/**
 * Pairs of consonants that end English words (`-MP`, `-NDS`'s `ND`, `-GHT`'s `HT`) or names
 * written in English (`-DT` Schmidt, `-KH` Sheikh, `-HD` Fahd, `-ZB` Hizb, `-BD` Abd, `-RX` Marx);
 * a doubled letter other than `CC`, `KK`, `VV` (`Bonn`, `Hajj`, `Rapp`), an `S` (plurals) and a
 * consonant before `R` (`Sadr`, `Bakr`) end words too. A word in capitals ending in any other pair
 * (`USG`, `AKP`, `IDP`, `ASD`, `ANSF`, `IPCC`) is an abbreviation.
 */
const CODAS = new Set(
  (
    'CH CK CT FT GH GM GN HM HN HT KH LB LD LF LK LM LN LP LT MB MN MP ND NG NK NT NX PH PT RB RC ' +
    'RD RF RG RK RL RM RN RP RT SC SH SK SM SP ST TH WD WK WL WN WT XT ' +
    'BD BT DH DL DT HD HL JD JM LQ LZ NC NH NZ PF RQ RX RZ TC TD TZ ZB ZK ZM CL CZ'
  ).split(' '),
);
const CONSONANTS = 'BCDFGHJKLMNPQRSTVWXZ';
const isConsonant = (c: string) => CONSONANTS.includes(c);

/**
 * Whether a word of three letters or more in capitals cannot be an English word or a name by its
 * letters: an opening or closing pair of consonants that no word has (also before a plural `S`,
 * `IDPS`), an `X` before a consonant other than `C`, `H`, `P`, `T` (`EXBS`), one letter three times running
 * (`UNIIIC`), or a prefix `US`/`UN` before an abbreviation by these
 * rules or by the lists (`USNATO`, `UNHCR`, `USTR`, `UNSC`: missions and programmes, FORMAT.md §2).
 */
function unpronounceable(u: string): boolean {
  if (u.length < 3) return false;
  if (isConsonant(u[0]) && isConsonant(u[1]) && !ONSETS.has(u.slice(0, 2))) return true;
  const a = u[u.length - 2];
  const b = u[u.length - 1];
  if (
    isConsonant(a) &&
    isConsonant(b) &&
    !(a === b && 'BDFGJLMNPRSTZ'.includes(a)) &&
    b !== 'S' &&
    !(b === 'R' && 'BDFGHJKMST'.includes(a)) &&
    !CODAS.has(a + b)
  )
    return true;
  if (/X[BDGJKMNRVWZ]/.test(u)) return true;
  // one letter three times running is in no word (`UNIIIC`, an abbreviation with a numeral in it)
  if (/([A-Z])\1\1/.test(u)) return true;
  // a plural of an abbreviation (`IDPS`, `ANSFS`): the letters before the `S` end in no word's pair
  if (u.length > 3 && u.endsWith('S') && unpronounceable(u.slice(0, -1))) return true;
  if (/^U[NS]/.test(u)) {
    const rest = u.slice(2);
    if (rest.length === 2) return !VOWEL_RE.test(rest);
    if (rest.length > 2)
      return (
        ACRONYMS.has(rest) ||
        ORGANIZATION_ACRONYMS.has(rest) ||
        !VOWEL_RE.test(rest) ||
        unpronounceable(rest)
      );
  }
  return false;
}

/**
 * Words of three letters with a vowel written in lower case or capitalised in the mixed-case prose
 * of the corpus cables (at least twice, and more often than in capitals): English words
 * (`WAR`, `OIL`, `KEY`, `FEW`), name words (`ABU`, `BIN`, `ALI`, `KIM`, `LEE`, `VON`) and
 * abbreviations written as words (`AMB`, `GEN`, `REP`). Any other word of three letters with a
 * vowel written in capitals is an abbreviation (`DAS`, `HEU`, `CEO`, `FCO`, `MEP`): the shape
 * rule, with the words it would misread.
 */
const THREE_LETTER_WORDS = new Set(
  (
    'ABD ABU ACT ADA ADD ADL ADS AGE AGO AHL AID AIM AIN AIR AKA ALI ALL ALO AMB AMM AMR AND ANN ' +
    'ANT ANY APT ARC ARE ARK ARM ART ASH ASK ASO ASP AUS AUX AYE AYN AYR BAB BAD BAG BAH BAK BAN ' +
    'BAO BAR BAT BAY BED BEE BEG BEK BEN BET BEY BID BIG BIN BIO BIT BLE BOB BOS BOT BOU BOW BOX ' +
    'BOY BUS BUT BUY CAF CAN CAP CAR CAT CCO CHU CIV COL COM CON COW COY CRY CUE CUM CUP CUT DAE ' +
    'DAI DAM DAN DAR DAY DEH DEL DEM DEP DER DES DID DIE DIG DIM DIN DIP DIR DIS DOG DON DRY DUE ' +
    'DUG EAR EAT EAU EDS EGG EGO EID ELI EMB EME END ENG ERA ETC EUR EVE EVO EYE FAN FAR FAT FAX ' +
    'FED FEE FEW FEZ FIG FIT FIX FLU FLY FOE FOR FOX FOZ FRO FUN GAD GAH GAL GAO GAP GAS GAY GAZ ' +
    'GEL GEM GEN GEO GET GIL GOD GOV GUL GUN GUT GUY GYE GYM HAD HAJ HAM HAN HAQ HAS HAT HAY HED ' +
    'HER HEW HEY HIM HIP HIS HIT HOC HOF HON HOT HOW HUB HUG HUI IAN IBN IDA IKE ILL INC INS INT ' +
    'IRE ITH ITS IVE IVO IWU JAB JAE JAY JET JEW JIA JIM JIN JOB JOE JON JOS JOY KAE KAI KAN KEG ' +
    'KEN KEY KID KIM KIP KOC KUK KUN KWE KYI KYL LAB LAC LAG LAL LAP LAS LAW LAX LAY LED LEE LEG ' +
    'LET LEV LIA LIB LID LIE LIP LIT LIU LOG LOS LOT LOW LUC MAD MAJ MAN MAO MAW MAX MED MEL MEN ' +
    'MET MID MIL MIN MIO MIR MIS MIX MOB MOE MON MOO MUM NAD NAP NAY NEK NEO NET NEU NEW NIL NIO ' +
    'NOD NON NOR NOT NOW NUR OAK ODD OFF OFT OIL OLD OLE ONE OPS OPT ORE ORG OUR OUT OWE OWN PAD ' +
    'PAG PAK PAN PAR PAY PAZ PEG PEN PER PET PIC PIE PIG PIN PIR PIT POL POP POR POT PRE PRO PRY ' +
    'PUT PYI QOF QOM QUA QUO RAI RAM RAN RAO RAP RAS RAW RAY REA RED REF REP RES RET RID RIG RIM ' +
    'RIO ROB ROD ROH ROM RON ROS ROT ROW ROY RUA RUI RUN SAD SAI SAM SAN SAO SAT SAW SAY SBI SEA ' +
    'SEE SEN SER SET SEX SHE SHI SHY SIC SIN SIR SIT SIX SON SOW SOY SPY SRI SUB SUD SUE SUK SUL ' +
    'SUM SUN SUR SUU TAB TAG TAJ TAP TAR TAT TAW TAX TAY TEA TED TEL TEN THA THE TIE TIM TIN TIT ' +
    'TOE TOM TON TOO TOP TOW TOY TRI TRY TUG TWO ULM UND UPS URI URS USE UZI VAL VAN VIA VIE VIS ' +
    'VIZ VOL VON VOR VOX VUK WAL WAR WAS WAY WEB WEI WEN WET WHO WHY WIN WIT WON WOO WRY YAK YAR ' +
    'YEA YEE YES YET YEW YON YOO YOU YUN ZAW ZHI ZIA ZIM ZOE'
  ).split(' '),
);

/**
 * Common English words of three letters that the corpus prose does not use (or writes in lower case
 * at least as often as in capitals): `THREE_LETTER_WORDS` knows the words of the cables, these the
 * words of English a subject may still use (`OWL`, `ZOO`, `INK`). Words of this kind that the corpus
 * writes mostly in capitals are abbreviations there and not listed (`COP`, `DOE`, `ICE`, `MAP`,
 * `SAG`, `VAT`).
 */
const ENGLISH_THREE_LETTER_WORDS = new Set(
  (
    'ACE APE ATE AWE AXE BUD BUG BUN CAB CUB DAD DEN DEW DOT DYE EBB ELF ELK ELM EMU EWE FAD FIN ' +
    'FOG FRY FUR GAG GIG GIN GUM HEN HID HOG HOP HUE HUM HUT ICY INK INN ION IVY JAR JAW JOG JOT ' +
    'JUG KIN KIT LAD MAT MOM MOP MUD MUG NAG NUN NUT OAR OAT ODE OWL PAL PAT PAW PEA PLY POD PUB ' +
    'PUN PUP RAG RAT RIB RIP RUB RUG RUT RYE SAP SIP SIS SKI SKY SLY SOB SOD SPA STY TAN TOT TUB ' +
    'URN VET VOW WAX WED WIG WOE WOK WOW YAM YAP YAW ZAP ZEN ZIP ZOO'
  ).split(' '),
);

/**
 * Abbreviations of four letters or more that read like words (`FATA`, `EULEX`, `MANPADS`, `SRAP`,
 * `SOFA`, `COIN`): no rule of shape tells them from names (`Gaza`, `Lima`), so the cables' own usage
 * does. The words of four letters or more with a vowel, not abbreviations by shape already, that the
 * mixed-case prose of 70 % of the corpus cables (by the split's hash of the id) writes in capitals
 * in at least three cables, at least three times and ten times as often as capitalised or in lower
 * case; with those it defines by their initials in parentheses (`Federally Administered Tribal
 * Areas (FATA)`) and writes in capitals as often. Checked on the other 30 % (docs/cables.md). Read
 * only in a word written in capitals: a subject that writes `coin` or `sofa` in lower case says by
 * that they are words.
 */
const LONG_ABBREVIATIONS = new Set(
  (
    'ABIN ACOTA ACSA ACST ADNOC AECA AEIA AESA AGOA ANCYL APDNSA ARSO ASOP ASSK ATPDEA AUAB AVIPA ' +
    'AWACS BICS BIOT CAIV CAPT CARSI CATR CEIP CERP CHOD CHOGM CISMOA CIWIN COAS COIN COMISAF CONARE ' +
    'COREPER CRIM DATT DEPS DIAG DISIP DNAT EADS ECHR EDBI EGIS ESAF ESEC ESMA EULEX FAES FATA FEEB ' +
    'FEER FIFA FIPA FISS FOCAC GICNT GOAJ GRAD GRPO GRULAC GWOT HUMINT IACHR IAEC ICITAP IDEC IFPI ' +
    'IIPA ILEA IMET IMIE INEC INFCIRC INFR IPAP IRIG IRPO ISCI ISNA ISSO ISSP IWMI JATT LHCBA LOFSA ' +
    'MANPADS MEPP MIIT MIST MNRE MOFCOM MOIS MONY MRAP NADR NAMA NIPF NIPP OCHA OFAC OHCHR OIOS OMLT ' +
    'ONSC PILDAT POLAD POTUS PUOU RIHS RIST ROYG SACEUR SAFTA SARG SASE SASSI SCIO SECDEF SEDENA ' +
    'SEMAR SIPDIS SOFA SRAP STCU THAAD TRACFIN UAEG UCLAT UNDAF UNPOS UNVIE USDEL USEU USUN YSOF'
  ).split(' '),
);

/**
 * A word in capitals that is an abbreviation of four letters or more by the cables' usage, or the
 * plural of one of four letters or more of the acronym list (`CODELS`, `UNSCRS`); not of the
 * usage list, whose plurals are often words (`COINS`, `SOFAS`).
 */
function isLongAbbreviation(word: string): boolean {
  if (word.length < 4 || word !== word.toUpperCase()) return false;
  if (LONG_ABBREVIATIONS.has(word)) return true;
  if (word.length < 5 || !word.endsWith('S')) return false;
  const stem = word.slice(0, -1);
  return ACRONYMS.has(stem);
}

/** The months as the DTG abbreviates them (FORMAT.md §3): words (`Sep`, `Aug`), not acronyms. */
const MONTHS = new Set('JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC'.split(' '));

/**
 * Abbreviations told by the letters of a word (not by a list of the examples): an unpronounceable
 * word (`KSA`, `EXBS`, `PDVSA`, `USNATO`, also written in lower case: `(zka)`) or a word of three
 * letters in capitals that is no word of `THREE_LETTER_WORDS` (`DAS`, `CEO`; a word of three letters
 * that the subject writes in lower case says by that it is a word).
 */
function isAcronymByShape(word: string): boolean {
  if (!/^[A-Za-z]+$/.test(word)) return false;
  const u = word.toUpperCase();
  if (SHORTENED_WORDS.has(u)) return false;
  // a word in lower case (a subject written in lower case) is an abbreviation only when it cannot
  // be read aloud (`(zka)`): three letters in lower case are words
  if (
    word === u &&
    u.length === 3 &&
    VOWEL_RE.test(u) &&
    !THREE_LETTER_WORDS.has(u) &&
    !ENGLISH_THREE_LETTER_WORDS.has(u) &&
    !MONTHS.has(u) &&
    !GO_WORDS.has(u)
  )
    return true;
  // Scottish and Irish names (`MCCAIN`) open with `Mc`, no English pair (see `titlePart`)
  if (/^MC[A-Z]{3,}$/.test(u)) return false;
  return unpronounceable(u);
}

/**
 * Words the cables shorten by dropping letters, written as words (`Gov`, `Govt`, `Intl`, `Natl`,
 * `Dept`, `Asst`, `Mgmt`, `Bldg`): the corpus prose writes them so (`Gov.` 230 times, `GOV` 24).
 * Their consonant runs would make abbreviations of them by shape.
 */
const SHORTENED_WORDS = new Set('GOV GOVT GOVTS INTL NATL DEPT ASST MGMT BLDG'.split(' '));

function isAcronym(core: string): boolean {
  const u = core.toUpperCase();
  if (SHORTENED_WORDS.has(u)) return false;
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
const DOTTED_RE = /^([^A-Za-z]*)((?:[A-Za-z]\.){2,})([^A-Za-z]*)$/;
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
    // letters with periods (`p.m.`, `u.s.`): initials or an abbreviation, in capitals
    const dotted = DOTTED_RE.exec(p);
    if (dotted) return dotted[1] + dotted[2].toUpperCase() + dotted[3];
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
  // ... but `Mc` before a name in capitals is the prefix written the way it always is, not a word
  // in mixed case (`McCAIN` in a subject in capitals → `McCain`)
  if (mixed && !keepCaps && /^Mc[A-Z]{3,}$/.test(core))
    return pre + 'Mc' + capitalize(core.slice(2).toLowerCase()) + poss.toLowerCase() + post;
  if (mixed) return pre + core + (poss.length === 2 ? poss.toLowerCase() : poss) + post;
  const innerApostrophe = core.length === 2 && poss.length > 2;
  // the letters of a word in capitals tell an abbreviation (`KSA's`, `DAS`), unless an apostrophe
  // inside joins it to more letters (`SHI'ITE`) or it is a contraction (`DOESN'T`)
  // a contraction (`GOV'T`, `DOESN'T`) is a word
  const contraction = poss.length === 2 && (poss[1] === 'T' || poss[1] === 't');
  const shapeRead =
    core.length > 2 &&
    (poss.length === 0 || (poss.length === 2 && (poss[1] === 'S' || poss[1] === 's')));
  if (
    (contraction
      ? false
      : innerApostrophe
        ? ACRONYMS.has(core.toUpperCase())
        : isAcronym(core) || (shapeRead && (isAcronymByShape(core) || isLongAbbreviation(core)))) ||
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
  // two words the source joined at a comma, colon, semicolon or closing bracket with no space
  // (`INFORMATION:CRITICAL`, `IRAQ,SYRIA`, `(C)IRAN`): each is a word, and after a colon or
  // semicolon the second opens a phrase
  if (GLUED_PUNCTUATION_RE.test(word) && !word.includes('://')) {
    const pieces = word.split(GLUED_SPLIT_RE);
    let out = '';
    for (let k = 0; k < pieces.length; k++) {
      const opens = k === 0 ? afterBreak : /[:;]$/.test(pieces[k - 1]);
      out += titleWord(
        pieces[k],
        first && k === 0,
        last && k === pieces.length - 1,
        opens,
        keepCaps,
      );
    }
    return out;
  }
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
  for (let idx = 0; idx < parts.length; idx++) {
    // a letter before a slash abbreviates a word (`A/S`, `A/DCM`): never the small word `a`; a
    // small word before a hyphen is part of a compound word (`On-Going`, `In-Depth`, `By-Election`)
    const letter = parts[idx + 1] === '/' && /^[A-Za-z]$/.test(parts[idx]);
    const joined = idx === 0 && parts[1] === '-' && parts.length > 2 && parts[2] !== '';
    out += titlePart(parts[idx], idx, edge || letter || joined, afterBreak, keepCaps);
  }
  return out;
}

const WS_RE = /\s+/;
const DAMAGED_POSSESSIVE_RE = /^(.*[A-Za-z]),([Ss])(?![A-Za-z0-9])/;
const GLUED_PUNCTUATION_RE = /[A-Za-z0-9)][,;:)][A-Za-z(]/;
const GLUED_SPLIT_RE = /(?<=[A-Za-z0-9)][,;:)])(?=[A-Za-z(])/;

/**
 * A word written in mixed case on purpose: a capital after a lower-case letter (`DoD`, `GoI`,
 * `McCain`, `BoG`); a possessive ending (`PM's`) does not make a word mixed.
 */
const INNER_CAPITAL_RE = /[a-z\u00df-\u00ff][A-Z\u00c0-\u00de]/;
const POSSESSIVE_END_RE = /['’][sS]\W*$/;
/** The plural of an abbreviation written with a lower-case `s` (`NGOs`, `IDPs`, `MPs`). */
const ABBREVIATION_PLURAL_RE = /^[^A-Za-z]*[A-Z]{2,}s(?:['’])?[^A-Za-z]*$/;

/**
 * Whether most words with letters hold a lower-case letter (the subject is not written in
 * capitals). Words written in mixed case on purpose (`DoD`), plurals of abbreviations with a
 * lower-case `s` (`NGOs`) and possessive endings (`PM's`) say nothing about how the rest of the
 * subject is written and are not counted: `DoD AND MoD TALKS` and `NGOs AND IDPs MEET MPs` are
 * subjects in capitals around such words.
 */
function mixedCaseText(words: string[]): boolean {
  let lettered = 0;
  let lower = 0;
  for (let w of words) {
    if (!/[A-Za-z\u00c0-\u024f]/.test(w)) continue;
    if (INNER_CAPITAL_RE.test(w) || ABBREVIATION_PLURAL_RE.test(w)) continue;
    if (POSSESSIVE_END_RE.test(w)) w = w.replace(POSSESSIVE_END_RE, '');
    lettered++;
    if (/[a-z\u00df-\u00ff]/.test(w)) lower++;
  }
  return lower > 0 && lower * 2 >= lettered;
}
const BREAK_END_RE = /[:;?!]$/;
/** Name particles that a subject in mixed case writes in lower case (`de`, `bin`, `van`). */
const PARTICLES = new Set(
  'al bin ibn da das de del della der di do dos du el la le van von y'.split(' '),
);

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
    // a subject in mixed case writes a name particle in lower case on purpose (`Rio de Janeiro`,
    // `Abdullah bin Zayed`): kept before a capitalised word
    if (
      keepCaps &&
      i > 0 &&
      PARTICLES.has(w) &&
      i + 1 < words.length &&
      /^[A-Z]/.test(words[i + 1])
    ) {
      out += w;
      afterBreak = false;
      continue;
    }
    // the last word is capitalised like the first (`What It Stands For`)
    out += titleWord(w, i === 0, i === words.length - 1, afterBreak, keepCaps);
    // a colon, a spaced dash or a double hyphen (also one written against the word before it,
    // `GOI-- AND`) ends a phrase: the next word opens one
    afterBreak = BREAK_END_RE.test(w) || w === '-' || w.endsWith('--');
  }
  return out;
}
