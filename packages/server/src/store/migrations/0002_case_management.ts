import type { Kysely } from 'kysely';
import { idColumn } from './columns.js';

/** Case management (ThreatConnect v3): cases, tasks, notes, artifacts, workflow events, tags, labels. */
export async function up(db: Kysely<any>): Promise<void> {
  await idColumn(db.schema.createTable('artifact_types'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('data_type', 'text', (c) => c.notNull())
    .addColumn('intel_type', 'text')
    .addColumn('derived_link', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await idColumn(db.schema.createTable('cases'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('xid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text', (c) => c.notNull())
    .addColumn('case_open_time', 'text')
    .addColumn('case_close_time', 'text')
    .addColumn('case_occurrence_time', 'text')
    .addColumn('case_detection_time', 'text')
    .addColumn('case_open_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('case_close_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('assignee_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('last_updated', 'text', (c) => c.notNull())
    .addUniqueConstraint('cases_xid_per_owner', ['owner_id', 'xid'])
    .execute();
  for (const column of ['name', 'severity', 'status', 'date_added', 'case_open_time']) {
    await db.schema.createIndex(`cases_by_owner_${column}`).on('cases').columns(['owner_id', column]).execute();
  }

  await idColumn(db.schema.createTable('tasks'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('xid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('workflow_phase', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('workflow_step', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('due_date', 'text')
    .addColumn('completed_date', 'text')
    .addColumn('completed_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('assignee_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('last_updated', 'text', (c) => c.notNull())
    .addUniqueConstraint('tasks_xid_per_owner', ['owner_id', 'xid'])
    .execute();
  await db.schema.createIndex('tasks_by_case').on('tasks').column('case_id').execute();
  await db.schema.createIndex('tasks_by_owner_status').on('tasks').columns(['owner_id', 'status']).execute();

  await idColumn(db.schema.createTable('artifacts'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('task_id', 'integer', (c) => c.references('tasks.id').onDelete('set null'))
    .addColumn('type_id', 'integer', (c) => c.notNull().references('artifact_types.id'))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('field_name', 'text')
    .addColumn('hash_code', 'text')
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifacts_by_case').on('artifacts').column('case_id').execute();
  await db.schema.createIndex('artifacts_by_owner_summary').on('artifacts').columns(['owner_id', 'summary']).execute();

  await idColumn(db.schema.createTable('workflow_events'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('event_date', 'text', (c) => c.notNull())
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_reason', 'text')
    .addColumn('system_generated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('link', 'text')
    .execute();
  await db.schema.createIndex('workflow_events_by_case').on('workflow_events').column('case_id').execute();

  await idColumn(db.schema.createTable('notes'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('case_id', 'integer', (c) => c.references('cases.id').onDelete('cascade'))
    .addColumn('task_id', 'integer', (c) => c.references('tasks.id').onDelete('cascade'))
    .addColumn('artifact_id', 'integer', (c) => c.references('artifacts.id').onDelete('cascade'))
    .addColumn('workflow_event_id', 'integer', (c) => c.references('workflow_events.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('author_id', 'integer', (c) => c.references('users.id'))
    .addColumn('edited', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notes_by_case').on('notes').column('case_id').execute();
  await db.schema.createIndex('notes_by_task').on('notes').column('task_id').execute();

  await idColumn(db.schema.createTable('tags'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('normalized', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('technique_id', 'text')
    .addColumn('last_used', 'text')
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addUniqueConstraint('tags_name_per_owner', ['owner_id', 'normalized'])
    .execute();

  await db.schema.createTable('case_tags')
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('tag_id', 'integer', (c) => c.notNull().references('tags.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('case_tags_pk', ['case_id', 'tag_id'])
    .execute();
  await db.schema.createIndex('case_tags_by_tag').on('case_tags').columns(['tag_id', 'case_id']).execute();

  await idColumn(db.schema.createTable('security_labels'))
    .addColumn('owner_id', 'integer', (c) => c.references('owners.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('color', 'text', (c) => c.notNull())
    .addColumn('date_added', 'text', (c) => c.notNull())
    .execute();

  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await db.insertInto('security_labels').values([
    { owner_id: null, name: 'TLP:WHITE', color: 'FFFFFF', description: 'Disclosure is not limited.', date_added: now },
    { owner_id: null, name: 'TLP:GREEN', color: '33FF00', description: 'Limited disclosure, restricted to the community.', date_added: now },
    { owner_id: null, name: 'TLP:AMBER', color: 'FFC000', description: 'Limited disclosure, restricted to participants\' organizations.', date_added: now },
    { owner_id: null, name: 'TLP:RED', color: 'FF2B2B', description: 'Not for disclosure, restricted to participants only.', date_added: now },
  ]).execute();

  await db.insertInto('artifact_types').values(ARTIFACT_TYPES.map(([name, dataType, intelType]) => ({
    name, description: `${name} artifact`, data_type: dataType, intel_type: intelType, derived_link: intelType ? 1 : 0,
  }))).execute();
  await db.insertInto('system_settings').values({ key: 'v3ApiBulkDeleteAllowed', value: 'false' }).execute();
}

const ARTIFACT_TYPES: [string, string, string | null][] = [
  ['Email Address', 'String', 'indicator-EmailAddress'],
  ['Host', 'String', 'indicator-Host'],
  ['URL', 'String', 'indicator-URL'],
  ['Address', 'String', 'indicator-Address'],
  ['ASN', 'String', 'indicator-ASN'],
  ['CIDR', 'String', 'indicator-CIDR'],
  ['File Hash', 'String', 'indicator-File'],
  ['Mutex', 'String', 'indicator-Mutex'],
  ['Registry Key', 'String', 'indicator-Registry Key'],
  ['User Agent', 'String', 'indicator-User Agent'],
  ['Email Subject', 'String', 'indicator-Email Subject'],
  ['Hashtag', 'String', 'indicator-Hashtag'],
  ['Phone Number', 'String', null],
  ['Log File', 'File', null],
  ['PCAP File', 'File', null],
  ['Email File', 'File', null],
  ['Excel File', 'File', null],
  ['PDF File', 'File', null],
  ['Image File', 'File', null],
  ['Text File', 'File', null],
  ['Markdown', 'String', null],
  ['Certificate File', 'File', null],
];

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['security_labels', 'case_tags', 'tags', 'notes', 'workflow_events', 'artifacts', 'tasks', 'cases', 'artifact_types']) {
    await db.schema.dropTable(table).execute();
  }
  await db.deleteFrom('system_settings').where('key', '=', 'v3ApiBulkDeleteAllowed').execute();
}
