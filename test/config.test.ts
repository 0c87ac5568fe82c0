import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultSearchWorkers, loadConfig } from '../src/config.ts';

test('defaults give a working SQLite site on 127.0.0.1:3000 with demo content', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.engine, 'sqlite');
  assert.equal(c.databaseUrl, null);
  assert.equal(c.demo, true);
  assert.equal(c.siteName, 'Broadsheet');
  assert.equal(c.baseUrl, 'http://127.0.0.1:3000');
  assert.equal(c.scheduleTz, 'Pacific/Auckland');
  assert.deepEqual(c.trustProxy, []);
  assert.match(c.dataDir, /data$/);
});

test('DATABASE_URL switches to PostgreSQL; BASE_URL loses its trailing slash', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://u@db:5432/x',
    BASE_URL: 'https://news.example/',
  });
  assert.equal(c.engine, 'postgres');
  assert.equal(c.baseUrl, 'https://news.example');
});

test('DEMO=0 and TRUST_PROXY lists are read', () => {
  const c = loadConfig({ DEMO: '0', TRUST_PROXY: '10.0.0.0/8, ::1/128 127.0.0.1' });
  assert.equal(c.demo, false);
  assert.deepEqual(c.trustProxy, ['10.0.0.0/8', '::1/128', '127.0.0.1']);
});

const bad: [Record<string, string>, RegExp][] = [
  [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a port number \(got "abc"\)$/],
  [{ PORT: '70000' }, /^Invalid configuration: PORT must be between 0 and 65535/],
  [
    { DATABASE_URL: 'mysql://x' },
    /^Invalid configuration: DATABASE_URL must start with postgres:\/\//,
  ],
  [
    { BASE_URL: 'news.example' },
    /^Invalid configuration: BASE_URL must be an absolute http\(s\) URL/,
  ],
  [
    { TRUST_PROXY: '10.0.0.0/40' },
    /^Invalid configuration: TRUST_PROXY must be a comma-separated list/,
  ],
  [
    { SCHEDULE_TZ: 'Mars/Olympus' },
    /^Invalid configuration: SCHEDULE_TZ must be an IANA time zone/,
  ],
  [{ DEMO: 'maybe' }, /^Invalid configuration: DEMO must be one of/],
  [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL /],
  [
    { SEARCH_WORKERS: 'two' },
    /^Invalid configuration: SEARCH_WORKERS must be a number of search threads/,
  ],
  [{ SEARCH_WORKERS: '1.5' }, /^Invalid configuration: SEARCH_WORKERS must be a whole number/],
  [{ SEARCH_WORKERS: '17' }, /^Invalid configuration: SEARCH_WORKERS must be at most 16/],
];
for (const [env, message] of bad) {
  test(`a bad ${Object.keys(env)[0]} stops start-up with one line naming it`, () => {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) =>
        err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'),
    );
  });
}

test('TRUST_PROXY entries must be real addresses or ranges', () => {
  for (const bad of ['1:2', '300.1.1.1', 'example.org', '10.0.0.0/33']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY/, bad);
  }
  assert.deepEqual(loadConfig({ TRUST_PROXY: '2001:db8::/32' }).trustProxy, ['2001:db8::/32']);
});

test("search threads: one per core but the event loop's, 2 to 4 by default; SEARCH_WORKERS sets them", () => {
  assert.deepEqual([1, 2, 3, 4, 8, 64].map(defaultSearchWorkers), [2, 2, 2, 3, 4, 4]);
  assert.equal(loadConfig({ SEARCH_WORKERS: '0' }).searchWorkers, 0);
  assert.equal(loadConfig({ SEARCH_WORKERS: '3' }).searchWorkers, 3);
  assert.ok(loadConfig({}).searchWorkers >= 1);
});

test('search budgets: time limit, rates per client and per licensed organisation, queue per client, kept answers', () => {
  assert.deepEqual(loadConfig({}).search, {
    timeLimitMs: 3000,
    reader: { perMinute: 60, burst: 20 },
    licensed: { perMinute: 600, burst: 120 },
    queuePerClient: 4,
    answerCache: 128,
  });
  const c = loadConfig({
    SEARCH_TIME_LIMIT_MS: '1500',
    SEARCH_RATE: '10',
    SEARCH_BURST: '5',
    SEARCH_RATE_LICENSED: '100',
    SEARCH_BURST_LICENSED: '50',
    SEARCH_QUEUE_PER_CLIENT: '2',
    SEARCH_ANSWER_CACHE: '0',
  });
  assert.deepEqual(c.search, {
    timeLimitMs: 1500,
    reader: { perMinute: 10, burst: 5 },
    licensed: { perMinute: 100, burst: 50 },
    queuePerClient: 2,
    answerCache: 0,
  });
  assert.throws(
    () => loadConfig({ SEARCH_ANSWER_CACHE: '-1' }),
    /SEARCH_ANSWER_CACHE must be 0 or more/,
  );
  assert.throws(
    () => loadConfig({ SEARCH_TIME_LIMIT_MS: '50' }),
    /SEARCH_TIME_LIMIT_MS must be at least 100/,
  );
  assert.throws(() => loadConfig({ SEARCH_RATE: '0' }), /SEARCH_RATE must be at least 1/);
  assert.throws(
    () => loadConfig({ SEARCH_QUEUE_PER_CLIENT: 'many' }),
    /SEARCH_QUEUE_PER_CLIENT must be a number of searches/,
  );
});
