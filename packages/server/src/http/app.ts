/**
 * Builds the Fastify instance: CORS preflight, authentication, body parsers, health routes, then
 * the surfaces, each a plugin answering its own failures in its own envelope. What fails outside
 * every surface (an unknown root, a head Node refuses) finds its surface by the path's prefix.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type onRouteHookHandler } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { CairnError } from '../core/errors.js';
import { collectOpenApi } from '../docs/openapi.js';
import type { CairnServices } from '../services.js';
import { failureHandler, notFoundHandler } from '../surfaces/failure-handlers.js';
import { SURFACES, surfaceForPath } from '../surfaces/registry.js';
import type { ErrorClassifier } from '../surfaces/surface.js';
import { registerBodyParsers } from './body-parsers.js';
import { classifyError } from './classify-error.js';
import { answerClientError, MAX_HEADER_BYTES } from './client-error.js';
import { answerPreflight, echoOrigin } from './cors.js';
import { registerHealthRoutes } from './health.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every route that is not `config.public`. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** No authentication (health checks, documentation). */
    public?: boolean;
  }
}

/**
 * Response schemas document what a route sends; they never reshape it (fast-json-stringify would
 * drop every property a schema does not list). Routes send JSON they serialized themselves.
 */
const serializeAsBuilt = () => (data: unknown) => JSON.stringify(data);

export interface AppOptions {
  /** Called with every route as it is registered (tests enumerate the route table with it). */
  onRoute?: onRouteHookHandler;
}

export async function buildApp(services: CairnServices, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers["api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
    },
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });

  app.decorateRequest('principal', null as unknown as Principal);
  app.setSerializerCompiler(serializeAsBuilt);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  await collectOpenApi(app);

  // CORS: a preflight is answered before authentication and before any route (v3 has OPTIONS
  // routes). Callback-style hooks: authentication of a cached credential completes without a
  // single promise on this hot path.
  app.addHook('onRequest', (request, reply, done) => {
    if (answerPreflight(request, reply)) return;
    if (request.is404 || request.routeOptions.config?.public) return done();
    let outcome: Principal | Promise<Principal>;
    try {
      outcome = services.authenticator.authenticate({ method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers });
    } catch (error) {
      return done(error as Error);
    }
    if (!(outcome instanceof Promise)) {
      request.principal = outcome;
      return done();
    }
    outcome.then((principal) => {
      request.principal = principal;
      done();
    }, (error: Error) => done(error));
  });

  app.addHook('onSend', echoOrigin);

  services.credentials.startWatching();

  registerBodyParsers(app);

  // Each surface answers its own failures; these two serve what lies under no surface.
  const classify: ErrorClassifier = (thrown) => classifyError(thrown, config.bodyLimitBytes);
  const renderByPath = (request: FastifyRequest, reply: FastifyReply, error: CairnError) => surfaceForPath(request.url).renderFailure(request, reply, error);
  app.setErrorHandler(failureHandler(renderByPath, classify));
  app.setNotFoundHandler(notFoundHandler(renderByPath));

  registerHealthRoutes(app, services);

  for (const surface of SURFACES) app.register(surface.plugin, { services, classifyError: classify });
  return app;
}

export type { FastifyReply, FastifyRequest };
