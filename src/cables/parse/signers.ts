/** Signer surnames from the last lines of a body. */
import { plainText } from './clean.ts';
import { SIGNER_SURNAME_FIXES } from './tables.ts';

const JUNK_LINE_RE =
  /^(?:[\s.>#-]*|[=_*-]{3,}.*|#\d+|-?[ \t]*\d{1,3}(?:[ \t]*(?:OF|of|\/)[ \t]*\d{1,3})?[ \t]*-?|(?:[A-Z] ){3,}[A-Z]\b.*|\(END\)|END OF (?:DOCUMENT|CABLE|MESSAGE|TEXT)\.?|(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE|SENSITIVE|FOR OFFICIAL USE ONLY|NOFORN|NODIS|EXDIS|LIMDIS|SIPDIS|N{2,}|BT|GP-\d|END CABLE TEXT|END TEXT\.?|UNQUOTE)\b.*|.*Classification:.*|PAGE\s+\d+.*|[A-Z ]+\s+\d{5,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}|NOTE BY OC\/T.*|NOTE:.*|Declassified\/Released.*|\d{4}[A-Z]+\d+.*)$/i;

/**
 * Lines the posts and the sources of the archive add after the text (FORMAT.md §1.3, §10), searched
 * for anywhere in a line of at most 160 characters: an address (`http://`, `www.`, the rest of one
 * broken over lines, `gov.gov/wiki/…`), the post's classified web site, a line of a scraper's
 * database, a partner's print trace (`EPET @ EL PAÍS`), a redaction on a line of its own.
 */
const SOURCE_LINE_RE =
  /https?:\/\/|www\.|\.gov\/|Classified Web ?site\b|^SELECT \* FROM |\S[ \t]+@[ \t]+\S|^X{4,}$/i;
/**
 * A headline the source cut short, in capitals, after the text (`DANIEL ORTEGA AN...`: the partner
 * pages print the subject of a related story under the cable, FORMAT.md §1.3).
 */
const CUT_HEADLINE_RE = /^[A-Z][A-Z0-9 ,'’:;"-]*(?:\.\.\.|…)$/;
/**
 * The signer after an end marker on the same line (FORMAT.md §5): `END TEXT. AGUIRRE`, a quoted
 * cable's `UNQUOTE CLINTON`, `MINIMIZE CONSIDERED SHANNON`; the surname in capitals.
 */
const MARKER_THEN_NAME_RE =
  /(?:^|[\s.])(?:[Ee][Nn][Dd][ \t]+(?:[Oo][Ff][ \t]+)?[Tt][Ee][Xx][Tt]|UNQUOTE|Unquote|MINIMIZE CONSIDERED)[.:]?[ \t]+([A-Z][A-Z'’-]+)[#.]*$/;
/**
 * The signer written on the line of the post's classified web site, after its address (the
 * sources that join lines put the name there: `… /paris/index.c fm STAPLETON`, `… Portal:Unit
 * ed_Kingdom TUTTLE`): the address, broken once where the printout wrapped it (the rest starts in
 * lower case or with `_`), then the surname in capitals or capitalised.
 */
const NAME_AFTER_ADDRESS_RE =
  /(?:https?:\/\/|www\.)\S*(?:[ \t]+[a-z_.]\S*)?[ \t]+([A-Z][A-Za-z'’-]+)\.?$/;
/**
 * The signer at the end of the last sentence's line (the sources that join lines put it there,
 * FORMAT.md §1.3): after a full stop, a closing quote or bracket, or a rule of stars, a last word in
 * capitals or capitalised with no full stop of its own (`… arms markets. Burns`, `… website.
 * ***** KURTZER`). A capitalised word after an initial is not (`David J. Roe` is a name written
 * in a sentence), a word in capitals is (`… in the U.S. DANILOVICH`).
 */
const NAME_AFTER_SENTENCE_RE = /(?:[.!?:)”"]|\*{3,})[ \t]+([A-Z][A-Za-z'’-]+)$/;
/** An initial before the last word (`David J. Roe`). */
const INITIAL_BEFORE_RE = /(?:^|[\s.])[A-Z]\.[ \t]+[A-Z][a-z][A-Za-z'’-]*$/;

/** A date written after the surname (`SOBEL 2008-01-08`, `ROE 1/8/08`): not part of the name. */
const DATE_AFTER_RE = /[ \t]+(?:\d{4}-\d\d-\d\d|\d{1,2}\/\d{1,2}\/\d{2,4})$/;

/**
 * Words that open a surname of several words (FORMAT.md §5: the signer is a surname in capitals):
 * Dutch, German, Romance, Portuguese, Arabic and Irish/Scottish particles, and a second particle
 * after the first (`DE LA`, `VAN DER`, `VAN DEN`, `DOS`).
 */
const PARTICLES =
  'VAN|VON|DE|DEL|DELLA|DELA|DER|DI|DA|DAS|DOS|DES|DU|LA|LE|ST\\.?|SAINT|MC|MAC|BIN|IBN|ABU|AL|EL|TEN|TER';
const SECOND_PARTICLES = 'DE|DER|DEN|LA|LOS|LAS|DEL|DI|DOS|DAS';
/** A particle written in capitals, capitalised or in lower case (`VAN`, `Van`, `van`). */
const particleRe = (words: string) =>
  words
    .split('|')
    .map((w) => `${w}|${w[0]}${w.slice(1).toLowerCase()}|${w.toLowerCase()}`)
    .join('|');
const SURNAME_PARTICLE_RE = new RegExp(
  `^(?:${particleRe(PARTICLES)})(?:[ \\t]+(?:${particleRe(SECOND_PARTICLES)}))?[ \\t]+[A-Z][A-Za-z'’-]+$`,
);
/** Two family names joined by `Y` or `E`, in capitals or capitalised (`GARCIA Y LOPEZ`, `Sousa e Silva`). */
const JOINED_SURNAMES_RE =
  /^(?:[A-Z][A-Z'’-]+[ \t]+[YE][ \t]+[A-Z][A-Z'’-]+|[A-Z][a-z][A-Za-z'’-]*[ \t]+[ye][ \t]+[A-Z][a-z][A-Za-z'’-]*)$/;
/** A line that is only a surname particle: the surname goes on on the next line (`VAN\nVOORST`). */
const PARTICLE_LINE_RE = new RegExp(
  `^(?:${particleRe(PARTICLES)})(?:[ \\t]+(?:${particleRe(SECOND_PARTICLES)}))?$`,
);
const NOT_A_SIGNER = new Set([
  'COMMENT',
  'END',
  'SUMMARY',
  'TEXT',
  'NOTE',
  'QUOTE',
  'THE',
  'AND',
  'SIPDIS',
  'NOFORN',
  'CABLE',
  'MESSAGE',
  'REGARDS',
  'THANKS',
  'MINIMIZE',
  'CONSIDERED',
]);

/**
 * A surname written capitalised: each part of a hyphenated or apostrophised name capitalised or
 * not (`Murphy`, `Brown-Smith`, `O'Neill`, `D'Amato`), and `Mc`/`Mac` or a particle glued before a
 * capital (`McNamara`, `LeBaron`, `DeLisi`, `VanVoorst`).
 */
const CAPITALISED_NAME_RE =
  /^(?:Mc|Mac|Le|La|De|Di|Da|Du|Del|Van|Von|[A-Z]['’])?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*$/;

const SUFFIXES = new Set(['JR', 'SR', 'II', 'III', 'IV']);

/** The surnames the signer table knows (its corrected forms and the misspellings it corrects). */
const KNOWN_SURNAMES: ReadonlySet<string> = new Set([
  ...Object.keys(SIGNER_SURNAME_FIXES),
  ...Object.values(SIGNER_SURNAME_FIXES),
]);

/**
 * Two words that are one known surname written glued or with a hyphen: that surname in its
 * corrected form, or null.
 */
function twoWordSurname(a: string, b: string): string | null {
  const u = `${a}${b}`.toUpperCase();
  const h = `${a}-${b}`.toUpperCase();
  for (const w of [u, h]) {
    if (KNOWN_SURNAMES.has(w)) return SIGNER_SURNAME_FIXES[w] ?? w;
  }
  return null;
}

/**
 * Whether a word found after other text on the last line is a surname: three letters or more in
 * capitals, or capitalised (`Burns`, `McMullen`, `O'Neill`) and never written in lower case in the
 * cable's text (a word of a sentence cut short is: `… the end. The`); no word of the cable's own
 * (`COMMENT`, `END`).
 */
function isSurname(w: string, body: string): boolean {
  if (NOT_A_SIGNER.has(w.toUpperCase()) || /^X{3,}$/i.test(w)) return false;
  if (/^[A-Z][A-Z'’-]{2,}$/.test(w)) return true;
  if (w.length < 3 || !CAPITALISED_NAME_RE.test(w)) return false;
  const lower = w.toLowerCase();
  return !new RegExp(`(?:^|[^A-Za-z])${lower.replace(/[’']/g, "['’]")}(?![A-Za-z])`).test(body);
}

/** Surnames of the signers (upper case when `canonicalize`), possibly two; empty when not found. */
export function parseSigners(body: string, canonicalize = true): string[] {
  // (text as the other distributions write it, CRLF or entities, made plain first)
  const tail = plainText(body.slice(-2800)).slice(-700);
  const lines = tail.split('\n');
  let i = lines.length - 1;
  let marked: string | null = null;
  for (; i >= 0; i--) {
    const t = lines[i].trim();
    // the signer after an end marker on its line (`END TEXT. AGUIRRE`, `UNQUOTE CLINTON`), looked
    // for in the line's last 80 characters, from a space
    const cut = t.length > 80 ? t.indexOf(' ', t.length - 80) : -1;
    const mk = MARKER_THEN_NAME_RE.exec(cut >= 0 ? t.slice(cut) : t);
    if (mk && !NOT_A_SIGNER.has(mk[1])) {
      marked = mk[1];
      break;
    }
    // the signer after the address of the post's web site on the same line
    if (SOURCE_LINE_RE.test(t) && t.length <= 200) {
      const ad = NAME_AFTER_ADDRESS_RE.exec(t);
      if (ad && isSurname(ad[1], body)) {
        marked = ad[1];
        break;
      }
    }
    if (
      !JUNK_LINE_RE.test(t) &&
      (t.length > 160 || (!SOURCE_LINE_RE.test(t) && !CUT_HEADLINE_RE.test(t)))
    )
      break;
  }
  if (i < 0) return [];
  if (marked) {
    const u = marked.toUpperCase();
    return [canonicalize ? (SIGNER_SURNAME_FIXES[u] ?? u) : marked];
  }
  let line = lines[i]
    .trim()
    .replace(/[#.]+$/, '')
    .replace(DATE_AFTER_RE, '')
    .trim();
  // a surname written in lower case on a line of its own (`jones`), or printed again in lower case
  // under itself (`Huntsman` / `huntsman`): not a word of a sentence going on from the line before
  if (/^[a-z][a-z'’-]{1,}$/.test(line) && !NOT_A_SIGNER.has(line.toUpperCase())) {
    let k = i - 1;
    while (k >= 0 && !lines[k].trim()) k--;
    const prev = k >= 0 ? lines[k].trim() : '';
    if (prev.toLowerCase() === line && /^[A-Z]/.test(prev)) line = prev;
    else if (k < i - 1 || !/[a-z,;]$/.test(prev) || prev.split(/\s+/).length < 3)
      return [
        canonicalize ? (SIGNER_SURNAME_FIXES[line.toUpperCase()] ?? line.toUpperCase()) : line,
      ];
    else return [];
  }
  // the surname printed twice in two cases, or with a suffix in lower case (`SHANNON Shannon`,
  // `Timken jr`): one signer
  const twice = /^([A-Z][A-Za-z'’-]+)[ \t]+([A-Za-z'’-]+)\.?$/.exec(line);
  if (
    twice &&
    (twice[2].toUpperCase() === twice[1].toUpperCase() || SUFFIXES.has(twice[2].toUpperCase()))
  )
    line = twice[1];
  // a surname broken after its particle (`VAN` / `VOORST`, `DE` / `LA CRUZ`) is one surname
  if (
    i > 0 &&
    (/^[A-Z][A-Za-z'’-]+$/.test(line) || SURNAME_PARTICLE_RE.test(line)) &&
    PARTICLE_LINE_RE.test(lines[i - 1].trim())
  )
    line = `${lines[i - 1].trim()} ${line}`;
  // a hyphenated surname broken after its hyphen where the printout wrapped it (`THOMAS-` /
  // `GREENFIELD`): one surname
  if (i > 0 && /^[A-Z][A-Za-z'’-]+$/.test(line) && /^[A-Z][A-Za-z'’]*-$/.test(lines[i - 1].trim()))
    line = lines[i - 1].trim() + line;
  let names: string[] = [];
  // a surname of two or three words opened by a particle (`VAN VOORST`, `DE LA CRUZ`, `ST. JOHN`),
  // or two family names joined by `Y` or `E` (Spanish and Portuguese: `GARCIA Y LOPEZ`): several
  // signers are never joined by a word
  const particle = SURNAME_PARTICLE_RE.exec(line) ?? JOINED_SURNAMES_RE.exec(line);
  let m = /^([A-Z][A-Za-z'’-]+)(?:\s+([A-Z][A-Z'’-]+))?$/.exec(line);
  if (particle) {
    names = [line.replace(/\s+/g, ' ')];
  } else if (
    m &&
    (m[1] === m[1].toUpperCase() || CAPITALISED_NAME_RE.test(m[1])) &&
    (!m[2] || m[1] === m[1].toUpperCase())
  ) {
    names = [m[1], m[2]].filter((x): x is string => !!x);
    if (names.length === 2) {
      const u = names[1].toUpperCase().replace(/\.$/, '');
      // a suffix (`TIMKEN JR`) is no second signer, nor is the surname printed twice
      if (SUFFIXES.has(u) || u === names[0].toUpperCase()) names = [names[0]];
      // a surname of two words without a particle, known as one surname written glued or
      // hyphenated (`THOMPSON JONES` → THOMPSON-JONES, `SCHREIBER HUGHES` → SCHREIBERHUGHES)
      else {
        const one = twoWordSurname(names[0], names[1]);
        if (one) names = [canonicalize ? one : `${names[0]} ${names[1]}`];
      }
    }
  } else if (
    (m = NAME_AFTER_SENTENCE_RE.exec(line)) &&
    isSurname(m[1], body) &&
    !INITIAL_BEFORE_RE.test(line)
  ) {
    names = [m[1]];
  }
  // the cable's own words are never its signer ("COMMENT", "END"), nor is a redaction
  // (`XXXXXXXXXXXX`, FORMAT.md §5: it stands for a name the archive removed; a redaction on a line
  // of its own is passed over like the end lines, so a signer before it is still found)
  names = names.filter((n) => !NOT_A_SIGNER.has(n.toUpperCase()) && !/^X{3,}$/i.test(n));
  if (!names.length) return [];
  return names.map((n) => {
    if (!canonicalize) return n;
    const u = n.toUpperCase();
    return SIGNER_SURNAME_FIXES[u] ?? u;
  });
}
