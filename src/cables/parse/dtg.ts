/** Date-time groups (`252048Z NOV 09`) and other cable dates. */

const MONTHS: Record<string, number> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

/** Two-digit cable year to four digits: 66–99 → 19xx, 00–65 → 20xx. */
export function fullYear(yy: number): number {
  if (yy >= 100) return yy;
  return yy >= 66 ? 1900 + yy : 2000 + yy;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCMonth() === m - 1;
}

export const DTG_RE = /\b(\d{2})(\d{2})(\d{2})Z[ \t]+([A-Za-z]{3})[ \t]+(\d{2,4})\b/;

/** `252048Z NOV 09` → `2009-11-25T20:48:00Z`; null when not a valid DTG. */
export function parseDtg(s: string): string | null {
  const m = DTG_RE.exec(s);
  if (!m) return null;
  const day = +m[1],
    hh = +m[2],
    mi = +m[3];
  const mon = MONTHS[m[4].toUpperCase()];
  if (!mon || hh > 23 || mi > 59) return null;
  const y = fullYear(+m[5]);
  if (!validDate(y, mon, day)) return null;
  return `${y}-${pad(mon)}-${pad(day)}T${pad(hh)}:${pad(mi)}:00Z`;
}

const CSV_DATE_RE = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$/;
const ISO_DATE_RE = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?Z?\s*$/;

/** Source timestamps (`12/28/1966 18:48`, `2009-11-25 20:48`) to ISO 8601 UTC; null when unreadable. */
export function parseSourceDate(s: string | undefined | null): string | null {
  if (!s) return null;
  let m = CSV_DATE_RE.exec(s);
  if (m) {
    const y = +m[3],
      mo = +m[1],
      d = +m[2];
    if (!validDate(y, mo, d) || +m[4] > 23) return null;
    return `${y}-${pad(mo)}-${pad(d)}T${pad(+m[4])}:${m[5]}:${m[6] ?? '00'}Z`;
  }
  m = ISO_DATE_RE.exec(s);
  if (m) {
    const y = +m[1],
      mo = +m[2],
      d = +m[3];
    if (!validDate(y, mo, d)) return null;
    return `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}Z`;
  }
  return null;
}

/**
 * A declassification date as written on the E.O. line: `11/22/2012`, `6/3/08`, `2019/11/25`,
 * `2020-02-23` → `YYYY-MM-DD`; null when it is not a date.
 */
export function parseDeclDate(s: string): string | null {
  let m = /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\b/.exec(s);
  if (m) {
    const y = +m[1],
      mo = +m[2],
      d = +m[3];
    return validDate(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
  }
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b/.exec(s);
  if (m) {
    const y = m[3].length === 2 ? 2000 + +m[3] : +m[3];
    const mo = +m[1],
      d = +m[2];
    return validDate(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
  }
  return null;
}
