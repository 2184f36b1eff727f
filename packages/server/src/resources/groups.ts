/**
 * Groups (spec threatconnect.md §6, §9): one resource over every group type; the per-type fields,
 * required fields and statuses live in core/intel.
 *
 * SKELETON (issue 9 foundation): name, type and the common fields only.
 */
import crypto from 'node:crypto';
import { groupAssociationKeywords, groupAssociations } from './associations.js';
import { defineResource, field } from './define.js';
import { hasAllTags, intelMetadataCollections } from './metadata.js';

export const GROUP_TYPES = ['Adversary', 'Attack Pattern', 'Campaign', 'Course of Action', 'Document', 'Email', 'Event', 'Incident', 'Intrusion Set', 'Malware', 'Report', 'Signature', 'Tactic', 'Task', 'Threat', 'Tool', 'Vulnerability'] as const;

export const groups = defineResource({
  name: 'groups',
  itemType: 'Group',
  table: 'groups',
  ownerColumn: 'owner_id',
  hasXid: true,
  generated: { xid: () => crypto.randomUUID() },
  fields: {
    id: field.id('The ID of the group', { tql: true, sortable: true }),
    xid: field.xid({ tql: true, sortable: true }),
    type: field.enum('type', GROUP_TYPES, 'The type of the group', { required: true, createOnly: true, tql: 'typeName', sortable: true }),
    name: field.string('name', 'The name of the group', { required: true, maxLength: 255, tql: true, sortable: true }),
    dateAdded: field.date('date_added', 'The date the group was added', { readOnly: true, tql: true, sortable: true }),
    lastModified: field.date('last_modified', 'The date the group was last modified', { readOnly: true, tql: true, sortable: true }),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true, sortable: true }),
  },
  collections: {
    ...intelMetadataCollections('group'),
    ...groupAssociations,
  },
  everyQueries: [hasAllTags('group')],
  extraTql: [...groupAssociationKeywords],
  defaultSort: { column: 'id', direction: 'asc' },
  uniqueKeys: [{ columns: ['owner_id', 'xid'], conflict: (values, id) => `A group with xid "${String(values.xid).slice(0, 100)}" already exists (id ${id}).` }],
});
