/**
 * v2 catalogues of intelligence (spec threatconnect.md §5.1, §5.2, §6), registered under `/v2`:
 *
 *   GET /types/indicatorTypes[/{type}]        the indicator types (`?includeAdditional=true`)
 *   GET /types/associationTypes               the named indicator-to-indicator association types
 *   GET /tags[/{name}]                         the owner's tags
 *   GET /tags/{name}/indicators|groups         what carries a tag
 *   GET /securityLabels[/{name}]               the System TLP labels and the owner's
 *   GET /indicators/deleted                    what was deleted lately (`deletedSince`, `type`)
 *
 * Tags and labels are read through the v3 engine (the same declarations, owner rules and TQL as
 * /v3/tags and /v3/securityLabels); deleted indicators from core/intel. Each answer is enveloped
 * by intel-render (JSON, or XML from the same description).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import { deletedIndicators, parseDeletedSince } from '../../../core/intel/deleted-indicators.js';
import type { Row } from '../../../resources/engine/context.js';
import { resourceNamed } from '../../../resources/registry.js';
import { formatTql } from '../../../tql/format.js';
import type { TqlNode } from '../../../tql/ast.js';
import type { CairnServices } from '../../../services.js';
import { v2Failures, v2Response } from '../envelope.js';
import { V2ListQuery } from './owners.js';
import { ownerNamesOf, sendV2Item, sendV2List, v2Owners } from './catalogue-envelope.js';

const Success = Type.Literal('Success');
const FAILURES = v2Failures(400, 401, 404, 500);
const MAX_TAG_NAME = 128;

const TagJson = Type.Object({ name: Type.String(), webLink: Type.String() });
const LabelJson = Type.Object({ name: Type.String(), description: Type.Optional(Type.String()), dateAdded: Type.String() });
const DeletedJson = Type.Object({ ownerName: Type.String(), type: Type.String(), dateAdded: Type.String(), summary: Type.String() });
const list = (key: string, item: ReturnType<typeof Type.Object>) => Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Integer(), [key]: Type.Array(item) }) });
const one = (key: string, item: ReturnType<typeof Type.Object>) => Type.Object({ status: Success, data: Type.Object({ [key]: item }) });

const TagParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_TAG_NAME, description: 'The tag name (percent-encoded)' }) });
const LabelParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 50, description: 'The label name, e.g. TLP%3AAMBER' }) });
const DeletedQuery = Type.Intersect([V2ListQuery, Type.Object({
  deletedSince: Type.Optional(Type.String({ maxLength: 64, description: 'Only those deleted since this date (ISO 8601)' })),
  type: Type.Optional(Type.String({ maxLength: 64, description: 'Only this indicator type' })),
})]);

/** `keyword = "value"` as TQL (the value quoted by the printer, never spliced). */
const equals = (keyword: string, value: string): TqlNode => ({ kind: 'predicate', keyword, keywordPosition: 0, op: 'EQ', value: { kind: 'string', value, position: 0 } });

const page = (query: { resultStart?: number; resultLimit?: number }) => ({ resultStart: query.resultStart ?? 0, resultLimit: query.resultLimit ?? 100 });

export function registerV2CatalogueRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const engine = services.resources;
  const tags = resourceNamed('tags');
  const labels = resourceNamed('securityLabels');
  const webLink = (path: string) => `${services.config.publicUrl ?? ''}${path}`;
  const tagJson = (row: Row) => ({ name: String(row.name), webLink: webLink(`/auth/tags/tag.xhtml?tag=${encodeURIComponent(String(row.name))}&owner=${encodeURIComponent(String(row.owner))}`) });
  const labelJson = (row: Row) => ({ name: String(row.name), ...(row.description ? { description: String(row.description) } : {}), dateAdded: String(row.dateAdded) });

  /** The one tag `name` names among the request's owners (names are unique per owner, ignoring case). */
  async function findTag(request: FastifyRequest, name: string): Promise<Row> {
    const { data } = await engine.list(tags, request.principal, { tql: formatTql(equals('name', name)), fields: [], resultStart: 0, resultLimit: 1, count: false, owner: v2Owners(request) });
    if (data.length === 0) throw new CairnError('not-found', 'The requested resource was not found');
    return data[0]!;
  }

  routes.get('/tags', {
    schema: { summary: 'The tags of the owner', querystring: V2ListQuery, response: { 200: v2Response(list('tag', TagJson), 'A page of tags'), ...FAILURES } },
  }, async (request, reply) => {
    const result = await engine.list(tags, request.principal, { fields: [], ...page(request.query), count: true, owner: v2Owners(request) });
    return sendV2List(request, reply, 'tag', result.data.map(tagJson), result.count);
  });

  routes.get('/tags/:name', {
    schema: { summary: 'One tag of the owner', params: TagParams, querystring: V2ListQuery, response: { 200: v2Response(one('tag', TagJson), 'One tag'), ...FAILURES } },
  }, async (request, reply) => sendV2Item(request, reply, 200, 'tag', tagJson(await findTag(request, request.params.name))));

  routes.get('/securityLabels', {
    schema: { summary: 'The System labels and the owner\'s', querystring: V2ListQuery, response: { 200: v2Response(list('securityLabel', LabelJson), 'A page of security labels'), ...FAILURES } },
  }, async (request, reply) => {
    const result = await engine.list(labels, request.principal, { fields: ['dateAdded'], ...page(request.query), count: true, owner: v2Owners(request) });
    return sendV2List(request, reply, 'securityLabel', result.data.map(labelJson), result.count);
  });

  routes.get('/securityLabels/:name', {
    schema: { summary: 'One security label', params: LabelParams, querystring: V2ListQuery, response: { 200: v2Response(one('securityLabel', LabelJson), 'One security label'), ...FAILURES } },
  }, async (request, reply) => {
    const { data } = await engine.list(labels, request.principal, { tql: formatTql(equals('name', request.params.name)), fields: ['dateAdded'], resultStart: 0, resultLimit: 1, count: false, owner: v2Owners(request) });
    if (data.length === 0) throw new CairnError('not-found', 'The requested resource was not found');
    return sendV2Item(request, reply, 200, 'securityLabel', labelJson(data[0]!));
  });

  routes.get('/indicators/deleted', {
    schema: { summary: 'Indicators deleted from the owner lately, newest first', querystring: DeletedQuery, response: { 200: v2Response(list('indicator', DeletedJson), 'A page of deleted indicators'), ...FAILURES } },
  }, async (request, reply) => {
    const owners = ownerNamesOf(request);
    const { total, items } = await deletedIndicators(services.store.db, {
      ownerIds: owners.map((o) => o.id),
      ...(request.query.deletedSince === undefined ? {} : { deletedSince: parseDeletedSince(request.query.deletedSince) }),
      ...(request.query.type === undefined ? {} : { type: request.query.type }),
      start: request.query.resultStart ?? 0,
      limit: request.query.resultLimit ?? 100,
    });
    const names = new Map(owners.map((o) => [o.id, o.name]));
    return sendV2List(request, reply, 'indicator', items.map((d) => ({ ownerName: names.get(d.ownerId)!, type: d.type, dateAdded: d.dateAdded, summary: d.summary })), total);
  });
}
