/** Reads: a page of a list (TQL, paging, sorting, count) and one item. */
import { sql } from 'kysely';
import type { Principal } from '../../core/principal.js';
import type { ResourceDefinition } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { findRow } from './ids.js';
import { readOwners } from './owners.js';
import { listConditionShape, ordering, selectionFor, selectRows } from './query.js';
import { render } from './render.js';
import { slot } from '../../store/query-shapes.js';

export interface ListOptions {
  tql?: string;
  fields: string[];
  resultStart: number;
  resultLimit: number;
  sorting?: string;
  count: boolean;
  owner?: string[];
  /** Render only the `fields` named, not the defaults too (v2 reads a few fields of a large page). */
  exactFields?: boolean;
}

/** A page of items; `hasMore` says whether a next page exists; `count` is the total when asked for. */
export interface ListResult { data: Row[]; hasMore: boolean; count?: number }

export async function listItems(engine: EngineContext, resource: ResourceDefinition, principal: Principal, options: ListOptions): Promise<ListResult> {
  const ownerIds = readOwners(principal, options.owner);
  // One compiled statement per (resource, owners, TQL, sorting): the page's limit and offset are
  // bound per request; a TQL that reads the clock is compiled anew each time.
  const selection = options.exactFields === true ? selectionFor(resource, options.fields) : undefined;
  const key = JSON.stringify(['page', resource.name, ownerIds, options.tql ?? '', options.sorting ?? '', selection?.columns ?? '*', selection?.extra ? [...selection.extra] : '*']);
  const pageQuery = () => {
    const { condition, readsClock } = listConditionShape(engine, resource, ownerIds, options.tql);
    let query = selectRows(engine.db, resource, selection).where(condition);
    for (const [column, direction, nulls] of ordering(resource, options.sorting)) {
      query = query.orderBy(sql.ref(`t0.${column}`), (ob) => (direction === 'desc' ? ob.desc() : ob.asc())[nulls === 'first' ? 'nullsFirst' : 'nullsLast']());
    }
    return { query: query.limit(slot<number>('limit')).offset(slot<number>('offset')), reusable: !readsClock };
  };
  // One row more than the page tells whether there is a next page without counting every match;
  // the (costly) count runs only when the client asks for it, on the first page.
  const rows = (await engine.db.executeQuery(engine.shapes.compiled(key, pageQuery, { limit: options.resultLimit + 1, offset: options.resultStart }))).rows as Row[];
  const hasMore = rows.length > options.resultLimit;
  if (hasMore) rows.pop();
  let count: number | undefined;
  if (options.count && options.resultStart === 0) {
    const countQuery = () => {
      const { condition, readsClock } = listConditionShape(engine, resource, ownerIds, options.tql);
      return { query: engine.db.selectFrom(`${resource.table} as t0`).select(sql<number>`count(*)`.as('n')).where(condition), reusable: !readsClock };
    };
    const counted = await engine.db.executeQuery(engine.shapes.compiled(JSON.stringify(['count', resource.name, ownerIds, options.tql ?? '']), countQuery));
    count = Number((counted.rows[0] as { n: unknown }).n);
  }
  const data = await render(engine, resource, rows, options.fields, ownerIds, principal, options.exactFields === true);
  return { data, hasMore, ...(count !== undefined ? { count } : {}) };
}

/** A keyset page: the items after `afterId` in id order, and the id to pass for the next page (none at the end). */
export interface KeysetOptions { afterId: number; limit: number; fields: string[]; owner?: string[]; exactFields?: boolean; /** A TQL filter (a STIX export's selection). */ tql?: string }
export interface KeysetPage { data: Row[]; nextAfterId?: number }

/**
 * Reads a whole list without offsets (an export): each page starts after the last id of the one
 * before, so page n costs what page 1 does. One compiled statement per (resource, owners).
 */
export async function listAfterId(engine: EngineContext, resource: ResourceDefinition, principal: Principal, options: KeysetOptions): Promise<KeysetPage> {
  const ownerIds = readOwners(principal, options.owner);
  const selection = options.exactFields === true ? selectionFor(resource, options.fields) : undefined;
  const key = JSON.stringify(['after', resource.name, ownerIds, options.tql ?? '', selection?.columns ?? '*', selection?.extra ? [...selection.extra] : '*']);
  const pageQuery = () => {
    const { condition, readsClock } = listConditionShape(engine, resource, ownerIds, options.tql);
    return {
      query: selectRows(engine.db, resource, selection).where(condition)
        .where(sql.ref('t0.id'), '>', slot<number>('after')).orderBy(sql.ref('t0.id'), 'asc').limit(slot<number>('limit')),
      reusable: !readsClock,
    };
  };
  const rows = (await engine.db.executeQuery(engine.shapes.compiled(key, pageQuery, { after: options.afterId, limit: options.limit }))).rows as Row[];
  const last = rows.length === options.limit ? Number(rows[rows.length - 1]!.id) : undefined;
  const data = await render(engine, resource, rows, options.fields, ownerIds, principal, options.exactFields === true);
  return last === undefined ? { data } : { data, nextAfterId: last };
}

/** An item already read (a row just created), shown as a read by id would show it. */
export async function renderItem(engine: EngineContext, resource: ResourceDefinition, principal: Principal, row: Row, fields: string[]): Promise<Row> {
  return (await render(engine, resource, [row], fields, readOwners(principal, undefined), principal))[0]!;
}

export async function getItem(engine: EngineContext, resource: ResourceDefinition, principal: Principal, ref: string, fields: string[], owner?: string[], exactFields = false): Promise<Row> {
  const ownerIds = readOwners(principal, owner);
  const row = await findRow(engine, resource, ref, ownerIds);
  return (await render(engine, resource, [row], fields, ownerIds, principal, exactFields))[0]!;
}
