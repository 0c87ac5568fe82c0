/**
 * The one answer a service gives to an action: success with a plain-words message (and whatever the
 * action produced), or a failure with a stable code, a message for the person who asked and, when
 * it matters to the caller, an HTTP status and the form field at fault.
 */

export type Failure = {
  ok: false;
  /** Stable, for code and tests: `invalid_email`, `unlicensed`… */
  code: string;
  /** For the person: what went wrong and what to do, in plain words. */
  message: string;
  /** The HTTP status a route answers with (400 when absent). */
  status?: number;
  /** The form field at fault, when one is. */
  field?: string;
};

/**
 * A success. `partial` marks an action that was done but not everything around it worked (a feed
 * added whose first fetch failed): the message then says what did not.
 */
export type Success<T = object> = { ok: true; message: string; partial?: boolean } & T;

export type Result<T = object> = Success<T> | Failure;

export function fail(
  code: string,
  message: string,
  extra: { status?: number; field?: string } = {},
): Failure {
  return { ok: false, code, message, ...extra };
}

export function succeed<T extends object = object>(message: string, extra?: T): Success<T> {
  return { ok: true, message, ...(extra ?? ({} as T)) };
}

/** The status a route answers a failure with. */
export function failureStatus(f: Failure): number {
  return f.status ?? 400;
}
