import type { Kysely } from 'kysely';

/**
 * Indexes found missing by bench/tql.ts (1,000,000 cases on SQLite). Lists filter on
 * `owner_id in (<organization>, <its communities>)`; with more than one owner in that list an
 * (owner_id, X) index cannot deliver rows in X order, so a sorted page sorted the whole table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // `sorting=dateAdded desc|asc`: walk the index and stop after a page instead of sorting every case.
  await db.schema.createIndex('cases_by_date_added').on('cases').column('date_added').execute();
  // `severity = … and status = …` (the triage filter): the count of a full page reads the index only.
  await db.schema.createIndex('cases_by_owner_severity_status').on('cases').columns(['owner_id', 'severity', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('cases_by_owner_severity_status').execute();
  await db.schema.dropIndex('cases_by_date_added').execute();
}
