/**
 * Newsletter routes: sign-up with double opt-in, signed confirm/unsubscribe/preferences links
 * (one-click unsubscribe per RFC 8058), the public archive, and the editors' desk.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h, type JSX } from 'preact';
import type { Services } from '../platform/services.ts';
import { badRequest, HttpError, notFound, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { csrfValid } from '../platform/csrf.ts';
import { zonedTimeToUtc } from '../platform/jobs.ts';
import { MessagePage } from '../web/pages.tsx';
import { safeRedirect } from '../lib/safe-redirect.ts';
import { KeyedLimiter } from '../lib/keyed-limit.ts';
import { parseInput } from '../lib/form.ts';
import { redirectWith } from '../lib/flash.ts';
import { addItemForm, introForm, prefsSchema, removeItemForm, scheduleForm } from './schemas.ts';
import { getStory, isVisible, storyPath } from '../stories/store.ts';
import {
  confirmSubscriber,
  getIssue,
  getIssueByNumber,
  getSubscriber,
  issueStats,
  listIssues,
  setPreferences,
  subscribe,
  subscriberCounts,
  unsubscribe,
  updateIssue,
  type Issue,
} from './store.ts';
import { confirmationEmail, personalise, renderIssueEmail } from './email.ts';
import { linkToken, verifyLink } from './tokens.ts';
import { newsletterService } from './service.ts';
import { startIssueSend, sendTest } from './send.ts';
import {
  EditorDashboard,
  EditorIssuePage,
  IssuePage,
  NewsletterHomePage,
  PreferencesPage,
  UnsubscribePage,
} from './pages.tsx';
import { NEWSLETTER_NAME } from './views.tsx';
import type { DigestItem } from './rank.ts';

const safeReturn = (path: unknown): string => safeRedirect(path, '/');

const SIGNUP_LIMIT = { rateLimit: { max: 10, timeWindow: '1 minute' } };
/** Confirmation mails one address may receive, whoever asks: a few an hour. */
export const CONFIRMATIONS_PER_ADDRESS = { max: 3, windowMs: 3600_000 } as const;

