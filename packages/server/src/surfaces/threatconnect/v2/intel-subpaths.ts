/**
 * The metadata and association sub-paths of v2 indicators and groups (spec threatconnect.md §5.3,
 * §6), under `/v2/indicators/{branch}/{value}` and `/v2/groups/{branch}/{id}` alike:
 *   attributes                       GET list, POST {"type","value","displayed","source"} → 201 {"attribute":{…}}
 *   attributes/{id}                  GET, PUT (value, displayed, source), DELETE
 *   attributes/{id}/securityLabels   GET;  …/securityLabels/{name}  GET, POST, DELETE
 *   tags                             GET → tag[]{name,webLink};  tags/{name}  GET, POST (created when new), DELETE
 *   securityLabels                   GET;  securityLabels/{name}  GET, POST (the label must exist), DELETE
 *   groups[/{branch}]                GET the associated groups;  groups/{branch}/{id}  GET, POST, DELETE
 *   indicators[/{branch}]            GET the associated indicators;  indicators/{branch}/{value}  GET, POST, DELETE
 *   victims                          GET → an empty list;  victims/{id}  POST, DELETE → 404 (Cairn keeps no victims)
 *   victimAssets[/{assetType}]       GET → an empty list (the JS SDK and tcex read it; an unknown asset type 404)
 * and for indicators only:
 *   associations/{type}/indicators[/{branch}/{value}]   indicator ↔ indicator through a named type (GET, POST, DELETE)
 *   observations                     POST {"count":n[,"dateObserved"]} → {"status":"Success"};  GET → observation[]
 *   observationCount                 GET → {"observationCount":{count,lastObserved,yourCount,yourLastObserved}}
 *   falsePositive                    POST → {"falsePositive":{count,lastReported}} (once per user and day)
 *   owners                           GET → owner[]{id,name,type,itemId}: the visible owners holding the value
 *   fileOccurrences[/{id}]           files only: GET, POST {fileName,path,date}, PUT, DELETE
 *   dnsResolution, dnsResolutions    hosts and addresses: GET → an empty dnsResolution[] (Cairn resolves
 *                                    no names; tcex reads the first path, threatconnect-python and the
 *                                    JS SDK the second)
 *
 * The parent is found as the GET of its path finds it (intel-items.ts: among the `owner`s named,
 * default the caller's organization; 404 "The requested resource was not found" otherwise), before
 * anything else is read or written, so another owner's item answers 404 on every sub-path. Every
 * change goes through the v3 engine: tags, labels and associations as the parent's collections with
 * `mode` append or delete, attributes as the v3 attribute resources; observations and false
 * positives through core/intel. POSTs answer 201, the rest 200.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import { associatedIndicators as indicatorsAssociatedThrough, associationTypeNamed } from '../../../core/intel/associations.js';
import { addFileOccurrence, changeFileOccurrence, getFileOccurrence, listFileOccurrences, readFileOccurrence, removeFileOccurrence } from '../../../core/intel/file-occurrences.js';
import { ownersOfValue } from '../../../core/intel/indicator-owners.js';
import { findIndicatorByValue } from '../../../core/intel/indicator-store.js';
import { indicatorTypeNamed } from '../../../core/intel/indicator-types.js';
import { listObservations, observationCount, recordObservations, reportFalsePositive } from '../../../core/intel/observations.js';
import { CairnError } from '../../../core/errors.js';
import { normalizeTagName } from '../../../resources/catalogue.js';
import type { ResourceDefinition } from '../../../resources/types.js';
import type { CairnServices } from '../../../services.js';
import { toStoredTime } from '../../../store/database.js';
import { v2Failures, v2Response } from '../envelope.js';
import {
  GROUP_VIEW, INDICATOR_VIEW, renderV2, sendV2Item, sendV2List, sendV2Success,
  V2_EMBEDDED, v2ItemSchema, v2ListSchema, v2RenderContext, v2SuccessSchema, type V2RenderContext,
} from './intel-render.js';
import { groupBranch, groupFromPath, indicatorBranch, indicatorFromPath, NOT_FOUND, type V2Branch } from './intel-items.js';
import { documentedBody, v2Body, v2NotFound } from './intel-writes.js';
import { V2ListQuery } from './v2-params.js';

type Row = Record<string, unknown>;
type Kind = 'indicator' | 'group';

const notFound = () => new CairnError('not-found', NOT_FOUND);

/** The item a sub-path hangs under, found among the request's owners. */
interface Parent { kind: Kind; resource: ResourceDefinition; branch: V2Branch; id: number; ownerId: number; row: Row }

