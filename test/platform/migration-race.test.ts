// Migrations on a PostgreSQL database shared with other schemas: a schema dropped by someone else
// while Kysely lists the catalogue is a race to retry, never a reason to give up on ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listingRace, otherSchemaVanished } from '../../src/platform/migrations.ts';

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

test('a column dropped under the catalogue listing is a race only when no migration of ours failed', () => {
  const column = new Error('column "subject" of relation "newsletter_issues" does not exist');
  assert.equal(listingRace({ error: column, results: [] }, 't_ours'), true);
  assert.equal(listingRace({ error: column }, 't_ours'), true, 'failed before any result');
  assert.equal(
    listingRace({ error: column, results: [{ status: 'Success' }, { status: 'Error' }] }, 't_ours'),
    false,
    'a migration of ours failing on a missing column is real',
  );
  assert.equal(listingRace({ error: column, results: [] }, undefined), false, 'SQLite');
  assert.equal(
    listingRace({ error: new Error('schema "t_other" does not exist'), results: [] }, 't_ours'),
    true,
  );
  assert.equal(listingRace({ error: new Error('syntax error'), results: [] }, 't_ours'), false);
  assert.equal(listingRace({ results: [] }, 't_ours'), false, 'no error, nothing to retry');
});
