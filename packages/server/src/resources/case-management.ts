/**
 * Case management resources (spec threatconnect.md §9). The rules (who opened or closed a case,
 * task completion, note authorship) and the events changes raise live in core/cases; these
 * declarations call them and record the events in the write's transaction.
 */
import crypto from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import { caseChanged, caseCreated, noteAdded, taskChanged, taskCreated } from '../core/cases/events.js';
import {
  addWorkflowEvent, CASE_RESOLUTIONS, CASE_SEVERITIES, CASE_STATUSES, changeCase, changeTask, createTask, editNote, openCase, TASK_STATUSES, writeNote,
} from '../core/cases/rules.js';
import { CairnError } from '../core/errors.js';
import { artifactAssociations, caseAssociationKeywords, caseAssociations } from './associations.js';
import { normalizeTagName } from './catalogue.js';
import { anyOfKeyword, computedKeyword, defineResource, field, keyword } from './define.js';
import type { RowExpression, TqlKeyword, WriteContext } from './types.js';

export { CASE_RESOLUTIONS, CASE_SEVERITIES, CASE_STATUSES, TASK_STATUSES };

const newXid = () => crypto.randomUUID();
const actor = (ctx: WriteContext) => ({ userId: ctx.principal.userId, now: ctx.now });
const xidTaken = (itemType: string) => ({
  columns: ['owner_id', 'xid'],
  conflict: (values: Record<string, unknown>, id: number) => `A ${itemType} with xid "${String(values.xid).slice(0, 100)}" already exists (id ${id}).`,
});

