/**
 * HTTP helpers shared by feature routes: rendering a page with validators (ETag, Last-Modified)
 * and cache headers, building the page context, and typed HTTP errors with stable codes. Who may
 * do what is decided in policy.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { Config } from '../config.ts';
import { csrfToken } from './csrf.ts';
import { Lru } from './cache.ts';
import { takeFlash, type Flash } from '../lib/flash.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set to false on a state-changing route that authenticates another way (API keys, signed links). */
    csrf?: boolean;
    /**
     * Set to false on a route that answers without the database (health check, static assets): the
     * per-request hooks that would read it (session loader, licensing) skip it, so such a route
     * still answers, with what it knows, while the database is unreachable.
     */
    database?: boolean;
  }
}

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
  /** The page shows a one-time message (src/lib/flash.ts). */
  flashShown?: boolean;
  /**
   * While rendering into the page cache the token is this render's slot marker: random, made after
   * the page's content was read, so no content can contain it.
   */
  renderingShared?: string;
}
const state = (reply: FastifyReply) => reply as unknown as RenderState;

/**
 * A reused render: the page split where the site's own `_csrf` fields take the visitor's token.
 * Filling in joins the segments with the token; nothing else on the page is ever rewritten, so
 * whatever a story, a press release or a cable contains can never become a token slot.
 */
interface CachedRender {
  segments: string[];
  length: number;
}
const rendered = new Lru<string, CachedRender>(2000);

/** What precedes every token slot: the value of a hidden `_csrf` field that the site renders. */
const CSRF_FIELD = '<input type="hidden" name="_csrf" value="';

/**
 * Splits a page rendered with `marker` as its token into the segments around the site's `_csrf`
 * fields; null when the marker shows up anywhere else (then the page is rendered per request).
 */
export function csrfSegments(html: string, marker: string): string[] | null {
  const segments = html.split(marker);
  for (let i = 0; i < segments.length - 1; i++) {
    if (!segments[i].endsWith(CSRF_FIELD) || !segments[i + 1].startsWith('"')) return null;
  }
  return segments;
}

/**
 * What every page's context holds at least; src/web/context.ts adds what features contribute
 * (sections, access, member).
 */
export interface BasePageContext {
  siteName: string;
  baseUrl: string;
  path: string;
  /** The visitor's CSRF token, created only if a form asks for it. */
  csrf: string;
  year: number;
  /** The one-time message left by the form posted just before (post/redirect/get). */
  flash?: Flash | null;
}

/**
 * Everything in the context that changes what a page looks like, as a cache-key fragment: every
 * plain value (the CSRF token is a getter and filled in per visitor).
 */
function contextKey(ctx: BasePageContext): string {
  const plain: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(ctx))) {
    if (k !== 'csrf' && 'value' in d) plain[k] = d.value;
  }
  return JSON.stringify(plain);
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
  opts: SendPageOptions & { ctx?: BasePageContext } = {},
): FastifyReply {
  // A page for a signed-in member shows their account in the masthead: never a shared cache.
  if (req.member) opts = { ...opts, cache: 'private' };
  let html: string;
  // The validator: for a reused render, a hash of what identifies it (cheaper than hashing the page).
  let identity: string | null = null;
  // A page showing a one-time message is this visitor's, once: not reused, not stored.
  if (opts.ctx?.flash) state(reply).flashShown = true;
  if (state(reply).flashShown) opts = { ...opts, renderKey: undefined };
  if (opts.renderKey && opts.ctx && typeof page === 'function') {
    const key = opts.renderKey + '|' + contextKey(opts.ctx);
    let hit = rendered.get(key);
    if (!hit) {
      const marker = randomBytes(18).toString('hex');
      state(reply).renderingShared = marker;
      state(reply).csrfUsed = false;
      let segments: string[] | null;
      try {
        segments = csrfSegments('<!doctype html>' + render(page()), marker);
      } finally {
        state(reply).renderingShared = undefined;
      }
      if (segments) {
        hit = { segments, length: segments.reduce((n, x) => n + x.length, 0) };
        rendered.set(key, hit);
      }
    }
    if (hit) {
      const token = hit.segments.length > 1 ? opts.ctx.csrf : '';
      html = hit.segments.length > 1 ? hit.segments.join(token) : hit.segments[0];
      identity = `${key}|${token}|${hit.length}`;
    } else {
      // The token was asked for outside a `_csrf` field: this page is not reused.
      html = '<!doctype html>' + render(page());
    }
  } else {
    html = '<!doctype html>' + render(typeof page === 'function' ? page() : page);
  }
  const status = opts.status ?? 200;
  // A page that shows the visitor's CSRF token belongs to this visitor only.
  const cache: CachePolicy =
    status !== 200 || state(reply).flashShown
      ? 'no-store'
      : state(reply).csrfUsed || opts.cache === 'private'
        ? 'private'
        : (opts.cache ?? 'public');
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', CACHE_HEADERS[cache])
    .header('vary', 'Cookie, Accept-Encoding');
  if (status === 200) {
    const etag = `"${createHash('sha1')
      .update(identity ?? html)
      .digest('base64url')}"`;
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

/**
 * The platform's part of every page's context (src/web/context.ts builds the whole). The CSRF
 * token is created only if a form asks for it.
 */
export function basePageContext(
  config: Pick<Config, 'siteName' | 'baseUrl'>,
  req: FastifyRequest,
  reply: FastifyReply,
): BasePageContext {
  let token: string | undefined;
  const flash = takeFlash(req, reply);
  if (flash) state(reply).flashShown = true;
  return {
    siteName: config.siteName,
    baseUrl: config.baseUrl,
    path: req.url.split('?')[0],
    get csrf() {
      state(reply).csrfUsed = true;
      const marker = state(reply).renderingShared;
      if (marker) return marker;
      token ??= csrfToken(req, reply);
      return token;
    },
    year: new Date().getUTCFullYear(),
    flash,
  };
}
