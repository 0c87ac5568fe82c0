/** Pure cable parser: RawCable in, ParsedCable out. No I/O; never throws. */
import type { ParseHints, ParsedCable, RawCable } from './types.ts';
import { normalizeText, removeMarkers, cleanMarked } from './clean.ts';
import { parseDtg, parseSourceDate, fullYear } from './dtg.ts';
import { canonicalId, isCanonical, stationFromId, yearFromId, normalizeStation } from './ids.ts';
import { readMediaUrls, type MediaUrls } from './media.ts';
import { parseHeader, originFromFm } from './header.ts';
import { parseBanner, classificationFrom, normalizeClassification } from './banner.ts';
import {
  CAPTION_LIMIT,
  parseDeclassify,
  readClassifiedBy,
  readSubject,
  refLists,
  referencesOfLists,
} from './caption.ts';
import { parseTags } from './tags.ts';
import { typedReferencesOfLists } from './typed-refs.ts';
import { parseParagraphs, parseSummary } from './paragraphs.ts';
import { parseSigners } from './signers.ts';
import { titlefy } from './title.ts';

export * from './types.ts';
export {
  canonicalId,
  isCanonical,
  stationFromId,
  yearFromId,
  normalizeStation,
  nearestStation,
  editDistance,
} from './ids.ts';
export { parseDtg, parseSourceDate, parseDeclDate, fullYear } from './dtg.ts';
export { parseHeader, parseAddressee, originFromFm } from './header.ts';
export { parseBanner, classificationFrom, normalizeClassification } from './banner.ts';
export {
  parseDeclassify,
  parseSubject,
  readSubject,
  parseReferences,
  referencesInText,
  parseClassifiedBy,
  readClassifiedBy,
  normalizeName,
} from './caption.ts';
export {
  parseTypedReferences,
  readReferences,
  typedReferencesInText,
  splitItems,
} from './typed-refs.ts';
export { findLabel, type LabelHit, type LabelName } from './labels.ts';
export { parseTags, splitTags, tagKind, tagMeaning } from './tags.ts';
export { parseParagraphs, parseSummary } from './paragraphs.ts';
export { parseSigners } from './signers.ts';
export { titlefy } from './title.ts';
export { readMediaUrls } from './media.ts';
export {
  normalizeText,
  decodeEntities,
  removeMarkers,
  cleanContent,
  cleanMarked,
} from './clean.ts';

const PARTIAL_RE = /This record is a partial extract of the original cable/i;
const HEADER_IN_BODY_RE = /^\s*(?:VZCZ|[ZOPR](?:[ \t][ZOPR])?[ \t]+\d{6}Z|DE[ \t]+R|FM[ \t])/;
const BANNER_LINE_RE =
  /\n[ \t]*(?:UNCLAS|C[ \t]?O[ \t]?N[ \t]?F[ \t]?I[ \t]?D|S+[ \t]?E[ \t]?C[ \t]?R[ \t]?E[ \t]?T|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE|UNCLASSIFIED)\b/;
const CAPTION_END_RE =
  /\n[ \t]*(?:1[ \t]*\.[ \t]*(?:\([A-Z/ ]{1,12}\))?[ \t]*(?!\d)|(?:BEGIN[ \t]+)?SUMMARY\b)/i;

function emptyResult(): ParsedCable {
  return {
    referenceId: null,
    wikileaksId: null,
    origin: null,
    station: null,
    created: null,
    released: null,
    classification: null,
    precedence: null,
    transmissionId: null,
    section: null,
    sectionCount: null,
    recipients: [],
    infoRecipients: [],
    declassify: null,
    tags: [],
    subject: '',
    title: '',
    references: [],
    typedReferences: [],
    classifiedBy: [],
    reasons: [],
    summary: null,
    signers: [],
    paragraphs: [],
    partial: false,
    mediaUrls: [],
    body: '',
    warnings: [],
  };
}

/** Splits a text that carries its routing header in front of the banner. */
export function splitHeader(text: string): { header: string; body: string } {
  if (!HEADER_IN_BODY_RE.test(text.slice(0, 200))) return { header: '', body: text };
  const m = BANNER_LINE_RE.exec(text.slice(0, 20000));
  if (!m) return { header: '', body: text };
  return { header: text.slice(0, m.index), body: text.slice(m.index + 1) };
}

/**
 * Every warning about a step that threw starts with this. Such a warning is a parser bug, never a
 * property of the cable: tests look for it with `stepFailures`.
 */
export const STEP_FAILED = 'parser step failed: ';

/** The warnings of `p` that report a parser step that threw (empty for a healthy parse). */
export function stepFailures(p: Pick<ParsedCable, 'warnings'>): string[] {
  return p.warnings.filter((w) => w.startsWith(STEP_FAILED));
}

function step<T>(warnings: string[], what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (e) {
    warnings.push(`${STEP_FAILED}${what}: ${e instanceof Error ? e.message : String(e)}`);
    return fallback;
  }
}

