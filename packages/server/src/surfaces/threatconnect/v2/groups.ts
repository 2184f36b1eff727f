/**
 * v2 group reads (spec threatconnect.md §4, §6), registered under the `/v2` prefix, JSON or XML:
 *   GET /v2/groups                  every type: items {id, name, type, ownerName, dateAdded, lastModified, webLink}
 *   GET /v2/groups/{branch}         one type: no `type`; incidents and events show `eventDate`
 *   GET /v2/groups/{branch}/{id}    one group: owner {id,name,type} and the type's fields
 * Every read runs through the v3 engine (lists: intel-lists.ts); writes and sub-paths are intel-writes' and intel-subpaths'.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { groupBranch, groupFromPath } from './intel-items.js';
import { sendV2IntelList } from './intel-lists.js';
import { renderV2, sendV2Item, v2ItemSchema, v2ListSchema, v2RenderContext, v3FieldsFor } from './intel-render.js';
import { readV2Query, V2ListQuery } from './v2-params.js';

const BranchParams = Type.Object({ branch: Type.String({ maxLength: 64, description: 'adversaries, attackPatterns, campaigns, coursesOfAction, documents, emails, events, incidents, intrusionSets, malware, reports, signatures, tactics, threats, tools, vulnerabilities' }) });
const IdParams = Type.Object({ branch: BranchParams.properties.branch, id: Type.String({ maxLength: 32, description: 'The group id' }) });
const FAILURES = v2Failures(400, 401, 403, 404, 500);

export function registerV2GroupReadRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get('/groups', {
    schema: { summary: 'Groups of every type', querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('group[]: a page of groups'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => sendV2IntelList(services, request, reply, 'group', undefined));

  routes.get('/groups/:branch', {
    schema: { summary: 'Groups of one type', params: BranchParams, querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('<entity>[]: a page of groups of the type'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => {
    const branch = groupBranch(request.params.branch);
    return sendV2IntelList(services, request, reply, 'group', branch);
  });

  routes.get('/groups/:branch/:id', {
    schema: { summary: 'One group by its id', params: IdParams, querystring: V2ListQuery, response: { 200: v2Response(v2ItemSchema('<entity>: the group'), 'One group'), ...FAILURES } },
  }, async (request, reply) => {
    const query = readV2Query(request);
    const branch = groupBranch(request.params.branch);
    const ctx = v2RenderContext(services, request.principal, query.includes.has('additional'), query.includes);
    const { row } = await groupFromPath(services, request, branch.branch, request.params.id, v3FieldsFor(branch.view, ctx));
    return sendV2Item(request, reply, 200, branch.entityKey, renderV2(branch.view, row, 'single', ctx));
  });
}
