/**
 * v2 indicator reads (spec threatconnect.md §4, §5.1), registered under the `/v2` prefix, JSON or XML:
 *   GET /v2/indicators                    every type: items {id, ownerName, type, dateAdded, lastModified, rating, confidence, webLink, summary}
 *   GET /v2/indicators/{branch}           one type: items with the type's value keys
 *   GET /v2/indicators/{branch}/{value}   one indicator: owner {id,name,type} and the type's keys
 * Lists show active indicators only unless a filter names `active` (§4.4). Every read runs through
 * the v3 engine (lists: intel-lists.ts); writes and sub-paths are intel-writes' and intel-subpaths'.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { indicatorBranch, indicatorFromPath } from './intel-items.js';
import { sendV2IntelList } from './intel-lists.js';
import { renderV2, sendV2Item, v2ItemSchema, v2ListSchema, v2RenderContext, v3FieldsFor } from './intel-render.js';
import { readV2Query, V2ListQuery } from './v2-params.js';

const BranchParams = Type.Object({ branch: Type.String({ maxLength: 64, description: 'addresses, emailAddresses, files, hosts, urls, asns, cidrBlocks, mutexes, registryKeys, userAgents' }) });
const ValueParams = Type.Object({
  branch: BranchParams.properties.branch,
  value: Type.String({ maxLength: 4096, description: 'The indicator\'s value, percent-encoded (a File: any of its hashes)' }),
});
const FAILURES = v2Failures(400, 401, 403, 404, 500);

export function registerV2IndicatorReadRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get('/indicators', {
    schema: { summary: 'Indicators of every type', querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('indicator[]: a page of indicators'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => sendV2IntelList(services, request, reply, 'indicator', undefined));

  routes.get('/indicators/:branch', {
    schema: { summary: 'Indicators of one type', params: BranchParams, querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('<entity>[]: a page of indicators of the type'), 'A page of indicators'), ...FAILURES } },
  }, (request, reply) => {
    const branch = indicatorBranch(request.params.branch);
    return sendV2IntelList(services, request, reply, 'indicator', branch);
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
