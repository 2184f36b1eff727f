import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './columns.js';

/**
 * Threat intelligence (ThreatConnect v2 / v3): indicators with the values that address them,
 * groups and their documents, attributes, tags and security labels on both, observations and
 * false positives, and the associations between indicators, groups, cases and artifacts.
 *
 * An indicator's value lives twice: in its row (`value1`–`value3` as its type defines them, and the
 * `summary` shown) and in `indicator_values`, one row per value that addresses it (a File has one
 * per hash), whose primary key makes a value unique per owner and type: the claim a create makes
 * without looking first, and the index every look-up by value uses.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const blob = isPostgres() ? 'bytea' : 'blob';

  await idColumn(db.schema.createTable('indicators'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('value1', 'text')
    .addColumn('value2', 'text')
    .addColumn('value3', 'text')
    .addColumn('rating', 'real')
    .addColumn('confidence', 'integer')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('active_locked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dns_active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('whois_active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('private_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('size', 'integer')
    .addColumn('first_seen', 'text')
    .addColumn('last_seen', 'text')
    .addColumn('description', 'text')
    .addColumn('source', 'text')
    .addColumn('created_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .execute();
  for (const column of ['type', 'summary', 'date_added', 'last_modified', 'rating', 'confidence']) {
    await db.schema.createIndex(`indicators_by_owner_${column}`).on('indicators').columns(['owner_id', column]).execute();
  }
  await db.schema.createIndex('indicators_by_date_added').on('indicators').column('date_added').execute();

  await db.schema.createTable('indicator_values')
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('indicator_id', 'integer', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('indicator_values_pk', ['owner_id', 'type', 'value'])
    .execute();
  await db.schema.createIndex('indicator_values_by_indicator').on('indicator_values').column('indicator_id').execute();
  await db.schema.createIndex('indicator_values_by_value').on('indicator_values').columns(['value', 'owner_id']).execute();

  // `GET /v2/indicators/deleted`: what was deleted, by whom's owner, when.
  await idColumn(db.schema.createTable('deleted_indicators'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('date_deleted', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deleted_indicators_by_owner').on('deleted_indicators').columns(['owner_id', 'date_deleted']).execute();

  await idColumn(db.schema.createTable('indicator_observations'))
    .addColumn('indicator_id', 'integer', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('date_observed', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('indicator_observations_by_indicator').on('indicator_observations').columns(['indicator_id', 'date_observed']).execute();

  // Once per user, indicator and day: the primary key is the rule.
  await db.schema.createTable('indicator_false_positives')
    .addColumn('indicator_id', 'integer', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('indicator_false_positives_pk', ['indicator_id', 'user_id', 'day'])
    .execute();

  await idColumn(db.schema.createTable('file_occurrences'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('indicator_id', 'integer', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('file_name', 'text')
    .addColumn('path', 'text')
    .addColumn('date', 'text')
    .addColumn('date_added', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('file_occurrences_by_indicator').on('file_occurrences').column('indicator_id').execute();

  await idColumn(db.schema.createTable('groups'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('xid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('event_date', 'text')
    .addColumn('event_type', 'text')
    .addColumn('first_seen', 'text')
    .addColumn('last_seen', 'text')
    .addColumn('publish_date', 'text')
    .addColumn('due_date', 'text')
    .addColumn('file_name', 'text')
    .addColumn('file_type', 'text')
    .addColumn('file_text', 'text')
    .addColumn('malware', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password', 'text')
    .addColumn('subject', 'text')
    .addColumn('header', 'text')
    .addColumn('body', 'text')
    .addColumn('from_address', 'text')
    .addColumn('description', 'text')
    .addColumn('created_by_id', 'integer', (c) => c.references('users.id'))
    .addColumn('date_added', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .addUniqueConstraint('groups_xid_per_owner', ['owner_id', 'xid'])
    .execute();
  for (const column of ['type', 'name', 'date_added', 'last_modified']) {
    await db.schema.createIndex(`groups_by_owner_${column}`).on('groups').columns(['owner_id', column]).execute();
  }

  // A Document's (or Report's) file, stored in chunks so that neither upload nor download holds it whole.
  await db.schema.createTable('documents')
    .addColumn('group_id', 'integer', (c) => c.primaryKey().references('groups.id').onDelete('cascade'))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('document_chunks')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('document_chunks_pk', ['group_id', 'seq'])
    .execute();

  await idColumn(db.schema.createTable('attribute_types'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('max_size', 'integer', (c) => c.notNull())
    .addColumn('allow_markdown', 'integer', (c) => c.notNull().defaultTo(0))
    // Comma-separated: Indicator, Group, Case.
    .addColumn('applies_to', 'text', (c) => c.notNull())
    .execute();
  await db.insertInto('attribute_types').values(ATTRIBUTE_TYPES.map(([name, description, maxSize, appliesTo]) => ({
    name, description, max_size: maxSize, applies_to: appliesTo, allow_markdown: maxSize > 500 ? 1 : 0,
  }))).execute();

  // One table of attributes, tags and labels per thing that carries them: each is a v3 resource
  // or collection of its own, and a foreign key with ON DELETE CASCADE keeps each clean.
  for (const [parent, parentTable] of [['indicator', 'indicators'], ['group', 'groups'], ['case', 'cases']] as const) {
    await idColumn(db.schema.createTable(`${parent}_attributes`))
      .addColumn('owner_id', 'integer', (c) => c.notNull().references('owners.id'))
      .addColumn(`${parent}_id`, 'integer', (c) => c.notNull().references(`${parentTable}.id`).onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('source', 'text')
      .addColumn('displayed', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by_id', 'integer', (c) => c.references('users.id'))
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addColumn('last_modified', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${parent}_attributes_by_${parent}`).on(`${parent}_attributes`).columns([`${parent}_id`, 'type']).execute();
    await linkTable(db, `${parent}_attribute_labels`, 'attribute_id', `${parent}_attributes`, 'label_id', 'security_labels');
  }
  for (const [parent, parentTable] of [['indicator', 'indicators'], ['group', 'groups']] as const) {
    await linkTable(db, `${parent}_tags`, `${parent}_id`, parentTable, 'tag_id', 'tags');
    await linkTable(db, `${parent}_labels`, `${parent}_id`, parentTable, 'label_id', 'security_labels');
  }

  // Associations. Symmetric ones (group ↔ group, case ↔ case) are stored in both directions so a
  // look-up from either side is one index range.
  await linkTable(db, 'indicator_groups', 'indicator_id', 'indicators', 'group_id', 'groups');
  await linkTable(db, 'group_groups', 'group_id', 'groups', 'associated_group_id', 'groups');
  await linkTable(db, 'case_indicators', 'case_id', 'cases', 'indicator_id', 'indicators');
  await linkTable(db, 'case_groups', 'case_id', 'cases', 'group_id', 'groups');
  await linkTable(db, 'case_cases', 'case_id', 'cases', 'associated_case_id', 'cases');
  await linkTable(db, 'artifact_indicators', 'artifact_id', 'artifacts', 'indicator_id', 'indicators');
  await linkTable(db, 'artifact_groups', 'artifact_id', 'artifacts', 'group_id', 'groups');

  await idColumn(db.schema.createTable('association_types'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    // The v2 path segment (`/associations/{apiBranch}/indicators`).
    .addColumn('api_branch', 'text', (c) => c.notNull().unique())
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('file_action', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.insertInto('association_types').values(ASSOCIATION_TYPES.map(([name, apiBranch, sourceType, targetType, fileAction]) => ({
    name, description: `${sourceType} to ${targetType}: ${name}`, api_branch: apiBranch, source_type: sourceType, target_type: targetType, file_action: fileAction ? 1 : 0,
  }))).execute();

  // Indicator ↔ indicator, always through a named type, stored from the type's source to its target.
  await db.schema.createTable('indicator_indicators')
    .addColumn('indicator_id', 'integer', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('associated_indicator_id', 'integer', (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('association_type_id', 'integer', (c) => c.notNull().references('association_types.id'))
    .addPrimaryKeyConstraint('indicator_indicators_pk', ['indicator_id', 'associated_indicator_id', 'association_type_id'])
    .execute();
  await db.schema.createIndex('indicator_indicators_by_target').on('indicator_indicators').columns(['associated_indicator_id', 'indicator_id']).execute();
}

/** A many-to-many link table: both columns cascade, the pair is the key, and the reverse pair is indexed. */
async function linkTable(db: Kysely<any>, table: string, leftColumn: string, leftTable: string, rightColumn: string, rightTable: string): Promise<void> {
  await db.schema.createTable(table)
    .addColumn(leftColumn, 'integer', (c) => c.notNull().references(`${leftTable}.id`).onDelete('cascade'))
    .addColumn(rightColumn, 'integer', (c) => c.notNull().references(`${rightTable}.id`).onDelete('cascade'))
    .addPrimaryKeyConstraint(`${table}_pk`, [leftColumn, rightColumn])
    .execute();
  await db.schema.createIndex(`${table}_by_${rightColumn}`).on(table).columns([rightColumn, leftColumn]).execute();
}

