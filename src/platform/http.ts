/**
 * HTTP helpers shared by feature routes: rendering a page with validators (ETag, Last-Modified)
 * and cache headers, building the page context, and typed HTTP errors with stable codes.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { PageContext } from '../web/context.ts';
import { PERSONAL_ACCESS } from '../web/context.ts';
import { csrfToken } from './csrf.ts';
import type { AppServices } from '../app.ts';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);
export const notFound = (message = 'Not found') => new HttpError(404, 'not_found', message);

export type CachePolicy = 'public' | 'private' | 'no-store';

const CACHE_HEADERS: Record<CachePolicy, string> = {
  public: 'public, max-age=60, stale-while-revalidate=300',
  private: 'private, no-cache',
  'no-store': 'no-store',
};

/** Renders a page to HTML and sends it with a strong validator; answers 304 when the client has it. */
export function sendPage(
  req: FastifyRequest,
  reply: FastifyReply,
  page: VNode<any>,
  opts: { status?: number; cache?: CachePolicy; lastModified?: string } = {},
): FastifyReply {
  const html = '<!doctype html>' + render(page);
  const status = opts.status ?? 200;
  // A page that issued a CSRF cookie while rendering belongs to this visitor only.
  const issuedToken = (reply as unknown as { csrfIssued?: string }).csrfIssued !== undefined;
  const cache: CachePolicy = status !== 200 ? 'no-store' : issuedToken || opts.cache === 'private' ? 'private' : (opts.cache ?? 'public');
  reply.code(status).type('text/html; charset=utf-8').header('cache-control', CACHE_HEADERS[cache]).header('vary', 'Cookie, Accept-Encoding');
  if (status === 200) {
    const etag = `"${createHash('sha1').update(html).digest('base64url')}"`;
    reply.header('etag', etag);
    if (opts.lastModified) {
      const lm = new Date(opts.lastModified);
      if (!Number.isNaN(lm.getTime())) reply.header('last-modified', lm.toUTCString());
    }
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(/\s*,\s*/).some((t) => t === etag || t === `W/${etag}`)) {
      return reply.code(304).send();
    }
  }
  return reply.send(html);
}

/** The context every page renders with. The CSRF token is created only if a form asks for it. */
export async function pageContext(services: AppServices, req: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
  const sections = await services.shared.sections.get().catch(() => []);
  let token: string | undefined;
  return {
    siteName: services.config.siteName,
    baseUrl: services.config.baseUrl,
    path: req.url.split('?')[0],
    get csrf() {
      token ??= csrfToken(req, reply);
      return token;
    },
    sections,
    access: PERSONAL_ACCESS,
    year: new Date().getUTCFullYear(),
  };
}
