/**
 * Groups (spec threatconnect.md §6, §9): one resource over every group type. Which type takes
 * which field, the required ones, statuses and signature file types live in core/intel/group-types
 * (the catalogue v2 reads too); this declaration shows each per-type field on its types only and
 * calls checkGroupValues on every create and update.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import {
  checkGroupValues, GROUP_TYPE_FIELDS, GROUP_TYPE_NAMES, SIGNATURE_FILE_TYPES, typesRequiring, typesTaking, type GroupTypeFieldName,
} from '../core/intel/group-types.js';
import { groupAssociationKeywords, groupAssociations } from './associations.js';
import { computedKeyword, defineResource, field, keyword } from './define.js';
import { fieldError } from './engine/convert.js';
import { hasAllTags, intelMetadataCollections } from './metadata.js';
import type { FieldDefinition, ResourceDefinition, RowExpression, TqlKeyword } from './types.js';

/** The v3 type names, as the catalogue lists them. */
export const GROUP_TYPES = GROUP_TYPE_NAMES;

/** A field only some group types take: shown on those, described with `appliesTo` in OPTIONS. */
function perType(name: GroupTypeFieldName, def: FieldDefinition): FieldDefinition {
  const requiredFor = typesRequiring(name);
  return {
    ...def,
    column: GROUP_TYPE_FIELDS[name].column,
    appliesTo: { column: 'type', values: typesTaking(name), ...(requiredFor.length > 0 ? { requiredFor } : {}) },
  };
}

const column = (alias: string, name: string) => sql.ref(`${alias}.${name}`);
const userNameOf = (name: string): RowExpression => (alias) => sql`select users.user_name from users where users.id = ${column(alias, name)}`;
const ownerNameOf: RowExpression = (alias) => sql`select owners.name from owners where owners.id = ${column(alias, 'owner_id')}`;
const documentSizeOf: RowExpression = (alias) => sql`select documents.size from documents where documents.group_id = ${column(alias, 'id')}`;
/** Votes Cairn does not record: every group has none. */
const noVotes: RowExpression = () => sql`0`;

const tqlKeywords: TqlKeyword[] = [
  keyword('summary', 'String', 'name', 'The name of the group'),
  keyword('owner', 'Integer', 'owner_id', 'The ID of the owner'),
  computedKeyword('ownerName', 'String', ownerNameOf, 'The name of the owner'),
  computedKeyword('createdBy', 'String', userNameOf('created_by_id'), 'The user name of the user who created the group'),
  keyword('documentFilename', 'String', 'file_name', 'The file name of a document or report'),
  computedKeyword('documentFilesize', 'Integer', documentSizeOf, 'The size in bytes of the file of a document or report'),
  keyword('documentStatus', 'String', 'status', 'The status of a document or report'),
  keyword('signatureFilename', 'String', 'file_name', 'The file name of a signature'),
  keyword('signatureType', 'String', 'file_type', 'The file type of a signature'),
  keyword('emailFrom', 'String', 'from_address', 'The From field of an email'),
  keyword('emailSubject', 'String', 'subject', 'The subject of an email'),
  keyword('taskDueDate', 'Date', 'due_date', 'The due date of a task'),
  keyword('taskStatus', 'String', 'status', 'The status of a task'),
  computedKeyword('upvoteCount', 'Integer', noVotes, 'Users who find the intel useful (Cairn records no votes)'),
  computedKeyword('downvoteCount', 'Integer', noVotes, 'Users who find the intel not helpful (Cairn records no votes)'),
  computedKeyword('isGroup', 'Boolean', () => sql`1`, 'Always true for a group'),
];

