/**
 * The item a v2 path names (`/v2/indicators/{branch}/{value}`, `/v2/groups/{branch}/{id}`), among
 * the owners the request names (`owner`, repeatable; default the caller's organization), read
 * through the v3 engine: the same owner scoping and the same rows as v3.
 *
 * Exports:
 *   indicatorBranch(branch) / groupBranch(branch) → the branch's type and view, or a 404 Failure
 *   indicatorFromPath(services, request, branch, value, fields?) → { resource, branch, row, id }
 *   groupFromPath(services, request, branch, id, fields?)       → { resource, branch, row, id }
 *     `row` is the v3 item with id, type, summary/name, owner, ownerId, the branch view's fields and
 *     the `fields` asked for (v3 names), and nothing else (the engine's exactFields).
 *   tqlString(value) → a TQL string literal (quoted and escaped)
 *   NOT_FOUND: the v2 text "The requested resource was not found"
 *
 * The value arrives percent-decoded by Fastify: `quote(v, safe='')` (tcex) and encodeURIComponent
 * (the JS SDK) both give one path segment whatever the value holds (`/`, `:`, `?`, `#`, `%`).
 */
import type { FastifyRequest } from 'fastify';
import { CairnError } from '../../../core/errors.js';
import { findIndicatorByValue } from '../../../core/intel/indicator-store.js';
import { indicatorTypeNamed } from '../../../core/intel/indicator-types.js';
import type { ResourceDefinition } from '../../../resources/types.js';
import type { CairnServices } from '../../../services.js';
import { GROUP_TYPES_V2, INDICATOR_TYPES_V2, type V2Type } from './intel-render.js';
import { v2OwnersOf } from './v2-params.js';

type Row = Record<string, unknown>;

export const NOT_FOUND = 'The requested resource was not found';
const notFound = () => new CairnError('not-found', NOT_FOUND);

/** Longest value a path may name (a URL indicator's text is the longest value). */
const MAX_VALUE_LENGTH = 4000;

export type V2Branch = V2Type;

const indicatorBranches = new Map<string, V2Branch>(INDICATOR_TYPES_V2.map((t) => [t.branch.toLowerCase(), t]));
const groupBranches = new Map<string, V2Branch>(GROUP_TYPES_V2.map((t) => [t.branch.toLowerCase(), t]));

/** An indicator branch (`addresses`, `hosts`, any case); an unknown one is a 404 Failure. */
export function indicatorBranch(branch: string): V2Branch {
  const found = indicatorBranches.get(branch.toLowerCase());
  if (!found) throw notFound();
  return found;
}

/** A group branch (`incidents`, `threats`, any case); an unknown one is a 404 Failure. */
export function groupBranch(branch: string): V2Branch {
  const found = groupBranches.get(branch.toLowerCase());
  if (!found) throw notFound();
  return found;
}

/** A TQL string literal holding `value` exactly (`"` and `\` escaped): a value never becomes syntax. */
export function tqlString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** What every item a path names carries besides its view's fields and those asked for. */
const ITEM_FIELDS = ['id', 'type', 'summary', 'name', 'owner', 'ownerId'];

export interface V2Item { resource: ResourceDefinition; branch: V2Branch; row: Row; id: number }

/**
 * The indicator `/v2/indicators/{branch}/{value}` names, among the request's owners, as the v3
 * engine renders it (the branch view's fields, plus `fields`): 404 Failure when the branch is unknown
 * or no indicator of that type has that value among those owners.
 */
export async function indicatorFromPath(services: CairnServices, request: FastifyRequest, branch: string, value: string, fields: readonly string[] = []): Promise<V2Item> {
  const found = indicatorBranch(branch);
  const type = indicatorTypeNamed(found.type)!;
  if (value === '' || value.length > MAX_VALUE_LENGTH) throw notFound();
  const resource = services.resources.registry.named('indicators');
  const owner = v2OwnersOf(request);
  const ownerIds = owner.map((name) => request.principal.visibleOwners.find((o) => o.name === name)!.id);
  // The value as the type normalises it (any spelling; a File: any one of its hashes), through
  // its index; then the item as the engine reads it, by id, among the same owners.
  const id = await findIndicatorByValue(services.store.db, ownerIds, type, value);
  if (id === undefined) throw notFound();
  return { resource, branch: found, row: await readItem(services, request, resource, String(id), [...ITEM_FIELDS, ...found.view.v3Fields, ...fields], owner), id };
}

/** One item by id among `owner`, rendered with exactly `fields`; not found is the v2 404. */
async function readItem(services: CairnServices, request: FastifyRequest, resource: ResourceDefinition, id: string, fields: string[], owner: string[]): Promise<Row> {
  try {
    return await services.resources.get(resource, request.principal, id, fields, owner, { exactFields: true });
  } catch (error) {
    if (error instanceof CairnError && error.code === 'not-found') throw notFound();
    throw error;
  }
}

/**
 * The group `/v2/groups/{branch}/{id}` names, among the request's owners: 404 Failure when the
 * branch is unknown, the id is not a number, or no group of that type has it among those owners.
 */
export async function groupFromPath(services: CairnServices, request: FastifyRequest, branch: string, id: string, fields: readonly string[] = []): Promise<V2Item> {
  const found = groupBranch(branch);
  if (!/^\d{1,15}$/.test(id)) throw notFound();
  const resource = services.resources.registry.named('groups');
  const owner = v2OwnersOf(request);
  const row = await readItem(services, request, resource, id, [...ITEM_FIELDS, ...found.view.v3Fields, ...fields], owner);
  if (row.type !== found.type) throw notFound();
  return { resource, branch: found, row, id: Number(row.id) };
}
