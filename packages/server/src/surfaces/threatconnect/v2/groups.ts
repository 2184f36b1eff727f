/**
 * v2 group reads (spec threatconnect.md §4, §6), registered under the `/v2` prefix, JSON or XML:
 *   GET /v2/groups                  every type: items {id, name, type, ownerName, dateAdded, lastModified, webLink}
 *   GET /v2/groups/{branch}         one type: no `type`; incidents and events show `eventDate`
 *   GET /v2/groups/{branch}/{id}    one group: owner {id,name,type} and the type's fields
 * Every read runs through the v3 engine (v2 filters become TQL); writes and sub-paths are intel-v2-write's.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { parseV2Filters, v2FiltersToTql } from './filters.js';
import { GROUP_VIEW, renderV2, sendV2Item, sendV2List, v2ItemSchema, v2ListSchema, v2RenderContext, v3FieldsFor, type V2View } from './intel-render.js';
import { groupBranch, groupFromPath, tqlString, type V2Branch } from './intel-items.js';
import { readV2Query, V2ListQuery, type V2Query } from './v2-params.js';

const BranchParams = Type.Object({ branch: Type.String({ maxLength: 64, description: 'adversaries, attackPatterns, campaigns, coursesOfAction, documents, emails, events, incidents, intrusionSets, malware, reports, signatures, tactics, threats, tools, vulnerabilities' }) });
const IdParams = Type.Object({ branch: BranchParams.properties.branch, id: Type.String({ maxLength: 32, description: 'The group id' }) });
const FAILURES = v2Failures(400, 401, 403, 404, 500);

/** The TQL of a v2 group list: the branch's type, the filters, modifiedSince. */
export function groupListTql(services: CairnServices, query: V2Query, type: string | undefined): string | undefined {
  const resource = services.resources.registry.named('groups');
  const parts: string[] = [];
  if (type !== undefined) parts.push(`typeName = ${tqlString(type)}`);
  const filtered = query.filters === undefined ? undefined : v2FiltersToTql('group', resource, parseV2Filters(query.filters), query.orParams);
  if (filtered !== undefined) parts.push(filtered);
  if (query.modifiedSince !== undefined) parts.push(`lastModified > ${tqlString(query.modifiedSince)}`);
  return parts.length === 0 ? undefined : parts.join(' and ');
}

export function registerV2GroupReadRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const resource = services.resources.registry.named('groups');

  const list = async (request: FastifyRequest, reply: FastifyReply, view: V2View, branch: V2Branch | undefined) => {
    const query = readV2Query(request);
    const ctx = v2RenderContext(services, request.principal, query.includes.has('additional'), query.includes);
    const page = await services.resources.list(resource, request.principal, {
      tql: groupListTql(services, query, branch?.type),
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

  routes.get('/groups', {
    schema: { summary: 'Groups of every type', querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('group[]: a page of groups'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => list(request, reply, GROUP_VIEW, undefined));

  routes.get('/groups/:branch', {
    schema: { summary: 'Groups of one type', params: BranchParams, querystring: V2ListQuery, response: { 200: v2Response(v2ListSchema('<entity>[]: a page of groups of the type'), 'A page of groups'), ...FAILURES } },
  }, (request, reply) => {
    const branch = groupBranch(request.params.branch);
    return list(request, reply, branch.view, branch);
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
