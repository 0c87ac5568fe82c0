// Consistency rules for parsed cables that need no expected result (used by corpus.test.ts).
import { normalizeStation, tagKind, type ParsedCable } from '../../src/cables/parse/index.ts';
import { STATIONS } from '../../src/cables/parse/tables.ts';

const STATION_SET: ReadonlySet<string> = new Set(STATIONS);
/** A reference id's station is one of the stations of the tables (FORMAT.md §2). */
const knownStation = (id: string) => {
  const m = /^\d{2}([A-Z]+)\d+$/.exec(id);
  return !!m && STATION_SET.has(m[1]);
};

/**
 * Consistency rules over unlabelled cables: each names a way a field can be wrong that shows
 * without an expected result. `count` is how many cables break the rule.
 */
const LETTERED_ITEM_RE = /(?:^|[\s;,])(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z])[.)])[ \t]*(?=[A-Z0-9(])/g;
/**
 * A REF line: the label at the start of a line in any case, or in capitals in the middle of a line
 * when the subject runs into it (`… UK PRIMEREF: A. LONDON 1939`).
 */
const REF_LINE_RE =
  /(?:(?:^|\n)[ \t]*[Rr][Ee][Ff]|(?<=[A-Z \t])REF)(?:[Ss]|[Tt][Ee][Ll][Ss]?|\([Ss]\)|[Ee][Rr][Ee][Nn][Cc][Ee][Ss]?)?[ \t]*[:;]([^]*?)(?=\n[ \t]*(?:Classified|CLASSIFIED|1\.[ \t]|\(?[A-Z/]{1,5}\)?[ \t]*1\.|SUMMARY|Summary)|\n[ \t]*\n[ \t]*\n|$)/;
/**
 * Items of a REF list that cite something other than a cable: e-mails, telcons, memos, letters,
 * reports (daily reports, IIRs, OSC reports), a message known only by its DTG, the Foreign Affairs
 * Manual/Handbook. A cable is cited by an originator word and a serial (`LONDON 825`,
 * `07 STATE 1234`); a number that is part of a date (`12/14/07`, `JULY 15`, `8 MAY 08`) is not a serial.
 */
/** A station of one to three words and a serial of two digits or more (not part of a date). */
const NAMED_CABLE_RE = /\b((?:[A-Z]{2,}[ \t]+){0,2}[A-Z]{3,})[ \t]+0*(\d{2,7})\b(?![\/.]\d)/g;
const OTHER_DOCUMENT_RE =
  /E-?MAILS?\b|\bTELCONS?\b|\bMEMO|\bLETTER\b|\bREPORTS?\b|\bDAILY\b|\bIIR\b|\bOSC\b|\bDTG|\bFA[MH]\b/;
const MONTH_RE = /^(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*$/;
/** A word of three letters or more and a number that is not part of a date (`3/23`, `8 MAY 08`). */
const DAY_OR_SERIAL_RE =
  /([A-Z]{3,})[ \t-]*(\d{1,7})\b(?![\/.]\d)(?![ \t]+(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\b)/g;
function citesCable(item: string): boolean {
  const t = item.toUpperCase();
  if (OTHER_DOCUMENT_RE.test(t)) return false;
  for (const x of t.matchAll(DAY_OR_SERIAL_RE)) if (!MONTH_RE.test(x[1])) return true;
  return false;
}
/** Words that are never a signer's surname: the cable's own vocabulary and English function words. */
const COMMON_WORDS = new Set(
  (
    'THE AND OF TO IN FOR ON AT BY WITH FROM AS IS ARE WAS WERE BE BEEN IT THIS THAT THESE THOSE NOT NO YES ' +
    'END TEXT COMMENT SUMMARY NOTE QUOTE UNQUOTE CABLE MESSAGE SECTION PAGE REF REFS REFTEL TAGS SUBJECT ' +
    'SIPDIS NOFORN UNCLASSIFIED CONFIDENTIAL SECRET CLASSIFIED SENSITIVE EMBASSY STATE DEPARTMENT ' +
    'MINIMIZE CONSIDERED REGARDS THANKS ACTION REQUEST INFORMATION ALL ONLY ALSO WILL WOULD'
  ).split(' '),
);
/** Words of rank or office (FORMAT.md §4.8, §9): a cable is signed by a surname, never by these. */
const OFFICE_WORDS = new Set(
  (
    'AMBASSADOR CHARGE DCM CDA CONSUL CONSULGENERAL SECRETARY MINISTER COUNSELOR COUNSELLOR ' +
    'OFFICER DIRECTOR DEPUTY CHIEF ACTING PRINCIPAL AMEMBASSY AMCONSUL SECSTATE USMISSION'
  ).split(' '),
);
/** A person's name: given names or initials, then a surname, optionally a suffix; any case. */
const NAME_WORD =
  "(?:[A-Z]\\.(?:[A-Z]\\.)?|[A-Z](?:['’][A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?|[A-Z]{2,}(?:['’-][A-Z]+)*|[A-Z]|van|von|de|der|del|da|di|du|la|le|bin|St\\.)";
const NAME_SHAPE_RE = new RegExp(
  `^${NAME_WORD}(?: ${NAME_WORD})*(?:,? (?:Jr\\.|Sr\\.|JR\\.|SR\\.|II|III|IV))?$`,
);

/**
 * How the cable's own prose writes each word: counts in capitals and as a word (capitalised or in
 * lower case), over lines written mostly in lower case (six words or more, three in five with a
 * lower-case letter), so that a subject's title case can be checked against the cable's usage.
 */
function proseUsage(body: string): Map<string, { caps: number; word: number }> {
  const usage = new Map<string, { caps: number; word: number }>();
  for (const line of body.split('\n')) {
    const ws = line.split(/[^A-Za-z']+/).filter((w) => /[A-Za-z]/.test(w));
    if (ws.length < 6 || ws.filter((w) => /[a-z]/.test(w)).length < ws.length * 0.6) continue;
    for (const raw of ws) {
      const w = raw.replace(/'[sS]$/, '').replace(/'/g, '');
      if (w.length < 2) continue;
      const u = w.toUpperCase();
      const e = usage.get(u) ?? { caps: 0, word: 0 };
      if (w === u) e.caps++;
      else if (/^[A-Z]?[a-z]+$/.test(w)) e.word++;
      else continue;
      usage.set(u, e);
    }
  }
  return usage;
}

/**
 * Whether the title of a subject written in capitals keeps a word in capitals that the cable's
 * prose writes only as a word, or writes as a word one that the prose writes only in capitals (each
 * at least twice): the acronym rules of title case read against the cable's own usage.
 */
export function titleAgainstProse(p: ParsedCable): string[] {
  if (!p.subject || p.subject !== p.subject.toUpperCase() || !/[A-Z]{2}/.test(p.subject)) return [];
  const usage = proseUsage(p.body);
  const out: string[] = [];
  for (const t of p.title.split(/[^A-Za-z']+/)) {
    const w = t.replace(/'[sS]$/, '').replace(/'/g, '');
    if (w.length < 3 || !/^[A-Z]/.test(w)) continue;
    const e = usage.get(w.toUpperCase());
    if (!e) continue;
    const inCaps = w === w.toUpperCase();
    if (inCaps && e.word >= 2 && e.caps === 0) out.push(w);
    else if (!inCaps && e.caps >= 2 && e.word === 0) out.push(w);
  }
  return out;
}

export const RULES: { field: string; rule: string; breaks: (p: ParsedCable) => boolean }[] = [
  {
    field: 'references',
    rule: 'a REF: line with lettered items citing cables but fewer references found',
    breaks: (p) => {
      const m = REF_LINE_RE.exec(p.body);
      if (!m) return false;
      // the text of each lettered item ("A. A) BRASILIA 236": both markers open item A)
      const items = new Map<string, string>();
      const hits = [...m[1].matchAll(LETTERED_ITEM_RE)];
      hits.forEach((x, i) => {
        const letter = x[1] ?? x[2] ?? x[3];
        const text = m[1].slice(
          x.index! + x[0].length,
          i + 1 < hits.length ? hits[i + 1].index : m[1].length,
        );
        items.set(letter, (items.get(letter) ?? '') + ' ' + text);
      });
      // lettered lists run A, B, C…: count only a run that starts at A
      let n = 0;
      while (items.has(String.fromCharCode(65 + n))) n++;
      if (n < 2) return false;
      // only items that cite a cable count: a word and a serial, not another kind of document
      let cables = 0;
      for (let i = 0; i < n; i++) if (citesCable(items.get(String.fromCharCode(65 + i))!)) cables++;
      return p.references.length < cables;
    },
  },
  {
    field: 'refsNamed',
    rule: 'a REF: line naming more cables (station and serial) than references found',
    breaks: (p) => {
      const m = REF_LINE_RE.exec(p.body);
      if (!m) return false;
      // the list up to its first blank line (the parsed body has no paragraph numbers to end it);
      // dates and the cable's own section markers (`MADRID 00002282 001.2 OF 002`) name no cable
      const text = m[1]
        .split(/\n[ \t]*\n/)[0]
        .toUpperCase()
        .replace(/\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g, ' ')
        .replace(/\b0\d{7}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}\b/g, ' ');
      const named = new Set<string>();
      for (const x of text.matchAll(NAMED_CABLE_RE)) {
        const w = x[1].split(/[ \t]+/);
        let st: string | null = null;
        for (let k = w.length; k >= 1 && !st; k--)
          st = normalizeStation(w.slice(w.length - k).join(''), false);
        // (the citing cable itself is no reference)
        if (st && p.referenceId !== `${p.referenceId?.slice(0, 2)}${st}${x[2]}`)
          named.add(st + x[2]);
      }
      return named.size > p.references.length;
    },
  },
  {
    field: 'subject',
    rule: 'a subject containing REF: or CLASSIFIED BY',
    breaks: (p) => /REF(?:S|TELS?)?\s*:|CLASSIFIED\s+BY/i.test(p.subject),
  },
  {
    field: 'tags',
    rule: 'tags that are neither TAG codes nor country codes',
    breaks: (p) => p.tags.some((t) => tagKind(t) === 'unknown'),
  },
  {
    field: 'classifiedBy',
    rule: "classified-by values not shaped like a person's name (or ending in an initial)",
    // a name ends in a surname, not in an initial (`Luis G` is a name cut after its initial)
    breaks: (p) =>
      p.classifiedBy.some(
        (n) => !NAME_SHAPE_RE.test(n) || n.split(' ').length > 5 || /(?:^| )[A-Z]\.?$/.test(n),
      ),
  },
  {
    field: 'ids',
    rule: "a reference id (the cable's or a cited one) whose station is no station of the tables",
    breaks: (p) =>
      (p.referenceId != null && !knownStation(p.referenceId)) ||
      p.references.some((r) => !knownStation(r)),
  },
  {
    field: 'media',
    rule: 'press-article addresses a browser cannot open (not http(s), the scheme written twice)',
    breaks: (p) =>
      p.mediaUrls.some((u) => {
        try {
          const url = new URL(u);
          return !/^https?:$/.test(url.protocol) || /^https?:\/\/https?:/i.test(u);
        } catch {
          return true;
        }
      }),
  },
  {
    field: 'title',
    rule: "title words in capitals the cable's prose writes as words, or the reverse",
    breaks: (p) => titleAgainstProse(p).length > 0,
  },
  {
    field: 'signers',
    rule: 'signers that are common words, end-of-text markers (NNNN), redactions or words of office',
    breaks: (p) =>
      p.signers.some(
        (s) =>
          COMMON_WORDS.has(s.toUpperCase()) ||
          OFFICE_WORDS.has(s.toUpperCase()) ||
          /^N{2,}$|^X{3,}$/i.test(s),
      ),
  },
];
