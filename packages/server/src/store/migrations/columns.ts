import type { CreateTableBuilder, Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * An auto-numbered integer primary key `id` that works on both dialects: INTEGER PRIMARY KEY
 * AUTOINCREMENT on SQLite, an identity column on PostgreSQL. Kysely has no portable form, so the
 * migration asks the connection which dialect it is on.
 */
export function idColumn<T extends string>(builder: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return builder.addColumn('id', 'integer', (c) =>
    currentDialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
  );
}

let currentDialect: 'sqlite' | 'postgres' = 'sqlite';

export function setMigrationDialect(dialect: 'sqlite' | 'postgres'): void {
  currentDialect = dialect;
}

export function isPostgres(): boolean {
  return currentDialect === 'postgres';
}

export { sql };
export type { Kysely };
