/**
 * Route schemas of the v3 router: the ThreatConnect envelopes (`{data,status}`, `{data,message,
 * status}`, the v3 failure) around what resources/route-schemas.ts derives from a declaration
 * through its fields' kinds (item, bodies, list query, id). The engine validates bodies and
 * parameters itself (its messages are the v3 API's), so the routes attach these with
 * `documentedOnly`, which validates nothing: they are for the OpenAPI documents.
 */
import type { FastifySchema } from 'fastify';
import { v3Schemas as resourceSchemas, type JsonSchema } from '../../../resources/route-schemas.js';
import type { ResourceDefinition } from '../../../resources/types.js';
import { V3Failure } from '../envelope.js';

/** A validator compiler that accepts every value: the schema is there for the OpenAPI document. */
export const documentedOnly = () => () => true;

export interface V3Schemas {
  collection: { options: FastifySchema; fields: FastifySchema; tql: FastifySchema; list: FastifySchema; create: FastifySchema; bulkDelete: FastifySchema };
  item: { get: FastifySchema; update: FastifySchema; remove: FastifySchema };
}

const success = { const: 'Success' };
const envelope = (properties: Record<string, JsonSchema>, description?: string): JsonSchema =>
  ({ type: 'object', properties: { ...properties, status: success }, ...(description ? { description } : {}) });
const listing = (description: string) => envelope({ data: { type: 'array', items: { type: 'object' } }, count: { type: 'integer' } }, description);
const failures = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, V3Failure]));

/** Built once per resource: the v3 routes are mounted twice (`/api/v3` and `/v3`) and share them. */
const built = new WeakMap<ResourceDefinition, V3Schemas>();

/** Every v3 route schema of one resource. */
export function v3Schemas(resource: ResourceDefinition): V3Schemas {
  let schemas = built.get(resource);
  if (!schemas) built.set(resource, (schemas = buildV3Schemas(resource)));
  return schemas;
}

function buildV3Schemas(resource: ResourceDefinition): V3Schemas {
  const { item, createBody, updateBody, listQuery, itemParams } = resourceSchemas(resource);
  const readFailures = failures(400, 401, 403, 404, 413, 500);
  const writeFailures = failures(400, 401, 403, 404, 409, 413, 415, 500);
  const documented = (schema: FastifySchema): FastifySchema => ({ tags: [resource.name], ...schema });
  return {
    collection: {
      options: documented({
        summary: `Describe ${resource.name}`,
        querystring: { type: 'object', properties: { show: { type: 'string', description: '`readOnly` adds the read-only fields' } } },
        response: { 200: { type: 'object', description: 'Field name → type, description, required, readOnly, updatable, limits' }, ...failures(400, 401, 500) },
      }),
      fields: documented({ summary: `The fields of ${resource.name}`, response: { 200: listing('The fields'), ...failures(401, 500) } }),
      tql: documented({ summary: `The TQL keywords of ${resource.name}`, response: { 200: listing('The TQL keywords'), ...failures(401, 500) } }),
      list: documented({
        summary: `List ${resource.name}`,
        querystring: listQuery,
        response: {
          200: envelope({ data: { type: 'array', items: item }, next: { type: 'string' }, prev: { type: 'string' }, count: { type: 'integer' } }),
          ...readFailures,
        },
      }),
      create: documented({
        summary: `Create one of ${resource.name}`,
        querystring: listQuery,
        body: createBody,
        response: { 201: envelope({ data: item, message: { const: 'Created' } }), ...writeFailures },
      }),
      bulkDelete: documented({
        summary: `Delete the ${resource.name} a TQL filter names (when v3ApiBulkDeleteAllowed is on)`,
        querystring: listQuery,
        response: { 200: envelope({ count: { type: 'integer' }, message: { const: 'Deleted' } }), ...writeFailures },
      }),
    },
    item: {
      get: documented({ summary: `One of ${resource.name}`, params: itemParams, querystring: listQuery, response: { 200: envelope({ data: item }), ...readFailures } }),
      update: documented({
        summary: `Update one of ${resource.name}`,
        params: itemParams,
        querystring: listQuery,
        body: updateBody,
        response: { 200: envelope({ data: item, message: { const: 'Updated' } }), ...writeFailures },
      }),
      remove: documented({ summary: `Delete one of ${resource.name}`, params: itemParams, querystring: listQuery, response: { 200: envelope({ message: { const: 'Deleted' } }), ...writeFailures } }),
    },
  };
}
