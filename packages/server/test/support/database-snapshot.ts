/**
 * Every row of every table of a test server's database, to show that a set of requests wrote
 * nothing. Table names come from the database's own catalogue (SQLite's, or the PostgreSQL
 * schema the test server uses), so tables added later are covered too.
 */
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { JOBS } from '../../src/jobs/worker.js';

export type DatabaseSnapshot = ReadonlyMap<string, string>;

export async function snapshotDatabase(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<DatabaseSnapshot> {
  const tables = dialect === 'postgres'
    ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
  const snapshot = new Map<string, string>();
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    snapshot.set(name, rows.rows.map((row) => JSON.stringify(row)).sort().join('\n'));
  }
  return snapshot;
}

export function assertSameDatabase(before: DatabaseSnapshot, after: DatabaseSnapshot, label: string): void {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((table) => before.get(table) !== after.get(table));
  assert.deepEqual(changed, [], `${label}: these tables changed`);
}

/**
 * Waits until the background import worker has finished every import job waiting for it (a route's
 * positive control may have queued one), so that a snapshot shows the requests' writes only. With
 * no import worker among the server's jobs there is nothing to wait for.
 */
export async function settleImports(db: Kysely<any>): Promise<void> {
  if (!JOBS.some((job) => job.name === 'import')) return;
  for (let attempt = 0; attempt < 600; attempt++) {
    const pending = await db.selectFrom('import_jobs').select('id').where('status', 'in', ['Queued', 'Running']).limit(1).executeTakeFirst();
    if (!pending) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('import jobs were still pending after 30 s');
}
