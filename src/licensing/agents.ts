/**
 * User-agent classification for licensing.
 *
 * AI crawlers and media-monitoring services reuse our journalism
 * commercially, so they need an API licence. Search engines send readers to
 * us and are treated like any personal reader. Everything else is a browser
 * or "other" (link previewers, scripts, generic bots).
 *
 * To maintain the list, add a literal token (matched case-insensitively as a
 * substring of the User-Agent) with its display name. When a User-Agent
 * carries tokens of several kinds, AI crawler and media monitor tokens win
 * over search engines, which win over generic bot markers, wherever they
 * appear in the string.
 */

export type AgentKind =
  'ai-crawler' | 'media-monitor' | 'search-engine' | 'browser' | 'other' | 'oversized';

export interface AgentClass {
  readonly kind: AgentKind;
  /** Display name of the recognised agent; null for browsers and "other". */
  readonly name: string | null;
}

type TokenList = ReadonlyArray<readonly [token: string, name: string]>;

/** AI training crawlers, AI search indexers and AI assistants fetching pages. */
export const AI_CRAWLERS: TokenList = [
  ['GPTBot', 'GPTBot'],
  ['ChatGPT-User', 'ChatGPT-User'],
  ['OAI-SearchBot', 'OAI-SearchBot'],
  ['ClaudeBot', 'ClaudeBot'],
  ['Claude-Web', 'Claude-Web'],
  ['Claude-User', 'Claude-User'],
  ['Claude-SearchBot', 'Claude-SearchBot'],
  ['anthropic-ai', 'anthropic-ai'],
  ['CCBot', 'CCBot'],
  ['Google-Extended', 'Google-Extended'],
  ['PerplexityBot', 'PerplexityBot'],
  ['Perplexity-User', 'Perplexity-User'],
  ['Bytespider', 'Bytespider'],
  ['Amazonbot', 'Amazonbot'],
  ['Applebot-Extended', 'Applebot-Extended'],
  ['cohere-training-data-crawler', 'cohere-ai'],
  ['cohere-ai', 'cohere-ai'],
  ['Diffbot', 'Diffbot'],
  ['img2dataset', 'img2dataset'],
  ['Omgilibot', 'Omgili'],
  ['Omgili', 'Omgili'],
  ['YouBot', 'YouBot'],
  ['Meta-ExternalAgent', 'Meta-ExternalAgent'],
  ['Meta-ExternalFetcher', 'Meta-ExternalFetcher'],
  ['FacebookBot', 'FacebookBot'],
  ['DuckAssistBot', 'DuckAssistBot'],
  ['MistralAI-User', 'MistralAI-User'],
  ['AI2Bot', 'AI2Bot'],
  ['ImagesiftBot', 'ImagesiftBot'],
  ['Timpibot', 'Timpibot'],
  ['PanguBot', 'PanguBot'],
  ['Webzio-Extended', 'Webzio-Extended'],
];

/** Media-monitoring, press-clipping and news-intelligence services. */
export const MEDIA_MONITORS: TokenList = [
  ['meltwater', 'Meltwater'],
  ['Cision', 'Cision'],
  ['TrendKite', 'Cision'],
  ['Brandwatch', 'Brandwatch'],
  ['Talkwalker', 'Talkwalker'],
  ['mention.com', 'Mention'],
  ['Mentionbot', 'Mention'],
  ['Signal AI', 'Signal AI'],
  ['SignalAI', 'Signal AI'],
  ['Signal-AI', 'Signal AI'],
  ['Newsbot/', 'Newsbot'],
  ['LexisNexis', 'LexisNexis'],
  ['Factiva', 'Factiva'],
  ['Dataminr', 'Dataminr'],
  ['Onclusive', 'Onclusive'],
  ['Isentia', 'Isentia'],
  ['NewsWhip', 'NewsWhip'],
  ['Muck Rack', 'Muck Rack'],
  ['MuckRack', 'Muck Rack'],
  ['Critical Mention', 'Critical Mention'],
  ['BuzzSumo', 'BuzzSumo'],
  ['Awario', 'Awario'],
];

