/**
 * Pure preparation of one reader item for storage: parse, hash, and shape the rows the store writes
 * (the cable, its references and tags, and its Cablegate story). Runs in the parse workers, so the
 * main thread only writes. No I/O.
 */
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { CablesTable } from './schema.ts';
import { parseCable, type ParseHints, type ParsedCable, type RawCable } from './parse/index.ts';
import type { ReaderItem, ReaderPosition } from './readers.ts';
import { slugify } from '../stories/markdown.ts';

/** The reader's fields besides header and body, kept so the parser can run again on the same input. */
export type SourceMeta = Omit<RawCable, 'header' | 'body'>;

/** A `cables` row as the importer writes it (the store adds id, version and the timestamps). */
export type CableRow = Omit<
  Selectable<CablesTable>,
  'id' | 'version' | 'imported_at' | 'updated_at'
>;

export interface StoryDraft {
  title: string;
  slug: string;
  teaser: string;
  body: string;
  published_at: string;
}

/** What the import stores of a cable's story: its text is rendered from the cable (story.ts). */
export type StoryMeta = Omit<StoryDraft, 'body'>;

export type Prepared =
  | {
      ok: true;
      position: ReaderPosition;
      cable: CableRow;
      references: string[];
      tags: string[];
      story: StoryMeta;
    }
  | { ok: false; position: ReaderPosition; reason: string };

/** The parser's output as stored in `cables.parsed`: everything but the text itself. */
export function parsedForStorage(p: ParsedCable): Omit<ParsedCable, 'body' | 'paragraphs'> {
  const { body: _b, paragraphs: _p, ...rest } = p;
  return rest;
}

export function contentHash(header: string, body: string): string {
  return createHash('sha256').update(header).update('\u0000').update(body).digest('hex');
}

/** Rebuilds the RawCable a stored cable was imported from. */
export function rawFromStored(row: {
  header: string;
  body: string;
  source_meta: string;
}): RawCable {
  let meta: SourceMeta = {};
  try {
    meta = JSON.parse(row.source_meta) as SourceMeta;
  } catch {
    meta = {};
  }
  return { ...meta, header: row.header, body: row.body };
}

export function prepareItem(item: ReaderItem, hints: ParseHints = {}): Prepared {
  if (!item.ok) return { ok: false, position: item.position, reason: item.error };
  return prepareRaw(item.raw, item.position, hints);
}

export function prepareRaw(
  raw: RawCable,
  position: ReaderPosition,
  hints: ParseHints = {},
): Prepared {
  const p = parseCable(raw, hints);
  if (!p.referenceId)
    return {
      ok: false,
      position,
      reason: 'no reference id (none given and none found in the banner)',
    };
  if (!p.created) return { ok: false, position, reason: `${p.referenceId}: no creation date` };
  const created = new Date(p.created);
  if (Number.isNaN(created.getTime()))
    return { ok: false, position, reason: `${p.referenceId}: bad creation date ${p.created}` };
  if (!(raw.body ?? '').trim())
    return { ok: false, position, reason: `${p.referenceId}: empty text` };
  const header = raw.header ?? '';
  const body = raw.body ?? '';
  const { header: _h, body: _b, ...meta } = raw;
  const iso = created.toISOString();
  const cable: CableRow = {
    reference_id: p.referenceId,
    wikileaks_id: p.wikileaksId,
    origin: p.origin ?? p.station ?? 'Unknown',
    station: p.station ?? '',
    created: p.created,
    year: created.getUTCFullYear(),
    month: iso.slice(0, 7),
    released: p.released,
    classification: p.classification ?? 'UNKNOWN',
    precedence: p.precedence,
    subject: p.subject,
    title: p.title,
    tags: p.tags.length ? ` ${p.tags.join(' ')} ` : '',
    summary: p.summary,
    declassify: p.declassify,
    parsed: JSON.stringify(parsedForStorage(p)),
    header,
    body,
    partial: p.partial ? 1 : 0,
    content_hash: contentHash(header, body),
    source_meta: JSON.stringify(meta),
  };
  const references = [...new Set(p.references.filter((r) => r && r !== p.referenceId))];
  const tags = [...new Set(p.tags)];
  return { ok: true, position, cable, references, tags, story: storyMeta(p, iso) };
}

const HEADING = /^(?=[^\n]*[A-Z]{2})[^a-z\n]{3,80}$/;
const FIRST_PARAGRAPH = /^[ \t]*1[ \t]*\.[ \t]+(?=\(|[A-Za-z"'])/m;

/** Text safe inside one Markdown paragraph: lines that would start another block are indented. */
function paragraphText(s: string): string {
  return s
    .split('\n')
    .map((l) => l.replace(/^(\s*)(```|#{1,4}\s|>)/, '$1 $2'))
    .join('\n')
    .trim();
}

/**
 * The Cablegate story of a cable: the routing header and caption (everything before paragraph 1)
 * in a ``` fence, numbered paragraphs as paragraphs (`3. (C) …`, so the story page gives them
 * #p3 anchors), and a link to the cable's archive page.
 */
export function storyDraft(
  p: ParsedCable,
  header: string,
  body: string,
  publishedAt: string,
): StoryDraft {
  return { ...storyMeta(p, publishedAt), body: storyBody(p, header, body) };
}

/** Title, slug, teaser and date of a cable's story (all an import stores; the text is built on display). */
export function storyMeta(p: ParsedCable, publishedAt: string): StoryMeta {
  const id = p.referenceId!;
  const title = `Cablegate: ${p.title || p.subject || id}`;
  const teaser = (p.summary ?? '').replace(/\s+/g, ' ').trim();
  return {
    title,
    slug: slugify(title) || id.toLowerCase(),
    teaser: teaser.length > 300 ? teaser.slice(0, 297).replace(/\s+\S*$/, '') + '…' : teaser,
    published_at: publishedAt,
  };
}

function storyBody(p: ParsedCable, header: string, body: string): string {
  const id = p.referenceId!;
  const text = body.replace(/\r\n?/g, '\n');
  const numbered = p.paragraphs.filter((x) => x.number !== null);
  const m = numbered.length ? FIRST_PARAGRAPH.exec(text) : null;
  const caption = (m ? text.slice(0, m.index) : '').replace(/```/g, "'''").trim();
  const head = [header.replace(/\r\n?/g, '\n').replace(/```/g, "'''").trim(), caption]
    .filter(Boolean)
    .join('\n\n');
  const parts: string[] = [];
  if (head) parts.push('```\n' + head + '\n```');
  if (m) {
    for (const para of p.paragraphs) {
      const lead =
        para.number !== null ? `${para.number}. ${para.marking ? `(${para.marking}) ` : ''}` : '';
      const blocks = para.text.split(/\n[ \t]*\n/);
      const first = paragraphText(blocks[0]);
      if (first || lead) parts.push(lead + first);
      for (const block of blocks.slice(1)) {
        const t = paragraphText(block);
        if (!t) continue;
        // A short line in capitals on its own (`PERU: A GOOD FRIEND IN THE REGION`) is a heading.
        parts.push(HEADING.test(t) ? `## ${t}` : t);
      }
    }
  } else {
    for (const block of text.split(/\n[ \t]*\n/)) {
      const t = paragraphText(block);
      if (t) parts.push(t);
    }
  }
  parts.push(`[Read cable ${id} in the archive](/cables/${id})`);
  return parts.join('\n\n') + '\n';
}
