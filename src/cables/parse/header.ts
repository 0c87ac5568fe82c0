/** Routing header (ACP-127 format lines): transmission id, precedence, DTG, DE line, FM/TO/INFO. */
import type { Precedence, Recipient } from './types.ts';
import { parseDtg } from './dtg.ts';

export interface HeaderInfo {
  transmissionId: string | null;
  precedence: Precedence | null;
  created: string | null;
  deSerial: number | null;
  deSection: number | null;
  from: string | null;
  recipients: Recipient[];
  infoRecipients: Recipient[];
}

const TRANSMISSION_RE = /\bVZCZ[A-Z]+\d+/;
const FL5_RE = /^[ \t]*([ZOPR])(?:[ \t]+([ZOPR]))?[ \t]+(\d{6}Z[ \t]+[A-Z]{3}[ \t]+\d{2,4})/m;
const DIGRAPH_RE = /^[ \t]*(ZZ|OO|PP|RR)[ \t]/m;
const DE_RE = /^[ \t]*DE[ \t]+[A-Z0-9]+[ \t]+#(\d{1,7})(?:\/(\d{1,3}))?/m;
const FM_RE = /^[ \t]*FM[ \t]+(.+)$/m;
const PAGE_IN_HEADER_RE =
  /PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .]*?[ \t]+\d{3,7}[ \t]+(?:\d{2}[ \t]+OF[ \t]+\d{2}[ \t]+)?\d{6}Z[ \t]*/g;

const LETTER_PRECEDENCE: Record<string, Precedence> = {
  Z: 'FLASH',
  O: 'IMMEDIATE',
  P: 'PRIORITY',
  R: 'ROUTINE',
};
const DIGRAPH_PRECEDENCE: Record<string, Precedence> = {
  ZZ: 'FLASH',
  OO: 'IMMEDIATE',
  PP: 'PRIORITY',
  RR: 'ROUTINE',
};

const ADDR_PRECEDENCE_RE =
  /[ \t]+(NIACT[ \t]+IMMEDIATE|IMMEDIATE|PRIORITY|PIORITY|ROUTINE|FLASH)\b/;
const MCN_RE = /[ \t]+(\d{4,})[ \t]*$/;
const NEEDS_COLLAPSE_RE = /[^\S ]| {2}/;

/** One addressee line: `RUEHC/SECSTATE WASHDC IMMEDIATE 4460` → {route, name, precedence, mcn}. */
export function parseAddressee(line: string): Recipient | null {
  // collapsing whitespace runs only changes lines with a double space or a whitespace other than ' '
  let s = (NEEDS_COLLAPSE_RE.test(line) ? line.replace(/\s+/g, ' ') : line).trim();
  if (!s) return null;
  let route: string | null = null;
  const rm = /^(R[A-Z0-9]{3,7})\/(.*)$/.exec(s);
  if (rm) {
    route = rm[1];
    s = rm[2].trim();
  }
  let mcn: string | null = null;
  const mm = MCN_RE.exec(s);
  if (mm) {
    mcn = mm[1];
    s = s.slice(0, mm.index).trim();
  }
  let precedence: string | null = null;
  const sp = ' ' + s;
  const pm = ADDR_PRECEDENCE_RE.exec(sp);
  if (pm) {
    precedence = pm[1].replace(/\s+/g, ' ').replace('PIORITY', 'PRIORITY');
    const idx = pm.index;
    const after = sp.slice(idx + pm[0].length).trim();
    s = sp.slice(0, idx).trim();
    if (!mcn && /^\d{4,}$/.test(after)) mcn = after;
  }
  if (!s) return null;
  return { route, name: s, precedence, mcn, excluded: undefined };
}

/**
 * Addressee lines of a TO or INFO block. `XMT` (or `XMT/`) starts the posts excluded from the
 * collective before it; they follow it as entries with `excluded: true` (until a routed line or
 * the end of the block). An `XMT` with no recipient before it is dropped.
 */
function parseAddresseeBlock(lines: string[]): Recipient[] {
  const out: Recipient[] = [];
  let excluding = false;
  for (const line of lines) {
    let t = line.trim();
    if (!t) continue;
    const xmt = /^XMT\b[ \t]*\/?[ \t]*/.exec(t);
    if (xmt) {
      excluding = out.length > 0;
      t = t.slice(xmt[0].length);
      if (!t || !excluding) continue;
    } else if (/^[A-Z]{2,6}-\d{2}(?:\s|$)/.test(t)) continue; // Washington distribution block (LOG-00 ...)
    const r = parseAddressee(t);
    if (!r) continue;
    if (excluding && r.route) excluding = false;
    if (excluding)
      out.push({ route: null, name: r.name, precedence: null, mcn: null, excluded: true });
    else {
      delete r.excluded;
      out.push(r);
    }
  }
  return out;
}

