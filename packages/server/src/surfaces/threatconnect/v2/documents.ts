/**
 * The file of a Document or Report group on v2 (spec threatconnect.md §6): `POST` (and `PUT`, which
 * tcex retries with) `/v2/groups/{documents|reports}/{id}/upload` with the raw bytes, and `GET
 * …/{id}/download`. `{id}` is the group's id or its xid (tcex's batch uploads by xid, with
 * `?owner=&updateIfExists=true`). Answers `{"status":"Success"}`; failures in the v2 envelope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GROUP_TYPES } from '../../../core/intel/group-types.js';
import { readOwners } from '../../../resources/engine/owners.js';
import type { CairnServices } from '../../../services.js';
import { v2Failures } from '../envelope.js';
import { registerFileRoutes } from '../file-transfer.js';
import { V2ListQuery } from './owners.js';

const Query = Type.Intersect([V2ListQuery, Type.Object({
  updateIfExists: Type.Optional(Type.String({ maxLength: 5, description: '`false`: refuse to replace a file already uploaded (default: replace it)' })),
})]);

/**
 * The owners a v2 call looks in: those `?owner=` names (each must be visible, else 404), else the
 * caller's organization (spec §4.3: "defaults to the user's Organization").
 */
export function v2Owners(request: FastifyRequest): number[] {
  const named = (request.query as { owner?: string | string[] }).owner;
  const owners = named === undefined ? [] : Array.isArray(named) ? named : [named];
  return owners.length === 0 ? [request.principal.organizationId] : readOwners(request.principal, owners);
}

export function registerV2DocumentRoutes(app: FastifyInstance, services: CairnServices): void {
  registerFileRoutes(app, services, GROUP_TYPES.filter((t) => t.holdsFile).map((type) => ({
    path: `/groups/${type.v2Branch}/:id`,
    groupType: type.name,
    what: `a ${type.name} group`,
    owners: v2Owners,
    querystring: Query,
    uploaded: { body: { status: 'Success' }, schema: Type.Object({ status: Type.Literal('Success') }, { additionalProperties: false }) },
    failures: v2Failures,
  })));
}
