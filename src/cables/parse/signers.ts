/** Signer surnames from the last lines of a body. */
import { SIGNER_SURNAME_FIXES } from './tables.ts';

const JUNK_LINE_RE =
  /^(?:[\s.>#-]*|(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE|NOFORN|SIPDIS|N{2,}|BT|GP-\d|END CABLE TEXT|END TEXT\.?|UNQUOTE)\b.*|.*Classification:.*|PAGE\s+\d+.*|[A-Z ]+\s+\d{5,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}|NOTE BY OC\/T.*|NOTE:.*|Declassified\/Released.*|\d{4}[A-Z]+\d+.*)$/i;

const SURNAME_PARTICLE_RE =
  /^(?:VAN|VON|DE|DEL|DELLA|DER|DI|DA|DU|LA|LE|ST\.?|MC|MAC|BIN|AL|EL|TEN|TER|Van|Von|De|Del|Della|Di|Da|Du|La|Le|St\.?)(?:[ \t]+(?:DE|DER|LA|LOS|LAS|Der|La|Los|Las))?[ \t]+[A-Z][A-Za-z'’-]+$/;
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

/** Surnames of the signers (upper case when `canonicalize`), possibly two; empty when not found. */
export function parseSigners(body: string, canonicalize = true): string[] {
  const tail = body.slice(-700);
  const lines = tail.split('\n');
  let i = lines.length - 1;
  while (i >= 0 && JUNK_LINE_RE.test(lines[i].trim())) i--;
  if (i < 0) return [];
  const line = lines[i]
    .trim()
    .replace(/[#.]+$/, '')
    .trim();
  let names: string[] = [];
  // a surname of two or three words opened by a particle (`VAN VOORST`, `DE LA CRUZ`, `ST. JOHN`)
  const particle = SURNAME_PARTICLE_RE.exec(line);
  let m = /^([A-Z][A-Za-z'’-]+)(?:\s+([A-Z][A-Z'’-]+))?$/.exec(line);
  if (particle) {
    names = [line.replace(/\s+/g, ' ')];
  } else if (
    m &&
    (m[1] === m[1].toUpperCase() || /^[A-Z][a-z'’-]+$/.test(m[1])) &&
    (!m[2] || m[1] === m[1].toUpperCase())
  ) {
    names = [m[1], m[2]].filter((x): x is string => !!x);
  } else if ((m = /[.!?:)][ \t]+([A-Z][A-Z'’-]{2,})$/.exec(line))) {
    names = [m[1]];
  }
  // the cable's own words are never its signer ("COMMENT", "END")
  names = names.filter((n) => !NOT_A_SIGNER.has(n.toUpperCase()));
  if (!names.length) return [];
  return names.map((n) => {
    if (!canonicalize) return n;
    const u = n.toUpperCase();
    return SIGNER_SURNAME_FIXES[u] ?? u;
  });
}
