// Cable reader (and parser) throughput on one core.
// `npm run bench -- parse [--count N] [--seed S] [--file existing.csv]`
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGeneratedCsv } from '../tools/generate-cables.ts';
import { readCables } from '../src/cables/readers.ts';
import type { ParseHints, RawCable } from '../src/cables/parse/types.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const count = Number(arg('count') ?? 20000);
const seed = Number(arg('seed') ?? 1);
const given = arg('file');
const mb = (n: number) => n / 1e6;
const rssMb = () => process.resourceUsage().maxRSS / 1024;

let dir: string | null = null;
let file: string;
if (given) {
  file = given;
} else {
  dir = mkdtempSync(path.join(tmpdir(), 'bench-parse-'));
  file = path.join(dir, 'cables.csv');
  const t0 = performance.now();
  const { rows, bytes } = await writeGeneratedCsv(file, { count, seed });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `generate  ${rows} rows  ${mb(bytes).toFixed(1)} MB  ${s.toFixed(2)} s  ${(mb(bytes) / s).toFixed(1)} MB/s  ${(rows / s).toFixed(0)} rows/s`,
  );
}
const size = statSync(file).size;

function report(label: string, seconds: number, cables: number, errors: number): void {
  console.log(
    `${label.padEnd(14)} ${mb(size).toFixed(1)} MB  ${seconds.toFixed(2)} s  ${(mb(size) / seconds).toFixed(1)} MB/s  ` +
      `${(cables / seconds).toFixed(0)} cables/s  ${errors} errors  peak RSS ${rssMb().toFixed(0)} MB`,
  );
}

try {
  // Reader alone (warm the file cache first so the figure is the parser, not the disk).
  for await (const _ of readCables(file, { format: 'csv' })) void _;
  let t0 = performance.now();
  let n = 0;
  let errors = 0;
  for await (const item of readCables(file, { format: 'csv' })) {
    if (item.ok) n++;
    else errors++;
  }
  report('reader', (performance.now() - t0) / 1000, n, errors);

  const here = path.dirname(fileURLToPath(import.meta.url));
  const parserPath = path.join(here, '..', 'src', 'cables', 'parse', 'index.ts');
  if (!existsSync(parserPath)) {
    console.log('reader+parser  skipped: src/cables/parse/index.ts is missing');
  } else {
    const mod = (await import(parserPath)) as {
      parseCable?: (raw: RawCable, hints?: ParseHints) => unknown;
    };
    if (typeof mod.parseCable !== 'function') {
      console.log('reader+parser  skipped: src/cables/parse/index.ts has no parseCable export');
    } else {
      const parseCable = mod.parseCable;
      t0 = performance.now();
      n = 0;
      errors = 0;
      let parseErrors = 0;
      for await (const item of readCables(file, { format: 'csv' })) {
        if (!item.ok) {
          errors++;
          continue;
        }
        try {
          parseCable(item.raw, {});
          n++;
        } catch {
          parseErrors++;
        }
      }
      report('reader+parser', (performance.now() - t0) / 1000, n, errors + parseErrors);
      if (parseErrors) console.log(`  (${parseErrors} cables made parseCable throw)`);

      // The parser alone, in CPU time of this process (other load on the machine does not count):
      // records read into memory first, characters of header + body per CPU second, best of three.
      const raws: RawCable[] = [];
      let chars = 0;
      for await (const item of readCables(file, { format: 'csv' })) {
        if (!item.ok) continue;
        raws.push(item.raw);
        chars += (item.raw.header?.length ?? 0) + item.raw.body.length;
      }
      let best = Infinity;
      let wall = Infinity;
      for (let pass = 0; pass < 3; pass++) {
        const c0 = process.cpuUsage();
        const w0 = performance.now();
        for (const raw of raws) parseCable(raw, {});
        const c = process.cpuUsage(c0);
        best = Math.min(best, (c.user + c.system) / 1e6);
        wall = Math.min(wall, (performance.now() - w0) / 1000);
      }
      console.log(
        `parser (CPU)   ${mb(chars).toFixed(1)} M chars  ${best.toFixed(2)} s CPU (${wall.toFixed(2)} s wall)  ` +
          `${(mb(chars) / best).toFixed(1)} MB/s of CPU time, one core  ${(raws.length / best).toFixed(0)} cables/s`,
      );
    }
  }
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
