import type { Kysely } from 'kysely';
import { idColumn } from './columns.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('owners')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('api_key_enc', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('community_members')
    .addColumn('community_id', 'integer', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('community_members_pk', ['community_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('community_members_by_org').on('community_members').column('organization_id').execute();

  await idColumn(db.schema.createTable('users'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull().unique())
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('pseudonym', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reject_replay', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_by_org').on('users').column('organization_id').execute();

  await db.schema
    .createTable('system_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.insertInto('system_settings').values({ key: 'credential_epoch', value: '0' }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['system_settings', 'users', 'community_members', 'owners']) await db.schema.dropTable(table).execute();
}
