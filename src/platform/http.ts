/**
 * HTTP helpers shared by feature routes: rendering a page with validators (ETag, Last-Modified)
 * and cache headers, building the page context, and typed HTTP errors with stable codes. Who may
 * do what is decided in policy.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  brotliCompressSync,
  constants as zlibConstants,
  crc32,
  deflateRawSync,
  gzipSync,
} from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { Config } from '../config.ts';
import { csrfToken } from './csrf.ts';
import { dataGeneration, Lru, SHARED_TTL_MS } from './cache.ts';
import { FLASH_COOKIE, takeFlash, type Flash } from '../lib/flash.ts';

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
  interface FastifyRequest {
    /**
     * Set by a request hook when the answer depends on who or where the reader is beyond a session
     * (licensing: an organisation recognised for this reader). Such a reader's pages never come from
     * or go into the page cache (see `fromPageCache`).
     */
    personalised: boolean;
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
  /** `dataGeneration()` when the route looked in the page cache, before it read anything. */
  pageGeneration?: number;
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
  /** For a render with token slots: its segments as bytes and as raw deflate pieces (see `gzipWithTokens`). */
  deflated?: { bytes: Buffer[]; pieces: Buffer[]; crc0: number };
  /**
   * For a render with token slots (one member's page): the last token it was sent with, its ETag
   * stem and gzip bytes, so the same browser asking again costs no hashing or joining.
   */
  lastToken?: { token: string; etag: string; gzip?: Buffer };
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
export function pickEncoding(
  header: string | undefined,
  offered: readonly ContentEncoding[] = BR_GZIP,
): ContentEncoding {
  if (!header) return 'identity';
  // Browsers send one of a few headers: each is read once (a bounded memo per offer).
  const memo = offered === BR_GZIP ? brGzipMemo : offered === GZIP_ONLY ? gzipMemo : null;
  let picked = memo?.get(header);
  if (picked === undefined) {
    picked = readAcceptEncoding(header, offered);
    if (memo) {
      if (memo.size >= 64) memo.clear();
      memo.set(header, picked);
    }
  }
  return picked;
}

const BR_GZIP: readonly ContentEncoding[] = ['br', 'gzip'];
const GZIP_ONLY: readonly ContentEncoding[] = ['gzip'];
const brGzipMemo = new Map<string, ContentEncoding>();
const gzipMemo = new Map<string, ContentEncoding>();

function readAcceptEncoding(header: string, offered: readonly ContentEncoding[]): ContentEncoding {
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
  const br = offered.includes('br') ? weight('br') : 0;
  const gzip = offered.includes('gzip') ? weight('gzip') : 0;
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

/**
 * A page with token slots as gzip, without compressing the page again: each segment is compressed
 * once per render as raw deflate ending on a byte boundary (a sync flush; the last one finishes the
 * stream), and each request joins them with its token in stored (uncompressed) deflate blocks, in a
 * gzip member whose CRC-32 and length are those of the whole page.
 */
export function gzipWithTokens(
  hit: Pick<CachedRender, 'segments' | 'deflated'>,
  token: string,
): Buffer {
  const d = (hit.deflated ??= (() => {
    const bytes = hit.segments.map((x) => Buffer.from(x, 'utf8'));
    const last = bytes.length - 1;
    const pieces = bytes.map((b, i) =>
      deflateRawSync(b, {
        level: 6,
        finishFlush: i === last ? zlibConstants.Z_FINISH : zlibConstants.Z_SYNC_FLUSH,
      }),
    );
    return { bytes, pieces, crc0: crc32(bytes[0]) };
  })());
  const t = Buffer.from(token, 'utf8');
  // A stored block holds at most 65,535 bytes; a token is far shorter, but split all the same.
  const stored: Buffer[] = [];
  for (let at = 0; at < t.length || at === 0; at += 0xffff) {
    const part = t.subarray(at, at + 0xffff);
    const head = Buffer.alloc(5);
    head.writeUInt16LE(part.length, 1);
    head.writeUInt16LE(~part.length & 0xffff, 3);
    stored.push(head, part);
    if (t.length === 0) break;
  }
  const storedBytes = Buffer.concat(stored);
  let crc = d.crc0;
  let size = d.bytes[0].length;
  const out: Buffer[] = [GZIP_HEADER, d.pieces[0]];
  for (let i = 1; i < d.pieces.length; i++) {
    crc = crcOn(d.bytes[i], crcOn(t, crc));
    size += t.length + d.bytes[i].length;
    out.push(storedBytes, d.pieces[i]);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  out.push(trailer);
  return Buffer.concat(out);
}

/**
 * CRC-32 of `bytes` continued from `from`. Empty input leaves it as it is (Node 20's `crc32` has
 * been seen to answer 0 for empty input with a starting value).
 */
function crcOn(bytes: Buffer, from: number): number {
  return bytes.length ? crc32(bytes, from) : from;
}

/** A gzip member header: deflate, no name, no time, no extra flags, OS unknown. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

/**
 * Pages answered before the route reads anything (`fromPageCache`): per site (its database), by
 * URL, the last render a reader without a session was sent, while no shown data changed and for at
 * most SHARED_TTL_MS (what other processes change shows up within the same time as in the shared
 * caches).
 */
interface CachedAnswer {
  render: CachedRender;
  lastModified?: string;
  generation: number;
  expires: number;
  /** What showing the page again counts (a story's view, an ad's impression). */
  shown: Array<() => void>;
}
const answers = new WeakMap<object, Lru<string, CachedAnswer>>();

function answersFor(req: FastifyRequest): Lru<string, CachedAnswer> {
  const site = (req.server as { db?: object }).db ?? req.server;
  let lru = answers.get(site);
  if (!lru) answers.set(site, (lru = new Lru(1000)));
  return lru;
}

/** Whether this request may be answered with (and its page kept as) the page everyone gets. */
function anonymousRead(req: FastifyRequest): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    !req.member &&
    !req.personalised &&
    req.cookies?.[FLASH_COOKIE] === undefined
  );
}

