/**
 * Member routes: register, log in and out, links by mail, email verification, password reset and
 * the account page (its password, address, sessions and deletion). Every form is CSRF-checked by
 * the app's hook; every route has a rate limit.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { h, type JSX } from 'preact';
import type { z } from 'zod';
import { parseInput, text as field, type RawForm } from '../lib/form.ts';
import { badRequest } from '../platform/http.ts';
import type { Services } from '../platform/services.ts';
import { sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { MessagePage } from '../web/pages.tsx';
import { clearSessionCookie, setSessionCookie } from './session.ts';
import { setFlash } from '../lib/flash.ts';
import { findMemberById, sessionsOf, type MemberRow } from './store.ts';
import { hashToken, looksLikeToken, newToken, safeNext, TOKEN_RULES } from './tokens.ts';
import {
  changePassword,
  checkEmailChange,
  checkResetToken,
  confirmEmailChange,
  deleteAccount,
  staffRefusal,
  consumeMagicLink,
  endOtherSessions,
  requestEmailChange,
  login,
  logout,
  memberMailLimiter,
  registerMember,
  requestMagicLink,
  requestPasswordReset,
  resendVerification,
  resetPassword,
  updateDeclaredUse,
  verifyEmail,
  type Failure,
  type MemberDeps,
} from './service.ts';
import {
  memberNewsletterStatus,
  memberSubscribe,
  memberUnsubscribe,
} from '../newsletter/account.ts';
import {
  AccountPage,
  DeleteAccountPage,
  EmailChangePage,
  ForgotPage,
  LoginPage,
  MagicRequestPage,
  RegisterPage,
  ResetPage,
} from './views.tsx';
import type { Action } from '../platform/policy.ts';
import {
  accountForm,
  accountNewsletterForm,
  deleteAccountForm,
  doneQuery,
  emailChangeForm,
  emailForm,
  loginForm,
  loginQuery,
  passwordChangeForm,
  registerForm,
  resetForm,
} from './schemas.ts';

/** Per client address. Kept in process memory: with several processes each enforces its own share. */
export const AUTH_RATE_LIMITS = {
  /** Showing the forms and the account page. */
  page: { max: 60, timeWindow: '1 minute' },
  register: { max: 10, timeWindow: '15 minutes' },
  login: { max: 10, timeWindow: '5 minutes' },
  logout: { max: 30, timeWindow: '1 minute' },
  /** Asking for mail: login links, password links, confirmation again. */
  mail: { max: 5, timeWindow: '15 minutes' },
  /** Following links from mail. */
  link: { max: 30, timeWindow: '15 minutes' },
  reset: { max: 10, timeWindow: '15 minutes' },
  account: { max: 30, timeWindow: '1 minute' },
  /** Forms that check the current password (changing it, deleting the account), like a login. */
  password: { max: 10, timeWindow: '15 minutes' },
} as const;

type Limit = keyof typeof AUTH_RATE_LIMITS;
/** A route's options: its rate limit and its authorisation policy (src/platform/policy.ts). */
const limited = (name: Limit, policy: Action) => ({
  config: { policy, rateLimit: AUTH_RATE_LIMITS[name] },
});

/** Messages for `/account?done=…` after a redirect (no user text travels in the address). */
const DONE: Record<string, string> = {
  confirmed: 'Thank you: your address is confirmed, and you are logged in.',
  login: 'You are logged in.',
  magic: 'You are logged in.',
  'magic-new': 'Welcome. Your account is ready and your address is confirmed.',
  'magic-confirmed':
    'You are logged in and your address is confirmed. The password set before it was confirmed has been removed, as it may not have been yours; ask for a password link below to choose one.',
  reset: 'Your new password is set. Other sessions of your account have been logged out.',
  saved: 'Saved.',
  password: 'Your password is changed. Every other session of your account has been logged out.',
  'sessions-ended': 'You are logged out everywhere else.',
  'email-sent':
    'We have sent a link to the new address. Open it in a browser logged in to this account to make it your address; until then your address stays as it is.',
  'email-changed':
    'Your new address is confirmed and is now the address of your account. Every other session of your account has been logged out.',
  'newsletter-on': 'You are subscribed to The Monday Dispatch.',
  'newsletter-confirm':
    'We have sent you a mail; follow the link in it to confirm your subscription to The Monday Dispatch.',
  'newsletter-nomail':
    'We could not send the confirmation mail for The Monday Dispatch just now; please try again in a few minutes.',
  'newsletter-invalid': 'Your account address cannot receive The Monday Dispatch.',
  'newsletter-off': 'You are unsubscribed from The Monday Dispatch.',
};

