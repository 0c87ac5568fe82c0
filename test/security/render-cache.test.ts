/**
 * The page render cache fills a signed-in visitor's CSRF token into the site's own `_csrf` fields only:
 * whatever the content of a reused page (the old placeholder, a NUL, markup that looks like a token
 * field, a random-looking string), no visitor's token ever appears anywhere else, on the first
 * render or a reused one. Pure of the database: content reaches sendPage as it is.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { h } from 'preact';
import fc from 'fast-check';
import { sendPage, csrfSegments } from '../../src/platform/http.ts';
import { pageContext } from '../../src/web/context.ts';
import type { Services } from '../../src/platform/services.ts';
import type { PageContext } from '../../src/web/context.ts';

let app: FastifyInstance;
const pages = new Map<string, string>();

function Page({ ctx, content }: { ctx: PageContext; content: string }) {
  return h(
    'html',
    null,
    h('body', null, [
      h('img', { key: 'i', src: `https://collector.example/c.png?t=${content}`, alt: content }),
      h('p', { key: 'p' }, content),
      h('div', { key: 'd', dangerouslySetInnerHTML: { __html: content.replace(/[<>&"]/g, '') } }),
      h(
        'form',
        { key: 'f', method: 'post' },
        h('input', { type: 'hidden', name: '_csrf', value: ctx.csrf }),
      ),
    ]),
  );
}

before(async () => {
  app = Fastify();
  await app.register(cookie);
  // Only a signed-in member's page carries a token: each request here is one (no database).
  app.decorateRequest('member', null);
  app.addHook('onRequest', async (req) => {
    (req as { member: unknown }).member = req.cookies.bs_csrf ? { id: 1 } : null;
  });
  const services = {
    config: { siteName: 'Test', baseUrl: 'http://localhost' },
    shared: { sections: { get: async () => [] } },
  } as unknown as Services;
  app.get<{ Querystring: { id: string } }>('/page', async (req, reply) => {
    const ctx = await pageContext(services, req, reply);
    const content = pages.get(req.query.id) ?? '';
    return sendPage(req, reply, () => h(Page, { ctx, content }), {
      ctx,
      renderKey: `page:${req.query.id}`,
    });
  });
});
after(() => app.close());

const TOKENS = ['T'.repeat(40), 'u'.repeat(40)];

async function check(id: string, content: string) {
  pages.set(id, content);
  for (const token of [...TOKENS, ...TOKENS]) {
    const res = await app.inject({
      url: `/page?id=${id}`,
      headers: { cookie: `bs_csrf=${token}` },
    });
    assert.equal(res.statusCode, 200);
    const n = res.body.split(token).length - 1;
    assert.equal(n, 1, `token appears ${n} times for ${JSON.stringify(content)}: ${res.body}`);
    assert.ok(res.body.includes(`<input type="hidden" name="_csrf" value="${token}"/>`), res.body);
  }
}

test('content with the old placeholder, NULs or a look-alike token field never receives the token', async () => {
  await check('placeholder', '\u0000csrf\u0000');
  await check(
    'many',
    'a\u0000csrf\u0000b\u0000csrf\u0000<input type="hidden" name="_csrf" value="\u0000csrf\u0000">',
  );
  await check('plain', 'no slots here');
});

test('random content (seeded) never receives the token', async () => {
  const pieces = fc.constantFrom(
    '\u0000',
    'csrf',
    '<input type="hidden" name="_csrf" value="',
    '"',
    '/>',
    'T',
    'u',
    ' ',
    'x',
    '&',
  );
  let i = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(pieces, { maxLength: 12 }).map((xs) => xs.join('')),
      async (content) => check(`r${i++}`, content),
    ),
    { seed: 20261205, numRuns: 150 },
  );
});

test('segments are cut only where a _csrf field holds the marker', () => {
  assert.deepEqual(csrfSegments('<p>a</p><input type="hidden" name="_csrf" value="M"/>', 'M'), [
    '<p>a</p><input type="hidden" name="_csrf" value="',
    '"/>',
  ]);
  assert.equal(csrfSegments('<a href="?t=M">', 'M'), null);
  assert.equal(csrfSegments('<input type="hidden" name="_csrf" value="xM"/>', 'M'), null);
  assert.deepEqual(csrfSegments('<p>none</p>', 'M'), ['<p>none</p>']);
});
