/**
 * The one place writes record the events they raise (DESIGN.md principle 5): a row in `outbox`,
 * written with the caller's transaction, so the event exists exactly when the change does. A
 * delivery worker (webhooks, later) claims rows by `available_at`, `claimed_by`/`claimed_until`,
 * counts `attempts` and sets `delivered_at`.
 */
import type { Kysely } from 'kysely';
import { runCompiled, toStoredTime } from '../store/database.js';
import { QueryShapes, slot } from '../store/query-shapes.js';

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

/** Events written by one insert; more are written in further inserts (keeps the bound values well under both databases' limits). */
const EVENTS_PER_INSERT = 100;

/**
 * The compiled inserts (one per number of events), per dialect: a compiled query's placeholders
 * are the dialect's, and every Kysely instance and transaction of one database shares its adapter.
 */
const insertShapes = new WeakMap<object, QueryShapes>();

function shapesFor(db: Kysely<any>): QueryShapes {
  const adapter = db.getExecutor().adapter;
  let shapes = insertShapes.get(adapter);
  if (shapes === undefined) insertShapes.set(adapter, shapes = new QueryShapes());
  return shapes;
}

/** Writes the event in `trx`, the transaction of the change that raised it. */
export async function recordEvent(trx: Kysely<any>, event: DomainEvent, now = toStoredTime(new Date())): Promise<void> {
  await recordEvents(trx, [event], now);
}

/** Writes the events in `trx`, in their order, with one insert per EVENTS_PER_INSERT events. */
export async function recordEvents(trx: Kysely<any>, events: readonly DomainEvent[], now = toStoredTime(new Date())): Promise<void> {
  for (let start = 0; start < events.length; start += EVENTS_PER_INSERT) {
    const count = Math.min(EVENTS_PER_INSERT, events.length - start);
    const values: Record<string, unknown> = { now };
    // Events raised together may share one payload (case.created and case.assigned): written once.
    let payload: Record<string, unknown> | undefined;
    let payloadJson = '';
    for (let i = 0; i < count; i++) {
      const event = events[start + i]!;
      if (event.payload !== payload) payloadJson = JSON.stringify(payload = event.payload);
      values[`o${i}`] = event.ownerId;
      values[`e${i}`] = event.type;
      values[`t${i}`] = event.subjectType;
      values[`s${i}`] = event.subjectId;
      values[`p${i}`] = payloadJson;
    }
    await runCompiled(trx, shapesFor(trx).compiled(`outbox:${count}`, () => ({ query: insertOf(trx, count), reusable: true }), values));
  }
}

function insertOf(db: Kysely<any>, count: number) {
  const rows = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      owner_id: slot(`o${i}`),
      event_type: slot(`e${i}`),
      subject_type: slot(`t${i}`),
      subject_id: slot(`s${i}`),
      payload: slot(`p${i}`),
      created_at: slot('now'),
      available_at: slot('now'),
      attempts: 0,
    });
  }
  return db.insertInto('outbox').values(rows);
}
