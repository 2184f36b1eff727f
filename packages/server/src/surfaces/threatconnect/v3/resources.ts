/**
 * The v3 router: one set of routes generated for every declared resource (src/resources).
 *   OPTIONS /v3/{type}[?show=readOnly]   descriptor        OPTIONS /v3/{type}/fields | /tql
 *   GET /v3/{type}                        list (tql, fields, resultStart, resultLimit, sorting, count, owner)
 *   GET|PUT|DELETE /v3/{type}/{id|xid}    one item          POST /v3/{type}   create
 *   DELETE /v3/{type}?tql=…               bulk delete, when v3ApiBulkDeleteAllowed is on
 * Parameters may also come in a GET/DELETE body `{"data":{…}}` (tcex does that for long queries).
 */
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { CairnError } from '../../../core/errors.js';
import { readBooleanSetting } from '../../../core/settings.js';
import { DEFAULT_RESULT_LIMIT, MAX_RESULT_LIMIT, type ListOptions } from '../../../resources/engine.js';
import type { FieldDefinition, ResourceDefinition } from '../../../resources/types.js';
import type { CairnServices } from '../../../services.js';
import { DEFAULT_TQL_LIMITS } from '../../../tql/ast.js';
import { sendJson } from '../../send-json.js';
import { documentedOnly, v3Schemas } from './schemas.js';
import { requestTarget } from '../../request-target.js';

type Params = Map<string, string[]>;

const PARAMETER_NAMES = ['tql', 'fields', 'resultStart', 'resultLimit', 'sorting', 'count', 'owner', 'show', 'createActivityLog'];

/** Query parameters (repeatable) merged with `{"data":{…}}` from a GET/DELETE body. */
function readParams(request: FastifyRequest): { params: Params; fromBody: Record<string, string[]> } {
  const params: Params = new Map();
  const add = (key: string, value: unknown): string[] => {
    const canonical = PARAMETER_NAMES.find((n) => n.toLowerCase() === key.toLowerCase()) ?? key;
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null);
    if (values.some((v) => typeof v === 'object')) throw new CairnError('bad-request', `The parameter ${key.slice(0, 60)} takes a value or a list of values, not an object.`);
    const texts = values.map((v) => String(v));
    params.set(canonical, [...(params.get(canonical) ?? []), ...texts]);
    return texts;
  };
  for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) add(key, value);
  const fromBody: Record<string, string[]> = {};
  const body = request.body as { data?: unknown } | undefined;
  if ((request.method === 'GET' || request.method === 'DELETE') && body && typeof body === 'object' && !Buffer.isBuffer(body)) {
    const data = body.data;
    if (data !== undefined) {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CairnError('bad-request', 'A GET or DELETE body carries parameters as {"data":{"tql":…,"fields":[…]}}.');
      for (const [key, value] of Object.entries(data)) fromBody[key] = add(key, value);
    }
  }
  return { params, fromBody };
}

type JsonParser = ReturnType<FastifyInstance['getDefaultJsonParser']>;

/**
 * Fastify treats GET as bodyless and never reads its body, but tcex sends `{}` on a single GET and
 * `{"data":{"tql":…}}` instead of a long query string. Reads and parses it (with Fastify's own JSON
 * parser, so prototype poisoning is refused the same way) before the handler looks at the params;
 * reading it also keeps a kept-alive connection in step.
 */
async function readGetBody(request: FastifyRequest, parseJson: JsonParser, limit: number): Promise<void> {
  if (request.method !== 'GET' || request.body !== undefined) return;
  const { headers } = request;
  const declared = headers['content-length'];
  if (headers['transfer-encoding'] === undefined && (declared === undefined || declared === '0')) return;
  const tooLarge = () => new CairnError('payload-too-large', `The request body is larger than the limit of ${limit} bytes.`, { limit });
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(headers['content-type'] ?? 'application/json').toLowerCase();
  if (text.trim() === '' || !type.includes('json')) return;
  request.body = await new Promise<unknown>((resolve, reject) => {
    parseJson(request, text, (error: Error | null, value?: unknown) => (error ? reject(error) : resolve(value)));
  });
}

function single(params: Params, name: string): string | undefined {
  const values = params.get(name);
  return values && values.length > 0 ? values[values.length - 1] : undefined;
}

function integerParam(params: Params, name: string, fallback: number, min: number, max: number): number {
  const raw = single(params, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,10}$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new CairnError('bad-request', `${name} must be a whole number from ${min} to ${max}; got "${raw.slice(0, 40)}".`);
  }
  return Number(raw);
}

