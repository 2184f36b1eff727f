/** `GET /v1/user/self` (and `/v1/user/{id}` for the caller's own id) and `GET /v1/user` (registered under `/v1`). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../../../core/principal.js';
import { CairnError } from '../../../core/errors.js';
import type { CairnServices } from '../../../services.js';
import { sendJson } from '../../send-json.js';
import { websupportFailures, websupportList } from '../envelope.js';
import { websupportLanguage } from '../language.js';
import { translate } from '../messages.js';

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const UserSummary = Type.Object({
  id: Type.Integer(), login: Type.String(), parentId: Type.Null(), active: Type.Boolean(), createTime: Type.Integer({ description: 'Unix seconds' }), group: Type.String(),
});
const UserDetail = Type.Object({
  ...UserSummary.properties,
  email: Type.String(), phone: Type.String(), sknicHandle: Type.String(), contactPerson: Type.String(), resellerToken: Type.String(),
  credit: Type.Number(), verifyUrl: Type.String(),
  billing: Type.Array(Type.Object({
    id: Type.Integer(), profile: Type.String(), isDefault: Type.Boolean(), name: Type.String(), city: Type.String(), street: Type.String(),
    companyRegId: Type.String(), taxId: Type.String(), vatId: Type.String(), zip: Type.String(), country: Type.String(), isic: Type.String(),
  })),
  market: Type.Object({ name: Type.String(), identifier: Type.String(), currency: Type.String() }),
});
const AnyQuery = Type.Object({}, { additionalProperties: true });

function userDetail(p: Principal) {
  return {
    id: p.userId,
    login: p.userName,
    parentId: null,
    active: true,
    createTime: unixSeconds(p.createdAt),
    group: 'users',
    email: '',
    phone: '',
    sknicHandle: '',
    contactPerson: p.displayName,
    resellerToken: '',
    credit: 0,
    verifyUrl: '',
    billing: [{
      id: p.organizationId, profile: 'default', isDefault: true, name: p.organizationName, city: '', street: '',
      companyRegId: '', taxId: '', vatId: '', zip: '', country: '', isic: '',
    }],
    market: { name: 'Slovensko', identifier: 'sk', currency: 'EUR' },
  };
}


export function registerV1UserRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/user/:id', {
    schema: {
      summary: 'The caller (`self` or the caller\'s own id)',
      params: Type.Object({ id: Type.String({ description: '`self` or the caller\'s user id' }) }),
      querystring: AnyQuery,
      response: { 200: UserDetail, ...websupportFailures(400, 401, 404, 500) },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    if (id !== 'self' && id !== String(request.principal.userId)) {
      throw new CairnError('not-found', translate(websupportLanguage(request), 'userNotFound'));
    }
    return sendJson(reply, 200, userDetail(request.principal));
  });

  routes.get('/user', {
    schema: {
      summary: 'The users of the caller\'s organization',
      response: { 200: websupportList(UserSummary), ...websupportFailures(400, 401, 500) },
      querystring: Type.Object({
        page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        pagesize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      }, { additionalProperties: true }),
    },
  }, async (request, reply) => {
    const users = await services.tenancy.listUsers({ organization: String(request.principal.organizationId) });
    const { page, pagesize } = request.query;
    const start = page !== undefined && pagesize !== undefined ? (page - 1) * pagesize : 0;
    const items = users.slice(start, pagesize === undefined ? undefined : start + pagesize).map((u) => ({
      id: u.id, login: u.userName, parentId: null, active: !u.disabled, createTime: unixSeconds(u.createdAt), group: 'users',
    }));
    return sendJson(reply, 200, { items, pager: { page: page ?? 0, pagesize: pagesize ?? null, items: users.length } });
  });
}