/** The v3 collections and resources each kind of parent keeps its metadata and associations in. */
const METADATA: Record<Kind, { attributes: string; parentField: string }> = {
  indicator: { attributes: 'indicatorAttributes', parentField: 'indicatorId' },
  group: { attributes: 'groupAttributes', parentField: 'groupId' },
};

/** The victim asset types of `victimAssets/{type}` and the key each one's list is read under. */
const VICTIM_ASSET_KEYS: ReadonlyMap<string, string> = new Map([
  ['emailAddresses', 'victimEmailAddress'], ['networkAccounts', 'victimNetworkAccount'], ['phoneNumbers', 'victimPhone'],
  ['socialNetworks', 'victimSocialNetwork'], ['webSites', 'victimWebSite'],
]);

/** Longest tag name (spec §5.3), and longest security label name (a longer one names no label: 404). */
const MAX_TAG_NAME = 128;
const MAX_LABEL_NAME = 50;

// ---- Schemas -------------------------------------------------------------------------------------

const text = (maxLength: number, description: string) => Type.String({ maxLength, description });
const PARENT_PARAMS: Record<Kind, TProperties> = {
  indicator: { branch: text(64, 'The indicator branch (`hosts`, `urls` …)'), value: text(2048, 'The indicator value, percent-encoded (a File by any of its hashes)') },
  group: { branch: text(64, 'The group branch (`adversaries`, `incidents` …)'), id: text(20, 'The group id') },
};
const SUB_PARAMS = {
  attributeId: text(20, 'The attribute id'),
  tagName: text(MAX_TAG_NAME * 3, 'The tag name, percent-encoded (at most 128 characters)'),
  labelName: text(MAX_LABEL_NAME * 3, 'The security label name, percent-encoded (`TLP%3AAMBER`)'),
  groupBranch: text(64, 'The associated group\'s branch'),
  groupId: text(20, 'The associated group\'s id'),
  indicatorBranch: text(64, 'The associated indicator\'s branch'),
  indicatorValue: text(2048, 'The associated indicator\'s value, percent-encoded'),
  associationType: text(100, 'The association type\'s api branch (`urlHost`, `dnsPtrRecord` … as /v2/types/associationTypes lists them)'),
  victimId: text(20, 'A victim id'),
  assetType: text(32, 'The victim asset type (emailAddresses, networkAccounts, phoneNumbers, socialNetworks, webSites)'),
  occurrenceId: text(20, 'The file occurrence id'),
} as const;
type SubParam = keyof typeof SUB_PARAMS;

const paramsOf = (kind: Kind, names: readonly SubParam[]): TObject => Type.Object({ ...PARENT_PARAMS[kind], ...Object.fromEntries(names.map((n) => [n, SUB_PARAMS[n]])) });

const AttributeBody = documentedBody('An attribute: {"type","value","displayed","source"} (PUT: value, displayed, source)', {
  type: 'An attribute type name (`Description`, `Source` …)', value: 'The value', displayed: 'Whether it is displayed (true or false)', source: 'Where it came from',
});
const ObservationBody = documentedBody('{"count":n} and optionally "dateObserved"', { count: 'How many times it was observed (1 or more)', dateObserved: 'When (ISO 8601; default now)' });
const FileOccurrenceBody = documentedBody('A file occurrence: {"fileName","path","date"}', { fileName: 'The file\'s name there', path: 'Where it was found', date: 'When (ISO 8601)' });
const EmptyBody = documentedBody('No body is needed (an empty one with Content-Type: application/json is accepted)', {});

const READ_FAILURES = v2Failures(400, 401, 403, 404, 500);
const WRITE_FAILURES = v2Failures(400, 401, 403, 404, 409, 413, 415, 500);
/** The answers of a route: a list read, one item (read, or written with its status), or {"status":"Success"}. */
const list = (description: string) => ({ 200: v2Response(v2ListSchema(description), description), ...READ_FAILURES });
const item = (description: string) => ({ 200: v2Response(v2ItemSchema(description), description), ...READ_FAILURES });
const written = (status: 200 | 201, description: string) => ({ [status]: v2Response(v2ItemSchema(description), description), ...WRITE_FAILURES });
const success = (status: 200 | 201) => ({ [status]: v2Response(v2SuccessSchema, '{"status":"Success"}'), ...WRITE_FAILURES });

