/** The surfaces this server speaks, and the one lookup from a path to its surface. */
import { contrastSurface } from './contrast/index.js';
import type { Surface } from './surface.js';
import { taxiiSurface } from './taxii/index.js';
import { threatConnectSurface } from './threatconnect/index.js';
import { websupportSurface } from './websupport/index.js';

export const SURFACES: readonly Surface[] = [threatConnectSurface, contrastSurface, websupportSurface, taxiiSurface];

const BY_PREFIX: readonly (readonly [string, Surface])[] = SURFACES
  .flatMap((surface) => surface.prefixes.map((prefix) => [prefix, surface] as const))
  .sort(([a], [b]) => b.length - a.length);

/**
 * The surface whose prefix begins the path (whole segments, the longest prefix first); the
 * ThreatConnect surface for paths under none. Used only where no route decided: unknown roots
 * and heads refused before routing.
 */
export function surfaceForPath(url: string): Surface {
  const path = url.split('?', 1)[0] ?? '/';
  for (const [prefix, surface] of BY_PREFIX) {
    if (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) return surface;
  }
  return threatConnectSurface;
}
