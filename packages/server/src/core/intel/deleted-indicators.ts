/**
 * Indicators deleted from an owner (`GET /v2/indicators/deleted`): what was deleted (type,
 * summary), whose it was and when it was added, from `deleted_indicators`, which the indicator
 * delete writes in its transaction. Read among the owners a request names, newest deletion first.
 */
import { sql, type Kysely } from 'kysely';

export interface DeletedIndicator { id: number; ownerId: number; type: string; summary: string; dateAdded: string; dateDeleted: string }

export interface DeletedIndicatorQuery {
  ownerIds: readonly number[];
  /** Only those deleted at or after this stored time. */
  deletedSince?: string;
  /** Only this indicator type. */
  type?: string;
  start: number;
  limit: number;
}

/** A page of deleted indicators and how many match in all. */
export async function deletedIndicators(db: Kysely<any>, query: DeletedIndicatorQuery): Promise<{ total: number; items: DeletedIndicator[] }> {
  if (query.ownerIds.length === 0) return { total: 0, items: [] };
  let base = db.selectFrom('deleted_indicators').where('owner_id', 'in', [...query.ownerIds]);
  if (query.deletedSince !== undefined) base = base.where('date_deleted', '>=', query.deletedSince);
  if (query.type !== undefined) base = base.where('type', '=', query.type);
  const [counted] = await base.select(sql<number>`count(*)`.as('n')).execute();
  const rows = await base.select(['id', 'owner_id', 'type', 'summary', 'date_added', 'date_deleted'])
    .orderBy('date_deleted', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.start).execute();
  return {
    total: Number(counted?.n ?? 0),
    items: rows.map((r) => ({ id: Number(r.id), ownerId: Number(r.owner_id), type: String(r.type), summary: String(r.summary), dateAdded: String(r.date_added), dateDeleted: String(r.date_deleted) })),
  };
}
