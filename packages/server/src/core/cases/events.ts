/**
 * The events case-management changes raise, from the stored column values of a create or an
 * update. Recorded in the change's transaction (core/outbox.ts) by whoever makes the change.
 */
import type { DomainEvent } from '../outbox.js';

type Values = Record<string, unknown>;

const id = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** What a case event says about the case, and who acted. */
function casePayload(caseId: number, row: Values, actorId: number): Record<string, unknown> {
  return { id: caseId, xid: row.xid, name: row.name, severity: row.severity, status: row.status, resolution: row.resolution, assigneeUserId: id(row.assignee_user_id), actorUserId: actorId };
}

/** case.created, and case.assigned when it is created with an assignee (both carry the same payload). */
export function caseCreated(caseId: number, values: Values, actorId: number): DomainEvent[] {
  const ownerId = Number(values.owner_id);
  const payload = casePayload(caseId, values, actorId);
  const events: DomainEvent[] = [{ ownerId, type: 'case.created', subjectType: 'case', subjectId: caseId, payload }];
  if (id(values.assignee_user_id) !== null) events.push({ ownerId, type: 'case.assigned', subjectType: 'case', subjectId: caseId, payload });
  return events;
}

/** case.closed / case.reopened on a status change, case.assigned when the assignee becomes another user. */
export function caseChanged(caseId: number, values: Values, existing: Values, actorId: number): DomainEvent[] {
  const ownerId = Number(existing.owner_id);
  const payload = casePayload(caseId, { ...existing, ...values }, actorId);
  const events: DomainEvent[] = [];
  if (values.status === 'Closed' && existing.status !== 'Closed') events.push({ ownerId, type: 'case.closed', subjectType: 'case', subjectId: caseId, payload });
  if (values.status !== undefined && values.status !== 'Closed' && existing.status === 'Closed') events.push({ ownerId, type: 'case.reopened', subjectType: 'case', subjectId: caseId, payload });
  if (assignedAnew(values, existing)) events.push({ ownerId, type: 'case.assigned', subjectType: 'case', subjectId: caseId, payload });
  return events;
}

const assignedAnew = (values: Values, existing: Values) =>
  values.assignee_user_id !== undefined && id(values.assignee_user_id) !== null && id(values.assignee_user_id) !== id(existing.assignee_user_id);

function taskAssigned(taskId: number, row: Values, actorId: number): DomainEvent {
  return {
    ownerId: Number(row.owner_id), type: 'task.assigned', subjectType: 'task', subjectId: taskId,
    payload: { id: taskId, xid: row.xid, caseId: id(row.case_id), name: row.name, status: row.status, assigneeUserId: id(row.assignee_user_id), actorUserId: actorId },
  };
}

/** task.assigned when a task is created with an assignee. */
export function taskCreated(taskId: number, values: Values, actorId: number): DomainEvent[] {
  return id(values.assignee_user_id) === null ? [] : [taskAssigned(taskId, values, actorId)];
}

/** task.assigned when the assignee becomes another user. */
export function taskChanged(taskId: number, values: Values, existing: Values, actorId: number): DomainEvent[] {
  return assignedAnew(values, existing) ? [taskAssigned(taskId, { ...existing, ...values }, actorId)] : [];
}

/** note.added, naming what it was added to (its text stays in the note). */
export function noteAdded(noteId: number, values: Values): DomainEvent[] {
  return [{
    ownerId: Number(values.owner_id), type: 'note.added', subjectType: 'note', subjectId: noteId,
    payload: { id: noteId, caseId: id(values.case_id), taskId: id(values.task_id), artifactId: id(values.artifact_id), workflowEventId: id(values.workflow_event_id), authorUserId: id(values.author_id) },
  }];
}
