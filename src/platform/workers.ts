/**
 * Starting worker threads from this code base. Running from TypeScript sources (tsx), a worker
 * does not inherit the loader the main thread was started with (`--import tsx` in execArgv is not
 * applied to workers on Node 20: the worker fails to load), so a worker starts from a small module
 * that registers tsx and then imports the real entry. Built .js files are started directly.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The URL to start `file` (a sibling of `from`, given with its .ts name) as a worker. */
export function workerEntry(from: string, file: string): URL {
  if (!from.endsWith('.ts')) return new URL(file.replace(/\.ts$/, '.js'), from);
  const target = new URL(file, from).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(target)});\n`;
  return new URL('data:text/javascript,' + encodeURIComponent(code));
}

/** A worker running `file` (relative to the module `from`, usually import.meta.url). */
export function startWorker(from: string, file: string, options?: WorkerOptions): Worker {
  return new Worker(workerEntry(from, file), options);
}

/**
 * The URL to import `file` (a sibling of `from`, given with its .ts name) at run time: the source
 * under tsx, the compiled .js sibling in a build (the build makes every src/**\/*-hooks.ts an entry
 * of its own, as it does workers).
 */
export function moduleEntry(from: string, file: string): URL {
  return from.endsWith('.ts') ? new URL(file, from) : new URL(file.replace(/\.ts$/, '.js'), from);
}
