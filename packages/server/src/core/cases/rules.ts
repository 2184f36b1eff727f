/**
 * Case-management rules, whatever surface the change comes through: who opened or closed a case
 * and when, a task's completion, a note's author and edited flag, a workflow event's user. Each
 * function completes the column values of a create or an update (stored-column names) for the
 * acting user at `now`, or raises a validation error.
 */
import { CairnError } from '../errors.js';

export const CASE_SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export const CASE_STATUSES = ['Open', 'Closed'] as const;
export const CASE_RESOLUTIONS = [
  'Containment Achieved', 'Deferred / Delayed', 'Escalated', 'False Positive', 'In Progress / Investigating',
  'Not Specified', 'Rejected', 'Restoration Achieved',
] as const;
export const TASK_STATUSES = ['Pending', 'Open', 'Reopened', 'Closed'] as const;

type Values = Record<string, unknown>;

/** Who acts, and the stored time of the request. */
export interface Actor { userId: number; now: string }

/** A new case: resolution defaults, creator and opener are the actor, a case created Closed is closed now. */
export function openCase(values: Values, actor: Actor): void {
  values.resolution ??= 'Not Specified';
  values.created_by_id = actor.userId;
  values.case_open_time ??= actor.now;
  values.case_open_user_id = actor.userId;
  if (values.status === 'Closed') {
    values.case_close_time ??= actor.now;
    values.case_close_user_id = actor.userId;
  }
  checkCaseTimes(values);
}

/** A case change: closing stamps the close time and user, reopening clears them. */
export function changeCase(values: Values, existing: Values, actor: Actor): void {
  if (values.status === 'Closed' && existing.status !== 'Closed') {
    values.case_close_time ??= actor.now;
    values.case_close_user_id = actor.userId;
  }
  if (values.status === 'Open' && existing.status === 'Closed') {
    values.case_close_time = null;
    values.case_close_user_id = null;
  }
  checkCaseTimes({ ...existing, ...values });
}

/** A case is not closed before it was opened. */
export function checkCaseTimes(values: Values): void {
  const open = values.case_open_time as string | null | undefined;
  const close = values.case_close_time as string | null | undefined;
  if (open && close && close < open) {
    throw new CairnError('validation', `caseCloseTime (${close}) is before caseOpenTime (${open}).`, { fields: [{ field: 'caseCloseTime', message: 'must not be before caseOpenTime' }] });
  }
}

/** A new task is Pending unless said otherwise; one created Closed is completed now by the actor. */
export function createTask(values: Values, actor: Actor): void {
  values.status ??= 'Pending';
  if (values.status === 'Closed') {
    values.completed_date ??= actor.now;
    values.completed_by_id = actor.userId;
  }
}

/** Closing a task completes it; moving it out of Closed clears the completion. */
export function changeTask(values: Values, existing: Values, actor: Actor): void {
  if (values.status === 'Closed' && existing.status !== 'Closed') {
    values.completed_date ??= actor.now;
    values.completed_by_id = actor.userId;
  }
  if (values.status !== undefined && values.status !== 'Closed' && existing.status === 'Closed') {
    values.completed_date = null;
    values.completed_by_id = null;
  }
}

/** The actor writes the note; it is not edited yet. */
export function writeNote(values: Values, actor: Actor): void {
  values.author_id = actor.userId;
  values.edited = 0;
}

/** Changing a note's text marks it edited. */
export function editNote(values: Values): void {
  if (values.text !== undefined) values.edited = 1;
}

/** A workflow event added by hand: by the actor, now unless dated, neither deleted nor system-made. */
export function addWorkflowEvent(values: Values, actor: Actor): void {
  values.event_date ??= actor.now;
  values.user_id = actor.userId;
  values.deleted = 0;
  values.system_generated = 0;
}