/** name, description, max size, applies to. */
const ATTRIBUTE_TYPES: [string, string, number, string][] = [
  ['Description', 'A description of the item', 65_500, 'Indicator,Group,Case'],
  ['Source', 'Where the information came from', 65_500, 'Indicator,Group,Case'],
  ['Additional Analysis and Context', 'Analysis and context beyond the description', 65_500, 'Indicator,Group,Case'],
  ['Title', 'A title for the item', 255, 'Indicator,Group,Case'],
  ['External ID', 'The identifier of the item in another system', 255, 'Indicator,Group,Case'],
  ['External Date Created', 'When the item was created in another system', 255, 'Indicator,Group'],
  ['Impact Description', 'The impact of the threat', 65_500, 'Group,Case'],
  ['Motivation', 'The motivation of the adversary', 500, 'Group'],
  ['Aliases', 'Other names the item is known by', 500, 'Group'],
  ['Targeted Industry', 'An industry the threat targets', 500, 'Indicator,Group'],
  ['Targeted Country', 'A country the threat targets', 500, 'Indicator,Group'],
  ['Detection Percentage', 'The share of engines that detect the file', 10, 'Indicator'],
  ['Course of Action Taken', 'What was done about the item', 65_500, 'Indicator,Group,Case'],
  ['Reference Link', 'A link to more information', 2_000, 'Indicator,Group,Case'],
];

