/**
 * What every page knows about the request it renders for, and how it is assembled: the platform's
 * part (site name, path, CSRF token) plus what features contribute through `addPagePart` (stories
 * the sections of the masthead, members the signed-in member, licensing the access decision).
 * The web layer names no feature.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { basePageContext, type BasePageContext } from '../platform/http.ts';
import type { Config } from '../config.ts';

export interface AccessView {
  status:
    'personal' | 'licensed' | 'work-unlicensed' | 'automated-licensed' | 'automated-unlicensed';
  organisation: { id: string; name: string } | null;
  adFree: boolean;
  notice: string;
}

/** The signed-in member as pages see it. */
export interface PageMember {
  id: number;
  email: string;
  role: 'reader' | 'editor' | 'admin';
  /** Whether the address is confirmed (an unconfirmed member holds no role). */
  confirmed: boolean;
  declaredUse: 'personal' | 'work' | null;
  workOrganisation: string | null;
}

/** A section as the masthead shows it. */
export interface NavSection {
  id: number;
  slug: string;
  name: string;
}

export interface PageContext extends BasePageContext {
  sections: NavSection[];
  access: AccessView;
  /** Null when nobody is signed in. */
  member: PageMember | null;
}

export const PERSONAL_ACCESS: AccessView = {
  status: 'personal',
  organisation: null,
  adFree: false,
  notice: 'Free for personal reading. Using it for work? Your organisation needs a licence.',
};

/** A feature's contribution to every page's context, applied in the order features are listed. */
export type PagePart = (
  req: FastifyRequest,
) =>
  | Partial<Omit<PageContext, keyof BasePageContext>>
  | Promise<Partial<Omit<PageContext, keyof BasePageContext>>>;

declare module 'fastify' {
  interface FastifyInstance {
    /** What features add to every page's context (see addPagePart). */
    pageParts: PagePart[];
  }
}

export const PAGE_PARTS_PLUGIN = 'broadsheet-page-parts';

/** Sets up the registry features add their page parts to. */
export const pagePartsPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('pageParts', [] as PagePart[]);
  },
  { name: PAGE_PARTS_PLUGIN, fastify: '5.x' },
);

/** Adds a feature's part to every page's context (call from the feature's plugin). */
export function addPagePart(app: FastifyInstance, part: PagePart): void {
  app.pageParts.push(part);
}

/** The context every page renders with. The CSRF token is created only if a form asks for it. */
export async function pageContext(
  services: { config: Pick<Config, 'siteName' | 'baseUrl'> },
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<PageContext> {
  const ctx = basePageContext(services.config, req, reply) as PageContext;
  ctx.sections = [];
  ctx.access = PERSONAL_ACCESS;
  ctx.member = null;
  const parts = req.server.hasDecorator('pageParts') ? req.server.pageParts : [];
  for (const part of parts) {
    const p = part(req);
    // Most parts answer at once: only a promise is waited for.
    Object.assign(ctx, p instanceof Promise ? await p : p);
  }
  return ctx;
}
