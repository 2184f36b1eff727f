/**
 * Builds the Fastify instance: CORS preflight, authentication, body parsers, health routes, then
 * the surfaces, each a plugin answering its own failures in its own envelope. What fails outside
 * every surface (an unknown root, a head Node refuses) finds its surface by the path's prefix.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Principal } from '../core/principal.js';
import type { CairnError } from '../core/errors.js';
import { collectOpenApi } from '../docs/openapi.js';
import type { CairnServices } from '../services.js';
import { failureHandler, notFoundHandler } from '../surfaces/failure-handlers.js';
import { SURFACES, surfaceForPath } from '../surfaces/registry.js';
import { requestTarget } from '../surfaces/request-target.js';
import type { ErrorClassifier } from '../surfaces/surface.js';
import { registerBodyParsers } from './body-parsers.js';
import { classifyError } from './classify-error.js';
import { answerClientError, MAX_HEADER_BYTES } from './client-error.js';
import { answerPreflight, echoOrigin } from './cors.js';
import { registerHealthRoutes } from './health.js';
import { recordRouteTable } from './route-table.js';
import { SIGN_WHOLE_TARGET_POLICY, TAXII_SURFACE_POLICY, WEBSUPPORT_SURFACE_POLICY, type AuthPolicy } from '../auth/scheme.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every route that is not `config.public`. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** No authentication (health checks, documentation). */
    public?: boolean;
    /** How requests to this route may be signed: the rule of the route's surface (set when the route is added). */
    authPolicy?: AuthPolicy;
  }
}

/**
 * Response schemas document what a route sends; they never reshape it (fast-json-stringify would
 * drop every property a schema does not list). Routes send JSON they serialized themselves.
 */
const serializeAsBuilt = () => (data: unknown) => JSON.stringify(data);

/** The path a target is routed as: a surface's alias rewritten (the first surface that claims it), else itself. */
function servedPath(url: string): string {
  for (const surface of SURFACES) {
    const served = surface.alias?.(url);
    if (served !== undefined) return served;
  }
  return url;
}

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
const buildAjvValidator = AjvCompiler();

/**
 * Fastify's own validator (the same Ajv, options and errors), compiled when a route first
 * validates instead of at start-up: a few hundred routes' schemas cost most of a start, and a
 * deployment uses a few of them. Fastify reads `errors` off the function it is given, so the
 * wrapper hands the compiled function's errors on.
 */
function compileOnFirstUse(...args: Parameters<typeof buildAjvValidator>) {
  const compilerFor = buildAjvValidator(...args);
  return (routeSchema: Parameters<typeof compilerFor>[0]): Validate => {
    let compiled: Validate | undefined;
    const validate: Validate = (data) => {
      compiled ??= compilerFor(routeSchema) as Validate;
      const valid = compiled(data);
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = null;
    return validate;
  };
}

export async function buildApp(services: CairnServices): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers["api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
      // Fastify's request line, with the target as the client sent it (not an alias's routed path).
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method, url: requestTarget(request), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort,
        }),
      },
    },
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    // validateSchema: false spares every start compiling JSON Schema's meta-schema to check our own
    // fixed route schemas (~40 ms); test/docs/openapi.test.ts validates them all, in every OpenAPI document.
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, validateSchema: false } },
    schemaController: { compilersFactory: { buildValidator: compileOnFirstUse as unknown as typeof buildAjvValidator } },
    // A surface's aliases (`/api/v3/…` is `/v3/…`) are routed as the path they stand for; the
    // target as sent stays in originalUrl for the signature (requestTarget).
    rewriteUrl: (req) => servedPath(req.url ?? '/'),
  });

  recordRouteTable(app);
  app.decorateRequest('principal', null as unknown as Principal);
  app.setSerializerCompiler(serializeAsBuilt);
  await collectOpenApi(app);

  // Each route carries its surface's signing rule, worked out once here rather than per request.
  app.addHook('onRoute', (route) => {
    const surface = surfaceForPath(route.url).name;
    const authPolicy = surface === 'websupport' ? WEBSUPPORT_SURFACE_POLICY : surface === 'taxii' ? TAXII_SURFACE_POLICY : SIGN_WHOLE_TARGET_POLICY;
    route.config = { ...route.config, authPolicy };
  });

  // CORS: the Origin is echoed on every answer, and a preflight is answered before authentication
  // and before any route (v3 has OPTIONS routes). Callback-style hooks: authentication of a cached credential completes without a
  // single promise on this hot path.
  app.addHook('onRequest', (request, reply, done) => {
    echoOrigin(request, reply);
    if (answerPreflight(request, reply)) return;
    const routeConfig = request.routeOptions.config;
    if (request.is404 || routeConfig?.public) return done();
    let outcome: Principal | Promise<Principal>;
    try {
      outcome = services.authenticator.authenticate({ method: request.method, rawUrl: requestTarget(request), headers: request.headers }, routeConfig?.authPolicy ?? SIGN_WHOLE_TARGET_POLICY);
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