/** name, v2 api branch, source type, target type, file action. */
const ASSOCIATION_TYPES: [string, string, string, string, boolean][] = [
  ['Address to User Agent', 'addressToUserAgent', 'Address', 'User Agent', false],
  ['ASN to Address', 'asnToAddress', 'ASN', 'Address', false],
  ['ASN to CIDR', 'asnToCidr', 'ASN', 'CIDR', false],
  ['CIDR to Address', 'cidrToAddress', 'CIDR', 'Address', false],
  ['DNS PTR Record', 'dnsPtrRecord', 'Address', 'Host', false],
  ['Domain Registrant', 'domainRegistrant', 'Host', 'EmailAddress', false],
  ['File Download', 'fileDownload', 'URL', 'File', true],
  ['URL Host', 'urlHost', 'URL', 'Host', false],
];

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'indicator_indicators', 'association_types', 'artifact_groups', 'artifact_indicators', 'case_cases', 'case_groups', 'case_indicators',
    'group_groups', 'indicator_groups', 'group_labels', 'group_tags', 'indicator_labels', 'indicator_tags',
    'case_attribute_labels', 'case_attributes', 'group_attribute_labels', 'group_attributes', 'indicator_attribute_labels', 'indicator_attributes',
    'attribute_types', 'document_chunks', 'documents', 'groups', 'file_occurrences', 'indicator_false_positives', 'indicator_observations',
    'deleted_indicators', 'indicator_values', 'indicators',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
