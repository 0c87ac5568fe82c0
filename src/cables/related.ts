/**
 * The cable page's "related cables": a feature that can tell which cables are most like one fills
 * this (search: the cables sharing its most distinctive words), so cables names no such feature.
 * Without a source, or while it has no answer, the page leaves the section out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A cable as the related list shows it. */
export interface RelatedCableLink {
  reference_id: string;
  title: string | null;
  created: string | null;
}

/** The cables most like `referenceId`, or null when that is not known now. */
export type RelatedSource = (referenceId: string) => Promise<RelatedCableLink[] | null>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the cable page's related cables come from (src/cables/related.ts). */
    cableRelated: { source: RelatedSource | null };
  }
}

/** Sets up the place (the cables plugin does, before the feature that fills it). */
export function decorateRelated(app: FastifyInstance): void {
  app.decorate('cableRelated', { source: null });
}

/** Makes `source` the one the cable page asks (from a plugin listing 'cables' in its dependencies). */
export function setRelatedSource(app: FastifyInstance, source: RelatedSource): void {
  if (app.cableRelated.source) throw new Error('the related cables have a source already');
  app.cableRelated.source = source;
}

/** The related cables for the page of `referenceId` (null: leave the section out). */
export async function relatedCablesOf(
  req: FastifyRequest,
  referenceId: string,
): Promise<RelatedCableLink[] | null> {
  const source = req.server.cableRelated.source;
  return source ? source(referenceId) : null;
}
