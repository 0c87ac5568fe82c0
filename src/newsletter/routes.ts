/** Newsletter sign-up: stores the address as unconfirmed and says what happens next. */
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import type { AppServices } from '../app.ts';
import { pageContext, sendPage } from '../platform/http.ts';
import { MessagePage } from '../web/pages.tsx';
import { subscribe } from './store.ts';
import { NEWSLETTER_NAME } from './views.tsx';

function safeReturn(path: unknown): string {
  return typeof path === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(path) ? path : '/';
}

export function newsletterRoutes(services: AppServices): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Record<string, unknown> }>(
      '/newsletter/subscribe',
      { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
      async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const returnTo = safeReturn(body.return_to);
        const result = await subscribe(services.db.kysely, body.email, returnTo);
        const ctx = await pageContext(services, req, reply);
        if (result.outcome === 'invalid') {
          return sendPage(
            req,
            reply,
            h(MessagePage, { ctx, title: 'Please check your email address', kind: 'error' }, [
              h('p', null, result.message),
              h('p', null, h('a', { href: returnTo }, 'Go back and try again')),
            ]),
            { status: 400 },
          );
        }
        const text =
          result.outcome === 'added'
            ? `Thank you. ${result.email} is on the list for ${NEWSLETTER_NAME}. We will email you to confirm the address before we send anything.`
            : `${result.email} is already on our list for ${NEWSLETTER_NAME}; there is nothing more to do.`;
        return sendPage(
          req,
          reply,
          h(MessagePage, { ctx, title: result.outcome === 'added' ? 'Almost done' : 'Already subscribed', kind: 'ok' }, [
            h('p', null, text),
            h('p', null, h('a', { href: returnTo }, 'Carry on reading')),
          ]),
          { cache: 'no-store' },
        );
      },
    );
  };
}