// Keywords ThreatConnect clients filter on (tcex's CaseFilter, TaskFilter, …) beyond the fields' own.
const column = (alias: string, name: string) => sql.ref(`${alias}.${name}`);
/** The user name of the user a column names. */
const userNameOf = (name: string): RowExpression => (alias) => sql`select users.user_name from users where users.id = ${column(alias, name)}`;
const ownerNameOf: RowExpression = (alias) => sql`select owners.name from owners where owners.id = ${column(alias, 'owner_id')}`;
/** Assigned to a user or not at all (Cairn has no group assignment). */
const assigneeType = (none: string | null): RowExpression => (alias) => sql`case when ${column(alias, 'assignee_user_id')} is null then ${none === null ? sql`cast(null as text)` : sql.lit(none)} else 'User' end`;
const idText = (name: string): RowExpression => (alias) => sql`cast(${column(alias, name)} as text)`;
/** A value Cairn does not track (no scores, timers or templates yet): NULL, so comparisons match nothing. */
const untrackedInteger: RowExpression = () => sql`cast(null as integer)`;
const untrackedText: RowExpression = () => sql`cast(null as text)`;
/** A flag that is false for every row Cairn stores (no automation, no overdue timers yet). */
const alwaysFalse: RowExpression = () => sql`0`;
/** A case's tag names (ATT&CK ones only with `attack`), any of which may match. */
const tagNames = (attack: boolean) => (alias: string, test: (value: ReturnType<typeof sql.ref>) => ReturnType<typeof sql<SqlBool>>) => {
  const link = sql.raw(`${alias}_ct`);
  const tag = sql.raw(`${alias}_tg`);
  return sql<SqlBool>`${column(alias, 'id')} in (select ${sql.ref(`${alias}_ct.case_id`)} from case_tags as ${link} join tags as ${tag} on ${sql.ref(`${alias}_tg.id`)} = ${sql.ref(`${alias}_ct.tag_id`)} where ${attack ? sql`${sql.ref(`${alias}_tg.technique_id`)} is not null and ` : sql``}${test(sql.ref(`${alias}_tg.name`))})`;
};
const assignedToUserOrGroup = computedKeyword('assignedToUserOrGroup', 'String', assigneeType('None'), 'User, Group or None, depending on the assignee');
const ownerKeywords: TqlKeyword[] = [
  keyword('owner', 'Integer', 'owner_id', 'The ID of the owner'),
  computedKeyword('ownerName', 'String', ownerNameOf, 'The name of the owner'),
];

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
    attributes: { kind: 'children', target: 'caseAttributes', parentField: 'caseId', itemType: 'CaseAttribute', description: 'The attributes of the case' },
    ...caseAssociations,
  },
  everyQueries: [{ keyword: 'hasAllTags', collection: 'tags', description: 'A nested query for tags every one of which the case has' }],
  extraTql: [
    ...caseAssociationKeywords,
    assignedToUserOrGroup,
    computedKeyword('assigneeName', 'String', userNameOf('assignee_user_id'), 'The user name of the assignee'),
    anyOfKeyword('attackTag', 'StringLower', tagNames(true), 'The name of an ATT&CK tag applied to the case'),
    computedKeyword('calScore', 'Integer', untrackedInteger, 'The CAL score of the case (not tracked by Cairn)'),
    keyword('caseCloseDate', 'Date', 'case_close_time', 'The date and time the case was closed'),
    computedKeyword('caseCloseUser', 'String', userNameOf('case_close_user_id'), 'The user name of the user who closed the case'),
    computedKeyword('caseDetectionUser', 'String', untrackedText, 'The user who logged the detection time (not tracked by Cairn)'),
    computedKeyword('caseOccurrenceUser', 'String', untrackedText, 'The user who logged the occurrence time (not tracked by Cairn)'),
    keyword('caseOpenDate', 'Date', 'case_open_time', 'The date and time the case was opened'),
    computedKeyword('caseOpenUser', 'String', userNameOf('case_open_user_id'), 'The user name of the user who opened the case'),
    computedKeyword('createdBy', 'String', userNameOf('created_by_id'), 'The user name of the user who created the case'),
    computedKeyword('detectionDue', 'Date', untrackedText, 'When detection is due (Cairn has no case timers)'),
    computedKeyword('detectionOverdue', 'Boolean', alwaysFalse, 'Whether detection is overdue (Cairn has no case timers)'),
    computedKeyword('hasWorkflowTemplate', 'Integer', untrackedInteger, 'The ID of the workflow template of the case (Cairn has none)'),
    computedKeyword('idAsString', 'String', idText('id'), 'The ID of the case as text'),
    computedKeyword('missingArtifactCount', 'Integer', () => sql`0`, 'Required artifacts missing from the case\'s tasks (Cairn requires none)'),
    ...ownerKeywords,
    computedKeyword('responseDue', 'Date', untrackedText, 'When the response is due (Cairn has no case timers)'),
    computedKeyword('responseOverdue', 'Boolean', alwaysFalse, 'Whether the response is overdue (Cairn has no case timers)'),
    anyOfKeyword('tag', 'StringLower', tagNames(false), 'The name of a tag applied to the case'),
    keyword('targetId', 'Integer', 'assignee_user_id', 'The ID of the user the case is assigned to'),
    computedKeyword('targetType', 'String', assigneeType(null), 'User when the case is assigned'),
    computedKeyword('threatAssessScore', 'Integer', untrackedInteger, 'The ThreatAssess score of the case (not tracked by Cairn)'),
    computedKeyword('timeToDetect', 'Integer', untrackedInteger, 'Seconds on the time-to-detect timer (Cairn has no case timers)'),
    computedKeyword('timeToRespond', 'Integer', untrackedInteger, 'Seconds on the time-to-respond timer (Cairn has no case timers)'),
    keyword('typeName', 'String', 'name', 'The name of the case'),
  ],
  uniqueKeys: [xidTaken('case')],
  onCreate(values, ctx) {
    openCase(values, actor(ctx));
  },
  onUpdate(values, existing, ctx) {
    changeCase(values, existing, actor(ctx));
  },
  afterCreate: (id, values, ctx) => { ctx.raised.push(...caseCreated(id, values, ctx.principal.userId)); },
  afterUpdate: (id, values, existing, ctx) => { ctx.raised.push(...caseChanged(id, values, existing, ctx.principal.userId)); },
});

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
  },
  collections: {
    notes: { kind: 'children', target: 'notes', parentField: 'taskId', itemType: 'Note', description: 'The notes of the task' },
    artifacts: { kind: 'children', target: 'artifacts', parentField: 'taskId', itemType: 'Artifact', description: 'The artifacts of the task' },
  },
  extraTql: [
    assignedToUserOrGroup,
    computedKeyword('assigneeName', 'String', userNameOf('assignee_user_id'), 'The user name of the assignee'),
    computedKeyword('automated', 'Boolean', alwaysFalse, 'Whether the task is automated (Cairn runs no playbooks)'),
    computedKeyword('caseIdAsString', 'String', idText('case_id'), 'The ID of the case as text'),
    computedKeyword('caseSeverity', 'Enum', (alias) => sql`select cases.severity from cases where cases.id = ${column(alias, 'case_id')}`, 'The severity of the task\'s case', CASE_SEVERITIES),
    computedKeyword('completedBy', 'String', userNameOf('completed_by_id'), 'The user name of the user who completed the task'),
    computedKeyword('missingArtifactCount', 'Integer', () => sql`0`, 'Required artifacts missing from the task (Cairn requires none)'),
    ...ownerKeywords,
    keyword('targetId', 'Integer', 'assignee_user_id', 'The ID of the user the task is assigned to'),
    computedKeyword('targetType', 'String', assigneeType(null), 'User when the task is assigned'),
  ],
  uniqueKeys: [xidTaken('task')],
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values, ctx) {
    createTask(values, actor(ctx));
  },
  onUpdate(values, existing, ctx) {
    changeTask(values, existing, actor(ctx));
  },
  afterCreate: (id, values, ctx) => { ctx.raised.push(...taskCreated(id, values, ctx.principal.userId)); },
  afterUpdate: (id, values, existing, ctx) => { ctx.raised.push(...taskChanged(id, values, existing, ctx.principal.userId)); },
});

