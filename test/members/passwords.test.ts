import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from '../../src/members/passwords.ts';
import { COMMON_PASSWORD_COUNT, isCommonPassword } from '../../src/members/common-passwords.ts';
import {
  checkToken,
  hashToken,
  looksLikeToken,
  newToken,
  safeNext,
} from '../../src/members/tokens.ts';

test('scrypt hashes carry their salt and parameters and verify only the right password', async () => {
  const a = await hashPassword('violet harbour kettle');
  const b = await hashPassword('violet harbour kettle');
  assert.notEqual(a, b, 'per-user salt');
  assert.match(a, /^scrypt\$131072\$8\$1\$/, 'OWASP minimum: N=2^17, r=8, p=1');
  assert.ok(await verifyPassword('violet harbour kettle', a));
  assert.ok(!(await verifyPassword('violet harbour kettlE', a)));
  assert.ok(!(await verifyPassword('anything', null)));
  assert.ok(!(await verifyPassword('anything', 'garbage')));
  // Older, cheaper parameters still verify and are flagged for an upgrade.
  const cheap = await hashPassword('violet harbour kettle', { N: 1024, r: 8, p: 1 });
  assert.ok(await verifyPassword('violet harbour kettle', cheap));
  assert.ok(needsRehash(cheap));
  assert.ok(
    needsRehash('scrypt$32768$8$1$' + a.split('$').slice(4).join('$')),
    'the former default is below today’s',
  );
  assert.ok(!needsRehash(a));
});

test('password rules: length, common passwords and their variations, personal words', () => {
  assert.ok(COMMON_PASSWORD_COUNT > 400, `${COMMON_PASSWORD_COUNT} entries`);
  assert.ok(isCommonPassword('Password'));
  const refused: [string, RegExp][] = [
    ['short', /at least 10/],
    ['ninechars', /at least 10/],
    ['password2024!', /most often tried/],
    ['P@ssw0rd2024', /most often tried/],
    ['!!iloveyou!!', /most often tried/],
    ['correct horse battery staple', /most often tried/],
    ['qwertyuiop', /counts through|most often tried/],
    ['0987654321', /counts through|most often tried/],
    ['abcdefghijk', /counts through/],
    ['zzzzzzzzzzzz', /repeats/],
    ['abababababab', /repeats/],
    ['x'.repeat(201), /at most 200/],
  ];
  for (const [pw, re] of refused) assert.match(passwordProblem(pw) ?? 'accepted', re, pw);
  assert.match(
    passwordProblem('Broadsheet!!', { siteName: 'Broadsheet' }) ?? '',
    /name of this site/,
  );
  assert.match(
    passwordProblem('jane.doe2024', { email: 'jane.doe@example.org' }) ?? '',
    /email address/,
  );
  assert.match(
    passwordProblem('wellington1', { email: 'wellington@example.org' }) ?? '',
    /email address/,
  );
  for (const ok of [
    'violet harbour kettle',
    'Tr0mbone-Quarry-9',
    'ünïcødé pässwörd',
    'my cat eats olives',
  ]) {
    assert.equal(
      passwordProblem(ok, { email: 'reader@example.org', siteName: 'Broadsheet' }),
      null,
      ok,
    );
  }
  assert.match(passwordProblem('ab') ?? '', /yours has 2/);
});

test('tokens: random, URL-safe, stored as SHA-256, with expiry and a use count', () => {
  const t = newToken();
  assert.ok(looksLikeToken(t));
  assert.notEqual(newToken(), t);
  assert.match(hashToken(t), /^[0-9a-f]{64}$/);
  assert.ok(!looksLikeToken('short'));
  assert.ok(!looksLikeToken(t + '!'));
  const now = new Date('2026-01-01T12:00:00Z');
  assert.equal(
    checkToken({ expires_at: '2026-01-01T12:10:00.000Z', uses: 2, max_uses: 5 }, now),
    'ok',
  );
  assert.equal(
    checkToken({ expires_at: '2026-01-01T12:00:00.000Z', uses: 0, max_uses: 5 }, now),
    'expired',
  );
  assert.equal(
    checkToken({ expires_at: '2026-01-01T12:10:00.000Z', uses: 5, max_uses: 5 }, now),
    'used-up',
  );
  // a link used up, then expired (its account's links were voided): "used" is what happened
  assert.equal(
    checkToken({ expires_at: '2026-01-01T11:00:00.000Z', uses: 1, max_uses: 1 }, now),
    'used-up',
  );
});

test('safeNext keeps local paths only', () => {
  assert.equal(safeNext('/stories/x?y=1'), '/stories/x?y=1');
  for (const bad of [
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    'relative',
    undefined,
    42,
    '/a\r\nSet-Cookie: x=y',
  ]) {
    assert.equal(safeNext(bad), '/account', String(bad));
  }
});
