/** A browser's cookies and client address for app.inject, shared by the member tests. */
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../../src/members/session.ts';
import { SAME_ORIGIN } from '../helpers.ts';

type Res = Awaited<ReturnType<FastifyInstance['inject']>>;

let lastIp = 100;

export class Jar {
  cookies = new Map<string, string>();
  /** Each browser comes from its own address, so per-client rate limits do not spill between tests. */
  ip = `10.9.${Math.floor(++lastIp / 250)}.${(lastIp % 250) + 1}`;
  constructor(private readonly app: FastifyInstance) {}
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Res): Res {
    for (const c of res.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()))
        this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }
  get session(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }
  async get(url: string): Promise<Res> {
    return this.take(
      await this.app.inject({ url, remoteAddress: this.ip, headers: { cookie: this.header() } }),
    );
  }
  /**
   * Posts a form as a browser does from one of the site's pages: with its Origin and
   * Sec-Fetch-Site, and, once a signed-in page gave the jar a CSRF token, with that token.
   */
  async post(url: string, fields: Record<string, string>): Promise<Res> {
    if (this.session && !this.cookies.has('bs_csrf')) await this.get('/account');
    const token = this.cookies.get('bs_csrf');
    const payload = new URLSearchParams({
      ...fields,
      ...(token ? { _csrf: token } : {}),
    }).toString();
    return this.take(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        payload,
        headers: {
          cookie: this.header(),
          'content-type': 'application/x-www-form-urlencoded',
          ...SAME_ORIGIN,
        },
      }),
    );
  }
}
