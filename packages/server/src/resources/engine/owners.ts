/**
 * Owner scoping: which owners a request reads from or writes to, and the condition that keeps
 * every statement (sub-queries and nested references included) to them.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Principal } from '../../core/principal.js';
import { CairnError } from '../../core/errors.js';
import { asId } from '../kinds/index.js';
import type { ResourceDefinition } from '../types.js';
import type { Row } from './context.js';

/**
 * The visible owner a request names, by name or id, from the principal's cached owners: no query,
 * and another organization's owner is as unknown as one that does not exist.
 */
function visibleOwner(principal: Principal, name: string): number {
  const id = asId(name);
  const owner = principal.visibleOwners.find((o) => o.name === name) ?? (id === undefined ? undefined : principal.visibleOwners.find((o) => o.id === id));
  if (!owner) throw new CairnError('not-found', `The owner "${name.slice(0, 100)}" does not exist or is not visible to you.`);
  return owner.id;
}

/** Owners a request reads from: all visible ones, or those `?owner=` names (each must be visible). */
export function readOwners(principal: Principal, owner: string[] | undefined): number[] {
  if (!owner || owner.length === 0) return [...principal.visibleOwnerIds];
  return owner.map((name) => visibleOwner(principal, name));
}

/**
 * The owner a write goes to: `?owner=`, or ownerId/ownerName in the body (or `owner`, by name, as
 * tcex sends it creating a tag or security label), else the caller's organization.
 */
export function writeOwner(principal: Principal, owner: string[] | undefined, body: Row): number {
  const named = owner?.[0] ?? (body.ownerId !== undefined ? String(body.ownerId) : typeof body.ownerName === 'string' ? body.ownerName : typeof body.owner === 'string' ? body.owner : undefined);
  return named === undefined ? principal.organizationId : visibleOwner(principal, named);
}

/** `resource` rows owned by a visible owner (and system rows where the resource has them). */
export function ownerCondition(resource: ResourceDefinition, alias: string, ownerIds: readonly number[]): RawBuilder<SqlBool> {
  if (!resource.ownerColumn) return sql<SqlBool>`1 = 1`;
  const column = sql.ref(`${alias}.${resource.ownerColumn}`);
  const list = ownerIds.length > 0 ? sql<SqlBool>`${column} in (${sql.join(ownerIds.map((id) => sql`${id}`))})` : sql<SqlBool>`1 = 0`;
  return resource.includeSystemRows ? sql<SqlBool>`(${list} or ${column} is null)` : list;
}
