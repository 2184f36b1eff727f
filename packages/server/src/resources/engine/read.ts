/** Reads: a page of a list (TQL, paging, sorting, count) and one item. */
import { sql } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { ResourceDefinition } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { findRow } from './ids.js';
import { readOwners } from './owners.js';
import { listCondition, ordering, selectRows } from './query.js';
import { render } from './render.js';

export interface ListOptions {
  tql?: string;
  fields: string[];
  resultStart: number;
  resultLimit: number;
  sorting?: string;
  count: boolean;
  owner?: string[];
}

/** A page of items; `hasMore` says whether a next page exists; `count` is the total when asked for. */
export interface ListResult { data: Row[]; hasMore: boolean; count?: number }

export async function listItems(engine: EngineContext, resource: ResourceDefinition, principal: Principal, options: ListOptions): Promise<ListResult> {
  const ownerIds = readOwners(principal, options.owner);
  const where = listCondition(engine, resource, ownerIds, options.tql);
  let query = selectRows(engine.db, resource).where(where);
  for (const [column, direction, nulls] of ordering(resource, options.sorting)) {
    query = query.orderBy(sql.ref(`t0.${column}`), (ob) => (direction === 'desc' ? ob.desc() : ob.asc())[nulls === 'first' ? 'nullsFirst' : 'nullsLast']());
  }
  // One row more than the page tells whether there is a next page without counting every match;
  // the (costly) count runs only when the client asks for it, on the first page.
  const rows = await query.limit(options.resultLimit + 1).offset(options.resultStart).execute() as Row[];
  const hasMore = rows.length > options.resultLimit;
  if (hasMore) rows.pop();
  const count = options.count && options.resultStart === 0
    ? Number((await engine.db.selectFrom(`${resource.table} as t0`).select(sql<number>`count(*)`.as('n')).where(where).executeTakeFirstOrThrow()).n)
    : undefined;
  const data = await render(engine, resource, rows, options.fields, ownerIds, principal);
  return { data, hasMore, ...(count !== undefined ? { count } : {}) };
}

export async function getItem(engine: EngineContext, resource: ResourceDefinition, principal: Principal, ref: string, fields: string[], owner?: string[]): Promise<Row> {
  const ownerIds = readOwners(principal, owner);
  const row = await findRow(engine, resource, ref, ownerIds);
  return (await render(engine, resource, [row], fields, ownerIds, principal))[0]!;
}
