/**
 * ThreatConnect-style surface: v2 and v3 at `/api/v2`, `/api/v3` and the same without `/api`
 * (the old public host and the official clients' defaults use no `/api`). `/api/v1` is gone.
 */
import type { Surface } from '../surface.js';
import { renderThreatConnectFailure } from './failure.js';
import { registerV2OwnerRoutes } from './v2-owners.js';
import { registerV3ResourceRoutes } from './v3-resources.js';
import { registerV3TokenRoutes } from './v3-tokens.js';

export const THREATCONNECT_BASES = ['', '/api'] as const;

export const threatConnectSurface: Surface = {
  name: 'threatconnect',
  owns: (path) => /^\/api(\/|$)/.test(path) || /^\/v[23](\/|$)/.test(path),
  register(app, services) {
    for (const base of THREATCONNECT_BASES) {
      registerV2OwnerRoutes(app, base, services);
      registerV3TokenRoutes(app, base, services);
      registerV3ResourceRoutes(app, base, services);
    }
  },
  renderFailure: renderThreatConnectFailure,
};
