/** Signer surnames from the last lines of a body. */
import { SIGNER_SURNAME_FIXES } from './tables.ts';

const JUNK_LINE_RE =
  /^(?:[\s.>#-]*|(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE|NOFORN|SIPDIS|NNNN|BT|GP-\d|END CABLE TEXT|END TEXT\.?|UNQUOTE)\b.*|.*Classification:.*|PAGE\s+\d+.*|[A-Z ]+\s+\d{5,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}|NOTE BY OC\/T.*|NOTE:.*|Declassified\/Released.*|\d{4}[A-Z]+\d+.*)$/i;

/** Surnames of the signers (upper case when `canonicalize`), possibly two; empty when not found. */
export function parseSigners(body: string, canonicalize = true): string[] {
  const tail = body.slice(-700);
  const lines = tail.split('\n');
  let i = lines.length - 1;
  while (i >= 0 && JUNK_LINE_RE.test(lines[i].trim())) i--;
  if (i < 0) return [];
  const line = lines[i].trim().replace(/[#.]+$/, '').trim();
  let names: string[] = [];
  let m = /^([A-Z][A-Za-z'’-]+)(?:\s+([A-Z][A-Z'’-]+))?$/.exec(line);
  if (m && (m[1] === m[1].toUpperCase() || /^[A-Z][a-z'’-]+$/.test(m[1])) && (!m[2] || m[1] === m[1].toUpperCase())) {
    names = [m[1], m[2]].filter((x): x is string => !!x);
  } else if ((m = /[.!?:)][ \t]+([A-Z][A-Z'’-]{2,})$/.exec(line))) {
    names = [m[1]];
  }
  if (!names.length) return [];
  return names.map((n) => {
    if (!canonicalize) return n;
    const u = n.toUpperCase();
    return SIGNER_SURNAME_FIXES[u] ?? u;
  });
}
