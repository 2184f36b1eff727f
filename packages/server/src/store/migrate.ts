import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import { setMigrationDialect } from './migrations/columns.js';
import * as foundation from './migrations/0001_foundation.js';
import * as caseManagement from './migrations/0002_case_management.js';
import * as tqlIndexes from './migrations/0003_tql_indexes.js';
import * as websupportLoginWindow from './migrations/0004_websupport_login_window.js';
import * as masterKeyCheck from './migrations/0005_master_key_check.js';
import * as outbox from './migrations/0006_outbox.js';
import * as securityLabelNames from './migrations/0007_security_label_names.js';
import * as intel from './migrations/0008_intel.js';
import * as intelV2Catalogues from './migrations/0009_intel-v2-catalogues.js';
import * as exchange from './migrations/0010_exchange.js';

/** Migrations in order; each file is imported statically so no directory scan is needed. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_case_management': caseManagement,
  '0003_tql_indexes': tqlIndexes,
  '0004_websupport_login_window': websupportLoginWindow,
  '0005_master_key_check': masterKeyCheck,
  '0006_outbox': outbox,
  '0007_security_label_names': securityLabelNames,
  '0008_intel': intel,
  '0009_intel-v2-catalogues': intelV2Catalogues,
  '0010_exchange': exchange,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export interface MigrationReport { applied: string[] }

export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  setMigrationDialect(store.dialect);
  // On PostgreSQL, name the schema: Kysely's "does the table exist" check otherwise looks in every
  // schema and is fooled by another Cairn in the same database (parallel test schemas).
  const schema = store.dialect === 'postgres'
    ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]?.schema
    : undefined;
  const migrator = new Migrator({
    db: store.db, provider, migrationTableName: 'cairn_migrations', migrationLockTableName: 'cairn_migration_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
