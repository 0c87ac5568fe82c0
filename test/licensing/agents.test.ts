import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AI_CRAWLERS,
  MEDIA_MONITORS,
  SEARCH_ENGINES,
  classifyAgent,
  isAutomatedUse,
} from '../../src/licensing/agents.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';

describe('classifyAgent', () => {
  it('recognises AI crawlers from real user agents', () => {
    const cases: Array<[string, string]> = [
      [
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
        'GPTBot',
      ],
      [
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot',
        'ChatGPT-User',
      ],
      [
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot',
        'OAI-SearchBot',
      ],
      [
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)',
        'ClaudeBot',
      ],
      ['Claude-Web/1.0 (web crawler; +https://www.anthropic.com/)', 'Claude-Web'],
      ['anthropic-ai', 'anthropic-ai'],
      ['CCBot/2.0 (https://commoncrawl.org/faq/)', 'CCBot'],
      ['Google-Extended', 'Google-Extended'],
      [
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)',
        'PerplexityBot',
      ],
      [
        'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
        'Bytespider',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15 (Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)',
        'Amazonbot',
      ],
      [
        'Mozilla/5.0 (compatible; Applebot-Extended/0.1; +http://www.apple.com/go/applebot)',
        'Applebot-Extended',
      ],
      ['cohere-ai', 'cohere-ai'],
      ['Mozilla/5.0 (compatible; Diffbot/3.0; +http://www.diffbot.com)', 'Diffbot'],
      [
        'Mozilla/5.0 (compatible; img2dataset; +https://github.com/rom1504/img2dataset)',
        'img2dataset',
      ],
      ['Omgilibot/0.3 +http://omgili.com', 'Omgili'],
      ['Mozilla/5.0 (compatible; YouBot (+http://www.you.com))', 'YouBot'],
      [
        'meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)',
        'Meta-ExternalAgent',
      ],
    ];
    for (const [ua, name] of cases) {
      assert.deepEqual(classifyAgent(ua), { kind: 'ai-crawler', name }, ua);
    }
  });

  it('recognises media monitors', () => {
    const cases: Array<[string, string]> = [
      ['Mozilla/5.0 (compatible; meltwater-crawler/1.0)', 'Meltwater'],
      ['Cision-Crawler/2.1', 'Cision'],
      ['Mozilla/5.0 (compatible; BrandwatchBot/1.0)', 'Brandwatch'],
      ['Talkwalker crawler', 'Talkwalker'],
      ['Mozilla/5.0 (compatible; Mentionbot/1.0; +https://mention.com)', 'Mention'],
      ['Signal AI News Ingest/3.0', 'Signal AI'],
      ['Newsbot/1.0 (+http://example.com/newsbot)', 'Newsbot'],
      ['LexisNexis Newsdesk Fetcher', 'LexisNexis'],
      ['Factiva Crawler 1.1', 'Factiva'],
      ['Dataminr/2.0', 'Dataminr'],
    ];
    for (const [ua, name] of cases) {
      assert.deepEqual(classifyAgent(ua), { kind: 'media-monitor', name }, ua);
    }
  });

  it('keeps search engines allowed', () => {
    const cases: Array<[string, string]> = [
      ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot'],
      [
        'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
        'Googlebot',
      ],
      [
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
        'Bingbot',
      ],
      ['DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', 'DuckDuckBot'],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
        'Applebot',
      ],
      ['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', 'YandexBot'],
      [
        'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
        'Baiduspider',
      ],
    ];
    for (const [ua, name] of cases) {
      const c = classifyAgent(ua);
      assert.deepEqual(c, { kind: 'search-engine', name }, ua);
      assert.equal(isAutomatedUse(c), false);
    }
  });

  it('does not treat facebookexternalhit or other link previewers as automated use', () => {
    for (const ua of [
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'Twitterbot/1.0',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'curl/8.5.0',
      'python-requests/2.32.3',
      'Wget/1.21.4',
      'Go-http-client/2.0',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
      '',
      'something unheard of',
    ]) {
      const c = classifyAgent(ua);
      assert.deepEqual(c, { kind: 'other', name: null }, ua);
      assert.equal(isAutomatedUse(c), false);
    }
    assert.deepEqual(classifyAgent(null), { kind: 'other', name: null });
    assert.deepEqual(classifyAgent(undefined), { kind: 'other', name: null });
  });

  it('classifies ordinary browsers as browsers', () => {
    for (const ua of [
      CHROME,
      SAFARI_IOS,
      FIREFOX,
      'Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.16',
    ]) {
      assert.deepEqual(classifyAgent(ua), { kind: 'browser', name: null }, ua);
    }
    // A phone model containing "bot" is still a browser.
    assert.equal(
      classifyAgent(
        'Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
      ).kind,
      'browser',
    );
  });

  it('is case-insensitive', () => {
    assert.deepEqual(classifyAgent('gptbot/1.0'), { kind: 'ai-crawler', name: 'GPTBot' });
    assert.deepEqual(classifyAgent('CLAUDEBOT'), { kind: 'ai-crawler', name: 'ClaudeBot' });
    assert.deepEqual(classifyAgent('MELTWATER'), { kind: 'media-monitor', name: 'Meltwater' });
    assert.deepEqual(classifyAgent('GOOGLEBOT/2.1'), { kind: 'search-engine', name: 'Googlebot' });
  });

  it('prefers automated-use tokens to search-engine tokens wherever they appear', () => {
    assert.equal(classifyAgent('Googlebot/2.1 GPTBot/1.0').kind, 'ai-crawler');
    assert.equal(classifyAgent('GPTBot/1.0 Googlebot/2.1').kind, 'ai-crawler');
    assert.deepEqual(classifyAgent('Applebot/0.1 Applebot-Extended/0.1'), {
      kind: 'ai-crawler',
      name: 'Applebot-Extended',
    });
  });

  it('recognises every listed token', () => {
    for (const [list, kind] of [
      [AI_CRAWLERS, 'ai-crawler'],
      [MEDIA_MONITORS, 'media-monitor'],
      [SEARCH_ENGINES, 'search-engine'],
    ] as const) {
      for (const [token] of list) {
        const c = classifyAgent(`Mozilla/5.0 (compatible; ${token}/1.0)`);
        assert.equal(c.kind, kind, token);
        assert.ok(c.name, token);
      }
    }
  });

  it('stays fast on long hostile input', () => {
    const ua = 'Mozilla/5.0 '.repeat(10_000);
    const t = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) classifyAgent(ua);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    assert.ok(ms < 500, `${ms} ms`);
  });
});