/** Search engines: allowed, treated as personal readers. */
export const SEARCH_ENGINES: TokenList = [
  ['Googlebot', 'Googlebot'],
  ['Storebot-Google', 'Googlebot'],
  ['Google-InspectionTool', 'Googlebot'],
  ['bingbot', 'Bingbot'],
  ['BingPreview', 'Bingbot'],
  ['msnbot', 'Bingbot'],
  ['DuckDuckBot', 'DuckDuckBot'],
  ['Applebot', 'Applebot'],
  ['YandexBot', 'YandexBot'],
  ['YandexMobileBot', 'YandexBot'],
  ['YandexImages', 'YandexBot'],
  ['YandexNews', 'YandexBot'],
  ['Baiduspider', 'Baiduspider'],
  ['Yahoo! Slurp', 'Yahoo Slurp'],
  ['Qwantbot', 'Qwantbot'],
  ['SeznamBot', 'SeznamBot'],
  ['Ecosia', 'Ecosia'],
];

/** Generic automation markers: anything here that is not listed above is "other". */
const GENERIC_AUTOMATION = [
  'bot/',
  'bot;',
  'bot)',
  'bot-',
  'robot',
  'crawler',
  'spider',
  'scraper',
  'headlesschrome',
  'facebookexternalhit',
  'curl/',
  'wget/',
  'python-',
  'python/',
  'httpclient',
  'okhttp',
  'go-http-client',
  'java/',
  'libwww',
  'axios/',
  'node-fetch',
  'undici',
  'postmanruntime',
  'http://',
  'https://',
];

function escape(token: string): string {
  return token.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function alternation(tokens: readonly string[]): string {
  // Longest first, so e.g. "Applebot-Extended" is preferred to "Applebot".
  return [...tokens]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|');
}

const NAMED = new Map<string, AgentClass>();
for (const [list, kind] of [
  [AI_CRAWLERS, 'ai-crawler'],
  [MEDIA_MONITORS, 'media-monitor'],
  [SEARCH_ENGINES, 'search-engine'],
] as const) {
  for (const [token, name] of list) {
    const key = token.toLowerCase();
    if (!NAMED.has(key)) NAMED.set(key, Object.freeze({ kind, name }));
  }
}

/**
 * One regex, anchored at the start so the alternatives are tried in priority
 * order across the whole string: automated-use tokens (group 1), then search
 * engines (group 2), then generic automation (group 3), then browsers (group 4).
 */
const AGENT_RE = new RegExp(
  '^(?:' +
    `[^]*?(${alternation([...AI_CRAWLERS, ...MEDIA_MONITORS].map(([t]) => t))})` +
    `|[^]*?(${alternation(SEARCH_ENGINES.map(([t]) => t))})` +
    `|[^]*?(${alternation(GENERIC_AUTOMATION)})` +
    `|[^]*?(mozilla/|opera/)` +
    ')',
  'i',
);

/** Real user agents are a few hundred characters; a longer one is padding meant to hide a name. */
export const MAX_USER_AGENT = 1024;

const OVERSIZED: AgentClass = Object.freeze({ kind: 'oversized', name: null });
const BROWSER: AgentClass = Object.freeze({ kind: 'browser', name: null });
const OTHER: AgentClass = Object.freeze({ kind: 'other', name: null });

export function classifyAgent(userAgent: string | null | undefined): AgentClass {
  if (!userAgent) return OTHER;
  // The whole string is examined; one too long for a browser is automated use in itself (and is
  // not scanned, which also bounds the work on hostile input).
  if (userAgent.length > MAX_USER_AGENT) return OVERSIZED;
  const m = AGENT_RE.exec(userAgent);
  if (m === null) return OTHER;
  const named = m[1] ?? m[2];
  if (named !== undefined) return NAMED.get(named.toLowerCase()) ?? OTHER;
  if (m[3] !== undefined) return OTHER;
  return BROWSER;
}

/** True for agents whose use needs an API licence (AI crawlers, media monitors, padded agents). */
export function isAutomatedUse(c: AgentClass): boolean {
  return c.kind === 'ai-crawler' || c.kind === 'media-monitor' || c.kind === 'oversized';
}
