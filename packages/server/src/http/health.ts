/** `GET /healthz` (liveness, with the version and the surfaces served) and `GET /readyz` (database reachable); no authentication. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CairnServices } from '../services.js';
import { SURFACES } from '../surfaces/registry.js';
import { CAIRN_VERSION } from '../version.js';

const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String({ description: 'The server version' }),
  surfaces: Type.Array(Type.String(), { description: 'The API surfaces this server speaks' }),
});
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
});
const NoQuery = Type.Object({}, { additionalProperties: true });

export function registerHealthRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const health = { status: 'ok' as const, version: CAIRN_VERSION, surfaces: SURFACES.map((s) => s.name) };
  routes.get('/healthz', {
    config: { public: true },
    schema: { summary: 'Liveness', querystring: NoQuery, response: { 200: Health } },
  }, async () => health);
  routes.get('/readyz', {
    config: { public: true },
    schema: { summary: 'Readiness: the database answers', querystring: NoQuery, response: { 200: Readiness, 503: Readiness } },
  }, async (_request, reply) => {
    try {
      await services.store.db.selectFrom('system_settings').select('key').limit(1).execute();
      return { status: 'ok' as const, database: services.store.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: services.store.dialect });
    }
  });
}
