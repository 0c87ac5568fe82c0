/**
 * The policy module on its own: subject-scoped decisions (organisations, licence cover), the
 * unconfirmed member who holds no role, and the refusal each actor gets. The route-level table is
 * tested over HTTP in test/security/policy.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTIONS,
  authorize,
  can,
  refusal,
  signInFirst,
  type Actor,
} from '../../src/platform/policy.ts';

const member = (role: 'reader' | 'editor' | 'admin', confirmed = true): Actor => ({
  kind: 'member',
  id: 7,
  email: 'm@example.org',
  role,
  confirmed,
});
const anonymous: Actor = { kind: 'anonymous' };
const crawler: Actor = { kind: 'crawler' };
const apiKey: Actor = { kind: 'api-key', organisationId: 1 };

test('an organisation is managed by its own admins and site admins; editors only read it', () => {
  const own = { id: 1, actorRole: 'admin' as const };
  const seat = { id: 1, actorRole: 'member' as const };
  const other = { id: 2, actorRole: null };
  assert.equal(can(member('reader'), 'org.manage', own), true);
  assert.equal(can(member('reader'), 'org.view', own), true);
  assert.equal(can(member('reader'), 'org.manage', seat), false);
  assert.equal(can(member('reader'), 'org.view', seat), false);
  assert.equal(can(member('reader'), 'org.manage', other), false);
  assert.equal(can(member('editor'), 'org.view', other), true);
  assert.equal(can(member('editor'), 'org.manage', other), false);
  assert.equal(can(member('admin'), 'org.manage', other), true);
  // The admin of an organisation whose address is not confirmed holds nothing there.
  assert.equal(can(member('reader', false), 'org.manage', own), false);
  assert.equal(can(member('admin', false), 'org.view', other), false);
  // An API key reads; it does not act for its organisation's people.
  assert.equal(can(apiKey, 'org.view', { id: 1, actorRole: null }), false);
  for (const a of [anonymous, crawler, apiKey]) assert.equal(can(a, 'org.view'), false);
});

test('an unconfirmed member may read and manage their own account, nothing else, whatever their role', () => {
  for (const role of ['reader', 'editor', 'admin'] as const) {
    const a = member(role, false);
    const allowed = ACTIONS.filter((x) => can(a, x));
    assert.deepEqual(allowed, ['public', 'api.read', 'account.manage'], role);
  }
});

test('what each actor may do without a subject', () => {
  const allowed = (a: Actor) => ACTIONS.filter((x) => can(a, x));
  assert.deepEqual(allowed(anonymous), ['public', 'api.read']);
  assert.deepEqual(allowed(apiKey), ['public', 'api.read']);
  assert.deepEqual(allowed(crawler), ['public']);
  const reader = allowed(member('reader'));
  for (const x of [
    'press-release.submit',
    'licence.apply',
    'invitation.accept',
    'org.list',
    'alerts.manage',
  ])
    assert.ok(reader.includes(x as never), x);
  for (const x of [
    'newsroom.edit',
    'ads.manage',
    'licensing.review',
    'licensing.admin',
    'org.verify-domain',
  ])
    assert.ok(!reader.includes(x as never), x);
  const editor = allowed(member('editor'));
  assert.ok(
    editor.includes('licensing.review') &&
      !editor.includes('licensing.admin') &&
      !editor.includes('org.verify-domain'),
  );
  assert.deepEqual(allowed(member('admin')), [...ACTIONS]);
});

test('alerts need a licence covering the request', () => {
  assert.equal(can(member('reader'), 'alerts.create', { licensed: true }), true);
  assert.equal(can(member('admin'), 'alerts.create', { licensed: false }), false);
  assert.equal(can(member('reader', false), 'alerts.create', { licensed: true }), false);
  assert.throws(
    () => authorize(member('reader'), 'alerts.create', { licensed: false }),
    (e: { statusCode: number; message: string }) =>
      e.statusCode === 403 && /licence/.test(e.message),
  );
});

test('refusals: 404 where the site hides what exists, 402 for automated use, otherwise 403 with a reason', () => {
  assert.equal(refusal(member('reader'), 'org.manage').statusCode, 404);
  assert.equal(refusal(anonymous, 'licensing.review').statusCode, 404);
  assert.equal(refusal(member('editor'), 'licensing.admin').statusCode, 403);
  assert.equal(refusal(member('reader'), 'licensing.admin').statusCode, 404);
  assert.equal(refusal(crawler, 'api.read').statusCode, 402);
  assert.match(refusal(member('reader'), 'newsroom.edit').message, /newsroom is for editors/);
  assert.match(
    refusal(member('editor', false), 'newsroom.edit').message,
    /Confirm your email address/,
  );
  assert.match(
    refusal(member('reader', false), 'licence.apply').message,
    /Confirm your email address/,
  );
  assert.match(refusal(anonymous, 'ads.manage').message, /Log in as an editor/);
});

test('visitors are sent to log in for pages and for members’ forms, and come back to the page', () => {
  assert.equal(signInFirst(anonymous, 'newsroom.edit', 'GET', '/admin?x=1'), '/admin?x=1');
  assert.equal(signInFirst(crawler, 'org.view', 'HEAD', '/org/3'), '/org/3');
  assert.equal(signInFirst(anonymous, 'account.manage', 'POST', '/account/newsletter'), '/account');
  assert.equal(
    signInFirst(apiKey, 'invitation.accept', 'POST', '/invitations/abc?x=1'),
    '/invitations/abc',
  );
  assert.equal(signInFirst(anonymous, 'ads.manage', 'POST', '/admin/ads'), null);
  assert.equal(signInFirst(anonymous, 'org.manage', 'POST', '/org/3/domains'), null);
  assert.equal(signInFirst(crawler, 'api.read', 'GET', '/api/search'), null);
  assert.equal(signInFirst(member('reader'), 'newsroom.edit', 'GET', '/admin'), null);
});