/**
 * The sign-up cookie: set by every accepted registration form (whether or not the address had an
 * account, so the answer is the same), it marks the browser that registered. Only its hash is kept,
 * with the confirmation link; that browser opening the link keeps the password it chose.
 */
export const SIGNUP_COOKIE = 'bs_signup';

/** `input` as `schema` reads it (src/members/schemas.ts); a body it refuses gets 400. */
function input<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const p = parseInput(schema, raw);
  if (!p.ok) throw badRequest(p.message);
  return p.value;
}

export function memberRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    const deps: MemberDeps = {
      db: services.db.kysely,
      mailer: services.mailer,
      siteName: services.config.siteName,
      baseUrl: services.config.baseUrl,
      log: app.log,
      now: services.clock,
      passwordParams: services.passwordParams,
      mailLimit: memberMailLimiter(),
    };
    const ua = (req: FastifyRequest) => field(req.headers['user-agent']);
    const current = (req: FastifyRequest) => req.member?.sessionId ?? null;
    const page = async (
      req: FastifyRequest,
      reply: FastifyReply,
      build: (ctx: Awaited<ReturnType<typeof pageContext>>) => JSX.Element,
      status = 200,
    ) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, build(ctx), { status, cache: 'private' });
    };
    const failStatus = (f: Failure) =>
      f.code === 'email_taken' ? 409 : f.code === 'mail_failed' ? 503 : 400;
    const message = (
      req: FastifyRequest,
      reply: FastifyReply,
      title: string,
      kind: 'ok' | 'error',
      text: string,
      links: [string, string][],
      status = 200,
    ) =>
      page(
        req,
        reply,
        (ctx) =>
          h(MessagePage, { ctx, title, kind }, [
            h('p', null, text),
            h(
              'p',
              null,
              links.flatMap(([href, label], i) => [i ? ' · ' : '', h('a', { href }, label)]),
            ),
          ]),
        status,
      );

    // ---- register ----
    app.get<{ Querystring: RawForm }>(
      '/register',
      limited('page', 'public'),
      async (req, reply) => {
        if (input(doneQuery, req.query).done === 'sent') {
          return message(
            req,
            reply,
            'Check your mail',
            'ok',
            'We have sent you a mail. Follow the link in it, in this browser if you can, to confirm your address and finish creating your account; the link works for two days.',
            [
              ['/login/magic', 'No mail? Get a login link'],
              ['/', 'Front page'],
            ],
          );
        }
        if (req.member) return reply.redirect('/account', 303);
        return page(req, reply, (ctx) =>
          h(RegisterPage, {
            ctx,
            values: { email: '', declaredUse: null, workOrganisation: null },
          }),
        );
      },
    );
    app.post<{ Body: RawForm }>('/register', limited('register', 'public'), async (req, reply) => {
      const b = input(registerForm, req.body);
      const signup = newToken();
      const r = await registerMember(deps, {
        email: b.email,
        password: b.password,
        declaredUse: b.declared_use,
        workOrganisation: b.work_organisation,
        browserHash: hashToken(signup),
      });
      if (!r.ok) {
        const values = {
          email: b.email,
          declaredUse: b.declared_use || null,
          workOrganisation: b.work_organisation || null,
        };
        return page(req, reply, (ctx) => h(RegisterPage, { ctx, values, error: r }), failStatus(r));
      }
      // The same answer for a new address and for one with an account: no session, a sign-up cookie.
      reply.setCookie(SIGNUP_COOKIE, signup, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: req.protocol === 'https',
        maxAge: Math.floor(TOKEN_RULES.verify.ttlMs / 1000),
      });
      return reply.redirect('/register?done=sent', 303);
    });

    // ---- log in / out ----
    app.get<{ Querystring: RawForm }>('/login', limited('page', 'public'), async (req, reply) => {
      const q = input(loginQuery, req.query);
      const next = safeNext(q.next);
      if (req.member) return reply.redirect(next, 303);
      const notice = q.done === 'logout' ? 'You are logged out.' : null;
      return page(req, reply, (ctx) => h(LoginPage, { ctx, email: '', next, notice }));
    });
    app.post<{ Body: RawForm }>('/login', limited('login', 'public'), async (req, reply) => {
      const b = input(loginForm, req.body);
      const next = safeNext(b.next);
      const r = await login(deps, {
        email: b.email,
        password: b.password,
        userAgent: ua(req),
        currentSession: current(req),
      });
      if (!r.ok)
        return page(
          req,
          reply,
          (ctx) => h(LoginPage, { ctx, email: b.email, next, error: r }),
          r.code === 'wrong_credentials' ? 401 : 400,
        );
      setSessionCookie(req, reply, r.sessionToken);
      return reply.redirect(next === '/account' ? '/account?done=login' : next, 303);
    });
    app.post('/logout', limited('logout', 'public'), async (req, reply) => {
      await logout(deps, current(req));
      clearSessionCookie(req, reply);
      return reply.redirect('/login?done=logout', 303);
    });

    // ---- links by mail ----
    app.get('/login/magic', limited('page', 'public'), async (req, reply) =>
      page(req, reply, (ctx) => h(MagicRequestPage, { ctx, email: '' })),
    );
    app.post<{ Body: RawForm }>('/login/magic', limited('mail', 'public'), async (req, reply) => {
      const b = input(emailForm, req.body);
      const r = await requestMagicLink(deps, { email: b.email });
      if (!r.ok)
        return page(
          req,
          reply,
          (ctx) => h(MagicRequestPage, { ctx, email: b.email, error: r }),
          failStatus(r),
        );
      return message(req, reply, 'Check your mail', 'ok', r.message, [
        ['/login/magic', 'Send another link'],
      ]);
    });
    app.get<{ Params: { token: string } }>(
      '/login/magic/:token',
      limited('link', 'public'),
      async (req, reply) => {
        const r = await consumeMagicLink(deps, {
          token: req.params.token,
          userAgent: ua(req),
          currentSession: current(req),
        });
        if (!r.ok)
          return message(
            req,
            reply,
            'That login link cannot be used',
            'error',
            r.message,
            [
              ['/login/magic', 'Get a new link'],
              ['/login', 'Log in with a password'],
            ],
            400,
          );
        setSessionCookie(req, reply, r.sessionToken);
        return reply.redirect(
          `/account?done=${r.created ? 'magic-new' : r.passwordRemoved ? 'magic-confirmed' : 'magic'}`,
          303,
        );
      },
    );

    app.get<{ Params: { token: string } }>(
      '/verify/:token',
      limited('link', 'public'),
      async (req, reply) => {
        const signup = req.cookies[SIGNUP_COOKIE];
        const r = await verifyEmail(deps, {
          token: req.params.token,
          browserHash: looksLikeToken(signup) ? hashToken(signup) : null,
          current: req.member ? { memberId: req.member.id, sessionId: req.member.sessionId } : null,
          userAgent: ua(req),
        });
        if (!r.ok)
          return message(
            req,
            reply,
            'That confirmation link cannot be used',
            'error',
            r.message,
            [['/account', 'Your account']],
            400,
          );
        if (r.session) {
          setSessionCookie(req, reply, r.session.sessionToken);
          reply.clearCookie(SIGNUP_COOKIE, {
            path: '/',
            httpOnly: true,
            sameSite: 'lax',
            secure: req.protocol === 'https',
          });
          return reply.redirect('/account?done=confirmed', 303);
        }
        const signedIn = req.member?.id === r.memberId;
        const links: [string, string][] = signedIn
          ? [['/account', 'Your account']]
          : r.passwordRemoved
            ? [['/login/magic', 'Log in with a link by mail']]
            : [['/login', 'Log in']];
        return message(req, reply, 'Email address confirmed', 'ok', r.message, links);
      },
    );
    app.post('/verify/resend', limited('mail', 'account.manage'), async (req, reply) => {
      if (!req.member) return reply.redirect('/login?next=/account', 303);
      const r = await resendVerification(deps, req.member.id);
      return message(
        req,
        reply,
        r.ok ? 'Check your mail' : 'The mail was not sent',
        r.ok ? 'ok' : 'error',
        r.message,
        [['/account', 'Your account']],
        r.ok ? 200 : failStatus(r),
      );
    });

    // ---- password reset ----
    app.get('/password/forgot', limited('page', 'public'), async (req, reply) =>
      page(req, reply, (ctx) => h(ForgotPage, { ctx, email: req.member?.email ?? '' })),
    );
    app.post<{ Body: RawForm }>(
      '/password/forgot',
      limited('mail', 'public'),
      async (req, reply) => {
        const b = input(emailForm, req.body);
        const r = await requestPasswordReset(deps, { email: b.email });
        if (!r.ok)
          return page(
            req,
            reply,
            (ctx) => h(ForgotPage, { ctx, email: b.email, error: r }),
            failStatus(r),
          );
        return message(req, reply, 'Check your mail', 'ok', r.message, [['/login', 'Log in']]);
      },
    );
    app.get<{ Params: { token: string } }>(
      '/password/reset/:token',
      limited('link', 'public'),
      async (req, reply) => {
        const r = await checkResetToken(deps, req.params.token);
        if (!r.ok)
          return message(
            req,
            reply,
            'That password link cannot be used',
            'error',
            r.message,
            [['/password/forgot', 'Get a new link']],
            400,
          );
        return page(req, reply, (ctx) =>
          h(ResetPage, { ctx, token: req.params.token, email: r.email }),
        );
      },
    );
    app.post<{ Params: { token: string }; Body: RawForm }>(
      '/password/reset/:token',
      limited('reset', 'public'),
      async (req, reply) => {
        const b = input(resetForm, req.body);
        const r = await resetPassword(deps, {
          token: req.params.token,
          password: b.password,
          userAgent: ua(req),
        });
        if (!r.ok) {
          if (r.field === 'password') {
            const check = await checkResetToken(deps, req.params.token);
            const email = check.ok ? check.email : '';
            return page(
              req,
              reply,
              (ctx) => h(ResetPage, { ctx, token: req.params.token, email, error: r }),
              400,
            );
          }
          return message(
            req,
            reply,
            'That password link cannot be used',
            'error',
            r.message,
            [['/password/forgot', 'Get a new link']],
            400,
          );
        }
        setSessionCookie(req, reply, r.sessionToken);
        return reply.redirect('/account?done=reset', 303);
      },
    );

    // ---- account ----
    /** The account page for the signed-in member, with a notice or a form's error. */
    const accountPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      member: MemberRow,
      shown: { notice?: string | null; error?: Failure | null; form?: 'password' | 'email' },
      status = 200,
    ) => {
      const [newsletter, sessions] = await Promise.all([
        memberNewsletterStatus(deps.db, member.email),
        sessionsOf(deps.db, member.id, (services.clock?.() ?? new Date()).toISOString()),
      ]);
      const here = current(req);
      return page(
        req,
        reply,
        (ctx) =>
          h(AccountPage, {
            ctx,
            member,
            notice: shown.notice ?? null,
            error: shown.error ?? null,
            failedForm: shown.form ?? null,
            newsletter,
            // this browser's session first, then the others, the most recently used first
            sessions: sessions
              .map((x) => ({
                current: x.id === here,
                createdAt: x.created_at,
                lastSeenAt: x.last_seen_at,
                userAgent: x.user_agent,
              }))
              .sort((a, b) => Number(b.current) - Number(a.current)),
          }),
        status,
      );
    };
    /** The account page again, 400, with the refusal of one of its forms. */
    const refused = async (
      req: FastifyRequest,
      reply: FastifyReply,
      memberId: number,
      error: Failure,
      form?: 'password' | 'email',
    ) => {
      const member = await findMemberById(deps.db, memberId);
      if (!member) return reply.redirect('/login', 303);
      return accountPage(req, reply, member, { error, form }, 400);
    };
    app.get<{ Querystring: RawForm }>(
      '/account',
      limited('page', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        const member = await findMemberById(deps.db, req.member.id);
        if (!member) return reply.redirect('/login', 303);
        const notice = DONE[input(doneQuery, req.query).done] ?? null;
        return accountPage(req, reply, member, { notice });
      },
    );
    app.post<{ Body: RawForm }>(
      '/account',
      limited('account', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        const b = input(accountForm, req.body);
        const r = await updateDeclaredUse(deps, req.member.id, {
          declaredUse: b.declared_use,
          workOrganisation: b.work_organisation,
        });
        if (!r.ok) return refused(req, reply, req.member.id, r);
        return reply.redirect('/account?done=saved', 303);
      },
    );
    app.post<{ Body: RawForm }>(
      '/account/password',
      limited('password', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        const b = input(passwordChangeForm, req.body);
        const r = await changePassword(deps, req.member.id, {
          current: b.current_password,
          password: b.password,
          sessionHash: current(req),
        });
        if (!r.ok) return refused(req, reply, req.member.id, r, 'password');
        return reply.redirect('/account?done=password', 303);
      },
    );
    app.post<{ Body: RawForm }>(
      '/account/email',
      limited('mail', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        const b = input(emailChangeForm, req.body);
        const r = await requestEmailChange(deps, req.member.id, {
          email: b.email,
          current: b.current_password,
          sessionHash: current(req),
        });
        if (!r.ok) return refused(req, reply, req.member.id, r, 'email');
        return reply.redirect('/account?done=email-sent', 303);
      },
    );
    /** An address link that cannot be used: why, and the way back to the account. */
    const linkRefused = (req: FastifyRequest, reply: FastifyReply, why: string) =>
      message(
        req,
        reply,
        'That address link cannot be used',
        'error',
        why,
        [['/account', 'Your account']],
        400,
      );
    // The link sent to a new address: opening it asks; the account's own session answering changes it.
    app.get<{ Params: { token: string } }>(
      '/account/email/:token',
      limited('link', 'account.manage'),
      async (req, reply) => {
        if (!req.member)
          return reply.redirect(
            `/login?next=/account/email/${encodeURIComponent(req.params.token)}`,
            303,
          );
        const r = await checkEmailChange(deps, req.params.token, req.member.id);
        if (!r.ok) return linkRefused(req, reply, r.message);
        return page(req, reply, (ctx) =>
          h(EmailChangePage, { ctx, token: req.params.token, email: r.email, current: r.current }),
        );
      },
    );
    app.post<{ Params: { token: string } }>(
      '/account/email/:token',
      limited('link', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        const r = await confirmEmailChange(deps, req.params.token, req.member.id, current(req));
        if (!r.ok) return linkRefused(req, reply, r.message);
        // The newsletter follows the address it was confirmed for, to the address now proven.
        if ((await memberNewsletterStatus(deps.db, r.previous)) === 'subscribed') {
          await memberUnsubscribe(deps.db, r.previous);
          await memberSubscribe(
            {
              db: deps.db,
              mailer: services.mailer,
              site: { siteName: deps.siteName, baseUrl: deps.baseUrl },
            },
            { email: r.email, verified: true },
          );
        }
        return reply.redirect('/account?done=email-changed', 303);
      },
    );
    /** The page that deletes the account: what goes with it, what stops it, the form. */
    const deletePage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      member: MemberRow,
      error: Failure | null,
      status = 200,
    ) => {
      const removal = (await services.accountRemoval?.(member.id)) ?? { refusals: [], removes: [] };
      const staff = staffRefusal(member);
      return page(
        req,
        reply,
        (ctx) =>
          h(DeleteAccountPage, {
            ctx,
            member,
            refusals: staff ? [staff, ...removal.refusals] : removal.refusals,
            removes: removal.removes,
            error,
          }),
        status,
      );
    };
    app.get('/account/delete', limited('page', 'account.manage'), async (req, reply) => {
      if (!req.member) return reply.redirect('/login?next=/account/delete', 303);
      const member = await findMemberById(deps.db, req.member.id);
      if (!member) return reply.redirect('/login', 303);
      return deletePage(req, reply, member, null);
    });
    app.post<{ Body: RawForm }>(
      '/account/delete',
      limited('password', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account/delete', 303);
        const b = input(deleteAccountForm, req.body);
        const removal = (await services.accountRemoval?.(req.member.id)) ?? { refusals: [] };
        const r = await deleteAccount(
          deps,
          req.member.id,
          { current: b.current_password, sessionHash: current(req) },
          removal,
        );
        if (!r.ok) {
          const member = await findMemberById(deps.db, req.member.id);
          if (!member) return reply.redirect('/login', 303);
          return deletePage(req, reply, member, r, 400);
        }
        clearSessionCookie(req, reply);
        setFlash(req, reply, { kind: 'ok', message: r.message });
        return reply.redirect('/', 303);
      },
    );
    app.post(
      '/account/sessions/end-others',
      limited('account', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        await endOtherSessions(deps, req.member.id, req.member.sessionId);
        return reply.redirect('/account?done=sessions-ended', 303);
      },
    );
    // The newsletter box on the account page (CSRF-checked like every form).
    app.post<{ Body: RawForm }>(
      '/account/newsletter',
      limited('account', 'account.manage'),
      async (req, reply) => {
        if (!req.member) return reply.redirect('/login?next=/account', 303);
        const member = await findMemberById(deps.db, req.member.id);
        if (!member) return reply.redirect('/login', 303);
        if (input(accountNewsletterForm, req.body).action === 'unsubscribe') {
          await memberUnsubscribe(deps.db, member.email);
          return reply.redirect('/account?done=newsletter-off', 303);
        }
        const r = await memberSubscribe(
          {
            db: deps.db,
            mailer: services.mailer,
            site: { siteName: deps.siteName, baseUrl: deps.baseUrl },
          },
          { email: member.email, verified: !!member.email_verified_at },
        );
        if (r === 'mail-failed') req.log.warn('newsletter confirmation not sent');
        return reply.redirect(
          `/account?done=${r === 'subscribed' ? 'newsletter-on' : r === 'confirm-sent' ? 'newsletter-confirm' : r === 'invalid' ? 'newsletter-invalid' : 'newsletter-nomail'}`,
          303,
        );
      },
    );
  };
}
