/**
 * Route schemas of the v3 router, derived from a resource declaration (its fields' type, kind,
 * maxLength, allowableValues, readOnly, createOnly and required marks): the item as answered, the
 * bodies of create and update, and each answer's envelope. The engine validates bodies and
 * parameters itself (its messages are the v3 API's), so these schemas document: the routes attach
 * them with `documentedOnly`, which validates nothing.
 */
import type { FastifySchema } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { FieldDefinition, ResourceDefinition } from '../../../resources/types.js';
import { V3Failure } from '../envelope.js';

/** A validator compiler that accepts every value: the schema is there for the OpenAPI document. */
export const documentedOnly = () => () => true;

const User = Type.Object({
  id: Type.Integer(), userName: Type.String(), firstName: Type.String(), lastName: Type.String(), pseudonym: Type.String(), owner: Type.String(),
});
const AssigneeAnswer = Type.Object({ type: Type.Literal('User'), data: User });
const AssigneeInput = Type.Union([
  Type.Object({ type: Type.Literal('User'), data: Type.Object({ userName: Type.Optional(Type.String({ maxLength: 200 })), id: Type.Optional(Type.Integer()) }) }),
  Type.Object({ type: Type.Literal('None') }),
]);

/** The JSON type of one field's value, as answered (`answer`) or as written. */
function valueSchema(def: FieldDefinition, answer: boolean, collectionItem: TSchema = Type.Object({}, { additionalProperties: true })): TSchema {
  const base = { description: def.description, ...(def.readOnly ? { readOnly: true } : {}) };
  switch (def.kind) {
    case 'integer':
    case 'parent':
    case 'ownerId':
      return Type.Integer({ ...base, ...(def.minValue !== undefined ? { minimum: def.minValue } : {}), ...(def.maxValue !== undefined ? { maximum: def.maxValue } : {}) });
    case 'string':
    case 'owner':
      return Type.String({ ...base, ...(def.maxLength !== undefined ? { maxLength: def.maxLength } : {}) });
    case 'enum':
      return Type.String({ ...base, enum: [...(def.allowableValues ?? [])] });
    case 'date':
      return Type.String({ ...base, format: 'date-time' });
    case 'boolean':
      return Type.Boolean(base);
    case 'user':
      return Type.Object(User.properties, base);
    case 'assignee':
      return answer ? Type.Object(AssigneeAnswer.properties, base) : Type.Union(AssigneeInput.anyOf, base);
    case 'collection':
      return answer
        ? Type.Object({ data: Type.Array(collectionItem) }, base)
        : Type.Object({ data: Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 1000 }), mode: Type.Optional(Type.Union([Type.Literal('append'), Type.Literal('replace'), Type.Literal('delete')])) }, base);
    case 'computed':
      return def.type === 'Boolean' ? Type.Boolean(base) : def.type === 'Integer' ? Type.Integer(base) : Type.String(base);
  }
}

export interface V3Schemas {
  collection: { options: FastifySchema; fields: FastifySchema; tql: FastifySchema; list: FastifySchema; create: FastifySchema; bulkDelete: FastifySchema };
  item: { get: FastifySchema; update: FastifySchema; remove: FastifySchema };
}

const Success = Type.Literal('Success');
const Parameters = Type.Object({
  tql: Type.Optional(Type.String({ description: 'TQL filter' })),
  fields: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Extra fields to include (repeatable, comma-separated, `_all_`)' })),
  resultStart: Type.Optional(Type.Integer({ minimum: 0 })),
  resultLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  sorting: Type.Optional(Type.String({ maxLength: 500, description: '`name asc dateAdded desc`' })),
  count: Type.Optional(Type.Boolean()),
  owner: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Owner name or id' })),
}, { additionalProperties: true });
const ItemParams = Type.Object({ id: Type.String({ description: 'The id, or the xid where the resource has one' }) });
const Listing = (description: string) => Type.Object({ data: Type.Array(Type.Object({}, { additionalProperties: true })), count: Type.Integer(), status: Success }, { description });
const failures = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, V3Failure]));

