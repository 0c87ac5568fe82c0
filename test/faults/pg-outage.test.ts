/**
 * Losing PostgreSQL: a TCP proxy between the app and the database is stopped (every connection cut,
 * new ones refused) and started again. During the outage requests that need the database get a
 * 503 quickly, without internals; when the proxy is back the same app answers again by itself.
 * The limits are generous (an outage answer within 5 s; recovery within 20 s).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { ENGINE, testDatabase } from '../helpers.ts';
import { connect } from '../../src/platform/db.ts';
import { migrate } from '../../src/features.ts';
import { loadDemoContent } from '../../src/demo.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { freePort } from './util.ts';

/** A TCP proxy that can be cut and restored on the same port. */
function tcpProxy(port: number, target: { host: string; port: number }) {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    async start() {
      server = createServer((client) => {
        const upstream = createConnection(target);
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = null;
    },
  };
}

describe('PostgreSQL outage', () => {
  test(
    'requests get fast 503s while the database is gone, and succeed again when it returns',
    { skip: ENGINE !== 'postgres' && 'needs PostgreSQL (set DATABASE_URL)', timeout: 120_000 },
    async () => {
      const tdb = await testDatabase();
      const direct = await connect(tdb.config);
      await migrate(direct);
      await loadDemoContent(direct.kysely);
      await direct.close();

      const url = new URL(tdb.config.databaseUrl!);
      const proxyPort = await freePort();
      const proxy = tcpProxy(proxyPort, { host: url.hostname, port: Number(url.port || 5432) });
      await proxy.start();
      url.host = `127.0.0.1:${proxyPort}`;
      const config = loadConfig({
        DATABASE_URL: url.toString(),
        LOG_LEVEL: 'silent',
        DEMO: '0',
        DATA_DIR: tdb.config.dataDir,
      });
      const db = await connect(config);
      const app = await buildApp({ config, db });
      const paths = ['/healthz', '/search?q=peru', '/api/search?q=peru', '/cables/09LIMA1669'];
      try {
        for (const p of paths) {
          const res = await app.inject(p);
          assert.ok(res.statusCode < 500, `${p} before the outage: ${res.statusCode}`);
        }

        await proxy.stop();
        for (let round = 0; round < 2; round++) {
          for (const p of paths) {
            const t0 = Date.now();
            const res = await app.inject(p);
            const ms = Date.now() - t0;
            assert.equal(
              res.statusCode,
              503,
              `${p} during the outage: ${res.statusCode} ${res.body.slice(0, 200)}`,
            );
            assert.ok(ms < 5000, `${p} answered in ${ms} ms`);
            assert.ok(
              !/ECONNREFUSED|Connection terminated|stack/i.test(res.body),
              `${p}: no internals`,
            );
          }
        }

        await proxy.start();
        const deadline = Date.now() + 20_000;
        let last = 0;
        for (const p of paths) {
          for (;;) {
            last = (await app.inject(p)).statusCode;
            if (last < 500 || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 250));
          }
          assert.ok(last < 500, `${p} after the database returned: ${last}`);
        }
      } finally {
        await app.close();
        await db.close();
        await proxy.stop();
        await tdb.cleanup();
      }
    },
  );
});
