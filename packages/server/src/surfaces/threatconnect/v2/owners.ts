/**
 * `GET /v2/owners`, `/v2/owners/mine`, `/v2/owners/{id}`, the owners' metrics
 * (`/v2/owners/metrics`, `/v2/owners/{id}/metrics`), `/v2/owners/mine/members` and `/v2/whoami`,
 * JSON or XML (registered under the `/v2` prefix).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../../core/principal.js';
import { CairnError } from '../../../core/errors.js';
import { ownerMetrics, utcDay, type OwnerMetric } from '../../../core/intel/metrics.js';
import { organizationMembers } from '../../../core/tenancy/members.js';
import type { Owner } from '../../../core/tenancy/tenancy-service.js';
import type { CairnServices } from '../../../services.js';
import { V2ListQuery } from './v2-params.js';
import { sendSerializedJson, sendV2, sendXml, v2Failures, v2Response, wantsXml, xmlData } from '../envelope.js';
import { sendV2List } from './intel-render.js';
import { v2OwnersOf } from './v2-params.js';

/** The v2 query (paging, owner, filters, includes): one schema every v2 route takes (v2-params.ts). */
export { V2ListQuery };

const OwnerJson = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.Union([Type.Literal('Organization'), Type.Literal('Community')]),
}, { additionalProperties: false });
const Success = Type.Literal('Success');
const OwnerList = Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Integer({ description: 'All owners visible, whatever the page' }), owner: Type.Array(OwnerJson) }) });
const OneOwner = Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Literal(1), owner: OwnerJson }) });
const WhoAmI = Type.Object({
  status: Success,
  data: Type.Object({ user: Type.Object({ userName: Type.String(), firstName: Type.String(), lastName: Type.String(), pseudonym: Type.String(), role: Type.String() }) }),
});
const OwnerIdParams = Type.Object({ id: Type.String({ description: 'Owner id (digits)' }) });
const MetricParams = Type.Object({ id: Type.String({ maxLength: 16, description: 'Owner id (digits), or `mine`' }) });
const MetricJson = Type.Object({ metricDate: Type.String({ description: 'YYYY-MM-DD (UTC)' }) }, { additionalProperties: Type.Number() });
const MetricList = Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Integer(), ownerMetric: Type.Array(MetricJson) }) });
const METRIC_FAILURES = v2Failures(400, 401, 403, 404, 500);
const MemberJson = Type.Object({ userName: Type.String(), firstName: Type.String(), lastName: Type.String() }, { additionalProperties: false });
const Members = Type.Object({ status: Success, data: Type.Object({ user: Type.Array(MemberJson) }) });
const FAILURES = v2Failures(400, 401, 404, 500);

const ownerJson = (o: Owner) => ({ id: o.id, name: o.name, type: o.type });
const ownerXml = (o: Owner) => ({ '@_xsi:type': o.type.toLowerCase(), Id: o.id, Name: o.name, Type: o.type });

/**
 * The owners list as JSON text, kept per principal and page. A principal is one immutable object
 * per credential (a rename, a membership change or a rotation makes a new one), so the text can
 * never outlive what it shows; clients poll this route, and it costs no serialization after the first.
 * Per principal, the least recently asked page goes first when the bound is reached.
 */
const ownersJsonByPrincipal = new WeakMap<Principal, LRUCache<string, string>>();
const MAX_PAGES_PER_PRINCIPAL = 16;

function ownersJson(principal: Principal, start: number, limit: number): string {
  let pages = ownersJsonByPrincipal.get(principal);
  if (!pages) ownersJsonByPrincipal.set(principal, (pages = new LRUCache({ max: MAX_PAGES_PER_PRINCIPAL })));
  const key = `${start}:${limit}`;
  let text = pages.get(key);
  if (text === undefined) {
    const owners = principal.visibleOwners;
    text = JSON.stringify({ status: 'Success', data: { resultCount: owners.length, owner: owners.slice(start, start + limit).map(ownerJson) } });
    pages.set(key, text);
  }
  return text;
}

