/**
 * Contrast-style surface: v1 "User APIs" at `/Contrast/s/api`, v2 and ng (v3) at `/Contrast/api`.
 * ng answers in `{"success":…,"messages":[…],…}`; failures add `errors`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { failureHandler, notFoundHandler, tagRoutes } from '../failure-handlers.js';
import type { Surface, SurfaceOptions } from '../surface.js';
import { contrastFailureBody, renderContrastFailure } from './failure.js';
import { registerNgProfileRoutes } from './ng/profile.js';
import { registerV1VersionRoutes } from './v1/version.js';

const contrast: FastifyPluginAsync<SurfaceOptions> = async (surface, { services, classifyError }) => {
  tagRoutes(surface, 'contrast');
  surface.setErrorHandler(failureHandler(renderContrastFailure, classifyError));
  surface.register(async (root) => {
    root.setNotFoundHandler(notFoundHandler(renderContrastFailure));
    root.register(async (ng) => registerNgProfileRoutes(ng, services), { prefix: '/api/ng' });
    root.register(async (v1) => registerV1VersionRoutes(v1), { prefix: '/s/api' });
  }, { prefix: '/Contrast' });
};

export const contrastSurface: Surface = {
  name: 'contrast',
  prefixes: ['/Contrast'],
  plugin: contrast,
  renderFailure: renderContrastFailure,
  earlyFailureBody: contrastFailureBody,
};
