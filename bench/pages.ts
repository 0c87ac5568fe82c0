/**
 * `npm run bench -- pages [--seconds 5] [--rounds 3] [--connections 10] [--encoding br]`
 *
 * Broadsheet's pages against the machine's limit for the same bytes, in one run. The site runs as
 * its own process on SQLite with the demo content, no cache in front. A plain Node `http` server
 * (the peer) sends the exact bytes Broadsheet answered for each page (the same content-type and
 * content-encoding), and both are measured in alternating rounds with autocannon, so that a busy
 * machine slows both alike. Printed: req/s, p50/p99 for both and Broadsheet's share of the peer.
 *
 * Cases: the story page and the home page for an anonymous reader (target ≥ 50 %), and the story
 * page for a signed-in member (target ≥ 25 %). When nginx is installed, the story page is also
 * measured through nginx as a caching reverse proxy (the configuration of docs/operations.md).
 *
 * Requests ask for `accept-encoding: br, gzip` as browsers do (`--encoding identity` for none).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort, machine, ROOT, startServer } from './_server.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    encoding: { type: 'string', default: 'br, gzip' },
    /** Measure only the cases whose name starts with this (e.g. `story`, `home`). */
    only: { type: 'string', default: '' },
  },
});
const duration = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const acceptEncoding = values.encoding === 'identity' ? undefined : values.encoding;
if (!(duration > 0 && rounds > 0 && connections > 0)) {
  console.error('--seconds, --rounds and --connections must be positive numbers');
  process.exit(2);
}

