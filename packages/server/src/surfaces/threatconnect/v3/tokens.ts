/**
 * `POST /v3/security/tokens`: exchanges a signed request for a short-lived `TC-Token`
 * (default 15 minutes, CAIRN_TOKEN_TTL_SECONDS). A token cannot mint another token, so a leaked
 * token dies with its expiry; rotating the secret or disabling the user revokes it at once.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import type { CairnServices } from '../../../services.js';
import { sendJson, v3Failures } from '../envelope.js';

const Issued = Type.Object({
  data: Type.Object({
    token: Type.String(),
    type: Type.Literal('TC-Token'),
    expires: Type.String({ format: 'date-time' }),
    expiresIn: Type.Integer({ description: 'Seconds' }),
  }),
  message: Type.Literal('Created'),
  status: Type.Literal('Success'),
});

export function registerV3TokenRoutes(app: FastifyInstance, services: CairnServices): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/security/tokens', {
    schema: {
      summary: 'Exchange a signed request for a TC-Token',
      querystring: Type.Object({}, { additionalProperties: true }),
      body: Type.Unknown({ description: 'Ignored' }),
      response: { 201: Issued, ...v3Failures(400, 401, 403, 413, 415, 500) },
    },
  }, async (request, reply) => {
    if (request.principal.scheme === 'threatconnect-token') {
      throw new CairnError('forbidden', 'A token cannot be exchanged for another token; sign this request with the API user\'s secret.');
    }
    const credential = await services.credentials.byUserId(request.principal.userId);
    if (!credential) throw new CairnError('unauthorized', 'Unknown user.');
    const expiresAt = services.now() + services.config.tokenTtlSeconds;
    const token = services.tokens.issue(request.principal.userId, credential.secret, expiresAt);
    return sendJson(reply, 201, {
      data: { token, type: 'TC-Token', expires: new Date(expiresAt * 1000).toISOString(), expiresIn: services.config.tokenTtlSeconds },
      message: 'Created',
      status: 'Success',
    });
  });
}
