/**
 * The one place writes record the events they raise (DESIGN.md principle 5): a row in `outbox`,
 * written with the caller's transaction, so the event exists exactly when the change does. A
 * delivery worker (webhooks, later) claims rows by `available_at`, `claimed_by`/`claimed_until`,
 * counts `attempts` and sets `delivered_at`.
 */
import type { Kysely } from 'kysely';
import { toStoredTime } from '../store/database.js';

export interface DomainEvent {
  /** The owner whose data changed (deliveries are per owner). */
  ownerId: number;
  /** `case.created`, `case.closed`, `case.reopened`, `case.assigned`, `task.assigned`, `note.added`, … */
  type: string;
  /** What changed: `case`, `task`, `note`, … and its id. */
  subjectType: string;
  subjectId: number;
  /** What a subscriber needs to act without reading back (ids, names, states); JSON. */
  payload: Record<string, unknown>;
}

/** Writes the event in `trx`, the transaction of the change that raised it. */
export async function recordEvent(trx: Kysely<any>, event: DomainEvent, now = toStoredTime(new Date())): Promise<void> {
  await trx.insertInto('outbox').values({
    owner_id: event.ownerId,
    event_type: event.type,
    subject_type: event.subjectType,
    subject_id: event.subjectId,
    payload: JSON.stringify(event.payload),
    created_at: now,
    available_at: now,
    attempts: 0,
  }).execute();
}

export async function recordEvents(trx: Kysely<any>, events: readonly DomainEvent[], now?: string): Promise<void> {
  for (const event of events) await recordEvent(trx, event, now);
}
