/**
 * v2 catalogues of intelligence (spec threatconnect.md §5.1, §5.2, §6), registered under `/v2`,
 * JSON or XML through intel-render (one JSON object per entity; XML derived from it):
 *
 *   GET /types/indicatorTypes[/{type}]            the indicator types v2 addresses (`?includeAdditional=true`
 *                                                 adds `keys` and `regexes`), from core/intel's catalogue
 *   GET /types/associationTypes                   the named indicator-to-indicator association types
 *   GET /tags[/{name}]                            the owner's tags `{name, webLink}`
 *   GET /tags/{name}/indicators[/{branch}]        the indicators carrying the tag (the v2 indicator list)
 *   GET /tags/{name}/groups[/{branch}]            the groups carrying the tag (the v2 group list)
 *   GET /securityLabels[/{name}]                  the System TLP labels and the owner's `{name, description, dateAdded}`
 *   GET /securityLabels/{name}/indicators[/{branch}], …/groups[/{branch}]
 *                                                 what carries the label, as for a tag (threatconnect-python's
 *                                                 `add_security_label` filter reads these)
 *   GET /indicators/deleted                       what was deleted lately (`deletedSince`, `type`), newest first
 *
 * Tags, labels, indicators and groups are read through the v3 engine (the declarations, owner rules
 * and TQL of /v3/tags, /v3/securityLabels, /v3/indicators, /v3/groups: `hasTag()` finds what carries
 * a tag, `hasSecurityLabel()` a label); deleted indicators come from core/intel. Owners as every v2 read takes them (v2-params).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import { ASSOCIATION_TYPES, type AssociationType } from '../../../core/intel/associations.js';
import { deletedIndicators } from '../../../core/intel/deleted-indicators.js';
import { describeIndicatorType, INDICATOR_TYPES, indicatorTypeNamed, indicatorTypeOfBranch, type IndicatorType } from '../../../core/intel/indicator-types.js';
import type { Row } from '../../../resources/engine/context.js';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { sendV2IntelList, type V2IntelEntity } from './intel-lists.js';
import { sendV2Item, sendV2List } from './intel-render.js';
import { groupBranch, indicatorBranch, NOT_FOUND, tqlString, type V2Branch } from './intel-items.js';
import { parseV2Date, readV2Query, V2ListQuery, v2OwnersOf } from './v2-params.js';

const Success = Type.Literal('Success');
const FAILURES = v2Failures(400, 401, 403, 404, 500);
const MAX_TAG_NAME = 128;

const TagJson = Type.Object({ name: Type.String(), webLink: Type.String() });
const LabelJson = Type.Object({ name: Type.String(), description: Type.Optional(Type.String()), dateAdded: Type.String() });
const DeletedJson = Type.Object({ ownerName: Type.String(), type: Type.String(), dateAdded: Type.String(), summary: Type.String() });
const IndicatorTypeJson = Type.Object({
  name: Type.String(), custom: Type.String({ description: '"true" or "false"' }), parsable: Type.String({ description: '"true" or "false"' }),
  apiBranch: Type.String(), apiEntity: Type.String(), casePreference: Type.String({ description: 'lower, upper or sensitive' }),
  keys: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'key1 … keyN: the value keys (includeAdditional)' })),
  regexes: Type.Optional(Type.Array(Type.String(), { description: 'What each value looks like, in key order (includeAdditional)' })),
}, { additionalProperties: Type.String({ description: 'value{n}Label' }) });
const AssociationTypeJson = Type.Object({
  name: Type.String(), custom: Type.String(), fileAction: Type.String(), apiBranch: Type.String(), sourceType: Type.String(), targetType: Type.String(), description: Type.String(),
});
const list = (key: string, item: ReturnType<typeof Type.Object>, description: string) =>
  Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Optional(Type.Integer({ description: 'Every match, given on the first page' })), [key]: Type.Array(item) }, { description }) });
const one = (key: string, item: ReturnType<typeof Type.Object>) => Type.Object({ status: Success, data: Type.Object({ [key]: item }) });
const AnyList = (description: string) => Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Optional(Type.Integer()) }, { additionalProperties: Type.Array(Type.Object({}, { additionalProperties: true })), description }) });

const TagParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_TAG_NAME, description: 'The tag name (percent-encoded)' }) });
const TagBranchParams = Type.Object({ name: TagParams.properties.name, branch: Type.String({ maxLength: 64, description: 'An indicator or group branch (addresses, incidents, …)' }) });
const LabelParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 50, description: 'The label name, e.g. TLP%3AAMBER' }) });
const LabelBranchParams = Type.Object({ name: LabelParams.properties.name, branch: TagBranchParams.properties.branch });
const TypeParams = Type.Object({ type: Type.String({ minLength: 1, maxLength: 64, description: 'A type name (Address, Registry Key), branch (addresses) or entity (address)' }) });
const DeletedQuery = Type.Intersect([V2ListQuery, Type.Object({
  deletedSince: Type.Optional(Type.String({ maxLength: 64, description: 'Only those deleted since this date (ISO 8601)' })),
  type: Type.Optional(Type.String({ maxLength: 64, description: 'Only this indicator type (Address, Host, …)' })),
})]);

const V2_TYPES = INDICATOR_TYPES.filter((t) => t.v2 !== null);

/** An indicator type as core/intel describes it for v2; its value keys and regexes only with includeAdditional. */
function indicatorTypeJson(type: IndicatorType, additional: boolean): Row {
  const { keys, regexes, ...described } = describeIndicatorType(type);
  return additional ? { ...described, keys, regexes } : described;
}

