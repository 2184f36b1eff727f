/** `GET /Contrast/s/api/version` (v1 "User APIs", registered under `/Contrast/s/api`): the server version as text. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { CAIRN_VERSION } from '../../../version.js';
import { contrastFailures } from '../envelope.js';

export function registerV1VersionRoutes(app: FastifyInstance): void {
  app.get('/version', {
    schema: {
      summary: 'The server version',
      querystring: Type.Object({}, { additionalProperties: true }),
      response: { 200: { description: 'The version', content: { 'text/plain': { schema: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+' }) } } }, ...contrastFailures(401, 500) },
    },
  }, async (_request, reply) => reply.code(200).header('Content-Type', 'text/plain').send(CAIRN_VERSION));
}
