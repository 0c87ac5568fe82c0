/**
 * Password hashing with the built-in scrypt, a per-user salt and the cost parameters stored next to
 * the hash (`scrypt$N$r$p$salt$hash`, base64url), so parameters can be raised later without locking
 * anyone out: needsRehash() tells login to store a fresh hash. Also the password rules.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isCommonPassword } from './common-passwords.ts';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's minimum for scrypt (N=2^17, r=8, p=1): 2^17 × 8 × 128 bytes = 128 MB per hash. Hashes
 * stored with lower parameters still verify and are replaced at the next successful login.
 */
export const DEFAULT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;

function scryptAsync(
  password: string,
  salt: Buffer,
  keylen: number,
  opts: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** scrypt needs 128·N·r bytes; maxmem allows that plus room, so the parameters never fail for want of it. */
function options(p: ScryptParams): ScryptOptions {
  return { N: p.N, r: p.r, p: p.p, maxmem: 128 * p.N * p.r * 2 + 1024 * 1024 };
}

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scryptAsync(password.normalize('NFC'), salt, KEY_LEN, options(params));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Parsed extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16)
    return null;
  return { N, r, p, salt: Buffer.from(m[4], 'base64url'), key: Buffer.from(m[5], 'base64url') };
}

/**
 * Checks a password against a stored hash. Without a usable hash it spends the same work (a hash
 * at `params`, the cost new hashes get) so response times do not tell which accounts exist.
 */
export async function verifyPassword(
  password: string,
  stored: string | null,
  params: ScryptParams = DEFAULT_PARAMS,
): Promise<boolean> {
  const parsed = stored ? parse(stored) : null;
  if (!parsed) {
    await hashPassword(password, params);
    return false;
  }
  const key = await scryptAsync(
    password.normalize('NFC'),
    parsed.salt,
    parsed.key.length,
    options(parsed),
  );
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

export function needsRehash(stored: string, params: ScryptParams = DEFAULT_PARAMS): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.N < params.N || parsed.r !== params.r || parsed.p < params.p;
}

export const MIN_PASSWORD_LENGTH = 10;
/** Longer inputs are refused before hashing, so nobody can make the server hash megabytes. */
export const MAX_PASSWORD_LENGTH = 200;

/**
 * Why a password is refused, in words for the person choosing it, or null when it is acceptable.
 * Pure. Refuses short passwords, common passwords and their simple variations (digits or symbols
 * around a common word, repeated or sequential characters), the site's name and the email's name.
 */
export function passwordProblem(
  password: string,
  context: { email?: string; siteName?: string } = {},
): string | null {
  const chars = [...password];
  if (chars.length < MIN_PASSWORD_LENGTH) {
    return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters (yours has ${chars.length}). A few unrelated words make a good one.`;
  }
  if (chars.length > MAX_PASSWORD_LENGTH)
    return `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const personal: string[] = [];
  if (context.siteName) personal.push(context.siteName.toLowerCase().replace(/\s+/g, ''));
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 3) {
    personal.push(local, ...local.split(/[._+-]+/).filter((w) => w.length >= 4));
  }
  const compact = lower.replace(/\s+/g, '');
  const core = compact.replace(/^[^a-z]+|[^a-z]+$/g, '');
  for (const word of personal) {
    if (!word) continue;
    if (
      compact === word ||
      core === word ||
      compact.replace(/[^a-z]/g, '') === word.replace(/[^a-z]/g, '')
    ) {
      return 'That password is too easy to guess: it is built from your email address or the name of this site. Choose something else.';
    }
  }
  if (new Set(chars).size <= 2 || isSequence(compact)) {
    return 'That password is too easy to guess: it repeats or counts through characters. Choose something less predictable.';
  }
  if (isCommonPassword(compact) || isCommonPassword(core) || isCommonPassword(deLeet(core))) {
    return 'That password is on the list of passwords most often tried by attackers. Choose something less common — a few unrelated words work well.';
  }
  return null;
}

function deLeet(s: string): string {
  return s
    .replace(/[@4]/g, 'a')
    .replace(/3/g, 'e')
    .replace(/[1!]/g, 'i')
    .replace(/0/g, 'o')
    .replace(/[$5]/g, 's')
    .replace(/7/g, 't');
}

/** abcdefghij, 0123456789, 9876543210, or a run along the keyboard such as qwertyuiop. */
function isSequence(s: string): boolean {
  const rows = [
    '1234567890',
    'qwertyuiop',
    'asdfghjkl',
    'zxcvbnm',
    'abcdefghijklmnopqrstuvwxyz',
    '01234567890',
  ];
  for (const row of rows) {
    const rev = [...row].reverse().join('');
    if ((row + row).includes(s) || (rev + rev).includes(s)) return true;
  }
  // Each character one more (or less) than the previous one.
  let up = true;
  let down = true;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    if (d !== 1) up = false;
    if (d !== -1) down = false;
  }
  return up || down;
}