export function registerV2OwnerRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/owners', {
    schema: { summary: 'The owners the caller can see', querystring: V2ListQuery, response: { 200: v2Response(OwnerList, 'A page of owners'), ...FAILURES } },
  }, async (request, reply) => {
    const owners = request.principal.visibleOwners;
    const start = request.query.resultStart ?? 0;
    const limit = request.query.resultLimit ?? 100;
    if (wantsXml(request)) {
      const page = owners.slice(start, start + limit);
      return sendXml(reply, 200, { ownersResponse: { Status: 'Success', Data: xmlData('ownerListResponseData', { Owner: page.map(ownerXml) }) } });
    }
    return sendSerializedJson(reply, 200, ownersJson(request.principal, start, limit));
  });

  const sendOwner = (owner: Owner) => ({
    json: { status: 'Success', data: { resultCount: 1, owner: ownerJson(owner) } },
    xml: () => ({ ownerResponse: { Status: 'Success', Data: xmlData('ownerResponseData', { Owner: ownerXml(owner) }) } }),
  });

  routes.get('/owners/mine', {
    schema: { summary: 'The caller\'s organization', querystring: V2ListQuery, response: { 200: v2Response(OneOwner, 'One owner'), ...FAILURES } },
  }, async (request, reply) => {
    const owner = request.principal.visibleOwners.find((o) => o.id === request.principal.organizationId)!;
    const { json, xml } = sendOwner(owner);
    return sendV2(request, reply, 200, json, xml);
  });

  /** The last 30 days of an owner's metrics, oldest first. */
  const sendMetrics = async (request: FastifyRequest, reply: FastifyReply, owner: { id: number }) => {
    const metrics: OwnerMetric[] = await ownerMetrics(services.store.db, owner.id, utcDay(services.now()));
    return sendV2List(request, reply, 'ownerMetric', metrics);
  };

  routes.get('/owners/metrics', {
    schema: { summary: 'The last 30 days of metrics of the owner `owner` names (default the caller\'s organization)', querystring: V2ListQuery, response: { 200: v2Response(MetricList, 'One metric per day'), ...METRIC_FAILURES } },
  }, async (request, reply) => {
    const owners = v2OwnersOf(request);
    if (owners.length !== 1) throw new CairnError('bad-request', 'Metrics are per owner; name one with ?owner=.');
    return sendMetrics(request, reply, request.principal.visibleOwners.find((o) => o.name === owners[0])!);
  });

  routes.get('/owners/:id/metrics', {
    schema: { summary: 'The last 30 days of one owner\'s metrics', params: MetricParams, querystring: V2ListQuery, response: { 200: v2Response(MetricList, 'One metric per day'), ...METRIC_FAILURES } },
  }, async (request, reply) => {
    const raw = request.params.id;
    const id = raw === 'mine' ? request.principal.organizationId : /^\d{1,10}$/.test(raw) ? Number(raw) : undefined;
    if (id === undefined) throw new CairnError('bad-request', `Owner id must be a number or "mine"; got "${raw.slice(0, 64)}".`);
    const owner = request.principal.visibleOwners.find((o) => o.id === id);
    if (!owner) throw new CairnError('not-found', 'The requested owner was not found');
    return sendMetrics(request, reply, owner);
  });

  routes.get('/owners/mine/members', {
    schema: { summary: 'The users of the caller\'s organization (names only)', querystring: V2ListQuery, response: { 200: v2Response(Members, 'The members'), ...FAILURES } },
  }, async (request, reply) => {
    const start = request.query.resultStart ?? 0;
    const limit = request.query.resultLimit ?? 100;
    const users = await organizationMembers(services.store.db, request.principal.organizationId, start, limit);
    return sendV2(request, reply, 200, { status: 'Success', data: { user: users } },
      () => ({ usersResponse: { Status: 'Success', Data: xmlData('userListResponseData', { User: users.map((u) => ({ UserName: u.userName, FirstName: u.firstName, LastName: u.lastName })) }) } }));
  });

  routes.get('/owners/:id', {
    schema: { summary: 'One owner the caller can see', params: OwnerIdParams, querystring: V2ListQuery, response: { 200: v2Response(OneOwner, 'One owner'), ...FAILURES } },
  }, async (request, reply) => {
    const raw = request.params.id;
    if (!/^\d{1,10}$/.test(raw)) throw new CairnError('bad-request', `Owner id must be a number; got "${raw.slice(0, 64)}".`);
    const id = Number(raw);
    const owner = request.principal.visibleOwners.find((o) => o.id === id);
    if (!owner) throw new CairnError('not-found', 'The requested owner was not found');
    const { json, xml } = sendOwner(owner);
    return sendV2(request, reply, 200, json, xml);
  });

  routes.get('/whoami', {
    schema: { summary: 'The caller', querystring: V2ListQuery, response: { 200: v2Response(WhoAmI, 'The calling user'), ...FAILURES } },
  }, async (request, reply) => {
    const p = request.principal;
    const user = { userName: p.userName, firstName: p.firstName, lastName: p.lastName, pseudonym: p.pseudonym, role: p.role };
    return sendV2(request, reply, 200, { status: 'Success', data: { user } },
      () => ({ userResponse: { Status: 'Success', Data: xmlData('userResponseData', { User: { UserName: user.userName, FirstName: user.firstName, LastName: user.lastName, Pseudonym: user.pseudonym, Role: user.role } }) } }));
  });
}
