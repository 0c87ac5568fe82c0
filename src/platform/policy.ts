/**
 * Authorisation: every permission of the site is decided here, and only here.
 *
 * A request's actor (`actorOf`) is one of: an anonymous reader, a crawler (automated use without a
 * licensed key), an API key (of its organisation), or a signed-in member. A member whose address is
 * not confirmed holds no role at all: they may read and manage their own account (and confirm it),
 * nothing staff or organisation. Organisation roles (member, administrator) are relative to one
 * organisation, so actions on an organisation take it as their subject.
 *
 * Every route names its action in its options (`config: { policy: 'ads.manage' }`); `installPolicy`
 * refuses to start an app with a route that names none, and checks the action before the handler.
 * Actions on a subject (an organisation) are checked there only as far as they can be without it
 * (who could hold them at all); the route loads the subject and calls `authorize(actor, action,
 * subject)`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http.ts';

/** What a refused automated request is told (the licensing hook says it too). */
export const API_LICENCE_MESSAGE = 'Automated access to this site needs an API licence and key.';

export type MemberRole = 'reader' | 'editor' | 'admin';
export type OrgRole = 'admin' | 'member';

export type Actor =
  | { kind: 'anonymous' }
  /** Automated use without a licensed API key (AI crawlers, media monitors, a revoked or unknown key). */
  | { kind: 'crawler' }
  | { kind: 'api-key'; organisationId: number }
  | { kind: 'member'; id: number; email: string; role: MemberRole; confirmed: boolean };

/** An organisation as the policy needs it: its id and the acting member's role in it (null: none). */
export interface OrgSubject {
  id: number;
  actorRole: OrgRole | null;
}

/** What an alert needs: whether the request is covered by an organisation's licence. */
export interface AlertSubject {
  licensed: boolean;
}

interface Subjects {
  'org.view': OrgSubject;
  'org.manage': OrgSubject;
  'alerts.create': AlertSubject;
}

export const ACTIONS = [
  /** Anyone, crawlers included: pages, assets, login and registration, links that carry their own token. */
  'public',
  /** The JSON API and feeds: people and licensed API keys; automated use without a key gets 402. */
  'api.read',
  /** One's own account (also unconfirmed): profile, newsletter choice, confirmation mail. */
  'account.manage',
  /** Confirmed members: submit a press release. */
  'press-release.submit',
  /** Confirmed members: apply for a licence (renewing one needs org.manage on it). */
  'licence.apply',
  /** Confirmed members: accept an invitation to an organisation. */
  'invitation.accept',
  /** Confirmed members: the list of one's organisations. */
  'org.list',
  /** Confirmed members: one's saved searches (creating one needs alerts.create). */
  'alerts.manage',
  /** Subject { licensed }: a confirmed member whose request a licence covers. */
  'alerts.create',
  /** Subject: an organisation. Its administrators, editors (read only), site admins. Others: 404. */
  'org.view',
  /** Subject: an organisation. Its administrators and site admins. Others: 404. */
  'org.manage',
  /** Site admins: mark an organisation's domain verified without DNS. */
  'org.verify-domain',
  /** Editors: the newsroom dashboard, stories, home page leads, sections. */
  'newsroom.edit',
  /** Editors: the press-release queue, editing, approving and rejecting releases. */
  'press-release.review',
  /** Editors: cable uploads and their imports. */
  'cables.upload',
  /** Editors: house ads. */
  'ads.manage',
  /** Editors: partner feeds. */
  'feeds.manage',
  /** Editors: newsletter issues (compose, edit, test, schedule, send). */
  'newsletter.edit',
  /** Editors: the licence queue and leads. Others: 404. */
  'licensing.review',
  /** Site admins: recording payments, the tax rate. Editors: 403; others: 404. */
  'licensing.admin',
  /** Site admins: the list of accounts and their roles. Editors: 403; others: 404. */
  'members.list',
] as const;

export type Action = (typeof ACTIONS)[number];
type SubjectOf<A extends Action> = A extends keyof Subjects ? Subjects[A] : undefined;

const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
export function isAction(x: unknown): x is Action {
  return typeof x === 'string' && ACTION_SET.has(x);
}