// ---- Reading ---------------------------------------------------------------------------------------

/** The v2 page of a sub-list: resultStart / resultLimit as on every v2 list, resultCount the whole. */
function sendPage(request: FastifyRequest, reply: FastifyReply, entityKey: string, items: Row[]): FastifyReply {
  const query = request.query as { resultStart?: number; resultLimit?: number };
  const start = query.resultStart ?? 0;
  const limit = query.resultLimit ?? 100;
  return sendV2List(request, reply, entityKey, items.slice(start, start + limit), items.length);
}

/** A whole-number id from a path segment, or the v2 404. */
function pathId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

export function registerV2IntelSubpathRoutes(app: FastifyInstance, services: CairnServices): void {
  const engine = services.resources;
  const db = services.store.db;
  const ctxOf = (request: FastifyRequest): V2RenderContext => v2RenderContext(services, request.principal);

  async function parentOf(kind: Kind, request: FastifyRequest): Promise<Parent> {
    const params = request.params as { branch: string; value?: string; id?: string };
    const found = kind === 'indicator'
      ? await indicatorFromPath(services, request, params.branch, params.value ?? '')
      : await groupFromPath(services, request, params.branch, params.id ?? '');
    return { kind, resource: found.resource, branch: found.branch, id: found.id, ownerId: Number(found.row.ownerId), row: found.row };
  }

  /** The parent rendered with one of its collections (`tags`, `associatedGroups` …): the v3 items in it, among all the caller's owners. */
  async function collection(parent: Parent, request: FastifyRequest, name: string): Promise<Row[]> {
    const row = await v2NotFound(() => engine.get(parent.resource, request.principal, String(parent.id), [name]));
    return ((row[name] as { data?: Row[] } | undefined)?.data ?? []);
  }

  /** Appends to or deletes from one of the parent's collections, as a v3 PUT with `mode` would. */
  async function change(parent: Parent, request: FastifyRequest, name: string, entry: Row, mode: 'append' | 'delete'): Promise<void> {
    await v2NotFound(() => engine.update(parent.resource, request.principal, String(parent.id), { [name]: { data: [entry], mode } }, []));
  }

  /** The attribute `attributeId` of the parent (another item's, or none: 404), and its resource. */
  async function attributeOf(parent: Parent, request: FastifyRequest, fields: string[] = []): Promise<{ resource: ResourceDefinition; row: Row }> {
    const id = pathId((request.params as { attributeId: string }).attributeId);
    const resource = engine.registry.named(METADATA[parent.kind].attributes);
    const row = await v2NotFound(() => engine.get(resource, request.principal, String(id), fields));
    if (Number(row[METADATA[parent.kind].parentField]) !== parent.id) throw notFound();
    return { resource, row };
  }

  const tagName = (request: FastifyRequest): string => {
    const name = (request.params as { tagName: string }).tagName;
    if (name.trim() === '') throw new CairnError('validation', 'A tag needs a name.', { fields: [{ field: 'tagName', message: 'is required' }] });
    if (name.length > MAX_TAG_NAME) throw new CairnError('validation', `A tag name is at most ${MAX_TAG_NAME} characters; this one has ${name.length}.`, { fields: [{ field: 'tagName', message: `is longer than ${MAX_TAG_NAME} characters` }] });
    return name;
  };
  const labelName = (request: FastifyRequest): string => {
    const name = (request.params as { labelName: string }).labelName;
    if (name.trim() === '' || name.length > MAX_LABEL_NAME) throw notFound();
    return name;
  };

  /** The associated group `groupBranch/groupId` names, among every owner the caller sees; a wrong branch is 404. */
  async function associatedGroupTarget(request: FastifyRequest): Promise<{ id: number; branch: V2Branch }> {
    const params = request.params as { groupBranch: string; groupId: string };
    const branch = groupBranch(params.groupBranch);
    const id = pathId(params.groupId);
    const row = await v2NotFound(() => engine.get(engine.registry.named('groups'), request.principal, String(id), []));
    if (row.type !== branch.type) throw notFound();
    return { id, branch };
  }

  /**
   * The associated indicator `indicatorBranch/indicatorValue` names: as its own path would find it
   * (among the request's owners), else among every owner the caller sees, as a group is (an
   * organization's item may be linked with its community's); unknown to the caller: 404.
   */
  async function associatedIndicatorTarget(request: FastifyRequest): Promise<{ id: number; type: string; branch: V2Branch }> {
    const params = request.params as { indicatorBranch: string; indicatorValue: string };
    try {
      const found = await indicatorFromPath(services, request, params.indicatorBranch, params.indicatorValue);
      return { id: found.id, type: found.branch.type, branch: found.branch };
    } catch (error) {
      if (!(error instanceof CairnError && error.code === 'not-found')) throw error;
      const branch = indicatorBranch(params.indicatorBranch);
      const type = indicatorTypeNamed(branch.type);
      const id = type && params.indicatorValue.length <= 2048 ? await findIndicatorByValue(db, [...request.principal.visibleOwnerIds], type, params.indicatorValue) : undefined;
      if (id === undefined) throw notFound();
      return { id, type: branch.type, branch };
    }
  }

  for (const kind of ['indicator', 'group'] as const) {
    const prefix = kind === 'indicator' ? '/indicators/:branch/:value' : '/groups/:branch/:id';
    const of = kind === 'indicator' ? 'an indicator' : 'a group';
    const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', suffix: string, names: readonly SubParam[], summary: string, response: Record<number, unknown>, handler: (request: FastifyRequest, reply: FastifyReply, parent: Parent) => Promise<FastifyReply>, body?: TSchema) => {
      const schema: Record<string, unknown> = { summary: `${summary} (of ${of})`, params: paramsOf(kind, names), querystring: V2ListQuery, response };
      if (method === 'POST' || method === 'PUT') schema.body = body ?? EmptyBody;
      app.route({ method, url: `${prefix}${suffix}`, schema, handler: async (request, reply) => handler(request, reply, await parentOf(kind, request)) });
    };

    // -- attributes
    route('GET', '/attributes', [], 'The attributes', list('attribute[]{id,type,dateAdded,lastModified,displayed,value}'), async (request, reply, parent) => {
      const attributes = await collection(parent, request, V2_EMBEDDED.attributes.collection);
      return sendPage(request, reply, 'attribute', attributes.map((a) => V2_EMBEDDED.attributes.item(a, ctxOf(request))));
    });
    route('POST', '/attributes', [], 'Add an attribute', written(201, 'The attribute added'), async (request, reply, parent) => {
      const body = { ...v2Body(request.body), [METADATA[kind].parentField]: parent.id };
      const resource = engine.registry.named(METADATA[kind].attributes);
      const row = await v2NotFound(() => engine.create(resource, request.principal, body, []));
      return sendV2Item(request, reply, 201, 'attribute', V2_EMBEDDED.attributes.item(row, ctxOf(request)));
    }, AttributeBody);
    route('GET', '/attributes/:attributeId', ['attributeId'], 'One attribute', item('The attribute'), async (request, reply, parent) => {
      const { row } = await attributeOf(parent, request);
      return sendV2Item(request, reply, 200, 'attribute', V2_EMBEDDED.attributes.item(row, ctxOf(request)));
    });
    route('PUT', '/attributes/:attributeId', ['attributeId'], 'Change an attribute (value, displayed, source)', written(200, 'The attribute changed'), async (request, reply, parent) => {
      const { resource, row } = await attributeOf(parent, request);
      const body = v2Body(request.body);
      const { id: _id, type: _type, ...changes } = body;
      if (body.type !== undefined && body.type !== row.type) throw new CairnError('validation', 'An attribute\'s type cannot change; add another attribute instead.', { fields: [{ field: 'type', message: 'can only be set when the attribute is created' }] });
      const changed = await v2NotFound(() => engine.update(resource, request.principal, String(row.id), changes, []));
      return sendV2Item(request, reply, 200, 'attribute', V2_EMBEDDED.attributes.item(changed, ctxOf(request)));
    }, AttributeBody);
    route('DELETE', '/attributes/:attributeId', ['attributeId'], 'Delete an attribute', success(200), async (request, reply, parent) => {
      const { resource, row } = await attributeOf(parent, request);
      await v2NotFound(() => engine.remove(resource, request.principal, String(row.id)));
      return sendV2Success(request, reply);
    });
    route('GET', '/attributes/:attributeId/securityLabels', ['attributeId'], 'The security labels of an attribute', list('securityLabel[]{name,description,dateAdded}'), async (request, reply, parent) => {
      const { row } = await attributeOf(parent, request, [V2_EMBEDDED.labels.collection]);
      const labels = ((row[V2_EMBEDDED.labels.collection] as { data?: Row[] } | undefined)?.data ?? []);
      return sendPage(request, reply, 'securityLabel', labels.map((l) => V2_EMBEDDED.labels.item(l, ctxOf(request))));
    });
    route('GET', '/attributes/:attributeId/securityLabels/:labelName', ['attributeId', 'labelName'], 'One security label of an attribute', item('The securityLabel'), async (request, reply, parent) => {
      const { row } = await attributeOf(parent, request, [V2_EMBEDDED.labels.collection]);
      const name = labelName(request);
      const label = ((row[V2_EMBEDDED.labels.collection] as { data?: Row[] } | undefined)?.data ?? []).find((l) => l.name === name);
      if (!label) throw notFound();
      return sendV2Item(request, reply, 200, 'securityLabel', V2_EMBEDDED.labels.item(label, ctxOf(request)));
    });
    for (const [method, mode] of [['POST', 'append'], ['DELETE', 'delete']] as const) {
      route(method, '/attributes/:attributeId/securityLabels/:labelName', ['attributeId', 'labelName'], method === 'POST' ? 'Apply a security label to an attribute' : 'Remove a security label from an attribute', success(method === 'POST' ? 201 : 200), async (request, reply, parent) => {
        const { resource, row } = await attributeOf(parent, request);
        const name = labelName(request);
        // The label must exist (a System TLP label or one of the owner's): the engine says not found otherwise.
        await v2NotFound(() => engine.update(resource, request.principal, String(row.id), { [V2_EMBEDDED.labels.collection]: { data: [{ name }], mode } }, []));
        return sendV2Success(request, reply, method === 'POST' ? 201 : 200);
      });
    }

    // -- tags
    route('GET', '/tags', [], 'The tags', list('tag[]{name,webLink}'), async (request, reply, parent) => {
      const tags = await collection(parent, request, V2_EMBEDDED.tags.collection);
      const ctx = ctxOf(request);
      return sendPage(request, reply, 'tag', tags.map((tag) => V2_EMBEDDED.tags.item(tag, ctx)));
    });
    route('GET', '/tags/:tagName', ['tagName'], 'One tag the item carries', item('The tag'), async (request, reply, parent) => {
      const wanted = normalizeTagName(tagName(request));
      const tag = (await collection(parent, request, V2_EMBEDDED.tags.collection)).find((t) => normalizeTagName(String(t.name)) === wanted);
      if (!tag) throw notFound();
      return sendV2Item(request, reply, 200, 'tag', V2_EMBEDDED.tags.item(tag, ctxOf(request)));
    });
    for (const [method, mode] of [['POST', 'append'], ['DELETE', 'delete']] as const) {
      route(method, '/tags/:tagName', ['tagName'], method === 'POST' ? 'Apply a tag (created when new)' : 'Remove a tag', success(method === 'POST' ? 201 : 200), async (request, reply, parent) => {
        await change(parent, request, V2_EMBEDDED.tags.collection, { name: tagName(request) }, mode);
        return sendV2Success(request, reply, method === 'POST' ? 201 : 200);
      });
    }

    // -- security labels
    route('GET', '/securityLabels', [], 'The security labels', list('securityLabel[]{name,description,dateAdded}'), async (request, reply, parent) => {
      const labels = await collection(parent, request, V2_EMBEDDED.labels.collection);
      return sendPage(request, reply, 'securityLabel', labels.map((l) => V2_EMBEDDED.labels.item(l, ctxOf(request))));
    });
    route('GET', '/securityLabels/:labelName', ['labelName'], 'One security label the item carries', item('The securityLabel'), async (request, reply, parent) => {
      const name = labelName(request);
      const label = (await collection(parent, request, V2_EMBEDDED.labels.collection)).find((l) => l.name === name);
      if (!label) throw notFound();
      return sendV2Item(request, reply, 200, 'securityLabel', V2_EMBEDDED.labels.item(label, ctxOf(request)));
    });
    for (const [method, mode] of [['POST', 'append'], ['DELETE', 'delete']] as const) {
      route(method, '/securityLabels/:labelName', ['labelName'], method === 'POST' ? 'Apply a security label (it must exist)' : 'Remove a security label', success(method === 'POST' ? 201 : 200), async (request, reply, parent) => {
        const name = labelName(request);
        // The label must exist (a System TLP label or one of the owner's): 404 otherwise.
        await change(parent, request, V2_EMBEDDED.labels.collection, { name }, mode);
        return sendV2Success(request, reply, method === 'POST' ? 201 : 200);
      });
    }

    // -- associated groups and indicators: one set of routes for each side of an association
    const associations = [
      {
        segment: 'groups', collection: 'associatedGroups', resource: 'groups', noun: 'group', article: 'a', entityKey: 'group', view: GROUP_VIEW,
        listShape: 'group[]{id,name,type,ownerName,dateAdded,webLink}', branchParam: 'groupBranch', refParam: 'groupId',
        branchOf: (name: string) => groupBranch(name), target: associatedGroupTarget,
      },
      {
        segment: 'indicators', collection: 'associatedIndicators', resource: 'indicators', noun: 'indicator', article: 'an', entityKey: 'indicator', view: INDICATOR_VIEW,
        listShape: 'indicator[]{id,ownerName,type,dateAdded,lastModified,rating,confidence,webLink,summary}', branchParam: 'indicatorBranch', refParam: 'indicatorValue',
        // An indicator pair goes through the association type its two types allow: the engine's
        // collection applies that rule (core/intel/associations), 400 for a pair no type allows.
        branchOf: (name: string) => indicatorBranch(name), target: associatedIndicatorTarget,
      },
    ] as const;
    for (const side of associations) {
      const associated = async (parent: Parent, request: FastifyRequest) => collection(parent, request, side.collection);
      const paramOf = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name]!;
      route('GET', `/${side.segment}`, [], `The associated ${side.segment}`, list(side.listShape), async (request, reply, parent) => {
        const ctx = ctxOf(request);
        return sendPage(request, reply, side.entityKey, (await associated(parent, request)).map((row) => renderV2(side.view, row, 'list', ctx)));
      });
      route('GET', `/${side.segment}/:${side.branchParam}`, [side.branchParam], `The associated ${side.segment} of one type`, list('The branch\'s items'), async (request, reply, parent) => {
        const branch = side.branchOf(paramOf(request, side.branchParam));
        const ctx = ctxOf(request);
        const rows = (await associated(parent, request)).filter((row) => row.type === branch.type);
        return sendPage(request, reply, branch.entityKey, rows.map((row) => renderV2(branch.view, row, 'list', ctx)));
      });
      const one = `/${side.segment}/:${side.branchParam}/:${side.refParam}`;
      route('GET', one, [side.branchParam, side.refParam], `One associated ${side.noun}`, item(`The ${side.noun}`), async (request, reply, parent) => {
        const target = await side.target(request);
        if (!(await associated(parent, request)).some((row) => Number(row.id) === target.id)) throw notFound();
        const row = await v2NotFound(() => engine.get(engine.registry.named(side.resource), request.principal, String(target.id), [...target.branch.view.v3Fields]));
        return sendV2Item(request, reply, 200, target.branch.entityKey, renderV2(target.branch.view, row, 'single', ctxOf(request)));
      });
      for (const [method, mode] of [['POST', 'append'], ['DELETE', 'delete']] as const) {
        route(method, one, [side.branchParam, side.refParam], `${method === 'POST' ? 'Associate' : 'Dissociate'} ${side.article} ${side.noun}`, success(method === 'POST' ? 201 : 200), async (request, reply, parent) => {
          const target = await side.target(request);
          await change(parent, request, side.collection, { id: target.id }, mode);
          return sendV2Success(request, reply, method === 'POST' ? 201 : 200);
        });
      }
    }

    // -- victims: Cairn keeps none (no v3 victims resource): an empty list, and no victim to name
    route('GET', '/victims', [], 'The associated victims: always none (Cairn keeps no victims)', list('victim[]'), async (request, reply) => sendV2List(request, reply, 'victim', [], 0));
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const verb = { GET: 'Read', POST: 'Associate', DELETE: 'Dissociate' }[method];
      route(method, '/victims/:victimId', ['victimId'], `${verb} a victim: 404, Cairn keeps no victims`, success(method === 'POST' ? 201 : 200), async () => {
        throw notFound();
      });
    }

    // Nor victim assets: the JS SDK (`victimAssets[/{type}]`, read under its type's key) and tcex
    // (`victim_asset_associations`, read under `victimAsset`) list them on indicators and groups.
    route('GET', '/victimAssets', [], 'The associated victim assets: always none (Cairn keeps no victims)', list('victimAsset[]'), async (request, reply) => sendV2List(request, reply, 'victimAsset', [], 0));
    route('GET', '/victimAssets/:assetType', ['assetType'], 'The associated victim assets of one type: always none (Cairn keeps no victims)', list('<victim asset entity>[]'), async (request, reply) => {
      const entityKey = VICTIM_ASSET_KEYS.get((request.params as { assetType: string }).assetType);
      if (entityKey === undefined) throw notFound();
      return sendV2List(request, reply, entityKey, [], 0);
    });

    if (kind !== 'indicator') continue;

    // -- indicator ↔ indicator through a named association type
    /** The association type the path names (`urlHost` …; an unknown one is 404). */
    const namedType = (request: FastifyRequest) => {
      const type = associationTypeNamed((request.params as { associationType: string }).associationType);
      if (!type) throw notFound();
      return type;
    };
    /** The indicators linked to the parent through that type (as core/intel reads the typed pairs), rendered by the engine. */
    const typedAssociations = async (parent: Parent, request: FastifyRequest) => {
      const type = namedType(request);
      const ids = new Set((await indicatorsAssociatedThrough(db, parent.id, [...request.principal.visibleOwnerIds], type)).map((a) => a.indicatorId));
      return (await collection(parent, request, 'associatedIndicators')).filter((i) => ids.has(Number(i.id)));
    };
    route('GET', '/associations/:associationType/indicators', ['associationType'], 'The indicators associated through one association type', list('indicator[]'), async (request, reply, parent) => {
      const found = await typedAssociations(parent, request);
      const ctx = ctxOf(request);
      return sendPage(request, reply, 'indicator', found.map((i) => renderV2(INDICATOR_VIEW, i, 'list', ctx)));
    });
    route('GET', '/associations/:associationType/indicators/:indicatorBranch/:indicatorValue', ['associationType', 'indicatorBranch', 'indicatorValue'], 'One indicator associated through an association type', item('The indicator'), async (request, reply, parent) => {
      const found = await typedAssociations(parent, request);
      const target = await associatedIndicatorTarget(request);
      if (!found.some((i) => Number(i.id) === target.id)) throw notFound();
      const row = await v2NotFound(() => engine.get(engine.registry.named('indicators'), request.principal, String(target.id), [...target.branch.view.v3Fields]));
      return sendV2Item(request, reply, 200, target.branch.entityKey, renderV2(target.branch.view, row, 'single', ctxOf(request)));
    });
    for (const [method, mode] of [['POST', 'append'], ['DELETE', 'delete']] as const) {
      route(method, '/associations/:associationType/indicators/:indicatorBranch/:indicatorValue', ['associationType', 'indicatorBranch', 'indicatorValue'], method === 'POST' ? 'Associate an indicator through an association type' : 'Dissociate an indicator associated through an association type', success(method === 'POST' ? 201 : 200), async (request, reply, parent) => {
        const named = namedType(request);
        const target = await associatedIndicatorTarget(request);
        // The engine checks the named type fits the pair (core/intel/associations): 400 otherwise.
        await change(parent, request, 'associatedIndicators', { id: target.id, associationType: named.apiBranch }, mode);
        return sendV2Success(request, reply, method === 'POST' ? 201 : 200);
      });
    }

    // -- observations and false positives (core/intel/observations)
    route('POST', '/observations', [], 'Report observations', success(201), async (request, reply, parent) => {
      const body = v2Body(request.body);
      const count = typeof body.count === 'string' && /^\d{1,9}$/.test(body.count) ? Number(body.count) : body.count;
      if (typeof count !== 'number' || !Number.isInteger(count)) throw new CairnError('validation', 'count must be a whole number of observations (1 or more).', { fields: [{ field: 'count', message: 'must be a whole number' }] });
      const when = observedAt(body.dateObserved);
      await recordObservations(db, parent.id, request.principal.userId, count, when);
      return sendV2Success(request, reply, 201);
    }, ObservationBody);
    route('GET', '/observations', [], 'The observations', list('observation[]{count,dateObserved}'), async (request, reply, parent) => {
      return sendPage(request, reply, 'observation', await listObservations(db, parent.id) as unknown as Row[]);
    });
    route('GET', '/observationCount', [], 'The observation counts', item('The observationCount'), async (request, reply, parent) => {
      const counted = await observationCount(db, parent.id, request.principal.userId);
      return sendV2Item(request, reply, 200, 'observationCount', withoutNulls(counted as unknown as Row));
    });
    route('POST', '/falsePositive', [], 'Report a false positive (counted once per user and day)', written(201, 'The falsePositive counts'), async (request, reply, parent) => {
      const counted = await reportFalsePositive(db, parent.id, request.principal.userId, toStoredTime(new Date()));
      return sendV2Item(request, reply, 201, 'falsePositive', withoutNulls(counted as unknown as Row));
    });

    // -- the owners holding the same value
    route('GET', '/owners', [], 'The owners the caller can see that hold the same value', list('owner[]{id,name,type,itemId}'), async (request, reply, parent) => {
      const owners = new Map(request.principal.visibleOwners.map((o) => [o.id, o]));
      const held = await ownersOfValue(db, parent.id, [...request.principal.visibleOwnerIds]);
      return sendPage(request, reply, 'owner', held.flatMap(({ ownerId, itemId }) => {
        const owner = owners.get(ownerId);
        return owner ? [{ id: owner.id, name: owner.name, type: owner.type, itemId }] : [];
      }));
    });

    // -- DNS resolutions (hosts and addresses): Cairn resolves no names, so the list is always empty.
    //    tcex (`Host.dns_resolution`) reads `dnsResolution`; threatconnect-python and the JS SDK
    //    (hosts and addresses) `dnsResolutions`.
    for (const path of ['/dnsResolution', '/dnsResolutions']) {
      route('GET', path, [], 'The DNS resolutions of a host or an address: always none (Cairn resolves no names)', list('dnsResolution[]{resolutionDate,addresses}'), async (request, reply, parent) => {
        if (parent.branch.type !== 'Host' && parent.branch.type !== 'Address') throw notFound();
        return sendV2List(request, reply, 'dnsResolution', [], 0);
      });
    }

    // -- file occurrences (files only)
    const fileOf = (parent: Parent): Parent => {
      if (parent.branch.type !== 'File') throw notFound();
      return parent;
    };
    const occurrenceId = (request: FastifyRequest) => pathId((request.params as { occurrenceId: string }).occurrenceId);
    route('GET', '/fileOccurrences', [], 'Where the file was seen', list('fileOccurrence[]{id,fileName,path,date}'), async (request, reply, parent) => {
      return sendPage(request, reply, 'fileOccurrence', await listFileOccurrences(db, fileOf(parent).id) as unknown as Row[]);
    });
    route('POST', '/fileOccurrences', [], 'Add a file occurrence', written(201, 'The file occurrence added'), async (request, reply, parent) => {
      const file = fileOf(parent);
      const added = await addFileOccurrence(db, { id: file.id, ownerId: file.ownerId }, readFileOccurrence(request.body), toStoredTime(new Date()));
      return sendV2Item(request, reply, 201, 'fileOccurrence', added as unknown as Row);
    }, FileOccurrenceBody);
    route('GET', '/fileOccurrences/:occurrenceId', ['occurrenceId'], 'One file occurrence', item('The file occurrence'), async (request, reply, parent) => {
      return sendV2Item(request, reply, 200, 'fileOccurrence', await getFileOccurrence(db, fileOf(parent).id, occurrenceId(request)) as unknown as Row);
    });
    route('PUT', '/fileOccurrences/:occurrenceId', ['occurrenceId'], 'Change a file occurrence', written(200, 'The file occurrence changed'), async (request, reply, parent) => {
      const changed = await changeFileOccurrence(db, fileOf(parent).id, occurrenceId(request), readFileOccurrence(request.body));
      return sendV2Item(request, reply, 200, 'fileOccurrence', changed as unknown as Row);
    }, FileOccurrenceBody);
    route('DELETE', '/fileOccurrences/:occurrenceId', ['occurrenceId'], 'Delete a file occurrence', success(200), async (request, reply, parent) => {
      await removeFileOccurrence(db, fileOf(parent).id, occurrenceId(request));
      return sendV2Success(request, reply);
    });
  }
}

function withoutNulls(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) if (value !== null && value !== undefined) out[key] = value;
  return out;
}

/** When an observation was made: `dateObserved` (ISO 8601) or now. */
function observedAt(value: unknown): string {
  if (value === undefined || value === null || value === '') return toStoredTime(new Date());
  const time = typeof value === 'string' && value.length <= 64 ? Date.parse(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(time) || time < Date.UTC(1900, 0, 1) || time > Date.UTC(9999, 11, 31)) {
    throw new CairnError('validation', 'dateObserved must be an ISO 8601 date such as 2017-06-19T12:00:00Z (years 1900 to 9999).', { fields: [{ field: 'dateObserved', message: 'must be an ISO 8601 date' }] });
  }
  return toStoredTime(new Date(time));
}
