/**
 * Background threads at a lower CPU priority. On Linux a nice value belongs to each thread:
 * `setpriority(PRIO_PROCESS, 0, n)` (what `os.setPriority(0, n)` calls) changes only the calling
 * thread, so a worker thread that calls `lowerThisThread(n)` runs at nice n while the event loop
 * and the other threads stay at the process's own priority. On a 2-core machine this is what lets
 * pages and simple searches win the CPU from an import, a heavy search or a sitemap build.
 *
 * Elsewhere (macOS, Windows) the same call would change the whole process, so it is not made
 * there: nothing changes and nothing fails. Only lowering is asked for (raising needs privileges),
 * so a thread never gets back a priority it gave up; a thread that does both kinds of work stays
 * at the process's priority.
 *
 * Threads started later by a lowered thread inherit its nice value. Node's shared thread pool
 * (file system, zlib, crypto callbacks) is started by the main thread at start-up, before any
 * worker exists, so it keeps the process's priority; work that should run low (compressing a
 * sitemap) is therefore done synchronously on the lowered thread itself.
 *
 * With PostgreSQL the work of a background connection (an import's inserts and index updates)
 * runs in its server process, not in this thread; when the server runs on the same machine and
 * this process may (root, or PostgreSQL's own user), that server process is lowered too
 * (lowerProcess, from src/platform/db.ts). A remote server, or one this process may not touch,
 * keeps its priority.
 */
import { readFileSync } from 'node:fs';
import { getPriority, platform, setPriority } from 'node:os';
import { isIP } from 'node:net';

/** Nice value of the import thread, the heavy-search threads and the document builder. */
export const BACKGROUND_NICE = 15;

/** Whether nice values are per thread here (Linux). */
export const perThreadPriority = platform() === 'linux';

/**
 * Lowers the calling thread's CPU priority to nice `nice` (never raises it). Returns the thread's
 * nice value afterwards, or null where priorities are per process (nothing was changed).
 */
export function lowerThisThread(nice: number): number | null {
  if (!perThreadPriority) return null;
  try {
    if (getPriority(0) < nice) setPriority(0, nice);
  } catch {
    // Not allowed (a sandbox without setpriority): the thread keeps its priority.
  }
  return threadNice();
}

/** The calling thread's own nice value as the kernel has it (Linux; null elsewhere). */
export function threadNice(): number | null {
  if (!perThreadPriority) return null;
  try {
    return niceOfStat(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The nice field (19th) of a /proc/<pid>/task/<tid>/stat line. The command name (2nd field, in
 * parentheses) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function niceOfStat(stat: string): number | null {
  const end = stat.lastIndexOf(')');
  if (end < 0) return null;
  const fields = stat
    .slice(end + 2)
    .trim()
    .split(/\s+/);
  // After the name come field 3 (state) onwards: nice is field 19, so index 16 here.
  const n = Number(fields[16]);
  return Number.isInteger(n) ? n : null;
}

/**
 * Whether a PostgreSQL URL names a server on this machine (a loopback address, localhost, or a
 * Unix socket directory), whose server processes this process might lower.
 */
export function isLocalDatabase(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const socket = u.searchParams.get('host');
  if (socket?.startsWith('/')) return true;
  const host = decodeURIComponent(u.hostname).replace(/^\[|\]$/g, '');
  if (host === '' || host.startsWith('/')) return true;
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Lowers another process (a PostgreSQL server process serving one of this thread's connections) to
 * nice `nice`. Allowed only to root or the process's own user: otherwise (and for a process gone or
 * unknown) nothing changes. Returns its nice value afterwards, null when it could not be changed.
 */
export function lowerProcess(pid: number, nice: number): number | null {
  if (!perThreadPriority || !Number.isInteger(pid) || pid <= 0) return null;
  try {
    if (getPriority(pid) < nice) setPriority(pid, nice);
    return getPriority(pid);
  } catch {
    return null;
  }
}
