import { sql, type Kysely } from 'kysely';

/**
 * A security label's name is unique per owner, now in the database: creating one checked for the
 * name and then inserted, so two requests at once could both create it. Labels already stored
 * twice keep their oldest under the name; later ones get their id appended.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update security_labels set name = name || ' (' || cast(id as text) || ')'
    where owner_id is not null and exists (
      select 1 from security_labels as older
      where older.owner_id = security_labels.owner_id and older.name = security_labels.name and older.id < security_labels.id)`.execute(db);
  await db.schema.createIndex('security_labels_name_per_owner').on('security_labels').columns(['owner_id', 'name']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('security_labels_name_per_owner').execute();
}
