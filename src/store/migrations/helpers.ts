import { type CreateTableBuilder, type Kysely, SqliteAdapter } from 'kysely';

/** True when the migration runs on SQLite (else it is assumed to be PostgreSQL). */
export function isSqlite(db: Kysely<unknown>): boolean {
  // getExecutor() is marked internal in Kysely's typings but is the only way to reach the dialect adapter.
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * Adds an `id` column the database assigns: `integer primary key autoincrement` on SQLite (ids never reused),
 * `bigserial primary key` on PostgreSQL.
 */
export function withAutoId<T extends string>(
  db: Kysely<unknown>,
  table: CreateTableBuilder<T, never>,
): CreateTableBuilder<T, 'id'> {
  return isSqlite(db)
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
}
