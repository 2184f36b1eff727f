/**
 * ThreatConnect-style surface: v2 and v3 at `/api/v2`, `/api/v3` and the same without `/api`
 * (the old public host and the official clients' defaults use no `/api`). `/api/v1` is gone.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { CairnServices } from '../../services.js';
import { failureHandler, notFoundHandler, tagRoutes } from '../failure-handlers.js';
import type { Surface, SurfaceOptions } from '../surface.js';
import { renderThreatConnectFailure, threatConnectFailureBody } from './failure.js';
import { registerV2BatchRoutes } from './v2/batch.js';
import { registerV2BulkRoutes } from './v2/bulk.js';
import { registerV2DocumentRoutes } from './v2/documents.js';
import { registerV2GroupReadRoutes } from './v2/groups.js';
import { registerV2IndicatorReadRoutes } from './v2/indicators.js';
import { registerV2CatalogueRoutes } from './v2/intel-catalogues.js';
import { registerV2IntelSubpathRoutes } from './v2/intel-subpaths.js';
import { registerV2IntelWriteRoutes } from './v2/intel-writes.js';
import { registerV2OwnerRoutes } from './v2/owners.js';
import { registerV3DeletedIndicatorRoutes } from './v3/deleted-indicators.js';
import { registerV3DocumentRoutes } from './v3/documents.js';
import { registerV3ResourceRoutes } from './v3/resources.js';
import { registerV3TokenRoutes } from './v3/tokens.js';

/**
 * `/api/v2/…` and `/api/v3/…` are the same routes as `/v2/…` and `/v3/…` (the official clients
 * default to no `/api`; the documentation and the old public host use it): an alias rewritten
 * before routing, not a second copy of every route (which doubled start-up work and memory).
 */
const API_ALIAS = /^\/api(?=\/v[23](?:[/?]|$))/;
const apiAlias = (url: string) => (API_ALIAS.test(url) ? url.slice(4) : undefined);

type RouteGroup = (scope: FastifyInstance, services: CairnServices) => void;

const VERSIONS: Record<'v2' | 'v3', RouteGroup[]> = {
  v2: [registerV2OwnerRoutes, registerV2IndicatorReadRoutes, registerV2GroupReadRoutes, registerV2DocumentRoutes, registerV2CatalogueRoutes, registerV2BulkRoutes, registerV2IntelWriteRoutes, registerV2IntelSubpathRoutes, registerV2BatchRoutes],
  v3: [registerV3TokenRoutes, registerV3ResourceRoutes, registerV3DocumentRoutes, registerV3DeletedIndicatorRoutes],
};

const threatConnect: FastifyPluginAsync<SurfaceOptions> = async (tc, { services, classifyError }) => {
  tagRoutes(tc, 'threatconnect');
  tc.setErrorHandler(failureHandler(renderThreatConnectFailure, classifyError));
  for (const [version, groups] of Object.entries(VERSIONS)) {
    tc.register(async (scope) => {
      scope.setNotFoundHandler(notFoundHandler(renderThreatConnectFailure));
      for (const group of groups) group(scope, services);
    }, { prefix: `/${version}` });
  }
  // `/api/…` outside v2 and v3 (v1 is retired) is still this surface's; the bare root is everyone's.
  tc.register(async (api) => {
    api.setNotFoundHandler(notFoundHandler(renderThreatConnectFailure));
  }, { prefix: '/api' });
};

export const threatConnectSurface: Surface = {
  name: 'threatconnect',
  prefixes: ['/api', '/v2', '/v3'],
  alias: apiAlias,
  plugin: threatConnect,
  renderFailure: renderThreatConnectFailure,
  earlyFailureBody: threatConnectFailureBody,
};