/** Every v3 route schema of one resource. `resourceNamed` finds a collection's item resource. */
export function v3Schemas(resource: ResourceDefinition, resourceNamed: (name: string) => ResourceDefinition | undefined): V3Schemas {
  const fields = Object.entries(resource.fields);
  // A collection answers its items with their own default fields, one level deep.
  const itemOf = (name: string): TSchema | undefined => {
    const collection = resource.collections?.[name];
    const target = collection && resourceNamed(collection.target);
    if (!target) return undefined;
    return Type.Object(Object.fromEntries(Object.entries(target.fields)
      .filter(([, def]) => !def.writeOnly && def.kind !== 'collection')
      .map(([field, def]) => [field, Type.Optional(valueSchema(def, true))])), { description: collection.itemType });
  };
  const item = Type.Object(Object.fromEntries(fields.filter(([, def]) => !def.writeOnly)
    .map(([name, def]) => [name, Type.Optional(valueSchema(def, true, itemOf(name)))])), { description: `${resource.itemType}: the default fields, and those named in fields=` });
  const writable = fields.filter(([, def]) => !def.readOnly && def.kind !== 'computed');
  const createBody = Type.Object(Object.fromEntries(writable.map(([name, def]) => {
    const schema = valueSchema(def, false);
    return [name, def.required && def.kind !== 'collection' ? schema : Type.Optional(schema)];
  })));
  const updateBody = Type.Object(Object.fromEntries(writable.filter(([, def]) => !def.createOnly && def.kind !== 'parent')
    .map(([name, def]) => [name, Type.Optional(valueSchema(def, false))])));
  const readFailures = failures(400, 401, 403, 404, 413, 500);
  const writeFailures = failures(400, 401, 403, 404, 409, 413, 415, 500);
  const documented = (schema: FastifySchema): FastifySchema => ({ tags: [resource.name], ...schema });
  return {
    collection: {
      options: documented({
        summary: `Describe ${resource.name}`,
        querystring: Type.Object({ show: Type.Optional(Type.String({ description: '`readOnly` adds the read-only fields' })) }, { additionalProperties: true }),
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'Field name → type, description, required, readOnly, updatable, limits' }), ...failures(400, 401, 500) },
      }),
      fields: documented({ summary: `The fields of ${resource.name}`, response: { 200: Listing('The fields'), ...failures(401, 500) } }),
      tql: documented({ summary: `The TQL keywords of ${resource.name}`, response: { 200: Listing('The TQL keywords'), ...failures(401, 500) } }),
      list: documented({
        summary: `List ${resource.name}`,
        querystring: Parameters,
        response: {
          200: Type.Object({ data: Type.Array(item), next: Type.Optional(Type.String()), prev: Type.Optional(Type.String()), count: Type.Optional(Type.Integer()), status: Success }),
          ...readFailures,
        },
      }),
      create: documented({
        summary: `Create one of ${resource.name}`,
        querystring: Parameters,
        body: createBody,
        response: { 201: Type.Object({ data: item, message: Type.Literal('Created'), status: Success }), ...writeFailures },
      }),
      bulkDelete: documented({
        summary: `Delete the ${resource.name} a TQL filter names (when v3ApiBulkDeleteAllowed is on)`,
        querystring: Parameters,
        response: { 200: Type.Object({ count: Type.Integer(), message: Type.Literal('Deleted'), status: Success }), ...writeFailures },
      }),
    },
    item: {
      get: documented({ summary: `One of ${resource.name}`, params: ItemParams, querystring: Parameters, response: { 200: Type.Object({ data: item, status: Success }), ...readFailures } }),
      update: documented({
        summary: `Update one of ${resource.name}`,
        params: ItemParams,
        querystring: Parameters,
        body: updateBody,
        response: { 200: Type.Object({ data: item, message: Type.Literal('Updated'), status: Success }), ...writeFailures },
      }),
      remove: documented({ summary: `Delete one of ${resource.name}`, params: ItemParams, querystring: Parameters, response: { 200: Type.Object({ message: Type.Literal('Deleted'), status: Success }), ...writeFailures } }),
    },
  };
}
