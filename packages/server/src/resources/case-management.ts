/** Case management resources (spec threatconnect.md §9). */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { CairnError } from '../core/errors.js';
import { normalizeTagName } from './catalogue.js';
import { defineResource, field, keyword } from './fields.js';

export const CASE_SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export const CASE_STATUSES = ['Open', 'Closed'] as const;
export const CASE_RESOLUTIONS = [
  'Containment Achieved', 'Deferred / Delayed', 'Escalated', 'False Positive', 'In Progress / Investigating',
  'Not Specified', 'Rejected', 'Restoration Achieved',
] as const;
export const TASK_STATUSES = ['Pending', 'Open', 'Reopened', 'Closed'] as const;

const newXid = () => crypto.randomUUID();

export const cases = defineResource({
  name: 'cases',
  itemType: 'Case',
  table: 'cases',
  ownerColumn: 'owner_id',
  hasXid: true,
  bulkDelete: true,
  generated: { xid: newXid },
  fields: {
    id: field.id('The ID of the case', { tql: true, sortable: true }),
    xid: field.xid({ tql: true, sortable: true }),
    name: field.string('name', 'The name of the case', { required: true, maxLength: 255, tql: true, sortable: true }),
    description: field.string('description', 'The description of the case', { maxLength: 1500, tql: true }),
    severity: field.enum('severity', CASE_SEVERITIES, 'The severity of the case', { required: true, tql: true, sortable: true }),
    status: field.enum('status', CASE_STATUSES, 'The status of the case', { required: true, tql: true, sortable: true }),
    resolution: field.enum('resolution', CASE_RESOLUTIONS, 'The resolution of the case', { defaultValue: 'Not Specified', tql: true, sortable: true }),
    caseOpenTime: field.date('case_open_time', 'The date and time the case was opened', { tql: true, sortable: true }),
    caseCloseTime: field.date('case_close_time', 'The date and time the case was closed', { tql: true, sortable: true }),
    caseOccurrenceTime: field.date('case_occurrence_time', 'The date and time the case occurred', { tql: true }),
    caseDetectionTime: field.date('case_detection_time', 'The date and time the case was detected', { tql: true }),
    caseOpenUser: field.user('case_open_user_id', 'The user who opened the case'),
    caseCloseUser: field.user('case_close_user_id', 'The user who closed the case'),
    createdBy: field.user('created_by_id', 'The user who created the case', { tql: 'createdById', tqlDescription: 'The ID of the user who created the case' }),
    assignee: field.assignee('assignee_user_id', { tql: 'assignedToUserId', tqlDescription: 'The ID of the user the case is assigned to' }),
    dateAdded: field.date('date_added', 'The date the case was added', { readOnly: true, tql: true, sortable: true }),
    lastUpdated: field.date('last_updated', 'The date the case was last updated', { readOnly: true, tql: true, sortable: true }),
    detectionOverdue: field.computed('Boolean', 'Whether detection is overdue', () => false),
    responseOverdue: field.computed('Boolean', 'Whether response is overdue', () => false),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true, sortable: true }),
    tasks: field.collection('Tasks', 'The tasks of the case'),
    notes: field.collection('Notes', 'The notes of the case'),
    artifacts: field.collection('Artifacts', 'The artifacts of the case'),
    workflowEvents: field.collection('WorkflowEvents', 'The workflow events of the case'),
    tags: field.collection('Tags', 'The tags of the case'),
  },
  collections: {
    tasks: { kind: 'children', target: 'tasks', parentField: 'caseId', itemType: 'Task', description: 'The tasks of the case' },
    notes: { kind: 'children', target: 'notes', parentField: 'caseId', itemType: 'Note', description: 'The notes of the case' },
    artifacts: { kind: 'children', target: 'artifacts', parentField: 'caseId', itemType: 'Artifact', description: 'The artifacts of the case' },
    workflowEvents: { kind: 'children', target: 'workflowEvents', parentField: 'caseId', itemType: 'WorkflowEvent', description: 'The workflow events of the case' },
    tags: {
      kind: 'linked', target: 'tags', table: 'case_tags', parentColumn: 'case_id', targetColumn: 'tag_id', itemType: 'Tag', description: 'The tags of the case',
      // {"name":"Phishing"} or, for ATT&CK tags, {"techniqueId":"T1566"}: found by name, created when new.
      byName: { keys: ['name', 'techniqueId'], column: 'normalized', normalize: normalizeTagName, maxLength: 128 },
      touchColumn: 'last_used',
    },
  },
  onCreate(values, ctx) {
    values.resolution ??= 'Not Specified';
    values.created_by_id = ctx.principal.userId;
    values.case_open_time ??= ctx.now;
    values.case_open_user_id = ctx.principal.userId;
    if (values.status === 'Closed') {
      values.case_close_time ??= ctx.now;
      values.case_close_user_id = ctx.principal.userId;
    }
    checkCaseTimes(values);
  },
  onUpdate(values, existing, ctx) {
    if (values.status === 'Closed' && existing.status !== 'Closed') {
      values.case_close_time ??= ctx.now;
      values.case_close_user_id = ctx.principal.userId;
    }
    if (values.status === 'Open' && existing.status === 'Closed') {
      values.case_close_time = null;
      values.case_close_user_id = null;
    }
    checkCaseTimes({ ...existing, ...values });
  },
});

