/**
 * Fetching a partner feed defensively: conditional GET (ETag / Last-Modified), a time limit for the
 * whole exchange, a size cap enforced while the body streams in, at most five redirects, http(s)
 * only. Every failure is a FeedError whose message goes to the dashboard.
 */
import { FeedError } from './parse.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export const FEED_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 2 * 1024 * 1024, maxRedirects: 5 };

export type FetchResult =
  | { status: 'not-modified' }
  | { status: 'ok'; body: string; etag: string | null; lastModified: string | null; url: string };

export async function fetchFeed(url: string, validators: { etag?: string | null; lastModified?: string | null }, limits: FetchLimits = FEED_LIMITS): Promise<FetchResult> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const u = new URL(current);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FeedError(`refused a ${u.protocol} address`);
      const headers: Record<string, string> = { accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8', 'user-agent': 'Broadsheet feed reader' };
      if (validators.etag) headers['if-none-match'] = validators.etag;
      if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
      const res = await fetch(current, { headers, redirect: 'manual', signal });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel().catch(() => {});
        const loc = res.headers.get('location');
        if (!loc) throw new FeedError(`redirect ${res.status} without a Location`);
        if (hop + 1 > limits.maxRedirects) throw new FeedError(`more than ${limits.maxRedirects} redirects`);
        current = new URL(loc, current).href;
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel().catch(() => {});
        return { status: 'not-modified' };
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => {});
        throw new FeedError(`the server answered ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > limits.maxBytes) {
        await res.body?.cancel().catch(() => {});
        throw new FeedError(`larger than ${Math.round(limits.maxBytes / 1024)} KiB`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      if (res.body) {
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > limits.maxBytes) {
            await reader.cancel().catch(() => {});
            throw new FeedError(`larger than ${Math.round(limits.maxBytes / 1024)} KiB`);
          }
          chunks.push(Buffer.from(value));
        }
      }
      return { status: 'ok', body: Buffer.concat(chunks).toString('utf8'), etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified'), url: current };
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || signal.aborted) throw new FeedError(`no complete answer within ${limits.timeoutMs / 1000} s`);
    throw new FeedError(`could not fetch: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
}
