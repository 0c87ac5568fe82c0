// Migrations on a PostgreSQL database shared with other schemas: a schema dropped by someone else
// while Kysely lists the catalogue is a race to retry, never a reason to give up on ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otherSchemaVanished } from '../../src/platform/migrations.ts';

test('only a vanished schema that is not ours counts as a race', () => {
  const gone = (name: string) => new Error(`schema "${name}" does not exist`);
  assert.equal(otherSchemaVanished(gone('t_other'), 't_ours'), true);
  assert.equal(
    otherSchemaVanished(gone('t_ours'), 't_ours'),
    false,
    'our own schema missing is real',
  );
  assert.equal(
    otherSchemaVanished(new Error('relation "stories" does not exist'), 't_ours'),
    false,
  );
  assert.equal(otherSchemaVanished(undefined, 't_ours'), false);
  assert.equal(otherSchemaVanished(gone('t_other'), undefined), false, 'SQLite has no schemas');
});