/** Parses one cable. Missing parts become null/empty and are reported in `warnings`. */
export function parseCable(raw: RawCable, hints: ParseHints = {}): ParsedCable {
  const out = emptyResult();
  const w = out.warnings;
  try {
    if (raw.header != null && typeof raw.header !== 'string')
      w.push('the header is not text; it was ignored');
    if (raw.body != null && typeof raw.body !== 'string')
      w.push('the body is not text; it was ignored');
    let header = normalizeText(typeof raw.header === 'string' ? raw.header : '');
    let body = normalizeText(typeof raw.body === 'string' ? raw.body : '');
    if (!header.trim()) {
      const sp = splitHeader(body);
      if (sp.header) {
        header = sp.header;
        body = sp.body;
      }
    }
    out.partial = !!raw.partial || PARTIAL_RE.test(header) || PARTIAL_RE.test(body.slice(0, 300));
    const media = step(w, 'media addresses', () => readMediaUrls(raw.mediaUrls), {
      urls: [],
      notes: [],
    } as MediaUrls);
    out.mediaUrls = media.urls;
    w.push(...media.notes);
    out.released = parseSourceDate(raw.released);

    // identity
    const givenId = raw.referenceId?.trim() || hints.referenceId?.trim() || null;
    const canon = givenId ? canonicalId(givenId) : null;
    out.referenceId = canon;
    if (givenId && canon && canon !== givenId) {
      out.wikileaksId = givenId;
      w.push(`reference id given as "${givenId}"; read as ${canon}`);
    }
    if (givenId && !canon) w.push(`reference id "${givenId}" could not be repaired`);

    // header
    const h = step(w, 'header', () => parseHeader(header), parseHeader(''));
    out.transmissionId = h.transmissionId;
    out.precedence = h.precedence;
    out.recipients = h.recipients;
    out.infoRecipients = h.infoRecipients;
    if (header.trim()) {
      if (!h.created) w.push('no DTG found in header');
      if (!h.from) w.push('no FM line found in header');
    }

    // banner
    const banner = step(w, 'banner', () => parseBanner(body), parseBanner(''));
    out.section = banner.section ?? h.deSection;
    out.sectionCount = banner.sectionCount;
    if (!banner.level) w.push('no classification banner found');

    // id from banner when none given
    if (!out.referenceId && banner.station && banner.serial) {
      const y = hints.year ?? (h.created ? +h.created.slice(0, 4) : null);
      const st = normalizeStation(banner.station);
      if (y && st) out.referenceId = String(y % 100).padStart(2, '0') + st + banner.serial;
    }
    out.station = out.referenceId
      ? stationFromId(out.referenceId)
      : banner.station
        ? normalizeStation(banner.station)
        : null;

    // dates
    out.created = h.created ?? parseSourceDate(raw.created);
    if (!out.created) w.push('no creation date (DTG) found');

    // origin
    out.origin = raw.origin?.trim() || (h.from ? originFromFm(h.from) : null);

    // caption
    const marked = removeMarkers(body);
    let caption = marked.slice(0, CAPTION_LIMIT);
    const capClassified = /Classified[ \t]+By/i.exec(caption);
    const capEnd = CAPTION_END_RE.exec(caption.slice(capClassified ? capClassified.index : 0));
    const captionForSubject = capEnd
      ? caption.slice(0, (capClassified ? capClassified.index : 0) + capEnd.index + 1)
      : caption;

    out.classification =
      normalizeClassification(raw.classification) ?? classificationFrom(banner, caption);
    if (!out.classification) w.push('no classification found');

    out.declassify = step(w, 'declassify', () => parseDeclassify(caption), null);
    const tg = step(w, 'tags', () => parseTags(captionForSubject), {
      tags: [],
      found: false,
    } as ReturnType<typeof parseTags>);
    out.tags = tg.tags;
    if (!tg.found) w.push('no TAGS line found');
    else if (tg.written) w.push(`the TAGS label is written "${tg.written}"; read as TAGS`);
    const subj = step(w, 'subject', () => readSubject(captionForSubject), {
      subject: '',
    } as ReturnType<typeof readSubject>);
    out.subject = subj.subject;
    if (!out.subject) w.push('no SUBJECT found');
    else if (subj.written)
      w.push(`the SUBJECT label is written "${subj.written}"; read as SUBJECT`);
    out.title = titlefy(out.subject);

    const year =
      hints.year ??
      (out.referenceId ? yearFromId(out.referenceId) : null) ??
      (out.created ? +out.created.slice(0, 4) : null);
    const ownId = out.referenceId ?? (hints.referenceId ? canonicalId(hints.referenceId) : null);
    const refNotes: string[] = [];
    // the cited cables read from the whole list (the reference graph), and every item typed
    const lists = step(w, 'references', () => refLists(caption, refNotes), null);
    out.references = step(
      w,
      'references',
      () => referencesOfLists(lists, year, ownId, refNotes),
      [],
    );
    out.typedReferences = step(
      w,
      'typed references',
      () => typedReferencesOfLists(lists, year, ownId).typed,
      [],
    );
    for (const n of new Set(refNotes)) w.push(n);

    const cb = step(w, 'classified by', () => readClassifiedBy(caption), {
      names: [],
      reasons: [],
    } as ReturnType<typeof readClassifiedBy>);
    if (cb.written)
      w.push(`the Classified By label is written "${cb.written}"; read as Classified By`);
    out.classifiedBy = cb.names;
    out.reasons = cb.reasons;
    if (out.classification && !out.classification.startsWith('UNCLASSIFIED') && !cb.names.length) {
      w.push('no Classified By line found');
    }

    // body parts
    const afterCaption = (() => {
      const m = /\n[ \t]*1[ \t]*\.[ \t]*(?!\d)/.exec(marked);
      if (m) return marked.slice(m.index + 1);
      const cbm = /Classified[ \t]+By[^\n]*\n(?:[^\n]+\n)?/i.exec(caption);
      if (cbm) return marked.slice(cbm.index + cbm[0].length);
      return marked;
    })();
    out.paragraphs = step(w, 'paragraphs', () => parseParagraphs(afterCaption), []);
    out.summary = step(w, 'summary', () => parseSummary(marked.slice(0, 20000)), null);
    out.signers = step(w, 'signers', () => parseSigners(body), []);
    if (!out.signers.length && !out.partial) w.push('no signer found');
    out.body = cleanMarked(marked).trim();
  } catch (e) {
    w.push(`${STEP_FAILED}parse: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}

void parseDtg;
void fullYear;
void isCanonical;
