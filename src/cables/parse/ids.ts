/** Reference ids: `09LIMA1669` = year 09 + station LIMA + serial 1669. Repair by rules, never throw. */
import { STATIONS, STATION_ALIASES } from './tables.ts';
import { fullYear } from './dtg.ts';

const STATION_SET: ReadonlySet<string> = new Set(STATIONS);
const STRICT_ID_RE = /^(\d{2})([A-Z]{4,17})(\d{1,7})$/;

/** Whether `id` is a canonical reference id with a known station. */
export function isCanonical(id: string): boolean {
  const m = STRICT_ID_RE.exec(id);
  return !!m && STATION_SET.has(m[2]) && m[3][0] !== '0';
}

/** Whether a station code is one of the known posts. */
export function isKnownStation(s: string): boolean {
  return STATION_SET.has(s);
}

/** Optimal-string-alignment distance, stopping early above `max`. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = a.length,
    m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

/** Washington written after an originator: `WASHDC`, `WASH DC`, `WASHINGTON`, `WASHINGTON DC`. */
const WASHINGTON_END_RE = /WASH(?:INGTON)?(?:DC)*$/;

const nearestCache = new Map<string, string | null>();

/**
 * Names a damaged station is compared with: the station codes, and the longer other names of
 * stations (`SECSTATE`, `SECSTATEWASHDC`: seven letters or more, so that short aliases such as
 * `TATE` do not draw every four-letter word), each with the station it names.
 */
const NEAR_NAMES: readonly (readonly [string, string])[] = [
  ...STATIONS.filter((st) => st.length >= 4).map((st) => [st, st] as const),
  ...Object.entries(STATION_ALIASES)
    .filter(([name]) => name.length >= 7 && /^[A-Z]+$/.test(name))
    .map(([name, st]) => [name, st] as const),
];

/**
 * The known station nearest to a misspelt one, or to a misspelt other name of it (`SECSTAT` →
 * STATE); distance 1 for short names, 2 for longer; null if none or ambiguous.
 */
export function nearestStation(s: string): string | null {
  const hit = nearestCache.get(s);
  if (hit !== undefined) return hit;
  const max = s.length <= 5 ? 1 : 2;
  let best: string | null = null;
  let bestD = max + 1;
  let tie = false;
  for (const [name, st] of NEAR_NAMES) {
    if (Math.abs(name.length - s.length) > max) continue;
    const d = editDistance(s, name, max);
    if (d < bestD) {
      bestD = d;
      best = st;
      tie = false;
    } else if (d === bestD && d <= max && st !== best) tie = true;
  }
  const res = bestD <= max && !tie ? best : null;
  if (nearestCache.size < 10000) nearestCache.set(s, res);
  return res;
}

const sameLengthCache = new Map<string, string | null>();

/** The one known station that differs from `s` by one changed or swapped letter, or null. */
export function nearestSameLength(s: string): string | null {
  const hit = sameLengthCache.get(s);
  if (hit !== undefined) return hit;
  let best: string | null = null;
  let count = 0;
  if (!STATION_SET.has(s)) {
    for (const st of STATIONS) {
      if (st.length !== s.length) continue;
      if (editDistance(s, st, 1) === 1) {
        best = st;
        count++;
      }
    }
  }
  const res = count === 1 ? best : null;
  if (sameLengthCache.size < 10000) sameLengthCache.set(s, res);
  return res;
}

const prefixCache = new Map<string, string | null>();

/** The one known station whose name starts with `s` (four letters or more), or null. */
export function stationByPrefix(s: string): string | null {
  const hit = prefixCache.get(s);
  if (hit !== undefined) return hit;
  let best: string | null = null;
  let count = 0;
  if (s.length >= 4 && !STATION_SET.has(s)) {
    for (const st of STATIONS) {
      if (st.length > s.length && st.startsWith(s)) {
        best = st;
        count++;
      }
    }
  }
  const res = count === 1 ? best : null;
  if (prefixCache.size < 10000) prefixCache.set(s, res);
  return res;
}

const STATION_PREFIX_RE =
  /^(?:AMEMBASSY|EMBASSY|AMCONSUL|CONSULATE|USMISSION|EFTO|NOFORN|SIPDIS|AMCONSULATE)/;

/**
 * A station as written (`RIO DE JAN`, `SECSTATE`, `HCMC`, `SANTIAG0`) to its station code, or null
 * when it cannot be recognised.
 */
export function normalizeStation(raw: string, allowFuzzy = true): string | null {
  let s = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (!s) return null;
  if (/\d/.test(s)) s = s.replace(/0/g, 'O').replace(/1/g, 'I');
  const alias = STATION_ALIASES[s];
  if (alias) return alias;
  if (STATION_SET.has(s)) return s;
  // an originator followed by the city it sits in (FORMAT.md §9: `SECSTATE WASHDC`, `SECDEF
  // WASHINGTON DC`): the city is part of the address, not of the name
  if (s.length > 8 && s.includes('WASH')) {
    const w = s.replace(WASHINGTON_END_RE, '');
    if (w !== s && w.length >= 4) {
      if (STATION_ALIASES[w]) return STATION_ALIASES[w];
      if (STATION_SET.has(w)) return w;
    }
  }
  const stripped = s.replace(STATION_PREFIX_RE, '');
  if (stripped !== s && stripped.length >= 2) {
    if (STATION_SET.has(stripped)) return stripped;
    if (STATION_ALIASES[stripped]) return STATION_ALIASES[stripped];
    s = stripped;
  }
  if (!allowFuzzy) return null;
  // a long name with one or two damaged letters is that station before a station its end spells
  // (`USEBRUSSELS` is USEUBRUSSELS, `AITAIPEI` AITTAIPEI, not BRUSSELS or TAIPEI with junk in front)
  if (s.length >= 8) {
    const near = nearestStation(s);
    if (near) return near;
  }
  // garbage glued in front ("SIFIEDABUJA", "FSCCHARLESTON")
  for (let i = 1; i <= s.length - 4; i++) {
    const tail = s.slice(i);
    if (STATION_SET.has(tail)) return tail;
  }
  // one damaged letter, also in a short name (`LMA`), when only one station is that close
  if (s.length >= 3) return nearestStation(s);
  return null;
}