export function newsletterRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  const nl = newsletterService(services);
  const confirmations = new KeyedLimiter(
    CONFIRMATIONS_PER_ADDRESS.max,
    CONFIRMATIONS_PER_ADDRESS.windowMs,
  );
  const now = () => (services.clock ? services.clock() : new Date()).getTime();
  return async (app) => {
    app.addHook('onClose', async () => nl.close());
    // Mail clients may send the RFC 8058 one-click POST as multipart; its body is not needed.
    app.addContentTypeParser('multipart/form-data', (_req, payload, done) => {
      payload.resume();
      payload.on('end', () => done(null, {}));
    });

    const message = async (
      req: FastifyRequest,
      reply: FastifyReply,
      title: string,
      kind: 'ok' | 'error',
      lines: (string | JSX.Element)[],
      status = 200,
    ) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(
        req,
        reply,
        h(
          MessagePage,
          { ctx, title, kind },
          lines.map((l) => h('p', null, l)),
        ),
        { status, cache: 'no-store' },
      );
    };

    async function handleSubscribe(req: FastifyRequest, reply: FastifyReply) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const returnTo = safeReturn(body.return_to);
      const result = await subscribe(db, body.email, returnTo);
      if (result.outcome === 'invalid') {
        return message(
          req,
          reply,
          'Please check your email address',
          'error',
          [result.message, h('a', { href: returnTo }, 'Go back and try again')],
          400,
        );
      }
      const back = h('a', { href: returnTo }, 'Carry on reading');
      if (result.outcome === 'already') {
        return message(req, reply, 'Already subscribed', 'ok', [
          `${result.email} is already on our list for ${NEWSLETTER_NAME}; there is nothing more to do.`,
          back,
        ]);
      }
      const secret = await nl.secret();
      const mail = confirmationEmail(
        nl.site,
        `${nl.site.baseUrl}/newsletter/confirm/${linkToken(secret, 'confirm', result.subscriber.id)}`,
      );
      try {
        // Past its share of confirmations for now, the address gets no more mail; the answer is the same.
        if (confirmations.take(result.email, now()))
          await nl.mailer().send({ to: result.email, ...mail });
      } catch (err) {
        req.log.warn({ err }, 'newsletter confirmation not sent');
        return message(
          req,
          reply,
          'We could not send the confirmation email',
          'error',
          [
            `${result.email} is saved, but the confirmation email could not be sent just now. Please try again in a few minutes.`,
            back,
          ],
          503,
        );
      }
      const text =
        result.outcome === 'pending'
          ? `${result.email} is already on our list for ${NEWSLETTER_NAME} but not confirmed yet, so we have sent the confirmation email again. Click the link in it to start receiving the newsletter.`
          : `Thank you. ${result.email} is on the list for ${NEWSLETTER_NAME}. We have emailed you a link to confirm the address; we send nothing else before you click it.`;
      return message(
        req,
        reply,
        result.outcome === 'pending' ? 'Please confirm your address' : 'Almost done',
        'ok',
        [text, back],
      );
    }

    app.post(
      '/newsletter/subscribe',
      { config: { ...SIGNUP_LIMIT, policy: 'public' } },
      handleSubscribe,
    );

    // The footer box: cached public pages carry no CSRF token, so this form is checked by origin
    // instead (browsers send Origin / Sec-Fetch-Site on form posts). Without those headers the
    // reader gets the sign-up page with the address filled in and one more click.
    app.post(
      '/newsletter/signup',
      { config: { ...SIGNUP_LIMIT, policy: 'public', csrf: false } },
      async (req, reply) => {
        if (csrfValid(req) || sameOrigin(req, services.config.baseUrl))
          return handleSubscribe(req, reply);
        const body = (req.body ?? {}) as Record<string, unknown>;
        const email = typeof body.email === 'string' ? body.email.slice(0, 254) : '';
        const ctx = await pageContext(services, req, reply);
        return sendPage(
          req,
          reply,
          h(NewsletterHomePage, {
            ctx,
            issues: await listIssues(db, { sentOnly: true, limit: 20 }),
            email,
          }),
          { cache: 'no-store' },
        );
      },
    );

    app.get('/newsletter', { config: { policy: 'public' } }, async (req, reply) => {
      const [ctx, issues] = await Promise.all([
        pageContext(services, req, reply),
        listIssues(db, { sentOnly: true, limit: 200 }),
      ]);
      return sendPage(req, reply, h(NewsletterHomePage, { ctx, issues }));
    });

    app.get<{ Params: { n: string } }>(
      '/newsletter/issues/:n',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const n = /^\d{1,9}$/.test(req.params.n) ? Number(req.params.n) : NaN;
        const issue = Number.isFinite(n) ? await getIssueByNumber(db, n) : undefined;
        if (!issue || issue.status !== 'sent')
          throw notFound(`There is no issue ${req.params.n} of ${NEWSLETTER_NAME} yet.`);
        const ctx = await pageContext(services, req, reply);
        return sendPage(req, reply, h(IssuePage, { ctx, issue }), {
          lastModified: issue.updated_at,
        });
      },
    );

    const linkSubscriber = async (
      purpose: 'confirm' | 'unsubscribe' | 'preferences',
      token: string,
    ) => {
      const v = verifyLink(await nl.secret(), purpose, token);
      const sub = v && (await getSubscriber(db, v.subscriberId));
      if (!v || !sub)
        throw new HttpError(
          404,
          'bad_link',
          'This link is not valid. It may have been copied incompletely; please use the link from your latest email.',
        );
      return { sub, issueId: v.issueId };
    };

    app.get<{ Params: { token: string } }>(
      '/newsletter/confirm/:token',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const { sub } = await linkSubscriber('confirm', req.params.token);
        if (sub.status === 'unsubscribed' || sub.status === 'bounced') {
          return message(
            req,
            reply,
            'This link has expired',
            'error',
            [
              `${sub.email} is not subscribed any more. To subscribe again, use the form on any story page.`,
            ],
            410,
          );
        }
        const confirmed = await confirmSubscriber(db, sub.id);
        const prefs = `/newsletter/preferences/${linkToken(await nl.secret(), 'preferences', sub.id)}`;
        return message(req, reply, 'You are subscribed', 'ok', [
          `Thank you: ${confirmed!.email} is confirmed. ${NEWSLETTER_NAME} arrives every Monday morning.`,
          h('a', { href: prefs }, 'Email preferences'),
        ]);
      },
    );

    // Unsubscribe: the link in the mail shows one button (so a mail scanner fetching links does
    // not unsubscribe anyone); a POST — that button, or the mail client's RFC 8058 one-click —
    // unsubscribes at once. The signed token is the authorisation, so no CSRF token is needed.
    app.get<{ Params: { token: string } }>(
      '/newsletter/unsubscribe/:token',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const { sub } = await linkSubscriber('unsubscribe', req.params.token);
        const ctx = await pageContext(services, req, reply);
        return sendPage(
          req,
          reply,
          h(UnsubscribePage, {
            ctx,
            subscriber: sub,
            action: `/newsletter/unsubscribe/${req.params.token}`,
            done: false,
          }),
          { cache: 'no-store' },
        );
      },
    );
    app.post<{ Params: { token: string } }>(
      '/newsletter/unsubscribe/:token',
      { config: { policy: 'public', csrf: false, rateLimit: { max: 60, timeWindow: '1 minute' } } },
      async (req, reply) => {
        const { sub, issueId } = await linkSubscriber('unsubscribe', req.params.token);
        const after = await unsubscribe(db, sub.id, issueId);
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (body['List-Unsubscribe'] === 'One-Click' && !body.confirm) {
          return reply
            .code(200)
            .type('text/plain; charset=utf-8')
            .header('cache-control', 'no-store')
            .send(`${after!.email} is unsubscribed from ${NEWSLETTER_NAME}.\n`);
        }
        const ctx = await pageContext(services, req, reply);
        return sendPage(
          req,
          reply,
          h(UnsubscribePage, { ctx, subscriber: after!, action: '', done: true }),
          { cache: 'no-store' },
        );
      },
    );

    app.get<{ Params: { token: string }; Querystring: { saved?: string } }>(
      '/newsletter/preferences/:token',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const { sub } = await linkSubscriber('preferences', req.params.token);
        const ctx = await pageContext(services, req, reply);
        return sendPage(
          req,
          reply,
          h(PreferencesPage, {
            ctx,
            subscriber: sub,
            action: `/newsletter/preferences/${req.params.token}`,
            saved: req.query.saved === '1',
          }),
          { cache: 'no-store' },
        );
      },
    );
    app.post<{ Params: { token: string } }>(
      '/newsletter/preferences/:token',
      { config: { policy: 'public' } },
      async (req, reply) => {
        const { sub } = await linkSubscriber('preferences', req.params.token);
        const parsed = parseInput(prefsSchema, req.body);
        if (!parsed.ok) throw badRequest(parsed.message);
        await setPreferences(db, sub.id, {
          format: parsed.value.format,
          subscribed: parsed.value.subscribed === '1',
        });
        return reply.redirect(`/newsletter/preferences/${req.params.token}?saved=1`, 303);
      },
    );

    // ------------------------------------------------------------------ editors
    const loadIssue = async (req: FastifyRequest<{ Params: { id: string } }>): Promise<Issue> => {
      const issue = /^\d{1,9}$/.test(req.params.id)
        ? await getIssue(db, Number(req.params.id))
        : undefined;
      if (!issue) throw notFound('There is no such issue.');
      return issue;
    };
    const editable = (issue: Issue) => {
      if (issue.status !== 'draft' && issue.status !== 'scheduled')
        throw new HttpError(
          409,
          'not_editable',
          `Issue ${issue.number} is ${issue.status} and can no longer be changed.`,
        );
    };
    /** Post/redirect/get: back to the issue with a one-time message (nothing the editor typed in the address). */
    const back = (req: FastifyRequest, reply: FastifyReply, issue: Issue, message: string) =>
      redirectWith(req, reply, `/newsletter/editor/issues/${issue.id}`, { kind: 'ok', message });
    /** The issue page; with `error`, the form's refusal at 400, nothing changed. */
    const issuePage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      issue: Issue,
      error?: string,
    ) => {
      const [ctx, stats] = await Promise.all([
        pageContext(services, req, reply),
        issueStats(db, [issue.id]),
      ]);
      return sendPage(
        req,
        reply,
        h(EditorIssuePage, {
          ctx,
          issue,
          stats: stats.get(issue.id)!,
          error,
          tz: services.config.newsletterTz,
        }),
        { status: error ? 400 : 200, cache: 'no-store' },
      );
    };

    app.get('/newsletter/editor', { config: { policy: 'newsletter.edit' } }, async (req, reply) => {
      const [ctx, counts, issues] = await Promise.all([
        pageContext(services, req, reply),
        subscriberCounts(db),
        listIssues(db, { limit: 100 }),
      ]);
      const stats = await issueStats(
        db,
        issues.map((i) => i.id),
      );
      return sendPage(req, reply, h(EditorDashboard, { ctx, counts, issues, stats }), {
        cache: 'no-store',
      });
    });

    app.post(
      '/newsletter/editor/compose',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await nl.nextIssue();
        return reply.redirect(`/newsletter/editor/issues/${issue.id}`, 303);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => issuePage(req, reply, await loadIssue(req)),
    );

    // The email exactly as sent (inline styles need their own, stricter-elsewhere CSP).
    app.get<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/email.html',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        const r = renderIssueEmail(issue, nl.site);
        const body = personalise(
          r,
          { unsubscribe: '#unsubscribe', preferences: '#preferences' },
          'html',
        );
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header(
            'content-security-policy',
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'",
          )
          .send(body.html);
      },
    );
    app.get<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/email.txt',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        const body = personalise(
          renderIssueEmail(issue, nl.site),
          { unsubscribe: '(your unsubscribe link)', preferences: '(your preferences link)' },
          'text',
        );
        return reply
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(body.text);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/intro',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        editable(issue);
        const parsed = parseInput(introForm, req.body);
        if (!parsed.ok) return issuePage(req, reply, issue, parsed.message);
        await updateIssue(db, issue.id, { intro: parsed.value.intro });
        return back(req, reply, issue, 'The introduction is saved.');
      },
    );

    app.post<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/items/remove',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        editable(issue);
        const parsed = parseInput(removeItemForm, req.body);
        if (!parsed.ok || parsed.value.index >= issue.items.length)
          return issuePage(req, reply, issue, 'That item is not in this issue.');
        const index = parsed.value.index;
        const removed = issue.items[index];
        await updateIssue(db, issue.id, {
          items: issue.items.filter((_, i) => i !== index),
        });
        return back(req, reply, issue, `Removed: ${removed.title}`);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/items/add',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        editable(issue);
        const parsed = parseInput(addItemForm, req.body);
        if (!parsed.ok) return issuePage(req, reply, issue, parsed.message);
        const raw = parsed.value.item;
        const item = await findItem(raw);
        if (!item)
          return issuePage(
            req,
            reply,
            issue,
            `No published story or cable matches “${raw.slice(0, 80)}”. Give a story's number or address, or a cable reference such as 09LIMA1669.`,
          );
        if (issue.items.some((i) => i.kind === item.kind && i.id === item.id))
          return issuePage(req, reply, issue, `“${item.title}” is already in this issue.`);
        const items =
          item.kind === 'story'
            ? [
                ...issue.items.filter((i) => i.kind === 'story'),
                item,
                ...issue.items.filter((i) => i.kind !== 'story'),
              ]
            : [...issue.items, item];
        await updateIssue(db, issue.id, { items });
        return back(req, reply, issue, `Added: ${item.title}`);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/test',
      { config: { policy: 'newsletter.edit', rateLimit: { max: 10, timeWindow: '1 minute' } } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        const member = req.member!;
        if (!member.email)
          return issuePage(
            req,
            reply,
            issue,
            'Your account has no email address to send the test to.',
          );
        await sendTest(issue, member.email, { mailer: nl.mailer(), site: nl.site });
        return back(req, reply, issue, `A test was sent to ${member.email}.`);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/schedule',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        editable(issue);
        const parsed = parseInput(scheduleForm, req.body);
        if (!parsed.ok) return issuePage(req, reply, issue, parsed.message);
        const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(parsed.value.at)!;
        const at = zonedTimeToUtc(+m[1], +m[2], +m[3], +m[4], +m[5], services.config.newsletterTz);
        if (Number.isNaN(at.getTime()) || at.getTime() < Date.now() - 60_000)
          return issuePage(
            req,
            reply,
            issue,
            'That time has passed; choose a time in the future or send now.',
          );
        await updateIssue(db, issue.id, { status: 'scheduled', scheduled_for: at.toISOString() });
        await nl.queueSend(issue.id, at);
        return back(
          req,
          reply,
          issue,
          `Scheduled for ${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]} (${services.config.newsletterTz}).`,
        );
      },
    );

    app.post<{ Params: { id: string } }>(
      '/newsletter/editor/issues/:id/send',
      { config: { policy: 'newsletter.edit' } },
      async (req, reply) => {
        const issue = await loadIssue(req);
        editable(issue);
        await startIssueSend(services.db, issue.id);
        await nl.queueSend(issue.id);
        return back(req, reply, issue, 'Sending has started; the figures below update as it goes.');
      },
    );

    async function findItem(raw: string): Promise<DigestItem | undefined> {
      const storyId =
        /^(\d{1,12})$/.exec(raw)?.[1] ??
        /\/stories\/(?:[^/]+\/\d{4}\/\d{2}\/)?(\d{1,12})(?:-|$)/.exec(raw)?.[1];
      if (storyId) {
        const s = await getStory(db, Number(storyId));
        if (!s || !isVisible(s)) return undefined;
        return {
          kind: 'story',
          id: s.id,
          title: s.title,
          section: s.section_name,
          teaser: s.teaser,
          path: storyPath(s),
          publishedAt: s.published_at,
          views: 0,
          pick: true,
        };
      }
      const ref = /^[0-9]{2}[A-Z]+[0-9]+$/i.test(raw) ? raw.toUpperCase() : undefined;
      if (!ref) return undefined;
      const c = await db
        .selectFrom('cables')
        .select(['id', 'reference_id', 'title', 'subject', 'summary', 'origin', 'created'])
        .where('reference_id', '=', ref)
        .executeTakeFirst();
      if (!c) return undefined;
      return {
        kind: 'cable',
        id: c.id,
        title: c.title || c.subject || c.reference_id,
        section: 'Cable archive',
        teaser: (c.summary || c.subject || '').slice(0, 300),
        path: `/cables/${c.reference_id}`,
        publishedAt: c.created,
        views: 0,
        pick: true,
      };
    }
  };
}

/** A form post from one of our own pages, by the headers browsers add. */
function sameOrigin(req: FastifyRequest, baseUrl: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'same-origin') return true;
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return false;
  const host = req.headers.host;
  return (
    origin === new URL(baseUrl).origin ||
    (typeof host === 'string' && (origin === `http://${host}` || origin === `https://${host}`))
  );
}
