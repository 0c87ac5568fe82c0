/** `broadsheet cables …`: parse, canonical-id and import. */
import { z } from 'zod';
import { basename } from 'node:path';
import { UsageError, type Command } from '../platform/cli.ts';
import { canonicalId, parseCable, type ParseHints } from './parse/index.ts';
import { readCables, type ReaderPosition } from './readers.ts';
import type { ImportProgress, ImportSummary } from './importer.ts';
import { importOutcome } from './import-outcome.ts';

const FORMATS = ['auto', 'csv', 'jsonl', 'text', 'html'] as const;

interface Parsed {
  options: Record<string, string | true>;
  positionals: string[];
}

/** `--name value`, `--name=value` and bare flags (`--flag`); `-` alone is a positional. */
export function splitArgs(args: string[], withValue: string[], flags: string[] = []): Parsed {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (flags.includes(name)) {
        options[name] = true;
        continue;
      }
      if (!withValue.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    } else positionals.push(a);
  }
  return { options, positionals };
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new UsageError(
      r.error.issues
        .map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message)
        .join('\n'),
    );
  return r.data;
}

const formatSchema = z
  .enum(FORMATS, { message: `--format must be one of ${FORMATS.join(', ')}` })
  .default('auto');
const intOption = (name: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const parseArgs = z.object({
  format: formatSchema,
  'reference-id': z
    .string()
    .trim()
    .min(1)
    .refine((v) => canonicalId(v) !== null, {
      message: '--reference-id is not a cable reference id (like 09LIMA1669)',
    })
    .optional(),
  year: intOption('--year', 1966, 2030).optional(),
  files: z.array(z.string().min(1)).min(1, 'give at least one FILE, or - for standard input'),
});

function where(source: string, p: ReaderPosition): string {
  return `${source} record ${p.index + 1} (line ${p.line}, byte ${p.byteOffset})`;
}

const parseCommand: Command = {
  name: 'cables parse',
  usage:
    'broadsheet cables parse [--format auto|csv|jsonl|text|html] [--reference-id ID] [--year YYYY] FILE...|-',
  summary:
    'Print each cable as one JSON object per line (the parser fields); warnings go to stderr.',
  async run(args) {
    const { options, positionals } = splitArgs(args, ['format', 'reference-id', 'year']);
    const a = validate(parseArgs, { ...options, files: positionals });
    const hints: ParseHints = {};
    if (a['reference-id']) hints.referenceId = a['reference-id'];
    if (a.year) hints.year = a.year;
    let problems = 0;
    const out = process.stdout;
    for (const file of a.files) {
      const input = file === '-' ? process.stdin : file;
      const name = file === '-' ? 'stdin' : file;
      for await (const item of readCables(input, { format: a.format, name })) {
        if (!item.ok) {
          problems++;
          console.error(`${where(name, item.position)}: skipped: ${item.error}`);
          continue;
        }
        const parsed = parseCable(item.raw, hints);
        for (const w of parsed.warnings)
          console.error(`${where(name, item.position)}: warning: ${w}`);
        if (!out.write(JSON.stringify(parsed) + '\n'))
          await new Promise((r) => out.once('drain', r));
      }
    }
    return problems ? 1 : 0;
  },
};

const canonicalCommand: Command = {
  name: 'cables canonical-id',
  usage: 'broadsheet cables canonical-id ID...',
  summary: 'Print the canonical form of each cable reference id (05RIO123 → 05RIODEJANEIRO123).',
  async run(args) {
    const ids = validate(z.array(z.string()).min(1, 'give at least one reference id'), args);
    let bad = 0;
    for (const id of ids) {
      const c = canonicalId(id);
      if (c) console.log(c);
      else {
        bad++;
        console.log('');
        console.error(`not a cable reference id: ${id}`);
      }
    }
    return bad ? 1 : 0;
  },
};

const importArgs = z.object({
  format: formatSchema,
  'batch-size': intOption('--batch-size', 1, 50000).optional(),
  workers: intOption('--workers', 0, 64).optional(),
  files: z.array(z.string().min(1)).min(1, 'give at least one FILE to import'),
});

const mb = (n: number) => n / 1e6;

function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
    : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Progress as a bar (terminal) or as plain lines (a pipe or a file), on stderr. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update(p: ImportProgress): void;
  done(): void;
} {
  const tty = !!stream.isTTY;
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      if (p.indexing) {
        const { indexed, total } = p.indexing;
        const pct = (total ? (indexed / total) * 100 : 100).toFixed(1).padStart(5);
        const tail = `search index ${pct}%  ${indexed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} cables`;
        if (tty) {
          stream.write(`\r${tail}\x1b[K`);
          drawn = true;
        } else {
          const now = Date.now();
          if (now - lastLine < 1000 && indexed < total) return;
          lastLine = now;
          stream.write(`progress ${tail}\n`);
        }
        return;
      }
      const rate = p.seconds > 0 ? mb(p.bytesThisRun) / p.seconds : 0;
      const left = p.bytesTotal - p.bytesDone;
      const eta = rate > 0 ? mb(left) / rate : Infinity;
      const frac = p.bytesTotal ? p.bytesDone / p.bytesTotal : 1;
      const pct = (frac * 100).toFixed(1).padStart(5);
      const counts = `${p.records.toLocaleString('en-US')} cables`;
      const tail = `${pct}%  ${counts}  ${rate.toFixed(1)} MB/s  ETA ${duration(eta)}`;
      if (tty) {
        const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - tail.length - 4));
        const full = Math.round(frac * width);
        stream.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${tail}\x1b[K`);
        drawn = true;
      } else {
        const now = Date.now();
        if (now - lastLine < 1000) return;
        lastLine = now;
        stream.write(
          `progress ${tail}  new ${p.new} updated ${p.updated} unchanged ${p.unchanged} skipped ${p.skipped}\n`,
        );
      }
    },
    done() {
      if (tty && drawn) stream.write('\n');
    },
  };
}

export function formatSummary(s: ImportSummary): string {
  const o = importOutcome(s);
  const lines = [
    `${o.ok ? 'Imported' : 'Nothing imported from'} ${s.files.length} file${s.files.length === 1 ? '' : 's'} in ${s.seconds.toFixed(1)} s: ${o.counts}`,
  ];
  if (s.indexed)
    lines.push(`  search index: ${s.indexed} cables indexed in ${s.indexSeconds.toFixed(1)} s.`);
  if (s.startFiles?.written.length)
    lines.push(
      `  written for the site to load at start: ${s.startFiles.written.map((f) => basename(f)).join(', ')}, ${s.startFiles.seconds.toFixed(1)} s after the load.`,
    );
  for (const f of s.files) {
    if (f.resumedFrom !== null)
      lines.push(`  ${f.path}: resumed at byte ${f.resumedFrom} after an interrupted run.`);
  }
  for (const [reason, count] of o.reasons) lines.push(`  skipped ${count}: ${reason}`);
  if (o.failure) lines.push(o.failure);
  return lines.join('\n');
}

const importCommand: Command = {
  name: 'cables import',
  usage:
    'broadsheet cables import [--format auto|csv|jsonl|text|html] [--batch-size N] [--workers N] FILE...',
  summary:
    'Store cables (resumable; running it again changes nothing); shows progress and a summary.',
  async run(args, ctx) {
    const { options, positionals } = splitArgs(args, ['format', 'batch-size', 'workers']);
    const a = validate(importArgs, { ...options, files: positionals });
    const { existsSync, statSync } = await import('node:fs');
    for (const f of a.files) {
      if (!existsSync(f) || !statSync(f).isFile()) throw new UsageError(`no such file: ${f}`);
    }
    const { loadConfig } = await import('../config.ts');
    const { connect } = await import('../platform/db.ts');
    const { importInWorker } = await import('./import-runner.ts');
    const db = await connect(loadConfig());
    const progress = progressPrinter();
    try {
      await ctx.migrate(db);
      const summary = await importInWorker(db, a.files, {
        // The site is not running (or reloads them): the hooks write what it loads at start.
        startFilesDir: db.target.dataDir,
        format: a.format,
        batchSize: a['batch-size'],
        workers: a.workers,
        onProgress: (p) => progress.update(p),
        progressIntervalMs: process.stderr.isTTY ? 200 : 500,
      });
      progress.done();
      for (const f of summary.files) {
        for (const r of f.skippedRecords)
          console.error(`${where(f.path, r.position)}: skipped: ${r.reason}`);
        if (f.skipped > f.skippedRecords.length)
          console.error(
            `${f.path}: … and ${f.skipped - f.skippedRecords.length} more skipped records`,
          );
      }
      const outcome = importOutcome(summary);
      if (!outcome.ok) {
        console.error(formatSummary(summary));
        return 1;
      }
      console.log(formatSummary(summary));
      return 0;
    } finally {
      progress.done();
      await db.close();
    }
  },
};

export const cablesCommands: Command[] = [parseCommand, canonicalCommand, importCommand];
