/**
 * `GET /Contrast/api/ng/profile/organizations[/default]` and `GET|PUT …/profile/servicekey[/rotate]`
 * (registered under `/Contrast/api/ng`).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { formatContrastAuthorization } from '@cairn/client/signing';
import type { Principal } from '../../../core/principal.js';
import { CairnError } from '../../../core/errors.js';
import type { CairnServices } from '../../../services.js';
import { sendJson } from '../../send-json.js';
import { contrastFailures, contrastSuccess } from '../envelope.js';

const Organization = Type.Object({
  organization_uuid: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  date_format: Type.String(),
  time_format: Type.String(),
  is_superadmin: Type.Boolean(),
  protect: Type.Boolean(),
  freemium: Type.Boolean(),
});
const ServiceKey = contrastSuccess({
  api_key: Type.String({ description: 'The organization API-Key' }),
  service_key: Type.String(),
  token: Type.String({ description: 'The Authorization header value: base64(user name:service key)' }),
  user_uid: Type.String(),
});
const AnyQuery = Type.Object({}, { additionalProperties: true });

function organization(p: Principal) {
  return {
    organization_uuid: p.organizationUuid,
    name: p.organizationName,
    timezone: 'UTC',
    date_format: 'MM/dd/yyyy',
    time_format: 'hh:mm a',
    is_superadmin: false,
    protect: true,
    freemium: false,
  };
}

export function registerNgProfileRoutes(app: FastifyInstance, services: CairnServices): void {
  app.get('/profile/organizations', {
    schema: { summary: 'The caller\'s organizations', querystring: AnyQuery, response: { 200: contrastSuccess({ organizations: Type.Array(Organization) }), ...contrastFailures(401, 500) } },
  }, async (request, reply) =>
    sendJson(reply, 200, { success: true, messages: [], organizations: [organization(request.principal)] }));

  app.get('/profile/organizations/default', {
    schema: { summary: 'The caller\'s default organization', querystring: AnyQuery, response: { 200: contrastSuccess({ organization: Organization }), ...contrastFailures(401, 500) } },
  }, async (request, reply) =>
    sendJson(reply, 200, { success: true, messages: [], organization: organization(request.principal) }));

  const keyResponse = async (p: Principal, serviceKey: string, message?: string) => ({
    api_key: await services.tenancy.organizationApiKey(p.organizationId),
    messages: message ? [message] : [],
    service_key: serviceKey,
    success: true,
    token: formatContrastAuthorization(p.userName, serviceKey),
    user_uid: p.userName,
  });

  const refuseTokens = (p: Principal) => {
    if (p.scheme === 'threatconnect-token') throw new CairnError('forbidden', 'A TC-Token cannot read or rotate the service key; authenticate with the key itself.');
  };

  app.get('/profile/servicekey', {
    schema: { summary: 'The caller\'s service key', querystring: AnyQuery, response: { 200: ServiceKey, ...contrastFailures(401, 403, 500) } },
  }, async (request, reply) => {
    refuseTokens(request.principal);
    const credential = await services.credentials.byUserId(request.principal.userId);
    if (!credential) throw new CairnError('unauthorized', 'Unknown user.');
    return sendJson(reply, 200, await keyResponse(request.principal, credential.secret));
  });

  app.put('/profile/servicekey/rotate', {
    schema: {
      summary: 'Rotate the caller\'s service key; the previous key stops working in every scheme',
      querystring: AnyQuery,
      body: Type.Unknown({ description: 'Ignored' }),
      response: { 200: ServiceKey, ...contrastFailures(400, 401, 403, 413, 500) },
    },
  }, async (request, reply) => {
    refuseTokens(request.principal);
    const { secret } = await services.tenancy.rotateSecret(request.principal.userId);
    services.credentials.invalidate();
    return sendJson(reply, 200, await keyResponse(request.principal, secret, 'Service key rotated; the previous key no longer works.'));
  });
}
