/**
 * Per-client search rate limits: a token bucket per client (`perMinute` searches a minute, bursts
 * up to `burst`), on a clock the caller passes. Who the client is: a licensed organisation or an
 * API key (their own, larger budget), otherwise the client address as the app computes it (an
 * IPv6 address counts by its /64, which one subscriber usually holds whole).
 */
import { isIPv6 } from 'node:net';

export interface RateBudget {
  perMinute: number;
  burst: number;
}

/** The budgets (SEARCH_RATE, SEARCH_BURST, SEARCH_RATE_LICENSED, SEARCH_BURST_LICENSED). */
export interface RateLimits {
  /** Readers (the client address). */
  reader: RateBudget;
  /** Licensed organisations and API keys. */
  licensed: RateBudget;
}

/** The client a search counts against, and which budget it has. */
export interface SearchClient {
  key: string;
  licensed: boolean;
}

/** The /64 network of an IPv6 address (`2001:db8:1:2::/64`); other addresses unchanged. */
export function addressKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const [head, tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail ? tail.split(':') : [];
  if (right.length && right[right.length - 1].includes('.')) return ip; // IPv4-mapped forms
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g || '0', 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * Which client a request is: `access` is the licensing decision's part that matters (status,
 * organisation id, API key id); `ip` the client address as the app computed it.
 */
export function searchClient(
  ip: string,
  access: { status: string; organisationId: string | null; apiKeyId: number | null } | null,
): SearchClient {
  if (access?.apiKeyId !== null && access?.apiKeyId !== undefined)
    return { key: `key:${access.apiKeyId}`, licensed: true };
  if (
    access &&
    (access.status === 'licensed' || access.status === 'automated-licensed') &&
    access.organisationId
  )
    return { key: `org:${access.organisationId}`, licensed: true };
  return { key: `ip:${addressKey(ip)}`, licensed: false };
}

export interface Taken {
  ok: boolean;
  /** Whole seconds until a search would be allowed again (0 when ok). */
  retryAfter: number;
  remaining: number;
}

/** Token buckets per client key. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; budget: RateBudget }>();

  constructor(private readonly maxClients = 100_000) {}

  /** Takes one search from the client's bucket at time `now` (milliseconds). */
  take(key: string, budget: RateBudget, now: number): Taken {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxClients) this.prune(now);
      b = { tokens: budget.burst, at: now, budget };
      this.buckets.set(key, b);
    }
    b.budget = budget;
    const rate = budget.perMinute / 60_000;
    b.tokens = Math.min(budget.burst, b.tokens + Math.max(0, now - b.at) * rate);
    b.at = Math.max(b.at, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfter: 0, remaining: Math.floor(b.tokens) };
    }
    return {
      ok: false,
      retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)),
      remaining: 0,
    };
  }

  /** Forgets buckets that have filled up again (they start full), oldest first when none has. */
  private prune(now: number): void {
    for (const [k, b] of this.buckets) {
      const full = b.tokens + (now - b.at) * (b.budget.perMinute / 60_000) >= b.budget.burst;
      if (full) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxClients)
      this.buckets.delete(this.buckets.keys().next().value!);
  }

  get size(): number {
    return this.buckets.size;
  }
}
