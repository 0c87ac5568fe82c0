/**
 * HTTP helpers shared by feature routes: rendering a page with validators (ETag, Last-Modified)
 * and cache headers, building the page context, and typed HTTP errors with stable codes. Who may
 * do what is decided in policy.ts.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { PageContext } from '../web/context.ts';
import { csrfToken } from './csrf.ts';
import { pageMember } from '../members/session.ts';
import { requestAccess } from '../licensing/request-access.ts';
import { Lru } from './cache.ts';
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

/** Per-reply rendering state: whether the page used the visitor's CSRF token. */
interface RenderState {
  csrfUsed?: boolean;
  /** While rendering into the page cache the token is a placeholder, replaced per visitor. */
  renderingShared?: boolean;
}
const state = (reply: FastifyReply) => reply as unknown as RenderState;

const CSRF_PLACEHOLDER = '\u0000csrf\u0000';
const rendered = new Lru<string, { html: string; csrf: boolean }>(2000);

/** Everything in the context that changes what a page looks like, as a cache-key fragment. */
function contextKey(ctx: PageContext): string {
  const { sections, csrf: _csrf, ...rest } = Object.getOwnPropertyDescriptors(ctx) as unknown as Record<string, PropertyDescriptor>;
  const plain: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(rest)) if ('value' in d) plain[k] = d.value;
  return JSON.stringify(plain) + '|' + ctx.sections.map((s) => `${s.id}:${s.slug}:${s.name}`).join(',');
}

export interface SendPageOptions {
  status?: number;
  cache?: CachePolicy;
  lastModified?: string;
  /**
   * With a key that names every input of the page apart from the context (e.g. story id + updated
   * time + ad id), the rendered HTML is reused for later requests with the same key and context.
   */
  renderKey?: string;
}

/** Renders a page to HTML and sends it with a strong validator; answers 304 when the client has it. */
export function sendPage(
  req: FastifyRequest,
  reply: FastifyReply,
  page: VNode<any> | (() => VNode<any>),
  opts: SendPageOptions & { ctx?: PageContext } = {},
): FastifyReply {
  // A page for a signed-in member shows their account in the masthead: never a shared cache.
  if (req.member) opts = { ...opts, cache: 'private' };
  let html: string;
  // The validator: for a reused render, a hash of what identifies it (cheaper than hashing the page).
  let identity: string | null = null;
  if (opts.renderKey && opts.ctx && typeof page === 'function') {
    const key = opts.renderKey + '|' + contextKey(opts.ctx);
    let hit = rendered.get(key);
    if (!hit) {
      state(reply).renderingShared = true;
      state(reply).csrfUsed = false;
      try {
        hit = { html: '<!doctype html>' + render(page()), csrf: state(reply).csrfUsed === true };
      } finally {
        state(reply).renderingShared = false;
      }
      rendered.set(key, hit);
    }
    const token = hit.csrf ? opts.ctx.csrf : '';
    html = hit.csrf ? hit.html.replaceAll(CSRF_PLACEHOLDER, token) : hit.html;
    identity = `${key}|${token}|${hit.html.length}`;
  } else {
    html = '<!doctype html>' + render(typeof page === 'function' ? page() : page);
  }
  const status = opts.status ?? 200;
  // A page that shows the visitor's CSRF token belongs to this visitor only.
  const cache: CachePolicy = status !== 200 ? 'no-store' : state(reply).csrfUsed || opts.cache === 'private' ? 'private' : (opts.cache ?? 'public');
  reply.code(status).type('text/html; charset=utf-8').header('cache-control', CACHE_HEADERS[cache]).header('vary', 'Cookie, Accept-Encoding');
  if (status === 200) {
    const etag = `"${createHash('sha1').update(identity ?? html).digest('base64url')}"`;
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
      state(reply).csrfUsed = true;
      if (state(reply).renderingShared) return CSRF_PLACEHOLDER;
      token ??= csrfToken(req, reply);
      return token;
    },
    sections,
    access: requestAccess(req),
    member: pageMember(req),
    year: new Date().getUTCFullYear(),
  };
}
