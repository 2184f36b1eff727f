import type { Kysely } from 'kysely';
import { idColumn } from './columns.js';

/**
 * The outbox (DESIGN.md principle 5): one row per event a write raised, in the write's
 * transaction (core/outbox.ts). Shaped for a delivery worker: rows become available at
 * `available_at`, a worker claims one (`claimed_by` until `claimed_until`), counts `attempts`
 * and sets `delivered_at`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await idColumn(db.schema.createTable('outbox'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('available_at', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_at', 'text')
    .execute();
  // A worker's poll: undelivered rows in the order they became available.
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['delivered_at', 'available_at', 'id']).execute();
  await db.schema.createIndex('outbox_by_subject').on('outbox').columns(['subject_type', 'subject_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
}
