/**
 * Fetching a partner feed through the site's one outbound fetch (src/platform/outbound.ts): public
 * http(s) addresses only (unless the operator allows an intranet source with OUTBOUND_ALLOW), every
 * redirect hop checked, at most five of them, a time limit for the whole exchange and a size cap
 * enforced while the body streams in; conditional GET (ETag / Last-Modified); the body decoded by
 * its declared charset (charset.ts). Every failure is a
 * FeedError whose message, in plain words without the remote server's text, goes to the dashboard.
 */
import { FeedError } from './parse.ts';
import { decodeFeed } from './charset.ts';
import {
  OutboundError,
  outboundFetch,
  type OutboundAllow,
  type Resolver,
} from '../platform/outbound.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Intranet hosts and ranges the operator allows (OUTBOUND_ALLOW); none by default. */
  allow?: OutboundAllow;
  /** Name resolution (the system's by default). */
  resolve?: Resolver;
}

export const FEED_LIMITS: FetchLimits = {
  timeoutMs: 10_000,
  maxBytes: 2 * 1024 * 1024,
  maxRedirects: 5,
};

export type FetchResult =
  | { status: 'not-modified' }
  | { status: 'ok'; body: string; etag: string | null; lastModified: string | null; url: string };

const header = (v: string | string[] | undefined): string | null =>
  Array.isArray(v) ? (v[0] ?? null) : (v ?? null);

export async function fetchFeed(
  url: string,
  validators: { etag?: string | null; lastModified?: string | null },
  limits: FetchLimits = FEED_LIMITS,
): Promise<FetchResult> {
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8',
    'user-agent': 'Broadsheet feed reader',
  };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  let res;
  try {
    res = await outboundFetch(url, {
      headers,
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
      maxRedirects: limits.maxRedirects,
      allow: limits.allow,
      resolve: limits.resolve,
    });
  } catch (err) {
    if (err instanceof OutboundError) throw new FeedError(err.message);
    throw new FeedError('the feed could not be fetched');
  }
  if (res.status === 304) return { status: 'not-modified' };
  if (res.status !== 200) throw new FeedError(`the server answered ${res.status}`);
  return {
    status: 'ok',
    body: decodeFeed(res.body, header(res.headers['content-type'])),
    etag: header(res.headers.etag),
    lastModified: header(res.headers['last-modified']),
    url: res.url,
  };
}
