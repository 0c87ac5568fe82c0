/**
 * Post/redirect/get as a browser sees it: a form answered with 303 and a one-time message is
 * followed to the page it names, carrying the flash cookie, and that page is what the test reads.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

/** The flash cookie a response set, as `flash=…`, or null. */
export function flashCookie(res: Injected): string | null {
  const c = res.cookies.find((x) => x.name === 'flash' && x.value);
  return c ? `flash=${c.value}` : null;
}

/**
 * Follows a 303 with its flash cookie (GET, the same cookies), returning the page; any other answer
 * (a re-rendered form with its message, an error) is returned as it is.
 */
export async function followFlash(
  app: FastifyInstance,
  res: Injected,
  cookie: string,
): Promise<Injected> {
  if (res.statusCode !== 303) return res;
  const location = res.headers.location;
  assert.equal(typeof location, 'string', 'a 303 names the page that shows the result');
  const flash = flashCookie(res);
  return app.inject({
    url: String(location),
    headers: { cookie: [cookie, flash].filter(Boolean).join('; ') },
  });
}
