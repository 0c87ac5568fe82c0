/** The members' forms at the edge: every field reads as text, optional ones stay absent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInput } from '../../src/lib/form.ts';
import {
  accountForm,
  doneQuery,
  loginForm,
  loginQuery,
  registerForm,
} from '../../src/members/schemas.ts';

test('a registration form reads as text; a repeated or missing field is empty', () => {
  const p = parseInput(registerForm, {
    email: ['a@example.org', 'b@example.org'],
    password: 'correct horse',
    declared_use: 'work',
    work_organisation: 'Acme',
  });
  assert.deepEqual(p, {
    ok: true,
    value: {
      email: '',
      password: 'correct horse',
      declared_use: 'work',
      work_organisation: 'Acme',
    },
  });
  assert.deepEqual(parseInput(registerForm, undefined), {
    ok: true,
    value: { email: '', password: '', declared_use: '' },
  });
});

test('an optional field stays absent when it is absent or not text, and keeps empty text', () => {
  const absent = parseInput(accountForm, { declared_use: 'personal' });
  assert.ok(absent.ok);
  assert.equal('work_organisation' in absent.value, false);
  const notText = parseInput(accountForm, { declared_use: 'work', work_organisation: ['x'] });
  assert.ok(notText.ok);
  assert.equal(notText.value.work_organisation, undefined);
  const empty = parseInput(accountForm, { declared_use: 'work', work_organisation: '' });
  assert.ok(empty.ok);
  assert.equal(empty.value.work_organisation, '');
});

test('queries: ?done and the login page’s next', () => {
  assert.deepEqual(parseInput(doneQuery, {}), { ok: true, value: { done: '' } });
  assert.deepEqual(parseInput(doneQuery, { done: 'saved' }), {
    ok: true,
    value: { done: 'saved' },
  });
  const q = parseInput(loginQuery, Object.assign(Object.create(null), { next: '/account' }));
  assert.deepEqual(q, { ok: true, value: { next: '/account', done: '' } });
  const f = parseInput(loginForm, { email: 'a@example.org', password: 'pw' });
  assert.deepEqual(f, { ok: true, value: { email: 'a@example.org', password: 'pw' } });
});