/** The actor of a request, from what the session and licensing hooks found. */
export function actorOf(req: FastifyRequest): Actor {
  const m = req.member;
  if (m)
    return {
      kind: 'member',
      id: m.id,
      email: m.email,
      role: m.role,
      confirmed: m.emailVerified === true,
    };
  const d = req.access?.decision;
  if (d?.status === 'automated-licensed' && d.organisation)
    return { kind: 'api-key', organisationId: Number(d.organisation.id) };
  if (d?.status === 'automated-unlicensed') return { kind: 'crawler' };
  return { kind: 'anonymous' };
}

/** The role a member holds: none at all until their address is confirmed. */
function roleOf(a: Actor): MemberRole | null {
  return a.kind === 'member' && a.confirmed ? a.role : null;
}
const isStaff = (a: Actor) => roleOf(a) === 'editor' || roleOf(a) === 'admin';
const isSiteAdmin = (a: Actor) => roleOf(a) === 'admin';
const isConfirmed = (a: Actor) => roleOf(a) !== null;

type Rule = (a: Actor, subject: any) => boolean;

/**
 * The policy table. A subject-scoped rule called without its subject answers whether the actor
 * could hold the action for some subject (the check made before the route loads it).
 */
const RULES: Record<Action, Rule> = {
  public: () => true,
  'api.read': (a) => a.kind !== 'crawler',
  'account.manage': (a) => a.kind === 'member',
  'press-release.submit': isConfirmed,
  'licence.apply': isConfirmed,
  'invitation.accept': isConfirmed,
  'org.list': isConfirmed,
  'alerts.manage': isConfirmed,
  'alerts.create': (a, s?: AlertSubject) => isConfirmed(a) && (s === undefined || s.licensed),
  'org.view': (a, s?: OrgSubject) =>
    isConfirmed(a) && (s === undefined || s.actorRole === 'admin' || isStaff(a)),
  'org.manage': (a, s?: OrgSubject) =>
    isConfirmed(a) && (s === undefined || s.actorRole === 'admin' || isSiteAdmin(a)),
  'org.verify-domain': isSiteAdmin,
  'newsroom.edit': isStaff,
  'press-release.review': isStaff,
  'cables.upload': isStaff,
  'ads.manage': isStaff,
  'feeds.manage': isStaff,
  'newsletter.edit': isStaff,
  'licensing.review': isStaff,
  'licensing.admin': isSiteAdmin,
  'members.list': isSiteAdmin,
};

/** Whether the actor may do the action (on the subject, for subject-scoped actions). */
export function can<A extends Action>(actor: Actor, action: A, subject?: SubjectOf<A>): boolean {
  return RULES[action](actor, subject);
}

const STAFF_ACTIONS: ReadonlySet<Action> = new Set([
  'newsroom.edit',
  'press-release.review',
  'cables.upload',
  'ads.manage',
  'feeds.manage',
  'newsletter.edit',
]);
const CONFIRM_FIRST =
  'Confirm your email address first: follow the link in the mail we sent you, or send a new one from your account page.';

/** The answer to a refused actor: the friendly 403, or 404 where the site hides what exists. */
export function refusal(actor: Actor, action: Action): HttpError {
  const signedIn = actor.kind === 'member';
  if (action === 'api.read') return new HttpError(402, 'licence_required', API_LICENCE_MESSAGE);
  if (action === 'org.view' || action === 'org.manage')
    return new HttpError(404, 'not_found', 'There is no such organisation.');
  if (action === 'licensing.review' || action === 'licensing.admin' || action === 'members.list') {
    if (action !== 'licensing.review' && isStaff(actor))
      return new HttpError(403, 'forbidden', 'Only an administrator can do this.');
    return new HttpError(404, 'not_found', 'Not found');
  }
  if (action === 'org.verify-domain') return new HttpError(404, 'not_found', 'Not found');
  if (action === 'alerts.create' && isConfirmed(actor))
    return new HttpError(
      403,
      'unlicensed',
      'Alerts on saved searches come with an organisation’s licence.',
    );
  if (STAFF_ACTIONS.has(action)) {
    if (!signedIn) return new HttpError(403, 'forbidden', 'Log in as an editor to do that.');
    if (actor.role !== 'reader' && !actor.confirmed)
      return new HttpError(403, 'unconfirmed', CONFIRM_FIRST);
    if (action === 'newsletter.edit')
      return new HttpError(403, 'forbidden', 'The newsletter editor is for editors only.');
    return new HttpError(
      403,
      'forbidden',
      'The newsroom is for editors. Your account can read and submit press releases, but not edit the site.',
    );
  }
  if (!signedIn) return new HttpError(403, 'forbidden', 'Log in to do that.');
  if (!actor.confirmed) return new HttpError(403, 'unconfirmed', CONFIRM_FIRST);
  return new HttpError(403, 'forbidden', 'Your account cannot do that.');
}

