/**
 * The file of a Document or Report group on v2 (spec threatconnect.md §6): `POST` (and `PUT`, which
 * tcex retries with) `/v2/groups/{documents|reports}/{id}/upload` with the raw bytes, and `GET
 * …/{id}/download`. `{id}` is the group's id or its xid (tcex's batch uploads by xid, with
 * `?owner=&updateIfExists=true`). Answers `{"status":"Success"}`; failures in the v2 envelope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GROUP_TYPES } from '../../../core/intel/group-types.js';
import type { CairnServices } from '../../../services.js';
import { v2Failures } from '../envelope.js';
import { registerFileRoutes } from '../file-transfer.js';
import { V2ListQuery, v2OwnersOf } from './v2-params.js';

const Query = Type.Intersect([V2ListQuery, Type.Object({
  updateIfExists: Type.Optional(Type.String({ maxLength: 5, description: '`false`: refuse to replace a file already uploaded (default: replace it)' })),
})]);

/** The ids of the owners a v2 request names, by the one v2 rule (v2-params: the organization by default, 403 for one not visible). */
function ownerIds(request: FastifyRequest): number[] {
  const names = new Set(v2OwnersOf(request));
  return request.principal.visibleOwners.filter((o) => names.has(o.name)).map((o) => o.id);
}

export function registerV2DocumentRoutes(app: FastifyInstance, services: CairnServices): void {
  registerFileRoutes(app, services, GROUP_TYPES.filter((t) => t.holdsFile).map((type) => ({
    path: `/groups/${type.v2Branch}/:id`,
    groupType: type.name,
    what: `a ${type.name} group`,
    owners: ownerIds,
    querystring: Query,
    uploaded: { body: { status: 'Success' }, schema: Type.Object({ status: Type.Literal('Success') }, { additionalProperties: false }) },
    failures: v2Failures,
  })));
}