interface Captured {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request, the body as it came over the wire (not decompressed). */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<Captured>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

const dataDir = mkdtempSync(join(tmpdir(), 'broadsheet-bench-'));
const env = { DATA_DIR: dataDir, DATABASE_URL: '', DEMO: '1' };
const server = await startServer(env);
const children: ChildProcess[] = [];
const cleanup = [dataDir];
let peer: ReturnType<typeof createServer> | null = null;
try {
  const origin = new URL(server.url).origin;
  const home = await (await fetch(server.url + '/')).text();
  const storyPath = /href="(\/stories\/cablegate\/[^"]+)"/.exec(home)?.[1];
  if (!storyPath) throw new Error('no Cablegate story on the home page');

  // A signed-in member: an account made with the CLI, signed in through the login form.
  const email = 'bench-reader@example.org';
  const password = 'bench reader password 2026';
  const add = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'users', 'add', email, '--password-stdin'],
    { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, input: password + '\n' },
  );
  if (add.status !== 0) throw new Error('users add failed: ' + add.stderr.toString());
  const signIn = await raw(
    server.url + '/login',
    {
      origin,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/x-www-form-urlencoded',
      // A client-made double-submit token as well, for versions that still ask for one.
      cookie: 'bs_csrf=' + 'b'.repeat(40),
    },
    'POST',
    new URLSearchParams({ email, password, _csrf: 'b'.repeat(40) }).toString(),
  );
  const session = String(signIn.headers['set-cookie'] ?? '').match(/bs_session=([^;]+)/)?.[1];
  if (!session) throw new Error(`could not sign in (status ${signIn.status})`);

  const common: Record<string, string> = acceptEncoding
    ? { 'accept-encoding': acceptEncoding }
    : {};
  // The member's browser keeps the CSRF cookie its first page set, and sends it back, as browsers do.
  const firstPage = await raw(server.url + storyPath, { cookie: `bs_session=${session}` });
  const csrf = String(firstPage.headers['set-cookie'] ?? '').match(/bs_csrf=([^;]+)/)?.[1];
  const memberCookie = `bs_session=${session}` + (csrf ? `; bs_csrf=${csrf}` : '');
  const cases = [
    { name: 'story', path: storyPath, headers: common, target: 0.5 },
    { name: 'home', path: '/', headers: common, target: 0.5 },
    {
      name: 'story, member',
      path: storyPath,
      headers: { ...common, cookie: memberCookie },
      target: 0.25,
    },
  ];

  // What Broadsheet answered, sent by the peer byte for byte.
  const answers = new Map<string, Captured>();
  for (const c of cases) {
    const got = await raw(server.url + c.path, c.headers);
    if (got.status !== 200) throw new Error(`${c.name}: status ${got.status}`);
    answers.set(c.name, got);
  }
  peer = createServer((req, res) => {
    const got = answers.get(decodeURIComponent((req.url ?? '/').slice(1))) ?? answers.get('story')!;
    const headers: Record<string, string | number> = {
      'content-type': String(got.headers['content-type']),
      'content-length': got.body.length,
    };
    if (got.headers['content-encoding'])
      headers['content-encoding'] = String(got.headers['content-encoding']);
    res.writeHead(200, headers);
    res.end(got.body);
  });
  const peerPort = await freePort();
  await new Promise<void>((r) => peer!.listen(peerPort, '127.0.0.1', r));
  const peerUrl = `http://127.0.0.1:${peerPort}`;

  // nginx as a caching reverse proxy in front, when it is installed.
  const nginxBin = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) =>
    existsSync(p),
  );
  let nginxUrl: string | null = null;
  if (nginxBin) {
    // Its own directory, readable by the workers (they drop to another user when started as root).
    const prefix = mkdtempSync(join(tmpdir(), 'broadsheet-bench-nginx-'));
    cleanup.push(prefix);
    chmodSync(prefix, 0o755);
    mkdirSync(join(prefix, 'cache'), { mode: 0o777 });
    chmodSync(join(prefix, 'cache'), 0o777);
    const port = await freePort();
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream broadsheet { server ${new URL(server.url).host}; keepalive 32; }
  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=pages:10m max_size=1g inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://broadsheet;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_cache pages;
      proxy_cache_key $scheme$request_method$host$request_uri$http_accept_encoding;
      proxy_cache_bypass $cookie_bs_session;
      proxy_no_cache $cookie_bs_session;
      proxy_cache_lock on;
      proxy_cache_use_stale updating error timeout;
      proxy_cache_background_update on;
      add_header X-Cache $upstream_cache_status always;
    }
  }
}
`,
    );
    const child = spawn(
      nginxBin,
      ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
    nginxUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      let status = 0;
      try {
        status = (await raw(nginxUrl + storyPath, common)).status;
        if (status === 200) break;
      } catch {
        /* not up yet */
      }
      if (i > 50)
        throw new Error(`nginx did not start (status ${status}); see ${prefix}/error.log`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  console.log(`machine: ${machine()}`);
  console.log(`load average before: ${load()}`);
  console.log(
    `engine: sqlite, ${connections} connections, ${rounds} rounds of ${duration} s per side and case, ` +
      `accept-encoding: ${acceptEncoding ?? 'identity'}`,
  );
  for (const c of cases) {
    const a = answers.get(c.name)!;
    console.log(
      `  ${c.name}: ${c.path}, ${a.body.length} bytes${a.headers['content-encoding'] ? ` (${a.headers['content-encoding']})` : ''}, cache-control: ${a.headers['cache-control']}${a.headers['set-cookie'] ? ', sets a cookie' : ''}`,
    );
  }
  console.log('');

  // A connection error now and then (seen through nginx on a loaded machine, about one in 30,000
  // requests) is reported at the end; more than one in 10,000, or any non-2xx answer, stops the run.
  const errors: string[] = [];
  const run = async (url: string, headers: Record<string, string>) => {
    const r = await autocannon({ url, connections, duration, headers });
    const what = `${url}: ${r.errors} errors (${r.timeouts} timeouts, ${r.resets} resets), ${r.non2xx} non-2xx, of ${r.requests.total}`;
    if (r.non2xx || r.errors * 10_000 > r.requests.total) throw new Error(what);
    if (r.errors) errors.push(what);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (...cols: (string | number)[]) =>
    console.log(
      cols.map((c, i) => (i === 0 ? String(c).padEnd(22) : String(c).padStart(9))).join(' '),
    );
  row('case', 'req/s', 'p50 ms', 'p99 ms', 'peer req/s', 'p50 ms', 'p99 ms', 'share');

  const measured: {
    name: string;
    url: string;
    headers: Record<string, string>;
    target?: number;
  }[] = cases.map((c) => ({
    name: c.name,
    url: server.url + c.path,
    headers: c.headers,
    target: c.target,
  }));
  if (nginxUrl)
    measured.push({ name: 'story, via nginx', url: nginxUrl + storyPath, headers: common });
  const shares: string[] = [];
  for (const m of measured.filter((x) => x.name.startsWith(values.only ?? ''))) {
    const peerPath = `${peerUrl}/${encodeURIComponent(m.name === 'story, via nginx' ? 'story' : m.name)}`;
    // Warm-up: the JIT, SQLite's page cache, the render cache.
    await autocannon({ url: m.url, connections, duration: 1, headers: m.headers });
    await autocannon({ url: peerPath, connections, duration: 1 });
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const b = await run(m.url, m.headers);
      const p = await run(peerPath, {});
      ours.push(b.rps);
      theirs.push(p.rps);
      row(
        `${m.name} #${i + 1}`,
        b.rps.toFixed(0),
        b.p50,
        b.p99,
        p.rps.toFixed(0),
        p.p50,
        p.p99,
        `${((100 * b.rps) / p.rps).toFixed(1)} %`,
      );
    }
    const share = median(ours.map((o, i) => o / theirs[i]));
    shares.push(
      `${m.name}: median share ${(100 * share).toFixed(1)} %` +
        (m.target
          ? ` (target ≥ ${m.target * 100} %: ${share >= m.target ? 'met' : 'not met'})`
          : ''),
    );
  }
  console.log('');
  for (const s of shares) console.log(s);
  if (!nginxBin)
    console.log(
      'story via nginx: skipped, nginx is not installed (Debian: apt-get install -y nginx)',
    );
  for (const e of errors) console.log(`connection errors: ${e}`);
  console.log(`load average after: ${load()}`);
  const mem = server.memory();
  console.log(`server RSS ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  peer?.close();
  await server.stop();
  if (!process.env.BENCH_KEEP) for (const d of cleanup) rmSync(d, { recursive: true, force: true });
}