const SECTION_GARBAGE_RE = /^[SECTIONKQ]{4,8}\d[\dQ](?:[OQ0]?F|O)\d\d?/;
const TOSEC_RE = /TOSEC\d+$/;
const LOOSE_SECTION_RE = /^([A-Z01]{4,8})(\d{1,2})(?:[O0Q]?F|O)(\d{1,2})(?=[A-Z])/;
const DUPLICATE_RE = /^(.*?[A-Z])0*(\d+)SUSPECTEDDUPLICATE0*(\d+)$/;
const PADDED_JUNK_RE = /^([A-Z]+?)0+(\d{1,7})Z[A-Z]{1,3}\d+$/;
const LOOSE_ID_RE = /^([A-Z]+?)(\d{1,7})$/;

/**
 * Canonical reference id (`05RIO123` → `05RIODEJANEIRO123`, `09EFTOLONDON2468` → `09LONDON2468`),
 * or null when no station/serial can be recovered.
 */
export function canonicalId(id: string): string | null {
  try {
    let s = id.toUpperCase().replace(/[^A-Z0-9]/g, '');
    // a letter O for a zero in the year (`O9LIMA123`)
    if (/^(?:O\d|\dO)[A-Z]/.test(s)) s = s.slice(0, 2).replace(/O/g, '0') + s.slice(2);
    // a year written with its century (`2009LIMA1669`): its last two digits (FORMAT.md §2)
    if (/^(?:19[6-9]|20[0-4])\d[A-Z]/.test(s) && s.slice(0, 2) !== s.slice(2, 4)) s = s.slice(2);
    let m = /^(\d{2})(\d{2})?(.*)$/.exec(s);
    if (!m) return null;
    const year = m[1];
    let rest = m[3];
    if (m[2] && m[2] !== year) rest = m[2] + rest;
    rest = rest.replace(TOSEC_RE, '');
    rest = rest.replace(SECTION_GARBAGE_RE, '');
    // a section prefix with damaged letters (`SECT1ON01OF02`, `SECTION1OF2`)
    const ls = LOOSE_SECTION_RE.exec(rest);
    if (ls && editDistance(ls[1].replace(/1/g, 'I').replace(/0/g, 'O'), 'SECTION', 2) <= 2)
      rest = rest.slice(ls[0].length);
    // a zero or a one among the station's letters is the letter it looks like (`COTON0U`,
    // `0TTAWA`, `BRAS1LIA`; FORMAT.md §6: O/0 swaps), not one in a serial whose other digits
    // are written as letters (`LIMA1O69`)
    if (/(?:^|[A-Z])[01](?=[A-Z])/.test(rest))
      rest = rest.replace(
        /(^|[A-Z])([01])(?=[A-Z])(?![OI][\dOI]*$)/g,
        (_m, a: string, d: string) => a + (d === '0' ? 'O' : 'I'),
      );
    let station: string;
    let serial: string;
    const dup = DUPLICATE_RE.exec(rest);
    const junk = PADDED_JUNK_RE.exec(rest);
    if (dup) {
      station = dup[1];
      serial = dup[3];
    } else if (junk) {
      station = junk[1];
      serial = junk[2];
    } else {
      m = LOOSE_ID_RE.exec(rest);
      // letters O and I for digits inside the serial (`LIMA1O69`)
      if (!m) {
        const d = /^([A-Z]+?)(\d[\dOI]{0,6})$/.exec(rest);
        if (!d || !/\d/.test(d[2])) return null;
        m = [d[0], d[1], d[2].replace(/O/g, '0').replace(/I/g, '1')] as unknown as RegExpExecArray;
      }
      station = m[1];
      serial = m[2];
    }
    serial = serial.replace(/^0+(?=\d)/, '');
    if (serial === '0') return null;
    // a station cut short (`09PORTAU12`, `08KUALA1234`): the one station its letters begin
    const st = normalizeStation(station) ?? stationByPrefix(station);
    if (!st) return null;
    return year + st + serial;
  } catch {
    return null;
  }
}

/** Station code of a canonical id (`09LIMA1669` → `LIMA`). */
export function stationFromId(id: string): string | null {
  const m = /^\d{2}([A-Z]+)\d+$/.exec(id);
  return m ? m[1] : null;
}

/** Four-digit year of an id (`09LIMA1669` → 2009). */
export function yearFromId(id: string): number | null {
  const m = /^(\d{2})[A-Z]/.exec(id);
  return m ? fullYear(+m[1]) : null;
}

/** Serial number of an id (`09LIMA1669` → 1669). */
export function serialFromId(id: string): number | null {
  const m = /(\d+)$/.exec(id);
  return m && /^\d{2}[A-Z]/.test(id) ? +m[1] : null;
}