function checkCaseTimes(values: Record<string, unknown>): void {
  const open = values.case_open_time as string | null | undefined;
  const close = values.case_close_time as string | null | undefined;
  if (open && close && close < open) {
    throw new CairnError('validation', `caseCloseTime (${close}) is before caseOpenTime (${open}).`, { fields: [{ field: 'caseCloseTime', message: 'must not be before caseOpenTime' }] });
  }
}

const caseParent = { idField: 'caseId', xidField: 'caseXid', resource: 'cases', column: 'case_id' };

export const tasks = defineResource({
  name: 'tasks',
  itemType: 'Task',
  table: 'tasks',
  ownerColumn: 'owner_id',
  hasXid: true,
  bulkDelete: true,
  generated: { xid: newXid },
  parents: [caseParent],
  fields: {
    id: field.id('The ID of the task', { tql: true, sortable: true }),
    xid: field.xid({ tql: true, sortable: true }),
    caseId: field.parentId('The ID of the case the task belongs to', { column: 'case_id', tql: true, sortable: true }),
    caseXid: field.parentXid('The xid of the case the task belongs to'),
    name: field.string('name', 'The name of the task', { required: true, maxLength: 255, tql: true, sortable: true }),
    description: field.string('description', 'The description of the task', { maxLength: 1500, tql: true }),
    status: field.enum('status', TASK_STATUSES, 'The status of the task', { defaultValue: 'Pending', tql: true, sortable: true }),
    workflowPhase: field.integer('workflow_phase', 'The phase of the workflow', { createOnly: true, minValue: 0, maxValue: 1000, tql: true, sortable: true }),
    workflowStep: field.integer('workflow_step', 'The step of the workflow', { createOnly: true, minValue: 0, maxValue: 1000, tql: true, sortable: true }),
    required: field.boolean('required', 'Whether the task is required', { tql: true }),
    dueDate: field.date('due_date', 'The due date of the task', { tql: true, sortable: true }),
    completedDate: field.date('completed_date', 'The completion date of the task', { createOnly: true, tql: true }),
    completedBy: field.user('completed_by_id', 'The user who completed the task'),
    assignee: field.assignee('assignee_user_id'),
    dateAdded: field.date('date_added', 'The date the task was added', { readOnly: true, tql: true, sortable: true }),
    lastUpdated: field.date('last_updated', 'The date the task was last updated', { readOnly: true }),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true }),
    notes: field.collection('Notes', 'The notes of the task'),
    artifacts: field.collection('Artifacts', 'The artifacts of the task'),
  },
  collections: {
    notes: { kind: 'children', target: 'notes', parentField: 'taskId', itemType: 'Note', description: 'The notes of the task' },
    artifacts: { kind: 'children', target: 'artifacts', parentField: 'taskId', itemType: 'Artifact', description: 'The artifacts of the task' },
  },
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values, ctx) {
    values.status ??= 'Pending';
    if (values.status === 'Closed') {
      values.completed_date ??= ctx.now;
      values.completed_by_id = ctx.principal.userId;
    }
  },
  onUpdate(values, existing, ctx) {
    if (values.status === 'Closed' && existing.status !== 'Closed') {
      values.completed_date ??= ctx.now;
      values.completed_by_id = ctx.principal.userId;
    }
    if (values.status !== undefined && values.status !== 'Closed' && existing.status === 'Closed') {
      values.completed_date = null;
      values.completed_by_id = null;
    }
  },
});

