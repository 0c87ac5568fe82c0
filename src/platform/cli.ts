/** The shape of a CLI command; features export their commands and src/cli.ts lists them. */
export interface Command {
  /** e.g. `cables import` */
  name: string;
  usage: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {}
