/**
 * The error and not-found handlers every surface scope installs with its own renderer, and the
 * 404-or-405 decision for a request no route took.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError } from '../core/errors.js';
import type { ErrorClassifier, FailureRenderer, SurfaceName } from './surface.js';
import { requestTarget } from './request-target.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

function send(render: FailureRenderer, request: FastifyRequest, reply: FastifyReply, error: CairnError): FastifyReply {
  if (error.code === 'method-not-allowed' && typeof error.details.allow === 'string') reply.header('Allow', error.details.allow);
  return render(request, reply, error);
}

export function failureHandler(render: FailureRenderer, classify: ErrorClassifier) {
  return (thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { error, unexpected } = classify(thrown);
    if (unexpected) request.log.error({ err: thrown }, 'unexpected error');
    else if (error.code === 'unauthorized') request.log.info({ reason: (error as { reason?: string }).reason }, 'authentication failed');
    return send(render, request, reply, error);
  };
}

export function notFoundHandler(render: FailureRenderer) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => send(render, request, reply, routeMissing(request));
}

/**
 * No route took the request: 405 with the methods the path offers when another method has a
 * route there (HEAD comes with GET), 404 otherwise.
 */
export function routeMissing(request: FastifyRequest): CairnError {
  // Routes are found by the path served (an alias rewritten); the message names the path as sent.
  const url = request.raw.url ?? request.url;
  const path = requestTarget(request).split('?', 1)[0] ?? '';
  const offered = METHODS.filter((method) => method !== request.method && request.server.findRoute({ method, url }) !== null);
  if (offered.length === 0) return new CairnError('route-not-found', `No route ${request.method} ${path}.`, { method: request.method, path });
  const allow = offered.join(', ');
  return new CairnError('method-not-allowed', `The method ${request.method} is not allowed for ${path}; it offers ${allow}.`, { method: request.method, path, allow });
}

/** Marks every route registered in `scope` (and below) as the surface's; the OpenAPI documents group by it. */
export function tagRoutes(scope: FastifyInstance, surface: SurfaceName): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, surface };
  });
}
