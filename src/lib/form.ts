/**
 * Input read at the edge: a route checks a form body or a query string against its zod schema
 * before the handler does anything, and gets either typed input or a failure that names the field
 * in plain words (status 400).
 */
import type { z } from 'zod';
import type { Failure } from './result.ts';

export type Parsed<T> = { ok: true; value: T } | Failure;

/** Labels for field names the schemas do not word themselves. */
function fieldLabel(path: readonly PropertyKey[]): string {
  return path.map(String).join('.').replace(/_/g, ' ');
}

/**
 * `input` checked against `schema`. The message is the schema's own when it gives one (schemas
 * here word theirs as instructions: "Give the feed's address."); otherwise it names the field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const field = issue.path.length ? fieldLabel(issue.path) : undefined;
  // zod's own wording starts with "Invalid" or "Expected"/"Too": say which field it is about.
  const generic = /^(Invalid|Expected|Too (big|small)|Unrecognized)/.test(issue.message);
  const message =
    generic && field ? `The field “${field}” is not valid: ${issue.message}.` : issue.message;
  return {
    ok: false,
    code: 'invalid',
    message,
    status: 400,
    field: issue.path.length ? String(issue.path[0]) : undefined,
  };
}

/** A form field that is absent, or not text, read as empty text. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A form body or query as the form parser hands it over: names to text (or repeated text). */
export type RawForm = Record<string, unknown>;