/**
 * Where a visitor who is not signed in goes back to after logging in, when logging in is the
 * answer: any page they may not see, and the forms of what any member may do (their account,
 * applying, invitations, alerts, press releases), which return to the page the form is on.
 * Null when the answer is a refusal instead.
 */
const FORM_PAGE: Partial<Record<Action, string>> = {
  'account.manage': '/account',
  'licence.apply': '/licensing/apply',
  'org.list': '/org',
  'alerts.manage': '/alerts',
  'alerts.create': '/alerts',
  'press-release.submit': '/press-releases/new',
};
export function signInFirst(
  actor: Actor,
  action: Action,
  method: string,
  url: string,
): string | null {
  if (actor.kind === 'member' || action === 'api.read') return null;
  if (method === 'GET' || method === 'HEAD') return url;
  if (action === 'invitation.accept') return url.split('?')[0];
  return FORM_PAGE[action] ?? null;
}

/** Throws the refusal unless the actor may do the action (on the subject). */
export function authorize<A extends Action>(actor: Actor, action: A, subject?: SubjectOf<A>): void {
  if (!can(actor, action, subject)) throw refusal(actor, action);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with the policy it names, in registration order (HEAD routes included). */
    routePolicies: readonly RoutePolicy[];
  }
  interface FastifyContextConfig {
    /** The action a route performs, as the policy names it (src/platform/policy.ts). Required. */
    policy?: Action;
  }
}

/** A route as the policy registry lists it. */
export interface RoutePolicy {
  method: string;
  url: string;
  policy: Action;
}

/**
 * Installs the policy on an app, before any route: a route declared without a known policy stops
 * the app from starting (naming the route); every request to a route is checked against its
 * policy before the handler (after its rate limit). Anonymous visitors asking for a page they may
 * not see are sent to log in and back. Returns the registry of declared routes.
 */
export function installPolicy(app: FastifyInstance): RoutePolicy[] {
  const registry: RoutePolicy[] = [];
  app.decorate('routePolicies', registry);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const policy = (route.config as { policy?: unknown } | undefined)?.policy;
    if (!isAction(policy)) {
      throw new Error(
        `Route ${methods.join(',')} ${route.url} names no authorisation policy (config.policy${policy === undefined ? '' : ` is ${JSON.stringify(policy)}`}); give it one of: ${ACTIONS.join(', ')}.`,
      );
    }
    for (const method of methods) registry.push({ method, url: route.url, policy });
  });
  // After the route's rate limit (route hooks run after these onRequest hooks, so the check waits
  // for preValidation) and before the CSRF check and the handler.
  // A plain callback (every request passes it): a throw is the request's error; after a redirect
  // the chain stops (done is not called).
  app.addHook('preValidation', (req, reply, done) => {
    if (req.is404) return done();
    const action = req.routeOptions.config?.policy;
    // Unreachable for registered routes (onRoute refuses them); fail closed all the same.
    if (!isAction(action))
      throw new HttpError(403, 'forbidden', 'This address has no access rule.');
    const actor = actorOf(req);
    if (can(actor, action)) {
      // What only some may see is never stored by a shared cache (pages set their own policy).
      if (action !== 'public' && action !== 'api.read') reply.header('cache-control', 'no-store');
      return done();
    }
    const next = signInFirst(actor, action, req.method, req.url);
    if (next !== null) {
      reply
        .header('cache-control', 'no-store')
        .redirect(`/login?next=${encodeURIComponent(next).replace(/%2F/g, '/')}`, 303);
      return;
    }
    throw refusal(actor, action);
  });
  return registry;
}
