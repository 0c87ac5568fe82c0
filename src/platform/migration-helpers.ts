/** Column helpers shared by every feature's migrations. */
import type { CreateTableBuilder } from 'kysely';
import type { Engine } from './db.ts';

/** An auto-incrementing integer primary key on either engine. */
export function withId(engine: Engine) {
  return (t: CreateTableBuilder<string, never>): CreateTableBuilder<string, any> =>
    engine === 'postgres'
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
