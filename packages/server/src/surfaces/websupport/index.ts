/**
 * Websupport-style surface, v1 at `/v1`: bare JSON objects, `{items, pager}` lists and
 * `{"code":…,"message":…}` errors in the language `Accept-Language` picks.
 */
import type { FastifyPluginAsync } from 'fastify';
import { failureHandler, notFoundHandler, tagRoutes } from '../failure-handlers.js';
import type { Surface, SurfaceOptions } from '../surface.js';
import { renderWebsupportFailure, websupportFailureBody } from './failure.js';
import { registerV1UserRoutes } from './v1/user.js';

const websupport: FastifyPluginAsync<SurfaceOptions> = async (surface, { services, classifyError }) => {
  tagRoutes(surface, 'websupport');
  surface.setErrorHandler(failureHandler(renderWebsupportFailure, classifyError));
  surface.register(async (v1) => {
    v1.setNotFoundHandler(notFoundHandler(renderWebsupportFailure));
    registerV1UserRoutes(v1, services);
  }, { prefix: '/v1' });
};

export const websupportSurface: Surface = {
  name: 'websupport',
  prefixes: ['/v1'],
  plugin: websupport,
  renderFailure: renderWebsupportFailure,
  earlyFailureBody: websupportFailureBody,
};
