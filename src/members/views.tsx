/** Member pages: register, log in (password or link by mail), password reset, account. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/format.ts';
import { MIN_PASSWORD_LENGTH } from './passwords.ts';
import type { MemberRow } from './store.ts';
import type { Failure } from './service.ts';
import { NewsletterAccountBox } from '../newsletter/views.tsx';
import type { MemberNewsletterStatus } from '../newsletter/account.ts';
import { Csrf } from '../web/components.tsx';
import { describeAgent } from './user-agent.ts';

function ErrorNotice({ error }: { error?: Failure | null }) {
  if (!error) return null;
  return (
    <div class="notice error" role="alert" id="form-error">
      {error.message}
    </div>
  );
}

function OkNotice({ children }: { children?: ComponentChildren }) {
  return (
    <div class="notice ok" role="status">
      {children}
    </div>
  );
}

function Field(props: {
  id: string;
  label: string;
  type: string;
  name: string;
  value?: string;
  autocomplete?: string;
  required?: boolean;
  hint?: string;
  invalid?: boolean;
  minLength?: number;
  maxLength?: number;
  /** Focus the field when the page opens (the field to correct after a refused form). */
  autofocus?: boolean;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <p class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type}
        name={props.name}
        value={props.value}
        autoComplete={props.autocomplete}
        required={props.required}
        minLength={props.minLength}
        maxLength={props.maxLength}
        aria-invalid={props.invalid ? 'true' : undefined}
        autoFocus={props.autofocus}
        aria-describedby={
          [hintId, props.invalid ? 'form-error' : undefined].filter(Boolean).join(' ') || undefined
        }
      />
      {props.hint ? (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      ) : null}
    </p>
  );
}

/** The field for a new password, with the rules it must meet; `more` is said after them. */
function NewPasswordField(props: {
  id?: string;
  label: string;
  more?: string;
  error?: Failure | null;
}) {
  const invalid = props.error?.field === 'password';
  return (
    <Field
      id={props.id ?? 'password'}
      label={props.label}
      type="password"
      name="password"
      autocomplete="new-password"
      required
      minLength={MIN_PASSWORD_LENGTH}
      maxLength={200}
      hint={`At least ${MIN_PASSWORD_LENGTH} characters. Common passwords are refused${props.more ?? '.'}`}
      invalid={invalid}
      autofocus={invalid}
    />
  );
}

/** The current password, asked again before a change to the account. */
function CurrentPasswordField(props: { id: string; error?: Failure | null }) {
  const invalid = props.error?.field === 'current_password';
  return (
    <Field
      id={props.id}
      label="Current password"
      type="password"
      name="current_password"
      autocomplete="current-password"
      required
      maxLength={200}
      invalid={invalid}
      autofocus={invalid}
    />
  );
}

function DeclaredUseFields({
  declaredUse,
  workOrganisation,
  error,
}: {
  declaredUse: string | null;
  workOrganisation: string | null;
  error?: Failure | null;
}) {
  return (
    <fieldset class="declared-use">
      <legend>What do you read us for?</legend>
      <p class="hint">
        Reading is free for personal use. If you read for your work, your organisation needs a
        licence — nothing is blocked either way.
      </p>
      <label class="choice">
        <input
          type="radio"
          name="declared_use"
          value="personal"
          checked={declaredUse === 'personal'}
        />{' '}
        Personal use
      </label>
      <label class="choice">
        <input type="radio" name="declared_use" value="work" checked={declaredUse === 'work'} />{' '}
        Work
      </label>
      <Field
        id="work_organisation"
        label="Organisation (if you read for work)"
        type="text"
        name="work_organisation"
        value={workOrganisation ?? ''}
        autocomplete="organization"
        maxLength={200}
        invalid={error?.field === 'work_organisation'}
      />
    </fieldset>
  );
}

export interface RegisterValues {
  email: string;
  declaredUse: string | null;
  workOrganisation: string | null;
}

export function RegisterPage({
  ctx,
  values,
  error,
}: {
  ctx: PageContext;
  values: RegisterValues;
  error?: Failure | null;
}) {
  return (
    <Layout ctx={ctx} title="Register" noindex>
      <div class="prose auth">
        <h1>Register</h1>
        <p>
          An account lets you say how you use {ctx.siteName} and, later, manage newsletters and
          alerts. Reading stays free.
        </p>
        <p>
          We send a link to the address you give; following it, in this browser, confirms the
          address and logs you in.
        </p>
        <ErrorNotice error={error} />
        <form method="post" action="/register" class="auth-form">
          <Csrf ctx={ctx} />
          <Field
            id="email"
            label="Email address"
            type="email"
            name="email"
            value={values.email}
            autocomplete="email"
            required
            maxLength={254}
            invalid={error?.field === 'email'}
          />
          <NewPasswordField
            label="Password"
            more="; a few unrelated words work well."
            error={error}
          />
          <DeclaredUseFields
            declaredUse={values.declaredUse}
            workOrganisation={values.workOrganisation}
            error={error}
          />
          <p>
            <button class="button" type="submit">
              Register
            </button>
          </p>
        </form>
        <p>
          Prefer not to have a password? <a href="/login/magic">Get a login link by mail</a> — it
          creates your account. Already registered? <a href="/login">Log in</a>.
        </p>
      </div>
    </Layout>
  );
}