function booleanParam(params: Params, name: string): boolean {
  const raw = single(params, name);
  return raw !== undefined && ['true', '1', 'yes'].includes(raw.trim().toLowerCase());
}

function fieldsParam(params: Params): string[] {
  return (params.get('fields') ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean).slice(0, 200);
}

function listOptions(params: Params): ListOptions {
  const tql = single(params, 'tql');
  if (tql !== undefined && tql.length > DEFAULT_TQL_LIMITS.maxLength) {
    throw new CairnError('tql-parse', `TQL query is ${tql.length} characters long; the limit is ${DEFAULT_TQL_LIMITS.maxLength}.`);
  }
  const sorting = single(params, 'sorting');
  if (sorting !== undefined && sorting.length > 500) throw new CairnError('bad-request', 'sorting is longer than 500 characters.');
  return {
    tql,
    fields: fieldsParam(params),
    resultStart: integerParam(params, 'resultStart', 0, 0, 2_147_483_647),
    resultLimit: integerParam(params, 'resultLimit', DEFAULT_RESULT_LIMIT, 1, MAX_RESULT_LIMIT),
    sorting,
    count: booleanParam(params, 'count'),
    owner: params.get('owner'),
  };
}

/**
 * `next`/`prev` repeat every original parameter as sent (encoding untouched), with a new
 * resultStart. Relative to the API base (`/v3/…`, which tcex prefixes with its `…/api`) unless
 * the configured public URL is https, where tcex needs an absolute URL.
 */
export function pageLink(request: FastifyRequest, services: CairnServices, fromBody: Record<string, string[]>, start: number, limit: number): string {
  const raw = requestTarget(request);
  const queryAt = raw.indexOf('?');
  const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const pairs = (queryAt === -1 ? '' : raw.slice(queryAt + 1)).split('&').filter((p) => p !== '' && !/^result(start|limit)=/i.test(p));
  for (const [key, values] of Object.entries(fromBody)) {
    if (/^result(start|limit)$/i.test(key)) continue;
    for (const value of values) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  pairs.push(`resultStart=${start}`, `resultLimit=${limit}`);
  const publicUrl = services.config.publicUrl;
  const target = `${path}?${pairs.join('&')}`;
  return publicUrl?.startsWith('https://') ? `${publicUrl}${target}` : target.replace(/^\/api(?=\/)/, '');
}

function describeField(def: FieldDefinition): Record<string, unknown> {
  const property: Record<string, unknown> = {
    type: def.type,
    description: def.description,
    required: def.required === true,
    readOnly: def.readOnly === true,
    updatable: !(def.readOnly || def.createOnly || def.kind === 'parent'),
  };
  if (def.maxLength !== undefined) property.maxLength = def.maxLength;
  if (def.minValue !== undefined) property.minValue = def.minValue;
  if (def.maxValue !== undefined) property.maxValue = def.maxValue;
  if (def.allowableValues) property.allowableValues = def.allowableValues;
  if (def.defaultValue !== undefined) property.default = def.defaultValue;
  if (def.appliesTo) {
    property.appliesTo = def.appliesTo.values;
    if (def.appliesTo.requiredFor?.length) property.conditionalRequired = def.appliesTo.requiredFor;
  }
  return property;
}

/** The OPTIONS descriptor: a bare object keyed by field name; collections as `{"data":[…]}`. */
export function descriptor(resource: ResourceDefinition, showReadOnly: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(resource.fields)) {
    if (def.readOnly && !showReadOnly) continue;
    if (def.kind === 'collection') {
      const collection = resource.collections![name]!;
      out[name] = { data: [{ type: collection.itemType, description: collection.description, required: false, readOnly: def.readOnly === true, updatable: def.readOnly !== true, maxSize: 1000 }] };
    } else {
      out[name] = describeField(def);
    }
  }
  return out;
}

function fieldsList(resource: ResourceDefinition) {
  return Object.entries(resource.fields).filter(([, def]) => !def.writeOnly)
    .map(([name, def]) => ({ name, description: def.description, includedByDefault: def.includedByDefault === true }));
}

function tqlList(resource: ResourceDefinition) {
  return [
    ...resource.tql.map((k) => ({ keyword: k.keyword, name: k.name, type: k.type, description: k.description, groupable: false, targetable: true, ...(k.allowableValues ? { allowableValues: k.allowableValues } : {}) })),
    ...[...(resource.nested ?? []), ...(resource.everyNested ?? [])].map((n) => ({ keyword: n.keyword, name: n.name, type: 'Integer', description: n.description, groupable: false, targetable: true })),
  ];
}