/**
 * Answers a reader without a session from the page cache, before the route reads anything: true
 * when it did (the reply is sent, and what the page counts when shown is counted). Call first in a
 * page route whose `sendPage` passes `pageCache`.
 */
export function fromPageCache(req: FastifyRequest, reply: FastifyReply): boolean {
  // Before the route reads anything: a page rendered from what it reads is kept only while no
  // shown data changed since (a member's page too, see `fromMemberPageCache`).
  const generation = dataGeneration();
  state(reply).pageGeneration = generation;
  if (!anonymousRead(req)) return false;
  const lru = answersFor(req);
  const hit = lru.get(req.url);
  if (!hit) return false;
  if (hit.generation !== generation || hit.expires <= Date.now()) {
    lru.delete(req.url);
    return false;
  }
  for (const f of hit.shown) f();
  reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', publicCacheControl(pageCacheSeconds(req)))
    .header('vary', 'Cookie, Accept-Encoding');
  sendRender(req, reply, hit.render, hit.lastModified);
  return true;
}

function pageCacheSeconds(req: FastifyRequest): number {
  return (
    (req.server as { config?: { pageCacheSeconds?: number } }).config?.pageCacheSeconds ??
    DEFAULT_PAGE_CACHE_SECONDS
  );
}

/**
 * Pages kept for signed-in members (`fromMemberPageCache`): per site, by URL, the version of what
 * the page shows that the route read first (a story's id and last change), and everything in the
 * page context apart from the CSRF token (the member's id, address, role and confirmation, the
 * access decision, the sections): another member, a changed role or another access decision is
 * another entry. The token is filled in per request.
 */
interface MemberAnswer {
  render: CachedRender;
  /** The render's cache key (the ETag's stem with the token). */
  key: string;
  lastModified?: string;
  generation: number;
  expires: number;
  shown: Array<() => void>;
}
const memberAnswers = new WeakMap<object, Lru<string, MemberAnswer>>();

function memberAnswersFor(req: FastifyRequest): Lru<string, MemberAnswer> {
  const site = (req.server as { db?: object }).db ?? req.server;
  let lru = memberAnswers.get(site);
  if (!lru) memberAnswers.set(site, (lru = new Lru(500)));
  return lru;
}

const memberAnswerKey = (req: FastifyRequest, version: string, ctx: BasePageContext) =>
  `${req.url}\n${version}\n${contextKey(ctx)}`;

/** Whether this request may be answered with (and its page kept as) a member's kept page. */
function memberRead(req: FastifyRequest, reply: FastifyReply, ctx: BasePageContext): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    !!req.member &&
    !ctx.flash &&
    !state(reply).flashShown &&
    state(reply).pageGeneration !== undefined
  );
}

/**
 * Answers a signed-in member from the pages kept for them: true when it did (the reply is sent, with
 * their CSRF token filled in, and what the page counts when shown is counted). Call in a page route
 * that called `fromPageCache` first, after the session hook said who the member is (so a signed-out,
 * expired or revoked session never gets here) and after reading the `version` of what the page
 * shows (e.g. the story's last change), with the page's context; its `sendPage` passes
 * `pageCache: { shown, version }`. Kept pages follow `dataGeneration` and SHARED_TTL_MS as the
 * anonymous ones do.
 */
export function fromMemberPageCache(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: BasePageContext,
  version: string,
): boolean {
  if (!memberRead(req, reply, ctx)) return false;
  const lru = memberAnswersFor(req);
  const key = memberAnswerKey(req, version, ctx);
  const hit = lru.get(key);
  if (!hit) return false;
  if (hit.generation !== state(reply).pageGeneration || hit.expires <= Date.now()) {
    lru.delete(key);
    return false;
  }
  for (const f of hit.shown) f();
  reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', CACHE_HEADERS.private)
    .header('vary', 'Cookie, Accept-Encoding');
  sendTokenRender(req, reply, hit.render, hit.key, ctx.csrf, hit.lastModified);
  return true;
}