export const groups: ResourceDefinition = defineResource({
  name: 'groups',
  itemType: 'Group',
  table: 'groups',
  ownerColumn: 'owner_id',
  hasXid: true,
  generated: { xid: () => crypto.randomUUID() },
  fields: {
    id: field.id('The ID of the group', { tql: true, sortable: true }),
    xid: field.xid({ tql: true, sortable: true }),
    type: field.enum('type', GROUP_TYPE_NAMES, 'The type of the group', { required: true, createOnly: true, tql: 'typeName', sortable: true }),
    name: field.string('name', 'The name of the group', { required: true, maxLength: 255, tql: true, sortable: true }),
    firstSeen: field.date('first_seen', 'The date and time the group was first seen', { tql: true, sortable: true }),
    lastSeen: field.date('last_seen', 'The date and time the group was last seen', { tql: true, sortable: true }),
    fileName: perType('fileName', field.string('', 'The document or signature file name', { maxLength: 255, tql: true, sortable: true })),
    fileType: perType('fileType', field.string('', `The signature file type: ${SIGNATURE_FILE_TYPES.join(', ')}`, { maxLength: 32, tql: true })),
    fileText: perType('fileText', field.string('', 'The signature file text', { maxLength: 1_000_000, includedByDefault: false })),
    fileSize: {
      ...field.computed('Integer', 'The size in bytes of the uploaded file', (row) => (row.document_size === null || row.document_size === undefined ? undefined : Number(row.document_size))),
      reads: ['document_size'],
      appliesTo: { column: 'type', values: typesTaking('fileName').filter((t) => t !== 'Signature') },
    },
    malware: perType('malware', field.boolean('', 'Whether the document is malware (then a password is required)')),
    password: perType('password', field.string('', 'The password of the zip archive of a malware document', { maxLength: 255 })),
    publishDate: perType('publishDate', field.date('', 'The date and time the report was published', { tql: true, sortable: true })),
    subject: perType('subject', field.string('', 'The email Subject', { maxLength: 255 })),
    header: perType('header', field.string('', 'The email Header', { maxLength: 65_500, includedByDefault: false })),
    body: perType('body', field.string('', 'The email Body', { maxLength: 1_000_000, includedByDefault: false })),
    from: perType('from', field.string('', 'The email From field', { maxLength: 255 })),
    eventDate: perType('eventDate', field.date('', 'The date and time the incident or event took place', { tql: true, sortable: true })),
    status: perType('status', field.string('', 'The status of an incident or event (New, Open, …; Needs Review, …), or of a document, report or task (read only)', { maxLength: 64, tql: true, sortable: true })),
    eventType: perType('eventType', field.string('', 'The type of an event', { maxLength: 255, tql: true })),
    dueDate: perType('dueDate', field.date('', 'The date and time a task is due', { tql: true, sortable: true })),
    createdBy: field.user('created_by_id', 'The user who created the group'),
    dateAdded: field.date('date_added', 'The date the group was added', { readOnly: true, tql: true, sortable: true }),
    lastModified: field.date('last_modified', 'The date the group was last modified', { readOnly: true, tql: true, sortable: true }),
    upVoteCount: { ...field.computed('String', 'Users who find the intel useful (Cairn records no votes)', () => '0'), reads: [] },
    downVoteCount: { ...field.computed('String', 'Users who find the intel not helpful (Cairn records no votes)', () => '0'), reads: [] },
    webLink: { ...field.computed('String', 'Where the group is shown', (row) => `/#/details/groups/${String(row.id)}/overview`), reads: ['id'] },
    legacyLink: { ...field.computed('String', 'Where the group is shown in the legacy page', (row) => `/auth/groups/group.xhtml?group=${String(row.id)}`), reads: ['id'] },
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true, sortable: true }),
  },
  collections: {
    ...intelMetadataCollections('group'),
    ...groupAssociations,
  },
  everyQueries: [hasAllTags('group')],
  extraTql: [...tqlKeywords, ...groupAssociationKeywords],
  extraColumns: { document_size: documentSizeOf },
  defaultSort: { column: 'id', direction: 'asc' },
  uniqueKeys: [{ columns: ['owner_id', 'xid'], conflict: (values, id) => `A group with xid "${String(values.xid).slice(0, 100)}" already exists (id ${id}).` }],
  onCreate(values, ctx) {
    const problems = checkGroupValues(String(values.type), values);
    if (problems.length > 0) throw fieldError(problems, groups);
    values.created_by_id = ctx.principal.userId;
  },
  onUpdate(values, existing) {
    const problems = checkGroupValues(String(existing.type), values, existing);
    if (problems.length > 0) throw fieldError(problems, groups);
  },
});
