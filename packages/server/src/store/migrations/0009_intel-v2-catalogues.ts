import type { Kysely } from 'kysely';

/**
 * An owner's indicators in id order: the bulk reports read a whole owner in keyset pages
 * (`owner_id = ? and id > ? order by id limit n`), and without this index SQLite's planner takes
 * an `(owner_id, …)` index and sorts every one of the owner's rows for each page (quadratic in
 * the owner's size). The v2 and v3 lists' default order (by id, within the caller's owners) use it too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('indicators_by_owner_id').on('indicators').columns(['owner_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('indicators_by_owner_id').execute();
}
