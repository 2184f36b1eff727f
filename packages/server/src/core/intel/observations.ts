/**
 * Observations and false positives of an indicator (spec threatconnect.md §5.3): domain
 * operations both surfaces call (v2 `…/observations`, `…/observationCount`, `…/falsePositive`;
 * v3 `observations` / `falsePositiveFlag` on a write and the read-only counts). Callers check
 * first that the indicator is visible to the user (these functions take an id already found
 * among the caller's owners).
 */
import { sql, type Kysely } from 'kysely';
import { CairnError } from '../errors.js';

/** The most observations one report may add. */
export const MAX_OBSERVATIONS_PER_REPORT = 1_000_000;

/** Records that `userId` observed the indicator `count` times at `now` (a stored-time string). */
export async function recordObservations(db: Kysely<any>, indicatorId: number, userId: number, count: number, now: string): Promise<void> {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_OBSERVATIONS_PER_REPORT) {
    throw new CairnError('validation', `The observation count must be a whole number from 1 to ${MAX_OBSERVATIONS_PER_REPORT}.`, { fields: [{ field: 'count', message: `must be a whole number from 1 to ${MAX_OBSERVATIONS_PER_REPORT}` }] });
  }
  await db.insertInto('indicator_observations').values({ indicator_id: indicatorId, user_id: userId, count, date_observed: now }).execute();
}

export interface ObservationCount {
  count: number;
  lastObserved: string | null;
  yourCount: number;
  yourLastObserved: string | null;
}

/** All observations of the indicator, and those `userId` reported. */
export async function observationCount(db: Kysely<any>, indicatorId: number, userId: number): Promise<ObservationCount> {
  const row = await db.selectFrom('indicator_observations')
    .select([
      sql<number>`coalesce(sum(count), 0)`.as('count'),
      sql<string | null>`max(date_observed)`.as('last_observed'),
      sql<number>`coalesce(sum(case when user_id = ${userId} then count else 0 end), 0)`.as('your_count'),
      sql<string | null>`max(case when user_id = ${userId} then date_observed end)`.as('your_last_observed'),
    ])
    .where('indicator_id', '=', indicatorId)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), lastObserved: row.last_observed ?? null, yourCount: Number(row.your_count), yourLastObserved: row.your_last_observed ?? null };
}

/** The observations of the indicator, newest first (v2 `GET …/observations`). */
export async function listObservations(db: Kysely<any>, indicatorId: number, limit = 10_000): Promise<{ count: number; dateObserved: string }[]> {
  const rows = await db.selectFrom('indicator_observations').select(['count', 'date_observed']).where('indicator_id', '=', indicatorId)
    .orderBy('date_observed', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ count: Number(r.count), dateObserved: String(r.date_observed) }));
}

export interface FalsePositiveCount { count: number; lastReported: string | null }

/**
 * `userId` reports the indicator as a false positive at `now`: counted once per user, indicator
 * and UTC day (the table's primary key; a second report that day changes nothing). Returns the
 * indicator's count and last report.
 */
export async function reportFalsePositive(db: Kysely<any>, indicatorId: number, userId: number, now: string): Promise<FalsePositiveCount> {
  await db.insertInto('indicator_false_positives').values({ indicator_id: indicatorId, user_id: userId, day: now.slice(0, 10), reported_at: now })
    .onConflict((oc) => oc.doNothing()).execute();
  return falsePositiveCount(db, indicatorId);
}

export async function falsePositiveCount(db: Kysely<any>, indicatorId: number): Promise<FalsePositiveCount> {
  const row = await db.selectFrom('indicator_false_positives')
    .select([sql<number>`count(*)`.as('count'), sql<string | null>`max(reported_at)`.as('last')])
    .where('indicator_id', '=', indicatorId).executeTakeFirstOrThrow();
  return { count: Number(row.count), lastReported: row.last ?? null };
}

/** SQL over an indicator row aliased `alias`: its observation total, last observation, false positives and last one. */
export const indicatorCounters = {
  observationCount: (alias: string) => sql`(select coalesce(sum(o.count), 0) from indicator_observations as o where o.indicator_id = ${sql.ref(`${alias}.id`)})`,
  lastObserved: (alias: string) => sql`(select max(o.date_observed) from indicator_observations as o where o.indicator_id = ${sql.ref(`${alias}.id`)})`,
  falsePositiveCount: (alias: string) => sql`(select count(*) from indicator_false_positives as f where f.indicator_id = ${sql.ref(`${alias}.id`)})`,
  lastFalsePositive: (alias: string) => sql`(select max(f.reported_at) from indicator_false_positives as f where f.indicator_id = ${sql.ref(`${alias}.id`)})`,
};