/**
 * Sends a render with token slots (a signed-in member's page) with `token` filled in: in gzip when
 * the browser takes it, joined from its segments compressed once (`gzipWithTokens`), or 304.
 */
function sendTokenRender(
  req: FastifyRequest,
  reply: FastifyReply,
  hit: CachedRender,
  key: string,
  token: string,
  lastModified: string | undefined,
): FastifyReply {
  const gzip = pickEncoding(req.headers['accept-encoding'], GZIP_ONLY) === 'gzip';
  let t = hit.lastToken;
  if (t?.token !== token) {
    const etag = createHash('sha1').update(`${key}|${token}|${hit.length}`).digest('base64url');
    hit.lastToken = t = { token, etag };
  }
  const etag = `"${t.etag}${gzip ? '-gzip' : ''}"`;
  reply.header('etag', etag);
  if (lastModified) setLastModified(reply, lastModified);
  if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  if (!gzip) return reply.send(hit.segments.join(token));
  reply.header('content-encoding', 'gzip');
  return reply.send((t.gzip ??= gzipWithTokens(hit, token)));
}

/** Sends a render without token slots in the encoding the client prefers, or 304. */
function sendRender(
  req: FastifyRequest,
  reply: FastifyReply,
  hit: CachedRender,
  lastModified: string | undefined,
): FastifyReply {
  const encoded = encodedRender(hit, pickEncoding(req.headers['accept-encoding']));
  reply.header('etag', encoded.etag);
  if (lastModified) setLastModified(reply, lastModified);
  if (matches(req.headers['if-none-match'], encoded.etag)) return reply.code(304).send();
  if (encoded.etag.endsWith('-br"')) reply.header('content-encoding', 'br');
  else if (encoded.etag.endsWith('-gzip"')) reply.header('content-encoding', 'gzip');
  return reply.send(encoded.body);
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
  // One descriptor at a time (not all of them as one object first): this runs on every page.
  for (const k of Object.keys(ctx)) {
    if (k === 'csrf') continue;
    const d = Object.getOwnPropertyDescriptor(ctx, k);
    if (d && 'value' in d) plain[k] = d.value;
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
  /**
   * Keep the page for `fromPageCache` (with a `renderKey`, for a reader without a session), with
   * what showing it again counts; with a `version` (what `fromMemberPageCache` was given), a
   * signed-in member's page is kept for them too.
   */
  pageCache?: { shown: Array<() => void>; version?: string };
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
  // A reused render with token slots, this visitor's token and the render's key.
  let tokenRender: { hit: CachedRender; token: string; key: string } | null = null;
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
      if (hit.segments.length > 1) tokenRender = { hit, token, key };
      // Joined only if it is sent as it is (see below).
      html = hit.segments.length > 1 ? '' : hit.segments[0];
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
  const seconds = pageCacheSeconds(req);
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header(
      'cache-control',
      cache === 'public' ? publicCacheControl(seconds) : CACHE_HEADERS[cache],
    )
    .header('vary', 'Cookie, Accept-Encoding');
  if (status === 200 && shared) {
    const generation = state(reply).pageGeneration;
    if (opts.pageCache && cache === 'public' && generation !== undefined && anonymousRead(req)) {
      answersFor(req).set(req.url, {
        render: shared,
        lastModified: opts.lastModified,
        generation,
        expires: Date.now() + SHARED_TTL_MS,
        shown: opts.pageCache.shown,
      });
    }
    return sendRender(req, reply, shared, opts.lastModified);
  }
  if (status === 200 && tokenRender) {
    const { hit, key, token } = tokenRender;
    const version = opts.pageCache?.version;
    if (version !== undefined && opts.ctx && memberRead(req, reply, opts.ctx)) {
      memberAnswersFor(req).set(memberAnswerKey(req, version, opts.ctx), {
        render: hit,
        key,
        lastModified: opts.lastModified,
        generation: state(reply).pageGeneration!,
        expires: Date.now() + SHARED_TTL_MS,
        shown: opts.pageCache!.shown,
      });
    }
    return sendTokenRender(req, reply, hit, key, token, opts.lastModified);
  }
  if (tokenRender) return reply.send(tokenRender.hit.segments.join(tokenRender.token));
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
  // The same page asked for again has the same time: formatted once.
  if (lastModified !== lastModifiedIn) {
    const lm = new Date(lastModified);
    lastModifiedIn = lastModified;
    lastModifiedOut = Number.isNaN(lm.getTime()) ? null : lm.toUTCString();
  }
  if (lastModifiedOut !== null) reply.header('last-modified', lastModifiedOut);
}
let lastModifiedIn: string | undefined;
let lastModifiedOut: string | null = null;

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
