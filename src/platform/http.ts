/**
 * HTTP helpers shared by feature routes: rendering a page with validators (ETag, Last-Modified)
 * and cache headers, building the page context, and typed HTTP errors with stable codes. Who may
 * do what is decided in policy.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
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

/**
 * A page for a reader without a session is the same for everyone: shared caches (a reverse proxy, a
 * CDN) may keep it `seconds` (PAGE_CACHE_SECONDS), browsers revalidate it (ETag, 304).
 */
export function publicCacheControl(seconds: number): string {
  return `public, max-age=0, s-maxage=${Math.max(0, Math.floor(seconds))}`;
}

const CACHE_HEADERS: Record<Exclude<CachePolicy, 'public'>, string> = {
  private: 'private, no-cache',
  'no-store': 'no-store',
};

const DEFAULT_PAGE_CACHE_SECONDS = 60;

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

export type ContentEncoding = 'br' | 'gzip' | 'identity';

/**
 * A reused render: the page split where the site's own `_csrf` fields take the visitor's token.
 * Filling in joins the segments with the token; nothing else on the page is ever rewritten, so
 * whatever a story, a press release or a cable contains can never become a token slot. A render
 * without a slot (every page for a reader without a session) is the same bytes for everyone: its
 * encoded forms and validators are made once, on first use, and sent as they are.
 */
interface CachedRender {
  segments: string[];
  length: number;
  /** Encoded bodies and their ETags, for a render without a token slot. */
  encoded?: Partial<Record<ContentEncoding, { body: Buffer; etag: string }>>;
  /** Hash of the identity bytes (the ETag's stem). */
  hash?: string;
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
 * The encoding to answer in, from `Accept-Encoding`: brotli, else gzip, else none. A coding with
 * `q=0` is refused; `*` stands for any coding not named.
 */
export function pickEncoding(header: string | undefined): ContentEncoding {
  if (!header) return 'identity';
  const q: Record<string, number> = {};
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*(.*?)\s*$/.exec(p);
      // A weight that is not a number refuses the coding.
      if (m) weight = /^[0-9.]+$/.test(m[1]) ? Number(m[1]) : 0;
    }
    q[name] = Number.isFinite(weight) ? weight : 0;
  }
  const weight = (name: string) => q[name] ?? q['*'] ?? 0;
  const br = weight('br');
  const gzip = weight('gzip');
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return 'identity';
}

function encode(html: string, encoding: ContentEncoding): Buffer {
  const raw = Buffer.from(html, 'utf8');
  if (encoding === 'br')
    return brotliCompressSync(raw, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 6,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    });
  if (encoding === 'gzip') return gzipSync(raw, { level: 6 });
  return raw;
}

/** The page's bytes in `encoding` and their ETag, made once per render. */
function encodedRender(hit: CachedRender, encoding: ContentEncoding) {
  hit.encoded ??= {};
  let e = hit.encoded[encoding];
  if (!e) {
    const html = hit.segments[0];
    hit.hash ??= createHash('sha1').update(html).digest('base64url');
    e = {
      body: encode(html, encoding),
      etag: encoding === 'identity' ? `"${hit.hash}"` : `"${hit.hash}-${encoding}"`,
    };
    hit.encoded[encoding] = e;
  }
  return e;
}

function matches(inm: string | undefined, etag: string): boolean {
  if (!inm) return false;
  if (inm.trim() === '*') return true;
  return inm.split(/\s*,\s*/).some((t) => t === etag || t === `W/${etag}`);
}

/**
 * What every page's context holds at least; src/web/context.ts adds what features contribute
 * (sections, access, member).
 */
export interface BasePageContext {
  siteName: string;
  baseUrl: string;
  path: string;
  /**
   * The signed-in member's CSRF token, created only if a form asks for it; empty for a reader
   * without a session (their forms carry none).
   */
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

/**
 * Renders a page to HTML and sends it with a strong validator; answers 304 when the client has it.
 *
 * A page for a reader without a session carries no per-visitor token and no cookie: it is the same
 * for everyone and says `public` with an `s-maxage` (PAGE_CACHE_SECONDS), so a shared cache may keep
 * it. A signed-in member's page is `private`; so is one the licensing hook finds depends on where the
 * reader is (an organisation's network). Error pages, one-time messages and answers to forms are
 * `no-store`.
 */
export function sendPage(
  req: FastifyRequest,
  reply: FastifyReply,
  page: VNode<any> | (() => VNode<any>),
  opts: SendPageOptions & { ctx?: BasePageContext } = {},
): FastifyReply {
  // A page for a signed-in member shows their account in the masthead: never a shared cache.
  if (req.member) opts = { ...opts, cache: 'private' };
  let html: string;
  // A reused render that is the same for everyone: its encoded bytes are sent as they are.
  let shared: CachedRender | null = null;
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
      if (hit.segments.length === 1) shared = hit;
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
  const readOnly = req.method === 'GET' || req.method === 'HEAD';
  // A page that shows the visitor's CSRF token belongs to this visitor only.
  const cache: CachePolicy =
    status !== 200 || state(reply).flashShown || !readOnly
      ? 'no-store'
      : state(reply).csrfUsed || opts.cache === 'private'
        ? 'private'
        : (opts.cache ?? 'public');
  const seconds =
    (req.server as { config?: { pageCacheSeconds?: number } }).config?.pageCacheSeconds ??
    DEFAULT_PAGE_CACHE_SECONDS;
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header(
      'cache-control',
      cache === 'public' ? publicCacheControl(seconds) : CACHE_HEADERS[cache],
    )
    .header('vary', 'Cookie, Accept-Encoding');
  if (status === 200 && shared) {
    const encoded = encodedRender(shared, pickEncoding(req.headers['accept-encoding']));
    reply.header('etag', encoded.etag);
    if (opts.lastModified) setLastModified(reply, opts.lastModified);
    if (matches(req.headers['if-none-match'], encoded.etag)) return reply.code(304).send();
    if (encoded.etag.endsWith('-br"')) reply.header('content-encoding', 'br');
    else if (encoded.etag.endsWith('-gzip"')) reply.header('content-encoding', 'gzip');
    return reply.send(encoded.body);
  }
  if (status === 200) {
    const etag = `"${createHash('sha1')
      .update(identity ?? html)
      .digest('base64url')}"`;
    reply.header('etag', etag);
    if (opts.lastModified) setLastModified(reply, opts.lastModified);
    if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  }
  return reply.send(html);
}

function setLastModified(reply: FastifyReply, lastModified: string): void {
  const lm = new Date(lastModified);
  if (!Number.isNaN(lm.getTime())) reply.header('last-modified', lm.toUTCString());
}

/**
 * The platform's part of every page's context (src/web/context.ts builds the whole). The CSRF
 * token is created only if a form of a signed-in member's page asks for it.
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
    // A reader without a session gets no token: their page is the same as everyone's, and their
    // forms are checked by where the browser says they come from (src/platform/csrf.ts).
    get csrf() {
      if (!req.member) return '';
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