export const artifacts = defineResource({
  name: 'artifacts',
  itemType: 'Artifact',
  table: 'artifacts',
  ownerColumn: 'owner_id',
  bulkDelete: true,
  parents: [caseParent, { idField: 'taskId', xidField: 'taskXid', resource: 'tasks', column: 'task_id', inherit: { case_id: 'case_id' } }],
  fields: {
    id: field.id('The ID of the artifact', { tql: true, sortable: true }),
    caseId: field.parentId('The ID of the case the artifact belongs to', { column: 'case_id', tql: true, sortable: true }),
    caseXid: field.parentXid('The xid of the case the artifact belongs to'),
    taskId: field.parentId('The ID of the task the artifact belongs to', { column: 'task_id', tql: true }),
    taskXid: field.parentXid('The xid of the task the artifact belongs to'),
    summary: field.string('summary', 'The value of the artifact', { required: true, maxLength: 500, tql: true, sortable: true }),
    type: { type: 'String', kind: 'computed', createOnly: true, required: true, includedByDefault: true, description: 'The artifact type name (GET /v3/artifactTypes)', compute: (row) => row.type_name },
    intelType: field.computed('String', 'The intel type of the artifact type', (row) => row.type_intel_type ?? null),
    source: field.string('source', 'The source of the artifact', { maxLength: 255, tql: true }),
    fieldName: field.string('field_name', 'The field name of the artifact', { maxLength: 100 }),
    hashCode: field.string('hash_code', 'The hash of a file artifact', { createOnly: true, maxLength: 128 }),
    dateAdded: field.date('date_added', 'The date the artifact was added', { readOnly: true, tql: true, sortable: true }),
    lastModified: field.date('last_modified', 'The date the artifact was last modified', { readOnly: true }),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true }),
    notes: field.collection('Notes', 'The notes of the artifact'),
  },
  collections: {
    notes: { kind: 'children', target: 'notes', parentField: 'artifactId', itemType: 'Note', description: 'The notes of the artifact' },
  },
  extraTql: [
    keyword('typeId', 'Integer', 'type_id', 'The ID of the artifact type'),
  ],
  extraColumns: {
    type_name: (alias) => sql`(select name from artifact_types where artifact_types.id = ${sql.ref(`${alias}.type_id`)})`,
    type_intel_type: (alias) => sql`(select intel_type from artifact_types where artifact_types.id = ${sql.ref(`${alias}.type_id`)})`,
  },
  defaultSort: { column: 'id', direction: 'asc' },
  async onCreate(values, ctx) {
    const typeName = values.type;
    delete values.type;
    if (typeof typeName !== 'string' || typeName.trim() === '') {
      throw new CairnError('missing-data', 'An artifact needs a type, e.g. "Host" (GET /v3/artifactTypes lists them).', { fields: [{ field: 'type', message: 'is required' }] });
    }
    const type = await ctx.db.selectFrom('artifact_types').select('id').where((eb: any) => eb(eb.fn('lower', ['name']), '=', typeName.trim().toLowerCase())).executeTakeFirst();
    if (!type) throw new CairnError('validation', `Unknown artifact type "${typeName}"; GET /v3/artifactTypes lists them.`, { fields: [{ field: 'type', message: 'is not an artifact type' }] });
    values.type_id = type.id;
  },
});

