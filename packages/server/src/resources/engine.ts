/**
 * The one implementation behind every v3 resource, over the registry it is given: list with TQL,
 * paging, sorting and count; read by id or xid; create with nested children and links in one
 * transaction; partial update with collection modes; delete and bulk delete. Each concern lives
 * in engine/ (owners, ids, query, tql, read, render, convert, write); this class only binds them
 * to one database. Owner scoping is applied to every statement. Answers are plain objects; the
 * surface wraps them.
 */
import type { Kysely } from 'kysely';
import type { Principal } from '../core/principal.js';
import type { Dialect } from '../store/database.js';
import type { EngineContext, Row } from './engine/context.js';
import { getItem, listAfterId, listItems, renderItem, type KeysetOptions, type KeysetPage, type ListOptions, type ListResult } from './engine/read.js';
import { createItem, removeItem, removeMatching, updateItem } from './engine/write.js';
import { QueryShapes } from '../store/query-shapes.js';
import type { ResourceRegistry } from './registry.js';
import type { ResourceDefinition } from './types.js';

export type { KeysetOptions, KeysetPage, ListOptions, ListResult } from './engine/read.js';

export const MAX_RESULT_LIMIT = 10_000;
export const DEFAULT_RESULT_LIMIT = 100;

export class ResourceEngine {
  readonly #engine: EngineContext;

  constructor(db: Kysely<any>, dialect: Dialect, readonly registry: ResourceRegistry, options: { publicUrl?: string } = {}) {
    this.#engine = { db, registry, likeIgnoresAsciiCase: dialect === 'sqlite', backslashEscapesLike: dialect === 'postgres', shapes: new QueryShapes(), publicUrl: options.publicUrl ?? '' };
  }

  list(resource: ResourceDefinition, principal: Principal, options: ListOptions): Promise<ListResult> {
    return listItems(this.#engine, resource, principal, options);
  }

  /** The items after `afterId` in id order (exports read a whole list this way, never by offset). */
  listAfter(resource: ResourceDefinition, principal: Principal, options: KeysetOptions): Promise<KeysetPage> {
    return listAfterId(this.#engine, resource, principal, options);
  }

  /** One item by id, xid or the resource's own reference; `exactFields`: render only `fields`, not the defaults too. */
  get(resource: ResourceDefinition, principal: Principal, ref: string, fields: string[], owner?: string[], options: { exactFields?: boolean } = {}): Promise<Row> {
    return getItem(this.#engine, resource, principal, ref, fields, owner, options.exactFields === true);
  }

  async create(resource: ResourceDefinition, principal: Principal, body: unknown, fields: string[], owner?: string[]): Promise<Row> {
    const { id, row } = await createItem(this.#engine, resource, principal, body, owner);
    return row ? renderItem(this.#engine, resource, principal, row, fields) : this.get(resource, principal, String(id), fields);
  }

  async update(resource: ResourceDefinition, principal: Principal, ref: string, body: unknown, fields: string[], owner?: string[]): Promise<Row> {
    const id = await updateItem(this.#engine, resource, principal, ref, body, owner);
    return this.get(resource, principal, String(id), fields);
  }

  remove(resource: ResourceDefinition, principal: Principal, ref: string, owner?: string[]): Promise<void> {
    return removeItem(this.#engine, resource, principal, ref, owner);
  }

  /** Deletes every item the TQL matches (among the caller's owners); returns how many. */
  removeMatching(resource: ResourceDefinition, principal: Principal, tql: string, owner?: string[]): Promise<number> {
    return removeMatching(this.#engine, resource, principal, tql, owner);
  }
}
