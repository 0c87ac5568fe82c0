/** `npm start`: serve the site until SIGINT/SIGTERM, then finish in-flight requests and exit. */
import { ConfigError, loadConfig } from './config.ts';
import { boot } from './server.ts';
import { holdDataDir } from './platform/backup.ts';

export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  let running;
  try {
    running = await boot(config);
  } catch (err) {
    const where =
      config.engine === 'postgres'
        ? 'PostgreSQL at DATABASE_URL'
        : `the SQLite database in ${config.dataDir}`;
    console.error(`Could not start: ${(err as Error).message} (using ${where})`);
    process.exit(1);
  }
  const { app } = running;
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    console.error(`Could not listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    await running.close();
    process.exit(1);
  }
  const releaseDataDir = holdDataDir(config);
  console.log(
    `${config.siteName} is running at ${config.baseUrl} (database: ${config.engine}${config.engine === 'sqlite' ? `, ${running.db.file}` : ''})`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await running.close();
    releaseDataDir();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/main.ts')) {
  await serve();
}
