/**
 * The owners holding an indicator's value (`GET /v2/indicators/{branch}/{value}/owners`, spec
 * §5.3): every visible owner with an indicator of the same type addressed by one of this
 * indicator's values (`indicator_values`: a File by any of its hashes), with the id it has there.
 * Owners the caller cannot see are never named, nor is whether they hold the value.
 */
import type { Kysely } from 'kysely';

export interface ValueOwner { ownerId: number; itemId: number }

export async function ownersOfValue(db: Kysely<any>, indicatorId: number, visibleOwnerIds: readonly number[]): Promise<ValueOwner[]> {
  if (visibleOwnerIds.length === 0) return [];
  const rows = await db.selectFrom('indicator_values as mine')
    .innerJoin('indicator_values as other', (join) => join.onRef('other.type', '=', 'mine.type').onRef('other.value', '=', 'mine.value'))
    .select(['other.owner_id as ownerId', 'other.indicator_id as itemId'])
    .where('mine.indicator_id', '=', indicatorId)
    .where('other.owner_id', 'in', [...visibleOwnerIds])
    .distinct()
    .orderBy('other.owner_id').orderBy('other.indicator_id')
    .execute();
  // A File merged from several hashes matches once per hash: one entry per owner and item.
  const seen = new Set<string>();
  const owners: ValueOwner[] = [];
  for (const row of rows) {
    const key = `${row.ownerId}:${row.itemId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    owners.push({ ownerId: Number(row.ownerId), itemId: Number(row.itemId) });
  }
  return owners;
}
