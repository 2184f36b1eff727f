import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './columns.js';

/**
 * Bulk exchange (issue 10): import jobs (the v2 batch API, STIX bundles, MISP events, CSV files,
 * TAXII POSTs) stored before they are acknowledged and processed by the background worker.
 *
 * - `import_jobs`: one row per job: its owner and creator, where it came from, its settings
 *   (JSON: action, write types, haltOnError …), its status (Created → Queued → Running →
 *   Completed) and counts. A worker holds a job by `claimed_by` until `claimed_until` (a lease it
 *   renews while it works), so on one PostgreSQL several nodes never process one job at once, and
 *   a job whose worker died (kill -9) is taken up again once its lease ends.
 * - `import_job_chunks`: the upload, already parsed into Cairn's item form and cut into chunks (a
 *   JSON array each): an upload is acknowledged once its chunks are committed. A chunk is applied
 *   in one transaction that also sets its `done_at` and the job's counts, so after a crash no
 *   item is applied twice and none is lost.
 * - `import_job_errors`: one row per item that failed (or warning), in upload order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const blob = isPostgres() ? 'bytea' : 'blob';
  await idColumn(db.schema.createTable('import_jobs'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // tc-batch | stix | misp | csv
    .addColumn('format', 'text', (c) => c.notNull())
    // tc-batch-api | taxii | cli
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    // Created | Queued | Running | Completed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('chunk_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('upload_size', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('success_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_indicator_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_group_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_association_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unprocessed_count', 'integer', (c) => c.notNull().defaultTo(0))
    // Set when haltOnError stopped the job: the reason.
    .addColumn('halted', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'text')
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    .execute();
  await db.schema.createIndex('import_jobs_pending').on('import_jobs').columns(['status', 'queued_at', 'id']).execute();
  await db.schema.createIndex('import_jobs_by_owner').on('import_jobs').columns(['owner_id', 'id']).execute();

  await db.schema.createTable('import_job_chunks')
    .addColumn('job_id', 'integer', (c) => c.notNull().references('import_jobs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull())
    // The chunk's items: a JSON array of ImportItem (core/exchange/items.ts), UTF-8.
    .addColumn('items', blob, (c) => c.notNull())
    .addColumn('done_at', 'text')
    // The worker (claimed_by) whose transaction applied the chunk.
    .addColumn('applied_by', 'text')
    .addPrimaryKeyConstraint('import_job_chunks_pk', ['job_id', 'seq'])
    .execute();

  await idColumn(db.schema.createTable('import_job_errors'))
    .addColumn('job_id', 'integer', (c) => c.notNull().references('import_jobs.id').onDelete('cascade'))
    // The item's place in the upload (0-based, over every item of the job).
    .addColumn('item_index', 'integer', (c) => c.notNull())
    // indicator | group | association | file (the upload itself)
    .addColumn('kind', 'text', (c) => c.notNull())
    // The ThreatConnect batch code (0x1001 …), see core/exchange/items.ts.
    .addColumn('code', 'text', (c) => c.notNull())
    // Error | Warning
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    // The item as uploaded (or its start), for errorSource.
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('import_job_errors_by_job').on('import_job_errors').columns(['job_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_job_errors').execute();
  await db.schema.dropTable('import_job_chunks').execute();
  await db.schema.dropTable('import_jobs').execute();
}
