/**
 * The values that address indicators (`indicator_values`, migration 0008): claiming them for an
 * indicator, finding an indicator by one, and the record a deletion leaves. A value is unique per
 * owner and type by the table's primary key, so a claim is an INSERT … ON CONFLICT DO NOTHING and
 * never a look-up first: of two concurrent writers of one value, the second's claim waits for the
 * first's commit (PostgreSQL) or its turn (SQLite's one writer) and then finds the first's indicator.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import { INDICATOR_TYPES, valuesNamedBy, type IndicatorType } from './indicator-types.js';

/**
 * Claims `values` of `type` in `ownerId` for the indicator `indicatorId`; returns the ids of the
 * other indicators that already hold any of them (empty: every value is now this indicator's).
 */
export async function claimIndicatorValues(db: Kysely<any>, ownerId: number, type: string, values: readonly string[], indicatorId: number): Promise<number[]> {
  // One order for every writer, so two transactions claiming overlapping values wait on each other the same way round.
  const sorted = [...new Set(values)].sort();
  if (sorted.length === 0) return [];
  await db.insertInto('indicator_values')
    .values(sorted.map((value) => ({ owner_id: ownerId, type, value, indicator_id: indicatorId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  const holders = await db.selectFrom('indicator_values').select('indicator_id').distinct()
    .where('owner_id', '=', ownerId).where('type', '=', type).where('value', 'in', sorted).where('indicator_id', '<>', indicatorId)
    .orderBy('indicator_id').execute();
  return holders.map((h) => Number(h.indicator_id));
}

/** Gives every value of indicator `fromId` to indicator `toId` (a File merged into another). */
export async function moveIndicatorValues(db: Kysely<any>, fromId: number, toId: number): Promise<void> {
  await db.updateTable('indicator_values').set({ indicator_id: toId }).where('indicator_id', '=', fromId).execute();
}

/** Frees `values` the indicator no longer has (a hash removed from a File). */
export async function releaseIndicatorValues(db: Kysely<any>, indicatorId: number, values: readonly string[]): Promise<void> {
  if (values.length === 0) return;
  await db.deleteFrom('indicator_values').where('indicator_id', '=', indicatorId).where('value', 'in', [...values]).execute();
}

/**
 * The indicator among `ownerIds`' that `ref` names: its summary or any value that addresses it,
 * as any type would normalise it (`BadGuy.com` names the host `badguy.com`; one hash names its
 * file). Where several match (one text valid for two types, or held in two owners), the oldest.
 */
export async function findIndicatorByRef(db: Kysely<any>, ownerIds: readonly number[], ref: string): Promise<number | undefined> {
  if (ownerIds.length === 0 || ref.length === 0 || ref.length > 4000) return undefined;
  const terms: ReturnType<typeof sql<SqlBool>>[] = [];
  for (const type of INDICATOR_TYPES) {
    const values = valuesNamedBy(type, ref);
    if (values && values.length > 0) terms.push(sql<SqlBool>`(type = ${type.name} and value in (${sql.join(values.map((v) => sql`${v}`))}))`);
  }
  if (terms.length === 0) return undefined;
  const row = await db.selectFrom('indicator_values').select('indicator_id')
    .where('owner_id', 'in', [...ownerIds])
    .where(sql<SqlBool>`(${sql.join(terms, sql` or `)})`)
    .orderBy('indicator_id').limit(1).executeTakeFirst();
  return row ? Number(row.indicator_id) : undefined;
}

/**
 * The indicator of `type` among `ownerIds`' that `text` names (a v2 path's
 * `/v2/indicators/{branch}/{value}`, percent-decoded): its value or summary as the type
 * normalises it, or for a File any of its hashes. The oldest where several owners hold it.
 */
export async function findIndicatorByValue(db: Kysely<any>, ownerIds: readonly number[], type: IndicatorType, text: string): Promise<number | undefined> {
  const values = ownerIds.length === 0 ? undefined : valuesNamedBy(type, text);
  if (!values || values.length === 0) return undefined;
  const row = await db.selectFrom('indicator_values').select('indicator_id')
    .where('owner_id', 'in', [...ownerIds]).where('type', '=', type.name).where('value', 'in', values)
    .orderBy('indicator_id').limit(1).executeTakeFirst();
  return row ? Number(row.indicator_id) : undefined;
}

/** What `GET /v2/indicators/deleted` lists: the indicator's owner, type, summary, when it was added and deleted. */
export async function recordIndicatorDeletion(db: Kysely<any>, row: Record<string, unknown>, now: string): Promise<void> {
  await db.insertInto('deleted_indicators').values({
    owner_id: Number(row.owner_id), type: String(row.type), summary: String(row.summary), date_added: String(row.date_added), date_deleted: now,
  }).execute();
}
