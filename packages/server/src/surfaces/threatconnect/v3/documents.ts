/**
 * The file of a Document or Report group on v3, as tcex's generated group objects call it:
 * `POST /v3/groups/{id}/upload` (octet-stream; `PUT` too) and `GET /v3/groups/{id}/download`.
 * `{id}` is the group's id or xid; the owners are the caller's visible ones, or `?owner=`. The
 * upload answers `{"message":"Uploaded","status":"Success"}`; failures in the v3 envelope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { readOwners } from '../../../resources/engine/owners.js';
import type { CairnServices } from '../../../services.js';
import { v3Failures } from '../envelope.js';
import { registerFileRoutes } from '../file-transfer.js';

const Query = Type.Object({
  owner: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 256 }), { maxItems: 50 })])),
  updateIfExists: Type.Optional(Type.String({ maxLength: 5, description: '`false`: refuse to replace a file already uploaded (default: replace it)' })),
}, { additionalProperties: true });

const owners = (request: FastifyRequest): number[] => {
  const named = (request.query as { owner?: string | string[] }).owner;
  return readOwners(request.principal, named === undefined ? undefined : Array.isArray(named) ? named : [named]);
};

export function registerV3DocumentRoutes(app: FastifyInstance, services: CairnServices): void {
  registerFileRoutes(app, services, [{
    path: '/groups/:id',
    what: 'a Document or Report group',
    owners,
    querystring: Query,
    uploaded: {
      body: { message: 'Uploaded', status: 'Success' },
      schema: Type.Object({ message: Type.Literal('Uploaded'), status: Type.Literal('Success') }, { additionalProperties: false }),
    },
    failures: v3Failures,
  }]);
}
