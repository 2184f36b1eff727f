/**
 * `GET /Contrast/api/ng/profile/organizations[/default]`, `GET|PUT …/profile/servicekey[/rotate]`
 * and `GET /Contrast/s/api/version`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatContrastAuthorization } from '@cairn/client/signing';
import type { Principal } from '../../auth/principal.js';
import { CairnError } from '../../core/errors.js';
import type { CairnServices } from '../../services.js';
import { sendJson } from '../send-json.js';

export const CAIRN_VERSION = '0.1.0';


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

export function registerProfileRoutes(app: FastifyInstance, services: CairnServices): void {
  app.get('/Contrast/api/ng/profile/organizations', async (request, reply) =>
    sendJson(reply, 200, { success: true, messages: [], organizations: [organization(request.principal)] }));

  app.get('/Contrast/api/ng/profile/organizations/default', async (request, reply) =>
    sendJson(reply, 200, { success: true, messages: [], organization: organization(request.principal) }));

  app.get('/Contrast/s/api/version', async (_request, reply) =>
    reply.code(200).header('Content-Type', 'text/plain').send(CAIRN_VERSION));

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

  app.get('/Contrast/api/ng/profile/servicekey', async (request, reply) => {
    refuseTokens(request.principal);
    const credential = await services.credentials.byUserId(request.principal.userId);
    if (!credential) throw new CairnError('unauthorized', 'Unknown user.');
    return sendJson(reply, 200, await keyResponse(request.principal, credential.secret));
  });

  app.put('/Contrast/api/ng/profile/servicekey/rotate', async (request, reply) => {
    refuseTokens(request.principal);
    const { secret } = await services.tenancy.rotateSecret(request.principal.userId);
    services.credentials.invalidate();
    return sendJson(reply, 200, await keyResponse(request.principal, secret, 'Service key rotated; the previous key no longer works.'));
  });
}