export function LoginPage({
  ctx,
  email,
  next,
  error,
  notice,
}: {
  ctx: PageContext;
  email: string;
  next: string;
  error?: Failure | null;
  notice?: string | null;
}) {
  return (
    <Layout ctx={ctx} title="Log in" noindex>
      <div class="prose auth">
        <h1>Log in</h1>
        {notice ? <OkNotice>{notice}</OkNotice> : null}
        <ErrorNotice error={error} />
        <form method="post" action="/login" class="auth-form">
          <Csrf ctx={ctx} />
          <input type="hidden" name="next" value={next} />
          <Field
            id="email"
            label="Email address"
            type="email"
            name="email"
            value={email}
            autocomplete="email"
            required
            maxLength={254}
            invalid={error?.field === 'email'}
          />
          <Field
            id="password"
            label="Password"
            type="password"
            name="password"
            autocomplete="current-password"
            required
            maxLength={200}
            invalid={error?.field === 'password'}
          />
          <p>
            <button class="button" type="submit">
              Log in
            </button>
          </p>
        </form>
        <p>
          <a href="/login/magic">Log in with a link by mail instead</a> ·{' '}
          <a href="/password/forgot">Forgotten your password?</a> · <a href="/register">Register</a>
        </p>
      </div>
    </Layout>
  );
}

export function MagicRequestPage({
  ctx,
  email,
  error,
}: {
  ctx: PageContext;
  email: string;
  error?: Failure | null;
}) {
  return (
    <Layout ctx={ctx} title="Log in with a link" noindex>
      <div class="prose auth">
        <h1>Log in with a link by mail</h1>
        <p>
          We mail you a link that logs you in; it works for ten minutes. If you have no account yet,
          the link creates one.
        </p>
        <ErrorNotice error={error} />
        <form method="post" action="/login/magic" class="auth-form">
          <Csrf ctx={ctx} />
          <Field
            id="email"
            label="Email address"
            type="email"
            name="email"
            value={email}
            autocomplete="email"
            required
            maxLength={254}
            invalid={error?.field === 'email'}
          />
          <p>
            <button class="button" type="submit">
              Send me a link
            </button>
          </p>
        </form>
        <p>
          <a href="/login">Log in with a password</a>
        </p>
      </div>
    </Layout>
  );
}

export function ForgotPage({
  ctx,
  email,
  error,
}: {
  ctx: PageContext;
  email: string;
  error?: Failure | null;
}) {
  return (
    <Layout ctx={ctx} title="Forgotten password" noindex>
      <div class="prose auth">
        <h1>Forgotten your password?</h1>
        <p>
          Enter the address of your account and we will mail you a link to choose a new password.
        </p>
        <ErrorNotice error={error} />
        <form method="post" action="/password/forgot" class="auth-form">
          <Csrf ctx={ctx} />
          <Field
            id="email"
            label="Email address"
            type="email"
            name="email"
            value={email}
            autocomplete="email"
            required
            maxLength={254}
            invalid={error?.field === 'email'}
          />
          <p>
            <button class="button" type="submit">
              Send the link
            </button>
          </p>
        </form>
      </div>
    </Layout>
  );
}

export function ResetPage({
  ctx,
  token,
  email,
  error,
}: {
  ctx: PageContext;
  token: string;
  email: string;
  error?: Failure | null;
}) {
  return (
    <Layout ctx={ctx} title="Choose a new password" noindex>
      <div class="prose auth">
        <h1>Choose a new password</h1>
        <p>For the account {email}.</p>
        <ErrorNotice error={error} />
        <form method="post" action={`/password/reset/${token}`} class="auth-form">
          <Csrf ctx={ctx} />
          <input
            type="text"
            name="username"
            value={email}
            autoComplete="username"
            hidden
            readOnly
          />
          <NewPasswordField label="New password" error={error} />
          <p>
            <button class="button" type="submit">
              Set the new password
            </button>
          </p>
        </form>
      </div>
    </Layout>
  );
}

/** A login link by mail for a signed-in account without a password (a fresh login for a change). */
function LoginLinkButton({ ctx, email }: { ctx: PageContext; email: string }) {
  return (
    <form method="post" action="/login/magic" class="inline-form">
      <Csrf ctx={ctx} />
      <input type="hidden" name="email" value={email} />
      <button class="button secondary" type="submit">
        Mail me a login link
      </button>
    </form>
  );
}

