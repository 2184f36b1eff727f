/**
 * The item a v2 path names (`/v2/indicators/{branch}/{value}`, `/v2/groups/{branch}/{id}`), among
 * the owners the request names (`owner`, repeatable; default the caller's organization), read
 * through the v3 engine: the same owner scoping and the same rows as v3.
 *
 * Exports:
 *   indicatorBranch(branch) / groupBranch(branch) → the branch's type and view, or a 404 Failure
 *   indicatorFromPath(services, request, branch, value, fields?) → { resource, branch, row, id }
 *   groupFromPath(services, request, branch, id, fields?)       → { resource, branch, row, id }
 *   tqlString(value) → a TQL string literal (quoted and escaped)
 *   NOT_FOUND: the v2 text "The requested resource was not found"
 *
 * The value arrives percent-decoded by Fastify: `quote(v, safe='')` (tcex) and encodeURIComponent
 * (the JS SDK) both give one path segment whatever the value holds (`/`, `:`, `?`, `#`, `%`).
 */
import type { FastifyRequest } from 'fastify';
import { CairnError } from '../../../core/errors.js';
import { indicatorTypeNamed, valuesNamedBy, type IndicatorType } from '../../../core/intel/indicator-types.js';
import type { ResourceDefinition } from '../../../resources/types.js';
import type { CairnServices } from '../../../services.js';
import { GROUP_TYPES_V2, INDICATOR_TYPES_V2, type V2Type } from './intel-render.js';
import { v2Owners } from './v2-params.js';

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

/**
 * The TQL naming the indicator of `type` that `values` (a path's value, normalised by the type's
 * rule: valuesNamedBy) address: its summary, or for a File any one of its hashes.
 */
function indicatorOfType(type: IndicatorType, values: readonly string[]): string {
  const terms = type.anyOneOf
    ? values.flatMap((v) => type.keys.map((k) => `${k.slot} = ${tqlString(v)}`))
    : [`summary = ${tqlString(values[0]!)}`];
  return `typeName = ${tqlString(type.name)} and (${terms.join(' or ')})`;
}

export interface V2Item { resource: ResourceDefinition; branch: V2Branch; row: Row; id: number }

/**
 * The indicator `/v2/indicators/{branch}/{value}` names, among the request's owners, as the v3
 * engine renders it (the branch view's fields, plus `fields`): 404 Failure when the branch is unknown
 * or no indicator of that type has that value among those owners.
 */
export async function indicatorFromPath(services: CairnServices, request: FastifyRequest, branch: string, value: string, fields: readonly string[] = []): Promise<V2Item> {
  const found = indicatorBranch(branch);
  const type = indicatorTypeNamed(found.type)!;
  const values = value === '' || value.length > MAX_VALUE_LENGTH ? undefined : valuesNamedBy(type, value);
  if (!values || values.length === 0) throw notFound();
  const resource = services.resources.registry.named('indicators');
  const owner = v2Owners(request.principal, (request.query as { owner?: string | string[] } | undefined)?.owner);
  const wanted = [...found.view.v3Fields, ...fields];
  // The value's index (the engine's look-up by value, findByRef) finds it; only when a value of
  // another type is spelled the same (a Mutex named like a host) is the type's own asked for.
  let row: Row | undefined;
  try {
    row = await services.resources.get(resource, request.principal, value, wanted, owner);
  } catch (error) {
    if (!(error instanceof CairnError && error.code === 'not-found')) throw error;
  }
  if (row?.type !== type.name) {
    const page = await services.resources.list(resource, request.principal, { tql: indicatorOfType(type, values), fields: wanted, resultStart: 0, resultLimit: 1, count: false, owner });
    row = page.data[0];
  }
  if (!row) throw notFound();
  return { resource, branch: found, row, id: Number(row.id) };
}

/**
 * The group `/v2/groups/{branch}/{id}` names, among the request's owners: 404 Failure when the
 * branch is unknown, the id is not a number, or no group of that type has it among those owners.
 */
export async function groupFromPath(services: CairnServices, request: FastifyRequest, branch: string, id: string, fields: readonly string[] = []): Promise<V2Item> {
  const found = groupBranch(branch);
  if (!/^\d{1,15}$/.test(id)) throw notFound();
  const resource = services.resources.registry.named('groups');
  const owner = v2Owners(request.principal, (request.query as { owner?: string | string[] } | undefined)?.owner);
  let row: Row;
  try {
    row = await services.resources.get(resource, request.principal, id, [...found.view.v3Fields, ...fields], owner);
  } catch (error) {
    if (error instanceof CairnError && error.code === 'not-found') throw notFound();
    throw error;
  }
  if (row.type !== found.type) throw notFound();
  return { resource, branch: found, row, id: Number(row.id) };
}