const associationTypeJson = (type: AssociationType): Row => ({
  name: type.name, custom: 'false', fileAction: String(type.fileAction), apiBranch: type.apiBranch, sourceType: type.sourceType, targetType: type.targetType,
  description: `${type.sourceType} to ${type.targetType}`,
});

/** `keyword = "value"` as TQL, the value quoted so it never becomes syntax. */
const equals = (keyword: string, value: string) => `${keyword} = ${tqlString(value)}`;
const notFound = () => new CairnError('not-found', NOT_FOUND);

export function registerV2CatalogueRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const engine = services.resources;
  const tags = engine.registry.named('tags');
  const labels = engine.registry.named('securityLabels');
  const webBase = services.config.publicUrl ?? '';
  const tagJson = (row: Row) => ({ name: String(row.name), webLink: `${webBase}/auth/tags/tag.xhtml?tag=${encodeURIComponent(String(row.name))}&owner=${encodeURIComponent(String(row.owner))}` });
  const labelJson = (row: Row) => ({ name: String(row.name), ...(row.description ? { description: String(row.description) } : {}), dateAdded: String(row.dateAdded) });
  const owners = (request: FastifyRequest) => v2OwnersOf(request);

  routes.get('/types/indicatorTypes', {
    schema: { summary: 'The indicator types', querystring: V2ListQuery, response: { 200: v2Response(list('indicatorType', IndicatorTypeJson, 'The indicator types v2 addresses'), 'The indicator types'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const items = V2_TYPES.map((t) => indicatorTypeJson(t, query.includes.has('additional')));
    return sendV2List(request, reply, 'indicatorType', items.slice(query.resultStart, query.resultStart + query.resultLimit), query.resultStart === 0 ? items.length : undefined);
  });

  routes.get('/types/indicatorTypes/:type', {
    schema: { summary: 'One indicator type', params: TypeParams, querystring: V2ListQuery, response: { 200: v2Response(one('indicatorType', IndicatorTypeJson), 'One indicator type'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const type = indicatorTypeNamed(request.params.type) ?? indicatorTypeOfBranch(request.params.type);
    if (!type?.v2) throw notFound();
    return sendV2Item(request, reply, 200, 'indicatorType', indicatorTypeJson(type, query.includes.has('additional')));
  });

  routes.get('/types/associationTypes', {
    schema: { summary: 'The indicator-to-indicator association types', querystring: V2ListQuery, response: { 200: v2Response(list('associationType', AssociationTypeJson, 'The association types'), 'The association types'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const items = ASSOCIATION_TYPES.map(associationTypeJson);
    return sendV2List(request, reply, 'associationType', items.slice(query.resultStart, query.resultStart + query.resultLimit), query.resultStart === 0 ? items.length : undefined);
  });

  /** The one tag `name` names among the request's owners (names are unique per owner, ignoring case). */
  async function findTag(request: FastifyRequest, name: string): Promise<Row> {
    const { data } = await engine.list(tags, request.principal, { tql: equals('name', name), fields: [], resultStart: 0, resultLimit: 1, count: false, owner: owners(request) });
    if (data.length === 0) throw notFound();
    return data[0]!;
  }

  routes.get('/tags', {
    schema: { summary: 'The tags of the owner', querystring: V2ListQuery, response: { 200: v2Response(list('tag', TagJson, 'A page of tags'), 'A page of tags'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const result = await engine.list(tags, request.principal, { fields: [], resultStart: query.resultStart, resultLimit: query.resultLimit, count: query.resultStart === 0, owner: query.owners });
    return sendV2List(request, reply, 'tag', result.data.map(tagJson), result.count);
  });

  routes.get('/tags/:name', {
    schema: { summary: 'One tag of the owner', params: TagParams, querystring: V2ListQuery, response: { 200: v2Response(one('tag', TagJson), 'One tag'), ...FAILURES } },
  }, async (request, reply) => sendV2Item(request, reply, 200, 'tag', tagJson(await findTag(request, request.params.name))));

  /** The one security label `name` names among the request's owners and the System labels. */
  async function findLabel(request: FastifyRequest, name: string): Promise<Row> {
    const { data } = await engine.list(labels, request.principal, { tql: equals('name', name), fields: ['dateAdded'], resultStart: 0, resultLimit: 1, count: false, owner: owners(request) });
    if (data.length === 0) throw notFound();
    return data[0]!;
  }

  /**
   * The indicators or groups carrying a tag (or a security label), as their v2 lists show them
   * (filters, includes and paging too): the list's TQL and `hasTag(name = …)` (`hasSecurityLabel`).
   * The tag (label) must exist among the owners.
   */
  const tagged = async (request: FastifyRequest, reply: FastifyReply, name: string, entity: V2IntelEntity, branch: V2Branch | undefined, holder: 'tag' | 'label' = 'tag') => {
    await (holder === 'tag' ? findTag(request, name) : findLabel(request, name));
    return sendV2IntelList(services, request, reply, entity, branch, `${holder === 'tag' ? 'hasTag' : 'hasSecurityLabel'}(${equals('name', name)})`);
  };

  routes.get('/tags/:name/indicators', {
    schema: { summary: 'The indicators carrying the tag', params: TagParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('indicator[]'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'indicator', undefined));

  routes.get('/tags/:name/indicators/:branch', {
    schema: { summary: 'The indicators of one type carrying the tag', params: TagBranchParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('<entity>[]'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'indicator', indicatorBranch(request.params.branch)));

  routes.get('/tags/:name/groups', {
    schema: { summary: 'The groups carrying the tag', params: TagParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('group[]'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'group', undefined));

  routes.get('/tags/:name/groups/:branch', {
    schema: { summary: 'The groups of one type carrying the tag', params: TagBranchParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('<entity>[]'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'group', groupBranch(request.params.branch)));

  routes.get('/securityLabels', {
    schema: { summary: 'The System labels and the owner\'s', querystring: V2ListQuery, response: { 200: v2Response(list('securityLabel', LabelJson, 'A page of security labels'), 'A page of security labels'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const result = await engine.list(labels, request.principal, { fields: ['dateAdded'], resultStart: query.resultStart, resultLimit: query.resultLimit, count: query.resultStart === 0, owner: query.owners });
    return sendV2List(request, reply, 'securityLabel', result.data.map(labelJson), result.count);
  });

  routes.get('/securityLabels/:name', {
    schema: { summary: 'One security label', params: LabelParams, querystring: V2ListQuery, response: { 200: v2Response(one('securityLabel', LabelJson), 'One security label'), ...FAILURES } },
  }, async (request, reply) => sendV2Item(request, reply, 200, 'securityLabel', labelJson(await findLabel(request, request.params.name))));

  routes.get('/securityLabels/:name/indicators', {
    schema: { summary: 'The indicators carrying the security label', params: LabelParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('indicator[]'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'indicator', undefined, 'label'));

  routes.get('/securityLabels/:name/indicators/:branch', {
    schema: { summary: 'The indicators of one type carrying the security label', params: LabelBranchParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('<entity>[]'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'indicator', indicatorBranch(request.params.branch), 'label'));

  routes.get('/securityLabels/:name/groups', {
    schema: { summary: 'The groups carrying the security label', params: LabelParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('group[]'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'group', undefined, 'label'));

  routes.get('/securityLabels/:name/groups/:branch', {
    schema: { summary: 'The groups of one type carrying the security label', params: LabelBranchParams, querystring: V2ListQuery, response: { 200: v2Response(AnyList('<entity>[]'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => tagged(request, reply, request.params.name, 'group', groupBranch(request.params.branch), 'label'));

  routes.get('/indicators/deleted', {
    schema: { summary: 'Indicators deleted from the owner lately, newest first', querystring: DeletedQuery, response: { 200: v2Response(list('indicator', DeletedJson, 'A page of deleted indicators'), 'A page of deleted indicators'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const named = new Set(query.owners);
    const visible = request.principal.visibleOwners.filter((o) => named.has(o.name));
    const { deletedSince, type } = request.query;
    const { total, items } = await deletedIndicators(services.store.db, {
      ownerIds: visible.map((o) => o.id),
      ...(deletedSince === undefined || deletedSince === '' ? {} : { deletedSince: parseV2Date('deletedSince', deletedSince) }),
      ...(type === undefined || type === '' ? {} : { type: indicatorTypeNamed(type)?.name ?? indicatorTypeOfBranch(type)?.name ?? type }),
      start: query.resultStart,
      limit: query.resultLimit,
    });
    const names = new Map(visible.map((o) => [o.id, o.name]));
    const rows = items.map((d) => ({ ownerName: names.get(d.ownerId)!, type: d.type, dateAdded: d.dateAdded, summary: d.summary }));
    return sendV2List(request, reply, 'indicator', rows, query.resultStart === 0 ? total : undefined);
  });
}
