/**
 * Shapes shared by the cable readers (which turn files into RawCable records)
 * and the parser (which turns a RawCable into a ParsedCable). Pure types only.
 */

/** One cable as a reader found it, before parsing. Every field but `body` is optional. */
export interface RawCable {
  /** Where the record came from, for messages: "cables.csv row 1234", "file.txt". */
  source?: string;
  /** Reference id as given by the source (may be malformed). */
  referenceId?: string;
  /** Creation time as given by the source (csv `M/D/YYYY H:MM`, html `YYYY-MM-DD HH:MM`). */
  created?: string;
  /** Release time (WikiLeaks HTML / JSON-lines only). */
  released?: string;
  origin?: string;
  classification?: string;
  /** Reference ids listed by the source (csv column 6), already split. */
  references?: string[];
  /** Routing header (ACP-127 format lines); empty when absent. */
  header?: string;
  /** Message text. */
  body: string;
  partial?: boolean;
  /** Press articles the cable appears in, as the source gives them. */
  mediaUrls?: string[];
}

/** Hints that give a header-less fragment the context a whole cable carries. */
export interface ParseHints {
  referenceId?: string;
  year?: number;
}

export interface Recipient {
  route: string | null;
  name: string;
  precedence: string | null;
  mcn: string | null;
  /** True for a post excluded (`XMT`) from the collective listed before it; absent otherwise. */
  excluded?: boolean;
}

export interface Paragraph {
  number: number | null;
  marking: string | null;
  text: string;
}

export type Classification =
  | 'UNCLASSIFIED'
  | 'UNCLASSIFIED//FOR OFFICIAL USE ONLY'
  | 'CONFIDENTIAL'
  | 'CONFIDENTIAL//NOFORN'
  | 'SECRET'
  | 'SECRET//NOFORN';

export type Precedence = 'FLASH' | 'IMMEDIATE' | 'PRIORITY' | 'ROUTINE';

/**
 * What a REF item cites (FORMAT.md §6). `cable` is a telegram: its value is a reference id, or, for
 * a message known only by its originator and DTG (`SECDEF MSG DTG 301601Z SEP 08`), the item as
 * written.
 */
export type ReferenceKind =
  'cable' | 'email' | 'telcon' | 'report' | 'book' | 'letter' | 'memo' | 'other';

/** One item of a REF list, cable or not. */
export interface TypedReference {
  kind: ReferenceKind;
  /** A reference id for a cable item; the item as written (mark dropped, spaces joined) otherwise. */
  value: string;
  /** The item's mark as an upper-case letter or a number (`A` for `A.`, `(A)`, `A)`, `REF A`), or null. */
  bullet: string | null;
}

/** The parser's output. Field names are a public contract (CLI JSON, /api/cables/<id>). */
export interface ParsedCable {
  referenceId: string | null;
  wikileaksId: string | null;
  origin: string | null;
  station: string | null;
  created: string | null;
  released: string | null;
  classification: Classification | null;
  precedence: Precedence | null;
  transmissionId: string | null;
  section: number | null;
  sectionCount: number | null;
  recipients: Recipient[];
  infoRecipients: Recipient[];
  declassify: string | null;
  tags: string[];
  subject: string;
  title: string;
  /** Canonical ids of the cables cited in the REF list (the reference graph is built from these). */
  references: string[];
  /** Every item of the REF list with its kind and mark: cables, e-mails, telcons, reports, manuals… */
  typedReferences: TypedReference[];
  classifiedBy: string[];
  reasons: string[];
  summary: string | null;
  signers: string[];
  paragraphs: Paragraph[];
  partial: boolean;
  /** Press articles the cable appears in: absolute http(s) addresses, each once (`media.ts`). */
  mediaUrls: string[];
  body: string;
  warnings: string[];
}
