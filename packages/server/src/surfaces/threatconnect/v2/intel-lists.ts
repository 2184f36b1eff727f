/**
 * The one v2 list of indicators or groups (spec threatconnect.md §4, §5.1, §6), as
 *   GET /v2/indicators[/{branch}], GET /v2/groups[/{branch}] and
 *   GET /v2/tags/{name}/indicators[/{branch}], GET /v2/tags/{name}/groups[/{branch}]
 * all show it: the branch's type, the v2 filters and modifiedSince become TQL (plus a condition
 * the path adds, such as `hasTag(…)`), read through the v3 engine with exactly the fields the
 * view renders, paged and counted as every v2 list.
 *
 * Active indicators only unless a filter names `active` is the engine's rule for indicator lists
 * (defaultListFilter), the same on v3: a filter on active becomes TQL on active, which lifts it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CairnServices } from '../../../services.js';
import { parseV2Filters, v2FiltersToTql } from './filters.js';
import { GROUP_VIEW, INDICATOR_VIEW, renderV2, sendV2List, v2RenderContext, v3FieldsFor } from './intel-render.js';
import { tqlString, type V2Branch } from './intel-items.js';
import { readV2Query, type V2Query } from './v2-params.js';

export type V2IntelEntity = 'indicator' | 'group';

const RESOURCE: Record<V2IntelEntity, string> = { indicator: 'indicators', group: 'groups' };

/** The TQL of a v2 list: the branch's type (when one), the filters, modifiedSince; undefined when none. */
export function intelListTql(services: CairnServices, entity: V2IntelEntity, query: V2Query, type: string | undefined): string | undefined {
  const resource = services.resources.registry.named(RESOURCE[entity]);
  const parts: string[] = [];
  if (type !== undefined) parts.push(`typeName = ${tqlString(type)}`);
  const filtered = query.filters === undefined ? undefined : v2FiltersToTql(entity, resource, parseV2Filters(query.filters), query.orParams);
  if (filtered !== undefined) parts.push(filtered);
  if (query.modifiedSince !== undefined) parts.push(`lastModified > ${tqlString(query.modifiedSince)}`);
  return parts.length === 0 ? undefined : parts.join(' and ');
}

/**
 * Answers a v2 list of `entity` (of one branch's type when `branch` is given), rendered in the
 * branch's view or the entity's; `condition` (TQL) narrows it further.
 */
export async function sendV2IntelList(services: CairnServices, request: FastifyRequest, reply: FastifyReply, entity: V2IntelEntity, branch: V2Branch | undefined, condition?: string): Promise<FastifyReply> {
  const query = readV2Query(request);
  const view = branch?.view ?? (entity === 'indicator' ? INDICATOR_VIEW : GROUP_VIEW);
  const ctx = v2RenderContext(services, request.principal, query.includes.has('additional'), query.includes);
  const listTql = intelListTql(services, entity, query, branch?.type);
  const tql = condition === undefined ? listTql : listTql === undefined ? condition : `${condition} and (${listTql})`;
  const page = await services.resources.list(services.resources.registry.named(RESOURCE[entity]), request.principal, {
    tql,
    fields: v3FieldsFor(view, ctx),
    resultStart: query.resultStart,
    resultLimit: query.resultLimit,
    count: query.resultStart === 0,
    owner: query.owners,
    exactFields: true,
  });
  const items: Record<string, unknown>[] = new Array(page.data.length);
  for (let i = 0; i < items.length; i++) items[i] = renderV2(view, page.data[i]!, 'list', ctx);
  return sendV2List(request, reply, view.entityKey, items, page.count);
}
