/** `broadsheet <command>`: the same services as the web app, from the command line. */
import { ConfigError, loadConfig } from './config.ts';
import { connect } from './platform/db.ts';
import { UsageError, type Command } from './platform/cli.ts';
import { loadDemoContent } from './demo.ts';
import { commandContext, featureCommands, migrate } from './features.ts';

const core: Command[] = [
  {
    name: 'serve',
    usage: 'broadsheet serve',
    summary: 'Run the web site (same as npm start).',
    async run() {
      const { serve } = await import('./main.ts');
      await serve();
      return await new Promise<number>(() => {}); // runs until a signal stops it
    },
  },
  {
    name: 'migrate',
    usage: 'broadsheet migrate',
    summary: 'Apply pending database migrations and print what was applied.',
    async run() {
      const config = loadConfig();
      const db = await connect(config);
      try {
        const { applied } = await migrate(db);
        console.log(
          applied.length
            ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
            : 'The database is up to date.',
        );
        return 0;
      } finally {
        await db.close();
      }
    },
  },
  {
    name: 'demo',
    usage: 'broadsheet demo',
    summary: 'Load the demo content into an empty database.',
    async run() {
      const config = loadConfig();
      const db = await connect(config);
      try {
        await migrate(db);
        const loaded = await loadDemoContent(db.kysely);
        console.log(
          loaded
            ? 'Demo content loaded.'
            : 'The database already has content; nothing was changed.',
        );
        return 0;
      } finally {
        await db.close();
      }
    },
  },
];

async function allCommands(): Promise<Command[]> {
  return [...core, ...(await featureCommands())];
}

function help(commands: Command[]): string {
  return [
    'Usage: broadsheet <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.usage}\n      ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const commands = await allCommands();
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    console.log(help(commands));
    return argv.length === 0 ? 2 : 0;
  }
  // Longest matching command name wins: `cables import` before `cables`.
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const cmd = sorted.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!cmd) {
    console.error(`Unknown command: ${argv.join(' ')}\n\n${help(commands)}`);
    return 2;
  }
  const rest = argv.slice(cmd.name.split(' ').length);
  try {
    return await cmd.run(rest, commandContext);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    if (err instanceof UsageError) {
      console.error(`${err.message}\nUsage: ${cmd.usage}`);
      return 2;
    }
    console.error(`broadsheet ${cmd.name}: ${(err as Error).message}`);
    return 1;
  }
}

if (/(cli\.ts|cli\.js|broadsheet|broadsheet\.js)$/.test(process.argv[1] ?? '')) {
  const code = await main(process.argv.slice(2));
  if (argvIsServe()) {
    // serve keeps running
  } else {
    process.exitCode = code;
  }
}

function argvIsServe(): boolean {
  return process.argv[2] === 'serve';
}
