/** Text normalisation shared by all extractors: entities, line ends, ¶ marks, section/page markers. */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '\u2019', lsquo: '\u2018',
  rdquo: '\u201d', ldquo: '\u201c', ndash: '\u2013', mdash: '\u2014', hellip: '\u2026',
};
const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g;

/** Decodes HTML character references (`&#8217;`, `&#x000A;`, `&amp;`). Unknown names stay as written. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY_RE, (m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    let cp: number | undefined;
    if (dec) cp = parseInt(dec, 10);
    else if (hex) cp = parseInt(hex, 16);
    else if (name) return NAMED_ENTITIES[name.toLowerCase()] ?? m;
    if (cp === undefined || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return m;
    return String.fromCodePoint(cp);
  });
}

const CR_RE = /\r\n?/g;
const PILCROW_RE = /\u00b6[ \t]?/g;
const NUL_RE = /\u0000+/g;
const ESCAPED_NL_RE = /\\[ \t]*\n/g;

/** Line ends to `\n`, entities decoded, `¶` display marks and NUL bytes removed, csv `\`-newlines joined. */
export function normalizeText(s: string): string {
  let t = s;
  if (t.indexOf('\r') >= 0) t = t.replace(CR_RE, '\n');
  t = decodeEntities(t);
  if (t.indexOf('\u00b6') >= 0) t = t.replace(PILCROW_RE, '');
  if (t.indexOf('\u0000') >= 0) t = t.replace(NUL_RE, '');
  if (t.indexOf('\\') >= 0) t = t.replace(ESCAPED_NL_RE, '\n');
  return t;
}

/** `BERLIN 00001167  002 OF 004`, `BLA 0000001 003.2 OF 39` — a section/page marker line. */
export const SECTION_MARKER_RE = /^[ \t]*[A-Z][A-Z .'-]{1,30}?[ \t]+\d{4,8}[ \t]+\d{1,3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{1,3}[ \t]*$/gm;
/** Pre-2004 page line: `PAGE 02 HARARE 06677 01 OF 03 291400Z` (may be followed by text). */
export const PAGE_LINE_RE = /^[ \t]*PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .'-]*?[ \t]+\d{3,7}(?:[ \t]+\d{2}[ \t]+OF[ \t]+\d{2})?[ \t]+\d{6}Z[ \t]*/gm;

/** Removes section markers and page lines (keeps the text following a page line on its line). */
export function removeMarkers(s: string): string {
  return s.replace(SECTION_MARKER_RE, '').replace(PAGE_LINE_RE, '');
}

const CLEAN_PARA_RE = /^[ \t]*(?:\d{1,3}|[A-Z])\.[ \t]*(?:\([A-Za-z /]{1,20}\)[ \t]*)?/gm;
const HEADING_DELIM_RE = /^[ \t]*[-=]{3,}[ \t]*$/gm;
const SIPDIS_LINE_RE = /\n+[ \t]*SIPDIS[ \t]*(?=\n|$)/g;
const SUMMARY_START_RE = /^(?:Summary(?:[ \t]+(?:and|&)[ \t]+[A-Za-z]+(?:[ \t]+[A-Za-z]+)?)?[ \t]*[.:-][ \t]*)/gim;
const SUMMARY_END_RE = /End[ \t]+(?:of[ \t]+)?Summary(?:[ \t]+(?:and|&)[ \t]+[A-Za-z]+)?\.?/gi;
const XXX_RE = /(?<![xX])xxx(?![xX])/g;

/**
 * Reading text for search and display: paragraph numbers and portion markings, section markers,
 * heading rules, SIPDIS lines and SUMMARY / END SUMMARY markers removed.
 */
export function cleanContent(text: string): string {
  let t = normalizeText(text);
  t = removeMarkers(t);
  t = t.replace(CLEAN_PARA_RE, '');
  t = t.replace(HEADING_DELIM_RE, '');
  t = t.replace(SIPDIS_LINE_RE, '').replace(/^\n+/, '');
  t = t.replace(SUMMARY_START_RE, '');
  t = t.replace(SUMMARY_END_RE, '');
  t = t.replace(XXX_RE, '');
  t = t.replace(/\n{3,}/g, '\n\n');
  return t;
}
