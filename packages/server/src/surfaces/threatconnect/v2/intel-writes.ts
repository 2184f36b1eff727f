/**
 * v2 writes on intelligence (spec threatconnect.md §5.2, §6), under the `/v2` prefix:
 *   POST   /indicators/{branch}            201 {"status":"Success","data":{"<entity>":{single object}}}
 *   PUT    /indicators/{branch}/{value}    rating, confidence, size, dnsActive, whoisActive …; never the value
 *   DELETE /indicators/{branch}/{value}    {"status":"Success"}
 *   POST   /groups/{branch}                201, the type's required fields (spec §6)
 *   PUT    /groups/{branch}/{id}, DELETE /groups/{branch}/{id}
 *   PUT    /{id}                           what the JS SDK sends to update a group (spec §10: its
 *                                          commit() PUTs to `v2/{id}`, with no type): the group with
 *                                          that id among the caller's owners, answered under its type's key
 * Every write goes through the v3 engine: v2 only turns its body into the v3 body (the branch gives
 * the `type`) and the v3 answer into the v2 view, so validation, value normalisation, owner scoping
 * and "POST of an existing value updates it" are the v3 rules. `owner` (repeatable, `+` for spaces)
 * names the owner a POST writes to (default the caller's organization) and the owners a PUT or
 * DELETE looks in; the paging parameters clients add to writes are accepted and ignored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import { indicatorTypeNamed } from '../../../core/intel/indicator-types.js';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { GROUP_TYPES_V2, renderV2, sendV2Item, sendV2Success, v2ItemSchema, v2RenderContext, v2SuccessSchema } from './intel-render.js';
import { groupBranch, groupFromPath, indicatorBranch, indicatorFromPath, NOT_FOUND, type V2Branch } from './intel-items.js';
import { V2ListQuery, v2NamedOwnersOf, v2OwnersOf } from './v2-params.js';

type Row = Record<string, unknown>;

const notFound = () => new CairnError('not-found', NOT_FOUND);

/** Runs an engine call, turning its not-found (worded for v3) into the v2 text. */
export async function v2NotFound<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CairnError && error.code === 'not-found') throw notFound();
    throw error;
  }
}

/** A v2 write body: a JSON object (an absent body is an empty one; the engine says what is missing). */
export function v2Body(body: unknown): Row {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new CairnError('validation', 'The request body must be a JSON object.', { fields: [{ field: '_', message: 'must be a JSON object' }] });
  }
  return body as Row;
}

/** The v3 create body of a v2 POST on a branch: the v2 keys as they are, and the branch's type. */
function createBody(branch: V2Branch, body: unknown): Row {
  const input = v2Body(body);
  if (input.type !== undefined && input.type !== branch.type) {
    throw new CairnError('validation', `type is given by the path (/${branch.branch} holds ${branch.type}); got "${String(input.type).slice(0, 60)}".`, { fields: [{ field: 'type', message: `must be ${branch.type} or absent` }] });
  }
  return { ...input, type: branch.type };
}


/**
 * What an indicator PUT changes: the body without the value keys that repeat the indicator's value
 * (a client may resend them unchanged; a different value stays in, and the engine refuses it).
 */
function updateBody(branch: V2Branch, current: Row, body: unknown): Row {
  const input = withoutId(v2Body(body));
  const valueKeys = indicatorTypeNamed(branch.type)?.keys.map((k) => k.v2Key) ?? [];
  const kept = { ...input };
  for (const key of valueKeys) {
    if (key in kept && current[key] !== undefined && String(current[key]) === String(kept[key])) delete kept[key];
  }
  return kept;
}

const BranchParams = Type.Object({ branch: Type.String({ maxLength: 64, description: 'The v2 branch (`hosts`, `addresses` … / `adversaries`, `incidents` …)' }) });
const IndicatorParams = Type.Object({
  branch: Type.String({ maxLength: 64, description: 'The indicator branch (`hosts`, `urls` …)' }),
  value: Type.String({ maxLength: 2048, description: 'The indicator value, percent-encoded (a File by any of its hashes)' }),
});
const GroupParams = Type.Object({
  branch: Type.String({ maxLength: 64, description: 'The group branch (`adversaries`, `incidents` …)' }),
  id: Type.String({ maxLength: 20, description: 'The group id' }),
});
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$', description: 'The group id (the JS SDK\'s group update)' }) });

/**
 * A documented body that validation lets through (the engine and core/intel validate it, with the
 * v3 rules and messages): its keys are described in words, not typed, so an empty body (bash) and
 * clients' "true"/"5" texts reach the rules.
 */
export const documentedBody = (description: string, keys: Record<string, string>) =>
  Type.Unsafe<Row>({ description: [description, ...Object.entries(keys).map(([key, words]) => `\`${key}\`: ${words}`)].join('; ') });

const IndicatorBody = documentedBody('The indicator: its value keys (`ip`, `address`, `hostName`, `text`, `md5`/`sha1`/`sha256`, `AS Number`, `Block`, `Mutex`, `Key Name`+`Value Name`+`Value Type`, `User Agent String`) and its fields', {
  rating: 'The rating, 0 to 5', confidence: 'The confidence, 0 to 100', dnsActive: 'Host: "true" or "false"', whoisActive: 'Host: "true" or "false"', size: 'File: its size in bytes',
});
const GroupBody = documentedBody('The group: `name` and the type\'s fields (spec §6: documents and reports `fileName`; emails `subject`, `header`, `body`; events and incidents `eventDate`; signatures `fileName`, `fileType`, `fileText`)', {
  name: 'The name of the group', eventDate: 'Events and incidents: when it happened', status: 'Incidents and events: the status',
});

