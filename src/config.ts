/**
 * Configuration: read from the environment once, validated with zod.
 * A bad value stops start-up with one line naming the variable.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseCidr } from './lib/cidr.ts';
import { allowEntryError } from './platform/outbound.ts';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'must be one of 1, 0, true, false, yes, no, on, off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const cidrList = z
  .string()
  .trim()
  .transform((v) => (v ? v.split(/[\s,]+/).filter(Boolean) : []))
  .refine((list) => list.every(isCidrOrIp), {
    message:
      'must be a comma-separated list of IP addresses or CIDR ranges (e.g. 127.0.0.1/32,::1/128)',
  });

function isCidrOrIp(v: string): boolean {
  return parseCidr(v).ok;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z
  .string()
  .trim()
  .refine(isTimeZone, { message: 'must be an IANA time zone such as Pacific/Auckland' });

export const configSchema = z.object({
  PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), {
      message: 'must start with postgres:// (leave it unset to use the built-in SQLite database)',
    })
    .default(''),
  BASE_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^https?:\/\/[^/\s]+/.test(v), {
      message: 'must be an absolute http(s) URL such as https://broadsheet.example',
    })
    .default(''),
  SITE_NAME: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(80, 'must be at most 80 characters')
    .default('Broadsheet'),
  TRUST_PROXY: cidrList.default([]),
  SCHEDULE_TZ: timeZone.default('Pacific/Auckland'),
  NEWSLETTER_TZ: timeZone.optional(),
  DEMO: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^smtps?:\/\//.test(v), {
      message: 'must start with smtp:// or smtps://',
    })
    .default(''),
  MAIL_FROM: z.string().trim().default(''),
  JOBS: bool.default(true),
  FEED_POLL: bool.default(true),
  NEWSLETTER_RATE: z.coerce
    .number({ message: 'must be a number of messages per second (0 = no limit)' })
    .min(0, 'must be 0 or more')
    .max(100000, 'must be at most 100000')
    .default(0),
  SMTP_TLS_INSECURE: bool.default(false),
  OUTBOUND_ALLOW: z
    .string()
    .trim()
    .transform((v) => (v ? v.split(/[\s,]+/).filter(Boolean) : []))
    .superRefine((list, ctx) => {
      const bad = list.map(allowEntryError).find((e) => e !== null);
      if (bad)
        ctx.addIssue({
          code: 'custom',
          message: `must list IP addresses, CIDR ranges or host names (e.g. 10.0.0.0/8,feeds.intranet.example): ${bad}`,
        });
    })
    .default([]),
  METRICS_TOKEN: z
    .string()
    .trim()
    .min(16, 'must be at least 16 characters (a long random secret)')
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  METRICS_PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .optional(),
  SEARCH_WORKERS: z.coerce
    .number({ message: 'must be a number of search threads (0 = search on the main thread)' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(16, 'must be at most 16')
    .optional(),
  SEARCH_TIME_LIMIT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(600000, 'must be at most 600000')
    .default(3000),
  SEARCH_RATE: z.coerce
    .number({ message: 'must be a number of searches a minute' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100000, 'must be at most 100000')
    .default(60),
  SEARCH_BURST: z.coerce
    .number({ message: 'must be a number of searches' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100000, 'must be at most 100000')
    .default(20),
  SEARCH_RATE_LICENSED: z.coerce
    .number({ message: 'must be a number of searches a minute' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100000, 'must be at most 100000')
    .default(600),
  SEARCH_BURST_LICENSED: z.coerce
    .number({ message: 'must be a number of searches' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100000, 'must be at most 100000')
    .default(120),
  SEARCH_QUEUE_PER_CLIENT: z.coerce
    .number({ message: 'must be a number of searches' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(4),
  SEARCH_ANSWER_CACHE: z.coerce
    .number({ message: 'must be a number of answers (0 = keep none)' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(10000, 'must be at most 10000')
    .default(128),
  PAGE_CACHE_SECONDS: z.coerce
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(86400, 'must be at most 86400')
    .default(60),
  REFUSAL_DELAY_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .max(10000, 'must be at most 10000')
    .default(1000),
});

/** Payment instructions printed on invoices (docs/licensing.md: "Getting paid"). */
const paymentSchema = z.object({
  PAYMENT_ACCOUNT_HOLDER: z.string().trim().max(140, 'must be at most 140 characters').default(''),
  PAYMENT_IBAN: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .refine((v) => v === '' || ibanValid(v), {
      message:
        'must be a valid IBAN (country code, check digits and account, e.g. DE89 3704 0044 0532 0130 00)',
    })
    .default(''),
  PAYMENT_BIC: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .refine((v) => v === '' || /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(v), {
      message: 'must be a BIC of 8 or 11 letters and digits (e.g. COBADEFFXXX)',
    })
    .default(''),
  PAYMENT_BANK: z.string().trim().max(140, 'must be at most 140 characters').default(''),
  PAYMENT_INSTRUCTIONS: z.string().trim().max(1000, 'must be at most 1000 characters').default(''),
  PAYMENT_LINK: z
    .string()
    .trim()
    .refine((v) => v === '' || /^https:\/\/[^/\s]+/.test(v), {
      message: 'must be an https:// address where an invoice can be paid',
    })
    .default(''),
  PAYMENT_TERMS_DAYS: z.coerce
    .number({ message: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(365, 'must be at most 365 days')
    .default(30),
  BILLING_CONTACT: z.string().trim().max(200, 'must be at most 200 characters').default(''),
});

/** ISO 13616 check: letters as numbers, the whole modulo 97 is 1. */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const n = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of n) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

const fullSchema = configSchema.extend(paymentSchema.shape);

export type RawConfig = z.infer<typeof fullSchema>;

/** How invoices are paid; every field may be empty (then invoices say whom to contact). */
export interface PaymentSettings {
  accountHolder: string;
  iban: string;
  bic: string;
  bank: string;
  /** Free text (another way to pay, or anything the bank details do not say). */
  instructions: string;
  /** An https address where invoices can be paid online. */
  link: string;
  /** Days from issue to due date. */
  termsDays: number;
  /** Whom to ask about an invoice (an address or phone); defaults to MAIL_FROM. */
  contact: string;
}

/**
 * The site's public address: BASE_URL, or http://HOST:PORT (localhost for a wildcard host). The
 * site, the CLI and every mail build links with it.
 */
export function siteBaseUrl(c: { BASE_URL: string; HOST: string; PORT: number }): string {
  return (
    c.BASE_URL ||
    `http://${c.HOST === '0.0.0.0' || c.HOST === '::' ? 'localhost' : c.HOST}:${c.PORT}`
  ).replace(/\/+$/, '');
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  engine: 'sqlite' | 'postgres';
  baseUrl: string;
  siteName: string;
  trustProxy: string[];
  scheduleTz: string;
  newsletterTz: string;
  demo: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  smtpUrl: string | null;
  mailFrom: string;
  /** SMTP_TLS_INSECURE=1: the SMTP server's certificate is not verified (a warning is logged at start). */
  smtpTlsInsecure: boolean;
  /** Intranet hosts and ranges outbound requests (partner feeds) may reach although they are not public. */
  outboundAllow: string[];
  /** Run the job worker in this server process (JOBS=0 turns it off). */
  jobs: boolean;
  /** Poll partner feeds every 15 minutes in the job worker (FEED_POLL=0: only "Poll now" fetches). */
  feedPoll: boolean;
  /** Newsletter messages per second across the SMTP pool; 0 = no limit. */
  newsletterRate: number;
  /** Search worker threads (0: searches run on the main thread); see defaultSearchWorkers(). */
  searchWorkers: number;
  /** Search budgets: time limit inside the search thread, rates per client, queue per client. */
  search: {
    timeLimitMs: number;
    reader: { perMinute: number; burst: number };
    licensed: { perMinute: number; burst: number };
    queuePerClient: number;
    /** Answers of recent searches each search thread keeps for a repeated search (0: none). */
    answerCache: number;
  };
  /** Bearer token that opens /metrics on the site's port (null: not served there). */
  metricsToken: string | null;
  /** A separate 127.0.0.1 port serving only /metrics (null: none). */
  metricsPort: number | null;
  /** Payment instructions on invoices (PAYMENT_* variables). */
  payment: PaymentSettings;
  /**
   * How long a shared cache (a reverse proxy, a CDN) may keep a page for readers without a
   * session: its `s-maxage`. A change shows there within this time. 0: shared caches revalidate.
   */
  pageCacheSeconds: number;
  /** How long an answer 429 is held before it is sent (0: at once); src/platform/refusals.ts. */
  refusalDelayMs: number;
}

/**
 * One search thread per core but one (the event loop's), at least two and at most four. Two at
 * least so a simple search has a thread while a heavy one runs (heavy searches may take all threads
 * but one: src/search/fair-queue.ts); on two cores that costs some search throughput under a
 * flood of simple searches (docs/benchmarks.md), and keeps readers' searches quick under abuse.
 */
export function defaultSearchWorkers(cores: number): number {
  return Math.max(2, Math.min(4, cores - 1));
}

export class ConfigError extends Error {}

/** Validates an environment; throws ConfigError with one line naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(fullSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = fullSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'configuration');
    const got = input[name] === undefined ? '' : ` (got ${JSON.stringify(input[name])})`;
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got}`);
  }
  const c = parsed.data;
  const port = c.PORT;
  const baseUrl = siteBaseUrl(c);
  return {
    port,
    host: c.HOST,
    dataDir: resolve(c.DATA_DIR),
    databaseUrl: c.DATABASE_URL || null,
    engine: c.DATABASE_URL ? 'postgres' : 'sqlite',
    baseUrl,
    siteName: c.SITE_NAME,
    trustProxy: c.TRUST_PROXY,
    scheduleTz: c.SCHEDULE_TZ,
    newsletterTz: c.NEWSLETTER_TZ ?? c.SCHEDULE_TZ,
    demo: c.DEMO,
    logLevel: c.LOG_LEVEL,
    smtpUrl: c.SMTP_URL || null,
    mailFrom: c.MAIL_FROM || `${c.SITE_NAME} <newsletter@${new URL(baseUrl).hostname}>`,
    smtpTlsInsecure: c.SMTP_TLS_INSECURE,
    outboundAllow: c.OUTBOUND_ALLOW,
    jobs: c.JOBS,
    feedPoll: c.FEED_POLL,
    newsletterRate: c.NEWSLETTER_RATE,
    searchWorkers: c.SEARCH_WORKERS ?? defaultSearchWorkers(availableParallelism()),
    search: {
      timeLimitMs: c.SEARCH_TIME_LIMIT_MS,
      reader: { perMinute: c.SEARCH_RATE, burst: c.SEARCH_BURST },
      licensed: { perMinute: c.SEARCH_RATE_LICENSED, burst: c.SEARCH_BURST_LICENSED },
      queuePerClient: c.SEARCH_QUEUE_PER_CLIENT,
      answerCache: c.SEARCH_ANSWER_CACHE,
    },
    pageCacheSeconds: c.PAGE_CACHE_SECONDS,
    refusalDelayMs: c.REFUSAL_DELAY_MS,
    metricsToken: c.METRICS_TOKEN ?? null,
    metricsPort: c.METRICS_PORT ?? null,
    payment: {
      accountHolder: c.PAYMENT_ACCOUNT_HOLDER,
      iban: c.PAYMENT_IBAN,
      bic: c.PAYMENT_BIC,
      bank: c.PAYMENT_BANK,
      instructions: c.PAYMENT_INSTRUCTIONS,
      link: c.PAYMENT_LINK,
      termsDays: c.PAYMENT_TERMS_DAYS,
      contact:
        c.BILLING_CONTACT ||
        c.MAIL_FROM ||
        `${c.SITE_NAME} <newsletter@${new URL(baseUrl).hostname}>`,
    },
  };
}