const BLOCK_STOP_RE =
  /^[ \t]*(?:BT|ZEN|ZFF|ACCT|NNNN|E\.O\.|TAGS|SUBJ|UNCLAS|C O N|S E C|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)\b/;

const TO_INFO_RE = /^[ \t]*(TO|INFO)\b[ \t]*(.*)$/;

/** Whether the first character after spaces and tabs is a T or an I (needed for TO_INFO_RE). */
function mayOpenBlock(line: string): boolean {
  let f = 0;
  let c = 0;
  while (f < line.length && ((c = line.charCodeAt(f)) === 32 || c === 9)) f++;
  return c === 84 || c === 73;
}

/** Parses a routing header; every field is null/empty when absent. */
export function parseHeader(header: string): HeaderInfo {
  const info: HeaderInfo = {
    transmissionId: null,
    precedence: null,
    created: null,
    deSerial: null,
    deSection: null,
    from: null,
    recipients: [],
    infoRecipients: [],
  };
  if (!header) return info;
  const h = header.replace(PAGE_IN_HEADER_RE, '\n');
  const tm = TRANSMISSION_RE.exec(h);
  if (tm) info.transmissionId = tm[0];
  const fl5 = FL5_RE.exec(h);
  if (fl5) {
    info.precedence = LETTER_PRECEDENCE[fl5[1]];
    info.created = parseDtg(fl5[3]);
  } else {
    const dm = DIGRAPH_RE.exec(h);
    if (dm) info.precedence = DIGRAPH_PRECEDENCE[dm[1]];
    const any = /\d{6}Z[ \t]+[A-Z]{3}[ \t]+\d{2,4}/.exec(h);
    if (any) info.created = parseDtg(any[0]);
  }
  const de = DE_RE.exec(h);
  if (de) {
    info.deSerial = +de[1];
    if (de[2]) info.deSection = +de[2];
  }
  const fm = FM_RE.exec(h);
  if (fm) info.from = fm[1].trim();
  // TO / INFO blocks
  const lines = h.split('\n');
  let mode: 'none' | 'to' | 'info' = 'none';
  const to: string[] = [];
  const inf: string[] = [];
  for (const raw of lines) {
    const line = raw.trimEnd(); // same characters as \s
    const m = mayOpenBlock(line) ? TO_INFO_RE.exec(line) : null;
    if (m) {
      mode = m[1] === 'TO' ? 'to' : 'info';
      if (m[2]) (mode === 'to' ? to : inf).push(m[2]);
      continue;
    }
    if (mode === 'none') continue;
    if (BLOCK_STOP_RE.test(line)) {
      mode = 'none';
      continue;
    }
    (mode === 'to' ? to : inf).push(line);
  }
  info.recipients = parseAddresseeBlock(to);
  info.infoRecipients = parseAddresseeBlock(inf);
  return info;
}

/** Origin in words from a FM line: `AMEMBASSY LIMA` → `Embassy Lima`. */
export function originFromFm(fm: string): string | null {
  const s = fm
    .replace(/^R[A-Z0-9]{3,7}\//, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!s) return null;
  const title = (w: string) =>
    w
      .toLowerCase()
      .split(' ')
      .map((x) => (x ? x[0].toUpperCase() + x.slice(1) : x))
      .join(' ');
  let m: RegExpExecArray | null;
  if (/^SECSTATE\b/.test(s)) return 'Secretary of State';
  if ((m = /^AMEMBASSY (.+)$/.exec(s))) return 'Embassy ' + title(m[1]);
  if ((m = /^AMCONSUL(?:ATE)? (.+)$/.exec(s))) return 'Consulate ' + title(m[1]);
  if ((m = /^USMISSION (.+)$/.exec(s))) {
    const rest = m[1];
    if (/^USUN NEW YORK/.test(rest)) return 'Mission USUN New York';
    return (
      'Mission ' +
      rest
        .split(' ')
        .map((w) => (/^US/.test(w) ? w : title(w)))
        .join(' ')
    );
  }
  if ((m = /^USINT (.+)$/.exec(s))) return 'US Interests Section ' + title(m[1]);
  if ((m = /^USDEL (.+)$/.exec(s))) return 'USDEL ' + title(m[1]);
  if ((m = /^(USEU|USNATO|UNVIE|AIT|USOSCE) ?(.*)$/.exec(s)))
    return (m[1] + ' ' + title(m[2])).trim();
  return s;
}
