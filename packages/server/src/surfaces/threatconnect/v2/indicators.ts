/**
 * v2 indicator reads (spec threatconnect.md §4, §5.1), registered under the `/v2` prefix, JSON or XML:
 *   GET /v2/indicators                    every type: items {id, ownerName, type, dateAdded, lastModified, rating, confidence, webLink, summary}
 *   GET /v2/indicators/{branch}           one type: items with the type's value keys
 *   GET /v2/indicators/{branch}/{value}   one indicator: owner {id,name,type} and the type's keys
 * Lists show active indicators only unless a filter names `active` (§4.4). Every read runs through
 * the v3 engine (v2 filters become TQL); writes and sub-paths are intel-v2-write's.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { parseV2Filters, v2FiltersToTql } from './filters.js';
import { INDICATOR_VIEW, renderV2, sendV2Item, sendV2List, v2ItemSchema, v2ListSchema, v2RenderContext, v3FieldsFor, type V2View } from './intel-render.js';
import { indicatorBranch, indicatorFromPath, tqlString, type V2Branch } from './intel-items.js';
import { readV2Query, V2ListQuery, type V2Query } from './v2-params.js';

const BranchParams = Type.Object({ branch: Type.String({ maxLength: 64, description: 'addresses, emailAddresses, files, hosts, urls, asns, cidrBlocks, mutexes, registryKeys, userAgents' }) });
const ValueParams = Type.Object({
  branch: BranchParams.properties.branch,
  value: Type.String({ maxLength: 4096, description: 'The indicator\'s value, percent-encoded (a File: any of its hashes)' }),
});
const FAILURES = v2Failures(400, 401, 403, 404, 500);

/**
 * The TQL of a v2 indicator list: the branch's type, the filters, modifiedSince. Active indicators
 * only unless a filter names `active` is the engine's rule for indicator lists (defaultListFilter),
 * the same on v3: a filter on active becomes TQL on active, which lifts it.
 */
export function indicatorListTql(services: CairnServices, query: V2Query, type: string | undefined): string | undefined {
  const resource = services.resources.registry.named('indicators');
  const terms = query.filters === undefined ? [] : parseV2Filters(query.filters);
  const parts: string[] = [];
  if (type !== undefined) parts.push(`typeName = ${tqlString(type)}`);
  const filtered = v2FiltersToTql('indicator', resource, terms, query.orParams);
  if (filtered !== undefined) parts.push(filtered);
  if (query.modifiedSince !== undefined) parts.push(`lastModified > ${tqlString(query.modifiedSince)}`);
  return parts.length === 0 ? undefined : parts.join(' and ');
}

export function registerV2IndicatorReadRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const resource = services.resources.registry.named('indicators');

  const list = async (request: FastifyRequest, reply: FastifyReply, view: V2View, branch: V2Branch | undefined) => {
    const query = readV2Query(request);
    const ctx = v2RenderContext(services, request.principal, query.includes.has('additional'), query.includes);
    const page = await services.resources.list(resource, request.principal, {
      tql: indicatorListTql(services, query, branch?.type),
      fields: v3FieldsFor(view, ctx),
      resultStart: query.resultStart,
      resultLimit: query.resultLimit,
      count: query.resultStart === 0,
      owner: query.owners,
      exactFields: true,
    });
    const items = new Array(page.data.length);
    for (let i = 0; i < items.length; i++) items[i] = renderV2(view, page.data[i]!, 'list', ctx);
    return sendV2List(request, reply, view.entityKey, items, page.count);
  };

  routes.get('/indicators', {
    schema: { summary: 'Indicators of every type', querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('indicator[]: a page of indicators'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => list(request, reply, INDICATOR_VIEW, undefined));

  routes.get('/indicators/:branch', {
    schema: { summary: 'Indicators of one type', params: BranchParams, querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('<entity>[]: a page of indicators of the type'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => {
    const branch = indicatorBranch(request.params.branch);
    return list(request, reply, branch.view, branch);
  });

  routes.get('/indicators/:branch/:value', {
    schema: { summary: 'One indicator by its value', params: ValueParams, querystring: V2ListQuery, response: { 200: v2Response(v2ItemSchema('<entity>: the indicator'), 'One indicator'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const branch = indicatorBranch(request.params.branch);
    const ctx = v2RenderContext(services, request.principal, query.includes.has('additional'), query.includes);
    const { row } = await indicatorFromPath(services, request, branch.branch, request.params.value, v3FieldsFor(branch.view, ctx));
    return sendV2Item(request, reply, 200, branch.entityKey, renderV2(branch.view, row, 'single', ctx));
  });
}
