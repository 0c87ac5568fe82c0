/** `broadsheet users …`: create accounts (the first admin) and list them. */
import { loadConfig } from '../config.ts';
import { connect } from '../platform/db.ts';
import { createMailer } from '../platform/mail.ts';
import { UsageError, type Command } from '../platform/cli.ts';
import { createUser, ROLES } from './service.ts';
import { listMembers } from './store.ts';

/** Reads a password from standard input: everything up to the first line break. */
async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

function parseAddArgs(args: string[]): { email: string; role: string; passwordStdin: boolean } {
  let role = 'reader';
  let passwordStdin = false;
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--password-stdin') passwordStdin = true;
    else if (a === '--role') {
      if (args[i + 1] === undefined) throw new UsageError('--role needs a value');
      role = args[++i];
    } else if (a.startsWith('--role=')) role = a.slice('--role='.length);
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else positionals.push(a);
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one email address');
  if (!ROLES.includes(role as never))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return { email: positionals[0], role, passwordStdin };
}

export interface UsersIo {
  stdin: NodeJS.ReadableStream;
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo: UsersIo = {
  stdin: process.stdin,
  out: (l) => console.log(l),
  err: (l) => console.error(l),
};

export function memberCommandsWith(io: UsersIo, env: NodeJS.ProcessEnv = process.env): Command[] {
  return [
    {
      name: 'users add',
      usage: 'broadsheet users add EMAIL [--role reader|editor|admin] [--password-stdin]',
      summary:
        'Create an account (or change its role); prints a one-time login link unless a password is given on stdin.',
      async run(args, ctx) {
        const opts = parseAddArgs(args);
        const password = opts.passwordStdin ? await readPassword(io.stdin) : null;
        const config = loadConfig(env);
        const db = await connect(config);
        const mailer = createMailer(config);
        try {
          await ctx.migrate(db);
          const r = await createUser(
            { db: db.kysely, mailer, siteName: config.siteName, baseUrl: config.baseUrl },
            { email: opts.email, role: opts.role, password },
          );
          if (!r.ok) {
            io.err(r.message);
            return 1;
          }
          io.out(r.message);
          return 0;
        } finally {
          await mailer.close();
          await db.close();
        }
      },
    },
    {
      name: 'users list',
      usage: 'broadsheet users list',
      summary: 'List accounts with their role, confirmation and declared use.',
      async run(args, ctx) {
        if (args.length) throw new UsageError('users list takes no arguments');
        const config = loadConfig(env);
        const db = await connect(config);
        try {
          await ctx.migrate(db);
          const rows = await listMembers(db.kysely);
          if (!rows.length) {
            io.out(
              'No accounts yet. Create the first administrator with: broadsheet users add EMAIL --role admin',
            );
            return 0;
          }
          const table = [
            ['ID', 'EMAIL', 'ROLE', 'CONFIRMED', 'USE', 'CREATED'],
            ...rows.map((m) => [
              String(m.id),
              m.email,
              m.role,
              m.email_verified_at ? 'yes' : 'no',
              m.declared_use === 'work'
                ? `work${m.work_organisation ? ` (${m.work_organisation})` : ''}`
                : (m.declared_use ?? '-'),
              m.created_at.slice(0, 10),
            ]),
          ];
          const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
          for (const r of table)
            io.out(
              r
                .map((c, i) => c.padEnd(widths[i]))
                .join('  ')
                .trimEnd(),
            );
          return 0;
        } finally {
          await db.close();
        }
      },
    },
  ];
}

export const memberCommands: Command[] = memberCommandsWith(processIo);
