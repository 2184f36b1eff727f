/**
 * JSON schemas of a resource's v3 routes, built from its declaration through each field's kind
 * (`schemaOf`), for the OpenAPI documents. The engine stays the validator: it answers with
 * ThreatConnect's field-by-field messages, coerces what TC clients send (digit strings for
 * numbers, "true" for booleans) and knows which fields are required. So the body and query
 * schemas are permissive: every property typed with each form the engine accepts (and null),
 * constraints (lengths, ranges, allowed values) stated in descriptions rather than enforced,
 * other properties allowed; a create body lists the fields the engine requires. Attach them for documentation; if a route validates
 * with them, turn ajv's type coercion off for them, or a wrongly typed value (name: 5) would be
 * coerced ("5") instead of refused by the engine.
 */
import { kindOf, type JsonSchema } from './kinds/index.js';

export type { JsonSchema };
import type { FieldDefinition, ResourceDefinition } from './types.js';

export interface V3RouteSchemas {
  /** One item as GET answers it (collections only with `fields=`). */
  item: JsonSchema;
  /** The body of POST /v3/{type}. */
  createBody: JsonSchema;
  /** The body of PUT /v3/{type}/{id}. */
  updateBody: JsonSchema;
  /** The query of GET /v3/{type} (also accepted as {"data":{…}} in a GET body). */
  listQuery: JsonSchema;
  /** The path parameters of /v3/{type}/{id}. */
  itemParams: JsonSchema;
}

/** Keywords that constrain a value; in input schemas they become words in the description. */
const CONSTRAINTS = ['maxLength', 'minimum', 'maximum', 'pattern', 'format', 'maxItems', 'enum'] as const;

/** The schema as an input: same forms, constraints described instead of enforced, null allowed. */
function permissive(schema: JsonSchema, def: FieldDefinition): JsonSchema {
  const described: string[] = [];
  if (def.maxLength !== undefined) described.push(`at most ${def.maxLength} characters`);
  if (def.minValue !== undefined) described.push(`at least ${def.minValue}`);
  if (def.maxValue !== undefined) described.push(`at most ${def.maxValue}`);
  if (def.allowableValues) described.push(`one of ${def.allowableValues.join(', ')} (any case)`);
  if (def.required) described.push('required on create');
  if (def.createOnly) described.push('set on create only');
  const { description, readOnly: _readOnly, ...rest } = schema;
  const forms = relax(rest);
  const types = forms.type === undefined ? undefined : [forms.type].flat();
  return {
    ...forms,
    description: [description, ...described].filter(Boolean).join('; '),
    // A value of any listed type passes untouched; null unsets a field (or is refused by the engine).
    ...(types ? { type: [...types, 'null'] } : {}),
  };
}

/** Drops constraint keywords, at every depth. */
function relax(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((CONSTRAINTS as readonly string[]).includes(key)) continue;
    if (key === 'properties' && value && typeof value === 'object') out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, relax(sub as JsonSchema)]));
    else if (key === 'items' && value && typeof value === 'object') out[key] = relax(value as JsonSchema);
    else out[key] = value;
  }
  return out;
}

const schemaOf = (def: FieldDefinition) => kindOf(def.kind).schemaOf(def);

/** Body keys that pick the owner of a POST (spec §7.3). */
const OWNER_CHOICE: Record<string, JsonSchema> = {
  ownerId: { description: 'The ID of the owner to create the item in (default: your organization)', type: ['integer', 'string'] },
  ownerName: { description: 'The name of the owner to create the item in', type: 'string' },
};

function body(resource: ResourceDefinition, include: (def: FieldDefinition) => boolean, extra: Record<string, JsonSchema>, title: string, creating: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, def] of Object.entries(resource.fields)) {
    if (def.readOnly || !include(def)) continue;
    properties[name] = permissive(schemaOf(def), def);
    if (creating && def.required && def.defaultValue === undefined && kindOf(def.kind).write === 'column') required.push(name);
  }
  return {
    type: 'object', title,
    description: `Fields of ${resource.name} a client may send (OPTIONS /v3/${resource.name} describes them); unknown ones are refused by the engine with a field message.`,
    properties: { ...properties, ...extra },
    ...(required.length > 0 ? { required } : {}),
  };
}

/** A query parameter: one value or, repeated, several. */
const parameter = (description: string): JsonSchema => ({ description, type: ['string', 'array'], items: { type: 'string' } });

export function v3Schemas(resource: ResourceDefinition): V3RouteSchemas {
  const itemProperties: Record<string, JsonSchema> = {};
  for (const [name, def] of Object.entries(resource.fields)) {
    if (def.writeOnly) continue;
    itemProperties[name] = def.kind === 'collection'
      ? { description: def.description, type: 'object', properties: { data: { type: 'array', items: { type: 'object' } } } }
      : schemaOf(def);
  }
  const sortKeys = [...resource.sortKeys.values()].map((k) => k.name);
  return {
    item: { type: 'object', title: resource.itemType, properties: itemProperties },
    createBody: body(resource, () => true, OWNER_CHOICE, `New ${resource.itemType}`, true),
    // Create-only fields and parents may be repeated with their current value, nothing else.
    updateBody: body(resource, (def) => !def.createOnly && kindOf(def.kind).write !== 'parent', { id: { description: 'The ID of the item (ignored)' } }, `${resource.itemType} changes`, false),
    listQuery: {
      type: 'object',
      properties: {
        tql: parameter(`A TQL filter (at most 8192 characters); OPTIONS /v3/${resource.name}/tql lists the keywords`),
        fields: parameter('Extra fields or collections to include, repeated or comma-separated; _all_ for every one'),
        resultStart: parameter('The index of the first item (whole number, default 0)'),
        resultLimit: parameter('Items per page (whole number from 1 to 10000, default 100)'),
        sorting: parameter(`Sort keys with asc, desc, nullsfirst or nullslast: ${sortKeys.join(', ')}`),
        count: parameter('true to include the total count'),
        owner: parameter('Owners to read from, by name or id (default: every owner you see)'),
      },
    },
    itemParams: { type: 'object', properties: { id: { type: 'string', description: resource.hasXid ? 'The ID or the xid of the item' : resource.findByRef ? 'The ID of the item, or a value that names it (an indicator\'s summary or any of its values, percent-encoded)' : 'The ID of the item' } }, required: ['id'] },
  };
}
