/** Classification banner at the head of the body: level, SECTION N OF M, station and serial. */
import type { Classification } from './types.ts';

export interface BannerInfo {
  level: 'UNCLASSIFIED' | 'CONFIDENTIAL' | 'SECRET' | 'LOU' | null;
  section: number | null;
  sectionCount: number | null;
  station: string | null;
  serial: number | null;
  efto: boolean;
}

const BANNER_RE =
  /^[ \t]*(?:[A-Z][a-z]+day,[^\n]*\n\s*)?(C[ \t]?O[ \t]?N[ \t]?F[ \t]?I[ \t]?D[ \t]?E[ \t]?N[ \t]?T[ \t]?I[ \t]?A[ \t]?L|S+[ \t]?E[ \t]?C[ \t]?R[ \t]?E[ \t]?T|UNCLAS(?:SIFIED)?|LIMITED[ \t]+OFFICIAL[ \t]+USE|T[ \t]?O[ \t]?P[ \t]+S[ \t]?E[ \t]?C[ \t]?R[ \t]?E[ \t]?T)\b([^\n]*)/im;
const SECTION_RE = /\bSECTION[ \t]+(\d{1,3})[ \t]+OF[ \t]+(\d{1,3})\b/i;
const STATION_SERIAL_RE = /([A-Za-z][A-Za-z .'-]*?)[ \t]+(\d{1,7})[ \t]*$/;

/** Reads the banner line in the first lines of a body. */
export function parseBanner(body: string): BannerInfo {
  const info: BannerInfo = {
    level: null,
    section: null,
    sectionCount: null,
    station: null,
    serial: null,
    efto: false,
  };
  const head = body.slice(0, 800);
  const m = BANNER_RE.exec(head);
  if (!m) return info;
  const word = m[1].replace(/[ \t]/g, '').toUpperCase();
  if (word.startsWith('CONF')) info.level = 'CONFIDENTIAL';
  else if (word.endsWith('SECRET')) info.level = 'SECRET';
  else if (word.startsWith('LIMITED')) info.level = 'LOU';
  else info.level = 'UNCLASSIFIED';
  let rest = m[2];
  if (/^[ \t]*E[ \t]?F[ \t]?T[ \t]?O\b/i.test(rest)) {
    info.efto = true;
    rest = rest.replace(/^[ \t]*E[ \t]?F[ \t]?T[ \t]?O\b/i, '');
  }
  const s = SECTION_RE.exec(rest);
  if (s) {
    info.section = +s[1];
    info.sectionCount = +s[2];
    rest = rest.slice(s.index + s[0].length);
  }
  const ss = STATION_SERIAL_RE.exec(rest.trim());
  if (ss) {
    info.station = ss[1].trim().toUpperCase();
    info.serial = +ss[2];
  }
  return info;
}

const NOFORN_RE =
  /(?:^|\n)[ \t]*NOFORN\b|\bNOFORN[ \t]*(?:\n|$)|\(\s*[CS]\s*\/\/?\s*(?:NF|NOFORN)\s*\)/;
const FOUO_RE = /\b(?:SENSITIVE|FOR OFFICIAL USE ONLY|FOUO)\b/;

/** Classification from banner level and caveats in the caption. */
export function classificationFrom(banner: BannerInfo, caption: string): Classification | null {
  if (!banner.level) return null;
  const noforn = NOFORN_RE.test(caption);
  switch (banner.level) {
    case 'SECRET':
      return noforn ? 'SECRET//NOFORN' : 'SECRET';
    case 'CONFIDENTIAL':
      return noforn ? 'CONFIDENTIAL//NOFORN' : 'CONFIDENTIAL';
    case 'LOU':
      return 'UNCLASSIFIED//FOR OFFICIAL USE ONLY';
    default:
      return FOUO_RE.test(caption.slice(0, 600))
        ? 'UNCLASSIFIED//FOR OFFICIAL USE ONLY'
        : 'UNCLASSIFIED';
  }
}

const CLASSIFICATIONS: Classification[] = [
  'UNCLASSIFIED',
  'UNCLASSIFIED//FOR OFFICIAL USE ONLY',
  'CONFIDENTIAL',
  'CONFIDENTIAL//NOFORN',
  'SECRET',
  'SECRET//NOFORN',
];

/** A source's classification value to one of the six, or null. */
export function normalizeClassification(s: string | undefined | null): Classification | null {
  if (!s) return null;
  const u = s
    .trim()
    .toUpperCase()
    .replace(/\s*\/\/\s*/g, '//');
  if ((CLASSIFICATIONS as string[]).includes(u)) return u as Classification;
  if (u === 'UNCLASSIFIED//FOUO') return 'UNCLASSIFIED//FOR OFFICIAL USE ONLY';
  return null;
}