/** Deleting the account: what goes with it, what stops it, and the form that does it. */
export function DeleteAccountPage({
  ctx,
  member,
  refusals,
  removes,
  error,
}: {
  ctx: PageContext;
  member: MemberRow;
  refusals: string[];
  removes: string[];
  error?: Failure | null;
}) {
  return (
    <Layout ctx={ctx} title="Delete your account" noindex>
      <div class="prose auth">
        <h1>Delete your account</h1>
        <ErrorNotice error={error} />
        {refusals.length ? (
          <>
            <p>{member.email} cannot be deleted yet:</p>
            <ul>
              {refusals.map((r, i) => (
                <li key={i}>{r}</li>
              ))}
            </ul>
            <p>
              <a href="/account">Back to your account</a>
            </p>
          </>
        ) : (
          <>
            <p>
              Deleting {member.email} removes the account at once and for good, with its sessions
              and links
              {removes.length ? ', and:' : '.'}
            </p>
            {removes.length ? (
              <ul class="removes">
                {removes.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
            ) : null}
            <p class="meta">
              A subscription to the newsletter is separate from the account: each issue has a link
              to end it. Reading stays free for personal use without an account.
            </p>
            <form method="post" action="/account/delete" class="auth-form">
              <Csrf ctx={ctx} />
              {member.password_hash ? (
                <CurrentPasswordField id="current_password" error={error} />
              ) : (
                <p class="meta">
                  Your account has no password, so this must follow a login by mail within 15
                  minutes.
                </p>
              )}
              <p>
                <button class="button" type="submit">
                  Delete my account
                </button>
              </p>
            </form>
            {member.password_hash ? null : <LoginLinkButton ctx={ctx} email={member.email} />}
            <p>
              <a href="/account">Keep my account</a>
            </p>
          </>
        )}
      </div>
    </Layout>
  );
}

/** Opening an address link: what will change, and the button that changes it (a POST). */
export function EmailChangePage({
  ctx,
  token,
  email,
  current,
}: {
  ctx: PageContext;
  token: string;
  email: string;
  current: string;
}) {
  return (
    <Layout ctx={ctx} title="Confirm your new address" noindex>
      <div class="prose auth">
        <h1>Confirm your new address</h1>
        <p>
          The address of your account will change from <strong>{current}</strong> to{' '}
          <strong>{email}</strong>. You will log in with {email}, and every mail from {ctx.siteName}{' '}
          will go to it. Your other sessions will be logged out.
        </p>
        <form method="post" action={`/account/email/${token}`} class="auth-form">
          <Csrf ctx={ctx} />
          <p>
            <button class="button" type="submit">
              Use {email}
            </button>
          </p>
        </form>
        <p>
          <a href="/account">Keep {current}</a>
        </p>
      </div>
    </Layout>
  );
}

export interface AccountSession {
  /** The session of the browser asking for the page. */
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string;
}

export function AccountPage({
  ctx,
  member,
  notice,
  error,
  newsletter,
  sessions = [],
  failedForm = null,
}: {
  ctx: PageContext;
  member: MemberRow;
  notice?: string | null;
  error?: Failure | null;
  /** The form further down the page whose refusal `error` is: shown by that form. */
  failedForm?: 'password' | 'email' | null;
  newsletter?: MemberNewsletterStatus;
  /** The account's live sessions, the most recently used first. */
  sessions?: AccountSession[];
}) {
  // a refused password or address change is shown by its form, further down the page
  const passwordError = failedForm === 'password' ? (error ?? null) : null;
  const emailError = failedForm === 'email' ? (error ?? null) : null;
  const work = member.declared_use === 'work';
  return (
    <Layout ctx={ctx} title="Your account" noindex>
      <div class="prose auth">
        <h1>Your account</h1>
        {notice ? <OkNotice>{notice}</OkNotice> : null}
        <ErrorNotice error={failedForm ? null : error} />
        <dl class="account-facts">
          <dt>Email address</dt>
          <dd>
            {member.email}{' '}
            {member.email_verified_at ? (
              <span class="badge ok">Confirmed</span>
            ) : (
              <span class="badge">Not confirmed yet</span>
            )}
          </dd>
          {member.role !== 'reader' ? (
            <>
              <dt>Role</dt>
              <dd>
                {member.role === 'admin' ? 'Administrator' : 'Editor'}
                {member.email_verified_at ? '' : ' (once your address is confirmed)'}
              </dd>
            </>
          ) : null}
          <dt>Member since</dt>
          <dd>{formatDateTime(member.created_at)}</dd>
        </dl>
        {!member.email_verified_at ? (
          <form method="post" action="/verify/resend" class="inline-form">
            <Csrf ctx={ctx} />
            <p>
              Check your mail for the confirmation link, or{' '}
              <button class="button secondary" type="submit">
                send it again
              </button>
            </p>
          </form>
        ) : null}

        <h2>How you use {ctx.siteName}</h2>
        {work ? (
          <div class="notice licence-needed" role="note">
            <p>
              <strong>
                You read {ctx.siteName} for work
                {member.work_organisation ? ` at ${member.work_organisation}` : ''}.
              </strong>{' '}
              Work use needs a licence for your organisation. Nothing is blocked while you arrange
              it, and a licence removes the advertisements for everyone there.
            </p>
            <p>
              <a class="button" href="/about/licensing">
                How to get a licence
              </a>
            </p>
          </div>
        ) : member.declared_use === 'personal' ? (
          <p>You read for personal use: everything is free for you.</p>
        ) : (
          <p>You have not told us yet whether you read for personal use or for work.</p>
        )}
        <form method="post" action="/account" class="auth-form">
          <Csrf ctx={ctx} />
          <DeclaredUseFields
            declaredUse={member.declared_use}
            workOrganisation={member.work_organisation}
            error={error}
          />
          <p>
            <button class="button" type="submit">
              Save
            </button>
          </p>
        </form>

        {newsletter ? (
          <NewsletterAccountBox csrf={ctx.csrf} email={member.email} status={newsletter} />
        ) : null}

        <h2 id="email">Email address</h2>
        <ErrorNotice error={emailError} />
        {member.email_verified_at ? (
          <form method="post" action="/account/email" class="auth-form">
            <Csrf ctx={ctx} />
            <Field
              id="new_email"
              label="New email address"
              type="email"
              name="email"
              autocomplete="email"
              required
              maxLength={254}
              hint={`We send a link to it. Your address changes when you open the link logged in to this account; until then it stays ${member.email}.`}
              invalid={emailError?.field === 'email'}
              autofocus={emailError?.field === 'email'}
            />
            {member.password_hash ? (
              <CurrentPasswordField id="email_current_password" error={emailError} />
            ) : (
              <p class="meta">
                Your account has no password, so the change must follow a login by mail within 15
                minutes. Logged in longer ago? Ask for a login link below first.
              </p>
            )}
            <p>
              <button class="button" type="submit">
                Send the link to the new address
              </button>
            </p>
          </form>
        ) : (
          <p>Once {member.email} is confirmed, you can change it here.</p>
        )}
        {member.email_verified_at && !member.password_hash ? (
          <LoginLinkButton ctx={ctx} email={member.email} />
        ) : null}

        <h2 id="password">Password</h2>
        <ErrorNotice error={passwordError} />
        {member.password_hash ? (
          <form method="post" action="/account/password" class="auth-form">
            <Csrf ctx={ctx} />
            <input
              type="text"
              name="username"
              value={member.email}
              autoComplete="username"
              hidden
              readOnly
            />
            <CurrentPasswordField id="current_password" error={passwordError} />
            <NewPasswordField
              id="new_password"
              label="New password"
              more=". Changing it logs out your other sessions."
              error={passwordError}
            />
            <p>
              <button class="button" type="submit">
                Change the password
              </button>
            </p>
            <p class="meta">
              Forgotten it? <a href="/password/forgot">Ask for a password link</a>.
            </p>
          </form>
        ) : (
          <form method="post" action="/password/forgot" class="inline-form">
            <Csrf ctx={ctx} />
            <input type="hidden" name="email" value={member.email} />
            <p>
              You log in with links by mail. To choose a password as well,{' '}
              <button class="button secondary" type="submit">
                mail me a password link
              </button>
            </p>
          </form>
        )}

        <h2 id="sessions">Where you are logged in</h2>
        <ul class="session-list">
          {sessions.map((s, i) => (
            <li key={i}>
              <strong>{describeAgent(s.userAgent)}</strong>
              {s.current ? ' (this browser)' : ''}
              <span class="meta">
                {' '}
                · logged in {formatDateTime(s.createdAt)} · last seen {formatDateTime(s.lastSeenAt)}
              </span>
            </li>
          ))}
        </ul>
        {sessions.some((s) => !s.current) ? (
          <form method="post" action="/account/sessions/end-others" class="inline-form">
            <Csrf ctx={ctx} />
            <p>
              Not you, or a device you no longer use?{' '}
              <button class="button secondary" type="submit">
                Log out everywhere else
              </button>
            </p>
          </form>
        ) : (
          <p class="meta">You are not logged in anywhere else.</p>
        )}
        <form method="post" action="/logout" class="inline-form">
          <Csrf ctx={ctx} />
          <button class="button secondary" type="submit">
            Log out
          </button>
        </form>

        <h2 id="delete">Delete your account</h2>
        <p>
          <a href="/account/delete">Delete your account</a>: see what goes with it before you
          confirm.
        </p>
      </div>
    </Layout>
  );
}
