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
import type { ResourceDefinition } from '../../../resources/types.js';
import type { CairnServices } from '../../../services.js';
import { GROUP_BRANCH_VIEWS, GROUP_TYPES_V2, INDICATOR_BRANCH_VIEWS, INDICATOR_TYPES_V2, type V2View } from './intel-render.js';
import { v2Owners } from './v2-params.js';

type Row = Record<string, unknown>;

export const NOT_FOUND = 'The requested resource was not found';
const notFound = () => new CairnError('not-found', NOT_FOUND);

/** Longest value a path may name (a URL indicator's text is the longest value). */
const MAX_VALUE_LENGTH = 2048;

export interface V2Branch { branch: string; type: string; entityKey: string; view: V2View }

const indicatorBranches = new Map<string, V2Branch>(INDICATOR_TYPES_V2.map((t) => [t.branch.toLowerCase(), { branch: t.branch, type: t.type, entityKey: t.entityKey, view: INDICATOR_BRANCH_VIEWS.get(t.branch)! }]));
const groupBranches = new Map<string, V2Branch>(GROUP_TYPES_V2.map((t) => [t.branch.toLowerCase(), { branch: t.branch, type: t.type, entityKey: t.entityKey, view: GROUP_BRANCH_VIEWS.get(t.branch)! }]));

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

const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * The TQL that names one indicator of `type` by a value that addresses it: its summary, or for a
 * File any one of its hashes (a multi-hash summary is `MD5 : SHA1 : SHA256`).
 * TODO(intel-indicators): use core/intel's normaliser and the engine's look-up by value once they land.
 */
function indicatorByValue(type: string, value: string): string {
  const byValue = type === 'File' && HASH.test(value)
    ? `(summary = ${tqlString(value)} or summary contains ${tqlString(value)})`
    : `summary = ${tqlString(value)}`;
  return `typeName = ${tqlString(type)} and ${byValue}`;
}

export interface V2Item { resource: ResourceDefinition; branch: V2Branch; row: Row; id: number }

/**
 * The indicator `/v2/indicators/{branch}/{value}` names, among the request's owners, as the v3
 * engine renders it (the branch view's fields, plus `fields`): 404 Failure when the branch is unknown
 * or no indicator of that type has that value among those owners.
 */
export async function indicatorFromPath(services: CairnServices, request: FastifyRequest, branch: string, value: string, fields: readonly string[] = []): Promise<V2Item> {
  const found = indicatorBranch(branch);
  if (value === '' || value.length > MAX_VALUE_LENGTH) throw notFound();
  const resource = services.resources.registry.named('indicators');
  const owner = v2Owners(request.principal, (request.query as { owner?: string | string[] } | undefined)?.owner);
  const page = await services.resources.list(resource, request.principal, {
    tql: indicatorByValue(found.type, value), fields: [...found.view.v3Fields, ...fields], resultStart: 0, resultLimit: 1, count: false, owner,
  });
  const row = page.data[0];
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