/**
 * Routes for every declared resource, under the `/v3` prefix. A read-only resource has no write
 * routes and one without bulk delete no collection DELETE: the router answers those methods with
 * 405 and the methods the path offers.
 */
export function registerV3ResourceRoutes(app: FastifyInstance, services: CairnServices): void {
  const engine = services.resources;
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const getBody = (request: FastifyRequest) => readGetBody(request, parseJson, services.config.bodyLimitBytes);
  for (const resource of engine.registry.resources.values()) {
    const path = `/${resource.name}`;
    const schemas = v3Schemas(resource);
    const route = (schema: FastifySchema) => ({ schema, validatorCompiler: documentedOnly });

    app.options(path, route(schemas.collection.options), async (request, reply) => {
      const show = single(readParams(request).params, 'show');
      return sendJson(reply, 200, descriptor(resource, show !== undefined && show.toLowerCase() === 'readonly'));
    });
    app.options(`${path}/fields`, route(schemas.collection.fields), async (_request, reply) => {
      const data = fieldsList(resource);
      return sendJson(reply, 200, { data, count: data.length, status: 'Success' });
    });
    app.options(`${path}/tql`, route(schemas.collection.tql), async (_request, reply) => {
      const data = tqlList(resource);
      return sendJson(reply, 200, { data, count: data.length, status: 'Success' });
    });

    app.get(path, route(schemas.collection.list), async (request, reply) => {
      await getBody(request);
      const { params, fromBody } = readParams(request);
      const options = listOptions(params);
      const result = await engine.list(resource, request.principal, options);
      const body: Record<string, unknown> = { data: result.data };
      const { resultStart: start, resultLimit: limit } = options;
      if (result.hasMore) body.next = pageLink(request, services, fromBody, start + limit, limit);
      if (start > 0) body.prev = pageLink(request, services, fromBody, Math.max(0, start - limit), limit);
      if (result.count !== undefined) body.count = result.count;
      body.status = 'Success';
      return sendJson(reply, 200, body);
    });

    app.get(`${path}/:id`, route(schemas.item.get), async (request, reply) => {
      await getBody(request);
      const { params } = readParams(request);
      const data = await engine.get(resource, request.principal, (request.params as { id: string }).id, fieldsParam(params), params.get('owner'));
      return sendJson(reply, 200, { data, status: 'Success' });
    });

    if (resource.readOnly) continue;

    app.post(path, route(schemas.collection.create), async (request, reply) => {
      const { params } = readParams(request);
      const data = await engine.create(resource, request.principal, request.body, fieldsParam(params), params.get('owner'));
      return sendJson(reply, 201, { data, message: 'Created', status: 'Success' });
    });

    app.put(`${path}/:id`, route(schemas.item.update), async (request, reply) => {
      const { params } = readParams(request);
      const data = await engine.update(resource, request.principal, (request.params as { id: string }).id, request.body, fieldsParam(params), params.get('owner'));
      return sendJson(reply, 200, { data, message: 'Updated', status: 'Success' });
    });

    app.delete(`${path}/:id`, route(schemas.item.remove), async (request, reply) => {
      const { params } = readParams(request);
      await engine.remove(resource, request.principal, (request.params as { id: string }).id, params.get('owner'));
      return sendJson(reply, 200, { message: 'Deleted', status: 'Success' });
    });

    if (!resource.bulkDelete) continue;
    app.delete(path, route(schemas.collection.bulkDelete), async (request, reply) => {
      if (!(await readBooleanSetting(services.store.db, 'v3ApiBulkDeleteAllowed'))) {
        throw new CairnError('forbidden', 'Bulk delete is disabled; an administrator can enable it with `cairn settings set v3ApiBulkDeleteAllowed true`.');
      }
      const { params } = readParams(request);
      const tql = single(params, 'tql');
      if (tql === undefined || tql.trim() === '') throw new CairnError('missing-data', 'Bulk delete needs a tql filter naming what to delete.');
      // parseTql enforces the length limit; the list's paging parameters play no part here.
      const deleted = await engine.removeMatching(resource, request.principal, tql, params.get('owner'));
      return sendJson(reply, 200, { count: deleted, message: 'Deleted', status: 'Success' });
    });
  }
}