export const notes = defineResource({
  name: 'notes',
  itemType: 'Note',
  table: 'notes',
  ownerColumn: 'owner_id',
  bulkDelete: true,
  oneParentOf: true,
  parents: [
    caseParent,
    { idField: 'taskId', xidField: 'taskXid', resource: 'tasks', column: 'task_id', inherit: { case_id: 'case_id' } },
    { idField: 'artifactId', resource: 'artifacts', column: 'artifact_id', inherit: { case_id: 'case_id' } },
    { idField: 'workflowEventId', resource: 'workflowEvents', column: 'workflow_event_id', inherit: { case_id: 'case_id' } },
  ],
  fields: {
    id: field.id('The ID of the note', { tql: true, sortable: true }),
    caseId: field.parentId('The ID of the case the note belongs to', { column: 'case_id', tql: true }),
    caseXid: field.parentXid('The xid of the case the note belongs to'),
    taskId: field.parentId('The ID of the task the note belongs to', { column: 'task_id', tql: true }),
    taskXid: field.parentXid('The xid of the task the note belongs to'),
    artifactId: field.parentId('The ID of the artifact the note belongs to', { column: 'artifact_id', tql: true }),
    workflowEventId: field.parentId('The ID of the workflow event the note belongs to', { column: 'workflow_event_id' }),
    text: field.string('text', 'The text of the note', { required: true, maxLength: 65_500, tql: true }),
    summary: field.computed('String', 'The first 100 characters of the text', (row) => String(row.text ?? '').slice(0, 100)),
    author: field.computed('String', 'The user name of the author', (row) => row.author_name ?? null),
    edited: field.boolean('edited', 'Whether the note was edited', { readOnly: true }),
    dateAdded: field.date('date_added', 'The date the note was added', { readOnly: true, tql: true, sortable: true }),
    lastModified: field.date('last_modified', 'The date the note was last modified', { readOnly: true, tql: true, sortable: true }),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true }),
  },
  extraTql: [
    keyword('summary', 'String', 'text', 'The text of the note'),
  ],
  extraColumns: {
    author_name: (alias) => sql`(select user_name from users where users.id = ${sql.ref(`${alias}.author_id`)})`,
  },
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values, ctx) {
    values.author_id = ctx.principal.userId;
    values.edited = 0;
  },
  onUpdate(values) {
    if (values.text !== undefined) values.edited = 1;
  },
});

export const workflowEvents = defineResource({
  name: 'workflowEvents',
  itemType: 'WorkflowEvent',
  table: 'workflow_events',
  ownerColumn: 'owner_id',
  bulkDelete: true,
  parents: [caseParent],
  fields: {
    id: field.id('The ID of the workflow event', { tql: true, sortable: true }),
    caseId: field.parentId('The ID of the case the event belongs to', { column: 'case_id', tql: true }),
    caseXid: field.parentXid('The xid of the case the event belongs to'),
    summary: field.string('summary', 'The summary of the event', { required: true, maxLength: 500, tql: true }),
    eventDate: field.date('event_date', 'The date of the event', { tql: true, sortable: true }),
    deletedReason: field.string('deleted_reason', 'Why the event was deleted', { maxLength: 500 }),
    deleted: field.boolean('deleted', 'Whether the event was deleted', { readOnly: true, tql: true }),
    systemGenerated: field.boolean('system_generated', 'Whether the system generated the event', { readOnly: true, tql: true }),
    user: field.user('user_id', 'The user who added the event'),
    dateAdded: field.date('date_added', 'The date the event was added', { readOnly: true, tql: true, sortable: true }),
    owner: field.owner(),
    ownerId: field.ownerId(),
    notes: field.collection('Notes', 'The notes of the event'),
  },
  collections: {
    notes: { kind: 'children', target: 'notes', parentField: 'workflowEventId', itemType: 'Note', description: 'The notes of the event' },
  },
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values, ctx) {
    values.event_date ??= ctx.now;
    values.user_id = ctx.principal.userId;
    values.deleted = 0;
    values.system_generated = 0;
  },
});
