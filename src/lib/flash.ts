/**
 * Messages that survive one redirect (post/redirect/get): the form handler sets a short-lived
 * cookie, the next page rendered for this browser shows it once and clears it, so a reload shows
 * the page without the message and repeats nothing. The kind sets the colour: `ok` green, `partial`
 * amber (done, but something around it failed), `error` red.
 *
 * The cookie is HttpOnly, SameSite=Strict, lives two minutes and holds only the message (shown as
 * text, never as markup). A secret shown once (a new API key) travels the same way, so it is never
 * part of an address and disappears after it has been shown.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Result } from './result.ts';

export type FlashKind = 'ok' | 'partial' | 'error';
export interface Flash {
  kind: FlashKind;
  message: string;
  /** A secret to show once (an API key), beside the message. */
  secret?: string;
}

export const FLASH_COOKIE = 'flash';
const MAX_AGE_S = 120;
const MAX_MESSAGE = 2000;

function encode(f: Flash): string {
  return Buffer.from(JSON.stringify(f), 'utf8').toString('base64url');
}

function decode(raw: string): Flash | null {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    if (v.kind !== 'ok' && v.kind !== 'partial' && v.kind !== 'error') return null;
    if (typeof v.message !== 'string') return null;
    return {
      kind: v.kind,
      message: v.message.slice(0, MAX_MESSAGE),
      ...(typeof v.secret === 'string' ? { secret: v.secret.slice(0, 200) } : {}),
    };
  } catch {
    return null;
  }
}

/** Sets the message the next page shows. */
export function setFlash(req: FastifyRequest, reply: FastifyReply, flash: Flash): void {
  reply.setCookie(
    FLASH_COOKIE,
    encode({ ...flash, message: flash.message.slice(0, MAX_MESSAGE) }),
    {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
      maxAge: MAX_AGE_S,
    },
  );
}

/** The message waiting for this browser, cleared as it is read (null when there is none). */
export function takeFlash(req: FastifyRequest, reply: FastifyReply): Flash | null {
  const raw = req.cookies?.[FLASH_COOKIE];
  if (!raw) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/' });
  return decode(raw);
}

/** The flash for a service's answer: green for success, amber for a partial one, red for a failure. */
export function flashOf(r: Result): Flash {
  return { kind: r.ok ? (r.partial ? 'partial' : 'ok') : 'error', message: r.message };
}

/** Post/redirect/get: the message for the next page, then 303 to the page that shows the result. */
export function redirectWith(
  req: FastifyRequest,
  reply: FastifyReply,
  to: string,
  flash: Flash | Result,
): FastifyReply {
  setFlash(req, reply, 'kind' in flash ? flash : flashOf(flash));
  return reply.redirect(to, 303);
}