const ITEM_ANSWER = v2Response(v2ItemSchema('The indicator or group, under its type\'s key'), 'The item as v2 shows a single object');
const SUCCESS_ANSWER = v2Response(v2SuccessSchema, '{"status":"Success"}');
const WRITE_FAILURES = v2Failures(400, 401, 403, 404, 409, 413, 415, 500);

export function registerV2IntelWriteRoutes(app: FastifyInstance, services: CairnServices): void {
  const engine = services.resources;

  const answer = (request: FastifyRequest, branch: V2Branch, row: Row) =>
    renderV2(branch.view, row, 'single', v2RenderContext(services, request.principal));

  app.post('/indicators/:branch', {
    schema: { summary: 'Create an indicator of the branch\'s type (an existing value is updated, as on v3)', params: BranchParams, querystring: V2ListQuery, body: IndicatorBody, response: { 201: ITEM_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const branch = indicatorBranch((request.params as { branch: string }).branch);
    const resource = engine.registry.named('indicators');
    const row = await engine.create(resource, request.principal, createBody(branch, request.body), [...branch.view.v3Fields], v2NamedOwnersOf(request));
    return sendV2Item(request, reply, 201, branch.entityKey, answer(request, branch, row));
  });

  app.put('/indicators/:branch/:value', {
    schema: { summary: 'Change an indicator (rating, confidence, size, dnsActive, whoisActive …; never its value)', params: IndicatorParams, querystring: V2ListQuery, body: IndicatorBody, response: { 200: ITEM_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const { branch, value } = request.params as { branch: string; value: string };
    const item = await indicatorFromPath(services, request, branch, value);
    const body = updateBody(item.branch, answer(request, item.branch, item.row), request.body);
    const row = await v2NotFound(() => engine.update(item.resource, request.principal, String(item.id), body, [...item.branch.view.v3Fields]));
    return sendV2Item(request, reply, 200, item.branch.entityKey, answer(request, item.branch, row));
  });

  app.delete('/indicators/:branch/:value', {
    schema: { summary: 'Delete an indicator', params: IndicatorParams, querystring: V2ListQuery, response: { 200: SUCCESS_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const { branch, value } = request.params as { branch: string; value: string };
    const item = await indicatorFromPath(services, request, branch, value);
    await v2NotFound(() => engine.remove(item.resource, request.principal, String(item.id)));
    return sendV2Success(request, reply);
  });

  app.post('/groups/:branch', {
    schema: { summary: 'Create a group of the branch\'s type', params: BranchParams, querystring: V2ListQuery, body: GroupBody, response: { 201: ITEM_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const branch = groupBranch((request.params as { branch: string }).branch);
    const resource = engine.registry.named('groups');
    const row = await engine.create(resource, request.principal, createBody(branch, request.body), [...branch.view.v3Fields], v2NamedOwnersOf(request));
    return sendV2Item(request, reply, 201, branch.entityKey, answer(request, branch, row));
  });

  app.put('/groups/:branch/:id', {
    schema: { summary: 'Change a group', params: GroupParams, querystring: V2ListQuery, body: GroupBody, response: { 200: ITEM_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const { branch, id } = request.params as { branch: string; id: string };
    const item = await groupFromPath(services, request, branch, id);
    const body = v2Body(request.body);
    const row = await v2NotFound(() => engine.update(item.resource, request.principal, String(item.id), withoutId(body), [...item.branch.view.v3Fields]));
    return sendV2Item(request, reply, 200, item.branch.entityKey, answer(request, item.branch, row));
  });

  app.delete('/groups/:branch/:id', {
    schema: { summary: 'Delete a group', params: GroupParams, querystring: V2ListQuery, response: { 200: SUCCESS_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const { branch, id } = request.params as { branch: string; id: string };
    const item = await groupFromPath(services, request, branch, id);
    await v2NotFound(() => engine.remove(item.resource, request.principal, String(item.id)));
    return sendV2Success(request, reply);
  });

  // The JS SDK's Groups.commit() PUTs an update to `v2/{id}` (no branch): digits only, so this
  // route never shadows a named v2 path (`/v2/owners` keeps its 405 for PUT).
  app.put('/:id(^\\d{1,15}$)', {
    schema: { summary: 'Change a group named by id alone (the JavaScript SDK\'s group update)', params: IdParams, querystring: V2ListQuery, body: GroupBody, response: { 200: ITEM_ANSWER, ...WRITE_FAILURES } },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const resource = engine.registry.named('groups');
    const owner = v2OwnersOf(request);
    const found = await v2NotFound(() => engine.get(resource, request.principal, id, [], owner));
    const type = GROUP_TYPES_V2.find((t) => t.type === found.type);
    if (!type) throw notFound();
    const branch = groupBranch(type.branch);
    const row = await v2NotFound(() => engine.update(resource, request.principal, String(found.id), withoutId(v2Body(request.body)), [...branch.view.v3Fields]));
    return sendV2Item(request, reply, 200, branch.entityKey, answer(request, branch, row));
  });
}

/** A PUT body without the `id` some clients repeat (the path names the item). */
function withoutId(body: Row): Row {
  if (!('id' in body)) return body;
  const { id: _id, ...rest } = body;
  return rest;
}
