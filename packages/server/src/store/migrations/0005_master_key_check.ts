import type { Kysely } from 'kysely';

/**
 * One row proving which master key this database's secrets are encrypted under: a keyed hash of a
 * constant under a key derived from the master key (never the key itself). A node whose key does
 * not reproduce it refuses to start instead of answering 500 to every signed request.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('master_key_check')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('verifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('master_key_check').execute();
}