/** 1 when an indicator associated with the artifact is active, 0 when only inactive ones are, NULL without one. */
const indicatorActive: RowExpression = (alias) => sql`select max(i.active) from artifact_indicators as ai join indicators as i on i.id = ai.indicator_id where ai.artifact_id = ${column(alias, 'id')}`;

const artifactTypeName: RowExpression = (alias) => sql`select artifact_types.name from artifact_types where artifact_types.id = ${column(alias, 'type_id')}`;

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
  },
  collections: {
    notes: { kind: 'children', target: 'notes', parentField: 'artifactId', itemType: 'Note', description: 'The notes of the artifact' },
    ...artifactAssociations,
  },
  extraTql: [
    keyword('typeId', 'Integer', 'type_id', 'The ID of the artifact type'),
    computedKeyword('analyticsScore', 'Integer', untrackedInteger, 'The intel score of the artifact (not tracked by Cairn)'),
    computedKeyword('indicatorActive', 'Boolean', indicatorActive, 'Whether an indicator associated with the artifact is active (NULL when none is)'),
    anyOfKeyword('noteId', 'Integer', (alias, test) => sql<SqlBool>`exists (select 1 from notes as ${sql.raw(`${alias}_n`)} where ${sql.ref(`${alias}_n.artifact_id`)} = ${column(alias, 'id')} and ${test(sql.ref(`${alias}_n.id`))})`, 'The ID of a note of the artifact'),
    computedKeyword('type', 'String', artifactTypeName, 'The name of the artifact type'),
    computedKeyword('typeName', 'String', artifactTypeName, 'The name of the artifact type'),
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
    workflowEventId: field.parentId('The ID of the workflow event the note belongs to', { column: 'workflow_event_id', tql: true }),
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
    keyword('data', 'String', 'text', 'The text of the note'),
    computedKeyword('author', 'String', userNameOf('author_id'), 'The user name of the author'),
  ],
  extraColumns: {
    author_name: (alias) => sql`(select user_name from users where users.id = ${sql.ref(`${alias}.author_id`)})`,
  },
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values, ctx) {
    writeNote(values, actor(ctx));
  },
  onUpdate(values) {
    editNote(values);
  },
  afterCreate: (id, values, ctx) => { ctx.raised.push(...noteAdded(id, values)); },
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
    deletedReason: field.string('deleted_reason', 'Why the event was deleted', { maxLength: 500, tql: true }),
    deleted: field.boolean('deleted', 'Whether the event was deleted', { readOnly: true, tql: true }),
    systemGenerated: field.boolean('system_generated', 'Whether the system generated the event', { readOnly: true, tql: true }),
    user: field.user('user_id', 'The user who added the event'),
    dateAdded: field.date('date_added', 'The date the event was added', { readOnly: true, tql: true, sortable: true }),
    owner: field.owner(),
    ownerId: field.ownerId(),
  },
  collections: {
    notes: { kind: 'children', target: 'notes', parentField: 'workflowEventId', itemType: 'Note', description: 'The notes of the event' },
  },
  extraTql: [
    keyword('link', 'String', 'link', 'The item the event pertains to, as <type>:<id>'),
    computedKeyword('userName', 'String', userNameOf('user_id'), 'The user name of the user who added the event'),
  ],
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values, ctx) {
    addWorkflowEvent(values, actor(ctx));
  },
});
